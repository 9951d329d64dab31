"""Directory upkeep (名录库动态更新): update an entity, or create it, with what changed.

Seed 001 art.11 and 004 三(一): the directory of entities is updated before every draw. A
re-import of the registration authority's list creates the new entities, updates the ones that
changed (a new name keeps the old one as a former name, so search still finds it; a status change
goes through ``change_entity_status`` and its history) and leaves the rest alone, and says which
is which, field by field.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.access import require_department
from inspections.directory import change_entity_status, check_region_code, register_entity
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import InvalidInput
from inspections.jurisdiction import require_within
from inspections.principals import Principal, Role
from schema import credit_code
from schema.enums import EntityStatus, EntityType, ResultStatus
from schema.models import Entity, EntityContact, InspectionResult
from search.indexing import index_results

# The directory's fields an update may change, in the template's order (the report names them so).
FIELDS = (
    "name",
    "entity_type",
    "region_code",
    "industry",
    "address",
    "legal_representative",
    "registration_date",
    "status",
    "former_names",
    "phone",
)


class ChangeOutcome(StrEnum):
    """What an upsert did to one entity."""

    CREATED = "created"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class EntityChange:
    """One entity's outcome and the fields (template keys) that changed."""

    entity: Entity
    outcome: ChangeOutcome
    fields: list[str] = field(default_factory=list)


async def upsert_entity(
    session: AsyncSession,
    *,
    by: Principal,
    code: str,
    values: dict[str, Any],
    given: Collection[str],
    source: str,
    today: date,
) -> EntityChange:
    """Create the entity, or update the ``given`` fields of the one with this 统一社会信用代码.

    ``values`` holds the directory's fields by key (FIELDS); only keys in ``given`` are applied to an
    existing entity (a blank cell changes nothing). A new name pushes the old one into the former
    names; a status change is recorded with ``source`` and ``today`` as its date and source.
    """
    require_department(by, Role.CLERK, Role.ADMIN)
    try:
        normalized = credit_code.validate(code)
    except credit_code.InvalidCreditCode as exc:
        raise InvalidInput(exc.message, code=exc.code, field="creditCode") from exc
    entity = await session.scalar(select(Entity).where(Entity.credit_code == normalized))
    if entity is None:
        created = await register_entity(
            session,
            by=by,
            code=normalized,
            name=values["name"],
            entity_type=values["entity_type"],
            region_code=values["region_code"],
            industry=values.get("industry") or "",
            address=values.get("address") or "",
            legal_representative=values.get("legal_representative") or "",
            registration_date=values.get("registration_date"),
            former_names=list(values.get("former_names") or []),
            status=values.get("status") or EntityStatus.ACTIVE,
            phone=values.get("phone") or "",
        )
        return EntityChange(created, ChangeOutcome.CREATED)
    await require_within(session, by, entity.region_code, field="creditCode")
    wanted = {key: values[key] for key in FIELDS if key in given and key in values}
    if "name" in wanted and not str(wanted["name"]).strip():
        raise InvalidInput("市场主体名称不能为空", code=Code.ENTITY_NAME_EMPTY, field="name")
    if "region_code" in wanted:
        await require_within(session, by, check_region_code(wanted["region_code"]))
    contact = await session.get(EntityContact, entity.id)
    current = _current(entity, contact)
    changed = [key for key in FIELDS if key in wanted and _differs(key, current[key], wanted[key])]
    if not changed:
        return EntityChange(entity, ChangeOutcome.UNCHANGED)
    before = {key: _plain(current[key]) for key in changed}
    if "status" in changed:
        await change_entity_status(
            session,
            by=by,
            entity_id=entity.id,
            status=wanted["status"],
            changed_on=today,
            source=source,
            today=today,
        )
    former = list(entity.former_names)
    if "name" in changed:
        entity.name = str(wanted["name"]).strip()
        if current["name"] not in former:
            former.append(current["name"])
    for name in wanted.get("former_names", []) if "former_names" in changed else []:
        if name not in former and name != entity.name:
            former.append(name)
    entity.former_names = former
    for key in ("entity_type", "region_code", "industry", "address", "legal_representative"):
        if key in changed:
            setattr(entity, key, wanted[key])
    if "registration_date" in changed:
        entity.registration_date = wanted["registration_date"]
    if "phone" in changed:
        if contact is None:
            session.add(EntityContact(entity_id=entity.id, phone=wanted["phone"]))
        else:
            contact.phone = wanted["phone"]
    await session.flush()
    await audit.record(
        session,
        actor=by.actor,
        action="entity.update",
        object_type="Entity",
        object_id=entity.id,
        before=before,
        after={key: _plain(_current(entity, contact)[key]) if key != "phone" else "***" for key in changed},
    )
    if {"name", "former_names", "region_code", "entity_type"} & set(changed):
        # The published results' search documents carry the entity's name, kind and region.
        published = await session.scalars(
            select(InspectionResult.id).where(
                InspectionResult.entity_id == entity.id, InspectionResult.status == ResultStatus.PUBLISHED
            )
        )
        await index_results(session, list(published))
    return EntityChange(entity, ChangeOutcome.CHANGED, changed)


def _current(entity: Entity, contact: EntityContact | None) -> dict[str, Any]:
    return {
        "name": entity.name,
        "entity_type": entity.entity_type,
        "region_code": entity.region_code,
        "industry": entity.industry,
        "address": entity.address,
        "legal_representative": entity.legal_representative,
        "registration_date": entity.registration_date,
        "status": entity.status,
        "former_names": list(entity.former_names),
        "phone": contact.phone if contact is not None else "",
    }


def _differs(key: str, old: Any, new: Any) -> bool:
    if key == "former_names":  # names are only ever added: a listed name already known is no change
        return any(name not in old for name in new)
    if key == "name":
        return bool(str(new).strip() != old)
    return bool(old != new)


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, EntityType | EntityStatus):
        return value.value
    return value
