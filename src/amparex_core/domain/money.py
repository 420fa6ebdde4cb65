"""Money, price lists, cost lines and how amounts are written (CO12, CO15, CO23)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Final

import attrs

from ._records import frozen
from .errors import PriceMissing
from .locales import LOCALES, number_format

__all__ = ["LOCALES", "CostItem", "CostLine", "Money", "MoneyFormat", "PriceList", "plain_amount"]


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


@frozen(order=False)
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
    """What an order line, or a batch, costs money for (CO12, CO15, CO23).

    ``SHIPPING`` is charged once per batch, never on an order.
    """

    CARD_CHIP = "card_chip"
    CARD_NFC_RFID = "card_nfc_rfid"
    GIFT_BOX = "gift_box"
    ROLLER_CLIP = "roller_clip"
    SHIPPING = "shipping"


@frozen
class CostLine:
    """One priced item of an order."""

    item: CostItem
    price: Money


def _prices(value: Mapping[CostItem, Decimal | int | str]) -> Mapping[CostItem, Decimal]:
    return {CostItem(k): _to_decimal(v) for k, v in value.items()}


@frozen
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

    @property
    def shipping(self) -> Money | None:
        """The shipping item charged once per batch, if the list has one (CO23)."""
        amount = self.prices.get(CostItem.SHIPPING)
        return None if amount is None else Money(amount, self.currency)


def plain_amount(amount: Decimal, decimal_separator: str = ".") -> str:
    """*amount* with at least two decimals, never rounded, without grouping.

    >>> plain_amount(Decimal("3.9"), ","), plain_amount(Decimal("12"))
    ('3,90', '12.00')
    >>> plain_amount(Decimal("0.125"))
    '0.125'
    """
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        amount = amount.quantize(Decimal("0.01"))
    return format(amount, "f").replace(".", decimal_separator)


_SYMBOLS: Final = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF"}


@frozen
class MoneyFormat:
    """How the chain writes amounts for people: mail bodies, README files, listings (CO23).

    Amounts have at least two decimals and are never rounded (:func:`plain_amount`);
    thousands are grouped. Machine-read files keep their own notation (a manifest's CSV
    dialect, JSON's decimal strings).

    >>> german = MoneyFormat.for_locale("de_DE")
    >>> german.money(Money(Decimal("1234.5"), "EUR"))
    '1.234,50 EUR'
    >>> MoneyFormat.for_locale("de-CH", symbol=True).money(Money(Decimal("31.6"), "EUR"))
    '31.60 €'
    >>> MoneyFormat.for_locale("en_GB").amount(Decimal("1234.5"))
    '1,234.50'

    Attributes:
        decimal_separator: Between units and cents.
        grouping: Between groups of thousands; empty for none.
        symbol: Write the currency's symbol (``€``) instead of its code (``EUR``).
    """

    decimal_separator: str = ","
    grouping: str = "."
    symbol: bool = False

    @classmethod
    def for_locale(cls, locale: str, *, symbol: bool = False) -> MoneyFormat:
        """The format of *locale* (``de_DE``, ``de-AT``, ``en_GB`` …; see :data:`.LOCALES`).

        Raises:
            ValueError: The locale is not in :data:`.LOCALES`.
        """
        decimal_separator, grouping = number_format(locale)
        return cls(decimal_separator, grouping, symbol)

    def amount(self, amount: Decimal) -> str:
        """*amount* as the chain writes it: ``1.234,50``."""
        text = plain_amount(abs(amount))
        units, _, cents = text.partition(".")
        groups: list[str] = []
        while len(units) > 3:
            groups.insert(0, units[-3:])
            units = units[:-3]
        groups.insert(0, units)
        sign = "-" if amount < 0 else ""
        return f"{sign}{self.grouping.join(groups)}{self.decimal_separator}{cents}"

    def money(self, money: Money) -> str:
        """*money* as the chain writes it: ``31,60 EUR`` (``31,60 €`` with :attr:`symbol`)."""
        unit = _SYMBOLS.get(money.currency, money.currency) if self.symbol else money.currency
        return f"{self.amount(money.amount)} {unit}"
