"""A database of 0.1.0 opens and works: the same steps in the same order up to its version,
later versions only add; its rows read back, and orders are placed and listed on it (IF8,
CO13, CO14, CR3, LL8). A 0.1.0 SQLite file is upgraded when opened; a 0.1.0 PostgreSQL
schema is refused until it is upgraded explicitly (OP5), and keeps its rows.

The database is made from ``tests/golden/0.1.0/schema/store.sqlite.sql`` (the SQL text of
a small store written by 0.1.0, rows in every table) and the steps from
``…/schema/migrations.json`` — both written once by 0.1.0 (``tests/golden/make_golden.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from pathlib import Path

import attrs
import pytest

from amparex_adapters.masterdata.sql import SqlMasterData
from amparex_adapters.storage.postgres import PostgresStorage
from amparex_adapters.storage.sql import SCHEMA_VERSION, SqlStorage, migrations
from amparex_adapters.storage.sql.schema import versions
from amparex_adapters.storage.sqlite import SqliteStorage
from amparex_core.domain.errors import InterfaceDuplicate, StorageSchemaTooOld
from amparex_core.domain.interfaces import CardOrderSettings
from amparex_core.domain.orders import BatchStatus, OrderStatus, ProcessRef
from amparex_core.domain.secret import SecretRef
from amparex_core.domain.uploads import ClaimResult, UploadState
from tests.golden import cases as c

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).parents[2] / "golden" / "0.1.0" / "schema"


def test_the_families_add_up_to_the_steps_of_0_1_0_in_the_same_order() -> None:
    steps = json.loads((GOLDEN / "migrations.json").read_text(encoding="utf-8"))
    # Released steps never change; later versions only add steps after them.
    assert [list(step) for step in migrations()][: len(steps)] == steps
    assert len(steps) <= SCHEMA_VERSION == len(migrations())


def test_OP5_every_version_after_0_1_0_only_adds() -> None:
    """0.1.0 predates the window; from its schema on each version only adds so far."""
    steps = json.loads((GOLDEN / "migrations.json").read_text(encoding="utf-8"))
    assert all(version.additive for version in versions()[len(steps) :])


def _schema(path: Path) -> set[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    return {(str(t), str(n), str(s)) for t, n, s in rows}


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    """A SQLite file with the tables and rows 0.1.0 wrote."""
    path = tmp_path / "store-0.1.0.sqlite"
    conn = sqlite3.connect(path)
    try:
        conn.executescript((GOLDEN / "store.sqlite.sql").read_text(encoding="utf-8"))
    finally:
        conn.close()
    return path


#: What the versions after 0.1.0 add to its schema (tables and indexes by name).
ADDED_SINCE_0_1_0 = {
    "batch_deliveries",
    "sqlite_autoindex_batch_deliveries_1",
    "orders_placed",
    "orders_status_placed",
    "amparex_schema_steps",
    "runs",  # the run log and the alert ledger (schema version 5, OP1, OP3)
    "sqlite_autoindex_runs_1",
    "runs_place",
    "runs_ended",
    "alerts",
    "sqlite_autoindex_alerts_1",
}


def test_a_new_database_has_the_schema_of_0_1_0_and_what_was_added(
    old_file: Path, tmp_path: Path
) -> None:
    SqliteStorage(tmp_path / "new.sqlite").close()
    new, old = _schema(tmp_path / "new.sqlite"), _schema(old_file)
    assert old <= new
    assert {name for _, name, _ in new - old} <= ADDED_SINCE_0_1_0


def _reads_back(store: SqlStorage) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    assert {i.id for i in store.search_interfaces()} == {
        "IF-CO-1",
        "IF-CO-2",
        "IF-LL-1",
        "IF-LL-2",
    }
    assert store.get_interface("IF-CO-1") == c.CARD_ORDER_FULL
    assert store.get_interface("IF-LL-2") == c.LOYALTY_SOME
    assert store.list_templates() == [c.BASIS, c.GOLD, c.STAFF]
    orders = {o.id: o for o in store.list_orders()}
    assert orders["O-1"] == c.ORDER_CANCELLED
    assert orders["O-2"] == c.ORDER_DISPATCHED
    assert orders["O-3"] == c.ORDER_BATCHED
    assert store.order_by_process_ref(ProcessRef("V-2026-0043", "3")) == c.ORDER_DISPATCHED
    batches = store.list_batches()
    assert [b.id for b in batches] == ["B-2026-0001", "B-2026-0002"]
    assert batches[0] == c.BATCH_OPEN
    assert batches[1].status is BatchStatus.DELIVERED
    assert store.get_card(c.CARD_BLOCKED.number) == c.CARD_BLOCKED
    assert c.CARD_UID.uid is not None
    assert store.card_by_uid(c.CARD_UID.uid) == c.CARD_UID
    assert store.get_card(c.CARD_EXPIRED.number) == c.CARD_EXPIRED
    assert store.get_upload(c.UPLOAD_CLAIMED.destination, c.UPLOAD_CLAIMED.name) == (
        c.UPLOAD_CLAIMED
    )
    assert store.get_upload(c.UPLOAD_DONE.destination, c.UPLOAD_DONE.name) == c.UPLOAD_DONE
    data = SqlMasterData(store)
    for items in c.MASTER_ITEMS.values():
        for item in items:
            getter = {
                "Branch": data.branch,
                "Customer": data.customer,
                "Employee": data.employee,
                "DocumentTemplate": data.document_template,
                "StatisticTemplate": data.statistic_template,
            }[type(item).__name__]
            assert getter(item.id) == item


def _works_on(store: SqlStorage) -> None:
    assert store.next_serial("cards") == 4
    placed = attrs.evolve(
        c.ORDER_PENDING, id="O-4", process_ref=ProcessRef("V-2026-0099"), card_number="N-4"
    )
    assert store.add_order(placed) == (placed, True)
    again = attrs.evolve(placed, id="O-5")
    assert store.add_order(again) == (placed, False)  # CO13 on the old unique index
    assert [o.id for o in store.list_orders(status=OrderStatus.PENDING)] == ["O-4"]
    assert isinstance(c.CARD_ORDER_FULL.settings, CardOrderSettings)
    settings = attrs.evolve(c.CARD_ORDER_FULL.settings, key=SecretRef("card_key"))
    with pytest.raises(InterfaceDuplicate):  # IF8 on the old unique index
        store.add_interface(attrs.evolve(c.CARD_ORDER_FULL, id="IF-CO-9", settings=settings))
    now = c.UPLOAD_CLAIMED.claimed_at + dt.timedelta(hours=1)
    result, record = store.claim_upload(
        c.UPLOAD_CLAIMED.destination,
        c.UPLOAD_CLAIMED.name,
        c.UPLOAD_CLAIMED.facts,
        now=now,
        lease=dt.timedelta(minutes=10),
    )
    assert result is ClaimResult.CLAIMED
    assert record is not None
    assert record.attempts == 2
    done = store.complete_upload(record.destination, record.name, receipt="r", now=now)
    assert done.state is UploadState.UPLOADED


def test_a_0_1_0_sqlite_file_opens_with_only_additive_steps_and_works(
    old_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="amparex_adapters")
    store = SqliteStorage(old_file)
    try:
        migrated = [r.getMessage() for r in caplog.records if "migrated" in r.getMessage()]
        # A local SQLite file takes the additive steps after 0.1.0's version 2 on opening.
        assert migrated == [
            f"sqlite:///{old_file}: migrated the schema from version 2 to {SCHEMA_VERSION}"
        ]
        _reads_back(store)
        _works_on(store)
        assert store.integrity_check() == ["ok"]
    finally:
        store.close()


def test_OP5_a_0_1_0_postgres_schema_is_refused_until_upgraded_then_works(
    old_file: Path, pg_url_empty: str
) -> None:
    import psycopg

    pg_url = pg_url_empty
    sqlite = sqlite3.connect(old_file)
    steps = json.loads((GOLDEN / "migrations.json").read_text(encoding="utf-8"))
    with psycopg.connect(pg_url, autocommit=True) as conn, conn.transaction():
        for step in steps:
            for statement in step:
                conn.execute(statement.format(blob="BYTEA"))
        conn.execute("CREATE TABLE amparex_schema (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO amparex_schema VALUES (%s)", (len(steps),))
        tables = [
            r[0]
            for r in sqlite.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'amparex_schema'"
            )
        ]
        for table in tables:
            for row in sqlite.execute(f"SELECT * FROM {table}"):
                marks = ", ".join(["%s"] * len(row))
                conn.execute(f"INSERT INTO {table} VALUES ({marks})", row)
    sqlite.close()
    with pytest.raises(StorageSchemaTooOld) as caught:
        PostgresStorage(pg_url)
    assert (caught.value.found, caught.value.required) == (2, SCHEMA_VERSION)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT version FROM amparex_schema").fetchone() == (2,)
    PostgresStorage(pg_url, schema="upgrade").close()
    store = PostgresStorage(pg_url)
    try:
        _reads_back(store)
        _works_on(store)
    finally:
        store.close()
