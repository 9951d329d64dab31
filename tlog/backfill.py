"""Building a log from existing history in one pass (the migration; the benchmark's million leaves).

Pure: given leaves in order, the rows to insert. The migration orders published history by time
and appends the marker leaf (``log.backfilled``, tlog/README.md) after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tlog import hashing


@dataclass
class Builder:
    """Accumulates leaves; ``take()`` hands over the rows written so far, in batches."""

    size: int = 0
    frontier: list[bytes] = field(default_factory=list)
    leaves: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)

    def add(self, kind: str, ref_id: int | None, data: bytes) -> int:
        """Add one leaf; return its index."""
        leaf = hashing.leaf_hash(data)
        index = self.size
        made = hashing.push_frontier(self.frontier, index, leaf)
        self.leaves.append({"idx": index, "kind": kind, "ref_id": ref_id, "data": data, "hash": leaf})
        self.nodes += [{"level": level, "idx": i, "hash": h} for level, i, h in made]
        self.size += 1
        return index

    def take(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The leaf and node rows added since the last call."""
        rows = self.leaves, self.nodes
        self.leaves, self.nodes = [], []
        return rows

    def head(self) -> dict[str, Any]:
        """The log head row for what was added."""
        return {"id": 1, "size": self.size, "frontier": hashing.pack_frontier(self.frontier)}


def batches(
    builder: Builder, items: Iterable[tuple[str, int | None, bytes]], every: int = 5000
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Feed ``items`` to ``builder``, yielding the rows to insert every ``every`` leaves."""
    for kind, ref_id, data in items:
        builder.add(kind, ref_id, data)
        if len(builder.leaves) >= every:
            yield builder.take()
    if builder.leaves:
        yield builder.take()
