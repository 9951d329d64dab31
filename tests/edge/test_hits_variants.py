"""Which bytes a kept answer is served as (review of issue 13's hit layer).

A kept answer's gzipped bytes go out under the answer's strong ETag, from every worker and at
every moment, so they must be the same bytes (RFC 9110 8.8.1: a strong validator names one
representation); and a page is kept per 适老化 setting as the website reads that setting, so
that no request can make one setting's page the other's.
"""

from __future__ import annotations

import asyncio

import httpx

from tests.edge.test_hits import database, publish, worker  # noqa: F401 (fixture)


async def raw(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> tuple[httpx.Headers, bytes]:
    """The answer's headers and its bytes as sent (not decompressed)."""
    async with client.stream("GET", path, headers=headers) as answer:
        assert answer.status_code == 200
        return answer.headers, b"".join([chunk async for chunk in answer.aiter_raw()])


async def test_a_kept_answer_is_the_same_gzipped_bytes_in_every_worker_and_every_second(
    database: str,  # noqa: F811
) -> None:
    await publish(database, "姚安县甲商行")
    zipped = {"Accept-Encoding": "gzip"}
    async with worker(database) as one, worker(database) as two:
        first_headers, first = await raw(one, "/plans", zipped)
        await asyncio.sleep(1.1)  # gzip's header carries the time of compression, to the second
        second_headers, second = await raw(two, "/plans", zipped)
        hit_headers, hit = await raw(two, "/plans", zipped)
    assert first_headers["content-encoding"] == second_headers["content-encoding"] == "gzip"
    assert first_headers["etag"] == second_headers["etag"] == hit_headers["etag"]
    assert first == second == hit


ELDER = b'<html lang="zh-CN" class="elder">'


async def test_no_cookie_spelling_makes_one_elder_setting_s_page_the_others(
    database: str,  # noqa: F811
) -> None:
    """The website reads 适老化 with Starlette's cookie parser (spaces trimmed, quotes removed,
    the value exactly "1"); the layer's key must read it the same way, or the first caller to
    spell the cookie otherwise sets the page every other caller of that key gets."""
    await publish(database, "姚安县甲商行")
    async with worker(database) as one, worker(database) as two, worker(database) as three:
        # Elder as the website reads it, though not as the bytes "gongshi_elder=1".
        for client, spelling in ((one, 'gongshi_elder="1"'), (two, "gongshi_elder = 1")):
            elder = await client.get("/plans", headers={"Cookie": spelling})
            assert elder.status_code == 200 and ELDER in elder.content
            plain = await client.get("/plans")
            assert plain.status_code == 200 and ELDER not in plain.content
        # Not elder as the website reads it, though the bytes "gongshi_elder=1" are there.
        for spelling in ("gongshi_elder=10", "not_gongshi_elder=1"):
            plain = await three.get("/plans", headers={"Cookie": spelling})
            assert plain.status_code == 200 and ELDER not in plain.content
        elder = await three.get("/plans", headers={"Cookie": "gongshi_elder=1"})
        assert elder.status_code == 200 and ELDER in elder.content
