"""Amounts in the chain's conventions, and a shipping item per batch (CO15, CO23)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_core.domain.batches import MANIFEST_COLUMNS, manifest_csv
from amparex_core.domain.csvdialect import CsvDialect, decode_csv
from amparex_core.domain.money import CostItem, Money, MoneyFormat, PriceList, plain_amount
from amparex_core.domain.templates import CardType
from tests.world import World

# Prices of up to three decimals: amounts are never rounded, so sums stay exact.
amounts = st.decimals(min_value=0, max_value=500, places=2) | st.decimals(
    min_value=0, max_value=5, places=3
)
price_lists = st.builds(
    lambda items, shipping: PriceList(
        "EUR", {**items, **({} if shipping is None else {CostItem.SHIPPING: shipping})}
    ),
    st.fixed_dictionaries(
        {
            CostItem.CARD_CHIP: amounts,
            CostItem.CARD_NFC_RFID: amounts,
            CostItem.GIFT_BOX: amounts,
            CostItem.ROLLER_CLIP: amounts,
        }
    ),
    st.none() | amounts,
)
orders = st.lists(st.tuples(st.sampled_from(list(CardType)), st.booleans()), min_size=1, max_size=6)


def _number(text: str, separator: str) -> Decimal:
    """An amount of the manifest, insisting on its one notation: digits, separator, decimals."""
    other = "." if separator == "," else ","
    assert re.fullmatch(r"\d+" + re.escape(separator) + r"\d{2,}", text), text
    assert other not in text
    return Decimal(text.replace(separator, "."))


@given(prices=price_lists, placed=orders, separator=st.sampled_from([",", "."]))
def test_CO15_CO23_manifest_amounts_sum_with_shipping_to_the_total_in_one_notation(
    prices: PriceList, placed: list[tuple[CardType, bool]], separator: str
) -> None:
    """CO23: every amount of the CSV manifest — each cost line, each order's total, the
    shipping item and the batch total — has the dialect's decimal separator; per order
    the cost lines sum to its total, and the order totals with the shipping item sum to
    the batch total, which is the batch's and the JSON manifest's total."""
    world = World(prices=prices)
    world.card_ordering()
    for index, (card_type, gift_box) in enumerate(placed):
        name = f"T{index}"
        world.template(name, card_type=card_type, gift_box=gift_box)
        world.orders.place(template=name, holder_id="K1", branch="F01", process_ref=f"V{index}")
    world.clock.advance(dt.timedelta(days=8))
    (batch,) = world.orders.dispatch().delivered
    assert batch.shipping == prices.shipping
    stored = [world.orders.get(i) for i in batch.order_ids]
    header, rows = decode_csv(
        CsvDialect(decimal_separator=separator),
        manifest_csv(batch, stored, CsvDialect(decimal_separator=separator)),
    )
    assert header == list(MANIFEST_COLUMNS)
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert len(records) == len(placed)
    shipping = _number(records[0]["batch_shipping"], separator)
    total = _number(records[0]["batch_total"], separator)
    order_totals = Decimal(0)
    for record in records:
        lines = [line.split("=") for line in record["costs"].split(" + ")]
        assert sum(_number(amount, separator) for _, amount in lines) == _number(
            record["total"], separator
        )
        order_totals += _number(record["total"], separator)
        assert (record["batch_shipping"], record["batch_total"]) == (
            records[0]["batch_shipping"],
            records[0]["batch_total"],
        )
    assert order_totals + shipping == total == batch.total.amount
    assert shipping == (Decimal(0) if prices.shipping is None else prices.shipping.amount)
    (parcel,) = world.parcels.parcels.values()
    document = json.loads(parcel.attachments[1].data)
    assert Decimal(document["total"]) == total
    assert document["shipping"] == (
        None if prices.shipping is None else plain_amount(prices.shipping.amount)
    )


def test_CO23_the_mail_body_and_readme_use_the_chains_conventions() -> None:
    prices = PriceList(
        "EUR",
        {
            CostItem.CARD_CHIP: "2.50",
            CostItem.CARD_NFC_RFID: "3.90",
            CostItem.GIFT_BOX: "4.00",
            CostItem.ROLLER_CLIP: "1.20",
            CostItem.SHIPPING: "4.90",
        },
    )
    world = World(prices=prices, money=MoneyFormat.for_locale("de_DE"))
    world.card_ordering()
    world.template("GOLD", card_type=CardType.NFC_RFID, gift_box=True)
    for index in range(3):
        world.orders.place(template="GOLD", holder_id="K1", branch="F01", process_ref=f"V{index}")
    world.clock.advance(dt.timedelta(days=8))
    (batch,) = world.orders.dispatch().delivered
    (parcel,) = world.parcels.parcels.values()
    assert "Versand / shipping: 4,90 EUR\n" in parcel.body
    assert "Summe / total: 28,60 EUR\n" in parcel.body  # 3 x (3,90 + 4,00) + 4,90
    assert batch.total == Money(Decimal("28.60"), "EUR")
    csv_text = parcel.attachments[0].data.decode("utf-8-sig")
    assert "card_nfc_rfid=3,90 + gift_box=4,00" in csv_text
    assert "3.90" not in csv_text and "4.00" not in csv_text


@pytest.mark.parametrize(
    ("locale", "symbol", "shown"),
    [
        ("de_DE", False, "1.234,50 EUR"),
        ("de_DE", True, "1.234,50 €"),
        ("de-AT", False, "1.234,50 EUR"),
        ("de_CH", False, "1\u2019234.50 EUR"),
        ("en_GB", True, "1,234.50 €"),
        ("en", False, "1,234.50 EUR"),
    ],
)
def test_CO23_money_formats_of_the_known_locales(locale: str, symbol: bool, shown: str) -> None:
    chain = MoneyFormat.for_locale(locale, symbol=symbol)
    assert chain.money(Money(Decimal("1234.5"), "EUR")) == shown


def test_CO23_amounts_are_never_rounded_and_unknown_locales_are_refused() -> None:
    chain = MoneyFormat()
    assert chain.amount(Decimal("0.125")) == "0,125"
    assert chain.amount(Decimal("-1234567")) == "-1.234.567,00"
    with pytest.raises(ValueError, match="unknown locale"):
        MoneyFormat.for_locale("xx_YY")
