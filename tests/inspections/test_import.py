"""Imports are all or nothing: three bad rows are all reported and nothing is written; fixed, it imports.

Files are written here by hand (CSV text) or with openpyxl directly, not with our own writer.
"""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import draws, items, plans
from inspections.errors import PermissionDenied
from inspections.principals import Role, department_user
from inspections.spreadsheets import exporting
from inspections.spreadsheets.importing import ImportRefused, import_file
from inspections.spreadsheets.reading import read_table
from inspections.spreadsheets.writing import to_csv, to_xlsx
from schema import credit_code
from schema.enums import DepartmentLevel, InspectionMethod
from schema.models import Department, Entity, Inspection, InspectionItem, InspectionResult, Task
from tests import factories
from tests.conftest import table_counts
from tests.factories import CALENDAR, TEST

CODES = [credit_code.make_code("9", "1", "532301", f"MA{n:06d}") for n in range(5)]
HEADER = (
    "统一社会信用代码,名称,市场主体类型,行政区划代码,行业,住所,法定代表人,成立日期,登记状态,曾用名,联系电话"
)
GOOD = [
    f"{CODES[0]},楚雄鑫达商贸有限公司,企业,532301,二手车交易,楚雄市鹿城镇1号,张伟,2015-03-02,存续,,0878-1111111",
    f"{CODES[1]},楚雄恒通汽车服务部,个体工商户,532301,二手车交易,楚雄市鹿城镇2号,李娜,2018/6/9,存续,楚雄恒通车行,",
    f"{CODES[2]},楚雄市兴农种植专业合作社,农民专业合作社,532301,,楚雄市东瓜镇,王强,2019年1月5日,,,",
    f"{CODES[3]},楚雄广源二手车经纪有限公司,企业,532301,二手车交易,,赵敏,,已注销,广源车行、广源经纪,",
    f"{CODES[4]},楚雄顺达汽车销售有限公司,企业,532301,二手车交易,楚雄市开发区,孙磊,2020-12-31,存续,,",
]


def _bad_rows() -> list[str]:
    rows = list(GOOD)
    rows[1] = rows[1].replace(CODES[1], CODES[1][:-1] + ("0" if CODES[1][-1] != "0" else "1"))  # check char
    rows[3] = rows[3].replace(",企业,", ",公司,")  # not a type
    rows[4] = rows[4].replace("楚雄顺达汽车销售有限公司", "")  # no name
    return rows


def _csv(rows: list[str]) -> bytes:
    return ("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")


async def test_three_bad_rows_are_all_reported_and_nothing_is_written(session: AsyncSession) -> None:
    clerk = department_user(
        (await factories.department(session, "楚雄市市场监督管理局", "532301")).id, Role.CLERK, "录入员"
    )
    before = await table_counts(session)
    with pytest.raises(ImportRefused) as refused:
        await import_file(session, by=clerk, kind="entities", data=_csv(_bad_rows()), filename="名录.csv")
    problems = [(p.row, p.column, p.code) for p in refused.value.report.problems]
    assert problems == [
        (3, "统一社会信用代码", "CREDIT_CODE_CHECK"),
        (5, "市场主体类型", "CHOICE_INVALID"),
        (6, "名称", "REQUIRED"),
    ]
    assert all(p.message for p in refused.value.report.problems)
    assert await table_counts(session) == before
    # The same file corrected imports in one go, and the export gives back the same rows.
    report = await import_file(session, by=clerk, kind="entities", data=_csv(GOOD), filename="名录.csv")
    assert (report.rows, report.written, report.problems) == (5, 5, [])
    exported = await exporting.entities_table(session, by=clerk, region_code="532301")
    # The file had no 登记机关 and 主体类别 columns (optional): the export gives them back empty,
    # before the 联系电话 that stays last.
    headers = HEADER.split(",")
    assert exported.headers == [*headers[:10], "登记机关", "主体类别", headers[10]]
    back = read_table(to_csv(exported), "x.csv").rows
    assert [cells[10:12] for _, cells in back] == [["", ""]] * len(GOOD)
    assert [_normal((n, cells[:10] + cells[12:])) for n, cells in back] == [
        _normal((0, line.split(","))) for line in GOOD
    ]
    status = {code: state for code, state in await session.execute(select(Entity.credit_code, Entity.status))}
    assert status[CODES[3]].value == "deregistered"


def _normal(row: tuple[int, list[str]]) -> list[str]:
    """The cells as the template means them: dates ISO, empty status = 存续, names split."""
    cells = list(row[1])
    for n, fmt in ((7, "%Y-%m-%d"),):
        if cells[n]:
            for sep in ("/", "年", "月"):
                cells[n] = cells[n].replace(sep, "-")
            cells[n] = date(*(int(x) for x in cells[n].rstrip("日").split("-"))).strftime(fmt)
    cells[8] = cells[8] or "存续"
    return cells


async def _drawn_task(
    session: AsyncSession,
) -> tuple[Department, Department, Task, list[Entity], list[InspectionItem]]:
    a = await factories.department(session, "姚安县工业信息化商务科技局")
    b = await factories.department(session, "姚安县市场监督管理局")
    industry = "二手车交易-导入"
    entities = [await factories.entity(session, f"姚安县导入{n}号车行", industry=industry) for n in range(3)]
    made = []
    for department, code in ((a, "IMP-A"), (b, "IMP-B")):
        made.append(
            await items.create_item_version(
                session,
                by=TEST,
                department_id=department.id,
                code=code,
                name=f"{code}检查",
                category="二手车流通",
                legal_basis="《二手车流通管理办法》",
                method=InspectionMethod.ON_SITE,
                effective_from=date(2021, 1, 1),
            )
        )
    task = await plans.create_task(
        session,
        by=TEST,
        name="导入测试任务",
        initiating_department_id=a.id,
        participating_department_ids=[b.id],
        items=[plans.TaskItemSpec(made[0].id, a.id), plans.TaskItemSpec(made[1].id, b.id)],
        strata=[plans.StratumSpec("全部", 10000, industry=industry)],
        period_start=date(2021, 9, 1),
        period_end=date(2021, 9, 30),
        level=DepartmentLevel.COUNTY,
        method=InspectionMethod.ON_SITE,
        region_code="532325",
    )
    await draws.draw_entities(session, by=TEST, task_id=task.id, seed="import-test-seed-0123456789")
    for inspection in await session.scalars(select(Inspection).where(Inspection.task_id == task.id)):
        await draws.record_inspection_dates(
            session,
            by=TEST,
            inspection_id=inspection.id,
            inspected_on=date(2021, 9, 6),
            ended_on=date(2021, 9, 7),
            today=date(2021, 9, 7),
        )
    return a, b, task, entities, made


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "数据"
    sheet.append(["任务ID", "统一社会信用代码", "抽查事项编码", "检查结果", "结果说明"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_results_from_xlsx_all_or_nothing_then_exported_back(session: AsyncSession) -> None:
    _, b, task, entities, _ = await _drawn_task(session)
    stranger = await factories.entity(session, "姚安县未抽中车行", industry="其他行业")
    clerk = department_user(b.id, Role.CLERK, "乙录入")
    good = [
        [task.id, entities[0].credit_code, "IMP-B", "未发现问题", "现场检查未发现问题。"],
        [
            task.id,
            entities[1].credit_code,
            "IMP-B",
            "未按规定公示应当公示的信息、发现问题已责令改正",
            "未公示出资信息，已责令改正。",
        ],
        [task.id, entities[2].credit_code, "IMP-B", "UNREACHABLE", ""],
    ]
    bad = [list(row) for row in good]
    bad[0][1] = stranger.credit_code  # not drawn for this task
    bad[1][3] = "基本合格"  # not a category
    bad[2][2] = "IMP-A"  # A's item, not B's part
    before = await table_counts(session)
    with pytest.raises(ImportRefused) as refused:
        await import_file(
            session, by=clerk, kind="results", data=_xlsx(bad), filename="结果.xlsx", calendar=CALENDAR
        )
    problems = [(p.row, p.column, p.code) for p in refused.value.report.problems]
    assert problems == [
        (2, "统一社会信用代码", "INSPECTION_NOT_FOUND"),
        (3, "检查结果", "CATEGORY_UNKNOWN"),
        (4, "抽查事项编码", "ITEM_NOT_IN_TASK"),
    ]
    assert await table_counts(session) == before
    progress: list[tuple[int, int]] = []
    report = await import_file(
        session,
        by=clerk,
        kind="results",
        data=_xlsx(good),
        filename="结果.xlsx",
        calendar=CALENDAR,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert report.written == 3 and progress[-1] == (3, 3)
    rows = list(await session.scalars(select(InspectionResult).where(InspectionResult.task_id == task.id)))
    assert {r.status.value for r in rows} == {"draft"} and len(rows) == 3
    exported = await exporting.task_results_table(session, by=clerk, task_id=task.id)
    back = read_table(to_xlsx([exported]), "x.xlsx")
    expected = [[str(c) for c in row] for row in good]
    expected[2][3] = "通过登记的住所（经营场所）无法联系"  # a code comes back as its label
    assert sorted(cells[:5] for _, cells in back.rows) == sorted(expected)
    # The exported file is itself an import file: importing it again finds every row already there.
    with pytest.raises(ImportRefused) as again:
        await import_file(
            session, by=clerk, kind="results", data=to_xlsx([exported]), filename="x.xlsx", calendar=CALENDAR
        )
    assert {p.code for p in again.value.report.problems} == {"RESULT_EXISTS"}


async def test_duplicates_headers_roles_and_unreadable_files(session: AsyncSession) -> None:
    department = await factories.department(session, "楚雄市市场监督管理局", "532301")
    admin = department_user(department.id, Role.ADMIN, "管理员")
    data = "执法证号,姓名\r\nCX-1,李明\r\nCX-2,王芳\r\nCX-1,赵强\r\n".encode("gb18030")  # Excel's Chinese CSV
    with pytest.raises(ImportRefused) as refused:
        await import_file(session, by=admin, kind="inspectors", data=data, filename="人员.csv")
    assert [(p.row, p.code) for p in refused.value.report.problems] == [(4, "DUPLICATE_IN_FILE")]
    with pytest.raises(PermissionDenied):
        await import_file(
            session,
            by=department_user(department.id, Role.CLERK, "录入"),
            kind="inspectors",
            data=data,
            filename="x.csv",
        )
    wrong = "执法证号,名字\r\nCX-9,李明\r\n".encode()
    with pytest.raises(ImportRefused) as headers:
        await import_file(session, by=admin, kind="inspectors", data=wrong, filename="x.csv")
    assert [(p.row, p.column, p.code) for p in headers.value.report.problems] == [
        (1, "姓名", "HEADER_MISSING"),
        (1, "名字", "HEADER_UNKNOWN"),
    ]
    for junk, name in ((b"PK\x03\x04not really a zip", "x.xlsx"), (b"", "x.csv"), (b"\x00\x01", "x.csv")):
        with pytest.raises(ImportRefused) as unreadable:
            await import_file(session, by=admin, kind="inspectors", data=junk, filename=name)
        assert unreadable.value.report.problems[0].row is None
    report = await import_file(
        session, by=admin, kind="inspectors", data="执法证号,姓名\r\nCX-1,李明\r\n".encode(), filename="x.csv"
    )
    assert report.written == 1
    exported = await exporting.inspectors_table(session, by=admin)
    assert exported.rows == [["CX-1", "李明"]]
