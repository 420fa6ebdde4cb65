"""What the SQL stores log, on real databases: migrations applied, PostgreSQL's aborted
transactions run again, retries that run out, dead pooled connections dropped — at INFO
or WARNING, and never with a password (CO1).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from amparex_adapters.storage.postgres import PostgresStorage
from amparex_adapters.storage.sql import SCHEMA_VERSION, Cursor, migrations
from amparex_adapters.storage.sqlite import SqliteStorage
from amparex_core.domain.errors import StorageUnavailable
from tests.plugins.postgres import PgCluster, running_cluster

pytestmark = pytest.mark.integration

psycopg = pytest.importorskip("psycopg")

USER = "amparex_logged"
PASSWORD = "Log-Pa55/w0rd"  # a test login; must never appear in a log record


def records(caplog: pytest.LogCaptureFixture, logger: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger]


def assert_no_password(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        text = record.getMessage()
        assert PASSWORD not in text
        assert quote(PASSWORD, safe="") not in text


def test_a_new_sqlite_store_logs_its_migration_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="amparex_adapters")
    path = tmp_path / "new.sqlite"
    SqliteStorage(path).close()
    (migrated,) = records(caplog, "amparex_adapters.storage.sql.core")
    assert migrated.levelno == logging.INFO
    assert migrated.getMessage() == (
        f"sqlite:///{path}: migrated the schema from version 0 to {SCHEMA_VERSION}"
    )
    caplog.clear()
    SqliteStorage(path).close()
    assert records(caplog, "amparex_adapters.storage.sql.core") == []


def test_an_older_sqlite_store_logs_from_which_version(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "v1.sqlite"
    conn = sqlite3.connect(path)
    with conn:
        for statement in migrations()[0]:
            conn.execute(statement.format(blob="BLOB"))
        conn.execute("CREATE TABLE amparex_schema (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO amparex_schema VALUES (1)")
    conn.close()
    caplog.set_level(logging.INFO, logger="amparex_adapters")
    store = SqliteStorage(path)
    store.close()
    (migrated,) = records(caplog, "amparex_adapters.storage.sql.core")
    assert f"from version 1 to {SCHEMA_VERSION}" in migrated.getMessage()


@pytest.fixture
def login_url(pg_cluster: PgCluster) -> str:
    """A password login with a schema of its own, emptied for each test."""
    pg_cluster.add_login(USER, PASSWORD)
    with pg_cluster.connect() as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {USER} CASCADE")
        conn.execute(f"CREATE SCHEMA {USER} AUTHORIZATION {USER}")
    return (
        f"postgresql://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{pg_cluster.port}/amparex"
        f"?options=-csearch_path%3D{USER}"
    )


@pytest.fixture
def store(login_url: str) -> Iterator[PostgresStorage]:
    storage = PostgresStorage(login_url)
    try:
        yield storage
    finally:
        storage.close()


def test_a_new_postgres_store_logs_its_migration_without_the_password(
    login_url: str, pg_cluster: PgCluster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="amparex_adapters")
    PostgresStorage(login_url).close()
    (migrated,) = records(caplog, "amparex_adapters.storage.sql.core")
    assert migrated.getMessage() == (
        f"postgresql://{USER}@127.0.0.1:{pg_cluster.port}/amparex:"
        f" migrated the schema from version 0 to {SCHEMA_VERSION}"
    )
    assert_no_password(caplog)


@pytest.mark.parametrize(
    "error", [psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure]
)
def test_CO13_each_transaction_the_server_aborts_is_logged_with_its_attempt(
    store: PostgresStorage, error: type[Exception], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="amparex_adapters")
    calls: list[int] = []

    def work(cur: Cursor) -> int:
        calls.append(1)
        if len(calls) < 3:
            raise error("aborted by the server")
        return int(cur.execute("SELECT 42").fetchone()[0])

    assert store.write(work) == 42
    retried = records(caplog, "amparex_adapters.storage.postgres")
    assert [r.levelno for r in retried] == [logging.INFO, logging.INFO]
    assert "attempt 1 of 10" in retried[0].getMessage()
    assert "attempt 2 of 10" in retried[1].getMessage()
    assert error.__name__ in retried[0].getMessage()
    assert_no_password(caplog)


def test_CO13_retries_that_run_out_are_a_warning_before_storage_unavailable(
    store: PostgresStorage, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="amparex_adapters")

    def work(cur: Cursor) -> None:
        raise psycopg.errors.DeadlockDetected("deadlock detected")

    with pytest.raises(StorageUnavailable):
        store.write(work)
    logged = [r for r in caplog.records if r.name.startswith("amparex_adapters.storage")]
    assert [r.levelno for r in logged] == [logging.INFO] * 9 + [logging.WARNING]
    assert "attempt 9 of 10" in logged[8].getMessage()
    assert "giving up: deadlock detected (gave up after 10 attempts)" in logged[9].getMessage()
    assert_no_password(caplog)


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[PgCluster]:
    """A PostgreSQL cluster of this module alone: it may be restarted."""
    with running_cluster() as cluster:
        yield cluster


def test_CO13_a_pooled_connection_the_server_ended_is_dropped_with_a_warning(
    own_cluster: PgCluster, caplog: pytest.LogCaptureFixture
) -> None:
    own_cluster.add_login(USER, PASSWORD)
    url = (
        f"postgresql://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{own_cluster.port}/amparex"
        f"?options=-csearch_path%3D{USER}"
    )
    store = PostgresStorage(url, min_size=1, max_size=1)
    try:
        assert store.next_serial("x") == 1
        own_cluster.restart("fast")
        caplog.set_level(logging.INFO, logger="amparex_adapters")
        assert store.next_serial("x") == 2
    finally:
        store.close()
    dropped: list[Any] = [
        r
        for r in records(caplog, "amparex_adapters.storage.postgres")
        if "dropped a pooled connection" in r.getMessage()
    ]
    assert dropped
    assert dropped[0].levelno == logging.WARNING
    assert_no_password(caplog)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_LL8_a_claim_taken_over_after_its_lease_is_logged(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import datetime as dt

    from amparex_adapters.storage.memory import MemoryStorage
    from amparex_core.domain.uploads import ClaimResult, FileFacts

    store = MemoryStorage() if kind == "memory" else SqliteStorage(tmp_path / "l.sqlite")
    caplog.set_level(logging.INFO, logger="amparex_adapters")
    now, lease = dt.datetime(2026, 11, 23, 6, tzinfo=dt.UTC), dt.timedelta(minutes=10)
    facts = FileFacts(size=3, sha256="ab" * 32)
    try:
        assert store.claim_upload("LL-1", "a.csv", facts, now=now, lease=lease)[0] is (
            ClaimResult.CLAIMED
        )
        assert store.claim_upload("LL-1", "a.csv", facts, now=now, lease=lease)[0] is (
            ClaimResult.IN_PROGRESS
        )
        assert not [r for r in caplog.records if "took over" in r.getMessage()]
        later = now + lease
        assert store.claim_upload("LL-1", "a.csv", facts, now=later, lease=lease)[0] is (
            ClaimResult.CLAIMED
        )
    finally:
        store.close()
    (taken,) = [r for r in caplog.records if "took over" in r.getMessage()]
    assert taken.levelno == logging.INFO
    assert "a.csv to LL-1" in taken.getMessage()
    assert "(attempt 2)" in taken.getMessage()
