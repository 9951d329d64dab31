"""PostgreSQL search plans side by side on one database: each plan of search/backends/postgres.py
timed on the benchmark's own queries (EXPLAIN ANALYZE, the second of two runs), so a change of
plan is judged on the same data in the same minutes.

Run: .venv/bin/python bench/pg_plans.py --url postgresql://postgres@127.0.0.1:5432/DB [--per-kind 40]
Prints, per query kind and plan, p50 / p95 / max ms and the plan's top node for the slowest one.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402

COLUMNS = "d.result_id, d.published_on, d.name_key, d.department_id, d.year"


def main() -> int:
    """Command line."""
    from gen_results import _sync_url
    from search_bench import _queries

    from search.backends import postgres
    from search.backends.base import SearchRequest
    from search.query import parse_query

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--per-kind", type=int, default=40)
    parser.add_argument("--kinds", default="phrase,three terms,common term")
    args = parser.parse_args()
    queries = _queries(args.url, args.per_kind, random.Random(7))
    engine = sa.create_engine(_sync_url(args.url))
    limit = 1001
    with engine.connect() as con:
        documents = float(con.execute(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'search_documents'")).scalar_one())
        low, high = con.execute(sa.text("SELECT min(version_id), max(version_id) FROM search_documents")).one()
        for kind in args.kinds.split(","):
            times: dict[str, list[tuple[float, str, str]]] = {}
            for text in queries[kind]:
                parsed = parse_query(text)
                lookup = SearchRequest(parsed.tokens, parsed.name_key, match=parsed.match).lookup
                found = con.execute(
                    sa.text("SELECT token, id, docs FROM search_tokens WHERE token = ANY(:t)"), {"t": list(lookup)}
                ).all()
                if len(found) < len(set(lookup)):
                    continue
                counts = {t: n for t, _, n in found}
                ids = [i for _, i, _ in found]
                chosen = postgres.plan(counts, documents)
                start = postgres.window(counts, documents, (low, high), limit)
                variants = {
                    "bitmap": postgres.matches_sql("bitmap", ids, COLUMNS, ""),
                    "newest": postgres.matches_sql("newest", ids, COLUMNS, ""),
                    "chosen (no window)": postgres.matches_sql(chosen, ids, COLUMNS, ""),
                }
                if start is not None and chosen == "bitmap":
                    variants["chosen, window"] = postgres.matches_sql("bitmap", ids, COLUMNS, "", newer_than=start)
                else:
                    variants["chosen, window"] = variants["chosen (no window)"]
                for name, sql in variants.items():
                    plan_rows: list[str] = []
                    for _ in range(2):
                        plan_rows = [
                            r[0] for r in con.execute(sa.text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"), {"limit": limit})
                        ]
                    ms = float(plan_rows[-1].split()[2])
                    got = ""
                    if name == "chosen, window" and start is not None and chosen == "bitmap":
                        rows = len(con.execute(sa.text(sql), {"limit": limit}).all())
                        got = f" window rows {rows}"
                        if rows < limit:  # the search reads the whole bitmap after it
                            full = [r[0] for r in con.execute(sa.text(f"EXPLAIN ANALYZE {variants['chosen (no window)']}"), {"limit": limit})]
                            ms += float(full[-1].split()[2])
                    times.setdefault(name, []).append((ms, text + got, "\n".join(plan_rows)))
            print(f"\n## {kind} ({len(times.get('bitmap', []))} queries)")
            for name, rows in times.items():
                ms = sorted(r[0] for r in rows)
                p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
                worst = max(rows)
                print(f"{name}: p50 {statistics.median(ms):.1f} / p95 {p95:.1f} / max {ms[-1]:.1f} ms (worst: {worst[1]})")
                if "--plans" in sys.argv[0:0] or name == "chosen, window":
                    print("   " + "\n   ".join(worst[2].splitlines()[:14]))
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
