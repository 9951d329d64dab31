"""Loading a holiday schedule (放假安排) from a JSON or CSV file, so no code release is needed."""

from __future__ import annotations

from pathlib import Path, PurePath

from .csv_format import parse_csv_schedule
from .json_format import parse_json_schedule
from .schedule import ScheduleError, YearSchedule


def parse_schedule(text: str, *, filename: str) -> YearSchedule:
    """Parse schedule text; the format is chosen by `filename`'s extension (.json or .csv)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in (".json", ".csv"):
        raise ScheduleError(
            f"不支持的文件类型 {suffix or '（无扩展名）'!r}，只支持 .json 和 .csv "
            "(unsupported file type, expected .json or .csv)",
            filename=filename,
        )
    # Spreadsheet programs on Windows save UTF-8 with a byte-order mark; it is not content.
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ScheduleError("文件为空 (empty file)", filename=filename)
    if suffix == ".json":
        return parse_json_schedule(text, filename)
    return parse_csv_schedule(text, filename)


def load_schedule_file(path: str | Path) -> YearSchedule:
    """Read and parse a UTF-8 (with or without BOM) schedule file; OSError if it cannot be read."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScheduleError(
            f"文件不是 UTF-8 编码（第 {exc.start} 字节）(file is not UTF-8)", filename=str(path)
        ) from None
    return parse_schedule(text, filename=str(path))
