"""The adapters every contract suite runs against, by port.

Each entry maps a name to a factory ``(request) -> adapter`` (``request`` is pytest's
FixtureRequest, so a factory can use fixtures of real peers such as a PostgreSQL cluster
from ``tests/plugins/``). A new adapter joins a suite by adding one entry here: never by
copying a suite.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from amparex_adapters.clock.manual import ManualClock
from amparex_adapters.clock.system import SystemClock
from amparex_adapters.delivery.memory import RecordingFileDelivery, RecordingParcelDelivery
from amparex_adapters.documents.text import TextPdfRenderer
from amparex_adapters.exports.memory import MemoryExportTarget
from amparex_adapters.masterdata.memory import MemoryMasterData
from amparex_adapters.masterdata.sql import SqlMasterData
from amparex_adapters.readers.scripted import ScriptedReader
from amparex_adapters.statistics.memory import MemoryStatisticSource
from amparex_adapters.storage.memory import MemoryStorage
from amparex_adapters.storage.postgres import PostgresStorage
from amparex_adapters.storage.sqlite import SqliteStorage
from amparex_core.ports import (
    CardWriter,
    Clock,
    DocumentRenderer,
    ExportTarget,
    FileDelivery,
    MasterData,
    ParcelDelivery,
    Storage,
)

Factory = Callable[[pytest.FixtureRequest], Any]

_files = itertools.count(1)


def _sqlite_file(request: pytest.FixtureRequest) -> SqliteStorage:
    folder: Path = request.getfixturevalue("tmp_path")
    return SqliteStorage(folder / f"store-{next(_files)}.sqlite")


def _sqlite_memory(request: pytest.FixtureRequest) -> SqliteStorage:
    return SqliteStorage()


def _postgres(request: pytest.FixtureRequest) -> PostgresStorage:
    from tests.plugins.postgres import PgCluster

    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return PostgresStorage(cluster.fresh_schema())


STORAGE: dict[str, Callable[[pytest.FixtureRequest], Storage]] = {
    "memory": lambda request: MemoryStorage(),
    "sqlite-file": _sqlite_file,
    "sqlite-memory": _sqlite_memory,
    "postgres": _postgres,
}
"""Stores. Each call gives a new, empty store (PostgreSQL: a fresh schema of the private
test cluster of ``tests/plugins/postgres.py``)."""


def _sql_masterdata(
    make_store: Callable[[pytest.FixtureRequest], SqliteStorage | PostgresStorage],
) -> Callable[[pytest.FixtureRequest], tuple[MasterData, Callable[..., None]]]:
    def factory(request: pytest.FixtureRequest) -> tuple[MasterData, Callable[..., None]]:
        store = make_store(request)
        request.addfinalizer(store.close)
        data = SqlMasterData(store)
        return data, data.add

    return factory


MASTERDATA: dict[str, Callable[[pytest.FixtureRequest], tuple[MasterData, Callable[..., None]]]] = {
    "memory": lambda request: (lambda m: (m, m.add))(MemoryMasterData()),
    "sql-sqlite": _sql_masterdata(_sqlite_file),
    "sql-postgres": _sql_masterdata(_postgres),
}
"""Master data: ``(port, add)`` where ``add(*records)`` fills it."""


def _memory_export(request: pytest.FixtureRequest) -> tuple[ExportTarget, str]:
    target = MemoryExportTarget(["/exports/ll"])
    return target, "/exports/ll"


EXPORT_TARGETS: dict[str, Callable[[pytest.FixtureRequest], tuple[ExportTarget, str]]] = {
    "memory": _memory_export,
}
"""Export targets: ``(target, an existing empty directory)``."""

FILE_DELIVERIES: dict[
    str, Callable[[pytest.FixtureRequest], tuple[FileDelivery, Callable[[str], bytes | None]]]
] = {
    "memory": lambda request: (lambda d: (d, d.files.get))(RecordingFileDelivery()),
}
"""File deliveries: ``(delivery, fetch)`` where ``fetch(name)`` reads the remote file."""

PARCEL_DELIVERIES: dict[
    str, Callable[[pytest.FixtureRequest], tuple[ParcelDelivery, Callable[[str], Any]]]
] = {
    "memory": lambda request: (lambda d: (d, d.parcels.get))(RecordingParcelDelivery()),
}
"""Parcel deliveries: ``(delivery, received)`` where ``received(parcel_id)`` is what arrived."""

RENDERERS: dict[str, Callable[[pytest.FixtureRequest], DocumentRenderer]] = {
    "text": lambda request: TextPdfRenderer(),
}
"""Document renderers."""

READERS: dict[str, Callable[[pytest.FixtureRequest], Any]] = {
    "scripted": lambda request: _scripted(),
}
"""Card readers: a factory returns ``(writer, present, remove)``; ``present(uid_bytes)``
puts a blank writable card with that UID on the reader, ``remove()`` takes it away."""


def _scripted() -> tuple[CardWriter, Callable[[bytes], None], Callable[[], None]]:
    from amparex_adapters.readers.scripted import VirtualCard
    from amparex_core.domain.cards import CardUid

    reader = ScriptedReader()
    return reader, lambda uid: reader.present(VirtualCard(CardUid(uid))), reader.remove


CLOCKS: dict[str, Callable[[pytest.FixtureRequest], Clock]] = {
    "system": lambda request: SystemClock(),
    "manual": lambda request: ManualClock(dt.datetime(2026, 11, 23, tzinfo=dt.UTC)),
}

STATISTIC_SOURCES: dict[str, Callable[[pytest.FixtureRequest], Any]] = {
    "memory": lambda request: _memory_statistics(),
}
"""Statistic sources: ``(source, template_for)`` where ``template_for(columns, rows)`` makes
a data set with those rows and returns a statistic template whose query yields it."""


def _memory_statistics() -> tuple[Any, Callable[..., Any]]:
    from amparex_core.domain.masterdata import FileFormat, StatisticTemplate

    source = MemoryStatisticSource()
    counter = iter(range(1_000_000))

    def template_for(columns: list[str], rows: list[tuple[object, ...]]) -> StatisticTemplate:
        query = f"q{next(counter)}"
        source.add(query, columns, rows)
        return StatisticTemplate(id=query, name=query, file_format=FileFormat.CSV, query=query)

    return source, template_for
