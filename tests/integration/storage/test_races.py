"""Process concurrency: 8 OS processes contest one interface scope, one process reference, one
UID and one upload claim at the same moment, round after round, on SQLite and on PostgreSQL
(IF8, CO13, CR3, LL8).

Per rule and store: 125 rounds x 8 processes = 1,000 contested attempts. Every round must
have exactly one winner; every other process gets the domain's answer naming the winner
(``InterfaceDuplicate`` / the existing order / ``CardUidTaken``) and nothing else is
written.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from collections.abc import Iterator
from multiprocessing.pool import Pool
from pathlib import Path

import pytest

from amparex_adapters.storage import open_storage
from amparex_core.domain.interfaces import InterfaceKind
from tests.integration.storage import builders as b
from tests.integration.storage import race_workers as w

pytestmark = pytest.mark.integration

WORKERS = 8
ROUNDS = 125
RULES = ("interface", "order", "uid", "claim")


@pytest.fixture(scope="module")
def race_pool() -> Iterator[Pool]:
    """Eight worker processes, started once, sharing one barrier."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    pool = ctx.Pool(WORKERS, initializer=w.init, initargs=(barrier,))
    try:
        yield pool
    finally:
        pool.close()
        pool.join()


@pytest.fixture(params=["sqlite", "postgres"])
def race_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'race.sqlite'}"
    url: str = request.getfixturevalue("pg_url")
    return url


def _prepare(url: str, rule: str) -> None:
    store = open_storage(url)
    try:
        if rule == "uid":
            cards = [
                b.card(w.card_number(r, worker)) for r in range(ROUNDS) for worker in range(WORKERS)
            ]
            assert store.create_batch(b.batch("SETUP", 0, []), cards)
    finally:
        store.close()


def _check_outcomes(rule: str, results: list[list[w.Outcome]]) -> dict[int, str]:
    winners: dict[int, str] = {}
    for round_no in range(ROUNDS):
        outcomes = [results[worker][round_no] for worker in range(WORKERS)]
        errors = [o for o in outcomes if o[0] == "error"]
        assert not errors, f"{rule} round {round_no}: {errors}"
        won = [o[1] for o in outcomes if o[0] == "won"]
        assert len(won) == 1, f"{rule} round {round_no}: {len(won)} winners"
        named = {o[1] for o in outcomes if o[0] == "dup"}
        assert named == {won[0]}, f"{rule} round {round_no}: losers named {named}"
        winners[round_no] = won[0]
    return winners


def _check_store(url: str, rule: str, winners: dict[int, str]) -> None:
    store = open_storage(url)
    try:
        if rule == "interface":
            stored = {c.branch: c.id for c in store.search_interfaces()}
            assert stored == {f"F{r:04d}": winners[r] for r in range(ROUNDS)}
            for r in (0, ROUNDS - 1):
                found = store.interface_candidates(
                    InterfaceKind.CARD_ORDER, branch=f"F{r:04d}", workstation=None
                )
                assert [c.id for c in found] == [winners[r]]
        elif rule == "order":
            orders = store.list_orders()
            assert sorted(o.id for o in orders) == sorted(winners.values())
            assert {str(o.process_ref) for o in orders} == {f"P-{r}" for r in range(ROUNDS)}
        elif rule == "claim":
            records = store.list_uploads()
            assert [r.name for r in records] == [f"f{r:04d}.csv" for r in range(ROUNDS)]
            assert all(r.attempts == 1 for r in records)
            assert [r.facts.sha256 for r in records] == [winners[r] for r in range(ROUNDS)]
        else:
            linked = [c for c in store.list_cards() if c.uid is not None]
            assert len(linked) == ROUNDS
            for r in range(ROUNDS):
                holder = store.card_by_uid(w.round_uid(r))
                assert holder is not None
                assert holder.number == winners[r]
    finally:
        store.close()


@pytest.mark.parametrize("rule", RULES)
def test_IF8_CO13_CR3_LL8_one_winner_per_contested_round(
    race_pool: Pool, race_url: str, rule: str
) -> None:
    """IF8 (interface scope), CO13 (process ref), CR3 (UID), LL8 (claim): 1,000 attempts each."""
    _prepare(race_url, rule)
    started = time.monotonic()
    results = race_pool.map(
        w.contest, [(rule, race_url, worker, ROUNDS) for worker in range(WORKERS)], chunksize=1
    )
    elapsed = time.monotonic() - started
    winners = _check_outcomes(rule, results)
    _check_store(race_url, rule, winners)
    attempts = sum(len(r) for r in results)
    assert attempts == WORKERS * ROUNDS >= 1000
    print(f"{rule} on {race_url.split(':')[0]}: {attempts} attempts, 0 duplicates, {elapsed:.2f}s")


def test_IF8_uniqueness_is_a_constraint_of_the_sqlite_schema(tmp_path: Path) -> None:
    """IF8, CO13, CR3: the database itself refuses a second row, whoever writes it."""
    path = tmp_path / "db.sqlite"
    open_storage(f"sqlite:///{path}").close()
    conn = sqlite3.connect(path)
    try:
        row = ("a", "card_order", "k", None, None, "{}")
        conn.execute("INSERT INTO interfaces VALUES (?, ?, ?, ?, ?, ?)", row)
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute("INSERT INTO interfaces VALUES (?, ?, ?, ?, ?, ?)", ("b", *row[1:]))
        order = ("o1", "P-1", "pending", "t", "d", None, "{}")
        conn.execute("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)", order)
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)", ("o2", *order[1:]))
        conn.execute("INSERT INTO cards VALUES (?, ?, ?)", ("1", "04A2", "{}"))
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute("INSERT INTO cards VALUES (?, ?, ?)", ("2", "04A2", "{}"))
    finally:
        conn.close()


def test_IF8_uniqueness_is_a_constraint_of_the_postgres_schema(pg_url: str) -> None:
    """IF8, CO13, CR3 on PostgreSQL: unique constraints, not only checks in Python."""
    import psycopg

    open_storage(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        row = ("a", "card_order", "k", None, None, "{}")
        conn.execute("INSERT INTO interfaces VALUES (%s, %s, %s, %s, %s, %s)", row)
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO interfaces VALUES (%s, %s, %s, %s, %s, %s)", ("b", *row[1:]))
        order = ("o1", "P-1", "pending", "t", "d", None, "{}")
        conn.execute("INSERT INTO orders VALUES (%s, %s, %s, %s, %s, %s, %s)", order)
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(
                "INSERT INTO orders VALUES (%s, %s, %s, %s, %s, %s, %s)", ("o2", *order[1:])
            )
        conn.execute("INSERT INTO cards VALUES (%s, %s, %s)", ("1", "04A2", "{}"))
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO cards VALUES (%s, %s, %s)", ("2", "04A2", "{}"))
