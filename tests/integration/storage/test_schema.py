"""Schema versions, forward migrations, storage URLs and stores that cannot be used."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from amparex_adapters.converters import stored
from amparex_adapters.storage import open_storage
from amparex_adapters.storage.memory import MemoryStorage
from amparex_adapters.storage.postgres import PostgresStorage, describe_conninfo
from amparex_adapters.storage.sql import SCHEMA_VERSION, migrations
from amparex_adapters.storage.sqlite import SqliteStorage
from amparex_core.domain.errors import StorageSchemaTooNew, StorageUnavailable
from amparex_core.domain.secret import SecretRef
from tests.integration.storage import builders as b
from tests.peers import free_port

pytestmark = pytest.mark.integration


def test_a_new_sqlite_database_gets_the_latest_schema(tmp_path: Path) -> None:
    store = SqliteStorage(tmp_path / "new.sqlite")
    try:
        assert store.schema_version() == SCHEMA_VERSION
    finally:
        store.close()
    conn = sqlite3.connect(tmp_path / "new.sqlite")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_an_older_sqlite_database_is_migrated_forward_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite"
    conn = sqlite3.connect(path)
    with conn:
        for statement in migrations()[0]:
            conn.execute(statement.format(blob="BLOB"))
        conn.execute("CREATE TABLE amparex_schema (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO amparex_schema VALUES (1)")
        card = b.card("1001", uid="04A22B9C")
        conn.execute(
            "INSERT INTO cards VALUES (?, ?, ?)",
            (card.number, "04A22B9C", stored.encode(card)),
        )
    conn.close()
    store = SqliteStorage(path)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.get_card("1001") == card
    finally:
        store.close()
    conn = sqlite3.connect(path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"md_branches", "md_document_templates", "cards"} <= tables
    finally:
        conn.close()


def test_a_newer_sqlite_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    SqliteStorage(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE amparex_schema SET version = ?", (SCHEMA_VERSION + 1,))
    conn.close()
    with pytest.raises(StorageSchemaTooNew) as caught:
        open_storage(f"sqlite:///{path}")
    assert caught.value.code == "storage.schema_too_new"
    assert caught.value.found == SCHEMA_VERSION + 1
    assert caught.value.supported == SCHEMA_VERSION
    assert "Schemaversion" in caught.value.message("de")
    conn = sqlite3.connect(path)
    try:
        assert (
            conn.execute("SELECT version FROM amparex_schema").fetchone()[0] == SCHEMA_VERSION + 1
        )
    finally:
        conn.close()


def test_a_newer_postgres_schema_is_refused(pg_url: str) -> None:
    import psycopg

    store = PostgresStorage(pg_url)
    assert store.schema_version() == SCHEMA_VERSION
    store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE amparex_schema SET version = %s", (SCHEMA_VERSION + 7,))
    with pytest.raises(StorageSchemaTooNew) as caught:
        open_storage(pg_url)
    assert caught.value.found == SCHEMA_VERSION + 7


def test_postgres_upgraded_by_many_at_once_migrates_once(pg_url_empty: str) -> None:
    import threading

    errors: list[BaseException] = []

    def open_close() -> None:
        try:
            PostgresStorage(pg_url_empty, schema="upgrade").close()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_close) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    store = PostgresStorage(pg_url_empty)
    try:
        status = store.schema_status()
        assert status.found == SCHEMA_VERSION
        assert [v for v, _at in status.applied] == list(range(1, SCHEMA_VERSION + 1))
    finally:
        store.close()


def test_storage_urls(tmp_path: Path) -> None:
    memory = open_storage("memory://")
    assert isinstance(memory, MemoryStorage)
    memory.close()
    for url in ("sqlite://", "sqlite:///:memory:"):
        store = open_storage(url)
        assert isinstance(store, SqliteStorage)
        assert store.path == ":memory:"
        store.close()
    file_store = open_storage(f"sqlite:///{tmp_path / 'x.sqlite'}")
    assert isinstance(file_store, SqliteStorage)
    assert file_store.path == str(tmp_path / "x.sqlite")
    file_store.close()
    # sqlite:///abs/path and sqlite:////abs/path name the same absolute file
    for url in (f"sqlite:///{str(tmp_path)[1:]}/y.sqlite", f"sqlite:////{tmp_path}/y.sqlite"):
        same = open_storage(url.replace("/////", "////"))
        assert isinstance(same, SqliteStorage)
        assert same.path == str(tmp_path / "y.sqlite")
        same.close()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysql://db/x", "unknown scheme"),
        ("/var/lib/db.sqlite", "not a storage URL"),
        ("sqlite://relative/path.sqlite", "absolute"),
        ("sqlite:///no/such/folder/db.sqlite", "folder"),
    ],
)
def test_unusable_storage_urls_are_clear_errors(url: str, reason: str) -> None:
    with pytest.raises(StorageUnavailable, match=reason) as caught:
        open_storage(url)
    assert caught.value.code == "storage.unavailable"


def test_a_file_that_is_no_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageUnavailable):
        SqliteStorage(path)


def test_an_unreachable_postgres_is_a_clear_error_without_the_password() -> None:
    url = f"postgresql://shop:s3cr3t-pw@127.0.0.1:{free_port()}/amparex?connect_timeout=1"
    with pytest.raises(StorageUnavailable) as caught:
        PostgresStorage(url, timeout=1.5)
    text = f"{caught.value} {caught.value.message('de')} {caught.value!r}"
    assert "s3cr3t-pw" not in text
    assert "shop@127.0.0.1" in text


def test_describe_conninfo_drops_passwords() -> None:
    assert describe_conninfo("host=db user=x password=geheim dbname=a") == "host=db user=x dbname=a"
    assert "geheim" not in describe_conninfo("postgresql://x:geheim@db/a")


def test_CO1_OP6_the_store_keeps_a_reference_to_the_key_never_the_key(tmp_path: Path) -> None:
    path = tmp_path / "secret.sqlite"
    store = SqliteStorage(path)
    try:
        store.add_interface(b.card_order_config("IF-1", key="card_key"))
        loaded = store.get_interface("IF-1")
        assert loaded.settings.key == SecretRef("card_key")  # type: ignore[union-attr]
    finally:
        store.close()
    raw = sqlite3.connect(path)
    try:
        (data,) = raw.execute("SELECT data FROM interfaces").fetchone()
    finally:
        raw.close()
    assert '"key":{"secret":"card_key"}' in data
