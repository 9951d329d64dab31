"""Evidence files that no objection references are collected, and only those (objections/storage.py)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest

from api.cli import main
from objections.storage import EvidenceFile, LocalDirectoryStorage
from schema.db import make_engine, make_sessionmaker
from schema.migrate import upgrade
from tests import factories

DAY = 24 * 3600


def _age(storage: LocalDirectoryStorage, key: str, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(storage.root / key, (then, then))


def test_only_old_unreferenced_files_are_collected(tmp_path: Path) -> None:
    storage = LocalDirectoryStorage(tmp_path)
    kept = storage.put(b"%PDF-1.7 referenced")
    orphan = storage.put(b"%PDF-1.7 left by a rolled-back filing")
    young = storage.put(b"%PDF-1.7 its filing may not have committed yet")
    for key in (kept, orphan):
        _age(storage, key, 2 * DAY)
    half = storage.root / "ab" / ("ab" + "0" * 62 + ".part")
    half.parent.mkdir(exist_ok=True)
    half.write_bytes(b"half a file")
    os.utime(half, (time.time() - 2 * DAY,) * 2)

    assert storage.collect({kept}, older_than=DAY, dry_run=True) == sorted([orphan, f"ab/{half.name}"])
    assert (storage.root / orphan).exists() and half.exists()

    assert storage.collect({kept}, older_than=DAY) == sorted([orphan, f"ab/{half.name}"])
    assert not (storage.root / orphan).exists() and not half.exists()
    assert storage.get(kept) == b"%PDF-1.7 referenced"
    assert storage.get(young) == b"%PDF-1.7 its filing may not have committed yet"


def test_a_file_put_again_is_young_again(tmp_path: Path) -> None:
    storage = LocalDirectoryStorage(tmp_path)
    key = storage.put(b"%PDF-1.7 same bytes")
    _age(storage, key, 2 * DAY)
    # A new filing with the same bytes, its transaction not yet committed.
    assert storage.put(b"%PDF-1.7 same bytes") == key
    assert storage.collect(set(), older_than=DAY) == []
    assert storage.get(key) == b"%PDF-1.7 same bytes"


def test_put_waits_while_a_collection_holds_the_directory(tmp_path: Path) -> None:
    storage = LocalDirectoryStorage(tmp_path)
    stored = threading.Event()

    def put() -> None:
        storage.put(b"%PDF-1.7 during a collection")
        stored.set()

    with storage._locked(exclusive=True):
        writer = threading.Thread(target=put)
        writer.start()
        # Blocked on the lock: it cannot have stored anything while the collection runs.
        assert not stored.wait(0.3)
    writer.join(10)
    assert stored.is_set()


async def test_the_command_spares_what_a_committed_filing_references(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'collect.db'}"
    evidence = tmp_path / "evidence"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("GONGSHI_EVIDENCE_DIR", str(evidence))
    await asyncio.to_thread(upgrade, url)
    storage = LocalDirectoryStorage(evidence)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            joint = await factories.joint_task(session, entities=1, categories=("UNREACHABLE",))
            result = joint.results[0]
            await factories.objection(
                session,
                result,
                "collect-0001",
                storage_dir=evidence,
                evidence=[EvidenceFile("租赁合同.pdf", b"%PDF-1.7 lease")],
            )
    finally:
        await engine.dispose()
    referenced = storage.put(b"%PDF-1.7 lease")
    orphan = storage.put(b"%PDF-1.7 orphan")
    for key in (referenced, orphan):
        _age(storage, key, 3 * DAY)

    assert await asyncio.to_thread(main, ["objections", "collect-evidence", "--grace-hours", "0.5"]) == 2
    assert await asyncio.to_thread(main, ["objections", "collect-evidence"]) == 0

    out = capsys.readouterr().out
    assert orphan in out and "已删除无异议引用的证明材料文件1个" in out
    assert not (evidence / orphan).exists()
    assert storage.get(referenced) == b"%PDF-1.7 lease"
