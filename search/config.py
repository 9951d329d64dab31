"""Process-wide search settings, set once at start-up by the application or the CLI.

``api/settings.py`` reads the environment; it hands the values here because the write path
(inspections/results.py, below api) must know whether to fill the Elasticsearch outbox.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_ALIAS = "gongshi-results"


@dataclass(frozen=True)
class SearchConfig:
    """Which backends run: the database always; Elasticsearch when a URL is set."""

    elasticsearch_url: str | None = None
    alias: str = DEFAULT_ALIAS
    # Seconds to wait for the cluster, and to stop asking it after a failure (circuit breaker).
    timeout: float = 2.0
    retry_after: float = 30.0


_config = SearchConfig()


def configure(config: SearchConfig) -> None:
    """Set the process's search configuration (call at start-up)."""
    global _config
    _config = config


def current() -> SearchConfig:
    """The process's search configuration."""
    return _config
