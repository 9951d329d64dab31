"""What every resolver of one request can reach."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as _Info

from api.loaders import Loaders
from api.settings import Settings
from inspections.principals import Principal


@dataclass
class Context:
    """Request, caller, its own session and loaders, and the settings."""

    request: Request
    response: Response
    session: AsyncSession
    loaders: Loaders
    settings: Settings
    principal: Principal


Info = _Info[Context, None]
