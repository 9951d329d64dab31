"""What an entity sees of one of its own objections: the steps, the evidence, a file's bytes.

Another entity's objection, or one that does not exist, is the same :func:`workflow.missing`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections.errors import PermissionDenied
from inspections.principals import Principal, PrincipalKind
from objections.error_codes import ObjectionErrorCode as Code
from objections.storage import EvidenceStorage
from objections.workflow import missing
from schema.models import Objection, ObjectionEvidence, ObjectionTransition


@dataclass(frozen=True)
class OwnObjection:
    """One objection of the calling entity, every step and every evidence file's description."""

    objection: Objection
    steps: list[ObjectionTransition]
    evidence: list[ObjectionEvidence]


def _entity(by: Principal) -> int:
    if by.kind != PrincipalKind.ENTITY or by.entity_id is None:
        raise PermissionDenied("仅限被检查对象查看本单位的异议", code=Code.ENTITY_ONLY)
    return by.entity_id


async def own_objection(session: AsyncSession, *, by: Principal, objection_id: int) -> OwnObjection:
    """The caller's objection with its steps (oldest first) and evidence (in upload order)."""
    objection = await session.get(Objection, objection_id)
    if objection is None or objection.entity_id != _entity(by):
        raise missing()
    steps = await session.scalars(
        select(ObjectionTransition)
        .where(ObjectionTransition.objection_id == objection.id)
        .order_by(ObjectionTransition.id)
    )
    evidence = await session.scalars(
        select(ObjectionEvidence)
        .where(ObjectionEvidence.objection_id == objection.id)
        .order_by(ObjectionEvidence.id)
    )
    return OwnObjection(objection, list(steps), list(evidence))


async def own_evidence(
    session: AsyncSession, *, by: Principal, objection_id: int, evidence_id: int, storage: EvidenceStorage
) -> tuple[ObjectionEvidence, bytes]:
    """One evidence file of the caller's own objection, with its bytes."""
    own = await own_objection(session, by=by, objection_id=objection_id)
    for row in own.evidence:
        if row.id == evidence_id:
            return row, storage.get(row.storage_key)
    raise missing()
