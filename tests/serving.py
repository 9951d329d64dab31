"""A real `gongshi serve` process on 127.0.0.1 for the tests that need one (started, awaited, stopped)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(env: dict[str, str], directory: Path, base: str) -> Iterator[None]:
    """`python -m api.cli serve` with ``env`` in ``directory`` until the block ends; ready on /readyz."""
    log = directory / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve"],
            env=env,
            cwd=directory,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"server did not become ready:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield
    finally:
        server.terminate()
        server.wait(timeout=10)
