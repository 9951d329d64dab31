"""The canonical leaf encoding (公示日志条目): the public fields of each public event, and nothing else.

A leaf is the UTF-8 bytes of one JSON object written canonically: keys sorted, no spaces,
non-ASCII characters as themselves, dates as ``YYYY-MM-DD``. Every leaf carries ``"v": 1`` and a
``"kind"``. The fields are the ones the public API and the bulk download show (seed 002 art.17:
published results; seed 001 art.22: each correction with its reason) - never an inspector, a
contact, evidence, an internal note or an approver's name. tlog/README.md lists every kind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date
from typing import Any

VERSION = 1
# Entry bundles prefix each entry with a 16-bit length (C2SP tlog-tiles).
MAX_ENTRY_BYTES = 0xFFFF

RESULT_PUBLISHED = "result.published"
RESULT_CORRECTED = "result.corrected"
PLAN_PUBLISHED = "plan.published"
DRAW_COMMITTED = "draw.committed"
DRAW_REVEALED = "draw.revealed"
OBJECTION_STATE = "objection.state"
BACKFILL_MARKER = "log.backfilled"
ENFORCEMENT_OUTCOME = "result.enforcement"
KINDS = (
    RESULT_PUBLISHED,
    RESULT_CORRECTED,
    PLAN_PUBLISHED,
    DRAW_COMMITTED,
    DRAW_REVEALED,
    OBJECTION_STATE,
    BACKFILL_MARKER,
    ENFORCEMENT_OUTCOME,  # last: the back-filling migration orders same-instant events by this tuple
)
RESULT_KINDS = (RESULT_PUBLISHED, RESULT_CORRECTED)

BACKFILL_NOTE = "本条之前的条目系启用公示日志时按公示顺序从既有公示历史补录，其记录时间晚于公示时间"


def encode(fields: dict[str, Any]) -> bytes:
    """The canonical bytes of a leaf (sorted keys, no whitespace, UTF-8)."""
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def decode(data: bytes) -> dict[str, Any]:
    """A leaf's fields; raises ValueError for anything that is not one canonical JSON object."""
    fields = json.loads(data.decode("utf-8"))
    if not isinstance(fields, dict) or encode(fields) != data:
        raise ValueError("not a canonical leaf")
    return fields


def _leaf(kind: str, **fields: Any) -> bytes:
    data = encode({"v": VERSION, "kind": kind, **fields})
    if len(data) > MAX_ENTRY_BYTES and isinstance(fields.get("description"), str):
        # A description too long for an entry bundle is logged by its SHA-256 (of its UTF-8 bytes).
        text = fields.pop("description")
        fields["descriptionSha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        data = encode({"v": VERSION, "kind": kind, **fields})
    return data


def result_version(
    *,
    result_id: int,
    version: int,
    task_id: int,
    credit_code: str,
    item_code: str,
    category_codes: Sequence[str],
    description: str,
    published_on: date,
    change_reason: str | None,
) -> bytes:
    """A published version of a result: the first publication, or a correction with its reason."""
    return _leaf(
        RESULT_PUBLISHED if version == 1 else RESULT_CORRECTED,
        resultId=result_id,
        version=version,
        taskId=task_id,
        creditCode=credit_code,
        itemCode=item_code,
        categoryCodes=list(category_codes),
        description=description,
        publishedOn=published_on.isoformat(),
        changeReason=change_reason,
    )


def plan_published(
    *, plan_id: int, department_id: int, year: int, title: str, description: str, published_on: date | None
) -> bytes:
    """An annual plan made public (seed 001 art.7, 002 art.6); old rows may lack the day (null)."""
    return _leaf(
        PLAN_PUBLISHED,
        planId=plan_id,
        departmentId=department_id,
        year=year,
        title=title,
        description=description,
        publishedOn=published_on.isoformat() if published_on else None,
    )


def draw_committed(
    *,
    task_id: int,
    algorithm: str,
    seed_sha256: str,
    platform_nonce_sha256: str | None,
    candidates_sha256: str,
    candidate_count: int,
) -> bytes:
    """The commitment of a draw: the hashes published before anyone can know the outcome."""
    return _leaf(
        DRAW_COMMITTED,
        taskId=task_id,
        algorithm=algorithm,
        seedSha256=seed_sha256,
        platformNonceSha256=platform_nonce_sha256,
        candidatesSha256=candidates_sha256,
        candidateCount=candidate_count,
    )


def draw_revealed(
    *, task_id: int, algorithm: str, seed: str, platform_nonce: str | None, drawn_count: int
) -> bytes:
    """The reveal of a draw: seed and nonce, with which anyone re-runs it (seed 001 art.15)."""
    return _leaf(
        DRAW_REVEALED,
        taskId=task_id,
        algorithm=algorithm,
        seed=seed,
        platformNonce=platform_nonce,
        drawnCount=drawn_count,
    )


def objection_state(*, result_id: int, under_objection: bool, on: date) -> bytes:
    """A result's public ``underObjection`` flag turned on or off (no grounds, no names)."""
    return _leaf(OBJECTION_STATE, resultId=result_id, underObjection=under_objection, on=on.isoformat())


def enforcement_outcome(
    *,
    result_id: int,
    transferred_to: str,
    transferred_on: date | None,
    outcome: str,
    outcome_on: date | None,
) -> bytes:
    """A published result's enforcement outcome (查处结果, seed 004 三(二)4) made public or changed."""
    return _leaf(
        ENFORCEMENT_OUTCOME,
        resultId=result_id,
        transferredTo=transferred_to,
        transferredOn=transferred_on.isoformat() if transferred_on else None,
        outcome=outcome,
        outcomeOn=outcome_on.isoformat() if outcome_on else None,
    )


def backfill_marker(*, backfilled: int, on: date) -> bytes:
    """The leaf after the history a migration back-filled: what precedes it was not logged live."""
    return _leaf(BACKFILL_MARKER, backfilledLeaves=backfilled, on=on.isoformat(), note=BACKFILL_NOTE)
