"""`gongshi log verify` against a real server on 127.0.0.1, and an independent verifier of the served log.

The verifier below is written from the specifications (C2SP signed-note, tlog-checkpoint, tlog-tiles,
RFC 9162) with hashlib and cryptography only: it shares no code with Gongshi.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.serving import free_port, serving


class Served:
    def __init__(self, base: str, directory: Path, env: dict[str, str]) -> None:
        self.base, self.directory, self.env = base, directory, env
        self.key = ""

    def gongshi(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "api.cli", *args],
            env=self.env,
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def verify(self, *args: str) -> subprocess.CompletedProcess[str]:
        self.key = self.key or self.gongshi("log", "key").stdout.strip()
        return self.gongshi("log", "verify", "--url", self.base, "--key", self.key, *args)

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.directory / "gongshi.db")

    def fresh_snapshot(self) -> None:
        (self.directory / "snapshots" / "published-results.json").unlink(missing_ok=True)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Demo data, a key, a signed checkpoint, then `gongshi serve` with the key configured."""
    directory = tmp_path_factory.mktemp("served-log")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{directory / 'gongshi.db'}",
        "GONGSHI_PORT": str(port),
        "GONGSHI_LOG_KEY_FILE": str(directory / "log.key"),
        "GONGSHI_SNAPSHOT_DIR": str(directory / "snapshots"),
    }
    served = Served(f"http://127.0.0.1:{port}", directory, env)
    keygen = served.gongshi("log", "keygen", "--out", "log.key", "--name", "test.local/gongshi")
    assert keygen.returncode == 0, keygen.stderr
    assert served.gongshi("demo").returncode == 0
    assert served.gongshi("log", "sign").returncode == 0
    with serving(env, directory, served.base):
        yield served


# ---- an independent verifier, from the specifications -------------------------------------------


def _open_note(note: str, vkey: str) -> str:
    """C2SP signed-note: check the signature line of the key ``vkey`` over the text."""
    name, key_hash, key = vkey.split("+", 2)
    raw = base64.b64decode(key)
    assert raw[0] == 1  # Ed25519
    assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == key_hash
    text, _, signatures = note.rpartition("\n\n")
    for line in signatures.strip("\n").split("\n"):
        signer, blob = line.removeprefix("\u2014 ").split(" ")
        sig = base64.b64decode(blob)
        if signer == name and sig[:4].hex() == key_hash:
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(sig[4:], (text + "\n").encode())
            return text + "\n"
    raise AssertionError("no signature by the key")


def _mth(hashes: list[bytes]) -> bytes:
    """RFC 9162 MTH over leaf hashes."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _mth(hashes[:k]) + _mth(hashes[k:])).digest()


def _tile_index(n: int) -> str:
    parts = [f"{n % 1000:03d}"]
    while n >= 1000:
        n //= 1000
        parts.insert(0, f"x{n % 1000:03d}")
    return "/".join(parts)


def test_an_independent_verifier_accepts_the_served_log(served: Served) -> None:
    vkey = served.gongshi("log", "key").stdout.strip()
    checkpoint = httpx.get(f"{served.base}/log/checkpoint", timeout=10)
    assert checkpoint.headers["cache-control"] == "no-cache"
    origin, size_line, root_line = _open_note(checkpoint.text, vkey).rstrip("\n").split("\n")[:3]
    size, root = int(size_line), base64.b64decode(root_line)
    assert origin == "test.local/gongshi" and size > 200
    leaf_hashes: list[bytes] = []
    entries: list[dict[str, object]] = []
    for n in range((size + 255) // 256):
        width = min(256, size - 256 * n)
        suffix = "" if width == 256 else f".p/{width}"
        bundle = httpx.get(f"{served.base}/log/tile/entries/{_tile_index(n)}{suffix}", timeout=10)
        assert bundle.headers["cache-control"] == "public, max-age=31536000, immutable"
        data, at = bundle.content, 0
        while at < len(data):
            length = int.from_bytes(data[at : at + 2], "big")
            entry = data[at + 2 : at + 2 + length]
            leaf_hashes.append(hashlib.sha256(b"\x00" + entry).digest())
            entries.append(json.loads(entry))
            at += 2 + length
        tile = httpx.get(f"{served.base}/log/tile/0/{_tile_index(n)}{suffix}", timeout=10).content
        assert tile == b"".join(leaf_hashes[256 * n :])
    assert len(leaf_hashes) == size
    assert _mth(leaf_hashes) == root
    kinds = {e["kind"] for e in entries}
    assert {
        "plan.published",
        "draw.committed",
        "draw.revealed",
        "result.published",
        "result.corrected",
    } <= kinds
    private = ("inspector", "contact", "evidence", "internalNote", "approvedBy", "grounds", "phone")
    assert not any(word in json.dumps(entries) for word in private)
    manifest = httpx.get(f"{served.base}/downloads/published-results.json", timeout=30).json()
    assert manifest["log"]["treeSize"] <= size
    assert base64.b64decode(manifest["log"]["rootHash"]) == _mth(leaf_hashes[: manifest["log"]["treeSize"]])


def test_gongshi_log_verify_passes_and_keeps_the_checkpoint(served: Served) -> None:
    checked = served.verify("--save", "kept.checkpoint")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "日志核对通过" in checked.stdout and "签名有效" in checked.stdout
    again = served.verify("--since", "kept.checkpoint")
    assert again.returncode == 0, again.stdout
    assert "与保存的检查点一致" in again.stdout


def test_verify_reports_a_version_rewritten_in_the_database(served: Served) -> None:
    with served.db() as db:
        (before,) = db.execute("SELECT description FROM result_versions WHERE result_id = 3").fetchone()
        db.execute("DROP TRIGGER result_versions_no_update")
        db.execute("UPDATE result_versions SET description = '已改写' WHERE result_id = 3")
        db.execute("UPDATE inspection_results SET description = '已改写' WHERE id = 3")
    served.fresh_snapshot()
    try:
        checked = served.verify()
        assert checked.returncode == 1
        lines = [line for line in checked.stdout.splitlines() if line.startswith("问题：")]
        assert len(lines) == 1 and lines[0].startswith("问题：结果3第1版的结果说明与日志第"), checked.stdout
    finally:
        with served.db() as db:
            db.execute("UPDATE result_versions SET description = ? WHERE result_id = 3", (before,))
            db.execute("UPDATE inspection_results SET description = ? WHERE id = 3", (before,))
        served.fresh_snapshot()


def test_verify_reports_a_dropped_leaf(served: Served) -> None:
    with served.db() as db:
        row = db.execute("SELECT * FROM log_leaves WHERE idx = 10").fetchone()
        db.execute("DROP TRIGGER log_leaves_no_delete")
        db.execute("DELETE FROM log_leaves WHERE idx = 10")
    try:
        checked = served.verify()
        assert checked.returncode == 1
        assert "问题：缺少条目包 tile/entries/000" in checked.stdout
        assert "问题：因条目缺失，无法重算日志的根哈希" in checked.stdout
    finally:
        with served.db() as db:
            db.execute("INSERT INTO log_leaves VALUES (?, ?, ?, ?, ?, ?)", row)


def test_verify_reports_a_fork_against_a_kept_checkpoint(served: Served) -> None:
    """Two checkpoints of one size with different roots: the operator signed a second tree."""
    with served.db() as db:
        size, note = db.execute("SELECT size, note FROM log_checkpoints ORDER BY id DESC LIMIT 1").fetchone()
    kept = served.directory / "before-fork.checkpoint"
    kept.write_text(note, encoding="utf-8")
    forged_root = hashlib.sha256(b"another tree").digest()
    body = f"test.local/gongshi\n{size}\n{base64.b64encode(forged_root).decode()}\n"
    script = (
        "import sys; from tlog import load_signer; "
        "sys.stdout.write(load_signer(sys.argv[1]).sign(sys.stdin.read()))"
    )
    forged = subprocess.run(
        [sys.executable, "-c", script, served.env["GONGSHI_LOG_KEY_FILE"]],
        input=body,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with served.db() as db:
        db.execute(
            "INSERT INTO log_checkpoints (size, root, note, signed_at) VALUES (?, ?, ?, '2026-12-02 00:00:00')",
            (size, forged_root, forged),
        )
    try:
        checked = served.verify("--since", str(kept))
        assert checked.returncode == 1
        assert f"问题：分叉：同为{size}条，服务器的检查点与保存的检查点根哈希不同" in checked.stdout
        assert f"问题：按条目重算的根哈希与检查点（{size}条）不符：日志内容被改写" in checked.stdout
    finally:
        with served.db() as db:
            db.execute("DROP TRIGGER IF EXISTS log_checkpoints_no_delete")
            db.execute("DELETE FROM log_checkpoints WHERE note = ?", (forged,))
