"""The published, re-runnable draw algorithm ``gongshi-draw-v2`` (pure: no database).

Anyone holding the revealed seeds and the frozen candidate list can reproduce a draw:

1. The candidate list is one line per candidate, ``"<stratum position>\\t<统一社会信用代码>"``,
   sorted by stratum position then code, joined with ``"\\n"``; its SHA-256 (hex, UTF-8) is
   published before the draw.
2. Two secrets are committed before the draw by their SHA-256: the department's seed and a
   nonce the platform draws at that moment. Both are revealed after the draw. The department
   cannot try seeds until it likes the outcome (it does not know the nonce), and the platform
   cannot either (it only knows the seed's hash). The draw uses the combined seed
   ``SHA-256("<department seed>\\n<platform nonce>")`` (hex). Draws recorded as
   ``gongshi-draw-v1`` had no platform nonce: their combined seed is the department's seed.
3. In each stratum of ``n`` candidates with ratio ``r`` basis points, ``k = ceil(n * r / 10000)``
   entities are drawn, at least one when ``n > 0``.
4. Each candidate's score is ``SHA-256("<combined seed>\\n<stratum position>\\n<code>")`` in hex;
   the ``k`` lowest scores are drawn (ties, which SHA-256 makes unobservable, break on the code).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ALGORITHM = "gongshi-draw-v2"


@dataclass(frozen=True, order=True)
class Candidate:
    """One entity eligible for a stratum of a draw."""

    stratum: int
    code: str


def sha256_hex(text: str) -> str:
    """SHA-256 of UTF-8 text, lower-case hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def combined_seed(seed: str, platform_nonce: str | None) -> str:
    """The seed the draw runs on (step 2); ``None`` for the nonce means a v1 draw."""
    return seed if platform_nonce is None else sha256_hex(f"{seed}\n{platform_nonce}")


def candidate_list_text(candidates: Iterable[Candidate]) -> str:
    """The canonical text of a frozen candidate list (step 1)."""
    return "\n".join(f"{c.stratum}\t{c.code}" for c in sorted(candidates))


def parse_candidate_list(text: str) -> list[Candidate]:
    """Read a candidate list written by :func:`candidate_list_text`."""
    result = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        stratum, sep, code = line.partition("\t")
        if not sep or not stratum.isdigit():
            raise ValueError(f"第{number}行格式应为“层序号<TAB>统一社会信用代码”: {line!r}")
        result.append(Candidate(int(stratum), code.strip()))
    return result


def sample_size(n: int, ratio_bp: int) -> int:
    """How many of ``n`` candidates a ratio draws: rounded up, at least one (step 3)."""
    if n <= 0:
        return 0
    return min(n, max(1, math.ceil(n * ratio_bp / 10000)))


def score(seed: str, candidate: Candidate) -> str:
    """A candidate's draw score (step 4)."""
    return sha256_hex(f"{seed}\n{candidate.stratum}\n{candidate.code}")


def select(seed: str, candidates: Iterable[Candidate], ratios_bp: Mapping[int, int]) -> list[Candidate]:
    """The drawn candidates, stratum by stratum, in score order."""
    by_stratum: dict[int, list[Candidate]] = {}
    for candidate in candidates:
        by_stratum.setdefault(candidate.stratum, []).append(candidate)
    drawn: list[Candidate] = []
    for stratum in sorted(by_stratum):
        pool = sorted(by_stratum[stratum], key=lambda c: (score(seed, c), c.code))
        drawn.extend(pool[: sample_size(len(pool), ratios_bp[stratum])])
    return drawn
