"""Money, price lists and cost lines (CO12, CO15)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from .errors import PriceMissing

__all__ = ["CostItem", "CostLine", "Money", "PriceList"]


def _to_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):  # pragma: no cover - guarded by the type
        raise TypeError("money amounts are Decimal, int or str, never float")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"a money amount must be finite, not {value!r}")
    return amount


def _currency(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise ValueError(f"a currency is an ISO 4217 code such as EUR, not {value!r}")
    return code


@attrs.frozen(order=False)
class Money:
    """An amount of money in one currency.

    >>> Money(Decimal("4.90"), "EUR") + Money(Decimal("1.10"), "EUR")
    Money(amount=Decimal('6.00'), currency='EUR')
    """

    amount: Decimal = attrs.field(converter=_to_decimal)
    currency: str = attrs.field(converter=_currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """No money in *currency*."""
        return cls(Decimal(0), currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"


class CostItem(enum.Enum):
    """What an order line costs money for (CO12, CO15)."""

    CARD_CHIP = "card_chip"
    CARD_NFC_RFID = "card_nfc_rfid"
    GIFT_BOX = "gift_box"
    ROLLER_CLIP = "roller_clip"


@attrs.frozen
class CostLine:
    """One priced item of an order."""

    item: CostItem
    price: Money


def _prices(value: Mapping[CostItem, Decimal | int | str]) -> Mapping[CostItem, Decimal]:
    return {CostItem(k): _to_decimal(v) for k, v in value.items()}


@attrs.frozen
class PriceList:
    """Prices per cost item, in one currency (CO15).

    >>> prices = PriceList("EUR", {CostItem.CARD_CHIP: "2.50", CostItem.GIFT_BOX: "3"})
    >>> prices.line(CostItem.GIFT_BOX)
    CostLine(item=<CostItem.GIFT_BOX: 'gift_box'>, price=Money(amount=Decimal('3'), currency='EUR'))
    """

    currency: str = attrs.field(converter=_currency)
    prices: Mapping[CostItem, Decimal] = attrs.field(converter=_prices, hash=False)

    def line(self, item: CostItem) -> CostLine:
        """The cost line of *item*.

        Raises:
            PriceMissing: The list has no price for *item*.
        """
        try:
            amount = self.prices[item]
        except KeyError:
            raise PriceMissing(item=item.value) from None
        return CostLine(item, Money(amount, self.currency))

    def total(self, lines: Iterable[CostLine]) -> Money:
        """The sum of *lines* in this list's currency."""
        total = Money.zero(self.currency)
        for line in lines:
            total = total + line.price
        return total
