"""Merkle tree hashing of RFC 9162 §2.1 (SHA-256, 0x00 leaf and 0x01 node prefixes).

Seed 002 art.17 (no one may alter a published result) is only checkable from outside if the history
is hashed the same way everywhere: these are the functions every verifier re-implements.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = SHA-256() (RFC 9162 §2.1.1)


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """k, the largest power of two smaller than ``n`` (n > 1): MTH(D[n]) splits at D[0:k]."""
    return 1 << ((n - 1).bit_length() - 1)


def fold_frontier(frontier: Sequence[bytes]) -> bytes:
    """The root from the roots of the complete subtrees of a tree, largest (leftmost) first."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = node_hash(left, root)
    return root


def push_frontier(frontier: list[bytes], size: int, leaf: bytes) -> list[tuple[int, int, bytes]]:
    """Append leaf number ``size`` to ``frontier`` in place; return the (level, index, hash) it completes.

    The frontier holds one hash per set bit of ``size``, so appending merges as many times as
    ``size`` has trailing one bits: amortised one node hash per leaf, however big the tree.
    """
    frontier.append(leaf)
    made = []
    level, index = 0, size
    while index & 1:
        right = frontier.pop()
        left = frontier.pop()
        level, index = level + 1, index >> 1
        parent = node_hash(left, right)
        frontier.append(parent)
        made.append((level, index, parent))
    return made


def root_of(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH of a whole list of leaf hashes (streaming, O(log n) memory)."""
    frontier: list[bytes] = []
    for size, leaf in enumerate(leaf_hashes):
        push_frontier(frontier, size, leaf)
    return fold_frontier(frontier)


def frontier_nodes(size: int) -> list[tuple[int, int]]:
    """The (level, index) of the complete subtrees whose roots make the frontier of a tree of ``size``."""
    nodes = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes


def pack_frontier(frontier: Sequence[bytes]) -> bytes:
    """The frontier as stored on the log head: hashes concatenated."""
    return b"".join(frontier)


def unpack_frontier(blob: bytes) -> list[bytes]:
    """The inverse of :func:`pack_frontier`."""
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]
