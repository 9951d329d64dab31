"""The CJK font is parsed once per process and shared by every form (issue 14, defect 4(c)).

The oracle is fpdf2's own public path: a document built with ``FPDF.add_font`` on a fresh parse.
A form rendered with the shared parse must carry the same text and embed the same glyph subset,
however many forms came before it and however many threads render at once.
"""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF
from pypdf import PdfReader
from pypdf.generic import StreamObject

from inspections.documents import pdf as pdf_module
from inspections.documents.content import FormItem, FormResult, FormSeat, Heading, RecordForm, VisitNotice

FONT = pdf_module.DEFAULT_FONT
pytestmark = pytest.mark.skipif(not FONT.is_file(), reason="fonts-noto-cjk is not installed")


def _heading(name: str) -> Heading:
    return Heading(
        inspection_id=7,
        task_name="2026年度食品经营者联合抽查",
        period_start=date(2026, 3, 2),
        period_end=date(2026, 6, 30),
        initiating_department="姚安县市场监督管理局",
        participating_departments=["姚安县公安局"],
        entity_name=name,
        credit_code="91532325MA6K0000XA",
        entity_type="企业",
        address="栋川镇东街1号",
        legal_representative="李四",
        items=[
            FormItem(department="姚安县市场监督管理局", name="登记事项检查", legal_basis="《条例》第三条")
        ],
    )


def _form(name: str) -> RecordForm:
    return RecordForm(
        heading=_heading(name),
        inspected_on=date(2026, 4, 8),
        ended_on=date(2026, 4, 9),
        team=[FormSeat(role="组长", name="王五", badge_number="YA-001", department="姚安县市场监督管理局")],
        results=[
            FormResult(
                department="姚安县市场监督管理局",
                item="登记事项检查",
                categories="未发现问题",
                description="经营正常",
                status="已公示",
            )
        ],
        partial=False,
    )


def _fonts(data: bytes) -> list[bytes]:
    """The embedded font programs (FontFile3 streams), decoded."""
    reader = PdfReader(io.BytesIO(data))
    found = []
    size: Any = reader.trailer["/Size"]
    for number in range(1, int(size)):
        obj: Any = reader.get_object(number)
        if isinstance(obj, StreamObject) and obj.get("/Subtype") in ("/CIDFontType0C", "/OpenType"):
            found.append(obj.get_data())
    return found


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


def _public_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render as fpdf2's public add_font does: a fresh parse for the document."""

    def add_font(pdf: FPDF, font: Path, face: int) -> None:
        pdf.add_font(pdf_module.FONT, fname=str(font), collection_font_number=face)

    monkeypatch.setattr(pdf_module, "_add_font", add_font)


def test_the_shared_parse_gives_what_a_fresh_parse_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    form = _form("姚安县甲食品店")
    shared = [pdf_module.render_record_form(form, font=FONT) for _ in range(2)]
    with monkeypatch.context() as patch:
        _public_path(patch)
        fresh = pdf_module.render_record_form(form, font=FONT)
    assert _text(shared[0]) == _text(shared[1]) == _text(fresh)
    assert "姚安县甲食品店" in _text(fresh) and "91532325MA6K0000XA" in _text(fresh)
    embedded = [_fonts(data) for data in (*shared, fresh)]
    assert embedded[0] and embedded[0] == embedded[1] == embedded[2]


def test_the_font_is_parsed_once_per_process() -> None:
    first = pdf_module.parsed_font(FONT, pdf_module.SC_FACE)
    pdf_module.render_record_form(_form("乙"), font=FONT)
    assert pdf_module.parsed_font(FONT, pdf_module.SC_FACE) is first


def test_concurrent_renders_do_not_share_a_subset() -> None:
    """Each thread's form embeds its own characters: a subset shared between documents would mix them."""
    names = ["姚安县甲食品店", "大姚县乙商贸行", "楚雄市丙超市", "南华县丁药房"]
    notices = [
        VisitNotice(
            heading=_heading(name),
            issued_on=date(2026, 3, 2),
            activation_code=f"ABCD-{i}234",
            code_expires_on=date(2026, 5, 1),
        )
        for i, name in enumerate(names)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        rendered: list[Any] = list(
            pool.map(lambda n: pdf_module.render_visit_notice(n, font=FONT), notices * 2)
        )
    for notice, data in zip(notices * 2, rendered, strict=True):
        text = _text(data)
        assert notice.heading.entity_name in text and notice.activation_code in text
        others = [n for n in names if n != notice.heading.entity_name]
        assert not any(other in text for other in others)
    alone = pdf_module.render_visit_notice(notices[0], font=FONT)
    assert _fonts(alone) == _fonts(rendered[0]) == _fonts(rendered[4])
