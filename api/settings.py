"""Settings, read from the environment here and nowhere else."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SQLITE_PATH = Path("gongshi.db")


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"设置 {name} 应为整数，收到 {raw!r} ({name} must be an integer)") from exc


@dataclass(frozen=True)
class Settings:
    """Every knob of a running Gongshi; see the README's settings table."""

    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"
    host: str = "127.0.0.1"
    port: int = 8000
    # 20 working days from the end of the inspection (seed 001 art.20(4), 002 art.16, 003).
    publication_working_days: int = 20
    max_page_size: int = 100
    graphiql: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (the process environment by default)."""
        env = dict(os.environ if env is None else env)
        return cls(
            database_url=env.get("DATABASE_URL") or cls.database_url,
            host=env.get("GONGSHI_HOST") or cls.host,
            port=_int(env, "GONGSHI_PORT", cls.port),
            publication_working_days=_int(
                env, "GONGSHI_PUBLICATION_WORKING_DAYS", cls.publication_working_days
            ),
            graphiql=(env.get("GONGSHI_GRAPHIQL", "1") not in {"0", "false", "no"}),
        )
