"""``gongshi import`` and ``gongshi export``: spreadsheets in and out, and the bulk snapshot (issue 6).

Imports and department exports run as the holder of a token (``--token`` or ``--token-file``), so
the roles are exactly the API's: a clerk or admin imports its department's entities and results, an
admin its inspectors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from api.cli.ids import TASK, Refusal, parse_cli_id
from api.cli.session import run_with_session
from api.settings import Settings

KINDS = ("entities", "inspectors", "results")


def _token(args: argparse.Namespace) -> str | None:
    if args.token_file:
        return Path(args.token_file).read_text(encoding="utf-8").strip()
    return str(args.token) if args.token else None


async def _principal(session: Any, token: str | None, *, required: bool) -> Any:
    """The token holder, the public without a token, or None after printing why not."""
    from inspections.principals import PUBLIC
    from inspections.tokens import Unauthenticated, authenticate

    if not token:
        if required:
            print("需要部门用户令牌：--token 或 --token-file", file=sys.stderr)
            return None
        return PUBLIC
    try:
        principal = await authenticate(session, f"Bearer {token}")
    except Unauthenticated as exc:
        print(f"令牌不可用：{exc.message} ({exc.code})", file=sys.stderr)
        return None
    await session.rollback()
    return principal


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from inspections.calendar import load_calendar
    from inspections.directory_upkeep import ChangeOutcome
    from inspections.errors import DomainError
    from inspections.spreadsheets.importing import ImportRefused, import_file
    from workdays import china_today

    OUTCOME_LABELS = {
        ChangeOutcome.CREATED: "新增",
        ChangeOutcome.CHANGED: "变更",
        ChangeOutcome.UNCHANGED: "未变",
    }

    path = Path(args.file)
    data = path.read_bytes()
    token = _token(args)

    async def work(session: Any) -> int:
        by = await _principal(session, token, required=True)
        if by is None:
            return 2
        with tqdm(total=None, unit="行", desc=f"导入 {path.name}", file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            try:
                async with session.begin():
                    report = await import_file(
                        session,
                        by=by,
                        kind=args.kind,
                        data=data,
                        filename=path.name,
                        calendar=await load_calendar(session, builtin_years=settings.calendar_builtin_years),
                        publication_working_days=settings.publication_working_days,
                        progress=progress,
                        update=args.update,
                        today=china_today(),
                    )
            except ImportRefused as refused:
                bar.close()
                problems = refused.report.problems
                print(f"文件未导入：{len(problems)}处错误，未写入任何数据", file=sys.stderr)
                for p in problems:
                    where = f"第{p.row}行" if p.row else "文件"
                    column = f"【{p.column}】" if p.column else ""
                    print(f"{where}{column}{p.message} ({p.code})", file=sys.stderr)
                return 1
            except DomainError as exc:
                print(f"无法导入：{exc.message} ({exc.code})", file=sys.stderr)
                return 2
        print(f"已导入{report.written}行（{args.kind}，{path.name}）")
        for change in report.changes:  # an update import: one line per entity
            columns = f"：{'、'.join(change.columns)}" if change.columns else ""
            print(f"第{change.row}行 {change.credit_code} {OUTCOME_LABELS[change.outcome]}{columns}")
        return 0

    return run_with_session(settings, work, migrate=True)


def _write(output: str, data: bytes) -> None:
    if output == "-":
        sys.stdout.buffer.write(data)
    else:
        Path(output).write_bytes(data)
        print(f"已写入 {output}", file=sys.stderr)


def _template(settings: Settings, args: argparse.Namespace) -> int:
    from inspections.spreadsheets.columns import TEMPLATES
    from inspections.spreadsheets.writing import template_file

    template = TEMPLATES[args.kind]
    _write(args.output or f"{template.title}导入模板.{args.format}", template_file(template, args.format))
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from inspections.errors import DomainError
    from inspections.spreadsheets import exporting
    from inspections.spreadsheets.writing import render
    from inspections.statistics import Scope
    from workdays import china_today

    token = _token(args)
    try:
        task_id = parse_cli_id(args.task, TASK, "--task") if args.task else None
    except Refusal as refusal:
        print(f"无法导出：{refusal}", file=sys.stderr)
        return 2

    async def work(session: Any) -> int:
        by = await _principal(session, token, required=args.what != "statistics")
        if by is None:
            return 2
        try:
            async with session.begin():
                if args.what == "statistics":
                    department = None
                    if args.department:
                        from inspections.directory import department_by_code

                        department = (await department_by_code(session, args.department)).id
                    scope = Scope(args.year, task_id, department, args.region)
                    data, name = await exporting.statistics_file(
                        session, by=by, scope=scope, table=args.table, fmt=args.format, today=china_today()
                    )
                else:
                    if args.what == "results":
                        table = await exporting.task_results_table(session, by=by, task_id=task_id or 0)
                    elif args.what == "entities":
                        table = await exporting.entities_table(session, by=by, region_code=args.region or "")
                    else:
                        table = await exporting.inspectors_table(session, by=by)
                    data, name = (
                        render([table], exporting.check_format(args.format)),
                        f"{table.title}.{args.format}",
                    )
        except DomainError as exc:
            print(f"无法导出：{exc.message} ({exc.code})", file=sys.stderr)
            return 2
        _write(args.output or name, data)
        return 0

    return run_with_session(settings, work)


def _snapshot(settings: Settings, args: argparse.Namespace) -> int:
    from inspections.spreadsheets.licence import data_licence, manifest_terms
    from inspections.spreadsheets.snapshot import write_snapshot
    from workdays import china_today

    directory = Path(args.out or settings.snapshot_dir)

    async def work(session: Any) -> int:
        terms = manifest_terms(data_licence(settings.data_licence), settings.data_publisher)
        manifest = await write_snapshot(session, directory, today=china_today(), terms=terms)
        print(f"已生成公开结果快照：{manifest.count}条，{directory}/published-results.ndjson|csv")
        return 0

    return run_with_session(settings, work)


def _token_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token", help="a department user's token (gs_...)")
    parser.add_argument("--token-file", help="a file holding the token (keeps it out of the process list)")


def register(sub: Any) -> None:
    """Add ``gongshi import`` and ``gongshi export`` to the command line."""
    importer = sub.add_parser(
        "import", help="import entities, inspectors or results (XLSX or CSV), all or nothing"
    )
    importer.add_argument("kind", choices=KINDS)
    importer.add_argument("file")
    importer.add_argument(
        "--update",
        action="store_true",
        help="entities only: update those already in the directory and report what changed",
    )
    _token_args(importer)
    importer.set_defaults(run=_import)
    export = sub.add_parser(
        "export", help="templates, statistics, results, directories, snapshot"
    ).add_subparsers(dest="what", required=True)
    template = export.add_parser("template", help="the import template of a kind (Chinese headers)")
    template.add_argument("kind", choices=KINDS)
    template.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    template.add_argument("-o", "--output", help="file to write ('-' for standard output)")
    template.set_defaults(run=_template)
    for what, help_text in (
        ("statistics", "汇总表/明细表/发现问题一览表/公示及时性 (public figures without a token)"),
        ("results", "a task's results, in the import template's columns first"),
        ("entities", "the entity directory of a region"),
        ("inspectors", "the caller's department's inspectors"),
    ):
        command = export.add_parser(what, help=help_text)
        command.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
        command.add_argument("-o", "--output", help="file to write ('-' for standard output)")
        _token_args(command)
        command.add_argument("--task", help="task ID as the API shows it (or its number)")
        command.add_argument("--region", help="region code, 2, 4 or 6 digits")
        if what == "statistics":
            command.add_argument("--year", type=int)
            command.add_argument("--department", help="department code, e.g. 532325-GXSK")
            command.add_argument("--table", choices=("summary", "details", "problems", "timeliness"))
        command.set_defaults(run=_export)
    snapshot = export.add_parser("snapshot", help="write the bulk download of published results now")
    snapshot.add_argument("--out", help="directory (default: GONGSHI_SNAPSHOT_DIR or ./snapshots)")
    snapshot.set_defaults(run=_snapshot)
