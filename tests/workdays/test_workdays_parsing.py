"""Schedule files (JSON and CSV): good files load, each kind of bad file is named precisely."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from workdays import ScheduleError, YearSchedule, load_schedule_file, parse_schedule

D = date


def _json(**overrides: Any) -> str:
    """A valid JSON schedule for a made-up 2027 (not the real notice), with fields overridden."""
    data: dict[str, Any] = {
        "year": 2027,
        "source": "test notice",
        "holidays": [
            {"name": "元旦", "dates": ["2027-01-01", "2027-01-02", "2027-01-03"]},
            {"name": "春节", "dates": ["2027-02-06", "2027-02-07", "2027-02-08"]},
        ],
        "workdays": ["2027-01-09"],
    }
    data.update(overrides)
    return json.dumps(data, ensure_ascii=False, indent=2)


CSV_OK = """\
# source: test notice
date,kind,name
2027-01-01,holiday,元旦
2027-01-02,休,元旦
2027-01-03,holiday,元旦
2027-01-09,班,元旦调休上班
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
"""

EXPECTED = YearSchedule(
    year=2027,
    holidays=frozenset(
        {D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)}
    ),
    workdays=frozenset({D(2027, 1, 9)}),
    source="test notice",
)


def _error(text: str, filename: str) -> str:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(text, filename=filename)
    return str(info.value)


# ---- good files ----


def test_json_parses() -> None:
    assert parse_schedule(_json(), filename="2027.json") == EXPECTED


def test_csv_parses_with_english_and_chinese_kinds() -> None:
    assert parse_schedule(CSV_OK, filename="2027.csv") == EXPECTED


def test_csv_year_line_and_bom_and_blank_lines_and_header_case() -> None:
    text = "\ufeff# year: 2027\n\n" + CSV_OK.replace("date,kind,name", "Date,Kind,Name") + ",,\n"
    assert parse_schedule(text, filename="2027.csv") == EXPECTED


def test_csv_name_column_is_optional() -> None:
    text = "# source: test notice\ndate,kind\n2027-01-01,holiday\n"
    assert parse_schedule(text, filename="x.csv").holidays == frozenset({D(2027, 1, 1)})


def test_json_with_bom_and_holiday_dates_repeated_across_sets() -> None:
    # 2025's 国庆中秋 block: 中秋 (Oct 6) lies inside 国庆 (Oct 1–8); listing it twice is fine.
    text = _json(
        holidays=[
            {"name": "国庆节", "dates": ["2027-10-01", "2027-10-02"]},
            {"name": "中秋节", "dates": ["2027-10-02"]},
        ],
        workdays=[],
    )
    loaded = parse_schedule("\ufeff" + text, filename="a.JSON")
    assert loaded.holidays == frozenset({D(2027, 10, 1), D(2027, 10, 2)})
    assert loaded.workdays == frozenset()


def test_load_schedule_file_reads_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "2027.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CSV_OK.encode("utf-8"))
    assert load_schedule_file(path) == EXPECTED
    assert load_schedule_file(str(path)) == EXPECTED


# ---- one test per kind of bad file ----


def test_bad_date_json() -> None:
    message = _error(_json(workdays=["2027-02-30"]), "2027.json")
    assert "日期无效" in message
    assert "'2027-02-30'" in message
    assert "workdays[0]" in message
    assert "2027.json" in message


def test_bad_date_csv_names_the_line() -> None:
    message = _error(CSV_OK.replace("2027-01-03,holiday", "2027/01/03,holiday"), "2027.csv")
    assert "日期无效" in message
    assert "'2027/01/03'" in message
    assert "第5行" in message  # comment, header, then the 3rd data row
    assert "invalid date" in message


def test_date_outside_the_year_json() -> None:
    holidays = [{"name": "元旦", "dates": ["2026-12-31", "2027-01-01"]}]
    message = _error(_json(holidays=holidays), "2027.json")
    assert "2026-12-31 不在 2027 年内" in message
    assert "holidays[0]（元旦）.dates[0]" in message


def test_date_outside_the_year_csv_with_year_line() -> None:
    message = _error("# year: 2027\n" + CSV_OK + "2028-01-01,holiday,元旦\n", "2027.csv")
    assert "2028-01-01 不在 2027 年内" in message
    assert "第11行" in message


def test_date_both_holiday_and_workday_json() -> None:
    message = _error(_json(workdays=["2027-01-02"]), "2027.json")
    assert "2027-01-02（周六）" in message
    assert "既是放假日" in message
    assert "both a holiday and a workday" in message
    assert "holidays[0]（元旦）" in message
    assert "workdays[0]" in message


def test_date_both_holiday_and_workday_csv_names_both_lines() -> None:
    message = _error(CSV_OK + "2027-01-02,workday,oops\n", "2027.csv")
    assert "2027-01-02（周六）" in message
    assert "第4行" in message  # the holiday row
    assert "第10行" in message  # the workday row
    assert "both a holiday and a workday" in message


@pytest.mark.parametrize("name", ["empty.json", "empty.csv"])
@pytest.mark.parametrize("text", ["", "   \n\n", "\ufeff"])
def test_empty_file(text: str, name: str) -> None:
    message = _error(text, name)
    assert "文件为空" in message
    assert "empty file" in message


def test_csv_with_only_comments_or_only_header() -> None:
    assert "no header and no rows" in _error("# source: x\n", "a.csv")
    assert "no date rows" in _error("# source: x\ndate,kind,name\n", "a.csv")


def test_unknown_kind() -> None:
    message = _error(CSV_OK.replace("2027-01-03,holiday", "2027-01-03,vacation"), "2027.csv")
    assert "未知类型 'vacation'" in message
    assert "unknown kind" in message
    assert "第5行" in message


def test_mixed_years() -> None:
    message = _error(CSV_OK + "2028-01-01,holiday,元旦\n", "2027.csv")
    assert "混合了多个年份" in message
    assert "2027（第3行）" in message
    assert "2028（第10行）" in message
    assert "mixed years" in message


def test_workday_on_a_weekday_json() -> None:
    message = _error(_json(workdays=["2027-01-04"]), "2027.json")
    assert "2027-01-04（周一）" in message
    assert "必须是周六或周日" in message
    assert "Saturday or Sunday" in message
    assert "workdays[0]" in message


def test_workday_on_a_weekday_csv() -> None:
    message = _error(CSV_OK + "2027-01-05,班,\n", "2027.csv")
    assert "2027-01-05（周二）" in message
    assert "Saturday or Sunday" in message
    assert "第10行" in message


def test_holiday_set_with_no_dates() -> None:
    holidays = [{"name": "元旦", "dates": ["2027-01-01"]}, {"name": "春节", "dates": []}]
    message = _error(_json(holidays=holidays), "2027.json")
    assert "holidays[1]（春节）" in message
    assert "没有任何日期" in message
    assert "holiday set has no dates" in message


def test_no_holidays_at_all() -> None:
    assert "holidays must be a non-empty list" in _error(_json(holidays=[]), "a.json")
    csv_text = "# source: x\ndate,kind,name\n2027-01-09,workday,\n"
    assert "no holiday rows" in _error(csv_text, "a.csv")


def test_invalid_json_names_the_line() -> None:
    message = _error('{\n  "year": 2027,\n  "source": "x",\n}', "2027.json")
    assert "JSON 格式错误" in message
    assert "第4行" in message


def test_json_structure_errors() -> None:
    assert "missing key 'source'" in _error(json.dumps({"year": 2027}), "a.json")
    assert "year must be an integer" in _error(_json(year="2027"), "a.json")
    assert "unknown keys" in _error(_json(workday=["2027-01-09"]), "a.json")
    assert "top level must be an object" in _error("[]", "a.json")
    assert "source must be a non-empty string" in _error(_json(source=""), "a.json")


def test_csv_structure_errors() -> None:
    no_header = "# source: x\n2027-01-01,holiday,元旦\n"
    assert "expected date,kind,name" in _error(no_header, "a.csv")
    no_source = CSV_OK.replace("# source: test notice\n", "")
    assert "missing '# source:'" in _error(no_source, "a.csv")
    extra_column = CSV_OK.replace("2027-01-03,holiday,元旦", "2027-01-03,holiday,元旦,x")
    assert "wrong number of columns" in _error(extra_column, "a.csv")
    assert "year must be 4 digits" in _error("# year: 27\n" + CSV_OK, "a.csv")
    assert "duplicate '# source:'" in _error("# source: y\n" + CSV_OK, "a.csv")


def test_unsupported_extension() -> None:
    message = _error(CSV_OK, "2027.xlsx")
    assert "'.xlsx'" in message
    assert "unsupported file type" in message


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "2027.csv"
    path.write_bytes(CSV_OK.encode("gbk"))
    with pytest.raises(ScheduleError, match="not UTF-8"):
        load_schedule_file(path)


def test_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_schedule_file(tmp_path / "nope.json")


def test_error_carries_structured_location() -> None:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(CSV_OK + "2027-13-01,holiday,x\n", filename="2027.csv")
    assert info.value.filename == "2027.csv"
    assert info.value.line == 10
    assert "日期无效" in info.value.problem


def test_csv_chinese_metadata_keys_with_full_width_colon() -> None:
    text = CSV_OK.replace("# source: test notice", "# 来源：test notice\n# 年份：2027")
    assert parse_schedule(text, filename="2027.csv") == EXPECTED
