"""Inclusion and consistency proofs of RFC 9162 §2.1.3-2.1.4, as ranges of leaves, and their checks.

A proof is a list of subtree hashes. The server works out which ranges of leaves they cover
(:func:`inclusion_ranges`, :func:`consistency_ranges`), reads each range's stored complete subtrees
(:func:`range_nodes`) and combines them; a verifier checks the list with :func:`verify_inclusion`
and :func:`verify_consistency`, the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tlog.hashing import node_hash, split_point

Range = tuple[int, int]  # leaves [lo, hi)


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees of PATH(m, D[n]) (RFC 9162 §2.1.3.1), from the leaf up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo = lo + k
    return path[::-1]


def consistency_ranges(old: int, new: int) -> list[Range]:
    """The subtrees of PROOF(m, D[n]) (RFC 9162 §2.1.4.1)."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from {old} to {new}")
    proof: list[Range] = []
    lo, hi, m, complete = 0, new, old, True
    while True:
        if m == hi - lo:
            if not complete:
                proof.append((lo, hi))
            break
        k = split_point(hi - lo)
        if m <= k:
            proof.append((lo + k, hi))
            hi = lo + k
        else:
            proof.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    return proof[::-1]


def range_nodes(lo: int, hi: int) -> list[tuple[int, int]]:
    """The (level, index) of the stored complete subtrees that MTH(D[lo:hi]) combines, left to right."""
    size = hi - lo
    if size & (size - 1) == 0 and lo % size == 0:
        level = size.bit_length() - 1
        return [(level, lo >> level)]
    k = split_point(size)
    return range_nodes(lo, lo + k) + range_nodes(lo + k, hi)


def range_hash(lo: int, hi: int, node: Callable[[int, int], bytes]) -> bytes:
    """MTH(D[lo:hi]) from the stored complete subtrees (``node(level, index)``)."""
    size = hi - lo
    if size & (size - 1) == 0 and lo % size == 0:
        level = size.bit_length() - 1
        return node(level, lo >> level)
    k = split_point(size)
    return node_hash(range_hash(lo, lo + k, node), range_hash(lo + k, hi, node))


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` show ``leaf`` at ``index`` in the tree ``root`` of ``size``?"""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: is the tree ``new_root`` of ``new`` an extension of ``old_root`` of ``old``?"""
    if old == new:
        return not proof and old_root == new_root
    if not 0 < old < new or not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # old is a power of two: its root is the first node of the path
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
