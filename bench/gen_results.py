"""Generate N published results of realistic shape into a database, then build the search index.

Run: .venv/bin/python bench/gen_results.py --url sqlite:////tmp/bench.db --results 1000000

Rows are bulk-inserted directly (not through the use cases: a million publications one by one
would take hours); the shape follows the demo: entities from EntityFaker (3 results each, one
per inspected item), departments of the demo regions, items of the seed lists, the demo's mix
of result categories and descriptions, publication dates spread over 2019-2024. The search
index is then built exactly as ``gongshi reindex`` does, and its time and size are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from demo.dataset import DESCRIPTIONS, USUAL
from demo.names import DEMO_REGIONS, EntityFaker
from demo.seeds import ITEMS
from schema.db import async_url
from schema.migrate import upgrade
from schema.models import (
    Department,
    Entity,
    Inspection,
    InspectionItem,
    InspectionResult,
    ResultCategory,
    ResultCategoryCode,
    ResultVersion,
    Task,
)

ITEMS_PER_ENTITY = 3
YEARS = range(2019, 2025)
CHUNK = 20_000


def _sync_url(url: str) -> str:
    return async_url(url).replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")


def _departments(conn: sa.Connection) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for n, region in enumerate(DEMO_REGIONS):
        for suffix, short in (("市场监督管理局", "市场监管局"), ("公安局", "公安局"), ("商务局", "商务局")):
            rows.append(
                {
                    "id": n * 3 + len(rows) % 3 + 1,
                    "code": f"B-{region.code}-{short}",
                    "name": region.name + suffix,
                    "short_name": region.local_name + short,
                    "level": "county",
                    "region_code": region.code,
                }
            )
    for i, row in enumerate(rows, start=1):
        row["id"] = i
    conn.execute(sa.insert(Department), rows)
    return rows


def _items(conn: sa.Connection, departments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for department in departments:
        for seed in ITEMS:
            rows.append(
                {
                    "id": len(rows) + 1,
                    "department_id": department["id"],
                    "code": seed.code,
                    "version": 1,
                    "name": seed.name,
                    "category": seed.category,
                    "legal_basis": seed.legal_basis,
                    "content": seed.content,
                    "method": "on_site",
                    "effective_from": date(2019, 1, 1),
                }
            )
    conn.execute(sa.insert(InspectionItem), rows)
    return rows


def _tasks(conn: sa.Connection, departments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for department in departments:
        for year in YEARS:
            for half, (start, end) in enumerate(
                ((date(year, 3, 1), date(year, 6, 30)), (date(year, 8, 1), date(year, 11, 30)))
            ):
                rows.append(
                    {
                        "id": len(rows) + 1,
                        "initiating_department_id": department["id"],
                        "name": f"{year}年度{department['name']}“双随机、一公开”联合抽查（第{half + 1}批）",
                        "year": year,
                        "level": "county",
                        "method": "on_site",
                        "region_code": department["region_code"],
                        "period_start": start,
                        "period_end": end,
                        "status": "completed",
                    }
                )
    conn.execute(sa.insert(Task), rows)
    return rows


def generate(url: str, results: int, seed: int) -> None:
    """Fill the database at ``url`` (migrated, empty) with ``results`` published results."""
    rng = random.Random(seed)
    engine = sa.create_engine(_sync_url(url))
    started = time.perf_counter()
    with engine.begin() as conn:
        categories = {
            code: cid for cid, code in conn.execute(sa.select(ResultCategory.id, ResultCategory.code))
        }
        departments = _departments(conn)
        items = _items(conn, departments)
        tasks = _tasks(conn, departments)
        by_region: dict[str, list[dict[str, Any]]] = {}
        for department in departments:
            by_region.setdefault(department["region_code"], []).append(department)
        items_by_department: dict[int, list[dict[str, Any]]] = {}
        for item in items:
            items_by_department.setdefault(item["department_id"], []).append(item)
        tasks_by_department: dict[int, list[dict[str, Any]]] = {}
        for task in tasks:
            tasks_by_department.setdefault(task["initiating_department_id"], []).append(task)
        faker = EntityFaker(rng)
        mixes = [codes for codes, _ in USUAL]
        weights = [w for _, w in USUAL]
        entity_count = -(-results // ITEMS_PER_ENTITY)
        made = 0
        result_id = 0
        for first in range(0, entity_count, CHUNK):
            entities, inspections, result_rows, versions, codes = [], [], [], [], []
            for n in range(first, min(first + CHUNK, entity_count)):
                fake = faker.entity()
                entity_id = n + 1
                entities.append(
                    {
                        "id": entity_id,
                        "credit_code": fake.credit_code,
                        "name": fake.name,
                        "former_names": list(fake.former_names),
                        "entity_type": fake.entity_type,
                        "industry": fake.industry,
                        "region_code": fake.region_code,
                        "address": fake.address,
                        "legal_representative": fake.legal_representative,
                        "registration_date": fake.registration_date,
                    }
                )
                department = rng.choice(by_region[fake.region_code])
                task = rng.choice(tasks_by_department[department["id"]])
                ended = task["period_start"] + timedelta(days=rng.randint(0, 100))
                inspections.append(
                    {
                        "id": entity_id,
                        "task_id": task["id"],
                        "entity_id": entity_id,
                        "inspected_on": ended,
                        "ended_on": ended,
                    }
                )
                for item in rng.sample(items_by_department[department["id"]], ITEMS_PER_ENTITY):
                    if made >= results:
                        break
                    made += 1
                    result_id += 1
                    mix = rng.choices(mixes, weights)[0]
                    published = ended + timedelta(days=rng.randint(3, 28))
                    description = "".join(DESCRIPTIONS[c] for c in mix)
                    result_rows.append(
                        {
                            "id": result_id,
                            "inspection_id": entity_id,
                            "task_id": task["id"],
                            "entity_id": entity_id,
                            "department_id": department["id"],
                            "item_id": item["id"],
                            "year": ended.year,
                            "status": "published",
                            "category_codes": mix,
                            "description": description,
                            "publication_due": ended + timedelta(days=28),
                            "published_on": published,
                            "current_version": 1,
                        }
                    )
                    versions.append(
                        {
                            "id": result_id,
                            "result_id": result_id,
                            "version": 1,
                            "category_codes": mix,
                            "description": description,
                            "published_on": published,
                        }
                    )
                    codes += [{"result_id": result_id, "category_id": categories[c], "code": c} for c in mix]
            conn.execute(sa.insert(Entity), entities)
            conn.execute(sa.insert(Inspection), inspections)
            conn.execute(sa.insert(InspectionResult), result_rows)
            conn.execute(sa.insert(ResultVersion), versions)
            conn.execute(sa.insert(ResultCategoryCode), codes)
            print(f"\r{made:,} results ({time.perf_counter() - started:.0f} s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    if engine.dialect.name == "postgresql":
        # Autovacuum would analyze the bulk-inserted tables only minutes later; without
        # statistics the page of a search (results, versions, entities) was planned blind.
        with engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    engine.dispose()


async def build_index(url: str) -> float:
    """Build the search index as ``gongshi reindex --target database`` does; return seconds."""
    from tqdm import tqdm

    from schema.db import make_engine, make_sessionmaker
    from search.reindex import published_count, rebuild_database

    engine = make_engine(url)
    started = time.perf_counter()
    async with make_sessionmaker(engine)() as session, session.begin():
        with tqdm(total=await published_count(session), unit="条", file=sys.stderr) as bar:
            await rebuild_database(session, progress=bar.update)
    seconds = time.perf_counter() - started
    await engine.dispose()
    return seconds


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="an empty database (migrated here)")
    parser.add_argument("--results", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args()
    upgrade(args.url)
    started = time.perf_counter()
    generate(args.url, args.results, args.seed)
    print(f"generated {args.results:,} results in {time.perf_counter() - started:.1f} s")
    seconds = asyncio.run(build_index(args.url))
    print(f"search index built in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
