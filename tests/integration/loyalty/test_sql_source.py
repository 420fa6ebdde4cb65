"""SqlStatisticSource on real SQLite databases (LL5): rows streamed, errors translated."""

from __future__ import annotations

import datetime as dt
import sqlite3
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from amparex_adapters.statistics.sql import SqlStatisticSource
from amparex_core.domain.csvdialect import CsvDialect, decode_csv, encode_csv
from amparex_core.domain.errors import StatisticFailed
from amparex_core.domain.masterdata import FileFormat, StatisticTemplate
from amparex_core.ports.statistics import StatisticSource


def template(query: str, template_id: str = "stat") -> StatisticTemplate:
    return StatisticTemplate(
        id=template_id, name="Statistik", file_format=FileFormat.CSV, query=query
    )


def counting(n: int) -> str:
    """A query producing *n* rows lazily, without a table."""
    return (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
        f"{n}) SELECT i AS nr, printf('Kunde %08d; \"Müller\"', i) AS name, "
        "i * 1.25 AS betrag, NULL AS leer FROM n"
    )


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "stammdaten.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE kunden (nr INTEGER, name TEXT, umsatz REAL, geburt TEXT)")
        con.executemany(
            "INSERT INTO kunden VALUES (?, ?, ?, ?)",
            [
                (1, "Müller", 30.0, "1970-01-02"),
                (2, 'O\'Neil; "Jr"', None, None),
                (3, "Weiß\nZweite Zeile", 1e-7, "1999-12-31"),
            ],
        )
    con.close()
    return path


class Opened:
    """A connect function that remembers the connections it made."""

    def __init__(self, path: Path | str, **kwargs: Any) -> None:
        self.path = path
        self.kwargs = kwargs
        self.connections: list[sqlite3.Connection] = []

    def __call__(self) -> sqlite3.Connection:
        con: sqlite3.Connection = sqlite3.connect(self.path, **self.kwargs)
        self.connections.append(con)
        return con


def is_closed(con: sqlite3.Connection) -> bool:
    try:
        con.execute("SELECT 1")
    except sqlite3.ProgrammingError:
        return True
    return False


def test_LL5_sql_source_is_a_statistic_source(database: Path) -> None:
    assert isinstance(SqlStatisticSource(Opened(database)), StatisticSource)


def test_LL5_runs_the_template_query_and_streams_its_rows(database: Path) -> None:
    opened = Opened(database)
    source = SqlStatisticSource(opened, batch_size=2)
    with source.run(template("SELECT * FROM kunden ORDER BY nr")) as result:
        assert result.columns == ("nr", "name", "umsatz", "geburt")
        rows = list(result.rows)
    assert rows == [
        (1, "Müller", 30.0, "1970-01-02"),
        (2, 'O\'Neil; "Jr"', None, None),
        (3, "Weiß\nZweite Zeile", 1e-7, "1999-12-31"),
    ]
    assert is_closed(opened.connections[0])


def test_LL5_rows_are_tuples_whatever_the_row_factory(database: Path) -> None:
    def connect() -> sqlite3.Connection:
        con = sqlite3.connect(database)
        con.row_factory = sqlite3.Row
        return con

    with SqlStatisticSource(connect).run(template("SELECT nr FROM kunden ORDER BY nr")) as result:
        assert list(result.rows) == [(1,), (2,), (3,)]


def test_LL5_leaving_early_closes_cursor_and_connection(database: Path) -> None:
    opened = Opened(database)
    with SqlStatisticSource(opened, batch_size=1).run(template(counting(10_000))) as result:
        assert next(result.rows) == (1, 'Kunde 00000001; "Müller"', 1.25, None)
    assert is_closed(opened.connections[0])
    with pytest.raises(StatisticFailed):
        list(result.rows)  # the cursor is gone: a clear error, not a crash


def test_LL5_a_shared_connection_stays_open(database: Path) -> None:
    con = sqlite3.connect(database)
    source = SqlStatisticSource(lambda: con, close_connection=False)
    with source.run(template("SELECT count(*) FROM kunden")) as result:
        assert list(result.rows) == [(3,)]
    assert not is_closed(con)
    con.close()


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("SELEKT * FROM kunden", "syntax error"),
        ("SELECT * FROM gibt_es_nicht", "no such table"),
        ("UPDATE kunden SET nr = nr", "the query returns no rows"),
    ],
)
def test_LL5_a_refused_query_is_statistic_failed(database: Path, query: str, reason: str) -> None:
    opened = Opened(database)
    with pytest.raises(StatisticFailed) as info, SqlStatisticSource(opened).run(template(query)):
        pytest.fail("the context must not be entered")
    assert info.value.code == "statistic.failed"
    assert info.value.template_id == "stat"
    assert reason in info.value.reason
    assert "konnte nicht ausgeführt werden" in info.value.message("de")
    assert is_closed(opened.connections[0])


def test_LL5_no_connection_is_statistic_failed(tmp_path: Path) -> None:
    def connect() -> sqlite3.Connection:
        return sqlite3.connect(f"file:{tmp_path / 'missing.db'}?mode=ro", uri=True)

    with pytest.raises(StatisticFailed, match="no database connection"):
        SqlStatisticSource(connect).run(template("SELECT 1")).__enter__()


def test_LL5_an_error_while_streaming_is_statistic_failed(database: Path) -> None:
    def fails_late(i: int) -> int:
        if i == 5000:
            raise ValueError("boom")
        return i

    def connect() -> sqlite3.Connection:
        con = sqlite3.connect(database)
        con.create_function("fails_late", 1, fails_late)
        return con

    query = counting(10_000).replace("SELECT i AS nr", "SELECT fails_late(i) AS nr")
    got = 0
    source = SqlStatisticSource(connect, batch_size=100)
    with pytest.raises(StatisticFailed) as info, source.run(template(query)) as result:  # noqa: PT012
        for _ in result.rows:
            got += 1
    assert got == 4900  # the batches before the broken one arrived
    assert "user-defined function raised exception" in info.value.reason


def test_LL5_batch_size_must_be_positive(database: Path) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        SqlStatisticSource(Opened(database), batch_size=0)


class SpyCursor:
    """A real sqlite3 cursor, recording how its rows are fetched."""

    def __init__(self, cursor: sqlite3.Cursor, calls: list[str]) -> None:
        self._cursor = cursor
        self._calls = calls
        self.row_factory: object = None
        self.arraysize = 1

    @property
    def description(self) -> Any:
        return self._cursor.description

    def execute(self, query: str) -> SpyCursor:
        self._cursor.execute(query)
        return self

    def fetchmany(self, size: int) -> list[Any]:
        self._calls.append(f"fetchmany({size})")
        return self._cursor.fetchmany(size)

    def fetchall(self) -> list[Any]:  # pragma: no cover - must not be called
        self._calls.append("fetchall")
        return self._cursor.fetchall()

    def close(self) -> None:
        self._cursor.close()


class SpyConnection:
    def __init__(self, path: Path, calls: list[str]) -> None:
        self._con = sqlite3.connect(path)
        self._calls = calls

    def cursor(self) -> SpyCursor:
        return SpyCursor(self._con.cursor(), self._calls)

    def close(self) -> None:
        self._con.close()


def test_LL5_rows_are_fetched_in_batches_never_all_at_once(database: Path) -> None:
    calls: list[str] = []
    source = SqlStatisticSource(lambda: SpyConnection(database, calls), batch_size=1000)
    with source.run(template(counting(2500))) as result:
        first = next(result.rows)
        assert calls == ["fetchmany(1000)"]  # one batch fetched for the first row
        assert sum(1 for _ in result.rows) + 1 == 2500
    assert first[0] == 1
    assert calls == ["fetchmany(1000)"] * 4  # 1000 + 1000 + 500 + the empty end


def _peak_export(source: SqlStatisticSource, rows: int) -> tuple[int, int]:
    """Peak traced memory of streaming *rows* through encode_csv, and the bytes made."""
    size = 0
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with source.run(template(counting(rows))) as result:
            for chunk in encode_csv(CsvDialect(), result.columns, result.rows):
                size += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, size


def test_LL5_memory_stays_flat_whatever_the_row_count(database: Path) -> None:
    """LL5: 100x the rows, about the same peak memory (tracemalloc, not timing)."""
    source = SqlStatisticSource(Opened(database), batch_size=500)
    small_peak, small_size = _peak_export(source, 500)
    big_peak, big_size = _peak_export(source, 50_000)
    assert big_size > 90 * small_size
    assert big_peak < 1.5 * small_peak + 256 * 1024, (small_peak, big_peak)
    assert big_peak < big_size / 4  # nowhere near holding the result (rows > CSV)


def test_LL5_a_whole_statistic_reads_back_through_the_dialect(database: Path) -> None:
    dialect = CsvDialect()
    source = SqlStatisticSource(Opened(database))
    with source.run(template("SELECT * FROM kunden ORDER BY nr")) as result:
        data = b"".join(encode_csv(dialect, result.columns, result.rows))
    header, rows = decode_csv(dialect, data)
    assert header == ["nr", "name", "umsatz", "geburt"]
    assert rows == [
        ["1", "Müller", "30,0", "1970-01-02"],
        ["2", 'O\'Neil; "Jr"', "", ""],
        ["3", "Weiß\nZweite Zeile", "0,0000001", "1999-12-31"],
    ]


def test_LL5_declared_types_come_through_detect_types(tmp_path: Path) -> None:
    """With a sqlite3 converter a date column arrives as a date and is written yyyyMMdd."""
    sqlite3.register_converter("AMPAREX_TEST_DATE", lambda b: dt.date.fromisoformat(b.decode()))
    path = tmp_path / "typed.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (d AMPAREX_TEST_DATE)")
        con.execute("INSERT INTO t VALUES ('2026-11-23')")
    con.close()
    connect: Callable[[], sqlite3.Connection] = lambda: sqlite3.connect(  # noqa: E731
        path, detect_types=sqlite3.PARSE_DECLTYPES
    )
    with SqlStatisticSource(connect).run(template("SELECT d FROM t")) as result:
        rows = list(result.rows)
    assert rows == [(dt.date(2026, 11, 23),)]
    assert b"".join(encode_csv(CsvDialect(header=False), ["d"], rows)).endswith(b"20261123\r\n")
