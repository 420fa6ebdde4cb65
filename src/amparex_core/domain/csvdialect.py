"""The CSV dialect of statistic templates and manifests (SPEC "CSV conventions").

AMPAREX's own CSV files use a header row, ``;`` as separator, no separator after the last
field, one record per line, dates as ``yyyyMMdd`` and decimals as ``30,00``; they are
encoded as UTF-8 with a byte-order mark, which German Excel needs. Every one of these is an
option of :class:`CsvDialect`.

Encoding is pure: :func:`encode_csv` turns rows into ``bytes`` chunks in memory and never
touches a file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, Final

import attrs

__all__ = ["CsvDialect", "decode_csv", "encode_csv", "format_value"]

_CHUNK_ROWS: Final = 512


def _one_char(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if len(value) != 1:
        raise ValueError(f"{attribute.name} must be exactly one character, not {value!r}")


def _known_encoding(_inst: object, _attribute: attrs.Attribute[str], value: str) -> None:
    codecs.lookup(value)  # raises LookupError for an unknown codec


def _line_terminator(_inst: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ("\r\n", "\n"):
        raise ValueError(r"line_terminator is '\r\n' or '\n'")


@attrs.frozen
class CsvDialect:
    r"""How a statistic template (or a manifest) writes CSV.

    Attributes:
        separator: Field separator, ``;`` by default.
        quote_char: Quote character for fields that contain the separator, a quote or a
            line break.
        encoding: Python codec name; ``utf-8-sig`` (UTF-8 with BOM) by default, ``cp1252``
            for old Windows tools.
        decimal_separator: Separator of decimals, ``,`` by default (``30,00``).
        date_format: :meth:`~datetime.date.strftime` pattern of dates, ``%Y%m%d``
            (``yyyyMMdd``) by default.
        datetime_format: Pattern of timestamps, ``%Y%m%d%H%M%S`` by default.
        header: Whether the first line names the columns.
        line_terminator: ``\\r\\n`` (default) or ``\\n``.
    """

    separator: str = attrs.field(default=";", validator=_one_char)
    quote_char: str = attrs.field(default='"', validator=_one_char)
    encoding: str = attrs.field(default="utf-8-sig", validator=_known_encoding)
    decimal_separator: str = attrs.field(default=",", validator=_one_char)
    date_format: str = "%Y%m%d"
    datetime_format: str = "%Y%m%d%H%M%S"
    header: bool = True
    line_terminator: str = attrs.field(default="\r\n", validator=_line_terminator)

    def __attrs_post_init__(self) -> None:
        if self.separator == self.quote_char:
            raise ValueError("separator and quote_char must differ")
        if self.separator in "\r\n" or self.quote_char in "\r\n":
            raise ValueError("separator and quote_char cannot be line breaks")


def format_value(value: object, dialect: CsvDialect) -> str:
    """Format one value the way *dialect* writes it.

    >>> format_value(Decimal("30.00"), CsvDialect())
    '30,00'
    >>> format_value(dt.date(2026, 11, 23), CsvDialect())
    '20261123'
    >>> format_value(None, CsvDialect())
    ''
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        text = format(value if isinstance(value, Decimal) else Decimal(repr(value)), "f")
        return text.replace(".", dialect.decimal_separator)
    if isinstance(value, dt.datetime):
        return value.strftime(dialect.datetime_format)
    if isinstance(value, dt.date):
        return value.strftime(dialect.date_format)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def _writer(buffer: io.StringIO, dialect: CsvDialect, quoting: Any = csv.QUOTE_MINIMAL) -> Any:
    return csv.writer(
        buffer,
        delimiter=dialect.separator,
        quotechar=dialect.quote_char,
        lineterminator=dialect.line_terminator,
        quoting=quoting,
        doublequote=True,
        strict=True,
    )


def encode_csv(
    dialect: CsvDialect,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    chunk_rows: int = _CHUNK_ROWS,
) -> Iterator[bytes]:
    """Encode *rows* as CSV, lazily, in chunks of at most *chunk_rows* rows.

    Memory stays flat however many rows come: only one chunk is held at a time.

    Args:
        dialect: How to write.
        columns: The column names (written as the header when the dialect has one).
        rows: The records; each has as many values as there are columns.
        chunk_rows: Rows per yielded chunk.

    Yields:
        Encoded bytes; the first chunk starts with the byte-order mark where the encoding
        has one.

    Raises:
        ValueError: A row has the wrong number of values.
        UnicodeEncodeError: A value cannot be encoded in the dialect's encoding.
    """
    encoder = codecs.getincrementalencoder(dialect.encoding)("strict")
    buffer = io.StringIO()
    writer = _writer(buffer, dialect)
    # csv quotes only the line terminator's own characters: a lone "\r" in a "\n" file
    # (or the reverse) would break the record, so such rows are written fully quoted.
    quoting_writer = _writer(buffer, dialect, csv.QUOTE_ALL)
    width = len(columns)
    if dialect.header:
        writer.writerow(columns)
    pending = 0
    for row in rows:
        if len(row) != width:
            raise ValueError(f"a row has {len(row)} values, the header {width} columns")
        fields = [format_value(v, dialect) for v in row]
        if any("\r" in f or "\n" in f for f in fields):
            quoting_writer.writerow(fields)
        else:
            writer.writerow(fields)
        pending += 1
        if pending >= chunk_rows:
            yield encoder.encode(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    tail = encoder.encode(buffer.getvalue(), final=True)
    if tail or not dialect.header:
        yield tail


def decode_csv(dialect: CsvDialect, data: bytes) -> tuple[list[str], list[list[str]]]:
    """Read CSV bytes written with *dialect* back into columns and rows of text.

    Returns:
        The header (empty when the dialect has none) and the records.
    """
    text = data.decode(dialect.encoding)
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=dialect.separator,
        quotechar=dialect.quote_char,
        doublequote=True,
        strict=True,
    )
    records = list(reader)
    if dialect.header:
        return (records[0] if records else []), records[1:]
    return [], records
