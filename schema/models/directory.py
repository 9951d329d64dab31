"""Departments, the entity directory (检查对象名录库) and the inspector directory (执法检查人员名录库)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, str_enum, utcnow
from schema.enums import DepartmentLevel, EntityKind, EntityStatus, EntityType


class Department(Base):
    """A government department (部门) that initiates or joins inspections."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    short_name: Mapped[str] = mapped_column(sa.String(64))
    level: Mapped[DepartmentLevel] = mapped_column(str_enum(DepartmentLevel, "department_level"))
    region_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    # Working days from the end of an inspection to publication in the tasks this department
    # initiates (seed 004: 5), overriding the server's setting; a task's own rule overrides it.
    publication_working_days: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint("length(region_code) = 6", name="region_code_6"),)


class Entity(Base):
    """An inspected market entity (市场主体), keyed by its 统一社会信用代码."""

    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    former_names: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    entity_type: Mapped[EntityType] = mapped_column(str_enum(EntityType, "entity_type"))
    industry: Mapped[str] = mapped_column(sa.String(64), default="")
    region_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    legal_representative: Mapped[str] = mapped_column(sa.String(64), default="")
    registration_date: Mapped[date | None]
    status: Mapped[EntityStatus] = mapped_column(
        str_enum(EntityStatus, "entity_status"), default=EntityStatus.ACTIVE
    )
    # 企业集团 or 外国企业常驻代表机构, which a task's scope may leave out; None for every other entity.
    kind: Mapped[EntityKind | None] = mapped_column(str_enum(EntityKind, "entity_kind"))
    # 登记机关: the department that registered the entity; a superior's draw is dispatched to it
    # (seed 003 四(一): 按照登记机关将检查对象名单派发至县区局).
    registration_authority_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint("length(credit_code) = 18", name="credit_code_18"),)


class EntityStatusChange(Base):
    """A change of an entity's registration status (登记状态) in the directory, kept as history.

    Seed 001 art.11 and 004 三(一): the directory is updated before every draw; the date is the
    registration authority's, the source says where the department learnt it.
    """

    __tablename__ = "entity_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id"), index=True)
    status_before: Mapped[EntityStatus] = mapped_column(str_enum(EntityStatus, "entity_status_before"))
    status: Mapped[EntityStatus] = mapped_column(str_enum(EntityStatus, "entity_status"))
    changed_on: Mapped[date]
    source: Mapped[str] = mapped_column(sa.String(200))
    recorded_by: Mapped[str] = mapped_column(sa.String(128))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class EntityContact(Base):
    """Contact details of an entity: non-public (seed 001 art.25), kept out of the entity row."""

    __tablename__ = "entity_contacts"

    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id"), primary_key=True)
    phone: Mapped[str] = mapped_column(sa.String(32), default="")
    email: Mapped[str] = mapped_column(sa.String(128), default="")
    contact_person: Mapped[str] = mapped_column(sa.String(64), default="")


class Inspector(Base):
    """A law-enforcement inspector (执法检查人员): never public."""

    __tablename__ = "inspectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    badge_number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
