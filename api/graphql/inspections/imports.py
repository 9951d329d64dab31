"""``importFile``: a directory or results file over the API, all or nothing, in one write transaction."""

from __future__ import annotations

import base64
import binascii
from enum import Enum
from typing import Annotated, TypeAlias

import strawberry

from api.error_codes import ApiErrorCode as Code
from api.graphql.context import Info
from api.graphql.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    as_error,
)
from api.graphql.core.transaction import write_transaction
from inspections.directory_upkeep import ChangeOutcome
from inspections.errors import DomainError, InvalidInput
from inspections.spreadsheets.importing import ImportRefused, ImportReport, RowChange, import_file
from inspections.spreadsheets.reading import MAX_BYTES


@strawberry.enum(description="导入文件类型")
class ImportKind(Enum):
    """What a file holds."""

    ENTITIES = "entities"
    INSPECTORS = "inspectors"
    RESULTS = "results"


strawberry.enum(
    ChangeOutcome, name="EntityChangeOutcome", description="名录更新导入中一行的结果：新增、变更、未变"
)


@strawberry.type(description="名录更新导入中一行的结果")
class EntityRowChange:
    """One row of an update import: created, changed (with the columns) or unchanged."""

    row: int = strawberry.field(description="表格行号（表头为第1行）")
    credit_code: str
    outcome: ChangeOutcome
    columns: list[str] = strawberry.field(description="变更的列（中文表头）；新增和未变时为空")

    @classmethod
    def from_change(cls, change: RowChange) -> EntityRowChange:
        return cls(
            row=change.row, credit_code=change.credit_code, outcome=change.outcome, columns=change.columns
        )


@strawberry.type(description="导入成功：整个文件已在一个事务中写入")
class ImportAccepted:
    """Every row was written."""

    kind: ImportKind
    filename: str
    rows: int
    written: int
    changes: list[EntityRowChange] = strawberry.field(
        description="名录更新导入（update: true）中每行的结果；其他导入为空"
    )


@strawberry.type(description="导入被拒的一处错误")
class ImportProblem:
    """A bad row (or the file itself when ``row`` is empty)."""

    row: int | None = strawberry.field(description="表格行号（表头为第1行）；空表示整个文件")
    column: str | None = strawberry.field(description="列名（中文表头）")
    code: str
    message: str


@strawberry.type(description="导入被拒：列出每一处错误，未写入任何数据")
class ImportRefusal:
    """At least one bad row: nothing was written."""

    kind: ImportKind
    filename: str
    rows: int
    problems: list[ImportProblem]
    changes: list[EntityRowChange] = strawberry.field(
        description="名录更新导入中无误的行若导入将产生的结果（本次均未写入）"
    )

    @classmethod
    def from_report(cls, report: ImportReport) -> ImportRefusal:
        return cls(
            kind=ImportKind(report.kind),
            filename=report.filename,
            rows=report.rows,
            changes=[EntityRowChange.from_change(c) for c in report.changes],
            problems=[
                ImportProblem(row=p.row, column=p.column, code=p.code, message=p.message)
                for p in report.problems
            ],
        )


ImportPayload: TypeAlias = Annotated[
    ImportAccepted
    | ImportRefusal
    | InvalidInputError
    | NotFoundError
    | PermissionDeniedError
    | ConflictError,
    strawberry.union("ImportPayload"),
]


def _decode(content: str) -> bytes:
    if len(content) > MAX_BYTES * 4 // 3 + 4:
        raise InvalidInput(
            f"文件不能超过{MAX_BYTES // 1024 // 1024}MB",
            code=Code.FILE_TOO_LARGE,
            field="contentBase64",
        )
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(
            "contentBase64 不是有效的Base64", code=Code.BASE64_INVALID, field="contentBase64"
        ) from exc


@strawberry.type
class DataMutation:
    """Imports; the roles are the use cases' (clerk or admin; inspectors: admin)."""

    @strawberry.mutation(
        description="导入检查对象名录、执法检查人员名录或检查结果（XLSX或CSV，Base64）；任何一行有误则整个文件不导入"
    )
    async def import_file(
        self,
        info: Info,
        kind: ImportKind,
        filename: str,
        content_base64: str,
        update: Annotated[
            bool,
            strawberry.argument(
                description="名录更新（仅检查对象名录）：已在名录中的主体按非空单元格更新，不再拒绝；"
                "报告每行新增、变更（及变更的列）或未变"
            ),
        ] = False,
    ) -> ImportPayload:
        session = info.context.session
        try:
            async with write_transaction(session):
                report = await import_file(
                    session,
                    by=info.context.principal,
                    kind=kind.value,
                    data=_decode(content_base64),
                    filename=filename,
                    calendar=await info.context.calendar(),
                    publication_working_days=info.context.settings.publication_working_days,
                    update=update,
                    today=info.context.today(),
                )
        except ImportRefused as refused:
            return ImportRefusal.from_report(refused.report)
        except DomainError as exc:
            return as_error(exc)
        await session.connection()
        return ImportAccepted(
            kind=kind,
            filename=filename,
            rows=report.rows,
            written=report.written,
            changes=[EntityRowChange.from_change(c) for c in report.changes],
        )
