"""Per-request DataLoaders: one query per kind of object per request, whatever the page size."""

from __future__ import annotations

import asyncio
import functools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import AbstractCache, DataLoader

from objections.queues import open_objection_ids
from schema.enums import ResultStatus
from schema.models import (
    AnnualPlan,
    Department,
    Draw,
    DrawEntry,
    Entity,
    FollowUp,
    InspectionItem,
    InspectionResult,
    ObjectionEvidence,
    ObjectionTransition,
    ResultCategory,
    ResultCategoryCode,
    ResultVersion,
    Task,
    TaskDepartment,
    TaskItem,
    TaskStratum,
)

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

# What Loader.primed_value answers for a key that holds no primed value.
ABSENT: Any = object()


class _PrimedCache(AbstractCache[K, T], Generic[K, T]):
    """strawberry's default cache (a future per key), with primed values kept as plain values
    until something loads them: the future is made then (see Loader)."""

    def __init__(self) -> None:
        self.futures: dict[Hashable, asyncio.Future[T]] = {}
        self.primed: dict[Hashable, T] = {}

    def get(self, key: K) -> asyncio.Future[T] | None:
        future = self.futures.get(key)
        if future is None:
            value = self.primed.pop(key, ABSENT)
            if value is not ABSENT:
                future = asyncio.get_running_loop().create_future()
                future.set_result(value)
                self.futures[key] = future
        return future

    def set(self, key: K, value: asyncio.Future[T]) -> None:
        self.primed.pop(key, None)
        self.futures[key] = value

    def delete(self, key: K) -> None:
        found = self.primed.pop(key, ABSENT)
        if self.futures.pop(key, None) is None and found is ABSENT:
            raise KeyError(key)  # as the default cache's ``del`` would

    def clear(self) -> None:
        self.futures.clear()
        self.primed.clear()


class Loader(DataLoader[K, T]):
    """strawberry's DataLoader, whose primed values cost no future until they are loaded.

    Why: a results page primes ~85 keys (its rows' entities, departments, items, categories and
    versions) and strawberry makes a resolved future for each (~1 µs); the page's own resolvers
    then read them through ``load`` and the future (api.graphql.nodes.base.cached). Here a primed
    value stays a value: ``primed_value`` reads it directly, and ``load`` makes its future on
    first use, so anything awaiting the loader sees what it always saw. A key is primed only if
    it holds nothing yet, as strawberry's ``prime_many`` does; forced primes, and primes that
    must settle keys waiting in the batch not yet sent, go through strawberry's own.
    """

    def __init__(self, load_fn: Callable[[list[K]], Awaitable[Sequence[T | BaseException]]]) -> None:
        self._primed_cache: _PrimedCache[K, T] = _PrimedCache()
        super().__init__(load_fn=load_fn, cache_map=self._primed_cache)

    def prime_many(self, data: Mapping[K, T], force: bool = False) -> None:
        batch = self.batch
        if force or (batch is not None and not batch.dispatched):
            super().prime_many(data, force)
            return
        futures, primed = self._primed_cache.futures, self._primed_cache.primed
        for key, value in data.items():
            if key not in futures:
                primed.setdefault(key, value)

    def primed_value(self, key: K) -> T:
        """The value primed for ``key`` and not loaded since, else ABSENT."""
        return self._primed_cache.primed.get(key, ABSENT)


def _by_id(session: AsyncSession, model: Any) -> Loader[int, Any]:
    async def load(ids: Sequence[int]) -> list[Any]:
        rows = {row.id: row for row in await session.scalars(sa.select(model).where(model.id.in_(ids)))}
        return [rows.get(i) for i in ids]

    return Loader(load_fn=load)


def _grouped(
    session: AsyncSession,
    stmt_for: Callable[[Sequence[int]], Any],
    key: Callable[[Any], int],
) -> Loader[int, list[Any]]:
    async def load(ids: Sequence[int]) -> list[list[Any]]:
        groups: dict[int, list[Any]] = defaultdict(list)
        for row in (await session.execute(stmt_for(ids))).all():
            groups[key(row)].append(row[0])
        return [groups.get(i, []) for i in ids]

    return Loader(load_fn=load)


class Loaders:
    """The loaders of one request; never shared between requests (no stale or foreign data)."""

    def __init__(self, session: AsyncSession) -> None:
        # Each loader is made when first used: a request uses a few of the ~20 (a results page
        # 7), and making all of them cost every request ~15 µs.
        self.session = session

    @functools.cached_property
    def department(self) -> Loader[int, Any]:
        return _by_id(self.session, Department)

    @functools.cached_property
    def entity(self) -> Loader[int, Any]:
        return _by_id(self.session, Entity)

    @functools.cached_property
    def item(self) -> Loader[int, Any]:
        return _by_id(self.session, InspectionItem)

    @functools.cached_property
    def task(self) -> Loader[int, Any]:
        return _by_id(self.session, Task)

    @functools.cached_property
    def plan(self) -> Loader[int, Any]:
        return _by_id(self.session, AnnualPlan)

    @functools.cached_property
    def category(self) -> Loader[int, Any]:
        return _by_id(self.session, ResultCategory)

    @functools.cached_property
    def result(self) -> Loader[int, Any]:
        return _by_id(self.session, InspectionResult)

    @functools.cached_property
    def task_departments(self) -> Loader[int, list[Any]]:
        return _grouped(
            self.session,
            lambda ids: (
                sa.select(TaskDepartment)
                .where(TaskDepartment.task_id.in_(ids))
                .order_by(TaskDepartment.task_id, TaskDepartment.department_id)
            ),
            lambda row: row[0].task_id,
        )

    @functools.cached_property
    def task_items(self) -> Loader[int, list[Any]]:
        return _grouped(
            self.session,
            lambda ids: sa.select(TaskItem).where(TaskItem.task_id.in_(ids)).order_by(TaskItem.position),
            lambda row: row[0].task_id,
        )

    @functools.cached_property
    def task_strata(self) -> Loader[int, list[Any]]:
        return _grouped(
            self.session,
            lambda ids: (
                sa.select(TaskStratum).where(TaskStratum.task_id.in_(ids)).order_by(TaskStratum.position)
            ),
            lambda row: row[0].task_id,
        )

    @functools.cached_property
    def plan_tasks(self) -> Loader[int, list[Any]]:
        return _grouped(
            self.session,
            lambda ids: sa.select(Task).where(Task.plan_id.in_(ids)).order_by(Task.period_start, Task.id),
            lambda row: row[0].plan_id,
        )

    @functools.cached_property
    def objection_steps(self) -> Loader[int, list[Any]]:
        return _grouped(
            self.session,
            lambda ids: (
                sa.select(ObjectionTransition)
                .where(ObjectionTransition.objection_id.in_(ids))
                .order_by(ObjectionTransition.id)
            ),
            lambda row: row[0].objection_id,
        )

    @functools.cached_property
    def objection_evidence_count(self) -> Loader[int, int]:
        return self._evidence_count(self.session)

    @functools.cached_property
    def objection_evidence(self) -> Loader[int, list[Any]]:
        return _grouped(
            self.session,
            lambda ids: (
                sa.select(ObjectionEvidence)
                .where(ObjectionEvidence.objection_id.in_(ids))
                .order_by(ObjectionEvidence.id)
            ),
            lambda row: row[0].objection_id,
        )

    # A problem result's follow-up (后续处理): its public outcome (seed 004 三(二)4).
    @functools.cached_property
    def follow_up(self) -> Loader[int, list[Any]]:
        return _grouped(
            self.session,
            lambda ids: sa.select(FollowUp).where(FollowUp.result_id.in_(ids)),
            lambda row: row[0].result_id,
        )

    @functools.cached_property
    def draw(self) -> Loader[int, Draw | None]:
        return self._draw(self.session)

    @functools.cached_property
    def drawn_entities(self) -> Loader[int, list[Any]]:
        return _grouped(
            self.session,
            lambda ids: (
                sa.select(Entity, Draw.task_id)
                .join(DrawEntry, DrawEntry.entity_id == Entity.id)
                .join(Draw, Draw.id == DrawEntry.draw_id)
                .where(Draw.task_id.in_(ids))
                .order_by(DrawEntry.position)
            ),
            lambda row: row[1],
        )

    @functools.cached_property
    def result_categories(self) -> Loader[int, list[Any]]:
        return _grouped(
            self.session,
            lambda ids: (
                sa.select(ResultCategory, ResultCategoryCode.result_id)
                .join(ResultCategoryCode, ResultCategoryCode.category_id == ResultCategory.id)
                .where(ResultCategoryCode.result_id.in_(ids))
                .order_by(ResultCategory.sort_order)
            ),
            lambda row: row[1],
        )

    @functools.cached_property
    def result_versions(self) -> Loader[int, list[Any]]:
        return _grouped(
            self.session,
            lambda ids: (
                sa.select(ResultVersion)
                .where(ResultVersion.result_id.in_(ids))
                .order_by(ResultVersion.version)
            ),
            lambda row: row[0].result_id,
        )

    @functools.cached_property
    def categories_by_code(self) -> Loader[str, ResultCategory | None]:
        return self._categories_by_code(self.session)

    @functools.cached_property
    def under_objection(self) -> Loader[int, bool]:
        return self._under_objection(self.session)

    @functools.cached_property
    def task_summary(self) -> Loader[int, tuple[int, dict[str, int]]]:
        return self._task_summary(self.session)

    @staticmethod
    def _draw(session: AsyncSession) -> Loader[int, Draw | None]:
        async def load(task_ids: Sequence[int]) -> list[Draw | None]:
            rows = {
                d.task_id: d for d in await session.scalars(sa.select(Draw).where(Draw.task_id.in_(task_ids)))
            }
            return [rows.get(i) for i in task_ids]

        return Loader(load_fn=load)

    @staticmethod
    def _categories_by_code(session: AsyncSession) -> Loader[str, ResultCategory | None]:
        # A version's codes resolve to the dictionary entry in force today: the label people know.
        async def load(codes: Sequence[str]) -> list[ResultCategory | None]:
            rows: dict[str, ResultCategory] = {}
            for row in await session.scalars(
                sa.select(ResultCategory)
                .where(ResultCategory.code.in_(codes))
                .order_by(ResultCategory.code, ResultCategory.version)
            ):
                rows[row.code] = row
            return [rows.get(code) for code in codes]

        return Loader(load_fn=load)

    @staticmethod
    def _evidence_count(session: AsyncSession) -> Loader[int, int]:
        async def load(objection_ids: Sequence[int]) -> list[int]:
            counts = dict(
                (
                    await session.execute(
                        sa.select(ObjectionEvidence.objection_id, sa.func.count())
                        .where(ObjectionEvidence.objection_id.in_(objection_ids))
                        .group_by(ObjectionEvidence.objection_id)
                    )
                ).all()
            )
            return [counts.get(i, 0) for i in objection_ids]

        return Loader(load_fn=load)

    @staticmethod
    def _under_objection(session: AsyncSession) -> Loader[int, bool]:
        async def load(result_ids: Sequence[int]) -> list[bool]:
            open_ones = await open_objection_ids(session, result_ids)
            return [i in open_ones for i in result_ids]

        return Loader(load_fn=load)

    @staticmethod
    def _task_summary(session: AsyncSession) -> Loader[int, tuple[int, dict[str, int]]]:
        async def load(task_ids: Sequence[int]) -> list[tuple[int, dict[str, int]]]:
            published = sa.and_(
                InspectionResult.task_id.in_(task_ids),
                InspectionResult.status == ResultStatus.PUBLISHED,
            )
            totals = dict(
                (
                    await session.execute(
                        sa.select(InspectionResult.task_id, sa.func.count())
                        .where(published)
                        .group_by(InspectionResult.task_id)
                    )
                ).all()
            )
            by_code: dict[int, dict[str, int]] = defaultdict(dict)
            for task_id, code, count in await session.execute(
                sa.select(InspectionResult.task_id, ResultCategoryCode.code, sa.func.count())
                .join(ResultCategoryCode, ResultCategoryCode.result_id == InspectionResult.id)
                .where(published)
                .group_by(InspectionResult.task_id, ResultCategoryCode.code)
            ):
                by_code[task_id][code] = count
            return [(totals.get(i, 0), by_code.get(i, {})) for i in task_ids]

        return Loader(load_fn=load)


async def load_all(loader: DataLoader[Any, T], keys: Sequence[Any]) -> list[T]:
    """Load many keys in one batch."""
    result: Awaitable[list[T]] = loader.load_many(keys)
    return await result
