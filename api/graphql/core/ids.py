"""The one parser of Relay global IDs, and the region and year checks that arguments share."""

from __future__ import annotations

from strawberry import relay

from api.error_codes import ApiErrorCode as Code
from inspections.errors import InvalidInput


def gid(type_name: str, pk: int) -> relay.GlobalID:
    """A Relay global ID."""
    return relay.GlobalID(type_name, str(pk))


# A result has two faces with one row behind them: the public ``InspectionResult`` and the
# department's ``DepartmentResult`` (its work lists and inspections). A result mutation takes either.
RESULT_TYPES = ("InspectionResult", "DepartmentResult")


def local_id(value: relay.GlobalID, expected: str | tuple[str, ...], field: str) -> int:
    """The database id inside a global ID of the ``expected`` type(s) (``ID_INVALID`` otherwise)."""
    types = (expected,) if isinstance(expected, str) else expected
    if value.type_name not in types or not value.node_id.isdigit():
        raise InvalidInput(f"{field} 应为 {' 或 '.join(types)} 的ID", code=Code.ID_INVALID, field=field)
    return int(value.node_id)


def result_local_id(value: relay.GlobalID, field: str = "resultId") -> int:
    """The result row behind a public or a department result ID (both decode to the same row)."""
    return local_id(value, RESULT_TYPES, field)


def optional_local_id(value: relay.GlobalID | None, expected: str, field: str) -> int | None:
    """:func:`local_id` of an optional argument."""
    return None if value is None else local_id(value, expected, field)


def decode_global_id(text: str, expected: str | tuple[str, ...], field: str) -> int:
    """The database id inside a global ID given as text (a command line, a URL)."""
    try:
        value = relay.GlobalID.from_id(text)
    except (ValueError, TypeError):
        types = (expected,) if isinstance(expected, str) else expected
        raise InvalidInput(
            f"{field} 应为 {' 或 '.join(types)} 的ID", code=Code.ID_INVALID, field=field
        ) from None
    return local_id(value, expected, field)


def region_prefix(region_code: str | None) -> str | None:
    """A region code of a province, city or county (2, 4 or 6 digits), or None."""
    if region_code is None:
        return None
    if len(region_code) not in (2, 4, 6) or not region_code.isdigit():
        raise InvalidInput(
            "行政区划代码应为2、4或6位数字（省、市、县）",
            code=Code.REGION_CODE_INVALID,
            field="regionCode",
        )
    return region_code


def checked_year(year: int | None) -> int | None:
    """A year within the range the service knows, or None."""
    if year is not None and not 2000 <= year <= 2100:
        raise InvalidInput(f"年度“{year}”不在有效范围内", code=Code.YEAR_INVALID, field="year")
    return year
