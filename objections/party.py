"""What a department party to an objection sees of it: the steps, the evidence, which part it plays.

The initiating department (发起部门, to which the entity applied) and the owning department (whose
result is under objection and which corrects it) are the parties (seed 002 art.17). Anyone else,
an entity included, gets :func:`workflow.missing`: the answer an objection that does not exist gets.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections.access import require_department
from inspections.principals import Principal, PrincipalKind, Role
from objections.workflow import missing
from schema.models import InspectionResult, Objection, ObjectionEvidence, ObjectionTransition


@dataclass(frozen=True)
class PartyObjection:
    """One objection as a department party sees it (any of its roles)."""

    objection: Objection
    result: InspectionResult
    steps: list[ObjectionTransition]
    evidence: list[ObjectionEvidence]
    initiating: bool  # receives, reviews, decides, answers
    owning: bool  # its head corrects the result


async def party_objection(session: AsyncSession, *, by: Principal, objection_id: int) -> PartyObjection:
    """The objection with its steps (oldest first) and evidence (upload order), for a party to it."""
    if by.kind != PrincipalKind.DEPARTMENT:
        raise missing()
    department = require_department(by, Role.CLERK, Role.REVIEWER, Role.HEAD, Role.ADMIN)
    objection = await session.get(Objection, objection_id)
    if objection is None:
        raise missing()
    result = await session.get(InspectionResult, objection.result_id)
    assert result is not None
    initiating, owning = objection.department_id == department, result.department_id == department
    if not (initiating or owning):
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
    return PartyObjection(objection, result, list(steps), list(evidence), initiating, owning)
