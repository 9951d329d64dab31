"""``gongshi import`` / ``gongshi export`` on a real database file, as an operator would run them."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest
from strawberry import relay

from api.cli import main
from inspections.principals import Role
from inspections.tokens import issue_token
from schema import credit_code
from schema.db import make_engine, make_sessionmaker
from schema.migrate import upgrade
from tests import factories

HEADER = "统一社会信用代码,名称,市场主体类型,行政区划代码"
CODES = [credit_code.make_code("9", "1", "532301", f"CL{n:06d}") for n in range(4)]


async def test_import_refuses_then_accepts_and_export_gives_the_rows_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            department = await factories.department(session, "楚雄市市场监督管理局", "532301")
            clerk = await issue_token(
                session, actor="test", holder_name="录入员", department_code=department.code, role=Role.CLERK
            )
            reviewer = await issue_token(
                session,
                actor="test",
                holder_name="审核员",
                department_code=department.code,
                role=Role.REVIEWER,
            )
    finally:
        await engine.dispose()
    good = [f"{code},楚雄{n}号商贸有限公司,企业,532301" for n, code in enumerate(CODES)]
    bad = list(good)
    bad[0] = bad[0].replace(",企业,", ",企 业,")
    bad[2] = f"{CODES[2]},楚雄2号商贸有限公司,企业,5323"  # region too short
    bad[3] = bad[3].replace(CODES[3], "123")
    path = tmp_path / "名录.csv"
    path.write_text("\n".join([HEADER, *bad]) + "\n", encoding="utf-8-sig")
    args = ["import", "entities", str(path), "--token", clerk.secret]
    assert await asyncio.to_thread(main, args) == 1
    err = capsys.readouterr().err
    assert "3处错误" in err and "第2行【市场主体类型】" in err and "第5行【统一社会信用代码】" in err
    assert "(REGION_CODE_INVALID)" in err and "(CREDIT_CODE_LENGTH)" in err
    refused = ["import", "entities", str(path), "--token", reviewer.secret]
    assert await asyncio.to_thread(main, refused) == 2
    assert "ROLE_REQUIRED" in capsys.readouterr().err
    path.write_text("\n".join([HEADER, *good]) + "\n", encoding="utf-8-sig")
    assert await asyncio.to_thread(main, args) == 0
    assert "已导入4行" in capsys.readouterr().out
    out = tmp_path / "导出.csv"
    export = [
        "export",
        "entities",
        "--region",
        "532301",
        "--format",
        "csv",
        "-o",
        str(out),
        "--token",
        clerk.secret,
    ]
    assert await asyncio.to_thread(main, export) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [row[:4] for row in rows] == [HEADER.split(","), *(line.split(",") for line in good)]
    template = tmp_path / "模板.xlsx"
    assert await asyncio.to_thread(main, ["export", "template", "results", "-o", str(template)]) == 0
    assert template.read_bytes()[:2] == b"PK"
    stats = tmp_path / "统计.xlsx"
    assert await asyncio.to_thread(main, ["export", "statistics", "--region", "5323", "-o", str(stats)]) == 0
    snapshots = tmp_path / "snapshots"
    assert await asyncio.to_thread(main, ["export", "snapshot", "--out", str(snapshots)]) == 0
    assert (snapshots / "published-results.ndjson").read_text(encoding="utf-8") == ""  # nothing published yet
    assert "已生成公开结果快照：0条" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["export", "results", "--task", "1", "-o", "-"]) == 2
    assert "需要部门用户令牌" in capsys.readouterr().err
    # Task IDs as the API shows them; one of another type is refused in one Chinese line.
    foreign = str(relay.GlobalID("InspectionResult", "1"))
    assert (
        await asyncio.to_thread(main, ["export", "results", "--task", foreign, "--token", clerk.secret]) == 2
    )
    err = capsys.readouterr().err
    assert err.strip() == "无法导出：--task 应为 Task 的ID" and "Traceback" not in err
    task_gid = str(relay.GlobalID("Task", "999"))
    assert (
        await asyncio.to_thread(main, ["export", "results", "--task", task_gid, "--token", clerk.secret]) == 2
    )
    assert "(TASK_NOT_FOUND)" in capsys.readouterr().err
