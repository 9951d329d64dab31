"""The publication generation's signal: a counter in a shared memory file, one per database.

The generation itself lives in the database (schema/generation.py) and is the truth; reading it
costs a session and a round trip. Every process that commits a public change also adds one to a
64-bit counter in a small file mapped into memory (``/dev/shm/gongshi-generation-<hash of the
database URL>``, else the temporary directory): workers, ``gongshi calendar load``, any CLI on the
host. A reader compares the counter with the value it saw when it last read the database, a few
hundred nanoseconds, and reads the database again only when it moved (api/http/hits.py).

Order: the database commits, then the counter moves; a reader that sees the new counter therefore
reads at least the committed generation. A writer dying between the two leaves the counter still:
readers bound that window by re-reading the database at least every few seconds anyway.
Increments take an exclusive ``flock`` so two writers never lose one; reads take no lock (an
aligned 8-byte read; a torn one could only look like a change, which costs one database read).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import mmap
import os
import struct
import tempfile
import threading
from pathlib import Path

log = logging.getLogger("gongshi.generation")
_COUNTER = struct.Struct("<Q")
_SHARED_MEMORY = Path("/dev/shm")


def signal_path(database_url: str) -> Path:
    """The signal file of ``database_url`` (the same for every process using that database)."""
    folder = _SHARED_MEMORY
    if not (folder.is_dir() and os.access(folder, os.W_OK)):
        folder = Path(tempfile.gettempdir())
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:20]
    return folder / f"gongshi-generation-{digest}"


class GenerationSignal:
    """The mapped counter of one database; ``read()`` is lock-free, ``bump()`` is atomic."""

    def __init__(self, path: Path) -> None:
        self.path = path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if os.fstat(fd).st_size < _COUNTER.size:
                with _locked(fd):
                    if os.fstat(fd).st_size < _COUNTER.size:
                        os.ftruncate(fd, _COUNTER.size)
            self._map = mmap.mmap(fd, _COUNTER.size)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def read(self) -> int:
        """The counter now (no system call)."""
        return int(_COUNTER.unpack_from(self._map, 0)[0])

    def bump(self) -> None:
        """Add one, under the file's lock so a concurrent writer's increment is never lost."""
        with _locked(self._fd):
            _COUNTER.pack_into(self._map, 0, (self.read() + 1) & 0xFFFFFFFFFFFFFFFF)


@contextlib.contextmanager
def _locked(fd: int):  # type: ignore[no-untyped-def]
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


_signals: dict[str, GenerationSignal | None] = {}
_lock = threading.Lock()
_warned: set[str] = set()


def signal_for(database_url: str) -> GenerationSignal | None:
    """The process's signal of ``database_url``; None if the file cannot be used (logged once).

    Without a signal a writer cannot tell readers; they still see the change within their
    re-read interval, and a reader without one reads the database on every request.
    """
    found = _signals.get(database_url, False)
    if found is not False:
        return found  # type: ignore[return-value]
    with _lock:
        if database_url not in _signals:
            path = signal_path(database_url)
            try:
                _signals[database_url] = GenerationSignal(path)
            except OSError as exc:
                _signals[database_url] = None
                if str(path) not in _warned:
                    _warned.add(str(path))
                    log.warning("generation signal %s unusable (%s): reading the database instead", path, exc)
        return _signals[database_url]
