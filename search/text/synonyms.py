"""Index-time synonyms: short and long department names (市场监管局 = 市场监督管理局)."""

from __future__ import annotations

import functools
from importlib import resources

from search.text.normalize import normalize


@functools.cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """Return the groups of search/text/dict/synonyms.txt, normalised, in file order."""
    text = resources.files("search.text.dict").joinpath("synonyms.txt").read_text("utf-8")
    groups: list[tuple[str, ...]] = []
    for line in text.splitlines():
        forms = line.split("#", 1)[0].split()
        group = tuple(dict.fromkeys(normalize(f) for f in forms))
        if len(group) > 1:
            groups.append(group)
    return tuple(groups)


def synonym_variants(norm: str) -> list[str]:
    """Return norm rewritten with each other form of every synonym group it mentions."""
    variants: list[str] = []
    for group in synonym_groups():
        for form in group:
            if form in norm:
                variants.extend(norm.replace(form, other) for other in group if other != form)
    return variants
