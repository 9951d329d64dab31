"""Error codes are part of the contract: declared in each domain's enum, exposed as one GraphQL enum."""

from __future__ import annotations

import ast
from pathlib import Path

from api.graphql.core.errors import DOMAIN_CODES, ErrorCode
from api.graphql.schema import build_schema

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("api", "web", "demo", "inspections", "objections", "tlog", "search", "schema", "workdays")


def literal_codes(path: Path) -> list[str]:
    """``code="SOMETHING"`` keyword arguments: a code that no enum declares."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.keyword) and node.arg == "code" and isinstance(node.value, ast.Constant):
            found.append(f"{path.name}:{node.value.lineno}: code={node.value.value!r}")
    return found


def test_no_error_code_is_a_bare_string() -> None:
    files = [p for top in SOURCES for p in (ROOT / top).rglob("*.py") if "versions" not in p.parts]
    assert [hit for path in files for hit in literal_codes(path)] == []


def test_the_check_sees_a_bare_string(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text('raise InvalidInput("坏", code="NEW_CODE")\n', encoding="utf-8")
    assert literal_codes(planted) == ["planted.py:1: code='NEW_CODE'"]


def test_every_domain_code_is_a_value_of_the_graphql_enum() -> None:
    declared = {member.value for enum in DOMAIN_CODES for member in enum}
    assert {member.value for member in ErrorCode} == declared
    sdl = build_schema().as_str()
    enum_block = sdl[sdl.index("enum ErrorCode {") :].split("}", 1)[0]
    assert sorted(line.strip() for line in enum_block.splitlines()[1:] if line.strip()) == sorted(declared)
    assert 'code: String! @deprecated(reason: "请改用 errorCode（枚举，取值相同）")' in sdl


def test_domain_enums_name_their_values() -> None:
    for enum in DOMAIN_CODES:
        assert all(member.name == member.value for member in enum), enum


def test_a_value_the_database_refuses_is_the_callers_mistake_through_the_driver_too() -> None:
    # Statements sent to asyncpg directly (api/graphql/prefetch.py) raise asyncpg's own errors,
    # not SQLAlchemy's DBAPIError: a value PostgreSQL refuses (SQLSTATE class 22) or asyncpg
    # cannot encode is still answered ARGUMENT_INVALID, not masked as a fault.
    import asyncpg
    from graphql import GraphQLError

    from api.graphql.client_errors import refusal_code

    for refusal in (asyncpg.exceptions.DataError("x"), asyncpg.exceptions.NumericValueOutOfRangeError("y")):
        assert refusal_code(GraphQLError("x", original_error=refusal)) == "ARGUMENT_INVALID"
    fault = asyncpg.exceptions.UniqueViolationError("z")
    assert refusal_code(GraphQLError("x", original_error=fault)) is None
