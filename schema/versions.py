"""Which versions of a library our code that reaches into its internals was tested with.

A module that imports a private name or subclasses an internal of a library asks :func:`tested`
at start-up and falls back to the library's public path when the installed version is another
(pyproject.toml pins these libraries narrowly and constraints.txt exactly; this is the net for an
install that ignored both).
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

log = logging.getLogger("gongshi.versions")


def installed(distribution: str) -> str | None:
    """The installed version of ``distribution``, or None."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def tested(distribution: str, series: tuple[str, ...], *, purpose: str) -> bool:
    """Whether the installed ``distribution`` is in one of the tested release ``series`` ("3.3", "0.1.10").

    Logs once, at start-up, which public path is used instead when it is not.
    """
    found = installed(distribution)
    ok = found is not None and any(found == s or found.startswith(f"{s}.") for s in series)
    if not ok:
        log.warning(
            "%s %s is not a tested version (%s): %s falls back to the library's public path",
            distribution,
            found,
            ", ".join(series),
            purpose,
        )
    return ok
