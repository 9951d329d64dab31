"""The two forms as PDF (fpdf2), in a CJK font the machine has (Debian's ``fonts-noto-cjk``).

fpdf2 embeds only the glyphs a document uses, so a form is a few tens of kilobytes although the
font collection is 20 MB. Reading the collection's metrics (a width and glyph id per character) is
parsed once per process and shared; each document still opens the file lazily for its own subset,
which fontTools cuts in place. The route renders in a worker thread, never on the event loop.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace, SubsetMap, TTFFont

from inspections.documents.content import Heading, RecordForm, VisitNotice

# Debian's fonts-noto-cjk; face 2 of the collection is Simplified Chinese (Noto Sans CJK SC).
DEFAULT_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC_FACE = 2
FONT = "cjk"
RIGHTS = (
    "你单位的权利：检查人员少于两人或未出示执法证件的，有权拒绝检查；"
    "检查人员与你单位有利害关系的，可以申请回避。"
)
OBJECTIONS = (
    "检查结果自检查结束之日起按规定向社会公示；对公示的检查结果有异议的，"
    "可以自公示之日起60日内向发起部门提出。"
)


class FontMissing(RuntimeError):
    """The configured CJK font file is not there (install fonts-noto-cjk or set GONGSHI_CJK_FONT)."""


# The parsed fonts of this process, by file and face; the lock makes concurrent first renders
# (worker threads) parse a font once, not once each.
_PARSED: dict[tuple[str, int], TTFFont] = {}
_PARSING = threading.Lock()


def parsed_font(font: Path, face: int) -> TTFFont:
    """The font as fpdf2 parses it (metrics, cmap, descriptor), once per process and file."""
    key = (str(font), face)
    with _PARSING:
        found = _PARSED.get(key)
        if found is None:
            scratch = FPDF()
            scratch.add_font(FONT, fname=str(font), collection_font_number=face)
            parsed = scratch.fonts[FONT]
            assert isinstance(parsed, TTFFont)
            found = _PARSED[key] = parsed
        return found


def _add_font(pdf: FPDF, font: Path, face: int) -> None:
    """``pdf.add_font`` with the process's parsed font (fpdf2 2.8.9, pinned in constraints.txt).

    What a document changes is its own: the glyph subset and the fontTools font the subsetter cuts
    down at output (opened lazily, well under a millisecond). The widths, cmap and descriptor are
    read only and shared. A fpdf2 whose font class differs falls back to the public ``add_font``.
    """
    shared = parsed_font(font, face)
    if not _SHAPE_KNOWN:
        pdf.add_font(FONT, fname=str(font), collection_font_number=face)
        return
    one = copy.copy(shared)
    one.i = len(pdf.fonts) + 1
    one.ttfont = ttLib.TTFont(shared.ttffile, recalcTimestamp=False, fontNumber=face, lazy=True)
    one.subset = SubsetMap(one)
    one.missing_glyphs = []
    one.biggest_size_pt = 0
    one._hbfont = None  # fpdf2 builds its shaper lazily, per document
    pdf.fonts[FONT] = one
    if one.is_cff and one.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")  # as add_font does for a CID-keyed CFF font


# The attributes _add_font sets or shares, as fpdf2 2.8.9 declares them; another layout means
# another version, and the public path.
_SHAPE_KNOWN = {"i", "ttfont", "subset", "missing_glyphs", "biggest_size_pt", "_hbfont", "cw", "cmap"} <= set(
    getattr(TTFFont, "__slots__", ())
) and hasattr(FPDF, "_set_min_pdf_version")


def _document(font: Path, title: str) -> FPDF:
    if not font.is_file():
        raise FontMissing(f"找不到中文字体文件{font}（请安装fonts-noto-cjk或设置GONGSHI_CJK_FONT）")
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("Gongshi 公示")
    pdf.set_auto_page_break(auto=True, margin=15)
    face = SC_FACE if font.suffix.lower() == ".ttc" else 0
    _add_font(pdf, font, face)
    pdf.add_page()
    pdf.set_font(FONT, size=16)
    pdf.cell(0, 12, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10.5)
    return pdf


def _line(pdf: FPDF, text: str, height: float = 7) -> None:
    pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]) -> None:
    # One regular face only (no bold CJK is loaded): headings are shaded instead of bold.
    headings = FontFace(emphasis="", fill_color=(230, 230, 230))
    with pdf.table(
        col_widths=tuple(widths), line_height=7, text_align="LEFT", headings_style=headings
    ) as table:
        table.row(header)
        for row in rows:
            table.row(row)
    pdf.ln(3)


def _heading(pdf: FPDF, heading: Heading) -> None:
    _line(pdf, f"任务名称：{heading.task_name}")
    _line(pdf, f"任务期间：{heading.period_start.isoformat()} 至 {heading.period_end.isoformat()}")
    _line(pdf, f"发起部门：{heading.initiating_department}")
    _line(pdf, f"参与部门：{'、'.join(heading.participating_departments) or '无'}")
    _line(pdf, f"被检查对象：{heading.entity_name}（{heading.entity_type}）")
    _line(pdf, f"统一社会信用代码：{heading.credit_code}")
    _line(pdf, f"住所（经营场所）：{heading.address or '—'}")
    _line(pdf, f"法定代表人（负责人）：{heading.legal_representative or '—'}")
    pdf.ln(2)


def render_record_form(form: RecordForm, *, font: Path = DEFAULT_FONT) -> bytes:
    """《随机抽查联合检查记录表》 of one entity, with signature lines (seed 002 art.13, art.14)."""
    pdf = _document(font, "随机抽查联合检查记录表")
    _line(pdf, f"记录表编号：{form.heading.inspection_id}")
    _heading(pdf, form.heading)
    inspected = form.inspected_on.isoformat() if form.inspected_on else "____年__月__日"
    ended = form.ended_on.isoformat() if form.ended_on else "____年__月__日"
    _line(pdf, f"检查日期：{inspected}    检查结束日期：{ended}")
    pdf.ln(2)
    _line(pdf, "一、检查事项")
    _table(
        pdf,
        ("负责部门", "抽查事项", "检查依据"),
        [(i.department, i.name, i.legal_basis) for i in form.heading.items],
        (45, 60, 75),
    )
    _line(pdf, "二、检查小组" + ("（本部门成员）" if form.partial else ""))
    _table(
        pdf,
        ("职务", "姓名", "执法证号", "所属部门", "签字"),
        [(s.role, s.name, s.badge_number, s.department, "") for s in form.team] or [("—", "", "", "", "")],
        (20, 30, 40, 60, 30),
    )
    _line(pdf, "三、检查结果" + ("（本部门部分）" if form.partial else ""))
    _table(
        pdf,
        ("部门", "抽查事项", "检查结果", "检查情况", "状态"),
        [(r.department, r.item, r.categories, r.description, r.status) for r in form.results]
        or [("—", "", "", "", "")],
        (35, 40, 35, 50, 20),
    )
    _line(pdf, "检查小组全体成员签字：")
    pdf.ln(8)
    _line(pdf, "被检查对象（当事人）签字或盖章：                    日期：")
    _line(pdf, "（被检查对象拒绝签字或盖章的，由执法检查人员在此签字说明）", height=6)
    return bytes(pdf.output())


def render_visit_notice(notice: VisitNotice, *, font: Path = DEFAULT_FONT) -> bytes:
    """《“双随机、一公开”跨部门联合抽查告知书》 with the entity's activation code (seed 002 art.13(2))."""
    heading = notice.heading
    pdf = _document(font, "“双随机、一公开”跨部门联合抽查告知书")
    _line(pdf, f"{heading.entity_name}（统一社会信用代码：{heading.credit_code}）：")
    departments = "、".join([heading.initiating_department, *heading.participating_departments])
    _line(
        pdf,
        f"    根据“双随机、一公开”监管工作安排，{departments}将于{heading.period_start.isoformat()}至"
        f"{heading.period_end.isoformat()}期间对你单位开展“{heading.task_name}”跨部门联合抽查。"
        "检查人员不少于两人，并出示执法证件。请你单位如实提供相关资料，配合检查。",
    )
    pdf.ln(2)
    _line(pdf, "抽查事项：")
    _table(
        pdf,
        ("负责部门", "抽查事项", "检查依据"),
        [(i.department, i.name, i.legal_basis) for i in heading.items],
        (45, 60, 75),
    )
    _line(
        pdf,
        "你单位的权利：检查人员少于两人或未出示执法证件的，有权拒绝检查；检查人员与你单位有利害关系的，可以申请回避。",
    )
    _line(
        pdf,
        "检查结果自检查结束之日起按规定向社会公示；对公示的检查结果有异议的，可以自公示之日起60日内向发起部门提出。",
    )
    pdf.ln(2)
    _line(pdf, "网上查看检查结果、提出异议：")
    _line(pdf, f"    统一社会信用代码：{heading.credit_code}")
    pdf.set_font(FONT, size=14)
    _line(pdf, f"    激活码：{notice.activation_code}", height=9)
    pdf.set_font(FONT, size=10.5)
    _line(
        pdf, f"    激活码仅可使用一次，有效期至{notice.code_expires_on.isoformat()}；请妥善保管，勿交他人。"
    )
    pdf.ln(6)
    _line(pdf, f"发起部门：{heading.initiating_department}（盖章）")
    _line(pdf, f"日期：{notice.issued_on.isoformat()}")
    pdf.ln(4)
    _line(pdf, "被检查对象签收：                    日期：")
    return bytes(pdf.output())
