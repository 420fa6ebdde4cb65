"""Abuse of the CSV dialect options of statistic templates (LL3, SPEC "CSV conventions").

The options come from configuration: the ``dialect`` table of a statistic template in a
master-data bundle. Proven here:

* any combination of separator, quote character, decimal separator, encoding, line
  terminator, date formats and header is either accepted or refused at import with
  ``masterdata.invalid`` naming ``statistic_templates[1].dialect`` — never another error;
  the combinations that cannot work (separator == quote, decimal separator == separator,
  quote or a digit or a sign, a multi-character option, an unknown or non-text codec such
  as ``rot13``/``hex``/``undefined``, a line break as separator) are among the refused;
* every accepted dialect writes arbitrary rows (every value the encoding can hold) that
  Python's :mod:`csv` module reads back exactly, header included;
* every accepted dialect writes decimals that read back to the same number, and dates and
  timestamps without error.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from amparex_adapters.masterdata.bundle import parse_bundle
from amparex_core.domain.csvdialect import CsvDialect, encode_csv, format_value
from amparex_core.domain.errors import AmparexError, MasterDataInvalid

from ._abuse import assert_refusal, outcome

chars = st.sampled_from(
    [";", ",", "\t", "|", '"', "'", ".", " ", "\x00", "\n", "\r", "1", "-", "e", "é", "€", "\\"]
)
options = st.fixed_dictionaries(
    {},
    optional={
        "separator": chars | st.sampled_from(["", ";;"]),
        "quote_char": chars | st.just("''"),
        "decimal_separator": chars | st.just(",,"),
        "encoding": st.sampled_from(
            [
                "utf-8-sig",
                "utf-8",
                "cp1252",
                "latin-1",
                "utf-16",
                "ascii",
                "cp850",
                "rot13",
                "hex",
                "base64",
                "zlib",
                "undefined",
                "no-such-codec",
                "",
                "utf8\x00",
            ]
        ),
        "line_terminator": st.sampled_from(["\r\n", "\n", "\r", "", ";"]),
        "date_format": st.sampled_from(["%Y%m%d", "%d.%m.%Y", "%Y-%m-%d", "", "%", "x\x00", "%Q"]),
        "datetime_format": st.sampled_from(["%Y%m%d%H%M%S", "%c", "%"]),
        "header": st.booleans() | st.sampled_from(["yes", 1]),
    },
)

plausible_chars = st.sampled_from(
    [";", ",", "\t", "|", '"', "'", ".", " ", "\x00", "é", "€", "\\", "x"]
)
plausible = st.fixed_dictionaries(
    {
        "separator": plausible_chars,
        "quote_char": plausible_chars,
        "decimal_separator": plausible_chars,
    },
    optional={
        "encoding": st.sampled_from(["utf-8-sig", "utf-8", "cp1252", "latin-1", "utf-16", "ascii"]),
        "line_terminator": st.sampled_from(["\r\n", "\n"]),
        "date_format": st.sampled_from(["%Y%m%d", "%d.%m.%Y", "", "%"]),
        "header": st.booleans(),
    },
)
"""Options that are mostly accepted: the round trips need many accepted dialects."""


def _template(dialect: dict[str, Any]) -> dict[str, Any]:
    return {
        "statistic_templates": [
            {"id": "ST-1", "name": "Kunden", "file_format": "csv", "query": "q", "dialect": dialect}
        ]
    }


def _refusal_expected(o: dict[str, Any]) -> bool:
    """Combinations that can never work."""
    sep, quote, dec = (
        o.get("separator", ";"),
        o.get("quote_char", '"'),
        o.get("decimal_separator", ","),
    )
    if any(len(x) != 1 for x in (sep, quote, dec) if isinstance(x, str)):
        return True
    return (
        sep == quote
        or dec in (sep, quote)
        or dec.isdigit()
        or dec in "+-eE\r\n"
        or sep in "\r\n"
        or quote in "\r\n"
        or o.get("encoding") in ("rot13", "hex", "base64", "zlib", "undefined", "no-such-codec", "")
        or o.get("line_terminator", "\n") not in ("\r\n", "\n")
        or not isinstance(o.get("header", True), bool)
    )


def _accepted(o: dict[str, Any]) -> CsvDialect | AmparexError:
    result = outcome(lambda: parse_bundle(_template(o), source="dialect.toml"), o)
    if isinstance(result, AmparexError):
        assert isinstance(result, MasterDataInvalid), result
        assert_refusal(result, code="masterdata.invalid")
        assert all("statistic_templates[1].dialect" in p for p in result.problems), result.problems
        return result
    return result.statistic_templates[0].dialect


@given(o=options)
def test_LL3_a_dialect_is_accepted_or_refused_at_import(o: dict[str, Any]) -> None:
    """Impossible combinations are refused with masterdata.invalid naming the dialect."""
    dialect = _accepted(o)
    event("refused" if isinstance(dialect, AmparexError) else "accepted")
    if _refusal_expected(o):
        assert isinstance(dialect, AmparexError), f"accepted: {o!r}"


cells = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from(";,\"'\r\n\t|é€\x00"),
    max_size=8,
)


@given(
    o=options | plausible,
    width=st.integers(1, 4),
    data=st.data(),
)
def test_LL3_LL7_an_accepted_dialect_round_trips_arbitrary_rows(
    o: dict[str, Any], width: int, data: st.DataObject
) -> None:
    """What encode_csv writes, Python's csv module reads back exactly (header too)."""
    dialect = _accepted(o)
    event("refused" if isinstance(dialect, AmparexError) else "accepted")
    if isinstance(dialect, AmparexError):
        return
    encodable = cells.filter(lambda text: _encodable(text, dialect.encoding))
    header = data.draw(st.lists(encodable, min_size=width, max_size=width))
    rows = data.draw(st.lists(st.lists(encodable, min_size=width, max_size=width), max_size=6))
    raw = b"".join(encode_csv(dialect, header, rows))
    text = raw.decode(dialect.encoding)
    read = list(
        csv.reader(
            io.StringIO(text, newline=""),
            delimiter=dialect.separator,
            quotechar=dialect.quote_char,
            doublequote=True,
            strict=True,
        )
    )
    expected = ([header] if dialect.header else []) + rows
    assert read == expected


def _encodable(text: str, encoding: str) -> bool:
    try:
        codecs.encode(text, encoding)
    except UnicodeError:
        return False
    return True


@given(
    o=options | plausible,
    number=st.decimals(
        allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9
    )
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
    moment=st.datetimes(min_value=dt.datetime(1900, 1, 1)),
)
def test_LL3_numbers_read_back_and_dates_format_with_any_accepted_dialect(
    o: dict[str, Any], number: Decimal | float, moment: dt.datetime
) -> None:
    """A decimal written with the dialect's separator reads back as the same number."""
    dialect = _accepted(o)
    if isinstance(dialect, AmparexError):
        return
    text = format_value(number, dialect)
    assert text.count(dialect.decimal_separator) <= 1
    assert Decimal(text.replace(dialect.decimal_separator, ".")) == Decimal(
        repr(number) if isinstance(number, float) else number
    )
    format_value(moment, dialect)
    format_value(moment.date(), dialect)
