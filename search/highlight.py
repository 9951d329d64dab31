"""Highlighted snippets: the parts of a field that a query's tokens matched.

Matching is done on the normalised text (繁体, full-width and brackets folded), whose characters
line up one to one with the original in nearly every real text; when they do not, the snippet is
the normalised text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from search.query import ParsedQuery
from search.text import normalize

# Characters of context kept on each side of the first match of a long field (a description).
CONTEXT = 24


@dataclass(frozen=True)
class Snippet:
    """A field's text (or a window of it) with the matched character ranges."""

    text: str
    ranges: tuple[tuple[int, int], ...]

    def marked(self) -> str:
        """HTML-escaped text with each match in <em>…</em>."""
        out: list[str] = []
        last = 0
        for start, end in self.ranges:
            out += [html.escape(self.text[last:start]), "<em>", html.escape(self.text[start:end]), "</em>"]
            last = end
        out.append(html.escape(self.text[last:]))
        return "".join(out)


def _matched(norm: str, tokens: tuple[str, ...]) -> list[bool]:
    hit = [False] * len(norm)
    for token in tokens:
        for match in re.finditer(re.escape(token), norm):
            for i in range(match.start(), match.end()):
                hit[i] = True
    return hit


def _ranges(hit: list[bool]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for i, on in enumerate(hit):
        if on and ranges and ranges[-1][1] == i:
            ranges[-1] = (ranges[-1][0], i + 1)
        elif on:
            ranges.append((i, i + 1))
    return ranges


def snippet(text: str, query: ParsedQuery, *, window: bool = False) -> Snippet | None:
    """The matches of ``query`` in ``text``, or None when it matches nothing there."""
    if not text or not query.tokens:
        return None
    norm = normalize(text)
    shown = text if len(norm) == len(text) else norm
    ranges = _ranges(_matched(norm, query.tokens))
    if not ranges:
        return None
    if window and len(shown) > 2 * CONTEXT + 20:
        start = max(0, ranges[0][0] - CONTEXT)
        end = min(len(shown), ranges[-1][1] + CONTEXT)
        end = min(end, start + 2 * CONTEXT + 40)
        inside = tuple((max(a, start) - start, min(b, end) - start) for a, b in ranges if a < end)
        prefix = "…" if start > 0 else ""
        suffix = "…" if end < len(shown) else ""
        shift = len(prefix)
        return Snippet(prefix + shown[start:end] + suffix, tuple((a + shift, b + shift) for a, b in inside))
    return Snippet(shown, tuple(ranges))
