"""Settings, read from the environment here and nowhere else."""

from __future__ import annotations

import calendar
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from inspections.spreadsheets.licence import DEFAULT_LICENCE, LICENCES

DEFAULT_SQLITE_PATH = Path("gongshi.db")


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"设置 {name} 应为整数，收到 {raw!r} ({name} must be an integer)") from exc


def _flag(raw: str | None) -> bool | None:
    """ "1"/"true"/"yes" -> True, "0"/"false"/"no" -> False, unset or "auto" -> None."""
    if raw is None or raw.strip().lower() in ("", "auto"):
        return None
    return raw.strip().lower() not in {"0", "false", "no"}


def _deadlines(raw: str | None) -> dict[str, str]:
    """``"41=02-28,53=03-31,*=03-31"`` -> {"41": "02-28", "53": "03-31", "": "03-31"}."""
    result = {"": "03-31"}
    for part in (raw or "41=02-28").split(","):
        prefix, sep, month_day = part.strip().partition("=")
        try:
            month, day = (int(x) for x in month_day.split("-"))
            date(2001, month, day)
        except ValueError:
            raise SystemExit(f"GONGSHI_PLAN_DEADLINES 格式应为“前缀=月-日,...”，收到 {raw!r}") from None
        if not sep:
            raise SystemExit(f"GONGSHI_PLAN_DEADLINES 格式应为“前缀=月-日,...”，收到 {raw!r}")
        result["" if prefix == "*" else prefix] = f"{month:02d}-{day:02d}"
    return result


def _rate_limit(raw: str, name: str, *, one: bool) -> str:
    """A rate limit as slowapi reads it (``120/minute``; ``;`` between several); the anonymous one
    must be one limit: the hit layer and the stack charge anonymous callers that one directly."""
    import limits

    try:
        parsed = limits.parse_many(raw)
    except ValueError:
        parsed = []
    if not parsed or (one and len(parsed) != 1):
        shape = "一个限额" if one else "一个或多个以;分隔的限额"
        raise SystemExit(f"{name} 应为{shape}，如 120/minute；收到 {raw!r}")
    return raw


def _licence(raw: str) -> str:
    if raw not in LICENCES:
        known = "、".join(LICENCES)
        raise SystemExit(f"GONGSHI_DATA_LICENCE 应为以下之一：{known}；收到 {raw!r}")
    return raw


@dataclass(frozen=True)
class Settings:
    """Every knob of a running Gongshi; see the README's settings table."""

    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"
    host: str = "127.0.0.1"
    port: int = 8000
    # 20 working days from the end of the inspection (seed 001 art.20(4), 002 art.16, 003).
    publication_working_days: int = 20
    graphiql: bool = True
    # Search (issue 4): the Elasticsearch backend is used when a URL is set; the database otherwise.
    elasticsearch_url: str | None = None
    elasticsearch_alias: str = "gongshi-results"
    # Rate limits (slowapi / limits syntax); one budget per IP for anonymous callers, one per token.
    anonymous_rate_limit: str = "120/minute"
    token_rate_limit: str = "1200/minute"
    rate_limits_enabled: bool = True
    # Several workers share one budget when it lives in Redis.
    redis_url: str | None = None
    rate_limit_prefix: str = "gongshi"
    # How long a request waits for the budget store before it is served unlimited (fail open).
    rate_limit_timeout_ms: int = 100
    # Proxy addresses whose X-Forwarded-For names the caller (for per-IP budgets); none by default.
    trusted_proxies: tuple[str, ...] = ()
    # Seconds a shared HTTP cache may reuse an anonymous answer without asking (issue 13). 0: it
    # must revalidate every time (``no-cache``; an unchanged answer is a 304 from our own cache),
    # so nothing stale is ever served; N: up to N seconds stale. Tokens: never stored.
    public_max_age: int = 0
    # One JSON line per request on stderr from ``gongshi serve`` (logger gongshi.access).
    access_log: bool = True
    # gongshi serve: plain hits of the hit layer answered in uvicorn's protocol (api/http/hit_protocol.py).
    hit_protocol: bool = True
    # The GraphQL short path (api/graphql/execution.py); off only to measure it (bench/cache_bench.py).
    short_path: bool = True
    # Bytes of anonymous answers this process keeps (the public response cache); 0 turns it off.
    response_cache_bytes: int = 32 * 1024 * 1024
    # The hit layer re-reads the publication generation from the database at least this often,
    # even when no writer signalled a change: it bounds how long a writer that died between its
    # commit and the signal can leave stale answers (api/http/hits.py).
    generation_recheck_ms: int = 1000
    # Annual plans are due by end of February (seed 001 art.7, 河南) or end of March (seed 002 art.6,
    # 云南): the deadline (month-day) per region-code prefix; the longest matching prefix wins.
    plan_deadlines: dict[str, str] = field(default_factory=lambda: {"": "03-31", "41": "02-28"})
    # Years of the packaged holiday data to trust (None: all it has); loaded schedules always count.
    calendar_builtin_years: frozenset[int] | None = None
    # Objection evidence (异议证明材料): where files go, how big, which kinds.
    evidence_dir: str = "evidence"
    # The CJK font of the generated forms (记录表, 告知书): Debian's fonts-noto-cjk by default.
    cjk_font: str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    evidence_max_bytes: int = 10 * 1024 * 1024
    evidence_max_files: int = 10
    evidence_types: tuple[str, ...] = ("application/pdf", "image/jpeg", "image/png")
    # Largest request body other than an upload: a spreadsheet import (20 MB) in base64, in JSON.
    max_body_bytes: int = 32 * 1024 * 1024
    # Largest body of a request without a token (a query, not an import): about 1 MB (issue 13).
    max_anonymous_body_bytes: int = 1024 * 1024
    # Bulk download of published results (issue 6): where the daily snapshot files are written.
    snapshot_dir: str = "snapshots"
    # The bulk files' licence (an SPDX id from inspections/spreadsheets/licence.py) and the
    # publisher re-users must name: the deploying authority decides both.
    data_licence: str = DEFAULT_LICENCE
    data_publisher: str = "本平台的部署单位"
    # Where `gongshi reminders send` posts each overdue-clock reminder (None: nowhere).
    reminder_webhook_url: str | None = None
    # The daily sweep also reminds this many working days before each objection due date (0: only
    # after it). Seed 002 art.17's clocks are 5 to 20 working days long.
    remind_before_workdays: int = 3
    # The public log's Ed25519 signing key (tlog/README.md), a file outside the database; without it
    # the log still grows but no checkpoint is signed.
    log_key_file: str | None = None
    # Workspaces (issue 16): a signed-in browser's session lasts this long in all, and while idle.
    session_hours: int = 12
    session_idle_minutes: int = 120
    # Session cookies marked Secure: always (True), never (False), or when the request is HTTPS
    # (None). Behind a proxy that ends TLS, set it to 1: the app itself then only sees http.
    secure_cookies: bool | None = None

    @property
    def max_multipart_bytes(self) -> int:
        """Largest upload request: every evidence file at its largest, plus the form around them."""
        return self.evidence_max_bytes * self.evidence_max_files + 1024 * 1024

    def plan_deadline(self, region_code: str, year: int) -> date:
        """The plan publication deadline of a jurisdiction for ``year``."""
        prefix = max((p for p in self.plan_deadlines if region_code.startswith(p)), key=len)
        month, day = (int(part) for part in self.plan_deadlines[prefix].split("-"))
        if (month, day) == (2, 28) and calendar.isleap(year):
            day = 29  # "2月底" is the 29th in a leap year
        return date(year, month, day)

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
            anonymous_rate_limit=_rate_limit(
                env.get("GONGSHI_ANONYMOUS_RATE_LIMIT") or cls.anonymous_rate_limit,
                "GONGSHI_ANONYMOUS_RATE_LIMIT",
                one=True,
            ),
            token_rate_limit=_rate_limit(
                env.get("GONGSHI_TOKEN_RATE_LIMIT") or cls.token_rate_limit,
                "GONGSHI_TOKEN_RATE_LIMIT",
                one=False,
            ),
            rate_limits_enabled=(env.get("GONGSHI_RATE_LIMITS", "1") not in {"0", "false", "no"}),
            redis_url=env.get("REDIS_URL") or None,
            trusted_proxies=tuple(
                p.strip() for p in env.get("GONGSHI_TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
            public_max_age=_int(env, "GONGSHI_PUBLIC_MAX_AGE", cls.public_max_age),
            short_path=(env.get("GONGSHI_SHORT_PATH", "1") not in {"0", "false", "no"}),
            access_log=(env.get("GONGSHI_ACCESS_LOG", "1") not in {"0", "false", "no"}),
            hit_protocol=(env.get("GONGSHI_HIT_PROTOCOL", "1") not in {"0", "false", "no"}),
            response_cache_bytes=_int(env, "GONGSHI_RESPONSE_CACHE_BYTES", cls.response_cache_bytes),
            generation_recheck_ms=_int(env, "GONGSHI_GENERATION_RECHECK_MS", cls.generation_recheck_ms),
            rate_limit_timeout_ms=_int(env, "GONGSHI_RATE_LIMIT_TIMEOUT_MS", cls.rate_limit_timeout_ms),
            plan_deadlines=_deadlines(env.get("GONGSHI_PLAN_DEADLINES")),
            evidence_dir=env.get("GONGSHI_EVIDENCE_DIR") or cls.evidence_dir,
            cjk_font=env.get("GONGSHI_CJK_FONT") or cls.cjk_font,
            snapshot_dir=env.get("GONGSHI_SNAPSHOT_DIR") or cls.snapshot_dir,
            data_licence=_licence(env.get("GONGSHI_DATA_LICENCE") or cls.data_licence),
            data_publisher=env.get("GONGSHI_DATA_PUBLISHER") or cls.data_publisher,
            evidence_max_bytes=_int(env, "GONGSHI_EVIDENCE_MAX_BYTES", cls.evidence_max_bytes),
            max_body_bytes=_int(env, "GONGSHI_MAX_BODY_BYTES", cls.max_body_bytes),
            max_anonymous_body_bytes=_int(
                env, "GONGSHI_MAX_ANONYMOUS_BODY_BYTES", cls.max_anonymous_body_bytes
            ),
            elasticsearch_url=env.get("ELASTICSEARCH_URL") or None,
            reminder_webhook_url=env.get("GONGSHI_REMINDER_WEBHOOK") or None,
            remind_before_workdays=_int(env, "GONGSHI_REMIND_BEFORE_WORKDAYS", cls.remind_before_workdays),
            log_key_file=env.get("GONGSHI_LOG_KEY_FILE") or None,
            elasticsearch_alias=env.get("GONGSHI_ES_ALIAS") or cls.elasticsearch_alias,
            session_hours=_int(env, "GONGSHI_SESSION_HOURS", cls.session_hours),
            session_idle_minutes=_int(env, "GONGSHI_SESSION_IDLE_MINUTES", cls.session_idle_minutes),
            secure_cookies=_flag(env.get("GONGSHI_SECURE_COOKIES")),
        )
