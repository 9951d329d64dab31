"""PostgreSQL's full-text index: token ids in a GIN-indexed integer array, read newest first.

Layout: ``search_tokens`` numbers every token once and keeps how many documents held it at the
last full rebuild (``docs``); a document's ``search_documents.token_ids`` holds the numbers of
its tokens, and a GIN index (the built-in array_ops) answers ``token_ids @> ARRAY[...]``, an
AND of tokens. Why not a tsvector: a tsvector keeps each token's text with a 4-byte entry (and
to_tsvector a position per token): 1,227 bytes a document at a million results, 1.36 GB with
the table, against 345 bytes for the same tokens as integers (measured on 50,000 generated
documents: 46 MB of tsvectors, 19 MB of arrays; the GIN indexes 10 and 9 MB, and the arrays'
built in 0.7 s rather than 2.5 s). Matches are the same: a document holds every token of the
query exactly when its array contains every token's number, and a token no document has has no
number, so the query finds nothing without touching the index.

The most common tokens as bits: token numbers 1 to 64 are not in ``token_ids`` but in the
bigint ``common_bits`` (bit ``n - 1`` for number ``n``), and a full rebuild gives those numbers
to the 64 tokens most documents hold (检查, 公司, 发现, 秦皇...: 59% of all the tokens a
document holds, measured on generated documents), so the array holds the rest: 26 numbers a
document instead of 64 (282 MB at a million results became ~130 MB, the issue's index-size
target). The GIN index is on ``search_token_set(token_ids, common_bits)`` (migration
ps17b0000017: every number again, so GIN answers exactly what it answered before); walking
newest first, a row is tested by ``arraycontains`` on the short array and one AND of the bits.
The rule is by number, not by rebuild: numbers 1-64 handed out by ``token_ids`` on a database
never rebuilt are bits as well, so every writer agrees without knowing which tokens are common.

Reading: the newest ``n`` matches, by one of two plans chosen here rather than by PostgreSQL
(``plan``). PostgreSQL multiplies the frequencies of a query's tokens as if they were
independent, and the bigrams of a word are not: 族自治县's three bigrams are each in ~18% of the
documents and nearly always together, so it took the GIN bitmap of 180,000 rows; a name whose
bigrams are common but rare together walked most of the table. Here, from each token's document
count (``search_tokens.docs``): the rarest token bounds the matches, and a word's overlapping
bigrams count as their rarest while separate words multiply (``estimate``). Few expected
matches (below ``walk_from``, 30,000 at a million): every match through the GIN bitmap, sorted,
in a MATERIALIZED CTE, which PostgreSQL cannot turn into a walk. Many: the primary key newest
first, each row tested, stopping at the ``n``-th match (the containment written as the function
``arraycontains``, which no index answers, so PostgreSQL cannot take the bitmap). Tokens without
a count (numbered after the last rebuild, or before migration ps1700000016), and common tokens
with filters, leave the choice to PostgreSQL's statistics, as before.

Windows: the bitmap read every match's heap row (and GIN every asked token's whole posting
list) to keep the newest thousand: 12,000 rows for 卢龙 二手车 未发现问题. A full rebuild now
cuts the version ids into windows of WINDOW documents from the newest (``search_windows`` holds
where each starts) and builds a partial GIN index per window; the newest window is open-ended,
so what is published after the rebuild is in it. The bitmap and planner plans read the windows
newest first under one LIMIT (``_windowed``) and stop when they have enough (BENCHMARKS.md,
issue 17, Run 7). Table partitioning would do the same but cannot keep ``result_id`` unique
across partitions (the upsert's key); the rejected "version windows" of Run 4 read windows of
the one GIN index, whose whole posting lists were read for each.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

# The number of matches from which walking the newest documents finds the newest thousand
# sooner than the GIN bitmap reads them all: the bitmap costs a heap row per match (rows
# scattered over the table), the walk a row per document it passes (consecutive pages) and
# passes 1,000 x documents / matches of them, so they cross at sqrt(k x documents). k = 900
# (30,000 at a million) from timing both plans on the benchmark's queries at a million
# (BENCHMARKS.md, Run 7: with the index in windows the bitmap reads only the newest windows'
# matches; it was k = 400 with one index): 民专业合作 (25,914 matches) 9.7 ms by the windows
# against 19.1 walking, 秦皇岛 计量 未发现问题 (26,324) 22.2 against 12.1; and a word's rarest
# bigram overstates its matches (程有限责任: 25,645 hold 有限 责任's rarest, 7,201 match), which
# favours the bitmap.
# None: from the table's size; set, a fixed number (the tests set it to make every plan happen).
WALK_FROM: int | None = None
_COST_RATIO = 900
# The share of the documents above which a token is not given to GIN (indexed_ids).
GIN_SHARE = 0.25
# The tokens of each word GIN is asked for, the rarest first, and at least how many in all
# (indexed_ids); PER_WORD 0: all of them.
PER_WORD = 1
ASKED = 2
# Documents a rebuild reads before it decides which tokens are common (Rebuild.write).
SAMPLE = 20_000
# Token columns a rebuild keeps numbered at once (Rebuild._column); emptied when full.
_COLUMNS_KEPT = 50_000
# Documents in each window of version ids a rebuild gives its own partial GIN index (see
# "Windows" above); the oldest window takes the remainder. Set in tests to make several.
WINDOW = 131_072

# Token numbers 1..COMMON live in common_bits, the others in token_ids (see above).
COMMON = 64
# The GIN index's expression: every token number a document holds (migration ps17b0000017).
TOKEN_SET = "search_token_set(d.token_ids, d.common_bits)"


def split(ids: Iterable[int]) -> tuple[list[int], int]:
    """The numbers that go into ``token_ids`` (sorted) and the ``common_bits`` of the others,
    as PostgreSQL's signed bigint (bit 63 is the sign)."""
    rare: list[int] = []
    bits = 0
    for number in ids:
        if number <= COMMON:
            bits |= 1 << (number - 1)
        else:
            rare.append(number)
    rare.sort()
    return rare, bits - (1 << 64) if bits >= 1 << 63 else bits


_LOOKUP = sa.text(
    "SELECT token, id, docs, (SELECT reltuples FROM pg_class WHERE oid = to_regclass('search_documents')), "
    "(SELECT array_agg(lower ORDER BY lower) FROM search_windows) "
    "FROM search_tokens WHERE token = ANY(CAST(:tokens AS text[]))"
)
_ADD = sa.text(
    "INSERT INTO search_tokens (token) SELECT unnest(CAST(:tokens AS text[])) "
    "ON CONFLICT (token) DO NOTHING RETURNING token, id"
)


@dataclass(frozen=True)
class Lookup:
    """What a search needs to know before its statement: each token's number and document count
    (None: not counted), the number of documents as PostgreSQL last estimated it (below 0:
    never), and where the GIN index's windows start (``search_windows``; empty: one index)."""

    known: dict[str, tuple[int, int | None]]
    documents: float
    windows: tuple[int, ...]


async def look_up(connection: AsyncConnection, tokens: Collection[str]) -> Lookup:
    """Those of ``tokens`` that have a number, with the table's size and windows, in one trip."""
    if not tokens:
        return Lookup({}, -1.0, ())
    found = list(await connection.execute(_LOOKUP, {"tokens": list(tokens)}))
    documents = float(found[0][3]) if found else -1.0
    windows = tuple(found[0][4] or ()) if found else ()
    return Lookup({token: (id_, docs) for token, id_, docs, _, _ in found}, documents, windows)


async def known_tokens(
    connection: AsyncConnection, tokens: Collection[str]
) -> tuple[dict[str, tuple[int, int | None]], float]:
    """Number and document count (None: not counted) of those of ``tokens`` that have a number,
    and the number of documents as PostgreSQL last estimated it (below 0: never)."""
    found = await look_up(connection, tokens)
    return found.known, found.documents


async def known_ids(connection: AsyncConnection, tokens: Collection[str]) -> dict[str, int]:
    """The numbers of those of ``tokens`` that some document holds (or held)."""
    known, _ = await known_tokens(connection, tokens)
    return {token: id_ for token, (id_, _) in known.items()}


async def token_ids(
    connection: AsyncConnection, tokens: Collection[str], cache: dict[str, int] | None = None
) -> dict[str, int]:
    """The numbers of ``tokens``, numbering the new ones (in the caller's transaction).

    ``cache``: numbers already known in this transaction, updated in place.
    """
    cache = {} if cache is None else cache
    missing = [token for token in tokens if token not in cache]
    for _ in range(2):
        if not missing:
            break
        cache.update(await known_ids(connection, missing))
        missing = [token for token in missing if token not in cache]
        if missing:
            # A concurrent transaction may number the same token first: ON CONFLICT skips it
            # (after waiting for that transaction), and the second lookup reads its number.
            cache.update({t: i for t, i in await connection.execute(_ADD, {"tokens": sorted(missing)})})
            missing = [token for token in missing if token not in cache]
    if missing:
        raise RuntimeError(f"search tokens without a number: {missing[:5]}")
    return {token: cache[token] for token in tokens}


def walk_from(documents: float) -> int:
    """Expected matches from which the newest documents are walked rather than bitmapped."""
    return WALK_FROM if WALK_FROM is not None else int(math.sqrt(_COST_RATIO * max(documents, 1.0)))


def _words(tokens: Iterable[str]) -> list[list[str]]:
    """The tokens grouped by shared characters: a word's overlapping bigrams (族自 自治 治县) form
    one group, separate words (and a long run's character-disjoint cover) separate groups."""
    groups: list[tuple[set[str], list[str]]] = []
    for token in tokens:
        chars = set(token)
        joined = [g for g in groups if g[0] & chars]
        merged = (chars.union(*(g[0] for g in joined)), [t for g in joined for t in g[1]] + [token])
        groups = [g for g in groups if not g[0] & chars] + [merged]
    return [members for _, members in groups]


def estimate(counts: Mapping[str, int], documents: float) -> float:
    """Expected matches: each word as common as its rarest bigram (a word's bigrams come together:
    the planner's product of them made 族自治县 look rare), the words independent of each other."""
    expected = documents
    for word in _words(counts):
        expected *= min(counts[token] for token in word) / documents
    return expected


def plan(counts: Mapping[str, int | None], documents: float, *, filtered: bool = False) -> str:
    """How to read a query's matches, from its tokens' document counts: ``"bitmap"`` (every
    match through GIN, sorted), ``"newest"`` (the key newest first) or ``"planner"``
    (PostgreSQL's own choice: for tokens without counts, and for common tokens with filters,
    whose selectivity only PostgreSQL's column statistics know: one department's 有限公司
    walked newest first would pass thirty times the rows)."""
    bound = walk_from(documents)
    known = {token: n for token, n in counts.items() if n is not None}
    if known and min(known.values()) <= bound:
        return "bitmap"  # the rarest token bounds the matches
    if len(known) < len(counts) or documents < 1 or filtered:
        return "planner"
    return "newest" if estimate(known, documents) >= bound else "bitmap"


def indexed_ids(
    known: Mapping[str, tuple[int, int | None]], documents: float, per_word: int | None = None
) -> list[int]:
    """The numbers of the tokens the GIN index is asked for (the others are tested on the row).

    GIN reads the whole posting list of every number it is given, and intersects them: 未发现问题's
    four bigrams are each in 73-84% of the documents, and reading them was 40-50 of the 55-70 ms
    of 卢龙 二手车 未发现问题 at a million. A token in more than GIN_SHARE of the documents
    barely narrows the matches, so it is left to the test on each row the index returns (which
    checks every token). Tokens without a count may be rare: they stay. None selective: all.

    A word's bigrams mostly come together (estimate), so GIN is asked only for the ``per_word``
    rarest of each word (default PER_WORD; 0: all), and for at least ASKED tokens in all: 二手
    narrows 二手车 as much as 二手 and 手车 do, at half the reading; a single word (a phrase) gets
    its two rarest, its far-apart bigrams being less tied (BENCHMARKS.md, issue 17, Run 7).
    """
    per_word = PER_WORD if per_word is None else per_word
    bound = GIN_SHARE * documents
    selective = {token: value for token, value in known.items() if value[1] is None or value[1] <= bound}
    if not selective:
        return [id_ for id_, _ in known.values()]
    if per_word <= 0:
        return [id_ for id_, _ in selective.values()]

    def rarity(token: str) -> tuple[bool, int, str]:
        docs = selective[token][1]
        return (docs is not None, docs or 0, token)  # uncounted first: they may be the rarest

    chosen: list[str] = []
    for word in _words(selective):
        chosen += sorted(word, key=rarity)[:per_word]
    chosen += sorted(set(selective) - set(chosen), key=rarity)[: max(ASKED - len(chosen), 0)]
    return [id_ for token, (id_, _) in selective.items() if token in chosen]


def reads_every_window(known: Mapping[str, tuple[int, int | None]], limit: int) -> bool:
    """Whether the rarest counted token bounds the matches below ``limit``: the windows would all
    be read to look for more, so one scan of them all is cheaper than a statement each (half the
    planning, one heap scan: a name's search 1.4 -> 1.0 ms at a million, BENCHMARKS.md Run 7)."""
    counted = [docs for _, docs in known.values() if docs is not None]
    return bool(counted) and min(counted) < limit


def window_ranges(windows: Sequence[int], column: str = "version_id") -> list[str]:
    """Each window's range of version ids, newest first, as its index's predicate is written
    (``search_windows`` holds where each window but the oldest starts): the newest is open-ended,
    so documents written after the rebuild are in it, and the oldest has no lower bound."""
    bounds = sorted(windows)
    ranges = []
    for i in range(len(bounds), -1, -1):
        parts = []
        if i > 0:
            parts.append(f"{column} >= {int(bounds[i - 1])}")
        if i < len(bounds):
            parts.append(f"{column} < {int(bounds[i])}")
        ranges.append(" AND ".join(parts))
    return ranges


def window_indexes(windows: Sequence[int]) -> list[tuple[str, str]]:
    """The GIN index of each window, newest first: its name and its predicate (empty: none).
    The newest keeps the migrations' name, so that with one window the index is the one GIN."""
    ranges = window_ranges(windows)
    names = ["ix_search_documents_tokens"] + [
        f"ix_search_documents_tokens_{n}" for n in range(len(ranges) - 1, 0, -1)
    ]
    return list(zip(names, ranges, strict=True))


def _windowed(parts: Sequence[str], columns: str, ordered: bool) -> str:
    """The windows' statements (each a materialized CTE) read newest first under one limit.

    PostgreSQL's Append runs its branches in order and the Limit above it stops pulling once it
    has ``:limit`` rows, so the older windows' CTEs are never run when the newer ones suffice (a
    CTE runs only as far as it is read). CTE scans are never parallel, so the order holds.
    ``ordered``: each CTE is already newest first; otherwise each branch sorts its CTE.
    """
    ctes = ", ".join(f"w{n} AS MATERIALIZED ({part})" for n, part in enumerate(parts))
    branch = (
        "(SELECT * FROM w{n})"
        if ordered
        else f"(SELECT {columns} FROM w{{n}} d ORDER BY d.m_order DESC LIMIT :limit)"
    )
    union = " UNION ALL ".join(branch.format(n=n) for n in range(len(parts)))
    return f"WITH {ctes} SELECT * FROM ({union}) u LIMIT :limit"


def matches_sql(
    plan_name: str,
    ids: Sequence[int],
    columns: str,
    where: str,
    indexed: Sequence[int] | None = None,
    windows: Sequence[int] = (),
    every: bool = False,
    bound: dict[str, Any] | None = None,
) -> str:
    """The statement that reads the newest ``:limit`` matches by that plan (numbers written in).

    ``indexed``: the numbers the GIN index is asked for (indexed_ids; default all of ``ids``).
    ``windows``: where the GIN index's windows start (Lookup.windows): the bitmap and planner
    plans read them newest first, each through its own index. ``every``: fewer matches than
    ``:limit`` are possible (reads_every_window), so the bitmap plan reads every window in one
    scan (a BitmapOr of their indexes, one sort) rather than one statement each.
    ``bound``: for the bitmap and newest plans, the token numbers go into this dict as the
    values ``:gin_tokens``, ``:row_tokens`` and ``:row_bits`` rather than into the text.
    """
    # Written into the statement, not bound, where PostgreSQL chooses the plan ("planner"): a
    # prepared statement run often enough gets a generic plan, which cannot see how common these
    # tokens are. The bitmap and newest plans are chosen here and fixed by the statement's shape
    # (a materialized CTE per window through its GIN index; a condition no index answers), so
    # their numbers may be bound (``bound``): then the text is the same for every query of one
    # shape, prepared once per connection (asyncpg's statement cache), so a search sends no Parse
    # and waits for no parse (0.6 ms in the server for the 3-6 KB ranking statement). Each search
    # is still planned with its values: PostgreSQL keeps custom plans, as its generic plan, which
    # guesses 0.5% of a window for an unknown array, costs ~50x more in its own estimate (and
    # would be the same plan: the CTEs fix it). BENCHMARKS.md, issue 17, Run 9. Integers only.
    rare, bits = split(ids)
    asked = sorted(ids if indexed is None else indexed)
    binds = bound is not None and plan_name in ("bitmap", "newest")
    if binds:
        assert bound is not None
        bound.update(gin_tokens=[int(n) for n in asked], row_tokens=rare, row_bits=int(bits))
        rare_sql, bits_sql = "CAST(:row_tokens AS integer[])", "CAST(:row_bits AS bigint)"
        asked_sql = "CAST(:gin_tokens AS integer[])"
    else:
        rare_sql = "'{" + ",".join(map(str, rare)) + "}'::integer[]"
        # Quoted: -9223372036854775808::bigint (token 64 alone, bit 63) would be read as the
        # negation of a cast out of range.
        bits_sql = f"'{int(bits)}'::bigint"
        asked_sql = "'{" + ",".join(str(int(n)) for n in asked) + "}'::integer[]"
    # The test on the row: the short array and the bits. Cheap, so PostgreSQL applies it before
    # the set expression (a SQL function, costed higher) when it walks or re-checks rows.
    array_test = f"arraycontains(d.token_ids, {rare_sql})" if rare else ""
    # As a function call, like arraycontains: PostgreSQL guesses a third of the rows for it (an =
    # would be guessed at 0.5%, and a sort of every match would look cheaper than walking the key
    # to the thousandth: 检查 read the whole table).
    bits_test = f"int8eq(d.common_bits & {bits_sql}, {bits_sql})" if bits else ""
    on_row = " AND ".join(t for t in (array_test, bits_test) if t) or "TRUE"
    # The GIN index's own expression, so that PostgreSQL can answer it from the index.
    gin = f"{TOKEN_SET} @> {asked_sql}"
    if set(asked) != set(ids):
        gin = f"{gin} AND {on_row}"  # the tokens GIN was not asked for, on each row it returns
    # The window's range written as its index's predicate, so PostgreSQL proves it may use it.
    ranges = [f" AND {r}" for r in window_ranges(windows, "d.version_id")]
    if plan_name == "bitmap":
        if windows and every:
            # Each window's range beside the GIN condition, so PostgreSQL proves each index usable.
            gin = "(" + " OR ".join(f"({r})" for r in window_ranges(windows, "d.version_id")) + f") AND {gin}"
        elif windows:
            parts = [
                f"SELECT d.version_id AS m_order, {columns} FROM search_documents d WHERE {gin}{r}{where}"
                for r in ranges
            ]
            return _windowed(parts, columns, ordered=False)
        return (
            f"WITH m AS MATERIALIZED (SELECT d.version_id AS m_order, {columns} FROM search_documents d "
            f"WHERE {gin}{where}) "
            f"SELECT {columns} FROM m d ORDER BY d.m_order DESC LIMIT :limit"
        )
    # newest: nothing an index answers, so PostgreSQL walks the key; planner: its own choice.
    if plan_name == "newest":
        # The bits first, in a CASE (PostgreSQL orders ANDed conditions by their cost, and
        # arraycontains, costed 1, went before the AND and = of the bits, costed 2): the bits are
        # two integer operations, the array test unpacks an array, and most rows of a walk fail
        # on the bits. 秦皇岛 电子商务 未发现问题 walks 30,647 rows: 9.3 -> 5.5 ms (BENCHMARKS.md,
        # issue 17, Run 11).
        condition = (
            f"CASE WHEN {bits_test} THEN {array_test} ELSE FALSE END" if array_test and bits_test else on_row
        )
    else:
        condition = gin if gin.endswith(on_row) else f"{gin} AND {on_row}"
    if plan_name != "newest" and windows:
        parts = [
            f"SELECT {columns} FROM search_documents d WHERE {condition}{r}{where} "
            "ORDER BY d.version_id DESC LIMIT :limit"
            for r in ranges
        ]
        return _windowed(parts, columns, ordered=True)
    return (
        f"SELECT {columns} FROM search_documents d WHERE {condition}{where} "
        "ORDER BY d.version_id DESC LIMIT :limit"
    )


async def newest_matches(
    connection: AsyncConnection,
    tokens: Sequence[str],
    columns: str,
    where: str,
    params: dict[str, Any],
    limit: int,
) -> list[Sequence[Any]]:
    """The newest ``limit`` documents ``d`` holding every token and meeting ``where``, newest first.

    ``columns``: plain ``d.<column>`` references (the bitmap plan reads them back from its CTE).
    """
    found = await look_up(connection, set(tokens))
    known, documents = found.known, found.documents
    if len(known) < len(set(tokens)):
        return []  # a token no document holds
    chosen = plan({token: docs for token, (_, docs) in known.items()}, documents, filtered=bool(where))
    ids = [id_ for id_, _ in known.values()]
    indexed = indexed_ids(known, documents)
    every = reads_every_window(known, limit)
    statement = sa.text(matches_sql(chosen, ids, columns, where, indexed, found.windows, every))
    return list(await connection.execute(statement, {**params, "limit": limit}))


# The index's tables and what a rebuild names them until the swap: constraints and indexes are
# made under the new names, then renamed once the old tables are dropped.
_DOCUMENT_INDEXES = (
    ("CONSTRAINT", "pk_search_documents", "PRIMARY KEY (version_id)"),
    ("CONSTRAINT", "uq_search_documents_result_id", "UNIQUE (result_id)"),
    ("INDEX", "ix_search_documents_entity_id", "(entity_id)"),
    ("INDEX", "ix_search_documents_name_key", "(name_key)"),
)
# The GIN index of each window (window_indexes) is on this, with the window's range as predicate.
_GIN = "USING gin (search_token_set(token_ids, common_bits))"
_TOKEN_INDEXES = (
    ("CONSTRAINT", "pk_search_tokens", "PRIMARY KEY (id)"),
    ("CONSTRAINT", "uq_search_tokens_token", "UNIQUE (token)"),
)


class Rebuild:
    """A full rebuild on PostgreSQL, in the caller's transaction: new tables filled by COPY,
    indexed once at the end, then swapped in for the old ones.

    Why: row by row, every insert updated the GIN index (or its pending list, merged at the
    end) and the three B-trees, and tokens were numbered in a round trip per batch: 407 s at a
    million. Here the tokens are numbered and counted in this process, the rows go in with COPY,
    and each index is built once, sorted, with ``maintenance_work_mem`` raised for the
    transaction. Readers keep the old tables until the swap at the end (which holds their lock
    only for the drop and renames) and the commit; writers (a publication re-indexing its
    result) wait for the commit, as the whole table is locked against changes while it is
    copied.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.numbers: dict[str, int] = {}
        self.counts: Counter[int] = Counter()
        self.columns: list[str] | None = None
        self._values: Callable[[Any], tuple[Any, ...]] | None = None
        # Documents held back until the sample that decides the common tokens is complete.
        self.held: list[Any] = []
        self.sampled = False
        # The next number for a token that is not common (1..COMMON are the bits).
        self.following = COMMON + 1
        # A token column (Document.name_tokens or body_tokens) as its numbers: all of them, the
        # ones for the array, and the bits. An entity's results share the name column (and are
        # consecutive), a department's item and outcome the body column: each is numbered once.
        self._columns: dict[str, tuple[frozenset[int], frozenset[int], int]] = {}

    async def _run(self, *statements: str) -> None:
        for statement in statements:
            await self.connection.exec_driver_sql(statement)

    async def start(self) -> None:
        """Lock the index against writers and make the empty new document table."""
        await self._run(
            "LOCK TABLE search_documents, search_tokens IN SHARE MODE",
            "SET LOCAL maintenance_work_mem = '256MB'",
            "DROP TABLE IF EXISTS search_documents_next, search_tokens_next",
            "CREATE TABLE search_documents_next (LIKE search_documents INCLUDING DEFAULTS)",
        )

    @staticmethod
    def _tokens(doc: Any) -> set[str]:
        return set(f"{doc.name_tokens} {doc.body_tokens}".split())

    def _number_common(self) -> None:
        """Numbers 1..COMMON (the bits) for the tokens most documents of the sample hold."""
        sample: Counter[str] = Counter()
        for doc in self.held:
            sample.update(self._tokens(doc))
        for number, (token, _) in enumerate(sample.most_common(COMMON), start=1):
            self.numbers[token] = number
        self.sampled = True

    def _column(self, tokens: str) -> tuple[frozenset[int], frozenset[int], int]:
        """A token column's numbers (new tokens numbered): all, those above COMMON, the bits."""
        known = self._columns.get(tokens)
        if known is not None:
            return known
        if len(self._columns) >= _COLUMNS_KEPT:
            self._columns.clear()  # documents come in result order: old columns rarely return
        numbers = self.numbers
        ids = []
        for token in tokens.split():
            number = numbers.get(token)
            if number is None:
                number = numbers[token] = self.following
                self.following += 1
            ids.append(number)
        bits = 0
        for number in ids:
            if number <= COMMON:
                bits |= 1 << (number - 1)
        known = self._columns[tokens] = (frozenset(ids), frozenset(n for n in ids if n > COMMON), bits)
        return known

    async def write(self, docs: Sequence[Any]) -> None:
        """Number the tokens of these documents (search/documents.py's Document) and copy them in.

        The first SAMPLE documents are held back: the tokens most of them hold get the numbers
        kept as bits (the common tokens are common from the start: 检查, 公司, 发现...).
        """
        if not self.sampled:
            self.held.extend(docs)
            if len(self.held) < SAMPLE:
                return
            self._number_common()
            docs, self.held = self.held, []
        if not docs:
            return
        if self.columns is None or self._values is None:
            names = list(docs[0].filter_values())
            self.columns = [*names, "token_ids", "common_bits"]
            self._values = operator.attrgetter(*names)
        values, column, counts = self._values, self._column, self.counts
        records = []
        for doc in docs:
            every, rare, bits = column(doc.name_tokens)
            body_every, body_rare, body_bits = column(doc.body_tokens)
            counts.update(every | body_every)
            bits |= body_bits
            # As PostgreSQL's signed bigint (bit 63 is the sign), as split() gives it.
            records.append((*values(doc), sorted(rare | body_rare), bits - (1 << 64) if bits >> 63 else bits))
        await _copy(self.connection, "search_documents_next", self.columns, records)

    async def finish(self) -> None:
        """Write the numbered tokens, build the indexes, and swap the new tables in."""
        if self.held:  # fewer documents than the sample: they decide
            self._number_common()
            held, self.held = self.held, []
            await self.write(held)
        counts = self.counts
        await self._run(
            "CREATE TABLE search_tokens_next (LIKE search_tokens INCLUDING DEFAULTS INCLUDING IDENTITY)"
        )
        await _copy(
            self.connection,
            "search_tokens_next",
            ["id", "token", "docs"],
            [(number, token, counts[number]) for token, number in self.numbers.items()],
        )
        await self._run(f"ALTER TABLE search_tokens_next ALTER COLUMN id RESTART WITH {self.following}")
        windows = await self._windows()
        gin = [
            ("INDEX", name, f"{_GIN} WHERE {where}" if where else _GIN)
            for name, where in window_indexes(windows)
        ]
        built = (("search_documents", (*_DOCUMENT_INDEXES, *gin)), ("search_tokens", _TOKEN_INDEXES))
        for table, indexes in built:
            for kind, name, target in indexes:
                if kind == "CONSTRAINT":
                    await self._run(f"ALTER TABLE {table}_next ADD CONSTRAINT {name}_next {target}")
                else:
                    await self._run(f"CREATE INDEX {name}_next ON {table}_next {target}")
            # The planner's statistics (the filters' columns, the exact-name lookups).
            await self._run(f"ANALYZE {table}_next")
        await self._run("DROP TABLE search_documents, search_tokens", "DELETE FROM search_windows")
        if windows:
            await self._run(
                "INSERT INTO search_windows (lower) VALUES " + ", ".join(f"({n})" for n in windows)
            )
        for table, indexes in built:
            await self._run(f"ALTER TABLE {table}_next RENAME TO {table}")
            for kind, name, _ in indexes:
                if kind == "CONSTRAINT":
                    await self._run(f"ALTER TABLE {table} RENAME CONSTRAINT {name}_next TO {name}")
                else:
                    await self._run(f"ALTER INDEX {name}_next RENAME TO {name}")

    async def _windows(self) -> list[int]:
        """Where each window of WINDOW documents starts, counted from the newest (the oldest
        window takes the remainder, or joins the next one when that is under half a window)."""
        rows = await self.connection.exec_driver_sql(
            "SELECT version_id FROM (SELECT version_id, row_number() OVER (ORDER BY version_id DESC) AS n, "
            "count(*) OVER () AS total FROM search_documents_next) s "
            f"WHERE n % {int(WINDOW)} = 0 AND n + {int(WINDOW) // 2} < total ORDER BY version_id"
        )
        return [int(version_id) for (version_id,) in rows]


async def _copy(
    connection: AsyncConnection, table: str, columns: list[str], records: list[tuple[Any, ...]]
) -> None:
    """COPY rows into ``table`` through the driver (asyncpg), in the session's transaction."""
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None, "the connection is open"
    await driver.copy_records_to_table(table, records=records, columns=columns)
