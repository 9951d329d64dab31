"""What every resolver of one request can reach."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as _Info

from api.graphql.loaders import Loaders
from api.settings import Settings
from inspections.calendar import load_calendar
from inspections.principals import Principal
from workdays import WorkCalendar, to_china_date


@dataclass
class Context:
    """Request, caller, its own session and loaders, and the settings."""

    request: Request
    response: Response
    session: AsyncSession
    loaders: Loaders
    settings: Settings
    principal: Principal
    clock: Callable[[], datetime]

    def now(self) -> datetime:
        """The current instant (tests pin it)."""
        return self.clock()

    async def calendar(self) -> WorkCalendar:
        """The working-day calendar in force: packaged years (as configured) plus loaded schedules."""
        return await load_calendar(self.session, builtin_years=self.settings.calendar_builtin_years)

    def today(self) -> date:
        """Today in China (Asia/Shanghai), whatever the server's zone."""
        return to_china_date(self.clock())


Info = _Info[Context, None]
