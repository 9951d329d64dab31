"""Who may see an objection's evidence (证明材料), and each download audited (seed 002 art.17).

The entity files "书面申请和相关证明材料" with the initiating department (发起部门); the department
whose result is under objection (the owning department, which corrects it) needs them as much. Those
three parties see the files; anyone else gets exactly the answer a missing file gets, so an ID
reveals nothing. Every download writes an audit row (who, which file, when: 001 art.25, traceable).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.errors import NotFound
from inspections.principals import Principal, PrincipalKind
from objections.error_codes import ObjectionErrorCode as Code
from objections.storage import EvidenceStorage
from schema.models import InspectionResult, Objection, ObjectionEvidence


def evidence_missing() -> NotFound:
    """The answer for a file that does not exist or that the caller may not know of."""
    return NotFound("未找到该证明材料", code=Code.EVIDENCE_NOT_FOUND)


async def is_party(session: AsyncSession, by: Principal, objection: Objection) -> bool:
    """The filing entity, the initiating department or the owning department (any of their roles)."""
    if by.kind == PrincipalKind.SYSTEM:
        return True
    if by.kind == PrincipalKind.ENTITY:
        return by.entity_id is not None and objection.entity_id == by.entity_id
    if by.kind != PrincipalKind.DEPARTMENT or by.department_id is None:
        return False
    if objection.department_id == by.department_id:
        return True
    owner = await session.scalar(
        select(InspectionResult.department_id).where(InspectionResult.id == objection.result_id)
    )
    return owner == by.department_id


async def list_evidence(
    session: AsyncSession, *, by: Principal, objection_id: int
) -> Sequence[ObjectionEvidence]:
    """The files of an objection the caller is a party to, in upload order (none otherwise)."""
    objection = await session.get(Objection, objection_id)
    if objection is None or not await is_party(session, by, objection):
        return []
    return (
        await session.scalars(
            select(ObjectionEvidence)
            .where(ObjectionEvidence.objection_id == objection_id)
            .order_by(ObjectionEvidence.id)
        )
    ).all()


@dataclass(frozen=True)
class Download:
    """A file handed out: its row and its bytes."""

    evidence: ObjectionEvidence
    data: bytes


async def download(
    session: AsyncSession, *, by: Principal, evidence_id: int, storage: EvidenceStorage
) -> Download:
    """The bytes of one file for a party to its objection, with an audit row for the download."""
    evidence = await session.get(ObjectionEvidence, evidence_id)
    if evidence is None:
        raise evidence_missing()
    objection = await session.get(Objection, evidence.objection_id)
    if objection is None or not await is_party(session, by, objection):
        raise evidence_missing()
    try:
        data = storage.get(evidence.storage_key)
    except FileNotFoundError as exc:  # deleted by hand: nothing to hand out, and nothing to audit
        raise evidence_missing() from exc
    await audit.record(
        session,
        actor=by.actor,
        action="objection.evidence.download",
        object_type="ObjectionEvidence",
        object_id=evidence.id,
        after={
            "objectionId": objection.id,
            "filename": evidence.filename,
            "sha256": evidence.sha256,
            "size": evidence.size,
        },
    )
    return Download(evidence, data)
