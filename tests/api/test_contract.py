"""The GraphQL contract file, the public surface, health endpoints and migrations."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from alembic import command
from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType, get_named_type
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from api.cli.schema import SDL_PATH
from api.graphql.schema import build_schema
from schema.migrate import alembic_config
from tests import factories

# Words that would betray a non-public field (inspectors, contacts, evidence, internal notes,
# who approved a correction) on a public type.
NON_PUBLIC = (
    "phone",
    "email",
    "contact",
    "inspector",
    "badge",
    "team",
    "approvedBy",
    "internal",
    "evidence",
    "note",
)


def test_schema_file_matches_code() -> None:
    assert SDL_PATH.read_text(encoding="utf-8") == build_schema().as_str() + "\n", (
        "api/schema.graphql drifted from the code: run `make format` (gongshi schema export)"
    )


# Answer only their own department or entity (a typed refusal for everyone else): tested with them.
DEPARTMENT_ONLY_QUERIES = {"drawPreview", "lateResults", "objectionQueue", "myObjections"}
# Issue 6: mutual recognition and full statistics (tests/api/test_recognition_api.py).
DEPARTMENT_ONLY_QUERIES |= {
    "recognitionByEntity",
    "recognitionByTask",
    "recognitionReads",
    "departmentStatistics",
}
# Issue 14: a department's results work list and one's own tokens (tests/api/test_result_work_list.py,
# tests/api/test_account_roles.py): every caller but the department's or the holder's gets a refusal.
DEPARTMENT_ONLY_QUERIES |= {"resultWorkList", "myTokens"}
# Issue 14 point 4: a task's inspections, teams and results, for the task's departments only
# (tests/api/test_task_inspections_roles.py: everyone else gets what a missing task gets).
DEPARTMENT_ONLY_QUERIES |= {"taskInspections"}
# Issue 14 points 4-5: the objection and follow-up work lists (tests/api/test_objection_work.py).
DEPARTMENT_ONLY_QUERIES |= {"objectionWorkList", "followUpWorkList"}
# Issue 14 point 4: nodes that ``node(id)`` answers only for the task's departments (null for anyone
# else, as for an invented ID: tests/api/test_department_nodes.py); and the department view of a
# result (tests/api/test_department_result_nodes.py).
DEPARTMENT_ONLY_NODES = {"Inspection", "TeamMember", "DepartmentResult"}


def _public_fields() -> set[str]:
    """Every field of every type an anonymous query can reach (not mutations, not department-only queries)."""
    schema = build_schema()._schema
    seen: set[str] = set()
    fields: set[str] = set()
    pending = [schema.query_type]
    while pending:
        current = get_named_type(pending.pop())
        if current is None or current.name in seen or current.name in DEPARTMENT_ONLY_NODES:
            continue
        seen.add(current.name)
        if isinstance(current, GraphQLObjectType | GraphQLInterfaceType):
            for name, field in current.fields.items():
                if current is schema.query_type and name in DEPARTMENT_ONLY_QUERIES:
                    continue
                fields.add(name)
                pending.append(field.type)
        if isinstance(current, GraphQLInterfaceType | GraphQLUnionType):
            pending.extend(schema.get_possible_types(current))
    return fields


def test_public_types_have_no_non_public_fields() -> None:
    fields = _public_fields()
    leaks = sorted(f for f in fields for word in NON_PUBLIC if word.lower() in f.lower())
    assert leaks == []
    assert "legalRepresentative" in fields  # sanity: the walk does reach entity fields
    assert "internalNote" not in fields and "status" in fields


def test_sdl_path_is_in_api_package() -> None:
    assert Path(__file__).resolve().parents[2] / "api" / "graphql" / "schema.graphql" == SDL_PATH


def test_alembic_check_is_clean(database_url: str) -> None:
    command.check(alembic_config(database_url))


async def test_published_versions_are_append_only_in_the_database(session: AsyncSession) -> None:
    await factories.joint_task(session, entities=1)  # rows in every append-only table
    await session.flush()
    for statement in (
        "UPDATE result_versions SET description = 'x'",
        "DELETE FROM result_versions",
        "DELETE FROM draw_entries",
        "UPDATE audit_events SET actor = 'x'",
    ):
        savepoint = await session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(text(statement))
        await savepoint.rollback()


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert {k: v for k, v in ready.json().items() if k != "search"} == {
        "status": "ready",
        "database": "ok",
        "migrations": "ok",
        "rateLimits": "ok",
    }


async def test_graphiql_is_served(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"}, follow_redirects=True)
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert page.url.path == "/api/graphiql" and "/static/" in page.text and "cdn" not in page.text.lower()


async def test_validation_cache_hits_on_repeated_queries() -> None:
    """A repeated query is validated and parsed twice, then served from the caches (the caches
    admit a document the second time they see it): the limit rules must not change per request."""
    from api.graphql.document_cache import PARSED, VALIDATED

    query = "{ resultCategories { code label } __typename }"
    before = (VALIDATED.hits, VALIDATED.misses, PARSED.hits, PARSED.misses)
    for _ in range(5):
        await build_schema().execute(query)  # no context: the resolver fails, after validation
    assert VALIDATED.misses - before[1] == 2
    assert VALIDATED.hits - before[0] == 3
    assert PARSED.misses - before[3] == 2
    assert PARSED.hits - before[2] == 3


async def test_document_seen_once_is_not_kept() -> None:
    """A document sent once leaves nothing in the caches; the second time it is kept, its
    locations without tokens but with their offsets (issue 13's memory)."""
    from api.graphql.document_cache import PARSED, VALIDATED

    def text(key: object, at: int) -> object:
        return key[at] if isinstance(key, tuple) else None  # (text, options); (schema, text, rules)

    query = "{ resultCategories { code } once: __typename }"
    await build_schema().execute(query)
    assert not [key for key in PARSED.entries if text(key, 0) == query]
    assert not [key for key in VALIDATED.entries if text(key, 1) == query]
    await build_schema().execute(query)
    kept = [value for key, (value, _weight) in PARSED.entries.items() if text(key, 0) == query]
    assert len(kept) == 1
    assert [key for key in VALIDATED.entries if text(key, 1) == query]
    field = kept[0].definitions[0].selection_set.selections[0]
    assert field.name.value == "resultCategories"
    assert (field.loc.start, field.loc.end) == (2, 27)  # "resultCategories { code }"
    assert field.loc.start_token is None and field.loc.end_token is None
    assert field.loc.source.body == query


async def test_validation_cache_keeps_errors_without_the_document() -> None:
    """A cached validation error answers as the first one did, and holds no node of the document
    (a node's location keeps every token of the text alive: issue 13's memory)."""
    from api.graphql.document_cache import VALIDATED

    query = "{\n  resultCategories { code nosuchFieldForTheCacheTest }\n}"
    results = [await build_schema().execute(query) for _ in range(3)]  # kept at the second
    assert all(result.data is None for result in results)
    formatted = [error.formatted for result in results for error in result.errors or []]
    assert len(formatted) == 3
    assert formatted[0] == formatted[1] == formatted[2]
    assert "nosuchFieldForTheCacheTest" in formatted[0]["message"]
    # Line 2: two spaces, "resultCategories" (3-18), " { " (19-21), "code " (22-26), the field at 27.
    assert formatted[0]["locations"] == [{"line": 2, "column": 27}]
    assert "path" not in formatted[0] and "extensions" not in formatted[0]
    kept = [value for value, _weight in VALIDATED.entries.values() if value]
    assert kept and all(error.nodes is None for errors in kept for error in errors)
