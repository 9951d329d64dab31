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

import sqlalchemy as sa

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
    parser.add_argument(
        "--all", action="store_true", help="also the bitmap and the walk for every query (slow)"
    )
    parser.add_argument(
        "--per-word", default="", help="also GIN asked for so many tokens of a word, e.g. 0,2 (0: all)"
    )
    args = parser.parse_args()
    queries = _queries(args.url, args.per_kind, random.Random(7))
    engine = sa.create_engine(_sync_url(args.url))
    limit = 1001
    with engine.connect() as con:
        documents = float(
            con.execute(
                sa.text("SELECT reltuples FROM pg_class WHERE relname = 'search_documents'")
            ).scalar_one()
        )
        # Where the GIN index's windows start (none before migration ps17c0000018's first rebuild).
        has_windows = con.execute(sa.text("SELECT to_regclass('search_windows') IS NOT NULL")).scalar_one()
        windows = (
            list(con.execute(sa.text("SELECT lower FROM search_windows ORDER BY 1")).scalars())
            if has_windows
            else []
        )
        for kind in args.kinds.split(","):
            times: dict[str, list[tuple[float, str, str]]] = {}
            for text in queries[kind]:
                parsed = parse_query(text)
                lookup = SearchRequest(parsed.tokens, parsed.name_key, match=parsed.match).lookup
                found = con.execute(
                    sa.text("SELECT token, id, docs FROM search_tokens WHERE token = ANY(:t)"),
                    {"t": list(lookup)},
                ).all()
                if len(found) < len(set(lookup)):
                    continue
                counts = {t: n for t, _, n in found}
                ids = [i for _, i, _ in found]
                chosen = postgres.plan(counts, documents)
                # GIN asked for the selective tokens only, as the search does.
                indexed = postgres.indexed_ids({t: (i, n) for t, i, n in found}, documents)
                variants = {"chosen": postgres.matches_sql(chosen, ids, COLUMNS, "", indexed, windows)}
                for per_word in filter(None, args.per_word.split(",")):
                    some = postgres.indexed_ids(
                        {t: (i, n) for t, i, n in found}, documents, per_word=int(per_word)
                    )
                    variants[f"GIN asked for {per_word} a word (0: all)"] = postgres.matches_sql(
                        chosen, ids, COLUMNS, "", some, windows
                    )
                if args.all:
                    variants["bitmap"] = postgres.matches_sql("bitmap", ids, COLUMNS, "", indexed, windows)
                    variants["newest"] = postgres.matches_sql("newest", ids, COLUMNS, "", indexed)
                    variants["bitmap, GIN asked for all"] = postgres.matches_sql(
                        "bitmap", ids, COLUMNS, "", None, windows
                    )
                for name, sql in variants.items():
                    plan_rows: list[str] = []
                    for _ in range(2):
                        plan_rows = [
                            r[0]
                            for r in con.execute(
                                sa.text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"), {"limit": limit}
                            )
                        ]
                    ms = float(plan_rows[-1].split()[2])
                    times.setdefault(name, []).append((ms, text, "\n".join(plan_rows)))
            print(f"\n## {kind} ({len(times.get('chosen', []))} queries)")
            for name, timed in times.items():
                spans = sorted(r[0] for r in timed)
                p95 = spans[min(len(spans) - 1, round(0.95 * (len(spans) - 1)))]
                worst = max(timed)
                print(
                    f"{name} ({len(windows) + 1} window(s)): p50 {statistics.median(spans):.1f} / "
                    f"p95 {p95:.1f} / max {spans[-1]:.1f} ms "
                    f"(worst: {worst[1]})"
                )
                if name == "chosen":
                    print("   " + "\n   ".join(worst[2].splitlines()[:14]))
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
