"""Highlighted snippets: the parts of a field that a query's tokens matched.

Matching is done on the normalised text (繁体, full-width and brackets folded), whose characters
line up one to one with the original in nearly every real text; when they do not, the snippet is
the normalised text.
"""

from __future__ import annotations

import functools
import html
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


# Short field texts repeat from page to page (departments, items, tasks, category labels, a busy
# entity's name): normalising one costs a few µs, looking it up a fraction of one. Long texts
# (descriptions) rarely repeat and would fill the cache.
_normalize_short = functools.lru_cache(maxsize=8192)(normalize)
_SHORT = 100


def _normalize(text: str) -> str:
    return _normalize_short(text) if len(text) <= _SHORT else normalize(text)


def _ranges(norm: str, tokens: tuple[str, ...]) -> list[tuple[int, int]]:
    """Maximal runs of characters covered by a match of some token (matches per token do not overlap)."""
    spans: list[tuple[int, int]] = []
    for token in tokens:
        if not token:
            continue
        size = len(token)
        at = norm.find(token)
        while at >= 0:
            spans.append((at, at + size))
            at = norm.find(token, at + size)
    if not spans:
        return spans
    spans.sort()
    ranges = [spans[0]]
    for start, end in spans[1:]:
        last_start, last_end = ranges[-1]
        if start <= last_end:
            if end > last_end:
                ranges[-1] = (last_start, end)
        else:
            ranges.append((start, end))
    return ranges


def snippet(text: str, query: ParsedQuery, *, window: bool = False) -> Snippet | None:
    """The matches of ``query`` in ``text``, or None when it matches nothing there."""
    if not text or not query.tokens:
        return None
    norm = _normalize(text)
    ranges = _ranges(norm, query.tokens)
    if not ranges:
        return None
    shown = text if len(norm) == len(text) else norm
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
