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
