"""The listings are filtered, ordered and paged by the database through an index.

Every statement a listing runs is recorded and explained by the database itself: each
SELECT seeks an index and needs no sort of its own, on SQLite and on PostgreSQL (where the
planner is told to avoid sequential scans, so that a usable index is taken on a small
table too, and to sort only when no index gives the order). Nothing is sorted in Python
any more (the contract suite checks the order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from amparex_adapters.storage import open_storage
from amparex_adapters.storage.sql import Cursor, SqlStorage
from amparex_core.domain.orders import OrderStatus
from amparex_core.domain.uploads import UploadState

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


class _Recorder:
    def __init__(self, cur: Cursor, seen: list[tuple[str, Sequence[Any]]]) -> None:
        self._cur, self._seen = cur, seen

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._seen.append((sql, list(params)))
        self._cur.execute(sql, params)
        return self

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall()


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[SqlStorage]:
    url = (
        request.getfixturevalue("pg_url")
        if request.param == "postgres"
        else f"sqlite:///{tmp_path / 'plans.sqlite'}"
    )
    opened = open_storage(url)
    assert isinstance(opened, SqlStorage)
    try:
        yield opened
    finally:
        opened.close()


def _selects(store: SqlStorage, listing: Callable[[], object]) -> list[tuple[str, list[Any]]]:
    seen: list[tuple[str, Sequence[Any]]] = []
    read = store.read

    def traced(work: Callable[[Cursor], Any]) -> Any:
        return read(lambda cur: work(_Recorder(cur, seen)))

    store.read = traced  # type: ignore[method-assign]
    try:
        listing()
    finally:
        del store.read
    return [(sql, list(params)) for sql, params in seen if "ORDER BY" in sql]


def _plan(store: SqlStorage, sql: str, params: list[Any]) -> str:
    if store.blob_type == "BLOB":  # SQLite
        rows = store.read(lambda cur: cur.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())
        return "\n".join(str(r[-1]) for r in rows)

    def explain(cur: Cursor) -> list[Any]:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cur.execute(f"SET LOCAL {setting} = off")
        cur.execute("EXPLAIN " + sql, params)
        return cur.fetchall()

    return "\n".join(str(r[0]) for r in store.write(explain))


def test_listings_seek_an_index_and_sort_nothing(store: SqlStorage) -> None:
    store.claim_upload("d", "a.csv", _facts(), now=T0, lease=dt.timedelta(minutes=1))
    listings: list[Callable[[], object]] = [
        store.list_orders,
        lambda: store.list_orders(limit=5),
        lambda: store.list_orders(status=OrderStatus.PENDING, limit=5),
        lambda: store.list_orders(status=OrderStatus.PENDING, since=T0, limit=5),
        lambda: store.list_orders(since=T0, limit=5),
        lambda: store.list_orders(status=OrderStatus.PENDING),
        lambda: store.list_cards(limit=5, after="9276"),
        lambda: store.list_uploads(limit=5, after=("d", "a.csv")),
        lambda: store.list_uploads("d", state=UploadState.CLAIMED, limit=5),
    ]
    for listing in listings:
        (select,) = _selects(store, listing)
        plan = _plan(store, *select)
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, (select, plan)
        assert "INDEX" in plan.upper(), (select, plan)


def _facts() -> Any:
    from amparex_core.domain.uploads import FileFacts

    return FileFacts(size=1, sha256="ab" * 32)
