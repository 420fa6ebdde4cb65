"""The adapters every contract suite runs against, by port.

The suites are the classes of the contract kit (``amparex_adapters.testing.contracts``);
conftest.py turns each registry here into the fixture its class asks for. Each entry maps
a name to a factory ``(request) -> adapter`` (``request`` is pytest's FixtureRequest, so a
factory can use fixtures of real peers such as a PostgreSQL cluster from
``tests/plugins/``). A new adapter joins a suite by adding one entry here: never by
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
from amparex_adapters.testing.contracts import RendererSamples as RendererSamples
from amparex_core.domain.masterdata import DocumentKind, DocumentTemplate
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


def _real_files(kind: str) -> Callable[[pytest.FixtureRequest], tuple[FileDelivery, Any]]:
    """A file delivery against its real peer (sshd, asyncssh, pyftpdlib, vsftpd, a folder)."""
    from tests.integration.delivery.targets import build_target

    def factory(request: pytest.FixtureRequest) -> tuple[FileDelivery, Any]:
        target = build_target(request, kind)
        return target.delivery, target.fetch

    return factory


def _parcels_as_files(kind: str) -> Callable[[pytest.FixtureRequest], tuple[ParcelDelivery, Any]]:
    """Parcels as ``<id>-<name>`` files over a real file delivery; arrived = README there."""
    from amparex_adapters.delivery.files import README_NAME, FilesParcelDelivery
    from tests.integration.delivery.targets import build_target

    def factory(request: pytest.FixtureRequest) -> tuple[ParcelDelivery, Any]:
        target = build_target(request, kind)

        def received(parcel_id: str) -> dict[str, bytes | None] | None:
            if target.fetch(f"{parcel_id}-{README_NAME}") is None:
                return None
            prefix = f"{parcel_id}-"
            return {n: target.fetch(n) for n in target.listing() if n.startswith(prefix)}

        return FilesParcelDelivery(target.delivery), received

    return factory


FILE_DELIVERIES: dict[
    str, Callable[[pytest.FixtureRequest], tuple[FileDelivery, Callable[[str], bytes | None]]]
] = {
    "memory": lambda request: (lambda d: (d, d.files.get))(RecordingFileDelivery()),
    "folder": _real_files("folder"),
    "sftp-openssh": _real_files("sftp-openssh"),
    "sftp-asyncssh": _real_files("sftp-asyncssh"),
    "sftp-asyncssh-password": _real_files("sftp-asyncssh-password"),
    "ftps-pyftpdlib": _real_files("ftps-pyftpdlib"),
    "ftps-vsftpd": _real_files("ftps-vsftpd"),
    "ftp-plain-pyftpdlib": _real_files("ftp-plain-pyftpdlib"),
}
"""File deliveries: ``(delivery, fetch)`` where ``fetch(name)`` reads the remote file."""


def _smtp_delivery(
    request: pytest.FixtureRequest,
) -> tuple[ParcelDelivery, Callable[[str], Any]]:
    """SMTP to the aiosmtpd fixture; ``received`` rebuilds the parcel from the last mail."""
    from amparex_adapters.delivery.smtp import message_id_for
    from amparex_core.domain.parcels import Attachment, Parcel

    server = request.getfixturevalue("smtp_server")

    def received(parcel_id: str) -> Parcel | None:
        for mail in reversed(server.messages):
            message = mail.message()
            if message["Message-ID"] != message_id_for(parcel_id):
                continue
            body = message.get_body(("plain",))
            return Parcel(
                id=parcel_id,
                subject=str(message["Subject"]),
                body="" if body is None else body.get_content(),
                attachments=[
                    Attachment(
                        str(part.get_filename()),
                        part.get_content_type(),
                        part.get_payload(decode=True),
                    )
                    for part in message.iter_attachments()
                ],
            )
        return None

    return server.delivery(), received


PARCEL_DELIVERIES: dict[
    str, Callable[[pytest.FixtureRequest], tuple[ParcelDelivery, Callable[[str], Any]]]
] = {
    "memory": lambda request: (lambda d: (d, d.parcels.get))(RecordingParcelDelivery()),
    "files-folder": _parcels_as_files("folder"),
    "files-sftp-openssh": _parcels_as_files("sftp-openssh"),
    "files-ftps-vsftpd": _parcels_as_files("ftps-vsftpd"),
    "smtp": _smtp_delivery,
}
"""Parcel deliveries: ``(delivery, received)`` where ``received(parcel_id)`` is what arrived."""


TEXT_SAMPLES = RendererSamples(
    card=DocumentTemplate(
        "CARD", "card", DocumentKind.CARD, "text/plain", b"{holder_name} {card_number}"
    ),
    letter=DocumentTemplate(
        "LETTER", "letter", DocumentKind.LETTER, "text/plain", b"Dear {holder_name}"
    ),
    broken=DocumentTemplate("B", "b", DocumentKind.CARD, "text/plain", b"\xff\xfe{"),
)


def _pdf_renderer(request: pytest.FixtureRequest) -> tuple[DocumentRenderer, RendererSamples]:
    from amparex_adapters.documents.pdf import PdfFormRenderer
    from tests.pdfforms import form_template

    samples = RendererSamples(
        card=form_template("CARD", ("holder_name", "{{ holder_name }}"), ("card_number", None)),
        letter=form_template(
            "LETTER", ("greeting", "Dear {{ holder_name }}"), kind=DocumentKind.LETTER
        ),
        broken=DocumentTemplate("B", "b", DocumentKind.CARD, "application/pdf", b"\xff\xfe{"),
    )
    return PdfFormRenderer(), samples


RENDERERS: dict[
    str, Callable[[pytest.FixtureRequest], tuple[DocumentRenderer, RendererSamples]]
] = {
    "text": lambda request: (TextPdfRenderer(), TEXT_SAMPLES),
    "pdf": _pdf_renderer,
}
"""Document renderers: ``(renderer, templates in its format)``."""

READERS: dict[str, Callable[[pytest.FixtureRequest], Any]] = {
    "scripted": lambda request: _scripted(),
    "pcsc": lambda request: _pcsc(request),  # noqa: PLW0108 - defined below
    "nfc": lambda request: _nfc(request),  # noqa: PLW0108 - defined below
}
"""Card readers: a factory returns ``(writer, present, remove)``; ``present(uid_bytes)``
puts a blank writable card with that UID on the reader, ``remove()`` takes it away."""


def _scripted() -> tuple[CardWriter, Callable[[bytes], None], Callable[[], None]]:
    from amparex_adapters.readers.scripted import VirtualCard
    from amparex_core.domain.cards import CardUid

    reader = ScriptedReader()
    return reader, lambda uid: reader.present(VirtualCard(CardUid(uid))), reader.remove


def _pcsc(
    request: pytest.FixtureRequest,
) -> tuple[CardWriter, Callable[[bytes], None], Callable[[], None]]:
    """PcscReader on pcscd's vpcd reader; ``present`` inserts a virtual contactless card."""
    from tests.plugins.pcsc import pcsc_reader_for_contract

    return pcsc_reader_for_contract(request)


def _nfc(
    request: pytest.FixtureRequest,
) -> tuple[CardWriter, Callable[[bytes], None], Callable[[], None]]:
    """NfcReader on nfcpy's UDP driver; ``present`` brings an emulated NTAG213 in."""
    from tests.plugins.nfc import nfc_reader_for_contract

    return nfc_reader_for_contract(request)


def _local_processes(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    """This host's process table; another process is a real child that reports its holder."""
    import json
    import subprocess
    import sys

    from amparex_adapters.processes.local import LocalProcessTable
    from amparex_core.domain.claims import Holder

    def spawn() -> tuple[Holder, Callable[[], None]]:
        code = (
            "import json, sys, attrs\n"
            "from amparex_adapters.processes.local import LocalProcessTable\n"
            "me = LocalProcessTable().current(id='child', name='KASSE-2')\n"
            "print(json.dumps(attrs.asdict(me)), flush=True)\n"
            "sys.stdin.read()\n"
        )
        child = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        holder = Holder(**json.loads(child.stdout.readline()))

        def end() -> None:
            child.kill()
            child.wait()
            for stream in (child.stdin, child.stdout):
                if stream is not None:
                    stream.close()

        request.addfinalizer(lambda: end() if child.poll() is None else None)
        return holder, end

    return LocalProcessTable(), spawn


def _fixed_processes(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    from amparex_adapters.processes.fixed import FixedProcessTable

    table = FixedProcessTable()
    pids = itertools.count(2000)

    def spawn() -> tuple[Any, Callable[[], None]]:
        pid = next(pids)
        return table.holder(id=f"p{pid}", name="KASSE-2", pid=pid), lambda: table.kill(pid)

    return table, spawn


PROCESS_TABLES: dict[str, Callable[[pytest.FixtureRequest], Any]] = {
    "local": _local_processes,
    "fixed": _fixed_processes,
}
"""Process tables (CO19): this host's, with real child processes, and the fixed one."""


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
