"""CO1 through the library: statistics on a real store file never read the store's secrets.

The guard lives in :class:`~amparex_adapters.statistics.sql.SqlStatisticSource`, so a host
application that builds the source itself (the README's way, or
:func:`~amparex_adapters.statistics.open_statistics`) gets it, not only the command.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from amparex_adapters.statistics import open_statistics
from amparex_adapters.statistics.sql import SqlStatisticSource
from amparex_adapters.storage import open_storage
from amparex_core.domain.errors import StatisticFailed
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceKind
from amparex_core.domain.masterdata import FileFormat, StatisticTemplate
from amparex_core.domain.secret import SecretRef
from amparex_core.ports.statistics import StatisticSource
from amparex_core.services import InterfaceService

KEY = "Kv-Schluessel-0815-geheim"

PRYING = [
    "SELECT data FROM interfaces",
    "SELECT * FROM interfaces",
    "SELECT (SELECT group_concat(data) FROM main.interfaces) AS x",
]


def _template(query: str) -> StatisticTemplate:
    return StatisticTemplate(id="ST-PRY", name="Neugier", file_format=FileFormat.CSV, query=query)


def _rows(source: StatisticSource, query: str) -> list[tuple[object, ...]]:
    with source.run(_template(query)) as result:
        return [tuple(row) for row in result.rows]


@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    """A SQLite store holding a card-order interface with its contract key in clear text.

    Today's stores keep only a reference to the key (OP6); a store of 0.1.0 kept the key
    itself until ``amparex interfaces move-keys``, and the guard protects that one too.
    """
    path = tmp_path / "amparex.sqlite"
    store = open_storage(f"sqlite:///{path}")
    try:
        InterfaceService(store).configure(
            InterfaceKind.CARD_ORDER, CardOrderSettings(contract="KV-1", key=SecretRef("card_key"))
        )
    finally:
        store.close()
    with sqlite3.connect(path) as raw:  # as 0.1.0 wrote it: the key is there
        (data,) = raw.execute("SELECT data FROM interfaces").fetchone()
        legacy = data.replace('{"secret":"card_key"}', json.dumps(KEY))
        assert legacy != data
        raw.execute("UPDATE interfaces SET data = ?", (legacy,))
    raw.close()
    return path


SOURCES: dict[str, Callable[[Path], StatisticSource]] = {
    "open_statistics": lambda path: open_statistics(f"sqlite:///{path}"),
    "own_connection": lambda path: SqlStatisticSource(lambda: sqlite3.connect(path)),
}


@pytest.mark.parametrize("query", PRYING)
@pytest.mark.parametrize("make", SOURCES.values(), ids=SOURCES.keys())
def test_CO1_a_statistic_reading_the_interface_settings_of_a_store_fails(
    store_file: Path, make: Callable[[Path], StatisticSource], query: str
) -> None:
    source = make(store_file)
    with pytest.raises(StatisticFailed) as caught:
        _rows(source, query)
    assert caught.value.code == "statistic.failed"
    assert "interfaces.data is prohibited" in caught.value.reason  # SQLite's refusal
    assert KEY not in caught.value.message("en")
    assert _rows(source, "SELECT kind FROM interfaces") == [("card_order",)]


def test_CO1_a_statistic_may_not_attach_another_database_to_the_store(
    store_file: Path, tmp_path: Path
) -> None:
    source = open_statistics(f"sqlite:///{store_file}")
    with pytest.raises(StatisticFailed, match="not authorized"):
        _rows(source, f"ATTACH DATABASE '{tmp_path / 'other.db'}' AS other")


def test_CO1_a_shared_connection_is_guarded_during_the_run_only(store_file: Path) -> None:
    """A connection its owner keeps (close_connection=False) gets its freedom back after."""
    connection = sqlite3.connect(store_file)
    try:
        source = SqlStatisticSource(lambda: connection, close_connection=False)
        with pytest.raises(StatisticFailed):
            _rows(source, "SELECT data FROM interfaces")
        assert connection.execute("SELECT count(data) FROM interfaces").fetchone() == (1,)
    finally:
        connection.close()


def test_CO1_the_guard_is_for_the_store_only_a_host_database_is_read_freely(
    tmp_path: Path,
) -> None:
    path = tmp_path / "host.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE interfaces (data TEXT)")
        db.execute("INSERT INTO interfaces VALUES ('host-row')")
    db.close()
    assert _rows(open_statistics(f"sqlite:///{path}"), "SELECT data FROM interfaces") == [
        ("host-row",)
    ]
