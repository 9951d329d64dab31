"""GraphQL execution with a short path for objects whose selected fields are all plain values.

Why: graphql-core spends ~5-8 µs on each field it executes (a Path, strawberry's resolve info, the
resolver call, the awaitable check, completion through non-null and leaf). A search page of 20
results with their highlights is ~460 fields, and more than half are plain attributes of small
objects (a highlight's field and marked text, an entity's name, a department's name): 3-5 ms
of every search request (BENCHMARKS.md "Search").

The short path applies to an object whose selected fields are each a strawberry field with no
resolver of ours, no arguments, and a scalar or enum type, or ``__typename``. It calls the very
resolver graphql-core would call (strawberry's attribute read, which ignores the resolve info)
and the type's own ``coerce_output_value``, so the value is the same. Anything unusual (a None for a
non-null field, a value the type refuses, an exception, an awaitable) sends the whole object
back through graphql-core's own path, which then raises the error it always would, located.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLList,
    GraphQLObjectType,
    GraphQLResolveInfo,
    TypeNameMetaFieldDef,
    Undefined,
    get_nullable_type,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# One selected field on the short path: response name, resolver (None: the constant is the
# value), coerce_output_value (or the constant), and whether null is allowed.
_PlainField = tuple[str, Callable[..., Any] | None, Any, bool]


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, with the short path for plain objects."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keyed by the identity of the grouped field set, which graphql-core memoises per type
        # and selection for the whole request (kept alive here so the id is not reused).
        self._plain_plans: dict[tuple[str, int], tuple[GroupedFieldSet, list[_PlainField] | None]] = {}

    def _plain_plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> list[_PlainField] | None:
        key = (parent_type.name, id(grouped_field_set))
        cached = self._plain_plans.get(key)
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        plan = self._make_plan(parent_type, grouped_field_set)
        self._plain_plans[key] = (grouped_field_set, plan)
        return plan

    def _make_plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> list[_PlainField] | None:
        # strawberry always passes a manager; it wraps resolvers only if it holds middleware.
        if self.middleware_manager and self.middleware_manager.middlewares:
            return None
        plan: list[_PlainField] = []
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
                plan.append((response_name, None, parent_type.name, False))
                continue
            resolve = field_def.resolve
            if field_def.args or resolve is None or not getattr(resolve, "_is_default", False):
                return None
            leaf = get_nullable_type(field_def.type)
            if not is_leaf_type(leaf):
                return None
            plan.append(
                (response_name, resolve, leaf.coerce_output_value, not is_non_null_type(field_def.type))
            )
        return plan

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
            results = self._plain_results(plan, source_value)
            if results is not None:
                return results
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
        # A list of plain objects (a result's highlights, its categories): each item straight to
        # _plain_results, without graphql-core's completion of every item (~4 µs each).
        items = self._plain_items(return_type.of_type, field_details_list, info, result)
        if items is not None:
            return items
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _plain_items(
        self, item_type: Any, field_details_list: FieldDetailsList, info: GraphQLResolveInfo, result: Any
    ) -> list[dict[str, Any]] | None:
        if not isinstance(result, list | tuple):
            return None
        nullable = not is_non_null_type(item_type)
        object_type = get_nullable_type(item_type)
        if not is_object_type(object_type):
            return None
        grouped_field_set, new_defer_usages, *_ = self.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            return None
        plan = self._plain_plan(object_type, grouped_field_set)
        if plan is None:
            return None
        is_type_of = object_type.is_type_of
        items: list[dict[str, Any]] = []
        for item in result:
            if item is None and nullable:
                items.append(None)  # type: ignore[arg-type]
                continue
            if item is None or isinstance(item, Exception) or self.is_awaitable(item):
                return None
            if is_type_of is not None:
                matches = is_type_of(item, info)
                if matches is not True:  # False, or an awaitable: graphql-core's path decides
                    return None
            completed = self._plain_results(plan, item)
            if completed is None:
                return None
            items.append(completed)
        return items

    def _plain_results(self, plan: list[_PlainField], source: Any) -> dict[str, Any] | None:
        results: dict[str, Any] = {}
        for response_name, resolve, serialize, nullable in plan:
            if resolve is None:
                results[response_name] = serialize
                continue
            try:
                value = resolve(source, None)
            except Exception:
                return None
            if value is None or value is Undefined:
                if not nullable:
                    return None
                results[response_name] = None
                continue
            if isinstance(value, Exception) or self.is_awaitable(value):
                return None
            try:
                out = serialize(value)
            except Exception:
                return None
            if out is None or out is Undefined:
                return None
            results[response_name] = out
        return results
