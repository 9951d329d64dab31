"""GraphQL execution with a short path for objects whose fields need nothing graphql-core adds.

Why: graphql-core spends ~5-8 µs on each field it executes beyond the resolver itself (the
awaitable checks, completion through non-null, leaf, object and list, the error handling around
each). A search page of 20 results with their entity, department, item, categories and
highlights is ~460 fields: 3-5 ms of every search request (BENCHMARKS.md "Search").

The short path applies to an object whose selected fields are each ``__typename`` or a field
without arguments whose resolver is strawberry's attribute read or a synchronous resolver, and
whose type is a scalar or enum, an object type, or a list of either (nullable or not), the
objects' own fields following the same rule. It calls the very resolver graphql-core would call,
with the resolve info graphql-core would build (none for strawberry's attribute read, which
ignores it), checks ``is_type_of`` and coerces leaves with the type's own ``coerce_output_value``,
so the values are the same.

Anything unusual (an exception, a None for a non-null field, a value a type refuses, a value to
await) sends the whole object, or the whole list, back through graphql-core's own path, which
then resolves it again and raises the error it always would, located. Resolvers of queries are
reads, so running one twice changes nothing but the time; a resolver that needed awaiting turns
the short path off for that selection for the rest of the request, so a page whose related rows
come from loaders pays for one wasted attempt, not one per row.
"""

from __future__ import annotations

import inspect
import itertools
import weakref
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from operator import attrgetter
from types import CoroutineType, GeneratorType
from typing import Any

from graphql import (
    GraphQLID,
    GraphQLList,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    GraphQLString,
    TypeNameMetaFieldDef,
    Undefined,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info as StrawberryInfo

_TYPENAME, _LEAF, _OBJECT, _LIST = range(4)


# Types whose values are neither an exception nor anything to await, told at a glance: the
# scalars, then each type _settled_type has found to be so (the schema's object types, lists).
_SETTLED: set[type] = {str, int, float, bool, date, datetime, list, tuple}


def _settled_type(value: Any) -> bool:
    """Whether no value of ``type(value)`` can be an exception or awaitable in graphql-core's
    sense (its is_awaitable: a coroutine, an iterable coroutine or anything with ``__await__``).

    Why: the page's ~140 object and list values were each checked with isinstance and
    is_awaitable (~0.5 µs); once a type is known, a set lookup. A type that may answer for an
    attribute it does not define (its own ``__getattr__`` or ``__getattribute__``, a builtin's
    excepted) is never settled. Only the instances' classes are read, not a metaclass (an enum's
    answers for its class's attributes, not for its members'). An ``__await__`` set on one
    instance is not looked for: ``await`` reads the type's.
    """
    kind = type(value)
    if issubclass(kind, BaseException | CoroutineType | GeneratorType):
        return False
    for klass in kind.__mro__[:-1]:  # the last is object
        names = vars(klass)
        if "__await__" in names or "__getattr__" in names:
            return False
        if "__getattribute__" in names and klass.__module__ != "builtins":
            return False
    if len(_SETTLED) < 1024:  # the schema's types and a few builtins; bounded all the same
        _SETTLED.add(kind)
    return True


class _Field:
    """One selected field on the short path, as planned for its parent type and selection."""

    __slots__ = (
        "call",
        "details",
        "field_def",
        "field_nodes",
        "info",
        "item_nullable",
        "kind",
        "name",
        "nullable",
        "object_type",
        "parent_type",
        "read",
        "resolve",
        "subplan",
        "subplan_epoch",
        "text",
        "value",
    )

    def __init__(self, name: str, kind: int, parent_type: GraphQLObjectType) -> None:
        self.name = name
        self.kind = kind
        self.parent_type = parent_type
        # A basic field's attribute read (strawberry's default resolver, without its wrappers), or
        # else the resolver graphql-core calls, with a resolve info.
        self.read: Callable[[Any], Any] | None = None
        self.resolve: Callable[..., Any] | None = None
        # A plain synchronous resolver's own function, called with (source, strawberry info)
        # without strawberry's wrappers (see _direct_call), and its strawberry field.
        self.call: Callable[[Any, Any], Any] | None = None
        self.info: Any = None
        self.field_def: Any = None
        self.field_nodes: list[Any] = []
        self.details: FieldDetailsList | None = None
        # The constant (__typename), or the leaf's (or leaf list item's) coerce_output_value.
        self.value: Any = None
        self.nullable = False
        self.item_nullable = False
        # A String or ID leaf.
        self.text = False
        # The object type of an object field or of a list's items (None: a list of leaves).
        self.object_type: GraphQLObjectType | None = None
        # Its plan, as _plain_plan gave it while a context's epoch was subplan_epoch (epochs are
        # unique across requests: a plan is shared by every request of the same selection, the
        # subplan found in one request is looked up again in the next).
        self.subplan: list[_Field] | None = None
        self.subplan_epoch = -1


# Known answers of _ignores_info, by the function (the schema's, alive for the process).
_IGNORES_INFO: dict[Callable[..., Any], bool] = {}


def _ignores_info(is_type_of: Callable[..., Any]) -> bool:
    """Whether ``is_type_of`` is the one strawberry makes for a type with interfaces (a relay
    node), which never reads its resolve info (its parameter is ``_info``): building one for each
    object of a page costs more than the check (~2 µs each)."""
    known = _IGNORES_INFO.get(is_type_of)
    if known is None:
        code = getattr(is_type_of, "__code__", None)
        known = _IGNORES_INFO[is_type_of] = (
            getattr(is_type_of, "__module__", None) == "strawberry.schema.schema_converter"
            and code is not None
            and code.co_varnames[:2] == ("obj", "_info")
        )
    return known


class _LazyResolveInfo:
    """The resolve info graphql-core would pass, built on first use beyond ``context``.

    The page's resolvers read only ``info.context`` (the loaders); building the full info for
    each of their ~120 calls a page would cost more than they do. Any other attribute builds it.
    """

    __slots__ = ("_built", "_context", "_field", "_path", "context")

    def __init__(self, context: PlainFieldsExecutionContext, field: _Field, path: Path) -> None:
        self.context = context.context_value
        self._context, self._field, self._path = context, field, path
        self._built: GraphQLResolveInfo | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._built is None:
            field = self._field
            self._built = self._context.build_resolve_info(
                field.field_def, field.field_nodes, field.parent_type, self._path
            )
        return getattr(self._built, name)


def _weak_helpers(context: PlainFieldsExecutionContext) -> GraphQLResolveInfoHelpers:
    """graphql-core's async helpers of ``context`` without a reference to it that would keep
    it, and all it holds, alive in a cycle (see build_response)."""
    ref = weakref.ref(context)

    def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        alive = ref()
        return gather_with_cancel(*values) if alive is None else alive.gather_async_work(values)

    def track(values: Sequence[Any]) -> None:
        alive = ref()
        if alive is not None:
            alive.track_async_work(values)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)


class _NotPlain(Exception):
    """Raised inside the short path: the object goes back to graphql-core."""


# Epochs of the contexts' plan lookups: each request starts a new one, and each plan it gives up.
_EPOCHS = itertools.count()
# The plans made, by parent type and selection (see _signature), shared by the requests: a
# document's selections are the same objects in every request that sends it (the parsed document
# is cached), so the 10 plans of a results page are made once, not per request. The value keeps
# the type and the selection's field nodes alive, so the ids in the key are theirs. A selection
# is kept the second time it is seen (its key's hash remembered the first), as the document cache
# admits documents: kept at once, the plans of the fuzz mix's one-off documents held them alive
# and one worker grew by ~47 MB over 10,000 requests (bench/rss_bench.py; BENCHMARKS.md).
_SHARED_PLANS: dict[tuple[Any, ...], tuple[GraphQLObjectType, list[Any], list[_Field] | None]] = {}
SHARED_PLANS_MAX = 256
_SEEN_SELECTIONS: set[int] = set()
SEEN_SELECTIONS_MAX = 4096


def _signature(grouped_field_set: GroupedFieldSet) -> tuple[Any, ...]:
    """What a plan depends on besides its type and the schema: each response name with the
    identity of its field nodes, and whether any is deferred (the same nodes may be deferred or
    not by a variable; skipped or included ones are absent or present)."""
    return tuple(
        (name, *[(id(details.node), getattr(details, "defer_usage", None) is None) for details in fields])
        for name, fields in grouped_field_set.items()
    )


# The direct call of each field definition seen (kept alive beside it, so its id is not reused).
_DIRECT_CALLS: dict[int, tuple[Any, Callable[[Any, Any], Any] | None]] = {}


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, with the short path for plain objects."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keyed by the identity of the grouped field set, which graphql-core memoises per type
        # and selection for the whole request (kept alive here so the id is not reused).
        self._plain_plans: dict[tuple[str, int], tuple[GroupedFieldSet, list[_Field] | None]] = {}
        self._awaited = False
        self._epoch = next(_EPOCHS)
        # The strawberry Info given to every call of a field's ``call`` in this request, and the
        # lazy resolve info inside it, moved to each call's path (see _strawberry_info).
        self._infos: dict[_Field, tuple[Any, _LazyResolveInfo]] = {}

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """The response, then the request's reference cycles through this context broken.

        Why: graphql-core's context refers to itself (its async helpers are its own bound
        methods), and so do the fields' Infos (this context -> its Infos -> the lazy resolve
        info -> this context). The context holds the request's context value, so
        the loaders, records and futures of a results page (~650 objects) could not be freed by
        reference counting and were left to the cyclic collector: in uvicorn under load a young
        pass every ~15 pages, 2-8 ms each, 0.4-0.5 ms of CPU a page (BENCHMARKS.md, "The
        uncached page, fourth pass"). Once the response is built nothing of this request reads
        them: the Infos go (later work of this context, e.g. incremental delivery, makes them
        again) and the helpers are rebound through a weak reference (the resolve infos built so
        far keep the originals).
        """
        response = super().build_response(data)
        self._infos.clear()
        self._plain_plans.clear()
        self.async_helpers = _weak_helpers(self)
        return response

    def _plain_plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> list[_Field] | None:
        key = (parent_type.name, id(grouped_field_set))
        cached = self._plain_plans.get(key)
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        shared_key = (id(parent_type), _signature(grouped_field_set))
        shared = _SHARED_PLANS.get(shared_key)
        if shared is not None and shared[0] is parent_type:
            plan = shared[2]
        else:
            plan = self._make_plan(parent_type, grouped_field_set)
            seen = hash(shared_key)
            if seen in _SEEN_SELECTIONS:
                if len(_SHARED_PLANS) >= SHARED_PLANS_MAX:  # many documents: start again
                    _SHARED_PLANS.clear()
                nodes = [details.node for fields in grouped_field_set.values() for details in fields]
                _SHARED_PLANS[shared_key] = (parent_type, nodes, plan)
            else:
                if len(_SEEN_SELECTIONS) >= SEEN_SELECTIONS_MAX:
                    _SEEN_SELECTIONS.clear()
                _SEEN_SELECTIONS.add(seen)
        self._plain_plans[key] = (grouped_field_set, plan)
        return plan

    def _give_up_on(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> None:
        self._plain_plans[parent_type.name, id(grouped_field_set)] = (grouped_field_set, None)
        self._epoch = next(_EPOCHS)  # the plans fields remember are looked up again

    def _make_plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> list[_Field] | None:
        # strawberry always passes a manager; it wraps resolvers only if it holds middleware.
        if self.middleware_manager and self.middleware_manager.middlewares:
            return None
        plan: list[_Field] = []
        for response_name, field_details_list in grouped_field_set.items():
            if any(getattr(details, "defer_usage", None) is not None for details in field_details_list):
                return None
            node = field_details_list[0].node
            if node.arguments:
                return None
            field_def = self.schema.get_field(parent_type, node.name.value)
            if field_def is None:
                return None
            if field_def is TypeNameMetaFieldDef:
                field = _Field(response_name, _TYPENAME, parent_type)
                field.value = parent_type.name
                plan.append(field)
                continue
            resolve = field_def.resolve
            if field_def.args or resolve is None:
                return None
            if inspect.iscoroutinefunction(resolve):
                return None
            typed = self._typed_field(response_name, parent_type, field_def.type)
            if typed is None:
                return None
            field = typed
            definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if (
                getattr(resolve, "_is_default", False)
                and isinstance(definition, StrawberryField)
                and definition.is_basic_field
                and definition.default_resolver is getattr
                and definition.python_name
            ):
                # What strawberry's resolver for a basic field returns: getattr(source, name).
                field.read = attrgetter(definition.python_name)
            else:
                field.resolve = resolve
                field.call = self._direct_call(definition)
            field.field_def = field_def
            field.field_nodes = [details.node for details in field_details_list]
            field.details = field_details_list
            plan.append(field)
        return plan

    @staticmethod
    def _direct_call(definition: Any) -> Callable[[Any, Any], Any] | None:
        # Plans are made per request, the calls once per field definition (alive with the schema).
        try:
            return _DIRECT_CALLS[id(definition)][1]
        except KeyError:
            call = PlainFieldsExecutionContext._make_direct_call(definition)
            _DIRECT_CALLS[id(definition)] = (definition, call)
            return call

    @staticmethod
    def _make_direct_call(definition: Any) -> Callable[[Any, Any], Any] | None:
        """The resolver's own function as (source, info) -> value, when strawberry adds nothing.

        Why: strawberry's wrapper around a resolver (argument conversion, the field-extension
        chain, a new Info) costs ~8 µs a call, several times the page's resolvers themselves,
        and a 20-result page calls ~120 of them. It adds nothing for a synchronous resolver
        without arguments or field extensions, whose parameters are only self/root/parent and
        info: the same function gets the same source and a strawberry Info of the same field.
        The schema's exception handlers act on an exception, and an exception sends the object
        back to graphql-core, whose call through strawberry's wrapper then runs them.
        """
        if not isinstance(definition, StrawberryField) or definition.extensions or definition.arguments:
            return None
        resolver = definition.base_resolver
        if resolver is None or resolver.is_async:
            return None
        func = resolver.wrapped_func
        if isinstance(func, staticmethod | classmethod) or not inspect.isfunction(func):
            return None
        positional = resolver.self_parameter is not None
        keyword_source = [
            p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None
        ]
        info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
        expected = (1 if positional else 0) + len(keyword_source) + (1 if info_name else 0)
        if len(inspect.signature(func).parameters) != expected:
            return None
        if positional and not keyword_source and info_name:
            return lambda source, info: func(source, **{info_name: info})
        if positional and not keyword_source and not info_name:
            return lambda source, info: func(source)

        def call(source: Any, info: Any) -> Any:
            kwargs = {name: source for name in keyword_source}
            if info_name:
                kwargs[info_name] = info
            return func(source, **kwargs) if positional else func(**kwargs)

        return call

    @staticmethod
    def _typed_field(name: str, parent_type: GraphQLObjectType, field_type: Any) -> _Field | None:
        inner = get_nullable_type(field_type)
        if is_leaf_type(inner):
            field = _Field(name, _LEAF, parent_type)
            field.value = inner.coerce_output_value
            field.text = inner is GraphQLString or inner is GraphQLID
        elif is_object_type(inner):
            field = _Field(name, _OBJECT, parent_type)
            field.object_type = inner
        elif is_list_type(inner):
            item = get_nullable_type(inner.of_type)
            field = _Field(name, _LIST, parent_type)
            field.item_nullable = not is_non_null_type(inner.of_type)
            if is_leaf_type(item):
                field.value = item.coerce_output_value
            elif is_object_type(item):
                field.object_type = item
            else:
                return None
        else:
            return None
        field.nullable = not is_non_null_type(field_type)
        return field

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        plan = self._plain_plan(parent_type, grouped_field_set)
        if plan is not None:
            self._awaited = False
            try:
                return self._plain_results(plan, source_value, path)
            except _NotPlain:
                if self._awaited:
                    self._give_up_on(parent_type, grouped_field_set)
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)

    def complete_list_value(
        self,
        return_type: GraphQLList[Any],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        # A list of plain objects (a page's edges, a result's highlights): each item on the short
        # path, without graphql-core's completion of every item (~4 µs each).
        item_type = return_type.of_type
        inner = get_nullable_type(item_type)
        if is_object_type(inner):
            field = _Field(info.field_name, _LIST, info.parent_type)
            field.item_nullable = not is_non_null_type(item_type)
            field.object_type = inner
            field.details = field_details_list
            self._awaited = False
            try:
                return self._complete_list(field, result, path, info)
            except _NotPlain:
                if self._awaited:
                    grouped_field_set, *_ = self.collect_subfields(inner, field_details_list)
                    self._give_up_on(inner, grouped_field_set)
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _plain_results(self, plan: list[_Field], source: Any, path: Path | None) -> dict[str, Any]:
        """The object's response map; raises _NotPlain for anything graphql-core must handle."""
        results: dict[str, Any] = {}
        for field in plan:
            kind = field.kind
            if kind == _TYPENAME:
                results[field.name] = field.value
                continue
            info = None
            field_path = None
            try:
                if field.read is not None:
                    value = field.read(source)
                elif field.call is not None:
                    field_path = Path(path, field.name, field.parent_type.name)
                    value = field.call(source, self._strawberry_info(field, field_path))
                else:
                    field_path = Path(path, field.name, field.parent_type.name)
                    info = self.build_resolve_info(
                        field.field_def, field.field_nodes, field.parent_type, field_path
                    )
                    value = field.resolve(source, info)  # type: ignore[misc]
            except Exception:
                raise _NotPlain from None
            if value is None or value is Undefined:
                if not field.nullable:
                    raise _NotPlain
                results[field.name] = None
                continue
            if type(value) not in _SETTLED and not _settled_type(value):
                if isinstance(value, Exception):
                    raise _NotPlain
                if self.is_awaitable(value):
                    self._discard(value)
                    raise _NotPlain
            if kind == _LEAF:
                # A str for String or ID is its own output (their coerce_output_value returns it).
                results[field.name] = (
                    value if field.text and type(value) is str else self._leaf(field.value, value)
                )
                continue
            if field_path is None:
                field_path = Path(path, field.name, field.parent_type.name)
            if kind == _OBJECT:
                results[field.name] = self._complete_object(field, value, field_path, info)
            else:
                results[field.name] = self._complete_list(field, value, field_path, info)
        return results

    def _strawberry_info(self, field: _Field, path: Path) -> Any:
        # One Info per planned field and request, moved to each call's path: the resolvers it
        # is given to are synchronous, so a call is over before the next one starts, and a value
        # left to await (which could still read it) is discarded and resolved again by
        # graphql-core with its own info. A page calls ~120 of them (~1 µs each to build).
        lazy = self._infos.get(field)
        if lazy is None:
            if field.info is None:
                field.info = (field.field_def.extensions or {})[GraphQLCoreConverter.DEFINITION_BACKREF]
            raw = _LazyResolveInfo(self, field, path)
            lazy = self._infos[field] = (StrawberryInfo(_raw_info=raw, _field=field.info), raw)  # type: ignore[arg-type]
            return lazy[0]
        raw = lazy[1]
        raw._path, raw._built = path, None
        return lazy[0]

    @staticmethod
    def _leaf(coerce: Callable[[Any], Any], value: Any) -> Any:
        try:
            out = coerce(value)
        except Exception:
            raise _NotPlain from None
        if out is None or out is Undefined:
            raise _NotPlain
        return out

    def _info(self, field: _Field, path: Path, info: GraphQLResolveInfo | None) -> GraphQLResolveInfo:
        if info is not None:
            return info
        return self.build_resolve_info(
            field.field_def, [details.node for details in field.details or []], field.parent_type, path
        )

    def _complete_object(
        self, field: _Field, value: Any, path: Path, info: GraphQLResolveInfo | None
    ) -> dict[str, Any]:
        object_type = field.object_type
        assert object_type is not None and field.details is not None
        if object_type.is_type_of is not None:
            check_info = None if _ignores_info(object_type.is_type_of) else self._info(field, path, info)
            matches = object_type.is_type_of(value, check_info)  # type: ignore[arg-type]
            if matches is not True:  # False, or an awaitable: graphql-core's path decides
                self._discard(matches)
                raise _NotPlain
        if field.subplan_epoch == self._epoch:
            # The plan found for this field's objects before (a page's rows share it), unless
            # a plan was given up since.
            plan = field.subplan
        else:
            # graphql-core's collect_subfields, memoised per request (this request's variables).
            grouped_field_set, new_defer_usages, *_ = self.collect_subfields(object_type, field.details)
            if new_defer_usages:
                raise _NotPlain
            plan = self._plain_plan(object_type, grouped_field_set)
            field.subplan, field.subplan_epoch = plan, self._epoch
        if plan is None:
            raise _NotPlain
        return self._plain_results(plan, value, path)

    def _complete_list(
        self, field: _Field, value: Any, path: Path, info: GraphQLResolveInfo | None
    ) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise _NotPlain
        is_type_of = field.object_type.is_type_of if field.object_type is not None else None
        if is_type_of is not None and not _ignores_info(is_type_of):
            # graphql-core checks each item with the list field's own resolve info.
            info = self._info(field, path, info)
        items: list[Any] = []
        for index, item in enumerate(value):
            if item is None:
                if not field.item_nullable:
                    raise _NotPlain
                items.append(None)
            elif (
                type(item) not in _SETTLED
                and not _settled_type(item)
                and (isinstance(item, Exception) or self.is_awaitable(item))
            ):
                self._discard(item)
                raise _NotPlain
            elif field.object_type is None:
                items.append(self._leaf(field.value, item))
            else:
                items.append(self._complete_object(field, item, Path(path, index, None), info))
        return items

    def _discard(self, value: Any) -> None:
        # A value graphql-core would have awaited: graphql-core's own path resolves the field
        # again, so this one is closed unawaited (a coroutine would warn) and the plan dropped.
        if self.is_awaitable(value):
            self._awaited = True
            if inspect.iscoroutine(value):
                value.close()
