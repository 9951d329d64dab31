"""Normalise text the same way for indexing and querying (width, brackets, script, case, spaces)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

# Full-width ASCII (U+FF01-FF5E) and the ideographic space, by table rather than NFKC: NFKC of a
# 100-character Chinese text costs ~30-60 µs when it holds one full-width comma, ~2 µs when not.
_TABLE: dict[int, str | None] = {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_TABLE[0x3000] = " "
_TABLE[0x2026] = "..."  # "…" is common in Chinese text and NFKC maps it so too
# ASCII () is the canonical bracket pair: NFKC makes it from （）﹙﹚︵︶, registries print it,
# and company names arrive with either kind.
_TABLE.update({ord(c): "(" for c in "【〔〖[［"})
_TABLE.update({ord(c): ")" for c in "】〕〗]］"})
# Invisible characters pasted from web pages would otherwise split words silently.
_TABLE.update({ord(c): None for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff"})
_FOLD = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_TABLE)) + "]+")


def _fold(text: str) -> str:
    """Apply _TABLE; a regex finds the few characters so that the rest is not looked up."""
    return _FOLD.sub(lambda m: m.group().translate(_TABLE), text)


@functools.cache
def _t2s() -> Callable[[str], str]:
    """Build the OpenCC traditional-to-simplified converter once per process."""
    # Imported here so that importing this module stays free; the converter loads in ~15 ms.
    import opencc

    converter = opencc.OpenCC("t2s.json")

    def convert(text: str) -> str:
        # opencc's convert() is unannotated (its base class is a C extension); it returns str.
        return str(converter.convert(text))

    return convert


def normalize(text: str) -> str:
    """Return text half-width, with () brackets, simplified, lower-case, single-spaced."""
    text = _fold(text)
    if text.isascii():
        # Identifiers and Latin queries: NFKC and OpenCC cannot change them.
        return " ".join(text.lower().split())
    if not unicodedata.is_normalized("NFKC", text):
        # Rarer compatibility forms (①, ㈱, ﹝, Kangxi radicals); fold again for what NFKC makes.
        text = _fold(unicodedata.normalize("NFKC", text))
    return " ".join(_t2s()(text).lower().split())
