"""SqlStatisticSource on a real PostgreSQL server through psycopg 3 (LL5).

The cluster comes from ``tests/plugins/postgres.py`` (``pg_url``: a fresh schema).
"""

from __future__ import annotations

import datetime as dt
import tracemalloc
from decimal import Decimal
from typing import Any

import pytest

from amparex_adapters.statistics.sql import SqlStatisticSource
from amparex_core.domain.csvdialect import CsvDialect, decode_csv, encode_csv
from amparex_core.domain.errors import StatisticFailed
from amparex_core.domain.masterdata import FileFormat, StatisticTemplate

psycopg = pytest.importorskip(
    "psycopg", reason='needs the extra: pip install "amparex-core[postgres]"'
)

pytestmark = pytest.mark.integration


def template(query: str) -> StatisticTemplate:
    return StatisticTemplate(id="pg", name="Statistik", file_format=FileFormat.CSV, query=query)


@pytest.fixture
def url(pg_url: str) -> str:
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(
            "CREATE TABLE brillen (nr integer, kunde text, preis numeric(10,2), "
            "verkauft date, erfasst timestamp, bezahlt boolean)"
        )
        con.execute(
            "INSERT INTO brillen VALUES "
            "(1, 'Müller; \"Jr\"', 30.00, '2026-11-23', '2026-11-23 08:15:00', true), "
            "(2, NULL, NULL, NULL, NULL, NULL)"
        )
    return pg_url


def test_LL5_postgres_values_keep_their_types(url: str) -> None:
    source = SqlStatisticSource(lambda: psycopg.connect(url))
    with source.run(template("SELECT * FROM brillen ORDER BY nr;")) as result:
        assert result.columns == ("nr", "kunde", "preis", "verkauft", "erfasst", "bezahlt")
        rows = list(result.rows)
    assert rows == [
        (
            1,
            'Müller; "Jr"',
            Decimal("30.00"),
            dt.date(2026, 11, 23),
            dt.datetime(2026, 11, 23, 8, 15),
            True,
        ),
        (2, None, None, None, None, None),
    ]
    data = b"".join(encode_csv(CsvDialect(), ("nr", "kunde", "preis", "tag", "zeit", "ok"), rows))
    assert decode_csv(CsvDialect(), data)[1] == [
        ["1", 'Müller; "Jr"', "30,00", "20261123", "20261123081500", "1"],
        ["2", "", "", "", "", ""],
    ]


def _open_cursors(url: str) -> list[str]:
    with psycopg.connect(url, autocommit=True) as con:
        return [r[0] for r in con.execute("SELECT statement FROM pg_cursors").fetchall()]


def test_LL5_postgres_rows_come_from_a_server_side_cursor(url: str) -> None:
    """LL5: the query runs as DECLARE … CURSOR; batches are fetched while iterating."""
    seen: list[Any] = []

    def connect() -> Any:
        con = psycopg.connect(url)
        seen.append(con)
        return con

    source = SqlStatisticSource(connect, batch_size=100)
    query = "SELECT i, repeat('x', 50) FROM generate_series(1, 1000) AS i"
    with source.run(template(query)) as result:
        assert next(result.rows) == (1, "x" * 50)
        con = seen[0]
        cursors = con.execute("SELECT name, statement FROM pg_cursors").fetchall()
        assert any(
            name.startswith("amparex_statistic_") and "DECLARE" in statement.upper()
            for name, statement in cursors
        ), cursors
        assert sum(1 for _ in result.rows) == 999
    assert seen[0].closed


def test_LL5_postgres_autocommit_connection_works_too(url: str) -> None:
    source = SqlStatisticSource(lambda: psycopg.connect(url, autocommit=True), batch_size=7)
    with source.run(template("SELECT i FROM generate_series(1, 50) AS i")) as result:
        assert [r[0] for r in result.rows] == list(range(1, 51))


def test_LL5_postgres_percent_signs_are_not_placeholders(url: str) -> None:
    source = SqlStatisticSource(lambda: psycopg.connect(url))
    query = "SELECT kunde FROM brillen WHERE kunde LIKE 'M%' AND '%s' = '%s'"
    with source.run(template(query)) as result:
        assert list(result.rows) == [('Müller; "Jr"',)]


def test_LL5_postgres_refused_query_is_statistic_failed(url: str) -> None:
    source = SqlStatisticSource(lambda: psycopg.connect(url))
    with pytest.raises(StatisticFailed) as info, source.run(template("SELECT * FROM fehlt")):
        pytest.fail("not entered")
    assert "fehlt" in info.value.reason


def test_LL5_postgres_error_while_streaming_is_statistic_failed(url: str) -> None:
    source = SqlStatisticSource(lambda: psycopg.connect(url), batch_size=100)
    query = "SELECT 1 / (i - 500) FROM generate_series(1, 1000) AS i"
    got: list[object] = []

    def consume() -> None:
        with source.run(template(query)) as result:
            got.extend(result.rows)

    with pytest.raises(StatisticFailed, match="division by zero"):
        consume()
    assert len(got) == 400  # the complete batches before the failing one
    assert _open_cursors(url) == []


def test_LL5_postgres_no_connection_is_statistic_failed(url: str) -> None:
    bad = url.replace("@127.0.0.1:", "@127.0.0.1:1")  # a port nobody listens on
    source = SqlStatisticSource(lambda: psycopg.connect(bad, connect_timeout=2))
    with pytest.raises(StatisticFailed, match="no database connection"):
        source.run(template("SELECT 1")).__enter__()


def test_LL5_postgres_memory_stays_flat(url: str) -> None:
    """LL5: 100x the rows, about the same client peak memory (server-side cursor)."""

    def peak(rows: int) -> int:
        source = SqlStatisticSource(lambda: psycopg.connect(url), batch_size=500)
        query = f"SELECT i, 'Kunde ' || i, i * 1.5 FROM generate_series(1, {rows}) AS i"
        tracemalloc.start()
        try:
            with source.run(template(query)) as result:
                for _ in encode_csv(CsvDialect(), result.columns, result.rows):
                    pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, big = peak(500), peak(50_000)
    assert big < 1.5 * small + 512 * 1024, (small, big)
