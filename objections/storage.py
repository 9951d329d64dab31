"""Evidence files (证明材料) live outside the database, behind a small storage interface."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from inspections.errors import InvalidInput
from objections.error_codes import ObjectionErrorCode as Code

# Recognised by content, not by the name the uploader chose.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


@dataclass(frozen=True)
class EvidenceFile:
    """An uploaded file, read into memory (sizes are capped by settings)."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class EvidencePolicy:
    """What may be uploaded: kinds, size of each file, how many."""

    types: tuple[str, ...]
    max_bytes: int
    max_files: int


def sniff(data: bytes) -> str | None:
    """The content type a file's first bytes declare, if it is one we know."""
    for content_type, prefixes in SIGNATURES.items():
        if any(data.startswith(prefix) for prefix in prefixes):
            return content_type
    return None


def check(files: list[EvidenceFile], policy: EvidencePolicy) -> list[str]:
    """The content type of each file, or a refusal naming the file and what is wrong with it."""
    if len(files) > policy.max_files:
        raise InvalidInput(
            f"证明材料最多{policy.max_files}个文件，收到{len(files)}个",
            code=Code.EVIDENCE_TOO_MANY,
            field="evidence",
        )
    kinds = []
    for file in files:
        if not file.data:
            raise InvalidInput(f"文件“{file.filename}”为空", code=Code.EVIDENCE_EMPTY, field="evidence")
        if len(file.data) > policy.max_bytes:
            raise InvalidInput(
                f"文件“{file.filename}”超过{policy.max_bytes // (1024 * 1024)}MB上限",
                code=Code.EVIDENCE_TOO_LARGE,
                field="evidence",
            )
        kind = sniff(file.data)
        if kind is None or kind not in policy.types:
            raise InvalidInput(
                f"文件“{file.filename}”不是允许的类型（PDF、JPEG、PNG）",
                code=Code.EVIDENCE_TYPE,
                field="evidence",
            )
        kinds.append(kind)
    return kinds


class EvidenceStorage(Protocol):
    """Where evidence files are kept."""

    def put(self, data: bytes) -> str:
        """Store ``data``; returns its key."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``."""
        ...


class LocalDirectoryStorage:
    """Files in a local directory, named by their SHA-256 (a retry stores nothing twice).

    A file is written before the filing's transaction commits, so a rollback (a refusal after
    the files, a lost race) can leave one that no objection references; collect() removes
    those once they are older than a grace period. A file put again (the same bytes in a new
    filing) has its time renewed, so collect() never takes one a transaction is about to
    reference, and the two hold a lock on the directory so that cannot happen between a check
    and an unlink either.
    """

    LOCK = ".lock"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @contextlib.contextmanager
    def _locked(self, exclusive: bool) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / self.LOCK, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def put(self, data: bytes) -> str:
        """Store ``data`` under its digest; returns the key."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.root / digest[:2] / digest
        with self._locked(exclusive=False):
            if path.exists():
                os.utime(path)  # in use again: not collected within the grace period
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(".part")
                partial.write_bytes(data)
                partial.replace(path)  # atomic: a reader never sees half a file
        return f"{digest[:2]}/{digest}"

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``."""
        return (self.root / key).read_bytes()

    def collect(self, referenced: Collection[str], *, older_than: float, dry_run: bool = False) -> list[str]:
        """Remove files no objection references, untouched for ``older_than`` seconds (and
        half-written ``.part`` files as old); returns their keys."""
        if not self.root.is_dir():
            return []
        cutoff = time.time() - older_than
        removed: list[str] = []
        with self._locked(exclusive=True):
            for path in sorted(self.root.glob("??/*")):
                key = f"{path.parent.name}/{path.name}"
                if key in referenced or not path.is_file() or path.stat().st_mtime >= cutoff:
                    continue
                if not dry_run:
                    path.unlink()
                removed.append(key)
        return removed
