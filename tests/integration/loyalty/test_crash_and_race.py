"""Exporter processes killed at random points, and racing each other (LL6, LL7).

Real OS processes (``os.fork``) export SQLite statistics through SqlStatisticSource,
encode_csv and FolderExportTarget into one folder; the test kills them with SIGKILL or
starts them at the same moment, and then reads every file back.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from amparex_adapters.exports.folder import TEMP_PREFIX, FolderExportTarget
from amparex_adapters.statistics.sql import SqlStatisticSource
from amparex_core.domain.csvdialect import CsvDialect, decode_csv, encode_csv
from amparex_core.domain.masterdata import FileFormat, StatisticTemplate

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes and signals")

ROWS = 1200
COLUMNS = ["nr", "name", "betrag", "notiz"]
DIALECT = CsvDialect()
TEMPLATE = StatisticTemplate(
    id="kunden", name="Kunden", file_format=FileFormat.CSV, query="SELECT * FROM kunden"
)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "stammdaten.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE kunden (nr INTEGER, name TEXT, betrag REAL, notiz TEXT)")
        con.executemany(
            "INSERT INTO kunden VALUES (?, ?, ?, ?)",
            [
                (i, f'Müller; "{i}"', i * 0.5, "Zeile 1\r\nZeile 2" if i % 7 else None)
                for i in range(ROWS)
            ],
        )
    con.close()
    return path


def _fork(child: Callable[..., None], *args: object) -> int:
    """Run ``child(*args)`` in a forked process that never returns into pytest."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            child(*args)
            code = 0
        finally:
            os._exit(code)
    return pid


def _export(database: Path, directory: Path, name: str) -> bool:
    source = SqlStatisticSource(lambda: sqlite3.connect(database), batch_size=100)
    with source.run(TEMPLATE) as result:
        chunks = encode_csv(DIALECT, result.columns, result.rows, chunk_rows=100)
        return FolderExportTarget().write_new(str(directory), name, chunks)


def _export_until_killed(
    database: Path, directory: Path, kill: int, ready_w: int
) -> None:  # pragma: no cover - runs in the child
    os.write(ready_w, b"!")
    for i in range(1_000_000):
        _export(database, directory, f"k{kill:03d}-{i:04d}.csv")


def _export_together(
    database: Path, directory: Path, names: list[str], go_r: int, go_w: int, report: Path
) -> None:  # pragma: no cover - runs in the child
    os.close(go_w)
    os.read(go_r, 1)  # both wait here until the parent releases them
    won = [n for n in names if _export(database, directory, n)]
    report.write_text("\n".join(won))


def _assert_complete(path: Path) -> None:
    header, rows = decode_csv(DIALECT, path.read_bytes())
    assert header == COLUMNS, path.name
    assert len(rows) == ROWS, path.name
    assert rows[-1][0] == str(ROWS - 1), path.name


def test_LL7_sigkill_at_random_points_never_leaves_a_partial_file(
    database: Path, tmp_path: Path
) -> None:
    """LL7: >= 200 SIGKILLs mid-export; every final file is complete, temps are cleaned."""
    rng = random.Random(4711)
    kills = 200
    # Kill within ~2.5 exports' time, measured here, so that the kills land in every
    # phase (query, writing, fsync, link, the next export) on a fast or a loaded machine.
    calibration = tmp_path.parent / f"{tmp_path.name}-calibration"
    calibration.mkdir()
    start = time.perf_counter()
    assert _export(database, calibration, "calibration.csv")
    window = 2.5 * (time.perf_counter() - start)
    hashes: dict[str, str] = {}
    temps_after_kill = 0
    seen_temps: set[str] = set()
    for kill in range(kills):
        ready_r, ready_w = os.pipe()

        pid = _fork(_export_until_killed, database, tmp_path, kill, ready_w)
        os.close(ready_w)
        assert os.read(ready_r, 1) == b"!"
        os.close(ready_r)
        time.sleep(rng.uniform(0, window))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), f"the exporter ended on its own: {status}"
        assert os.WTERMSIG(status) == signal.SIGKILL
        for path in tmp_path.iterdir():
            if path.name.startswith(TEMP_PREFIX):
                continue
            if path.name not in hashes:
                _assert_complete(path)
                hashes[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        left = {p.name for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)}
        temps_after_kill += bool(left - seen_temps)  # this kill hit a write under way
        seen_temps |= left
    temps = [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]
    print(f"{kills} kills: {len(hashes)} complete files, {temps_after_kill} kills mid-write")
    # The kills hit both phases: finished files and writes under way.
    assert len(hashes) >= kills // 10, (len(hashes), temps_after_kill)
    assert temps_after_kill >= kills // 10, (len(hashes), temps_after_kill)
    assert FolderExportTarget().remove_stale(str(tmp_path)) == len(temps)
    assert not any(p.name.startswith(TEMP_PREFIX) for p in tmp_path.iterdir())
    # A kill between link and unlink left a second name of a final file: removing it
    # must not have touched the final file.
    for name, digest in hashes.items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest
    assert FolderExportTarget().list_files(str(tmp_path)) == sorted(hashes)


def test_LL6_LL7_processes_starting_together_write_each_file_once(
    database: Path, tmp_path: Path
) -> None:
    """LL6/LL7: two processes released at the same moment export the same four files."""
    names = [f"4711_{kind}_20261123.csv" for kind in ("kunden", "brillen", "linsen", "hg")]
    for round_ in range(8):
        directory = tmp_path / f"round{round_}"
        directory.mkdir()
        go_r, go_w = os.pipe()
        pids = []
        for worker in range(2):
            order = names if worker == 0 else names[::-1]
            report = tmp_path / f"won-{round_}-{worker}"
            pids.append(_fork(_export_together, database, directory, order, go_r, go_w, report))
        os.close(go_r)
        os.write(go_w, b"go")  # one write releases both readers
        os.close(go_w)
        for pid in pids:
            _, status = os.waitpid(pid, 0)
            assert os.WIFEXITED(status)
            assert os.WEXITSTATUS(status) == 0
        won = [(tmp_path / f"won-{round_}-{w}").read_text().split("\n") for w in range(2)]
        winners = [n for w in won for n in w if n]
        assert sorted(winners) == sorted(names), winners  # each file written exactly once
        assert sorted(p.name for p in directory.iterdir()) == sorted(names)
        for name in names:
            _assert_complete(directory / name)
