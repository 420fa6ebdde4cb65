"""Storage benchmarks: the SQL stores against raw SQL on the same database, in the same run.

* ``orders_10k_<store>`` — placing 10,000 orders with ``add_order``, one transaction each
  (serialising the order, the idempotency check by ``ON CONFLICT``), vs 10,000 raw
  single-row ``INSERT`` transactions of the same JSON documents into a plain table of the
  same database over the same driver and settings.
* ``resolve_10k_<store>`` — resolving card-ordering interfaces for 200 branch/workstation
  pairs among 10,000 configurations (``InterfaceService.available``: the indexed query,
  decoding, the date filter and the ordering) vs the raw indexed ``SELECT`` of the same
  rows.

SQLite runs on a file in a temporary folder (WAL, ``synchronous=FULL``). PostgreSQL runs on
``AMPAREX_BENCH_PG_URL`` when set, else on a private cluster started from the machine's
PostgreSQL binaries (fsync on). Run: ``python -m benchmarks.storage [sqlite|postgres]``.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from amparex_adapters.storage import _codec as codec
from amparex_adapters.storage._sql import SqlStorage
from amparex_adapters.storage.postgres import PostgresStorage
from amparex_adapters.storage.sqlite import SqliteStorage
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceConfig, InterfaceKind
from amparex_core.domain.text import name_key
from amparex_core.services import InterfaceService

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.integration.storage import builders  # noqa: E402

ORDERS = 10_000
CONFIGS = 10_000
LOOKUPS = 200


def report(name: str, ours: float, baseline: float) -> None:
    """Print one result line: ``name  ours  baseline  ratio``."""
    print(f"{name:28s}  {ours * 1000:10.2f}ms  {baseline * 1000:10.2f}ms  {ours / baseline:6.2f}x")


def timed(fn: Callable[[], object]) -> float:
    """Seconds one run of *fn* takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# ------------------------------------------------------------------ raw connections


class RawSqlite:
    """The baseline on SQLite: a bare connection with the store's settings."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        return self.conn.execute(sql, params).fetchall()

    def insert_tx(self, sql: str, params: tuple[Any, ...]) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute(sql, params)
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class RawPostgres:
    """The baseline on PostgreSQL: one autocommit psycopg connection."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        cur = self.conn.execute(sql.replace("?", "%s"), params)
        return cur.fetchall() if cur.description else []

    def insert_tx(self, sql: str, params: tuple[Any, ...]) -> None:
        self.conn.execute(sql.replace("?", "%s"), params)

    def close(self) -> None:
        self.conn.close()


# ------------------------------------------------------------------ cases


def orders_case(name: str, store: SqlStorage, raw: RawSqlite | RawPostgres) -> None:
    """10,000 add_order transactions vs 10,000 raw single-row insert transactions.

    The baseline table has the columns, keys and index of the store's ``orders`` table;
    both sides run in interleaved chunks of 500, so load on the machine hits both alike.
    """
    orders = [builders.order(f"O-{i:05d}", f"P-{i}") for i in range(ORDERS)]
    rows = [
        (
            o.id,
            str(o.process_ref),
            o.status.value,
            codec.instant_key(o.placed_at),
            o.period.end.isoformat(),
            None,
            codec.dump(codec.order_to_json(o)),
        )
        for o in orders
    ]
    raw.execute(
        "CREATE TABLE bench_orders (id TEXT PRIMARY KEY, process_ref TEXT NOT NULL UNIQUE,"
        " status TEXT NOT NULL, placed_at TEXT NOT NULL, period_end TEXT NOT NULL,"
        " batch_id TEXT, data TEXT NOT NULL)"
    )
    raw.execute("CREATE INDEX bench_orders_status ON bench_orders (status, period_end)")
    mine = base = 0.0
    chunk = 500
    for start in range(0, ORDERS, chunk):

        def ours(begin: int = start) -> None:
            for order in orders[begin : begin + chunk]:
                store.add_order(order)

        def baseline(begin: int = start) -> None:
            for row in rows[begin : begin + chunk]:
                raw.insert_tx("INSERT INTO bench_orders VALUES (?, ?, ?, ?, ?, ?, ?)", row)

        base += timed(baseline)
        mine += timed(ours)
    assert len(store.list_orders()) == ORDERS
    report(f"orders_10k_{name}", mine, base)


def _configs() -> list[InterfaceConfig]:
    settings = CardOrderSettings(contract="KV", key="k")
    return [
        InterfaceConfig(
            id=f"c{i}",
            kind=InterfaceKind.CARD_ORDER,
            settings=settings,
            display_name=f"n{i}",
            branch=f"F{i % 100:02d}",
            workstation=None if i % 3 else f"W{i}",
        )
        for i in range(CONFIGS)
    ]


def resolve_case(name: str, store: SqlStorage, raw: RawSqlite | RawPostgres) -> None:
    """InterfaceService.available among 10,000 configurations vs the raw indexed SELECT."""
    configs = _configs()

    def load(cur: Any) -> None:
        for config in configs:
            cur.execute(
                "INSERT INTO interfaces (id, kind, unique_key, branch, workstation_key, data)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    config.id,
                    config.kind.value,
                    config.uniqueness_key().text,
                    config.branch,
                    None if config.workstation is None else name_key(config.workstation),
                    codec.dump(codec.interface_to_json(config)),
                ),
            )

    store._write(load)
    raw.execute("ANALYZE")
    service = InterfaceService(store)
    on = dt.date(2026, 11, 23)
    places = [(f"F{i % 100:02d}", f"W{i * 37 % CONFIGS}") for i in range(LOOKUPS)]
    found = service.available(InterfaceKind.CARD_ORDER, branch="F07", workstation="W7", on=on)
    assert found

    def ours() -> None:
        for branch, workstation in places:
            service.available(
                InterfaceKind.CARD_ORDER, branch=branch, workstation=workstation, on=on
            )

    def baseline() -> None:
        for branch, workstation in places:
            raw.execute(
                "SELECT id, data FROM interfaces WHERE kind = ?"
                " AND (branch IS NULL OR branch = ?)"
                " AND (workstation_key IS NULL OR workstation_key = ?)",
                ("card_order", branch, name_key(workstation)),
            )

    baseline()
    ours()  # warm both up (statement caches, prepared statements)
    base = min(timed(baseline) for _ in range(3))
    mine = min(timed(ours) for _ in range(3))
    report(f"resolve_10k_{name}", mine, base)


# ------------------------------------------------------------------ stores


@contextmanager
def sqlite_stores() -> Iterator[tuple[Callable[[], tuple[SqlStorage, RawSqlite]], None]]:
    with tempfile.TemporaryDirectory(prefix="amparex-bench-") as folder:
        counter = iter(range(100))

        def make() -> tuple[SqlStorage, RawSqlite]:
            path = Path(folder) / f"bench-{next(counter)}.sqlite"
            return SqliteStorage(path), RawSqlite(path)

        yield make, None


@contextmanager
def postgres_stores() -> Iterator[tuple[Callable[[], tuple[SqlStorage, RawPostgres]], None]]:
    from tests.plugins.postgres import PgCluster, find_pg_bindir

    url = os.environ.get("AMPAREX_BENCH_PG_URL")
    cluster = None
    if url is None:
        bindir = find_pg_bindir()
        if bindir is None:
            raise SystemExit("no PostgreSQL binaries: set AMPAREX_BENCH_PG_URL")
        cluster = PgCluster(bindir, durable=True)
        cluster.start()
    try:

        def make() -> tuple[SqlStorage, RawPostgres]:
            assert cluster is not None or url is not None
            schema_url = cluster.fresh_schema() if cluster is not None else str(url)
            return PostgresStorage(schema_url), RawPostgres(schema_url)

        yield make, None
    finally:
        if cluster is not None:
            cluster.stop()


def run(name: str, stores: Any) -> None:
    with stores() as (make, _):
        for case in (orders_case, resolve_case):
            store, raw = make()
            try:
                case(name, store, raw)
            finally:
                raw.close()
                store.close()


def main() -> None:
    """Run the storage cases on SQLite and PostgreSQL (or those named on the command line)."""
    wanted = {a for a in sys.argv[1:] if a in ("sqlite", "postgres")} or {"sqlite", "postgres"}
    if "sqlite" in wanted:
        run("sqlite", sqlite_stores)
    if "postgres" in wanted:
        run("postgres", postgres_stores)


if __name__ == "__main__":
    main()
