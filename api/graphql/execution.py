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
from collections.abc import Callable
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLList,
    GraphQLObjectType,
    GraphQLResolveInfo,
    TypeNameMetaFieldDef,
    Undefined,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

_TYPENAME, _LEAF, _OBJECT, _LIST = range(4)


# Values that are neither an exception nor anything to await, told at a glance.
_SCALARS = frozenset({str, int, float, bool, date, datetime})


class _Field:
    """One selected field on the short path, as planned for its parent type and selection."""

    __slots__ = (
        "details",
        "field_def",
        "field_nodes",
        "item_nullable",
        "kind",
        "name",
        "nullable",
        "object_type",
        "parent_type",
        "read",
        "resolve",
        "subfields",
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
        self.field_def: Any = None
        self.field_nodes: list[Any] = []
        self.details: FieldDetailsList | None = None
        # The constant (__typename), or the leaf's (or leaf list item's) coerce_output_value.
        self.value: Any = None
        self.nullable = False
        self.item_nullable = False
        # The object type of an object field or of a list's items (None: a list of leaves).
        self.object_type: GraphQLObjectType | None = None
        # Their selection (graphql-core's collect_subfields), once known.
        self.subfields: GroupedFieldSet | None = None


class _NotPlain(Exception):
    """Raised inside the short path: the object goes back to graphql-core."""


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, with the short path for plain objects."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keyed by the identity of the grouped field set, which graphql-core memoises per type
        # and selection for the whole request (kept alive here so the id is not reused).
        self._plain_plans: dict[tuple[str, int], tuple[GroupedFieldSet, list[_Field] | None]] = {}
        self._awaited = False

    def _plain_plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> list[_Field] | None:
        key = (parent_type.name, id(grouped_field_set))
        cached = self._plain_plans.get(key)
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        plan = self._make_plan(parent_type, grouped_field_set)
        self._plain_plans[key] = (grouped_field_set, plan)
        return plan

    def _give_up_on(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> None:
        self._plain_plans[parent_type.name, id(grouped_field_set)] = (grouped_field_set, None)

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
            field.field_def = field_def
            field.field_nodes = [details.node for details in field_details_list]
            field.details = field_details_list
            plan.append(field)
        return plan

    @staticmethod
    def _typed_field(name: str, parent_type: GraphQLObjectType, field_type: Any) -> _Field | None:
        inner = get_nullable_type(field_type)
        if is_leaf_type(inner):
            field = _Field(name, _LEAF, parent_type)
            field.value = inner.coerce_output_value
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
            if type(value) not in _SCALARS:
                if isinstance(value, Exception):
                    raise _NotPlain
                if self.is_awaitable(value):
                    self._discard(value)
                    raise _NotPlain
            if kind == _LEAF:
                results[field.name] = self._leaf(field.value, value)
                continue
            if field_path is None:
                field_path = Path(path, field.name, field.parent_type.name)
            if kind == _OBJECT:
                results[field.name] = self._complete_object(field, value, field_path, info)
            else:
                results[field.name] = self._complete_list(field, value, field_path, info)
        return results

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
            matches = object_type.is_type_of(value, self._info(field, path, info))
            if matches is not True:  # False, or an awaitable: graphql-core's path decides
                self._discard(matches)
                raise _NotPlain
        grouped_field_set = field.subfields
        if grouped_field_set is None:
            grouped_field_set, new_defer_usages, *_ = self.collect_subfields(object_type, field.details)
            if new_defer_usages:
                raise _NotPlain
            field.subfields = grouped_field_set
        plan = self._plain_plan(object_type, grouped_field_set)
        if plan is None:
            raise _NotPlain
        return self._plain_results(plan, value, path)

    def _complete_list(
        self, field: _Field, value: Any, path: Path, info: GraphQLResolveInfo | None
    ) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise _NotPlain
        if field.object_type is not None and field.object_type.is_type_of is not None:
            # graphql-core checks each item with the list field's own resolve info.
            info = self._info(field, path, info)
        items: list[Any] = []
        for index, item in enumerate(value):
            if item is None:
                if not field.item_nullable:
                    raise _NotPlain
                items.append(None)
            elif isinstance(item, Exception) or self.is_awaitable(item):
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
