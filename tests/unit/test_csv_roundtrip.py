"""Property tests of the statistic CSV dialect (LL3, SPEC "CSV conventions").

Every file a statistic template writes must read back, with the same dialect, to exactly
the values as :func:`format_value` formats them — whatever the rows hold: any Unicode,
the separator, quotes, line breaks, formula-looking leading ``=+-@``, ``None``,
``Decimal``, dates, ints, floats.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from amparex_core.domain.csvdialect import CsvDialect, decode_csv, encode_csv, format_value

DIALECTS = {
    "default": CsvDialect(),
    "cp1252": CsvDialect(encoding="cp1252"),
    "comma_lf": CsvDialect(separator=",", decimal_separator=".", line_terminator="\n"),
    "no_header": CsvDialect(header=False),
    "tab_single_quote": CsvDialect(
        separator="\t", quote_char="'", date_format="%d.%m.%Y", datetime_format="%Y-%m-%dT%H:%M"
    ),
}


def _alphabet(dialect: CsvDialect) -> st.SearchStrategy[str]:
    codec = "cp1252" if dialect.encoding == "cp1252" else "utf-8"
    special = st.sampled_from(
        [dialect.separator, dialect.quote_char, "\r", "\n", "=", "+", "-", "@", ";", ","]
    )
    return st.one_of(st.characters(codec=codec), special)


def _texts(dialect: CsvDialect) -> st.SearchStrategy[str]:
    plain = st.text(_alphabet(dialect), max_size=12)
    formula = st.builds(
        lambda lead, rest: lead + rest, st.sampled_from("=+-@"), st.text(_alphabet(dialect))
    )
    return st.one_of(plain, formula)


def _values(dialect: CsvDialect) -> st.SearchStrategy[object]:
    return st.one_of(
        _texts(dialect),
        st.none(),
        st.integers(),
        st.booleans(),
        st.decimals(allow_nan=False, allow_infinity=False, places=3),
        st.decimals(allow_nan=False, allow_infinity=False),
        st.floats(allow_nan=True, allow_infinity=True),
        st.dates(),
        st.datetimes(),
        st.binary(max_size=6),
    )


@st.composite
def tables(draw: st.DrawFn, dialect: CsvDialect) -> tuple[list[str], list[list[object]]]:
    width = draw(st.integers(min_value=1, max_value=5))
    columns = draw(st.lists(_texts(dialect), min_size=width, max_size=width))
    # Columns of one type (as a database returns them) next to mixed ones: both paths
    # of the encoder are exercised.
    typed = [
        draw(st.one_of(st.just(_values(dialect)), st.sampled_from(_homogeneous(dialect))))
        for _ in range(width)
    ]
    rows = draw(st.lists(st.tuples(*typed).map(list), max_size=12))
    return columns, rows


def _homogeneous(dialect: CsvDialect) -> list[st.SearchStrategy[object]]:
    return [
        st.floats(),
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
        st.decimals(allow_nan=False, allow_infinity=False),
        st.integers(),
        st.dates(),
        st.datetimes(),
        _texts(dialect),
        st.one_of(st.none(), _texts(dialect)),
    ]


def _formatted(rows: Sequence[Sequence[object]], dialect: CsvDialect) -> list[list[str]]:
    return [[format_value(v, dialect) for v in row] for row in rows]


def _csv_module(dialect: CsvDialect, columns: list[str], rows: list[list[object]]) -> bytes:
    """The encoder as it was before: csv.writer over format_value (the reference)."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=dialect.separator,
        quotechar=dialect.quote_char,
        lineterminator=dialect.line_terminator,
        quoting=csv.QUOTE_MINIMAL,
        doublequote=True,
    )
    if dialect.header:
        writer.writerow(columns)
    writer.writerows(_formatted(rows, dialect))
    return buffer.getvalue().encode(dialect.encoding)


@pytest.mark.parametrize("name", sorted(DIALECTS))
@given(data=st.data(), chunk_rows=st.integers(min_value=1, max_value=7))
def test_LL3_csv_reads_back_the_formatted_values(
    name: str, data: st.DataObject, chunk_rows: int
) -> None:
    """LL3: encode with a template's dialect, decode with it: the same values as text.

    The bytes are also those csv.writer wrote before the column-wise encoder — except
    that a lone CR under a LF terminator is quoted now (csv.writer left it bare, and it
    did not read back).
    """
    dialect = DIALECTS[name]
    columns, rows = data.draw(tables(dialect))
    encoded = b"".join(encode_csv(dialect, columns, rows, chunk_rows=chunk_rows))
    header, records = decode_csv(dialect, encoded)
    assert header == (columns if dialect.header else [])
    assert records == _formatted(rows, dialect)
    bare_cr = dialect.line_terminator == "\n" and any(
        "\r" in text for text in [*columns, *(v for r in _formatted(rows, dialect) for v in r)]
    )
    if not bare_cr:
        assert encoded == _csv_module(dialect, columns, rows)


@given(
    rows=st.lists(st.lists(st.integers() | st.text(max_size=5), min_size=2, max_size=2)),
    small=st.integers(min_value=1, max_value=5),
)
def test_LL3_chunking_does_not_change_the_bytes(rows: list[list[object]], small: int) -> None:
    dialect = CsvDialect()
    whole = b"".join(encode_csv(dialect, ["a", "b"], rows, chunk_rows=10_000))
    assert b"".join(encode_csv(dialect, ["a", "b"], rows, chunk_rows=small)) == whole


@given(
    column=st.one_of(
        st.lists(st.floats(), min_size=1),
        st.lists(st.decimals(), min_size=1),
        st.lists(st.dates(), min_size=1),
        st.lists(st.datetimes(), min_size=1),
        st.lists(st.integers(), min_size=1),
        st.lists(st.booleans(), min_size=1),
    ),
    separator=st.sampled_from([",", ".", "_"]),
)
def test_LL3_whole_column_formatting_equals_format_value(
    column: list[object], separator: str
) -> None:
    """LL3: the C-level column paths give what format_value gives value by value."""
    dialect = CsvDialect(separator="|", decimal_separator=separator, header=False)
    rows = [[v] for v in column]
    decoded = decode_csv(dialect, b"".join(encode_csv(dialect, ["x"], rows)))[1]
    assert decoded == _formatted(rows, dialect)


def test_LL3_default_dialect_is_amparex_convention() -> None:
    """SPEC "CSV conventions": header, ;, no trailing separator, yyyyMMdd, 30,00, BOM."""
    data = b"".join(
        encode_csv(
            CsvDialect(),
            ["Kunde", "Betrag", "Datum"],
            [["Müller", Decimal("30.00"), dt.date(2026, 11, 23)]],
        )
    )
    assert data == "\ufeffKunde;Betrag;Datum\r\nMüller;30,00;20261123\r\n".encode()


def test_LL3_special_floats_are_written_as_plain_decimals() -> None:
    dialect = CsvDialect(header=False)
    values = [1e-7, 1e22, -0.0, math.inf, 2.5]
    data = b"".join(encode_csv(dialect, ["x"], [[v] for v in values]))
    assert decode_csv(dialect, data)[1] == [
        ["0,0000001"],
        ["10000000000000000000000"],
        ["-0,0"],
        ["Infinity"],
        ["2,5"],
    ]


def test_LL3_wrong_row_width_is_refused() -> None:
    with pytest.raises(ValueError, match="a row has 1 values, the header 2 columns"):
        b"".join(encode_csv(CsvDialect(), ["a", "b"], [[1, 2], [3]]))


def test_LL3_value_outside_the_encoding_is_refused() -> None:
    with pytest.raises(UnicodeEncodeError):
        b"".join(encode_csv(CsvDialect(encoding="cp1252"), ["a"], [["日本"]]))


def test_LL3_single_empty_field_reads_back_as_a_record() -> None:
    dialect = CsvDialect(header=False)
    data = b"".join(encode_csv(dialect, ["a"], [[""], [None], ["x"]]))
    assert decode_csv(dialect, data)[1] == [[""], [""], ["x"]]


def test_LL3_empty_export_has_header_only() -> None:
    chunks = list(encode_csv(CsvDialect(), ["a", "b"], []))
    assert b"".join(chunks) == "\ufeffa;b\r\n".encode()


def test_LL3_chunk_rows_must_be_positive() -> None:
    with pytest.raises(ValueError, match="chunk_rows"):
        list(encode_csv(CsvDialect(), ["a"], [], chunk_rows=0))


@given(st.lists(st.text(st.characters(codec="utf-8"), max_size=8), min_size=1, max_size=4))
def test_LL3_nul_in_values_reads_back(values: list[str]) -> None:
    assume(any(values))
    dialect = CsvDialect(header=False)
    row = [v + "\x00" for v in values]
    data = b"".join(encode_csv(dialect, ["c"] * len(row), [row]))
    assert decode_csv(dialect, data)[1] == [row]
