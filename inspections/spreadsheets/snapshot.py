"""The bulk download of every published result (公开数据批量下载), so nobody has to scrape the API.

``gongshi export snapshot`` (daily from cron, or on demand) and the first download of a new day write
``published-results.ndjson`` and ``published-results.csv`` beside a ``published-results.json``
manifest (when, how many, SHA-256 of each file). Files are written under a temporary name and
renamed, so a download never sees half a file. Only published data goes in: the current version of
each result, what ``result(id)`` shows the public.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncSession

import tlog
from inspections.result_views import ResultView, build_views
from schema.base import utcnow
from schema.enums import ResultStatus
from schema.models import InspectionResult

BASENAME = "published-results"
BATCH = 1000
# (field in NDJSON, Chinese header in CSV, what it holds: the field dictionary 字段说明)
FIELDS = (
    ("resultId", "结果ID", "整数；结果的编号，与接口的 referenceNumber、网站的 /results/{编号} 相同"),
    ("creditCode", "统一社会信用代码", "18位；被检查的市场主体"),
    ("entityName", "市场主体名称", "公示时登记的名称"),
    ("regionCode", "行政区划代码", "6位；市场主体所在的县级行政区划（GB/T 2260）"),
    ("taskId", "任务ID", "整数；抽查任务的编号，网站 /tasks/{编号} 有其抽取记录"),
    ("taskName", "抽查任务", "抽查任务（工作方案）的名称"),
    ("year", "年度", "抽查任务所属年度"),
    ("initiatingDepartment", "发起部门", "发起抽查任务的部门"),
    ("department", "检查部门", "作出并公示这条结果的部门（谁检查、谁录入、谁公开）"),
    ("itemCode", "抽查事项编码", "随机抽查事项清单中的编码"),
    ("itemName", "抽查事项", "随机抽查事项的名称"),
    ("categoryCodes", "检查结果类型代码", "代码列表（CSV 中以“、”分隔），见网站“检查结果类型说明”"),
    ("categories", "检查结果", "检查结果类型的中文名称，与代码一一对应"),
    ("problem", "是否发现问题", "true/false（CSV 中为 是/否）；任一结果类型属于发现问题即为是"),
    ("description", "结果说明", "检查部门填写的结果说明，可能为空"),
    ("publicationDue", "应公示日期", "YYYY-MM-DD；按工作日计算的公示期限，无检查结束日期时为空"),
    ("publishedOn", "首次公示日期", "YYYY-MM-DD；这条结果第一次公示的日期"),
    ("version", "版本", "整数，从1开始；每次更正加1，文件中是当前版本"),
)


@dataclass(frozen=True)
class Manifest:
    """What the last snapshot holds."""

    generated_at: datetime
    generated_on: date  # China's date when it was made: a newer day regenerates it
    count: int
    sha256: dict[str, str]


def public_record(view: ResultView) -> dict[str, Any]:
    """The public fields of one published result (no team, note, follow-up or contacts)."""
    assert view.published_on is not None
    return {
        "resultId": view.result_id,
        "creditCode": view.credit_code,
        "entityName": view.entity_name,
        "regionCode": view.region_code,
        "taskId": view.task_id,
        "taskName": view.task_name,
        "year": view.task_year,
        "initiatingDepartment": view.initiating_department_name,
        "department": view.department_name,
        "itemCode": view.item_code,
        "itemName": view.item_name,
        "categoryCodes": view.category_codes,
        "categories": view.category_labels,
        "problem": view.problem,
        "description": view.description,
        "publicationDue": view.publication_due.isoformat() if view.publication_due else None,
        "publishedOn": view.published_on.isoformat(),
        "version": view.version,
    }


async def published_records(session: AsyncSession) -> list[dict[str, Any]]:
    """Every published result, by id, read in batches so each query stays small."""
    records: list[dict[str, Any]] = []
    last = 0
    while True:
        rows = list(
            await session.scalars(
                select(InspectionResult)
                .where(InspectionResult.status == ResultStatus.PUBLISHED, InspectionResult.id > last)
                .order_by(InspectionResult.id)
                .limit(BATCH)
            )
        )
        if not rows:
            return records
        records += [public_record(v) for v in await build_views(session, rows, with_team=False)]
        last = rows[-1].id


def _csv_lines(records: list[dict[str, Any]]) -> Iterator[list[str]]:
    yield [header for _, header, _ in FIELDS]
    for record in records:
        line = []
        for key, _, _ in FIELDS:
            value = record[key]
            if isinstance(value, list):
                value = "、".join(value)
            elif isinstance(value, bool):
                value = "是" if value else "否"
            line.append("" if value is None else str(value))
        yield line


def _write(path: Path, data: bytes) -> str:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return hashlib.sha256(data).hexdigest()


async def write_snapshot(
    session: AsyncSession, directory: Path, *, today: date, terms: dict[str, Any] | None = None
) -> Manifest:
    """Write the NDJSON and CSV files and their manifest into ``directory``.

    ``terms`` is the licence entry of the manifest (:func:`~inspections.spreadsheets.licence.manifest_terms`).
    """
    bind = session.get_bind()
    if not session.in_transaction() and isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        # The records and the log head from one snapshot of the database (SQLite's reads are already).
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    size, root = await tlog.head(session)  # the manifest names the log the records match (issue 18)
    records = await published_records(session)
    ndjson = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n").writerows(_csv_lines(records))
    files = {"ndjson": ndjson, "csv": text.getvalue().encode("utf-8-sig")}
    log = {"treeSize": size, "rootHash": base64.b64encode(root).decode()}
    return await asyncio.to_thread(_store, directory, files, len(records), today, log, terms)


def _store(
    directory: Path,
    files: dict[str, bytes],
    count: int,
    today: date,
    log: dict[str, Any],
    terms: dict[str, Any] | None,
) -> Manifest:
    directory.mkdir(parents=True, exist_ok=True)
    digests = {fmt: _write(directory / f"{BASENAME}.{fmt}", data) for fmt, data in files.items()}
    manifest = Manifest(generated_at=utcnow(), generated_on=today, count=count, sha256=digests)
    payload = {
        "generatedAt": manifest.generated_at.isoformat(),
        "generatedOn": today.isoformat(),
        "count": count,
        "sha256": digests,
        "log": log,
        "licence": terms,
        "fields": [{"name": key, "header": header, "meaning": meaning} for key, header, meaning in FIELDS],
    }
    _write(directory / f"{BASENAME}.json", json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8"))
    return manifest


def read_manifest(directory: Path) -> Manifest | None:
    """The manifest of the snapshot in ``directory``, if there is a complete one."""
    try:
        payload = json.loads((directory / f"{BASENAME}.json").read_text(encoding="utf-8"))
        return Manifest(
            generated_at=datetime.fromisoformat(payload["generatedAt"]),
            generated_on=date.fromisoformat(payload["generatedOn"]),
            count=int(payload["count"]),
            sha256=dict(payload["sha256"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
