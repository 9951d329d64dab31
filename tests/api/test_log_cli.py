"""`gongshi log keygen|key|sign`: the key lives in a file, and nothing is signed without it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from api.cli import main
from schema.migrate import upgrade
from tlog import Signer, Verifier


def test_sign_and_key_refuse_without_a_key_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GONGSHI_LOG_KEY_FILE", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'g.db'}")
    for command in (["log", "sign"], ["log", "key"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "未设置公示日志签名密钥文件 GONGSHI_LOG_KEY_FILE，拒绝签署检查点" in err
        assert "LOG_KEY_MISSING" in err
    monkeypatch.setenv("GONGSHI_LOG_KEY_FILE", str(tmp_path / "missing.key"))
    assert main(["log", "sign"]) == 2
    assert "无法读取公示日志签名密钥文件" in capsys.readouterr().err


def test_keygen_writes_a_private_file_once_and_key_prints_its_verifier(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.key"
    assert main(["log", "keygen", "--out", str(path), "--name", "example.gov.cn/gongshi"]) == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    signer = Signer.parse(path.read_text(encoding="utf-8"))
    printed = capsys.readouterr().out
    assert signer.verifier.encode() in printed
    before = path.read_text(encoding="utf-8")
    assert main(["log", "keygen", "--out", str(path)]) == 2  # never overwrites a key
    assert "LOG_KEY_EXISTS" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == before
    monkeypatch.setenv("GONGSHI_LOG_KEY_FILE", str(path))
    assert main(["log", "key"]) == 0
    verifier = Verifier.parse(capsys.readouterr().out)
    assert (verifier.name, verifier.public) == ("example.gov.cn/gongshi", signer.verifier.public)


def test_sign_signs_the_log_of_a_fresh_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    upgrade(url)
    path = tmp_path / "log.key"
    path.write_text(Signer.generate("test.local/log").encode(), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("GONGSHI_LOG_KEY_FILE", str(path))
    assert main(["log", "sign"]) == 0
    assert capsys.readouterr().out.strip() == "已签署检查点：1条"  # the back-fill marker of a new database
