"""The work of the export benchmarks, importable without the harness.

The peak-RSS cases run :func:`ours` or :func:`baseline` in a fresh interpreter, which
imports only this module (and, for :func:`ours`, the library).
"""

from __future__ import annotations

import csv
import resource
import sqlite3
from pathlib import Path

QUERY = "SELECT * FROM customers"
COLUMNS = (
    "id INTEGER PRIMARY KEY, customer_number TEXT, first_name TEXT, last_name TEXT, "
    "street TEXT, postal_code TEXT, city TEXT, birthday TEXT, email TEXT, revenue REAL, "
    "visits INTEGER"
)


def make_database(path: Path, rows: int) -> None:
    """A customer statistic's table: text (with umlauts, quotes, separators), ints, REALs."""
    with sqlite3.connect(path) as con:
        con.execute(f"CREATE TABLE customers ({COLUMNS})")
        con.execute(
            """
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
            INSERT INTO customers SELECT
                i,
                printf('K%08d', i),
                CASE i % 6 WHEN 0 THEN 'Anna' WHEN 1 THEN 'Jürgen' WHEN 2 THEN 'Zoë'
                    WHEN 3 THEN 'Hans-Peter' WHEN 4 THEN 'Marie;Luise' ELSE 'Ólafur' END,
                CASE i % 5 WHEN 0 THEN 'Müller' WHEN 1 THEN 'Weiß' WHEN 2 THEN 'O''Neil'
                    WHEN 3 THEN 'Meier "Jr"' ELSE 'Nguyễn' END,
                printf('Hauptstraße %d', i % 200 + 1),
                printf('%05d', 10000 + i * 7 % 89999),
                CASE i % 4 WHEN 0 THEN 'Berlin' WHEN 1 THEN 'München' WHEN 2 THEN 'Köln'
                    ELSE 'Frankfurt am Main' END,
                printf('19%02d%02d%02d', 40 + i % 60, 1 + i % 12, 1 + i % 28),
                printf('kunde%d@example.org', i),
                round((i * 7919 % 500000) / 100.0, 2),
                i % 81
            FROM n
            """,
            (rows,),
        )


def ours(db: Path, directory: Path, name: str) -> None:
    """The library's path: SQL source -> encode_csv -> atomic folder target.

    Imports here, so that the baseline's peak-RSS process does not load the library.
    """
    from amparex_adapters.exports.folder import FolderExportTarget
    from amparex_adapters.statistics.sql import SqlStatisticSource
    from amparex_core.domain.csvdialect import CsvDialect, encode_csv
    from amparex_core.domain.masterdata import FileFormat, StatisticTemplate

    template = StatisticTemplate(
        id="customers", name="Kunden", file_format=FileFormat.CSV, query=QUERY
    )
    source = SqlStatisticSource(lambda: sqlite3.connect(db))
    target = FolderExportTarget()
    with source.run(template) as result:
        chunks = encode_csv(CsvDialect(), result.columns, result.rows)
        if not target.write_new(str(directory), name, chunks):
            raise RuntimeError("file existed")


def baseline(db: Path, directory: Path, name: str) -> None:
    """A bare sqlite3 cursor -> csv.writer loop into a file."""
    con = sqlite3.connect(db)
    try:
        cur = con.execute(QUERY)
        with open(directory / name, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
            writer.writerow([d[0] for d in cur.description])
            for row in cur:
                writer.writerow(row)
    finally:
        con.close()


def peak_rss_self() -> int:
    """This process's peak RSS in KiB.

    On Linux ``getrusage``'s ``ru_maxrss`` survives ``exec``: a child started by a big
    parent reports the parent's peak. ``VmHWM`` of ``/proc/self/status`` is the peak of
    this program alone; ``getrusage`` is used where there is no ``/proc``.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for text in status:
                if text.startswith("VmHWM:"):
                    return int(text.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
