"""Abuse of what reaches the store: storage URLs, process references, texts the database refuses.

Proven here:

* :func:`~amparex_adapters.storage.open_storage` takes any URL (unknown schemes, relative,
  percent-encoded NUL and invalid UTF-8, very long paths, query strings, malformed
  PostgreSQL URLs) and returns a store or refuses with ``storage.unavailable`` — a
  malformed PostgreSQL URL at once, not after the pool's timeout, and without echoing the
  token at fault (it may be a password); no file appears outside the store's own folder;
* :meth:`ProcessRef.parse` (CO13) parses any text or refuses with
  ``order.process_ref_invalid``; what it parses prints back to itself;
* on a real PostgreSQL server, a text the database cannot keep (a NUL character) in master
  data, interface names, template names and lookups is ``storage.value_invalid`` and the
  transaction writes nothing; SQLite refuses a lone surrogate the same way.
"""

from __future__ import annotations

import time
import urllib.parse
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from amparex_adapters.masterdata.sql import SqlMasterData
from amparex_adapters.storage import open_storage
from amparex_adapters.storage.sqlite import SqliteStorage
from amparex_core.domain.errors import AmparexError, StorageError
from amparex_core.domain.masterdata import Branch, Customer
from amparex_core.domain.orders import ProcessRef

from ._abuse import assert_refusal, outcome, snapshot

path_parts = st.sampled_from(
    [
        "db.sqlite",
        "sub",
        "..",
        ".",
        "%00",
        "%ff",
        "%2F",
        "?mode=ro",
        "#x",
        "x" * 300,
        "ä",
        ":memory:",
        "",
    ]
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    scheme=st.sampled_from(["sqlite", "SQLite", "memory", "ftp", "", "sqlite3", "file"]),
    slashes=st.sampled_from(["://", ":///", "://", "//", ":"]),
    parts=st.lists(path_parts, max_size=4),
    absolute=st.booleans(),
)
# Found by the random (dev) profile: "db.sqlite/." opened db.sqlite instead of refusing.
@example(scheme="sqlite", slashes="://", parts=["db.sqlite", "."], absolute=True)
@example(scheme="sqlite", slashes="://", parts=["sub", "..", "db.sqlite"], absolute=True)
def test_any_storage_url_opens_a_store_or_is_storage_unavailable(
    tmp_path: Path, scheme: str, slashes: str, parts: list[str], absolute: bool
) -> None:
    """open_storage: a store (closed again) or storage.unavailable; files only in tmp."""
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True, exist_ok=True)
    path = "/".join(parts)
    url = f"{scheme}{slashes}{root.as_posix() + '/' if absolute else ''}{path}"
    outside = snapshot(tmp_path)
    result = outcome(lambda: open_storage(url), url)
    created = set(snapshot(tmp_path)) - set(outside)
    if isinstance(result, AmparexError):
        assert isinstance(result, StorageError), result
        assert_refusal(result, code="storage.unavailable")
        assert not created, f"a refused URL left files: {created}"
    else:
        result.close()
        database = urllib.parse.unquote(url.partition("?")[0]).rsplit("/", 1)[-1]
        assert all(Path(name).name.startswith(database) for name in created), created


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://[::1",
        "postgresql://shop@127.0.0.1:1/amparex?bogus=1",
        "postgresql://shop:s3cr%zz@127.0.0.1:1/amparex",
        "postgres://%00@127.0.0.1:1/",
        "host=127.0.0.1 password s3cret-token",
    ],
)
def test_a_malformed_postgresql_url_is_refused_at_once_without_its_token(url: str) -> None:
    """storage.unavailable within seconds, not after the pool's 30 s; no password shown."""
    started = time.monotonic()
    result = outcome(lambda: open_storage(url) if "://" in url else _pg(url), url)
    assert isinstance(result, AmparexError), result
    assert_refusal(result, code="storage.unavailable")
    assert time.monotonic() - started < 10
    for token in ("s3cr", "bogus", "s3cret-token"):
        assert token not in result.message("en") and token not in result.message("de")


def _pg(conninfo: str) -> object:
    from amparex_adapters.storage.postgres import PostgresStorage

    return PostgresStorage(conninfo, timeout=5)


@given(text=st.text(max_size=20) | st.sampled_from(["a/b/c", "/", "a/", " / ", "\x00/x", "V-1/3"]))
def test_CO13_process_references_parse_or_are_refused(text: str) -> None:
    """ProcessRef.parse: a reference that prints back to itself, or order.process_ref_invalid."""
    result = outcome(lambda: ProcessRef.parse(text), text)
    if isinstance(result, AmparexError):
        assert_refusal(result, code="order.process_ref_invalid")
        return
    assert ProcessRef.parse(str(result)) == result
    assert result.process and "/" not in result.process


# ------------------------------------------------------------------ texts the database refuses


def _customers(store: object) -> list[tuple[object, ...]]:
    def work(cur: object) -> list[tuple[object, ...]]:
        cur.execute("SELECT id, data FROM md_customers ORDER BY id")  # type: ignore[attr-defined]
        return [tuple(r) for r in cur.fetchall()]  # type: ignore[attr-defined]

    return store.read(work)  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize("bad", ["K\x00", "\x00K", "Erika\x00Mustermann", "K\ud800"])
def test_a_nul_in_text_is_storage_value_invalid_on_postgresql(pg_url: str, bad: str) -> None:
    """PostgreSQL refuses NUL in a key, and a lone surrogate is no UTF-8 text: a coded
    refusal, and the whole transaction is undone.

    (Fields of a record are kept as JSON, where a NUL is escaped; a record's ID is not.)
    """
    from amparex_adapters.storage.postgres import PostgresStorage

    store = PostgresStorage(pg_url)
    try:
        data = SqlMasterData(store)
        data.add(Customer(id="K-OK", first_name="A", last_name="B"))
        before = _customers(store)
        result = outcome(
            lambda: data.add(
                Customer(id="K-2", first_name="A", last_name="B"),
                Customer(id=bad, first_name=bad, last_name="B"),
            ),
            bad,
        )
        assert isinstance(result, AmparexError), result
        assert_refusal(result, code="storage.value_invalid")
        assert _customers(store) == before, "part of a refused transaction was written"
        looked_up = outcome(lambda: data.customer(bad), bad)
        assert looked_up is None or isinstance(looked_up, AmparexError)
        found = outcome(lambda: store.get_card(bad), bad)
        assert found is None or isinstance(found, AmparexError)
    finally:
        store.close()


def test_a_lone_surrogate_is_storage_value_invalid_on_sqlite(tmp_path: Path) -> None:
    """SQLite keeps UTF-8 only: a lone surrogate is refused with a code, nothing written."""
    store = SqliteStorage(str(tmp_path / "s.sqlite"))
    try:
        data = SqlMasterData(store)
        data.add(Branch(id="F01", name="Stuttgart"))
        before = _customers(store)
        result = outcome(
            lambda: data.add(
                Customer(id="K-1", first_name="A", last_name="B"),
                Customer(id="K-2", first_name="\ud800", last_name="B"),
            ),
            "surrogate",
        )
        assert isinstance(result, AmparexError), result
        assert_refusal(result, code="storage.value_invalid")
        assert _customers(store) == before
    finally:
        store.close()
