"""CO13/IF8 on PostgreSQL: a transaction aborted for a deadlock or a serialisation failure
is run again, and when it keeps failing the caller gets ``storage.unavailable`` — never a
driver exception.

The work handed to the store raises the driver's own exception classes (as the server
would), on a real PostgreSQL store: the retry loop of the adapter is what is tested.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from amparex_adapters.storage import postgres as pg_module
from amparex_adapters.storage.postgres import PostgresStorage
from amparex_adapters.storage.sql import Cursor
from amparex_core.domain.errors import AmparexError, StorageUnavailable

pytestmark = pytest.mark.integration

psycopg = pytest.importorskip("psycopg")


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresStorage]:
    """A PostgreSQL store on a fresh schema (the storage conftest's store is typed as the
    port; these tests need the adapter's own transaction runner)."""
    storage = PostgresStorage(pg_url)
    try:
        yield storage
    finally:
        storage.close()


@pytest.mark.parametrize(
    "error", [psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure]
)
def test_CO13_an_aborted_transaction_is_run_again_until_it_succeeds(
    store: PostgresStorage, error: type[Exception]
) -> None:
    calls: list[int] = []

    def work(cur: Cursor) -> int:
        calls.append(1)
        if len(calls) < 3:
            raise error("aborted by the server")
        cur.execute("SELECT 41 + 1")
        row = cur.fetchone()
        assert row is not None
        return int(row[0])

    assert store.write(work) == 42
    assert len(calls) == 3


def test_CO13_a_transaction_aborted_every_time_is_storage_unavailable(
    store: PostgresStorage,
) -> None:
    calls: list[int] = []

    def work(cur: Cursor) -> None:
        calls.append(1)
        raise psycopg.errors.DeadlockDetected("deadlock detected")

    with pytest.raises(StorageUnavailable) as caught:
        store.write(work)
    assert isinstance(caught.value, AmparexError)
    assert len(calls) == pg_module._RETRIES
    assert "deadlock detected" in caught.value.message("en")
    assert f"{pg_module._RETRIES} attempts" in caught.value.message("en")
    assert caught.value.message("de")
    # The store still works afterwards.
    assert store.write(lambda cur: 7) == 7
