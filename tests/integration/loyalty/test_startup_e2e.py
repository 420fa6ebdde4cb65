"""The Loyalty Lab start-up export end to end on real adapters (LL5, LL6, LL7).

Statistics run as SQL on a SQLite database (SqlStatisticSource), files go into a real
folder (FolderExportTarget), configurations and the upload ledger live in the SQLite
store, and the start-up use case (:class:`LoyaltyLab`) drives it all.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from amparex_adapters.clock.manual import ManualClock
from amparex_adapters.exports.folder import TEMP_PREFIX, FolderExportTarget
from amparex_adapters.masterdata.memory import MemoryMasterData
from amparex_adapters.statistics.sql import SqlStatisticSource
from amparex_adapters.storage import open_storage
from amparex_core.domain.csvdialect import CsvDialect, decode_csv
from amparex_core.domain.interfaces import InterfaceKind, LoyaltyLabSettings
from amparex_core.domain.masterdata import FileFormat, StatisticTemplate
from amparex_core.domain.statistics import ExportOutcome, StatisticKind
from amparex_core.ports.storage import Storage
from amparex_core.services.interfaces import InterfaceService
from amparex_core.services.loyalty_lab import LoyaltyLab

BERLIN = ZoneInfo("Europe/Berlin")
START = dt.datetime(2026, 11, 23, 7, 45, tzinfo=BERLIN)
ROWS = {
    StatisticKind.CUSTOMERS: 120,
    StatisticKind.GLASSES: 45,
    StatisticKind.CONTACT_LENSES: 7,
    StatisticKind.HEARING_AIDS: 0,
}
QUERIES = {
    kind: f"SELECT nr, name, betrag, tag FROM {kind.value} ORDER BY nr" for kind in StatisticKind
}
NAMES = {kind: f"4711_{kind.value}_20261123.csv" for kind in StatisticKind}


@pytest.fixture
def stammdaten(tmp_path: Path) -> Path:
    """The host application's data: one table per statistic."""
    path = tmp_path / "stammdaten.sqlite"
    with sqlite3.connect(path) as con:
        for kind, count in ROWS.items():
            con.execute(f"CREATE TABLE {kind.value} (nr INTEGER, name TEXT, betrag REAL, tag TEXT)")
            con.executemany(
                f"INSERT INTO {kind.value} VALUES (?, ?, ?, ?)",
                [(i, f'Kundin {i}; "Ö"\n2. Zeile', i * 2.5, "20261122") for i in range(count)],
            )
    con.close()
    return path


class Workstation:
    """One workstation's wiring of the start-up use case on real adapters."""

    def __init__(self, root: Path, stammdaten: Path, store: Storage) -> None:
        self.directory = root / "loyalty-lab"
        self.directory.mkdir(exist_ok=True)
        self.connects = 0
        self.stammdaten = stammdaten
        self.masterdata = MemoryMasterData()
        for kind in StatisticKind:
            self.masterdata.add(
                StatisticTemplate(
                    id=f"st-{kind.value}",
                    name=kind.german,
                    file_format=FileFormat.CSV,
                    query=QUERIES[kind],
                )
            )
        self.store = store
        self.target = FolderExportTarget()
        self.interfaces = InterfaceService(store, masterdata=self.masterdata, exports=self.target)
        self.clock = ManualClock(START)
        self.service = LoyaltyLab(
            interfaces=self.interfaces,
            masterdata=self.masterdata,
            statistics=SqlStatisticSource(self.connect),
            exports=self.target,
            ledger=store,
            clock=self.clock,
            tz=BERLIN,
        )

    def connect(self) -> sqlite3.Connection:
        self.connects += 1
        return sqlite3.connect(self.stammdaten)

    def configure(self) -> None:
        self.interfaces.configure(
            InterfaceKind.LOYALTY_LAB,
            LoyaltyLabSettings(
                customer_number="4711",
                directory=str(self.directory),
                statistics={kind: f"st-{kind.value}" for kind in StatisticKind},
            ),
            workstation="KASSE-1",
        )

    def files(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(self.directory.iterdir())}


@pytest.fixture
def workstation(tmp_path: Path, stammdaten: Path) -> Iterator[Workstation]:
    store = open_storage(f"sqlite:///{tmp_path / 'amparex.sqlite'}")
    try:
        ws = Workstation(tmp_path, stammdaten, store)
        ws.configure()
        yield ws
    finally:
        store.close()


def _assert_statistic_file(content: bytes, kind: StatisticKind) -> None:
    header, rows = decode_csv(CsvDialect(), content)
    assert header == ["nr", "name", "betrag", "tag"]
    assert len(rows) == ROWS[kind]
    if rows:
        assert rows[-1] == [
            str(ROWS[kind] - 1),
            f'Kundin {ROWS[kind] - 1}; "Ö"\n2. Zeile',
            f"{(ROWS[kind] - 1) * 2.5}".replace(".", ","),
            "20261122",
        ]


def test_LL5_first_start_writes_the_four_statistics(workstation: Workstation) -> None:
    """LL5: the first start of the day runs the four statistics into the folder."""
    report = workstation.service.start(branch=None, workstation="kasse-1")
    assert report.errors == []
    assert [r.outcome for r in report.exports] == [ExportOutcome.WRITTEN] * 4
    assert workstation.connects == 4
    files = workstation.files()
    assert sorted(files) == sorted(NAMES.values())
    for kind, name in NAMES.items():
        _assert_statistic_file(files[name], kind)


def test_LL6_second_start_runs_no_query_and_writes_nothing(workstation: Workstation) -> None:
    """LL6: with the day's files present a start checks first and runs no statistic."""
    workstation.service.start(branch=None, workstation="KASSE-1")
    before = {p.name: p.stat().st_mtime_ns for p in workstation.directory.iterdir()}
    workstation.clock.advance(dt.timedelta(hours=8))  # still 23 November in Berlin
    report = workstation.service.start(branch=None, workstation="KASSE-1")
    assert [r.outcome for r in report.exports] == [ExportOutcome.EXISTS] * 4
    assert workstation.connects == 4  # not one more connection, let alone a query
    assert {p.name: p.stat().st_mtime_ns for p in workstation.directory.iterdir()} == before


def test_LL6_next_day_writes_new_files_and_keeps_yesterdays(workstation: Workstation) -> None:
    workstation.service.start(branch=None, workstation="KASSE-1")
    first = workstation.files()
    workstation.clock.advance(dt.timedelta(days=1))
    report = workstation.service.start(branch=None, workstation="KASSE-1")
    assert len(report.written) == 4
    files = workstation.files()
    assert len(files) == 8
    assert {n: files[n] for n in first} == first


def test_LL6_a_hand_made_file_is_kept_and_its_statistic_not_run(
    workstation: Workstation,
) -> None:
    (workstation.directory / NAMES[StatisticKind.GLASSES]).write_bytes(b"von Hand")
    report = workstation.service.start(branch=None, workstation="KASSE-1")
    outcomes = {r.export.statistic: r.outcome for r in report.exports}
    assert outcomes[StatisticKind.GLASSES] is ExportOutcome.EXISTS
    assert workstation.connects == 3
    assert (workstation.directory / NAMES[StatisticKind.GLASSES]).read_bytes() == b"von Hand"


def test_LL7_a_start_after_a_crash_removes_the_crashed_writers_temp_file(
    workstation: Workstation,
) -> None:
    """LL7: the temp file of a writer that died is cleaned up; no partial file is seen."""
    from amparex_adapters.exports.folder import _host_tag

    writer = subprocess.Popen([sys.executable, "-c", "pass"])  # a writer that is gone
    writer.wait()
    pid = writer.pid
    stale = workstation.directory / f"{TEMP_PREFIX}{_host_tag()}-{pid}-deadbeef0000.part"
    stale.write_bytes(b"nr;name\r\n1;halb")
    report = workstation.service.start(branch=None, workstation="KASSE-1")
    assert len(report.written) == 4
    assert not stale.exists()
    assert workstation.target.list_files(str(workstation.directory)) == sorted(NAMES.values())


def test_LL4_a_missing_folder_fails_every_export_before_any_query(
    workstation: Workstation,
) -> None:
    workstation.directory.rmdir()
    report = workstation.service.start(branch=None, workstation="KASSE-1")
    assert [r.outcome for r in report.exports] == [ExportOutcome.FAILED] * 4
    assert {e.code for e in report.errors} == {"export.directory_invalid"}
    assert workstation.connects == 0


def _start_in_child(
    tmp_path: Path, stammdaten: Path, go_r: int, go_w: int, report: Path
) -> None:  # pragma: no cover - runs in the child
    store = open_storage(f"sqlite:///{tmp_path / 'amparex.sqlite'}")
    try:
        ws = Workstation(tmp_path, stammdaten, store)
        os.close(go_w)
        os.read(go_r, 1)
        result = ws.service.start(branch=None, workstation="KASSE-1")
        report.write_text(
            "\n".join(f"{r.export.file_name} {r.outcome.value}" for r in result.exports)
        )
    finally:
        store.close()


@pytest.mark.skipif(sys.platform == "win32", reason="os.fork")
def test_LL6_LL7_two_processes_starting_together_write_each_file_once(
    workstation: Workstation, tmp_path: Path, stammdaten: Path
) -> None:
    """LL6/LL7: two program starts at the same moment on one folder: each file once."""
    workstation.store.close()  # the children open the store themselves
    go_r, go_w = os.pipe()
    pids = []
    for n in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 1
            try:
                _start_in_child(tmp_path, stammdaten, go_r, go_w, tmp_path / f"report-{n}")
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    os.close(go_r)
    os.write(go_w, b"go")
    os.close(go_w)
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status)
        assert os.WEXITSTATUS(status) == 0
    outcomes = [
        line.split()
        for n in range(2)
        for line in (tmp_path / f"report-{n}").read_text().splitlines()
    ]
    written = sorted(name for name, outcome in outcomes if outcome == "written")
    assert written == sorted(NAMES.values())  # every file exactly once
    assert all(outcome in {"written", "exists"} for _, outcome in outcomes)
    files = workstation.files()
    assert sorted(files) == sorted(NAMES.values())
    for kind, name in NAMES.items():
        _assert_statistic_file(files[name], kind)
