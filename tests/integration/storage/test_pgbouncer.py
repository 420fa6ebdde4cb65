"""The PostgreSQL store behind PgBouncer in transaction pooling mode, and every driver error
mapped to a coded one.

The issue measured 0.1.0 through PgBouncer 1.18: ``DuplicatePreparedStatement`` as soon as
psycopg prepares a statement (its sixth execution) and another client meets that server
connection. The first test reproduces it with prepared statements switched on, so the
others can be seen to guard against it; by default the store prepares nothing. The
storage contract suite and its state machines run through PgBouncer in
``tests/contract`` (store ``postgres-pgbouncer``).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from amparex_adapters.storage.postgres import ERROR_MAP, PostgresStorage, translate_error
from amparex_core.domain.errors import AmparexError, StorageUnavailable
from tests.plugins.pgbouncer import PgBouncer

pytestmark = pytest.mark.integration


def _hammer(url: str, *, clients: int = 6, rounds: int = 30, **options: Any) -> list[AmparexError]:
    """*clients* stores, each in a thread, repeat the same statements *rounds* times."""
    found: list[AmparexError] = []
    stores = [PostgresStorage(url, max_size=2, **options) for _ in range(clients)]
    barrier = threading.Barrier(clients)

    def work(store: PostgresStorage) -> None:
        barrier.wait()
        for _ in range(rounds):
            try:
                store.next_serial("x")
                store.list_templates()
                store.get_upload("d", "f.csv")
            except AmparexError as exc:
                found.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    return found


def test_prepared_statements_break_behind_pgbouncer_and_are_off_by_default(
    pgbouncer_url: str,
) -> None:
    """The failure of 0.1.0, reproduced with psycopg's own default (prepare at the 6th run):
    a coded error naming the setting, never ``DuplicatePreparedStatement``; by default none."""
    failed = _hammer(pgbouncer_url, prepare_threshold=5)
    assert failed, "PgBouncer shared no prepared statement: the test cannot fail"
    assert all(isinstance(e, StorageUnavailable) for e in failed)
    assert any("prepare_threshold unset" in e.message() for e in failed)
    assert _hammer(pgbouncer_url) == []


def test_the_store_names_itself_and_keeps_no_session_state(pgbouncer: PgBouncer) -> None:
    url = pgbouncer.fresh_database()
    store = PostgresStorage(url, application_name="amparex-test-name")
    try:
        store.next_serial("x")
        with pgbouncer.cluster.connect("postgres") as conn:
            names = conn.execute(
                "SELECT application_name FROM pg_stat_activity WHERE datname = %s",
                (url.rpartition("/")[2],),
            ).fetchall()
        assert ("amparex-test-name",) in names
    finally:
        store.close()
    source = inspect.getsource(PostgresStorage)
    for stateful in ("LISTEN", "TEMPORARY", "TEMP TABLE", "SET ", "pg_advisory_lock("):
        assert stateful not in source


@pytest.fixture
def own_pgbouncer(pg_cluster: Any) -> Iterator[PgBouncer]:
    """A PgBouncer of this test alone (it is restarted or filled up), allowing 3 clients."""
    from tests.peers import require_executable

    executable = require_executable("pgbouncer", hint="the Debian package pgbouncer")
    bouncer = PgBouncer(executable, pg_cluster, max_client_conn=3)
    bouncer.start()
    try:
        yield bouncer
    finally:
        bouncer.stop()


def test_pgbouncers_own_refusal_is_a_coded_error(own_pgbouncer: PgBouncer) -> None:
    import psycopg

    url = own_pgbouncer.fresh_database()
    held = [psycopg.connect(url) for _ in range(3)]
    try:
        with pytest.raises(StorageUnavailable) as caught:
            PostgresStorage(url, timeout=5)
        assert "no more connections allowed" in caught.value.message()
    finally:
        for conn in held:
            conn.close()


def test_a_pgbouncer_restart_fails_only_what_is_under_way(own_pgbouncer: PgBouncer) -> None:
    url = own_pgbouncer.fresh_database()
    store = PostgresStorage(url, min_size=1, max_size=1, timeout=10)
    try:
        assert store.next_serial("x") == 1
        own_pgbouncer.restart()
        outcomes: list[int | str] = []
        for _ in range(3):
            try:
                outcomes.append(store.next_serial("x"))
            except StorageUnavailable as exc:
                outcomes.append(exc.code)
        assert outcomes in ([2, 3, 4], ["storage.unavailable", 2, 3])
    finally:
        store.close()


def _driver_classes() -> list[type[BaseException]]:
    import psycopg
    import psycopg_pool

    found: list[type[BaseException]] = []
    for module in (psycopg, psycopg.errors, psycopg_pool):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, psycopg.Error):
                found.append(value)
    return found


def test_every_driver_error_class_maps_to_a_coded_error() -> None:
    """No psycopg or psycopg_pool exception reaches the operator as ``[internal]``."""
    classes = _driver_classes()
    assert len(classes) > 200
    for cls in classes:
        try:
            exc = cls("boom")
        except TypeError:  # pragma: no cover - every class takes a message
            continue
        coded = translate_error(exc, "db")
        assert isinstance(coded, AmparexError), cls
        assert coded.code.startswith("storage."), cls
    assert translate_error(ValueError("ours"), "db") is None
    for module, name, _error, _note in ERROR_MAP:
        assert isinstance(getattr(__import__(module, fromlist=[name]), name), type)


def test_LL8_any_error_naming_a_psycopg_statement_says_to_leave_prepare_threshold_unset() -> None:
    """A statement prepared on another client's pooled session shows in three ways."""
    import psycopg.errors

    for exc in (
        psycopg.errors.DuplicatePreparedStatement('prepared statement "_pg3_2" already exists'),
        psycopg.errors.InvalidSqlStatementName('prepared statement "_pg3_0" does not exist'),
        psycopg.errors.ProtocolViolation(
            'bind message supplies 2 parameters, but prepared statement "_pg3_6" requires 1'
        ),
    ):
        coded = translate_error(exc, "db")
        assert coded is not None and coded.code == "storage.unavailable"
        assert str(exc) in str(coded) and "prepare_threshold unset" in str(coded), coded
    other = translate_error(psycopg.errors.ProtocolViolation("invalid frontend message"), "db")
    assert other is not None and "prepare_threshold" not in str(other)
