"""Who is acting: the public, an inspected entity, a department user with a role, or the system."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """A department user's role."""

    CLERK = "clerk"  # 录入: enters items, plans, tasks, draws, results, follow-ups
    REVIEWER = "reviewer"  # 审核: approves or returns results, publishes plans
    HEAD = "head"  # 主要负责人: signs corrections (seed 001 art.22)
    ADMIN = "admin"  # 管理员: the department's directories and everything a clerk does


class PrincipalKind(StrEnum):
    """What kind of caller a principal is."""

    PUBLIC = "public"
    ENTITY = "entity"
    DEPARTMENT = "department"
    SYSTEM = "system"  # the demo loader and command-line maintenance, never an HTTP caller


@dataclass(frozen=True)
class Principal:
    """The caller of a use case; object-level rules are decided from it, in the domain."""

    kind: PrincipalKind
    name: str = ""
    department_id: int | None = None
    role: Role | None = None
    entity_id: int | None = None
    token_id: int | None = None

    @property
    def actor(self) -> str:
        """How the audit trail names this caller."""
        if self.kind == PrincipalKind.DEPARTMENT:
            return f"department:{self.department_id}:{self.role}:{self.name}"
        if self.kind == PrincipalKind.ENTITY:
            return f"entity:{self.entity_id}:{self.name}"
        return f"{self.kind.value}:{self.name}" if self.name else self.kind.value

    @property
    def rate_key(self) -> str:
        """The budget this caller draws on (one per token holder)."""
        return f"token:{self.token_id}" if self.token_id is not None else "anonymous"


PUBLIC = Principal(PrincipalKind.PUBLIC)


def system(name: str) -> Principal:
    """A trusted in-process caller (demo data, maintenance commands)."""
    return Principal(PrincipalKind.SYSTEM, name=name)


def department_user(department_id: int, role: Role, name: str, token_id: int | None = None) -> Principal:
    """A department user acting in a role."""
    return Principal(
        PrincipalKind.DEPARTMENT, name=name, department_id=department_id, role=role, token_id=token_id
    )


def entity_user(entity_id: int, name: str, token_id: int | None = None) -> Principal:
    """An inspected entity acting for itself."""
    return Principal(PrincipalKind.ENTITY, name=name, entity_id=entity_id, token_id=token_id)
