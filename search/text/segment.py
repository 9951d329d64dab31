"""The word segmenter: rjieba (jieba's algorithm and dictionary in Rust) plus the domain words."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import rjieba

# jieba's own user-dictionary grammar (jieba/__init__.py, re_userdict): "word [freq] [tag]".
_USERDICT_LINE = re.compile(r"^(.+?)( [0-9]+)?( [a-z]+)?$")


class DictEntry(NamedTuple):
    """One line of a jieba user dictionary."""

    word: str
    freq: int | None
    tag: str | None


def parse_userdict(lines: Iterable[str]) -> Iterator[DictEntry]:
    """Parse jieba user-dictionary lines exactly as jieba.load_userdict does."""
    for raw in lines:
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        match = _USERDICT_LINE.match(line)
        if match is None:  # pragma: no cover - the pattern matches any non-empty line
            continue
        word, freq, tag = match.groups()
        yield DictEntry(word, int(freq) if freq else None, tag.strip() if tag else None)


def domain_dict_lines() -> list[str]:
    """Return the lines of the shipped domain dictionary (search/text/dict/domain.txt)."""
    return resources.files("search.text.dict").joinpath("domain.txt").read_text("utf-8").split("\n")


class Segmenter:
    """Cuts normalised text into words; wraps one rjieba engine."""

    def __init__(self, engine: rjieba.Jieba) -> None:
        self._engine = engine

    def add_entries(self, entries: Iterable[DictEntry]) -> int:
        """Add user-dictionary entries, in order, as jieba.load_userdict would; return the count."""
        count = 0
        for entry in entries:
            # freq None makes jieba-rs suggest one, as jieba does for a line without a frequency.
            self._engine.add_word(entry.word, entry.freq, entry.tag)
            count += 1
        return count

    def cut(self, text: str) -> list[str]:
        """Cut text into words (jieba's precise mode, HMM on)."""
        return self._engine.cut(text)

    def cut_for_search(self, text: str) -> list[str]:
        """Cut text into words plus their 2- and 3-character dictionary parts (search mode)."""
        return self._engine.cut_for_search(text)


_lock = threading.Lock()
_segmenter: Segmenter | None = None


def _load() -> Segmenter:
    # rjieba builds a default engine when imported (~0.17 s, ~33 MB); reusing it instead of a
    # second Jieba() saves another ~24 MB and ~0.14 s. Other users of rjieba in this process see
    # the domain words too, which is harmless.
    import rjieba

    segmenter = Segmenter(rjieba._DEFAULT_JIEBA)
    segmenter.add_entries(parse_userdict(domain_dict_lines()))
    return segmenter


def get_segmenter() -> Segmenter:
    """Return the process's segmenter, loading the dictionaries on first use."""
    global _segmenter
    if _segmenter is None:
        with _lock:  # two first requests at once must not load the domain words twice
            if _segmenter is None:
                _segmenter = _load()
    return _segmenter
