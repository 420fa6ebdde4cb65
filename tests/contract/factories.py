"""The adapters every contract suite runs against, by port.

Each entry maps a name to a factory ``(request) -> adapter`` (``request`` is pytest's
FixtureRequest, so a factory can use fixtures of real peers such as a PostgreSQL cluster
from ``tests/plugins/``). A new adapter joins a suite by adding one entry here: never by
copying a suite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from amparex_adapters.clock.manual import ManualClock
from amparex_adapters.clock.system import SystemClock
from amparex_adapters.delivery.memory import RecordingFileDelivery, RecordingParcelDelivery
from amparex_adapters.documents.text import TextPdfRenderer
from amparex_adapters.exports.memory import MemoryExportTarget
from amparex_adapters.masterdata.memory import MemoryMasterData
from amparex_adapters.readers.scripted import ScriptedReader
from amparex_adapters.statistics.memory import MemoryStatisticSource
from amparex_adapters.storage.memory import MemoryStorage
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

STORAGE: dict[str, Callable[[pytest.FixtureRequest], Storage]] = {
    "memory": lambda request: MemoryStorage(),
}
"""Stores. Each call gives a new, empty store."""

MASTERDATA: dict[str, Callable[[pytest.FixtureRequest], tuple[MasterData, Callable[..., None]]]] = {
    "memory": lambda request: (lambda m: (m, m.add))(MemoryMasterData()),
}
"""Master data: ``(port, add)`` where ``add(*records)`` fills it."""


def _memory_export(request: pytest.FixtureRequest) -> tuple[ExportTarget, str]:
    target = MemoryExportTarget(["/exports/ll"])
    return target, "/exports/ll"


def _folder_export(request: pytest.FixtureRequest) -> tuple[ExportTarget, str]:
    from amparex_adapters.exports.folder import FolderExportTarget

    directory = request.getfixturevalue("tmp_path") / "exports"
    directory.mkdir()
    return FolderExportTarget(), str(directory)


EXPORT_TARGETS: dict[str, Callable[[pytest.FixtureRequest], tuple[ExportTarget, str]]] = {
    "memory": _memory_export,
    "folder": _folder_export,
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
    # "sql-sqlite", "sql-postgres": SqlStatisticSource, registered at the end of this module
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


def _sql_type(values: list[object]) -> str:
    import decimal

    kinds = {type(v) for v in values if v is not None}
    for kind, name in (
        (bool, "boolean"),
        (int, "bigint"),
        (float, "double precision"),
        (decimal.Decimal, "numeric"),
        (dt.datetime, "timestamp"),
        (dt.date, "date"),
    ):
        if kinds == {kind}:
            return name
    return "text"


def _sql_template_for(
    execute: Callable[[str, list[tuple[object, ...]]], None], placeholder: str
) -> Callable[..., Any]:
    """``template_for`` of an SQL source: a table per data set, rows in insertion order."""
    from amparex_core.domain.masterdata import FileFormat, StatisticTemplate

    counter = iter(range(1_000_000))

    def template_for(columns: list[str], rows: list[tuple[object, ...]]) -> StatisticTemplate:
        table = f"stat_{next(counter)}"
        types = [_sql_type([row[i] for row in rows]) for i in range(len(columns))]
        quoted = ['"' + c.replace('"', '""') + '"' for c in columns]
        ddl = ", ".join(f"{c} {t}" for c, t in zip(quoted, types, strict=True))
        execute(f"CREATE TABLE {table} (amparex_seq integer, {ddl})", [])
        marks = ", ".join([placeholder] * (len(columns) + 1))
        execute(
            f"INSERT INTO {table} VALUES ({marks})",
            [(n, *row) for n, row in enumerate(rows)],
        )
        query = f"SELECT {', '.join(quoted)} FROM {table} ORDER BY amparex_seq"
        return StatisticTemplate(id=table, name=table, file_format=FileFormat.CSV, query=query)

    return template_for


def _sqlite_statistics(request: pytest.FixtureRequest) -> tuple[Any, Callable[..., Any]]:
    import sqlite3

    from amparex_adapters.statistics.sql import SqlStatisticSource

    path = request.getfixturevalue("tmp_path") / "statistics.sqlite"

    def execute(sql: str, rows: list[tuple[object, ...]]) -> None:
        con = sqlite3.connect(path)
        try:
            with con:
                con.executemany(sql, rows) if rows else con.execute(sql)
        finally:
            con.close()

    source = SqlStatisticSource(lambda: sqlite3.connect(path), batch_size=1)
    return source, _sql_template_for(execute, "?")


def _postgres_statistics(request: pytest.FixtureRequest) -> tuple[Any, Callable[..., Any]]:
    import psycopg

    from amparex_adapters.statistics.sql import SqlStatisticSource

    url: str = request.getfixturevalue("pg_url")

    def execute(sql: str, rows: list[tuple[object, ...]]) -> None:
        with psycopg.connect(url, autocommit=True) as con, con.cursor() as cur:
            if rows:
                cur.executemany(sql.encode(), rows)
            else:
                cur.execute(sql.encode())

    source = SqlStatisticSource(lambda: psycopg.connect(url), batch_size=1)
    return source, _sql_template_for(execute, "%s")


STATISTIC_SOURCES["sql-sqlite"] = _sqlite_statistics
STATISTIC_SOURCES["sql-postgres"] = _postgres_statistics
