"""Storage benchmarks: the SQL stores against raw SQL on the same database, in the same run.

* ``orders_10k_<store>`` — placing 10,000 orders with ``add_order``, one transaction each
  (serialising the order, the idempotency check by ``ON CONFLICT``), vs 10,000 raw
  single-row ``INSERT`` transactions of the same JSON documents into a plain table of the
  same database over the same driver and settings; the 10,000 are spread over the rounds
  (2,000 per side and round with 5 rounds).
* ``orders_10k_<store>_same_indexes`` — the same, but the baseline's table has every
  index the store's ``orders`` table has (the two listing indexes of schema step 4
  too): what the store costs beyond the rows and index entries it must write. No target.
* ``resolve_10k_<store>`` — resolving card-ordering interfaces for 200 branch/workstation
  pairs among 10,000 configurations (``InterfaceService.available``: the indexed query,
  decoding, the date filter and the ordering) vs the raw indexed ``SELECT`` of the same
  rows.

SQLite runs on a file in a temporary folder (WAL, ``synchronous=FULL``). PostgreSQL runs on
``AMPAREX_BENCH_PG_URL`` when set, else on a private cluster started from the machine's
PostgreSQL binaries (fsync on). Run: ``python -m benchmarks storage``.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.integration.storage import builders

from amparex_adapters.converters import stored
from amparex_adapters.storage.postgres import PostgresStorage
from amparex_adapters.storage.sql import SqlStorage, instant_key
from amparex_adapters.storage.sqlite import SqliteStorage
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceConfig, InterfaceKind
from amparex_core.domain.secret import SecretRef
from amparex_core.domain.text import name_key
from amparex_core.services import InterfaceService
from benchmarks._harness import Case, Group, PeerMissing, Run

ORDERS = 10_000
CONFIGS = 10_000
LOOKUPS = 200


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


#: The indexes of the store's ``orders`` table: schema step 1's, then step 4's two.
ORDER_INDEXES = ("(status, period_end)", "(placed_at, id)", "(status, placed_at, id)")


def orders_case(
    name: str,
    store: SqlStorage,
    raw: RawSqlite | RawPostgres,
    run: Run,
    *,
    same_indexes: bool = False,
) -> Case:
    """10,000 add_order transactions vs 10,000 raw single-row insert transactions.

    The baseline table has the columns and keys of the store's ``orders`` table and its
    first index (``orders_status``), not the two listing indexes of schema step 4
    (``orders_placed``, ``orders_status_placed``) that the store writes with every order
    too, unless *same_indexes* (then it has all three, and the case's name ends in
    ``_same_indexes``); each round places the next ``total / rounds`` orders on each side.
    """
    total = run.scaled(ORDERS, run.rounds)
    per_round = total // run.rounds
    orders = [builders.order(f"O-{i:05d}", f"P-{i}") for i in range(per_round * run.rounds)]
    rows = [
        (
            o.id,
            str(o.process_ref),
            o.status.value,
            instant_key(o.placed_at),
            o.period.end.isoformat(),
            None,
            stored.encode(o),
        )
        for o in orders
    ]
    raw.execute(
        "CREATE TABLE bench_orders (id TEXT PRIMARY KEY, process_ref TEXT NOT NULL UNIQUE,"
        " status TEXT NOT NULL, placed_at TEXT NOT NULL, period_end TEXT NOT NULL,"
        " batch_id TEXT, data TEXT NOT NULL)"
    )
    for n, columns in enumerate(ORDER_INDEXES if same_indexes else ORDER_INDEXES[:1]):
        raw.execute(f"CREATE INDEX bench_orders_{n} ON bench_orders {columns}")
    chunks = {"ours": 0, "baseline": 0}

    def ours() -> None:
        begin = chunks["ours"] * per_round
        chunks["ours"] += 1
        for order in orders[begin : begin + per_round]:
            store.add_order(order)

    def baseline() -> None:
        begin = chunks["baseline"] * per_round
        chunks["baseline"] += 1
        for row in rows[begin : begin + per_round]:
            raw.insert_tx("INSERT INTO bench_orders VALUES (?, ?, ?, ?, ?, ?, ?)", row)

    def check() -> None:
        if len(store.list_orders()) != len(orders):
            raise AssertionError("not every order was stored")

    if same_indexes:
        return Case(
            f"orders_10k_{name}_same_indexes",
            f"raw single-row INSERT transactions of the same JSON documents into a table "
            f"with the store's three indexes ({name})",
            ours,
            baseline,
            check=check,
            params={"orders": len(orders), "orders_per_round": per_round},
            note="ours builds the JSON document per order, the baseline inserts prebuilt rows; "
            "both write the same index entries",
        )
    return Case(
        f"orders_10k_{name}",
        f"raw single-row INSERT transactions of the same JSON documents ({name})",
        ours,
        baseline,
        check=check,
        target=1.3 if name == "sqlite" else None,  # issue 16
        params={"orders": len(orders), "orders_per_round": per_round},
        note=(
            "ours builds the JSON document per order and writes two more indexes (the listing"
            " indexes of schema step 4), the baseline inserts prebuilt rows"
        ),
    )


def orders_same_indexes_case(
    name: str, store: SqlStorage, raw: RawSqlite | RawPostgres, run: Run
) -> Case:
    """:func:`orders_case` against a baseline table with the store's three indexes."""
    return orders_case(name, store, raw, run, same_indexes=True)


def _configs(count: int) -> list[InterfaceConfig]:
    settings = CardOrderSettings(contract="KV", key=SecretRef("card_key"))
    return [
        InterfaceConfig(
            id=f"c{i}",
            kind=InterfaceKind.CARD_ORDER,
            settings=settings,
            display_name=f"n{i}",
            branch=f"F{i % 100:02d}",
            workstation=None if i % 3 else f"W{i}",
        )
        for i in range(count)
    ]


def resolve_case(name: str, store: SqlStorage, raw: RawSqlite | RawPostgres, run: Run) -> Case:
    """InterfaceService.available among 10,000 configurations vs the raw indexed SELECT."""
    count = run.scaled(CONFIGS, 100)
    configs = _configs(count)

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
                    stored.encode(config),
                ),
            )

    store.write(load)
    raw.execute("ANALYZE")
    service = InterfaceService(store)
    on = dt.date(2026, 11, 23)
    lookups = run.scaled(LOOKUPS, 10)
    places = [(f"F{i % 100:02d}", f"W{i * 37 % count}") for i in range(lookups)]
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

    return Case(
        f"resolve_10k_{name}",
        f"the raw indexed SELECT of the same rows ({name})",
        ours,
        baseline,
        warmup=1,  # statement caches, prepared statements
        target=1.5 if name == "sqlite" else None,  # issue 16
        params={"configurations": count, "lookups_per_call": lookups},
        note="ours: the indexed query plus decoding, the date filter and the ordering",
    )


# ------------------------------------------------------------------ stores

#: The cases of each store, in order; each gets a fresh database.
CASES = (orders_case, orders_same_indexes_case, resolve_case)


def sqlite_cases(run: Run) -> Iterator[Case]:
    """The cases on a SQLite file (WAL, synchronous=FULL)."""
    with tempfile.TemporaryDirectory(prefix="amparex-bench-") as folder:
        for n, make_case in enumerate(CASES):
            path = Path(folder) / f"bench-{n}.sqlite"
            store, raw = SqliteStorage(path), RawSqlite(path)
            try:
                yield make_case("sqlite", store, raw, run)
            finally:
                raw.close()
                store.close()


def postgres_cases(run: Run) -> Iterator[Case]:
    """The cases on PostgreSQL (``AMPAREX_BENCH_PG_URL`` or a private durable cluster)."""
    from tests.plugins.postgres import PgCluster, find_pg_bindir

    url = os.environ.get("AMPAREX_BENCH_PG_URL")
    cluster = None
    if url is None:
        bindir = find_pg_bindir()
        if bindir is None:
            raise PeerMissing("no PostgreSQL binaries (set AMPAREX_BENCH_PG_URL)")
        cluster = PgCluster(bindir, durable=True)
    try:
        if cluster is not None:
            cluster.start()
        for make_case in CASES:
            schema_url = cluster.fresh_schema() if cluster is not None else str(url)
            store, raw = PostgresStorage(schema_url), RawPostgres(schema_url)
            try:
                yield make_case("postgres", store, raw, run)
            finally:
                raw.close()
                store.close()
    finally:
        if cluster is not None:
            cluster.stop()


GROUPS = (
    Group(
        ("orders_10k_sqlite", "orders_10k_sqlite_same_indexes", "resolve_10k_sqlite"),
        sqlite_cases,
    ),
    Group(
        ("orders_10k_postgres", "orders_10k_postgres_same_indexes", "resolve_10k_postgres"),
        postgres_cases,
    ),
)
