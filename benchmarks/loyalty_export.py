"""Loyalty Lab export benchmarks (issue 4, LL5–LL7).

``export_1m_rows``
    1,000,000 rows SQLite -> CSV through :class:`SqlStatisticSource` +
    :func:`encode_csv` + :class:`FolderExportTarget` (temp file, fsync, link) against a
    bare ``sqlite3`` cursor -> ``csv.writer`` loop into a file. Target ratio <= 1.10.
``export_1m_rows_cpu``
    The same runs in CPU seconds of this process (``time.process_time``), which a busy
    machine disturbs less than wall-clock time; our fsync waits are not in it.
``peak_rss_1m_vs_10k``
    Peak RSS (MiB, measured inside a fresh interpreter each: ``VmHWM``, or ``getrusage``
    without ``/proc``) of our export of 1,000,000 rows against ours of 10,000 rows: flat
    memory means a ratio near 1.
``peak_rss_vs_baseline_1m``
    Peak RSS of our export of 1,000,000 rows against the bare loop's (ours includes
    importing the library).
``startup_all_present``
    One :meth:`LoyaltyLab.start` (export, then upload; no delivery configured) of a
    workstation whose four files of the day exist, against four bare ``os.stat`` calls;
    target <= 1 ms per start (absolute), and no query may run (checked).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from benchmarks._export_work import QUERY, baseline, make_database, ours
from benchmarks._harness import Case, Group, Run

ROOT = Path(__file__).resolve().parent.parent

_RSS_CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from benchmarks._export_work import ours, baseline, peak_rss_self
fn = ours if sys.argv[1] == "ours" else baseline
fn(Path(sys.argv[2]), Path(sys.argv[3]), "out.csv")
print(peak_rss_self())
"""


def peak_rss_mib(kind: str, db: Path, work: Path) -> float:
    """Peak RSS in MiB of a fresh interpreter running *kind* (``ours``/``baseline``) on *db*."""
    out = Path(tempfile.mkdtemp(dir=work))
    try:
        done = subprocess.run(
            [sys.executable, "-c", _RSS_CHILD.format(root=str(ROOT)), kind, str(db), str(out)],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        shutil.rmtree(out)
    return int(done.stdout.split()[-1]) / 1024


def export_cases(run: Run) -> Iterator[Case]:
    """The 1M-row export (wall and CPU time) and the peak-RSS cases."""
    import amparex_adapters.exports.folder
    import amparex_adapters.statistics.sql  # noqa: F401 - imported before timing

    rows, small_rows = run.scaled(1_000_000, 1000), run.scaled(10_000, 100)
    with tempfile.TemporaryDirectory(prefix="amparex-bench-") as tmp:
        work = Path(tmp)
        big, small = work / "big.db", work / "small.db"
        make_database(big, rows)
        make_database(small, small_rows)
        out = work / "out"

        def fresh() -> None:
            if out.exists():
                shutil.rmtree(out)
            out.mkdir()

        def check() -> None:
            fresh()
            ours(big, out, "ours.csv")
            baseline(big, out, "base.csv")
            mine, base = (out / "ours.csv").read_bytes(), (out / "base.csv").read_bytes()
            if mine.count(b"\r\n") != base.count(b"\r\n") or mine.count(b"\r\n") != rows + 1:
                raise AssertionError("the two files differ in their number of lines")
            shutil.rmtree(out)

        yield Case(
            "export_1m_rows",
            "bare sqlite3 cursor -> csv.writer loop into a file",
            lambda: ours(big, out, "ours.csv"),
            lambda: baseline(big, out, "base.csv"),
            setup=fresh,
            check=check,
            target=1.10,
            cpu_name="export_1m_rows_cpu",
            params={"rows": rows},
            note="ours also writes to a temporary name, fsyncs and links it into place",
        )
        yield Case(
            "peak_rss_1m_vs_10k",
            f"our own export of {small_rows:,} rows (fresh interpreter each)",
            lambda: peak_rss_mib("ours", big, work),
            lambda: peak_rss_mib("ours", small, work),
            unit="MiB",
            params={"rows": rows, "small_rows": small_rows},
            note="peak RSS (VmHWM) of a fresh interpreter; a ratio near 1 means flat memory",
        )
        yield Case(
            "peak_rss_vs_baseline_1m",
            "the bare sqlite3 -> csv.writer loop's peak RSS (fresh interpreter each)",
            lambda: peak_rss_mib("ours", big, work),
            lambda: peak_rss_mib("baseline", big, work),
            unit="MiB",
            params={"rows": rows},
            note="ours includes importing the library",
        )


def startup_cases(run: Run) -> Iterator[Case]:
    """Start-up with nothing to do: all four files of the day exist."""
    from zoneinfo import ZoneInfo

    from amparex_adapters.clock.manual import ManualClock
    from amparex_adapters.exports.folder import FolderExportTarget
    from amparex_adapters.masterdata.memory import MemoryMasterData
    from amparex_adapters.statistics.sql import SqlStatisticSource
    from amparex_adapters.storage.memory import MemoryStorage
    from amparex_core.domain.interfaces import InterfaceKind, LoyaltyLabSettings
    from amparex_core.domain.masterdata import FileFormat, StatisticTemplate
    from amparex_core.domain.statistics import ExportOutcome, StatisticKind
    from amparex_core.services.interfaces import InterfaceService
    from amparex_core.services.loyalty_lab import LoyaltyLab

    with tempfile.TemporaryDirectory(prefix="amparex-bench-") as tmp:
        work = Path(tmp)
        db = work / "small.db"
        make_database(db, 100)
        directory = work / "startup"
        directory.mkdir()
        connects = [0]

        def connect() -> sqlite3.Connection:
            connects[0] += 1
            return sqlite3.connect(db)

        masterdata = MemoryMasterData()
        for kind in StatisticKind:
            masterdata.add(
                StatisticTemplate(
                    id=kind.value, name=kind.german, file_format=FileFormat.CSV, query=QUERY
                )
            )
        storage = MemoryStorage()
        target = FolderExportTarget()
        interfaces = InterfaceService(storage, masterdata=masterdata, exports=target)
        interfaces.configure(
            InterfaceKind.LOYALTY_LAB,
            LoyaltyLabSettings(
                customer_number="4711",
                directory=str(directory),
                statistics={kind: kind.value for kind in StatisticKind},
            ),
            workstation="WS-01",
        )
        tz = ZoneInfo("Europe/Berlin")
        service = LoyaltyLab(
            interfaces=interfaces,
            masterdata=masterdata,
            statistics=SqlStatisticSource(connect),
            exports=target,
            ledger=storage,
            clock=ManualClock(dt.datetime(2026, 11, 23, 8, 0, tzinfo=tz)),
            tz=tz,
        )
        names = []
        for result in service.export(branch=None, workstation="WS-01"):
            names.append(result.export.file_name)
            (directory / result.export.file_name).touch(exist_ok=True)
        runs_before = connects[0]
        paths = [str(directory / n) for n in names]
        last: list[object] = []

        def start() -> None:
            last[:] = service.start(branch=None, workstation="WS-01").exports

        def bare() -> None:
            for p in paths:
                os.stat(p)

        def check() -> None:
            outcomes = [getattr(r, "outcome", None) for r in last]
            if connects[0] != runs_before or any(o is not ExportOutcome.EXISTS for o in outcomes):
                raise AssertionError("a statistic ran although its file existed (LL6)")

        starts = run.scaled(500, 10)
        yield Case(
            "startup_all_present",
            f"{len(paths)} bare os.stat calls (the four files of the day)",
            start,
            bare,
            inner=starts,
            warmup=1,
            check=check,
            ours_limit=1e-3,
            params={"starts_per_round": starts, "files": len(paths)},
            note="issue 4 target: <= 1 ms per start (absolute); no statistic query ran (checked)",
        )


GROUPS = (
    Group(
        ("export_1m_rows", "export_1m_rows_cpu", "peak_rss_1m_vs_10k", "peak_rss_vs_baseline_1m"),
        export_cases,
    ),
    Group(("startup_all_present",), startup_cases),
)
