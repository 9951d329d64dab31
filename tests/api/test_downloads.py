"""Downloads: the bulk snapshot anyone can fetch, templates, statistics tables and a task's results."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.api.conftest import app_client
from tests.inspections.recognition_world import build_recognition_world


async def test_published_results_snapshot_needs_no_login(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    world = await build_recognition_world(session)
    async with app_client(session, engine, snapshot_dir=str(tmp_path)) as client:
        response = await client.get("/downloads/published-results.ndjson")
        assert response.status_code == 200
        records = [json.loads(line) for line in response.text.splitlines()]
        # Only the three published results, without anything a department alone may see.
        assert sorted(r["resultId"] for r in records) == sorted(
            world.ids[k] for k in ("e1_a", "e2_b", "e1_single")
        )
        # A line of the bulk file is found in the API by the number both show.
        shown = await client.post(
            "/graphql", json={"query": "{ results(first: 10) { edges { node { referenceNumber } } } }"}
        )
        numbers = [e["node"]["referenceNumber"] for e in shown.json()["data"]["results"]["edges"]]
        assert sorted(numbers) == sorted(r["resultId"] for r in records)
        assert all(set(r) >= {"creditCode", "categories", "publishedOn"} for r in records)
        assert not any(key in r for r in records for key in ("internalNote", "team", "followUp"))
        assert response.headers["x-content-sha256"] == hashlib.sha256(response.content).hexdigest()
        manifest = (await client.get("/downloads/published-results.json")).json()
        assert manifest["count"] == 3
        table = await client.get("/downloads/published-results.csv")
        rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["结果ID", "统一社会信用代码", "市场主体名称"] and len(rows) == 4
        # Made once a day: the second download serves the same files.
        again = await client.get("/downloads/published-results.ndjson")
        assert again.headers["x-snapshot-generated-at"] == response.headers["x-snapshot-generated-at"]
        assert (await client.get("/downloads/published-results.xml")).status_code == 404


async def test_templates_are_downloadable(session: AsyncSession, engine: AsyncEngine) -> None:
    async with app_client(session, engine) as client:
        response = await client.get("/templates/entities.xlsx")
        assert response.status_code == 200
        assert "filename*=UTF-8''" in response.headers["content-disposition"]
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["数据", "填写说明"]
        assert [c.value for c in book["数据"][1]][:4] == [
            "统一社会信用代码",
            "名称",
            "市场主体类型",
            "行政区划代码",
        ]
        assert book["数据"].max_row == 1  # no example rows to import by mistake
        plain = await client.get("/templates/results.csv")
        assert (
            plain.content.decode("utf-8-sig").strip()
            == "任务ID,统一社会信用代码,抽查事项编码,检查结果,结果说明"
        )
        missing = await client.get("/templates/nothing.csv")
        assert missing.status_code == 404 and missing.json()["code"] == "TEMPLATE_NOT_FOUND"


async def test_statistics_tables_public_and_full(session: AsyncSession, engine: AsyncEngine) -> None:
    world = await build_recognition_world(session)
    async with app_client(session, engine) as client:
        public = await client.get("/statistics/summary.csv", params={"year": 2021})
        assert public.status_code == 200
        rows = list(csv.reader(io.StringIO(public.content.decode("utf-8-sig"))))
        assert rows[0][:5] == ["单位", "抽查任务数", "抽取户数", "已检查户数", "检查结果数"]
        assert "未公示结果数" not in rows[0]
        assert rows[-1][:5] == ["合计", "3", "4", "3", "3"]  # published results only
        full = await client.get(
            "/statistics/summary.csv", params={"year": 2021}, headers=world.auth("b_clerk")
        )
        rows = list(csv.reader(io.StringIO(full.content.decode("utf-8-sig"))))
        assert "未公示结果数" in rows[0] and rows[-1][:5] == ["合计", "3", "4", "4", "6"]
        book = await client.get("/statistics/all.xlsx", params={"year": 2021}, headers=world.auth("a_head"))
        sheets = openpyxl.load_workbook(io.BytesIO(book.content)).sheetnames
        assert sheets == ["汇总表", "明细表", "发现问题一览表", "公示及时性"]
        for params, code in (
            ({"regionCode": "53232"}, "REGION_CODE_INVALID"),
            ({"year": "abc"}, "ID_INVALID"),
            ({"taskId": "99999999"}, "TASK_NOT_FOUND"),
        ):
            refused = await client.get("/statistics/summary.csv", params=params)
            assert refused.status_code in (400, 404) and refused.json()["code"] == code
        assert (await client.get("/statistics/all.csv")).json()["code"] == "FORMAT_UNKNOWN"
        assert (await client.get("/statistics/nothing.csv")).json()["code"] == "TABLE_UNKNOWN"
        bad_token = await client.get("/statistics/summary.csv", headers={"Authorization": "Bearer gs_nope"})
        assert bad_token.status_code == 401 and bad_token.json()["code"] == "TOKEN_INVALID"


async def test_task_results_for_the_tasks_departments_only(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_recognition_world(session)
    url = f"/tasks/{world.joint.id}/results.csv"
    async with app_client(session, engine) as client:
        response = await client.get(url, headers=world.auth("a_clerk"))
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][:5] == ["任务ID", "统一社会信用代码", "抽查事项编码", "检查结果", "结果说明"]
        assert len(rows) == 5  # four results of the joint task, drafts included
        public = await client.get(url)
        assert public.status_code == 403 and public.json()["code"] == "DEPARTMENT_ONLY"
        outsider = await client.get(f"/tasks/{world.single.id}/results.csv", headers=world.auth("a_clerk"))
        assert outsider.status_code == 404 and outsider.json()["code"] == "TASK_NOT_FOUND"


async def test_the_bulk_files_carry_their_licence_and_field_dictionary(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    """A mirror that copies the manifest copies the terms with it; the page says the same."""
    await build_recognition_world(session)
    async with app_client(
        session,
        engine,
        snapshot_dir=str(tmp_path),
        data_licence="CC0-1.0",
        data_publisher="某市市场监督管理局",
    ) as client:
        manifest = (await client.get("/downloads/published-results.json")).json()
        assert manifest["licence"] == {
            "spdx": "CC0-1.0",
            "name": "知识共享 CC0 1.0 公有领域贡献",
            "url": "https://creativecommons.org/publicdomain/zero/1.0/legalcode.zh-hans",
            "publisher": "某市市场监督管理局",
            "conditions": [
                "可以自由复制、再发布、改编和用于商业目的，无需申请，也无需署名",
                "建议注明来源（发布单位和“公示”平台）、下载日期和所用版本",
                "检查结果可能经异议后更正：转载时以最新版本为准，并保留更正记录",
            ],
        }
        # The dictionary names every column of both files, in the files' order, each explained.
        records = (await client.get("/downloads/published-results.ndjson")).text.splitlines()
        assert [f["name"] for f in manifest["fields"]] == list(json.loads(records[0]))
        table = await client.get("/downloads/published-results.csv")
        header = next(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
        assert [f["header"] for f in manifest["fields"]] == header
        assert all(f["meaning"] for f in manifest["fields"])
        page = (await client.get("/downloads")).text
        assert 'rel="license">知识共享 CC0 1.0 公有领域贡献</a>' in page
        assert "由某市市场监督管理局发布" in page
        assert "每次更正加1，文件中是当前版本" in page


def test_an_unknown_licence_stops_the_start_up() -> None:
    from api.settings import Settings

    assert Settings.from_env({}).data_licence == "CC-BY-4.0"
    with pytest.raises(
        SystemExit, match=re.escape("GONGSHI_DATA_LICENCE 应为以下之一：CC-BY-4.0、CC0-1.0、ODC-By-1.0")
    ):
        Settings.from_env({"GONGSHI_DATA_LICENCE": "GPL-3.0"})
