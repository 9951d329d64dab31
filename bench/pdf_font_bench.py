"""The 记录表 PDF rendered with the process's shared font parse against fpdf2's public add_font.

Paired A/B rounds in one process (issue 14, defect 4(c)): each round renders ``--forms`` record
forms with a fresh parse per form (what the code did before) and then with the shared parse.
CPU time (time.process_time), not wall time: the machine is shared.
Run: ``.venv/bin/python bench/pdf_font_bench.py --rounds 5 --forms 4``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path

from fpdf import FPDF

from inspections.documents import pdf
from inspections.documents.content import FormItem, FormResult, FormSeat, Heading, RecordForm

FORM = RecordForm(
    heading=Heading(
        inspection_id=1,
        task_name="2026年度食品经营者联合抽查",
        period_start=date(2026, 3, 2),
        period_end=date(2026, 6, 30),
        initiating_department="姚安县市场监督管理局",
        participating_departments=["姚安县公安局"],
        entity_name="姚安县甲食品店",
        credit_code="91532325MA6K0000XA",
        entity_type="企业",
        address="栋川镇东街1号",
        legal_representative="李四",
        items=[
            FormItem(department="姚安县市场监督管理局", name="登记事项检查", legal_basis="《条例》第三条")
        ],
    ),
    inspected_on=date(2026, 4, 8),
    ended_on=date(2026, 4, 9),
    team=[FormSeat(role="组长", name="王五", badge_number="YA-001", department="姚安县市场监督管理局")],
    results=[FormResult("姚安县市场监督管理局", "登记事项检查", "未发现问题", "经营正常", "已公示")],
    partial=False,
)


def public_add_font(document: FPDF, font: Path, face: int) -> None:
    document.add_font(pdf.FONT, fname=str(font), collection_font_number=face)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--forms", type=int, default=5)
    args = parser.parse_args()
    shared_add_font = pdf._add_font
    pdf.render_record_form(FORM)  # the shared parse made once, as the first request of a process does
    times: dict[str, list[float]] = {"fresh parse": [], "shared parse": []}
    for _ in range(args.rounds):
        for name, add in (("fresh parse", public_add_font), ("shared parse", shared_add_font)):
            pdf._add_font = add  # type: ignore[assignment]
            start = time.process_time()
            for _ in range(args.forms):
                pdf.render_record_form(FORM)
            times[name].append((time.process_time() - start) / args.forms)
    base = statistics.median(times["fresh parse"])
    for name, values in times.items():
        median = statistics.median(values)
        rounds = [round(v * 1000) for v in values]
        print(f"{name:13s} median {median * 1000:7.1f} ms CPU/form ratio {median / base:.2f} rounds {rounds}")


if __name__ == "__main__":
    main()
