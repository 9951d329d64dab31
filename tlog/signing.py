"""Signing checkpoints (签署检查点): with a key read from a file outside the database, never made up.

The server signs at least once a minute while the log grows (api/app.py's lifespan), and
``gongshi log sign`` on demand. Before signing, the stored tree must still contain the last signed
one: a database rewritten underneath the use cases is refused here rather than signed (seed 002
art.17).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from schema.models import LogCheckpoint
from tlog import store
from tlog.error_codes import LogErrorCode as Code
from tlog.errors import LogError
from tlog.note import Checkpoint, Signer


def load_signer(path: str | None) -> Signer:
    """The signer from GONGSHI_LOG_KEY_FILE; a LogError (code LOG_KEY_MISSING) if there is none."""
    if not path:
        raise LogError(
            "未设置公示日志签名密钥文件 GONGSHI_LOG_KEY_FILE，拒绝签署检查点；"
            "请用“gongshi log keygen --out 路径”生成密钥并妥善保管",
            code=Code.LOG_KEY_MISSING,
        )
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise LogError(
            f"无法读取公示日志签名密钥文件 {path}：{exc.strerror or exc}", code=Code.LOG_KEY_MISSING
        ) from None
    return Signer.parse(text)


async def sign_checkpoint(session: AsyncSession, signer: Signer, *, force: bool = False) -> LogCheckpoint:
    """Sign the current tree head if it grew since the last checkpoint (or if ``force``); flush only."""
    size, root = await store.head(session)
    latest = await store.latest_checkpoint(session)
    if latest is not None:
        if latest.size > size:
            raise LogError(
                f"公示日志比上次签署的检查点短（{size} < {latest.size}），拒绝签署", code=Code.LOG_SHRANK
            )
        if await store.root_at(session, latest.size) != latest.root:
            raise LogError(
                f"公示日志前{latest.size}条的根哈希与上次签署的检查点不符，拒绝签署", code=Code.LOG_FORK
            )
        if latest.size == size and not force:
            return latest
    note = signer.sign(Checkpoint(signer.name, size, root).body())
    checkpoint = LogCheckpoint(size=size, root=root, note=note)
    session.add(checkpoint)
    await session.flush()
    return checkpoint
