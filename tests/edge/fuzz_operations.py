"""Random operations written from the live schema (a small, fast stand-in for hypothesis-graphql).

hypothesis-graphql took 100-220 ms to draw one operation from this schema (5,000 would take over
ten minutes), so this walks graphql-core's type map directly: one root field (two failing side by side break the test's shared savepoint), arguments as
typed variables (so coercion is exercised too), selections down to a few levels, every union and
interface member spread. Values come from pools of the awkward: IDs that are not IDs or of the
wrong type, huge numbers, decimal overflow, lone surrogates, very long text.
"""

from __future__ import annotations

import random
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)
from strawberry.relay import to_base64

LONG = "x" * 100_001  # one over the cap on free text
POOLS: dict[str, list[Any]] = {
    "Int": [0, 1, -1, 20, 100, 101, 2**31, -(2**31) - 1, 2024, 1999],
    "Float": [0.0, -1.5, 1e308],
    "Boolean": [True, False],
    "String": ["", "x", "云南", "532325", "53", "\ud800", "a" * 300, LONG, "91530000MA6K0000X1", "IMPORT"],
    "Date": ["2024-02-29", "2023-02-29", "0001-01-01", "9999-12-31", "today"],
    "DateTime": ["2024-02-29T08:00:00+08:00", "2024-13-01T00:00:00", "x"],
    "Decimal": ["10", "0", "-1", "1e999999", "NaN", "Infinity", "0.0000000001", "abc", "50"],
    "Upload": [None],
}
BAD_IDS = [
    "1",
    "",
    "not base64!",
    to_base64("Department", 999999),
    to_base64("NoSuchType", 1),
    to_base64("Task", "x"),
]


class Writer:
    """Operations of ``schema``; ``ids`` are real global IDs to mix in with the bad ones."""

    def __init__(self, schema: GraphQLSchema, ids: list[str], seed: int) -> None:
        self.schema = schema
        self.ids = ids + BAD_IDS
        self.random = random.Random(seed)

    def value(self, type_: GraphQLInputType, depth: int = 0) -> Any:
        if isinstance(type_, GraphQLNonNull):
            return self.value(type_.of_type, depth)
        if self.random.random() < 0.08:
            return None
        if isinstance(type_, GraphQLList):
            return [self.value(type_.of_type, depth + 1) for _ in range(self.random.randint(0, 3))]
        if isinstance(type_, GraphQLEnumType):
            return self.random.choice([*type_.values, "NOT_A_VALUE"])
        if isinstance(type_, GraphQLInputObjectType):
            if depth > 3:
                return {}
            return {
                name: self.value(field.type, depth + 1)
                for name, field in type_.fields.items()
                if isinstance(field.type, GraphQLNonNull) or self.random.random() < 0.7
            }
        assert isinstance(type_, GraphQLScalarType)
        if type_.name == "ID":
            return self.random.choice(self.ids)
        return self.random.choice(POOLS.get(type_.name, [None]))

    def selection(self, type_: Any, depth: int) -> str:
        named = get_named_type(type_)
        if isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
            members = self.schema.get_possible_types(named)
            spreads = " ".join(f"... on {m.name} {{ {self.fields(m, depth)} }}" for m in members)
            return f"{{ __typename {spreads} }}"
        if isinstance(named, GraphQLObjectType):
            return f"{{ {self.fields(named, depth)} }}"
        return ""

    def fields(self, type_: GraphQLObjectType, depth: int) -> str:
        names = list(type_.fields)
        chosen = self.random.sample(names, min(len(names), self.random.randint(1, 4)))
        parts = []
        for name in chosen:
            field = type_.fields[name]
            if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
                continue  # nested required arguments are rare; the root fields exercise arguments
            inner = get_named_type(field.type)
            if isinstance(inner, GraphQLObjectType | GraphQLUnionType | GraphQLInterfaceType):
                if depth >= 4:
                    continue
                parts.append(f"{name} {self.selection(field.type, depth + 1)}")
            else:
                parts.append(name)
        return " ".join(parts) or "__typename"

    def operation(self, kind: str) -> tuple[str, dict[str, Any]]:
        """A document and its variables."""
        root = self.schema.mutation_type if kind == "mutation" else self.schema.query_type
        assert root is not None
        definitions: list[str] = []
        variables: dict[str, Any] = {}
        fields: list[str] = []
        for name in self.random.sample(list(root.fields), 1):
            field = root.fields[name]
            arguments = []
            for arg_name, arg in field.args.items():
                if not isinstance(arg.type, GraphQLNonNull) and self.random.random() < 0.5:
                    continue
                variable = f"v{len(variables)}"
                definitions.append(f"${variable}: {arg.type}")
                variables[variable] = self.value(arg.type)
                arguments.append(f"{arg_name}: ${variable}")
            args = f"({', '.join(arguments)})" if arguments else ""
            fields.append(f"{name}{args} {self.selection(field.type, 1)}")
        head = f"{kind}({', '.join(definitions)})" if definitions else kind
        return f"{head} {{ {' '.join(fields)} }}", variables
