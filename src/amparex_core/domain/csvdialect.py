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
import itertools
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Final

import attrs

from ._records import frozen

__all__ = ["CsvDialect", "decode_csv", "encode_csv", "format_value"]

_CHUNK_ROWS: Final = 512


def _one_char(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if len(value) != 1:
        raise ValueError(f"{attribute.name} must be exactly one character, not {value!r}")


def _known_encoding(_inst: object, _attribute: attrs.Attribute[str], value: str) -> None:
    info = codecs.lookup(value)  # raises LookupError for an unknown codec
    # A codec that is no text encoding (rot13, hex, base64, zlib) or that encodes
    # nothing ("undefined") would fail at the first export, not here.
    try:
        sample = info.encode("a")[0] if info._is_text_encoding else None
    except (UnicodeError, ValueError, TypeError):
        sample = None
    if not isinstance(sample, bytes):
        raise ValueError(f"encoding {value!r} is not a text encoding CSV can be written in")


def _line_terminator(_inst: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ("\r\n", "\n"):
        raise ValueError(r"line_terminator is '\r\n' or '\n'")


@frozen
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
        decimal = self.decimal_separator
        if (
            decimal in (self.separator, self.quote_char)
            or decimal in "\r\n+-eE"
            or decimal.isdigit()
        ):
            raise ValueError(
                f"decimal_separator {decimal!r} would make numbers ambiguous: not the "
                "separator, the quote character, a digit, a sign, 'e' or a line break"
            )
        for name in ("date_format", "datetime_format"):
            pattern = getattr(self, name)
            try:
                dt.datetime(2026, 1, 2, 3, 4, 5).strftime(pattern)
            except (ValueError, UnicodeError) as exc:
                raise ValueError(f"{name} {pattern!r} is not a strftime pattern: {exc}") from None


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


# Joins a column's texts to scan them (or format numbers) in one C-level pass. A value may
# contain it too: the scan then only errs towards quoting, and numbers never contain it.
_JOIN: Final = "\x00"
_NONE: Final = type(None)


def _column_texts(column: Sequence[object], dialect: CsvDialect) -> tuple[Sequence[str], str]:
    """The texts of one column of a chunk, as :func:`format_value` makes them, and their join.

    A column of one type (what a database cursor returns) is formatted in one C-level
    pass over the whole column; only mixed or unusual columns pay a Python call per value.
    """
    kinds = set(map(type, column))
    texts: Sequence[str]
    if len(kinds) == 1:
        (kind,) = kinds
        if kind is str:
            texts = column  # type: ignore[assignment]  # every value is a str
            return texts, _JOIN.join(texts)
        if kind is int:
            texts = list(map(str, column))
            return texts, _JOIN.join(texts)
        if kind is float or kind is Decimal:
            joined = (
                _JOIN.join(map(repr, column))
                if kind is float
                else _JOIN.join(map(format, column, itertools.repeat("f")))
            )
            # repr() writes some floats with an exponent or as inf/nan, where
            # format_value() writes plain decimals: those columns go value by value.
            if kind is Decimal or not ("e" in joined or "n" in joined):
                if dialect.decimal_separator != ".":
                    joined = joined.replace(".", dialect.decimal_separator)
                return joined.split(_JOIN), joined
        elif kind is dt.date or kind is dt.datetime:
            # strftime is slow and dates repeat (days of sale): format each one once.
            pattern = dialect.date_format if kind is dt.date else dialect.datetime_format
            formatted = {value: value.strftime(pattern) for value in set(column)}  # type: ignore[attr-defined]
            texts = list(map(formatted.__getitem__, column))
            return texts, _JOIN.join(texts)
    elif kinds == {str, _NONE}:
        texts = ["" if value is None else value for value in column]  # type: ignore[misc]
        return texts, _JOIN.join(texts)
    texts = [format_value(value, dialect) for value in column]
    return texts, _JOIN.join(texts)


class _Encoder:
    r"""Writes rows as CSV text the way the csv module's ``QUOTE_MINIMAL`` does.

    A field is quoted when it contains the separator, the quote character or a line
    break (``\r`` or ``\n``, whatever the line terminator); quotes inside are doubled.
    A record of one empty field is written as ``""`` so that it reads back as a record.
    Unlike :mod:`csv`, the work is done a column of a chunk at a time, with C-level
    passes (see :func:`_column_texts`), which makes a large export cheap.
    """

    def __init__(self, dialect: CsvDialect) -> None:
        self._dialect = dialect
        self._sep = dialect.separator
        self._term = dialect.line_terminator
        quote = dialect.quote_char
        self._quote = quote
        self._doubled = quote + quote
        self._specials = (dialect.separator, quote, "\n", "\r")

    def _quoted(self, texts: Sequence[str]) -> list[str]:
        sep, quote, doubled = self._sep, self._quote, self._doubled
        return [
            quote + text.replace(quote, doubled) + quote
            if (sep in text or quote in text or "\n" in text or "\r" in text)
            else text
            for text in texts
        ]

    def text(self, rows: Sequence[Sequence[object]], width: int) -> str:
        """The CSV text of *rows*, each with *width* values, one line per record."""
        if width == 0:
            return self._term * len(rows)
        columns: list[Sequence[str]] = []
        for column in zip(*rows, strict=True):
            texts, joined = _column_texts(column, self._dialect)
            if any(special in joined for special in self._specials):
                texts = self._quoted(texts)
            columns.append(texts)
        if width == 1:
            lines: Iterable[str] = [self._doubled if text == "" else text for text in columns[0]]
        else:
            lines = map(self._sep.join, zip(*columns, strict=True))
        return self._term.join(lines) + self._term


def encode_csv(
    dialect: CsvDialect,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    chunk_rows: int = _CHUNK_ROWS,
) -> Iterator[bytes]:
    """Encode *rows* as CSV, lazily, in chunks of at most *chunk_rows* rows.

    Memory stays flat however many rows come: only one chunk is held at a time. Every
    value is written as :func:`format_value` formats it, quoted like the :mod:`csv`
    module's ``QUOTE_MINIMAL`` (and also when it holds a line break the line terminator
    does not contain, so that it reads back). The work is done a column of a chunk at a
    time: a column of one type (as a database cursor returns it) is formatted and
    scanned by C-level passes, so a large export costs less than a :mod:`csv` loop.

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
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    encoder = codecs.getincrementalencoder(dialect.encoding)("strict")
    writer = _Encoder(dialect)
    width = len(columns)
    pending = writer.text([tuple(columns)], width) if dialect.header else ""
    source = iter(rows)
    while chunk := list(itertools.islice(source, chunk_rows)):
        widths = set(map(len, chunk))
        if widths != {width}:
            wrong = min(widths - {width})
            raise ValueError(f"a row has {wrong} values, the header {width} columns")
        yield encoder.encode(pending + writer.text(chunk, width))
        pending = ""
    tail = encoder.encode(pending, final=True)
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
