"""Small value objects: secrets (CO1), money and prices (CO15), CSV dialect (SPEC CSV)."""

from __future__ import annotations

import datetime as dt
import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_core.domain import errors
from amparex_core.domain.csvdialect import CsvDialect, decode_csv, encode_csv, format_value
from amparex_core.domain.money import CostItem, Money, PriceList
from amparex_core.domain.secret import REDACTED, Secret
from tests import strategies as s


@given(st.text(min_size=1))
def test_CO1_secret_never_shows_its_value(value: str) -> None:
    secret = Secret(value)
    assert repr(secret) == f"{secret!r}" == "Secret('********')"
    assert str(secret) == f"{secret}" == REDACTED
    assert f"{secret:>20}" == f"{REDACTED:>20}"
    assert secret.reveal() == value
    assert secret == Secret(value) and hash(secret) == hash(Secret(value))
    assert pickle.loads(pickle.dumps(secret)) == secret


def test_CO1_secret_basics() -> None:
    assert Secret("a") != Secret("b")
    assert Secret("a").__eq__("a") is NotImplemented
    assert not Secret("") and Secret("x")
    with pytest.raises(TypeError):
        Secret(1234)  # type: ignore[arg-type]


@given(s.money, s.money)
def test_CO15_money_adds_in_one_currency(a: Money, b: Money) -> None:
    assert (a + b).amount == a.amount + b.amount
    assert a + Money.zero("EUR") == a


def test_CO15_money_refuses_mixing_currencies_and_floats() -> None:
    with pytest.raises(ValueError, match="cannot add"):
        Money(Decimal(1), "EUR") + Money(Decimal(1), "CHF")
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(Decimal(1), "EURO")
    with pytest.raises(ValueError, match="finite"):
        Money(Decimal("NaN"), "EUR")
    assert str(Money(Decimal("4.5"), "eur")) == "4.50 EUR"
    assert Money(Decimal(1), "EUR").__add__(1) is NotImplemented  # type: ignore[operator]


def test_CO15_price_list_lines_and_missing_prices() -> None:
    prices = PriceList("EUR", {CostItem.CARD_CHIP: "2.50"})
    assert prices.line(CostItem.CARD_CHIP).price == Money(Decimal("2.50"), "EUR")
    with pytest.raises(errors.PriceMissing) as info:
        prices.line(CostItem.GIFT_BOX)
    assert info.value.code == "order.price_missing"
    assert prices.total([prices.line(CostItem.CARD_CHIP)] * 3).amount == Decimal("7.50")


def test_csv_default_dialect_is_amparex_convention() -> None:
    rows = [("1", Decimal("30.00"), dt.date(2026, 11, 23), None, True)]
    data = b"".join(encode_csv(CsvDialect(), ["id", "amount", "date", "empty", "flag"], rows))
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for German Excel
    text = data.decode("utf-8-sig")
    assert text == "id;amount;date;empty;flag\r\n1;30,00;20261123;;1\r\n"
    assert not text.splitlines()[1].endswith(";")


def test_csv_format_value_kinds() -> None:
    d = CsvDialect(decimal_separator=".")
    assert format_value(1.5, d) == "1.5"
    assert format_value(dt.datetime(2026, 1, 2, 3, 4, 5), d) == "20260102030405"
    assert format_value(b"\x01\xff", d) == "01ff"
    assert format_value(Decimal("-0.10"), CsvDialect()) == "-0,10"
    assert format_value(object, d).startswith("<class")


def test_csv_dialect_validation() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        CsvDialect(separator=";;")
    with pytest.raises(ValueError, match="differ"):
        CsvDialect(separator='"')
    with pytest.raises(LookupError):
        CsvDialect(encoding="no-such-codec")
    with pytest.raises(ValueError, match="line breaks"):
        CsvDialect(separator="\n")
    with pytest.raises(ValueError, match="line_terminator"):
        CsvDialect(line_terminator="\r")


def test_csv_row_width_is_checked() -> None:
    with pytest.raises(ValueError, match="2 values"):
        list(encode_csv(CsvDialect(), ["a"], [("x", "y")]))


cell = st.one_of(
    st.none(),
    st.integers(min_value=-(10**12), max_value=10**12),
    s.decimals,
    s.dates,
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=20),
    st.sampled_from(["=1+1", "+49", "-3", "@SUM(A1)", 'a"b', "x;y", "line\nbreak", "cr\r\nlf"]),
)


@given(
    s.csv_dialects,
    st.integers(min_value=1, max_value=4).flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(st.lists(cell, min_size=n, max_size=n), max_size=20)
        )
    ),
    st.integers(min_value=1, max_value=5),
)
def test_LL7_csv_round_trip_with_any_dialect(
    dialect: CsvDialect, shaped: tuple[int, list[list[object]]], chunk_rows: int
) -> None:
    """Whatever the rows (unicode, separators, quotes, line breaks, formula-like text),
    reading the file back with its dialect returns the formatted values."""
    width, rows = shaped
    if dialect.encoding == "cp1252":
        rows = [
            [v.encode("cp1252", "replace").decode("cp1252") if isinstance(v, str) else v for v in r]
            for r in rows
        ]
    columns = [f"c{i}" for i in range(width)]
    data = b"".join(encode_csv(dialect, columns, rows, chunk_rows=chunk_rows))
    header, back = decode_csv(dialect, data)
    assert header == (columns if dialect.header else [])
    expected = [[format_value(v, dialect) for v in r] for r in rows]
    # csv cannot tell one empty field from an empty line: a single empty field reads as []
    normalised = [r if r else [""] for r in back]
    assert normalised == expected
