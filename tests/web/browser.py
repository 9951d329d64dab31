"""A live Gongshi with the demo dataset, and headless Chromium (Debian's) driven by playwright.

Chromium absent: the browser tests are skipped, except under CI=true where they are required.
The server runs as `gongshi serve` in a subprocess on a SQLite database the demo loader filled.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CHROMIUM = shutil.which("chromium")
REQUIRED = os.environ.get("CI", "").lower() == "true"
# The flags ARCHITECTURE.md found to work here (no sandbox as root, no calls home).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parents[2] / "build" / "screenshots"
GONGSHI = Path(sys.executable).with_name("gongshi")


def require_chromium() -> str:
    """The browser's path; skip without one (fail under CI=true)."""
    if CHROMIUM is None:
        if REQUIRED:
            pytest.fail("Chromium is required under CI=true: apt-get install chromium fonts-noto-cjk")
        pytest.skip("Chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A running server: its base URL."""

    base: str

    def graphql(self, query: str, **variables: object) -> dict:
        """The data of a public query to this server's /graphql."""
        response = httpx.post(
            f"{self.base}/graphql", json={"query": query, "variables": variables}, timeout=30
        )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


def serve_demo(directory: Path) -> Iterator[Server]:
    """Load the demo dataset into a new SQLite database and serve it until the generator closes."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'demo.db'}",
        "GONGSHI_SNAPSHOT_DIR": str(directory / "snapshots"),
        "GONGSHI_RATE_LIMITS": "0",
    }
    subprocess.run([str(GONGSHI), "demo"], env=env, check=True, capture_output=True, timeout=300)
    # The public log signed as a deployment would: a key outside the database, one checkpoint.
    key = directory / "log.key"
    subprocess.run(
        [str(GONGSHI), "log", "keygen", "--out", str(key)], env=env, check=True, capture_output=True
    )
    env["GONGSHI_LOG_KEY_FILE"] = str(key)
    subprocess.run([str(GONGSHI), "log", "sign"], env=env, check=True, capture_output=True, timeout=300)
    port = _free_port()
    log = (directory / "server.log").open("wb")
    process = subprocess.Popen(
        [str(GONGSHI), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError((directory / "server.log").read_text())
        yield Server(base)
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
