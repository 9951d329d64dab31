"""The import templates (导入模板): their Chinese headers, what each cell may hold, and how it is read.

One definition serves the downloadable template, its 填写说明 sheet, the validation of an uploaded
file and the export that gives the same rows back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from inspections.error_codes import InspectionErrorCode as Code
from schema import credit_code
from schema.enums import EntityKind, EntityStatus, EntityType
from schema.errors import CodedError

ENTITY_TYPE_LABELS = {
    EntityType.ENTERPRISE: "企业",
    EntityType.INDIVIDUAL_BUSINESS: "个体工商户",
    EntityType.FARMER_COOPERATIVE: "农民专业合作社",
    EntityType.OTHER: "其他",
}
ENTITY_KIND_LABELS = {
    EntityKind.ENTERPRISE_GROUP: "企业集团",
    EntityKind.FOREIGN_REPRESENTATIVE_OFFICE: "外国企业常驻代表机构",
}
ENTITY_STATUS_LABELS = {
    EntityStatus.ACTIVE: "存续",
    EntityStatus.DEREGISTERED: "已注销",
    EntityStatus.REGISTRATION_REVOKED: "被撤销设立登记",
    EntityStatus.LICENSE_REVOKED: "被吊销营业执照",
    EntityStatus.MIGRATED: "已迁出",
}
LIST_SEPARATORS = re.compile(r"[、；;，,\n]+")
DATE_FORMATS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)


class CellError(CodedError, ValueError):
    """A cell that cannot be read: a stable code and a Chinese reason."""

    def __init__(self, code: StrEnum, message: str) -> None:
        super().__init__(message, code=code)


Parser = Callable[[str], Any]


def text(max_length: int) -> Parser:
    """Free text of at most ``max_length`` characters."""

    def parse(raw: str) -> str:
        if len(raw) > max_length:
            raise CellError(Code.TOO_LONG, f"不能超过{max_length}个字，实际{len(raw)}个字")
        return raw

    return parse


def code(raw: str) -> str:
    """A 统一社会信用代码 (GB 32100-2015, check character verified)."""
    try:
        return credit_code.validate(raw)
    except credit_code.InvalidCreditCode as exc:
        raise CellError(exc.code, exc.message) from exc


def region(raw: str) -> str:
    """A 6-digit administrative division code."""
    if len(raw) != 6 or not raw.isdigit() or not raw.isascii():
        raise CellError(Code.REGION_CODE_INVALID, f"行政区划代码应为6位数字，收到“{raw}”")
    return raw


def day(raw: str) -> date:
    """A date written as 2021-05-08, 2021/5/8, 2021.5.8 or 2021年5月8日."""
    for pattern in DATE_FORMATS:
        match = pattern.match(raw)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise CellError(Code.DATE_INVALID, f"日期“{raw}”无效，请写作“2021-05-08”")


def choice(labels: dict[Any, str]) -> Parser:
    """One of ``labels``' Chinese labels; answers the value it stands for."""
    by_label = {label: value for value, label in labels.items()}

    def parse(raw: str) -> Any:
        if raw not in by_label:
            allowed = "、".join(labels.values())
            raise CellError(Code.CHOICE_INVALID, f"“{raw}”不是可选值，应为：{allowed}")
        return by_label[raw]

    return parse


def listing(raw: str) -> list[str]:
    """Several values separated by 、 ； ， or a new line."""
    return [part.strip() for part in LIST_SEPARATORS.split(raw) if part.strip()]


def positive_int(raw: str) -> int:
    """A whole number such as a task ID (任务ID)."""
    if not raw.isdigit() or not raw.isascii() or int(raw) == 0:
        raise CellError(Code.NUMBER_INVALID, f"应为正整数，收到“{raw}”")
    return int(raw)


TEXT = text(200)


@dataclass(frozen=True)
class Column:
    """One column of a template."""

    header: str
    key: str
    required: bool
    help: str
    example: str
    parse: Parser = TEXT
    default: Any = ""


@dataclass(frozen=True)
class Template:
    """A file kind departments import: its columns, and what identifies a row."""

    kind: str
    title: str
    columns: tuple[Column, ...]
    identity: tuple[str, ...]  # keys that may not repeat within one file
    extra_headers: tuple[str, ...] = ()  # written by the export for reading, ignored on import
    roles: str = ""

    def header_of(self, key: str) -> str:
        """The Chinese header of a column key."""
        return next(c.header for c in self.columns if c.key == key)


ENTITIES = Template(
    kind="entities",
    title="检查对象名录",
    roles="本部门录入或管理员",
    identity=("credit_code",),
    columns=(
        Column("统一社会信用代码", "credit_code", True, "18位，末位校验码须正确", "91532325MA6N4B2X33", code),
        Column("名称", "name", True, "市场主体登记名称", "姚安县鑫达二手车交易有限公司", text(200)),
        Column(
            "市场主体类型",
            "entity_type",
            True,
            "企业、个体工商户、农民专业合作社或其他",
            "企业",
            choice(ENTITY_TYPE_LABELS),
        ),
        Column("行政区划代码", "region_code", True, "登记机关所在县级行政区划，6位数字", "532325", region),
        Column("行业", "industry", False, "用于按行业分层抽取，如“二手车交易”", "二手车交易", text(64)),
        Column("住所", "address", False, "住所（经营场所）", "姚安县栋川镇东街12号", text(300)),
        Column("法定代表人", "legal_representative", False, "法定代表人或经营者", "张伟", text(64)),
        Column("成立日期", "registration_date", False, "如 2015-03-02", "2015-03-02", day, None),
        Column(
            "登记状态",
            "status",
            False,
            "存续、已注销、被撤销设立登记、被吊销营业执照或已迁出；空为存续",
            "存续",
            choice(ENTITY_STATUS_LABELS),
            EntityStatus.ACTIVE,
        ),
        Column("曾用名", "former_names", False, "多个用顿号“、”分隔", "", listing, []),
        Column(
            "登记机关",
            "registration_authority",
            False,
            "登记机关的部门代码（上级抽取后按登记机关派发，seed 003 四(一)）；空为未知",
            "",
            text(32),
        ),
        Column(
            "主体类别",
            "kind",
            False,
            "企业集团或外国企业常驻代表机构（任务范围可排除，seed 003 三(一)）；其他主体留空",
            "",
            choice(ENTITY_KIND_LABELS),
            None,
        ),
        Column("联系电话", "phone", False, "不公开（seed 001 art.25）", "0878-5721234", text(32)),
    ),
)

INSPECTORS = Template(
    kind="inspectors",
    title="执法检查人员名录",
    roles="本部门管理员",
    identity=("badge_number",),
    columns=(
        Column("执法证号", "badge_number", True, "执法证件号码，全系统唯一", "53232520210001", text(32)),
        Column("姓名", "name", True, "执法检查人员姓名（不公开）", "李明", text(64)),
    ),
)

RESULTS = Template(
    kind="results",
    title="检查结果",
    roles="本部门录入或管理员（谁检查、谁录入）",
    identity=("task_id", "credit_code", "item_code"),
    columns=(
        Column("任务ID", "task_id", True, "抽查任务的数字编号（任务页面可见）", "12", positive_int),
        Column(
            "统一社会信用代码", "credit_code", True, "须为该任务抽中的检查对象", "91532325MA6N4B2X33", code
        ),
        Column("抽查事项编码", "item_code", True, "本部门在该任务中负责的抽查事项编码", "YA-SC-01", text(32)),
        Column(
            "检查结果",
            "categories",
            True,
            "检查结果类型名称，多个用顿号“、”分隔，如“发现问题已责令改正”",
            "未发现问题",
            listing,
        ),
        Column(
            "结果说明",
            "description",
            False,
            "检查情况说明，公示时一并公开",
            "现场检查未发现问题。",
            text(2000),
        ),
    ),
    extra_headers=("市场主体名称", "抽查事项", "检查部门", "状态", "应公示日期", "公示日期"),
)

TEMPLATES = {t.kind: t for t in (ENTITIES, INSPECTORS, RESULTS)}
