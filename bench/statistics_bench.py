"""Statistics at scale: the GraphQL tables (counted by the database) against the detail table's
path (a view per result, as the downloads use), in one run, on a database from gen_results.py.

Run: .venv/bin/python bench/statistics_bench.py --url sqlite:////tmp/bench1m.db [--repeat 3]
(the database of bench/search_bench.py's second command; gen_results.py makes it).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics as stats
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SCOPES: dict[str, dict[str, Any]] = {
    "year 2021": {"year": 2021},
    "region 1303, every year": {"region_code": "1303"},
}


async def _time(url: str, repeat: int) -> list[str]:
    from inspections import statistics
    from inspections.statistics import Scope
    from schema.db import make_engine, make_sessionmaker

    engine = make_engine(url)
    lines = []
    try:
        async with make_sessionmaker(engine)() as session:
            for label, scope in SCOPES.items():
                for full in (False, True):
                    runs: dict[bool, list[float]] = {True: [], False: []}
                    for _ in range(repeat):
                        for details in (True, False):  # alternating: both see the same noise
                            started = time.perf_counter()
                            found = await statistics.compute(
                                session, Scope(**scope), full=full, today=date(2025, 1, 1), details=details
                            )
                            runs[details].append(time.perf_counter() - started)
                    tables, views = stats.median(runs[False]), stats.median(runs[True])
                    who = "departments" if full else "public"
                    lines.append(
                        f"| {label}, {who} | {found.total.results:,} | {views:.2f} | {tables:.2f} | "
                        f"{tables / views:.2f} |"
                    )
    finally:
        await engine.dispose()
    return lines


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="sqlite:////path made by bench/gen_results.py")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    lines = asyncio.run(_time(args.url, args.repeat))
    print("| scope | results | with the detail table, s | tables only, s | ratio |\n|---|---|---|---|---|")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
