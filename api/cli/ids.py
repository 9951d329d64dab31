"""IDs on the command line: the global IDs the API returns, or the plain number as an alias."""

from __future__ import annotations

from api.graphql.core.ids import decode_global_id
from inspections.errors import InvalidInput

TASK = "Task"
RESULT = ("InspectionResult", "DepartmentResult")  # either face of a result
DEPARTMENT = "Department"


class Refusal(Exception):
    """A mistake on the command line: printed as one Chinese line, exit status 2."""


def parse_cli_id(text: str, type_name: str | tuple[str, ...], option: str) -> int:
    """The database id behind ``text``: a global ID of ``type_name`` (as the API shows it) or a number."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        return decode_global_id(text, type_name, option)
    except InvalidInput as exc:
        raise Refusal(exc.message) from None
