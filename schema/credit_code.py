"""统一社会信用代码 (unified social credit code), GB 32100-2015.

Layout of the 18 characters (positions 1-based, as the standard and our messages count them):

====  =====  ===================================================================
pos   index  meaning
====  =====  ===================================================================
1     [0]    登记管理部门代码 registration authority (1 机构编制, 5 民政, 9 工商/市场监管,
             Y 其他 …)
2     [1]    机构类别代码 organisation category (for authority 9: 1 企业, 2 个体工商户,
             3 农民专业合作社)
3–8   [2:8]  登记管理机关行政区划码 6-digit administrative division code
9–17  [8:17] 主体标识码 organisation code (GB 11714 组织机构代码): 8-char body + its own
             check character
18    [17]   校验码 check character over the first 17 characters
====  =====  ===================================================================

The alphabet is ``0123456789ABCDEFGHJKLMNPQRTUWXY``: 31 characters, the letters I O Z S V are
never used (they look like 1 0 2 5 U). A character's value is its index in the alphabet.

Check character (GB 32100-2015 §5): weights ``3**i mod 31`` for i = 0..16, i.e.
1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28; ``c = 31 - (sum mod 31)``, ``c == 31 -> 0``;
the check character is ``ALPHABET[c]``. Because 31 is prime and every weight is non-zero
mod 31, any single substitution and any transposition of two adjacent different characters
changes the check character.

Only the 18th character is validated for a whole code: the embedded GB 11714 check (9th
character of the organisation code) is *not* enforced, because real codes of 个体工商户 and
others assigned without an organisation code do not always satisfy it. :func:`make_code`
does compute it, so generated codes satisfy both.

Pure: no I/O, stdlib only.
"""

from __future__ import annotations

from enum import StrEnum
from operator import mul
from typing import Final

from schema.errors import CodedError

__all__ = [
    "ALPHABET",
    "AUTHORITY_CODES",
    "CODE_LENGTH",
    "CREDIT_CODE_CHARSET",
    "CREDIT_CODE_CHECK",
    "CREDIT_CODE_LENGTH",
    "CREDIT_CODE_REGION",
    "CreditCodeErrorCode",
    "ErrorCode",
    "InvalidCreditCode",
    "check_character",
    "is_valid",
    "make_code",
    "normalize",
    "org_code_check",
    "suggest",
    "suggest_edits",
    "validate",
]

ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_LENGTH: Final = 18
_EXCLUDED_LETTERS: Final = "IOZSV"

#: Value of each alphabet character (its index).
_VALUE: Final[dict[str, int]] = {ch: i for i, ch in enumerate(ALPHABET)}
_ALPHABET_SET: Final = frozenset(ALPHABET)
#: GB 32100 weights for positions 1..17: 3**i mod 31.
_WEIGHTS: Final[tuple[int, ...]] = tuple(pow(3, i, 31) for i in range(17))

#: GB 11714 weights over the 8-character organisation-code body.
_ORG_WEIGHTS: Final[tuple[int, ...]] = (3, 7, 9, 10, 5, 8, 4, 2)
#: GB 11714 character values: digits 0-9, letters A-Z 10-35.
_ORG_VALUE: Final[dict[str, int]] = {
    **{str(d): d for d in range(10)},
    **{chr(ord("A") + i): 10 + i for i in range(26)},
}

#: 登记管理部门代码 (GB 32100-2015 table 1) -> department, with its 机构类别代码 values.
#: Used only to rank :func:`suggest` candidates; :func:`validate` does not check them.
AUTHORITY_CODES: Final[dict[str, tuple[str, str]]] = {
    "1": ("机构编制", "1239"),
    "2": ("外交", "19"),
    "3": ("司法行政", "123459"),
    "4": ("文化", "19"),
    "5": ("民政", "1239"),
    "6": ("旅游", "129"),
    "7": ("宗教", "129"),
    "8": ("工会", "19"),
    "9": ("工商/市场监管", "123"),
    "A": ("中央军委改革和编制办公室", "19"),
    "N": ("农业", "1239"),
    "Y": ("其他", "1"),
}


class CreditCodeErrorCode(StrEnum):
    """Why a string is not a valid 统一社会信用代码 (GB 32100-2015)."""

    CREDIT_CODE_LENGTH = "CREDIT_CODE_LENGTH"
    CREDIT_CODE_CHARSET = "CREDIT_CODE_CHARSET"
    CREDIT_CODE_CHECK = "CREDIT_CODE_CHECK"
    CREDIT_CODE_REGION = "CREDIT_CODE_REGION"


ErrorCode = CreditCodeErrorCode
CREDIT_CODE_LENGTH: Final = CreditCodeErrorCode.CREDIT_CODE_LENGTH
CREDIT_CODE_CHARSET: Final = CreditCodeErrorCode.CREDIT_CODE_CHARSET
CREDIT_CODE_CHECK: Final = CreditCodeErrorCode.CREDIT_CODE_CHECK
CREDIT_CODE_REGION: Final = CreditCodeErrorCode.CREDIT_CODE_REGION


class InvalidCreditCode(CodedError, ValueError):
    """A string that is not a valid 统一社会信用代码.

    ``code`` is a stable machine code (one of the ``CREDIT_CODE_*`` constants), ``message`` a
    Chinese sentence for the user, ``position`` the 1-based position of the offending
    character when there is one (charset and check errors), else ``None``.
    """

    def __init__(self, code: ErrorCode, message: str, *, position: int | None = None) -> None:
        super().__init__(message, code=code)
        self.position = position


# --- normalization --------------------------------------------------------------------------


def _normalization_table() -> dict[int, int | None]:
    table: dict[int, int | None] = {}
    # Full-width ASCII variants U+FF01..U+FF5E -> U+0021..U+007E.
    for cp in range(0xFF01, 0xFF5F):
        table[cp] = cp - 0xFEE0
    # Every whitespace character (incl. U+3000 ideographic space) and zero-width characters.
    for cp in range(0x3001):
        if chr(cp).isspace():
            table[cp] = None
    for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF):
        table[cp] = None
    # Hyphens and dashes people type or paste between groups of characters.
    for cp in (0x2D, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE63, 0xFF0D):
        table[cp] = None
    return table


_NORMALIZE: Final = _normalization_table()


def normalize(raw: str) -> str:
    """Canonical form of a typed or pasted code, not validated.

    Full-width characters become half-width, every space (incl. the ideographic space) and
    hyphen/dash is removed wherever it is, and letters are upper-cased:
    ``" ９１１３-0302 ma0a " -> "91130302MA0A"``.
    """
    return raw.translate(_NORMALIZE).upper()


# --- check characters -----------------------------------------------------------------------


def _check_value(first17: str) -> int:
    """Index of the check character; ``first17`` must be 17 alphabet characters."""
    total: int = sum(map(mul, map(_VALUE.__getitem__, first17), _WEIGHTS))
    return (31 - total % 31) % 31


def _charset_error(code: str, offset: int = 0) -> InvalidCreditCode | None:
    for i, ch in enumerate(code):
        if ch not in _VALUE:
            pos = i + 1 + offset
            if ch in _EXCLUDED_LETTERS:
                message = f"第{pos}位“{ch}”不是有效字符（不使用I、O、Z、S、V）"
            else:
                message = f"第{pos}位“{ch}”不是有效字符（只能是数字和大写字母，不使用I、O、Z、S、V）"
            return InvalidCreditCode(CREDIT_CODE_CHARSET, message, position=pos)
    return None


def check_character(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a code.

    ``first17`` must already be normalized (see :func:`normalize`); raises
    :class:`InvalidCreditCode` (``CREDIT_CODE_LENGTH`` / ``CREDIT_CODE_CHARSET``) otherwise.
    """
    if len(first17) != 17:
        raise InvalidCreditCode(CREDIT_CODE_LENGTH, f"计算校验位需要前17位，收到{len(first17)}位")
    error = _charset_error(first17)
    if error is not None:
        raise error
    return ALPHABET[_check_value(first17)]


def org_code_check(body: str) -> str:
    """GB 11714 check character for an 8-character organisation-code body.

    Weights 3 7 9 10 5 8 4 2, digits 0-9 and letters A-Z valued 10-35,
    ``c = 11 - (sum mod 11)``; 10 -> ``"X"``, 11 -> ``"0"``. Raises ``ValueError`` for a
    body that is not 8 digits/upper-case letters.
    """
    if len(body) != 8 or not set(body) <= _ORG_VALUE.keys():
        raise ValueError(f"organisation-code body must be 8 digits/A-Z, got {body!r}")
    return _org_check(body)


def _org_check(body: str) -> str:
    total: int = sum(map(mul, map(_ORG_VALUE.__getitem__, body), _ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


# --- validation -----------------------------------------------------------------------------


def _error(code: str) -> InvalidCreditCode | None:
    """The first problem of a normalized code, or None: length, charset, region, check."""
    if len(code) != CODE_LENGTH:
        return InvalidCreditCode(CREDIT_CODE_LENGTH, f"统一社会信用代码应为18位，收到{len(code)}位")
    error = _charset_error(code)
    if error is not None:
        return error
    region = code[2:8]
    if not region.isdigit():
        return InvalidCreditCode(CREDIT_CODE_REGION, f"第3至8位行政区划代码应为6位数字，收到“{region}”")
    expected = ALPHABET[_check_value(code[:17])]
    if code[17] != expected:
        return InvalidCreditCode(CREDIT_CODE_CHECK, f"校验位应为“{expected}”，收到“{code[17]}”", position=18)
    return None


def validate(raw: str) -> str:
    """The normalized code, or raise :class:`InvalidCreditCode`.

    Checks, in order: length 18 (``CREDIT_CODE_LENGTH``), alphabet (``CREDIT_CODE_CHARSET``,
    first bad character), positions 3-8 are digits (``CREDIT_CODE_REGION``), the 18th
    character (``CREDIT_CODE_CHECK``). The embedded GB 11714 check is deliberately not
    checked (see the module docstring), nor are the authority and category codes.
    """
    code = normalize(raw)
    error = _error(code)
    if error is not None:
        raise error
    return code


def is_valid(raw: str) -> bool:
    """Whether ``raw`` normalizes to a valid code."""
    return _error(normalize(raw)) is None


# --- suggestions ----------------------------------------------------------------------------

#: Characters outside the alphabet -> the alphabet character they are mistaken for. Only
#: look-alikes: O->0, I->1, Z->2, S->5, V->U (V is not in the alphabet, U is; V/Y would be a
#: second guess but it is rarer and doubles the candidates, so it is not offered).
_OUTSIDE_LOOKALIKE: Final[dict[str, str]] = {"O": "0", "I": "1", "Z": "2", "S": "5", "V": "U"}
#: In the region (positions 3-8, digits only) letters that look like a digit are read as it.
_REGION_LOOKALIKE: Final[dict[str, str]] = {
    **_OUTSIDE_LOOKALIKE,
    "D": "0",
    "Q": "0",
    "L": "1",
    "G": "6",
    "B": "8",
}
#: Valid characters commonly confused with another valid character (tried one at a time).
_VALID_LOOKALIKE: Final[dict[str, str]] = {
    "0": "DQ",
    "D": "0",
    "Q": "0",
    "8": "B",
    "B": "8",
    "1": "L",
    "L": "1",
    "6": "G",
    "G": "6",
}
_MAX_SUGGESTIONS: Final = 3


def _plausible(code: str) -> bool:
    """Known authority code and a category that authority uses."""
    entry = AUTHORITY_CODES.get(code[0])
    return entry is not None and code[1] in entry[1]


def suggest(raw: str) -> list[str]:
    """Valid codes that an almost-valid ``raw`` probably meant, best first, at most 3.

    * A valid ``raw`` gives ``[normalize(raw)]``.
    * Characters that cannot occur are read as their look-alike (O->0, I->1, Z->2, S->5,
      V->U; in the digits-only region also D/Q->0, L->1, G->6, B->8). If that alone makes
      the code valid, it is the only suggestion.
    * Otherwise, in this order: the code with its check character recomputed (when the
      first 17 are then well formed), codes obtained by swapping two adjacent characters,
      codes obtained by one look-alike substitution among valid characters (0<->D/Q, 8<->B,
      1<->L, 6<->G). Swaps and substitutions are only offered when they validate and start
      with a known authority/category pair (see :data:`AUTHORITY_CODES`), since about one in
      31 random edits validates by chance.
    * An empty list when the length is not 18 after normalization, or a character is
      neither valid nor a known look-alike.
    """
    code = normalize(raw)
    if len(code) != CODE_LENGTH:
        return []
    if _error(code) is None:
        return [code]
    chars = list(code)
    for i, ch in enumerate(chars):
        if ch not in _VALUE or (2 <= i < 8 and not ch.isdigit()):
            table = _REGION_LOOKALIKE if 2 <= i < 8 else _OUTSIDE_LOOKALIKE
            replacement = table.get(ch)
            if replacement is None:
                return []
            chars[i] = replacement
    base = "".join(chars)
    if _error(base) is None:
        return [base]

    found: list[str] = []

    def offer(candidate: str) -> None:
        if candidate not in found and len(found) < _MAX_SUGGESTIONS:
            found.append(candidate)

    if base[2:8].isdigit():
        offer(base[:17] + ALPHABET[_check_value(base[:17])])
    for i in range(CODE_LENGTH - 1):
        if base[i] != base[i + 1]:
            swapped = base[:i] + base[i + 1] + base[i] + base[i + 2 :]
            if _error(swapped) is None and _plausible(swapped):
                offer(swapped)
    for i, ch in enumerate(base):
        for alt in _VALID_LOOKALIKE.get(ch, ""):
            candidate = base[:i] + alt + base[i + 1 :]
            if _error(candidate) is None and _plausible(candidate):
                offer(candidate)
    return found


def suggest_edits(raw: str) -> list[str]:
    """Valid codes one character away in length: ``raw`` with one missing or one extra character.

    * 17 characters: every character of :data:`ALPHABET` inserted at every position;
      18 or more than 19: none; 19 characters: each character removed in turn.
    * Only codes that validate and start with a known authority/category pair are kept, in
      position order, without repeats. About one insertion in 31 validates by chance, so a
      17-character code gives a dozen or so: the caller keeps those that exist (the directory
      of entities), which is almost always the one meant.
    * Characters are first normalized as :func:`normalize` does; look-alikes are not tried
      here (:func:`suggest` handles a full-length code).
    """
    code = normalize(raw)
    if len(code) == CODE_LENGTH - 1:
        candidates = (code[:i] + ch + code[i:] for i in range(CODE_LENGTH) for ch in ALPHABET)
    elif len(code) == CODE_LENGTH + 1:
        candidates = (code[:i] + code[i + 1 :] for i in range(len(code)))
    else:
        return []
    return list(dict.fromkeys(c for c in candidates if _error(c) is None and _plausible(c)))


# --- construction ---------------------------------------------------------------------------


def make_code(authority: str, category: str, region: str, org_body: str) -> str:
    """A valid code from its parts: computes the GB 11714 check and the 18th character.

    ``authority`` and ``category`` are one alphabet character each, ``region`` 6 digits,
    ``org_body`` the 8-character organisation-code body (alphabet characters). Raises
    ``ValueError`` when a part is malformed (a programming error, so the message is English).
    """
    if len(authority) != 1 or authority not in _VALUE:
        raise ValueError(f"authority must be one alphabet character, got {authority!r}")
    if len(category) != 1 or category not in _VALUE:
        raise ValueError(f"category must be one alphabet character, got {category!r}")
    if len(region) != 6 or not region.isdigit() or not region.isascii():
        raise ValueError(f"region must be 6 digits, got {region!r}")
    if len(org_body) != 8 or not _ALPHABET_SET.issuperset(org_body):
        raise ValueError(f"org_body must be 8 alphabet characters, got {org_body!r}")
    first17 = authority + category + region + org_body + _org_check(org_body)
    return first17 + ALPHABET[_check_value(first17)]
