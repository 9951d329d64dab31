"""Tile and entry bundle paths and bytes (C2SP tlog-tiles).

``tile/<L>/<N>[.p/<W>]`` holds the hashes of tree level 8L, nodes 256N to 256N+W-1, 32 bytes each;
``tile/entries/<N>[.p/<W>]`` holds leaves 256N to 256N+W-1, each as a big-endian 16-bit length and
the leaf's bytes. ``<N>`` is written in groups of three digits, all but the last prefixed with
``x`` (1234067 -> ``x001/x234/067``). A full tile has W = 256 and no ``.p/<W>`` suffix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

WIDTH = 256
HEIGHT = 8


@dataclass(frozen=True)
class TileRef:
    """A tile (level >= 0) or an entry bundle (level None): index N and width W."""

    level: int | None
    index: int
    width: int = WIDTH

    def path(self) -> str:
        """The path under the log's prefix."""
        head = "tile/entries" if self.level is None else f"tile/{self.level}"
        suffix = "" if self.width == WIDTH else f".p/{self.width}"
        return f"{head}/{encode_index(self.index)}{suffix}"

    def node_range(self) -> tuple[int, int]:
        """The node (or leaf) indices it covers at its level: [first, last + 1)."""
        return self.index * WIDTH, self.index * WIDTH + self.width


def encode_index(n: int) -> str:
    """1234067 -> ``x001/x234/067``."""
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def parse_path(path: str) -> TileRef | None:
    """The tile a request path names (relative to the prefix, starting ``tile/``), or None."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        return None
    level: int | None
    if parts[1] == "entries":
        level = None
    elif parts[1].isdigit() and len(parts[1]) <= 2:
        level = int(parts[1])
    else:
        return None
    rest, width = parts[2:], WIDTH
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        if not rest[-1].isdigit() or not 1 <= int(rest[-1]) < WIDTH or rest[-1] != str(int(rest[-1])):
            return None
        width = int(rest[-1])
        rest = [*rest[:-2], rest[-2][:-2]]
    index = 0
    for position, group in enumerate(rest):
        digits = group[1:] if position < len(rest) - 1 and group.startswith("x") else group
        if position < len(rest) - 1 and not group.startswith("x"):
            return None
        if len(digits) != 3 or not digits.isdigit():
            return None
        index = index * 1000 + int(digits)
    if encode_index(index) != "/".join(rest):  # one spelling per index (no x000 padding)
        return None
    return TileRef(level, index, width)


def tiles_for(size: int, level: int | None) -> list[TileRef]:
    """Every tile of ``level`` (None: entry bundles) a tree of ``size`` has, the last maybe partial."""
    count = size if level is None else size >> (HEIGHT * level)
    refs = [TileRef(level, n) for n in range(count // WIDTH)]
    if count % WIDTH:
        refs.append(TileRef(level, count // WIDTH, count % WIDTH))
    return refs


def levels_for(size: int) -> int:
    """How many tile levels a tree of ``size`` has (the top one holds at least one hash)."""
    levels = 1
    while size >> (HEIGHT * levels):
        levels += 1
    return levels


def bundle(entries: Iterable[bytes]) -> bytes:
    """An entry bundle: each entry as a 16-bit big-endian length and its bytes."""
    return b"".join(len(e).to_bytes(2, "big") + e for e in entries)


def unbundle(data: bytes) -> list[bytes]:
    """The entries of a bundle; ValueError if it is cut short."""
    entries, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise ValueError("entry bundle ends inside a length")
        length = int.from_bytes(data[at : at + 2], "big")
        if at + 2 + length > len(data):
            raise ValueError("entry bundle ends inside an entry")
        entries.append(data[at + 2 : at + 2 + length])
        at += 2 + length
    return entries
