"""SQLite engines (schema/db.py): reads run in a real transaction begun in one hand-off to the
driver, and a connection goes back to the pool with no transaction open, whatever happened."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest
import sqlalchemy as sa

from schema.db import make_engine, make_sessionmaker


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'engine.db'}"


async def test_a_read_session_sees_one_snapshot(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as setup:
            await setup.exec_driver_sql("CREATE TABLE t (n INTEGER)")
            await setup.exec_driver_sql("INSERT INTO t VALUES (1)")
        async with make_sessionmaker(engine)() as reader:
            assert await reader.scalar(sa.text("SELECT count(*) FROM t")) == 1
            # Another connection commits meanwhile: the reader's transaction does not see it.
            async with engine.begin() as writer:
                await writer.exec_driver_sql("INSERT INTO t VALUES (2)")
            assert await reader.scalar(sa.text("SELECT count(*) FROM t")) == 1
        async with make_sessionmaker(engine)() as later:
            assert await later.scalar(sa.text("SELECT count(*) FROM t")) == 2
    finally:
        await engine.dispose()


async def test_a_connection_returned_in_a_transaction_is_rolled_back(url: str) -> None:
    # Only one connection is ever opened here, so each checkout gets that one back.
    engine = make_engine(url)
    try:
        async with engine.begin() as setup:
            await setup.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert isinstance(driver, aiosqlite.Connection)
            # A transaction SQLAlchemy does not know of: its own close will not end it.
            await driver.execute("BEGIN")
            await driver.execute("INSERT INTO t VALUES (1)")
            assert driver.in_transaction
        assert not driver.in_transaction, "the pool's reset rolled it back"
        async with engine.connect() as again:
            assert await again.scalar(sa.text("SELECT count(*) FROM t")) == 0
    finally:
        await engine.dispose()
