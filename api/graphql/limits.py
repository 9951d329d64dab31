"""The document's size, depth, aliases and cost, measured in one pass before validation.

strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` re-walk a fragment at every spread, so a
chain of fragments each spreading the previous one twice costs 2**n (24 links: no answer). Here a
fragment is measured once and its figures reused at every spread (memoised per fragment name), so
the walk is linear in the document. Fragment cost is linear in the multiplier of the place it is
spread in, so a fragment is measured at multiplier 1 and scaled.

Cost is GitHub's: every connection field costs one load per item its enclosing connections may
return (``first`` multiplies nested connections, the default page when omitted), plus one for the
request itself. It is reported in ``extensions.cost`` and charged against the caller's rate budget.
The measure runs before graphql-core's own validation (whose overlapping-fields rule is quadratic
in duplicate fields), so it tolerates unknown fields and fragment cycles: validation reports them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.type.definition import GraphQLInterfaceType
from strawberry.extensions import SchemaExtension

from api.error_codes import ApiErrorCode as Code
from api.graphql.core.pagination import DEFAULT_FIRST, MAX_FIRST
from api.graphql.document_cache import cached_validation


@dataclass(frozen=True)
class Limits:
    """The per-request maximums (their values live in api/graphql/schema.py beside MAX_DEPTH)."""

    max_depth: int
    max_aliases: int
    max_cost: int
    max_introspection_depth: int


@dataclass(frozen=True)
class Measure:
    """Depth below the root fields (introspection excluded, and included), aliases, cost."""

    depth: int
    introspection_depth: int
    aliases: int
    cost: int


ZERO = Measure(0, 0, 0, 0)


class _Walker:
    def __init__(
        self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode], variables: Any
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables if isinstance(variables, dict) else {}
        self.memo: dict[str, Measure] = {}
        self.busy: set[str] = set()

    def first(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            value: Any = None
            if isinstance(argument.value, IntValueNode):
                value = argument.value.value
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
            try:
                number = int(value) if value is not None else DEFAULT_FIRST
            except (TypeError, ValueError, OverflowError):
                number = DEFAULT_FIRST  # coercion refuses it later, with its own code
            return max(0, min(number, MAX_FIRST))
        return DEFAULT_FIRST

    def field_type(self, parent: GraphQLNamedType | None, name: str) -> GraphQLNamedType | None:
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(name)
            if definition is not None:
                return get_named_type(definition.type)
        return None

    def fragment(self, name: str) -> Measure:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.busy:
            return ZERO  # unknown fragment or a cycle: validation refuses the document
        self.busy.add(name)
        parent = self.schema.get_type(definition.type_condition.name.value)
        measure = self.selection_set(definition.selection_set, parent)
        self.busy.discard(name)
        self.memo[name] = measure
        return measure

    def selection_set(self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None) -> Measure:
        """The measure of one level: depth relative to it, cost at multiplier 1."""
        depth = introspection = aliases = cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                aliases += selection.alias is not None
                if selection.selection_set is None:
                    continue
                child_type = self.field_type(parent, name)
                child = self.selection_set(selection.selection_set, child_type)
                connection = child_type is not None and child_type.name.endswith("Connection")
                multiplier = self.first(selection) if connection else 1
                if not name.startswith("__"):
                    depth = max(depth, child.depth + 1)
                introspection = max(introspection, child.introspection_depth + 1)
                aliases += child.aliases
                cost += connection + multiplier * child.cost
                continue
            if isinstance(selection, FragmentSpreadNode):
                inner = self.fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner_parent = self.schema.get_type(condition.name.value) if condition else parent
                inner = self.selection_set(selection.selection_set, inner_parent)
            else:  # pragma: no cover - graphql-core has no other selection kind
                continue
            depth = max(depth, inner.depth)
            introspection = max(introspection, inner.introspection_depth)
            aliases += inner.aliases
            cost += inner.cost
        return Measure(depth, introspection, aliases, cost)


def measure(
    schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Mapping[str, Any], variables: Any
) -> Measure:
    """The figures of ``operation`` with ``variables`` (its fragments measured once each)."""
    root = schema.get_root_type(operation.operation)
    inner = _Walker(schema, fragments, variables).selection_set(operation.selection_set, root)
    return Measure(inner.depth, inner.introspection_depth, inner.aliases, 1 + inner.cost)


def refusals(figures: Measure, limits: Limits) -> Iterator[GraphQLError]:
    """Every limit ``figures`` passes, as a coded error."""
    if figures.depth > limits.max_depth:
        yield GraphQLError(
            f"查询深度 {figures.depth} 超过上限 {limits.max_depth}", extensions={"code": Code.QUERY_TOO_DEEP}
        )
    if figures.introspection_depth > limits.max_introspection_depth:
        yield GraphQLError(
            f"查询深度 {figures.introspection_depth} 超过上限 {limits.max_introspection_depth}",
            extensions={"code": Code.QUERY_TOO_DEEP},
        )
    if figures.aliases > limits.max_aliases:
        yield GraphQLError(
            f"别名数 {figures.aliases} 超过上限 {limits.max_aliases}",
            extensions={"code": Code.TOO_MANY_ALIASES},
        )
    if figures.cost > limits.max_cost:
        yield GraphQLError(
            f"查询成本 {figures.cost} 超过上限 {limits.max_cost}（first 会放大嵌套连接的成本）",
            extensions={"code": Code.QUERY_TOO_COSTLY, "cost": figures.cost, "maxCost": limits.max_cost},
        )


def _operation(document: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name is not None and o.name.value == name), None)


class LimitedValidation(SchemaExtension):
    """Tokens capped at parse; depth, aliases and cost refused before (cached) validation; cost reported.

    One extension with the validation cache, since that cache sets the validation errors outright:
    a document over a limit is refused without graphql-core's rules ever seeing it.
    """

    def __init__(self, limits: Limits, max_tokens: int) -> None:
        super().__init__()
        self.limits = limits
        self.max_tokens = max_tokens
        self.cost: int | None = None

    def on_operation(self) -> Iterator[None]:
        # graphql-core stops lexing at the cap: a 1 MB document of duplicate fields costs nothing.
        self.execution_context.parse_options["max_tokens"] = self.max_tokens
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = _operation(document, context.operation_name) if document else None
        if document is not None and operation is not None:
            fragments = {
                d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
            }
            figures = measure(context.schema._schema, operation, fragments, context.variables)
            self.cost = figures.cost
            errors = list(refusals(figures, self.limits))
            request = getattr(context.context, "request", None)
            if request is not None:
                request.state.query_cost = figures.cost
                request.state.operation_type = operation.operation.value
            if errors:
                context.pre_execution_errors = errors
                yield
                return
        if document is not None:
            # Kept by the document's text (api/graphql/document_cache.py), not by the document.
            context.pre_execution_errors = cached_validation(
                context.schema._schema, context.query or "", document, context.validation_rules
            )
        yield

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": {"requestedQueryCost": self.cost, "maximumAvailable": self.limits.max_cost}}
