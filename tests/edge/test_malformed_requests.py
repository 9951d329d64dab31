"""Every malformed request the issue lists: a 4xx with a GraphQL-shaped body and a stable code.

Each row is (what, method, headers, body, expected status, expected code). Before issue 13, 33 of
103 such requests answered 500; here each is refused by the view, never by an exception.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.api.conftest import app_client

JSON = {"content-type": "application/json"}
Q = '{"query": "{ departments(first: 1) { totalCount } }"}'
MUTATION = 'mutation { withdrawObjection(objectionId: "x") { __typename } }'


def multipart(operations: str, mapping: str, files: bool = True) -> tuple[dict[str, str], bytes]:
    boundary = "b0undary"
    parts = [("operations", operations), ("map", mapping)]
    body = b""
    for name, value in parts:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    if files:
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="a.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n"
        ).encode()
    body += f"--{boundary}--\r\n".encode()
    return {"content-type": f"multipart/form-data; boundary={boundary}"}, body


UPLOAD_OPS = (
    '{"query": "mutation($f: [Upload!]) { fileObjection(resultId: \\"x\\", grounds: \\"g\\", '
    'idempotencyKey: \\"k\\", evidence: $f) { __typename } }", "variables": {"f": [null]}}'
)

CASES: list[tuple[str, str, dict[str, str], bytes | None, int, str]] = [
    ("malformed JSON", "POST", JSON, b'{"query": ', 400, "BAD_REQUEST"),
    ("empty JSON body", "POST", JSON, b"", 400, "BAD_REQUEST"),
    ("a JSON number", "POST", JSON, b"1", 400, "BAD_REQUEST"),
    ("a JSON string", "POST", JSON, b'"{ departments { totalCount } }"', 400, "BAD_REQUEST"),
    ("JSON null", "POST", JSON, b"null", 400, "BAD_REQUEST"),
    ("a batch (JSON array)", "POST", JSON, f"[{Q}, {Q}]".encode(), 400, "BAD_REQUEST"),
    ("an empty array", "POST", JSON, b"[]", 400, "BAD_REQUEST"),
    ("text/plain", "POST", {"content-type": "text/plain"}, Q.encode(), 415, "UNSUPPORTED_MEDIA_TYPE"),
    (
        "form-encoded",
        "POST",
        {"content-type": "application/x-www-form-urlencoded"},
        b"query=%7B__typename%7D",
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    ("no content type", "POST", {}, Q.encode(), 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("invalid UTF-8", "POST", JSON, b'{"query": "{ \xff\xfe }"}', 400, "BAD_REQUEST"),
    ("query not a string", "POST", JSON, b'{"query": 1}', 400, "BAD_REQUEST"),
    (
        "variables not an object",
        "POST",
        JSON,
        b'{"query": "{ __typename }", "variables": [1]}',
        400,
        "BAD_REQUEST",
    ),
    (
        "extensions not an object",
        "POST",
        JSON,
        b'{"query": "{ __typename }", "extensions": 1}',
        400,
        "BAD_REQUEST",
    ),
    ("no query", "POST", JSON, b"{}", 400, "BAD_REQUEST"),
    ("a syntax error", "POST", JSON, b'{"query": "{ departments( }"}', 400, "GRAPHQL_PARSE_FAILED"),
    ("an unknown field", "POST", JSON, b'{"query": "{ nothingHere }"}', 400, "GRAPHQL_VALIDATION_FAILED"),
    (
        "a variable of the wrong type",
        "POST",
        JSON,
        b'{"query": "query($n: Int) { departments(first: $n) { totalCount } }", "variables": {"n": "x"}}',
        400,
        "VARIABLES_INVALID",
    ),
    (
        "an unknown operation name",
        "POST",
        JSON,
        b'{"query": "query A { __typename }", "operationName": "B"}',
        400,
        "BAD_REQUEST",
    ),
    ("a mutation by GET", "GET", {}, None, 405, "METHOD_NOT_ALLOWED"),
    ("PUT", "PUT", JSON, Q.encode(), 405, "METHOD_NOT_ALLOWED"),
    ("DELETE", "DELETE", {}, None, 405, "METHOD_NOT_ALLOWED"),
    ("GET without a query", "GET", {"accept": "application/json"}, None, 400, "BAD_REQUEST"),
    ("multipart map not JSON", "POST", *multipart(UPLOAD_OPS, "{not json"), 400, "BAD_REQUEST"),
    ("multipart map not an object", "POST", *multipart(UPLOAD_OPS, "[1]"), 400, "BAD_REQUEST"),
    (
        "multipart map to a missing path",
        "POST",
        *multipart(UPLOAD_OPS, '{"0": ["variables.g.0"]}'),
        400,
        "BAD_REQUEST",
    ),
    (
        "multipart map of a missing file",
        "POST",
        *multipart(UPLOAD_OPS, '{"9": ["variables.f.0"]}'),
        400,
        "BAD_REQUEST",
    ),
    (
        "multipart operations not JSON",
        "POST",
        *multipart("{nope", '{"0": ["variables.f.0"]}'),
        400,
        "BAD_REQUEST",
    ),
    (
        "multipart operations a list",
        "POST",
        *multipart("[1]", '{"0": ["variables.f.0"]}'),
        400,
        "BAD_REQUEST",
    ),
    (
        "multipart without parts",
        "POST",
        {"content-type": "multipart/form-data; boundary=x"},
        b"--x--\r\n",
        400,
        "BAD_REQUEST",
    ),
    (
        "over the anonymous body cap",
        "POST",
        JSON,
        b'{"query": "{ __typename }", "x": "' + b" " * 1_100_000 + b'"}',
        413,
        "REQUEST_TOO_LARGE",
    ),
    (
        "a lone surrogate in a variable",
        "POST",
        JSON,
        b'{"query": "query($q: String!) { search(query: $q) { totalCountExact } }", "variables": {"q": "\\ud800"}}',
        400,
        "BAD_REQUEST",
    ),
    (
        "a text variable over 100,000 characters",
        "POST",
        JSON,
        b'{"query": "query($q: String!) { search(query: $q) { totalCountExact } }", "variables": {"q": "'
        + b"x" * 100_001
        + b'"}}',
        400,
        "TEXT_TOO_LONG",
    ),
]


def shaped(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert all(isinstance(e["message"], str) and e["message"] for e in body["errors"])


@pytest.mark.parametrize(
    ("what", "method", "headers", "body", "status", "code"), CASES, ids=[c[0] for c in CASES]
)
async def test_a_malformed_request_is_refused_with_a_code(
    session: AsyncSession,
    engine: AsyncEngine,
    what: str,
    method: str,
    headers: dict[str, str],
    body: bytes | None,
    status: int,
    code: str,
) -> None:
    async with app_client(session, engine) as client:
        params = {"query": MUTATION} if what == "a mutation by GET" else None
        response = await client.request(method, "/graphql", headers=headers, content=body, params=params)
        shaped(response, status, code)


async def test_a_browser_get_without_graphiql_is_a_coded_400_and_the_home_page_still_answers(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    async with app_client(session, engine, graphiql=False) as client:
        shaped(await client.get("/graphql", headers={"accept": "text/html"}), 400, "BAD_REQUEST")
        assert (await client.get("/")).status_code == 200


@pytest.mark.parametrize(
    ("query", "code", "data"),
    [
        ('{ result(id: "1") { id } }', "ID_INVALID", {"result": None}),
        ('{ result(id: "Tm9TdWNoVHlwZTox") { id } }', "ID_INVALID", {"result": None}),
        # A global ID of a type that is not a node answers as a missing object: null, no error.
        ('{ node(id: "UmVzdWx0Q2F0ZWdvcnlUeXBlOjE=") { id } }', None, {"node": None}),
    ],
)
async def test_malformed_ids_and_one_line_logs(
    session: AsyncSession,
    engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
    query: str,
    code: str | None,
    data: Any,
) -> None:
    with caplog.at_level(logging.INFO):
        async with app_client(session, engine) as client:
            response = await client.post("/graphql", json={"query": query})
    body = response.json()
    assert body.get("data") == data
    assert [e["extensions"]["code"] for e in body.get("errors", [])] == ([code] if code else [])
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    if code:
        assert [
            r.getMessage() for r in caplog.records if r.name == "gongshi.graphql" and code in r.getMessage()
        ]
