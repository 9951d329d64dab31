"""The parsed-document and validation caches, bounded by size rather than by count.

strawberry's ``ParserCache`` and ``ValidationCache`` keep the last N documents whatever their
size, and a parsed document keeps every token of its text alive (each node's location points
into the token list): about 70-100 bytes per character, 17 KB for a 250-character document.
At 1,000 documents each (the validation cache keys on the document, so it kept its own 1,000
alive after the parser cache dropped them), one worker grew by ~40 MB under the fuzz mix
(BENCHMARKS.md, "memory"). Here the parser cache is bounded by an estimate of its documents'
size, a document too large to be worth keeping is parsed every time, and the validation cache
keys on the text, so it holds strings and error lists, never documents: an error is kept
without its blamed nodes (each node's location holds the token list, so an error kept the whole
document alive, ~70 bytes per character), with the source and positions its locations come from.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from typing import Any, Generic, TypeVar

from graphql import GraphQLError, Node, parse
from strawberry.extensions import SchemaExtension

# Measured (tracemalloc, 300 fuzz documents of ~270 characters): a parsed document takes ~70
# bytes per character of its text, ~48 once its locations drop their tokens (_without_tokens).
PARSED_BYTES_PER_CHARACTER = 50
# What the parser cache may hold in all (estimated), and the largest text it keeps.
PARSED_BUDGET_BYTES = 2 * 1024 * 1024
PARSED_MAX_CHARACTERS = 8 * 1024
# What the validation cache may hold: texts and their (usually empty) error lists.
VALIDATED_BUDGET_BYTES = 1024 * 1024

Value = TypeVar("Value")


# How many keys seen once a cache remembers (as hashes) to admit them when they come again.
SEEN_KEYS = 4096


class SizedCache(Generic[Value]):
    """An LRU mapping bounded by the sum of its entries' given weights, admitting a key the
    second time it is put (a doorkeeper, as in TinyLFU).

    Why the doorkeeper: a document sent once (a fuzzer's, a one-off script's) is never asked for
    again, but its cache entry (tens of thousands of small objects) outlives the request's garbage
    around it and pins the allocator's arenas: under the fuzz mix the two caches, at budgets of
    5 MB, grew one worker by ~14 MB (bench/rss_bench.py, BENCHMARKS.md issue 13). A document that
    comes back is parsed or validated once more, then kept.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.weight = 0
        self.entries: OrderedDict[Hashable, tuple[Value, int]] = OrderedDict()
        self.hits = self.misses = 0
        self.seen: set[int] = set()

    def get(self, key: Hashable) -> Value | None:
        found = self.entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self.entries.move_to_end(key)
        return found[0]

    def put(self, key: Hashable, value: Value, weight: int) -> bool:
        """Keep ``value`` if ``key`` was put before (and it fits); whether it was kept."""
        if weight > self.budget:
            return False
        marker = hash(key)
        if marker not in self.seen:
            if len(self.seen) >= SEEN_KEYS:
                self.seen.clear()
            self.seen.add(marker)
            return False
        self.seen.discard(marker)
        old = self.entries.pop(key, None)
        if old is not None:
            self.weight -= old[1]
        self.entries[key] = (value, weight)
        self.weight += weight
        while self.weight > self.budget:
            _, (_, dropped) = self.entries.popitem(last=False)
            self.weight -= dropped
        return True

    def __len__(self) -> int:
        return len(self.entries)


PARSED: SizedCache[Any] = SizedCache(PARSED_BUDGET_BYTES)
VALIDATED: SizedCache[Any] = SizedCache(VALIDATED_BUDGET_BYTES)


class SizedParserCache(SchemaExtension):
    """strawberry's ``ParserCache``, bounded by the estimated size of the documents it keeps."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query or ""
        options = context.parse_options
        key = (query, tuple(sorted(options.items())))
        document = PARSED.get(key)
        if document is None:
            document = parse(query, **options)  # a syntax error propagates, as from ParserCache
            weight = len(query) * PARSED_BYTES_PER_CHARACTER
            if len(query) <= PARSED_MAX_CHARACTERS and PARSED.put(key, document, weight):
                _without_tokens(document)
        context.graphql_document = document
        yield


def _without_tokens(document: Node) -> None:
    """Drop the tokens from every location in ``document``, keeping each location's offsets and
    source (all an error's locations are computed from). Each location held its first and last
    token, and the tokens are a linked list: a kept document kept every token of its text.
    Nothing after parsing reads a location's tokens (graphql-core's validation and errors, our
    limits); only strawberry's Apollo tracing extension does, which the schema does not use.
    """
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        loc = node.loc
        if loc is not None:
            loc.start_token = loc.end_token = None
        for key in node.keys:
            if key == "loc":
                continue
            value = getattr(node, key)
            if isinstance(value, Node):
                stack.append(value)
            elif isinstance(value, (tuple, list)):
                stack.extend(value)


def cached_validation(schema: Any, query: str, document: Any, rules: Any) -> Any:
    """graphql-core's validation of ``document`` (parsed from ``query``), kept by its text."""
    from strawberry.schema.schema import validate_document  # strawberry's own import is lazy too

    key = (id(schema), query, tuple(rules) if rules is not None else None)
    errors = VALIDATED.get(key)
    if errors is None:
        errors = [_detached(error) for error in validate_document(schema, document, rules)]
        VALIDATED.put(key, errors, len(query) + 200 + 500 * len(errors))
    return errors


def _detached(error: GraphQLError) -> GraphQLError:
    """``error`` without its nodes: the same message, locations, path and extensions."""
    if not error.nodes:
        return error
    return GraphQLError(
        error.message,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )
