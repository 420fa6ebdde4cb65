"""Issued cards, card UIDs and card numbers (CR1–CR5, CO10).

A physical card is known by its UID, which readers report in different forms (CR5):
:class:`UidForm` names the form an adapter reports and :meth:`CardUid.parse` turns any of
them into the one canonical form the domain stores: upper-case hex of the UID bytes in
the order the card sends them (most significant byte first), without separators.

A card carries only its card number, never personal data (CR4). Card numbers have a
per-chain prefix and a Luhn check digit (:class:`CardNumberFormat`), so a mistyped
number is caught at the counter.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import string
from typing import Final

import attrs

from ._records import frozen
from .errors import CardNumberInvalid, CardTypeMismatch, CardUidInvalid
from .masterdata import HolderKind
from .templates import CardKind, CardType
from .text import said

__all__ = [
    "CardNumberFormat",
    "CardPresentation",
    "CardTechnology",
    "CardUid",
    "HolderRef",
    "IssuedCard",
    "UidForm",
    "luhn_check_digit",
    "luhn_valid",
]

_SEPARATORS: Final = re.compile(r"[\s:\-.]")
_UID_LENGTHS: Final = (4, 7, 10)
_MAX_UID_BYTES: Final = 16
_MAX_UID_DECIMAL_DIGITS: Final = len(str(256**_MAX_UID_BYTES - 1))


class UidForm(enum.Enum):
    """How a reader reports a UID (CR5).

    * ``HEX`` — hex digits in transmission order, with or without separators, any case
      (``04:A2:2B:9C``).
    * ``HEX_REVERSED`` — hex, least significant byte first (``9C2BA204``), as some
      keyboard-wedge readers report.
    * ``DECIMAL`` — the UID bytes read as one big-endian unsigned number (``77736860``).
    * ``DECIMAL_REVERSED`` — the bytes read little-endian as one number, the form of many
      desktop RFID readers.
    """

    HEX = "hex"
    HEX_REVERSED = "hex_reversed"
    DECIMAL = "decimal"
    DECIMAL_REVERSED = "decimal_reversed"


def _decimal_to_bytes(number: int) -> bytes:
    needed = max(1, (number.bit_length() + 7) // 8)
    for length in _UID_LENGTHS:
        if needed <= length:
            return number.to_bytes(length, "big")
    return number.to_bytes(needed, "big")


@frozen(order=True)
class CardUid:
    """A card UID in canonical form (CR5).

    >>> CardUid.parse("04:a2:2b:9c").hex
    '04A22B9C'
    >>> CardUid.parse("9C2BA204", UidForm.HEX_REVERSED) == CardUid.parse("04a22b9c")
    True
    >>> CardUid.parse("77736860", UidForm.DECIMAL).hex
    '04A22B9C'
    """

    value: bytes = attrs.field(repr=lambda b: b.hex().upper())

    def __attrs_post_init__(self) -> None:
        if not 1 <= len(self.value) <= _MAX_UID_BYTES:
            raise CardUidInvalid(
                text=self.value.hex(), form=UidForm.HEX.value, reason=said("1 to 16 bytes")
            )

    @classmethod
    def parse(cls, text: str, form: UidForm = UidForm.HEX) -> CardUid:
        """Parse a UID reported in *form*.

        Raises:
            CardUidInvalid: *text* is not a UID in that form.
        """
        compact = _SEPARATORS.sub("", text.strip())
        if not compact:
            raise CardUidInvalid(text=text, form=form.value, reason=said("empty"))
        if form in (UidForm.HEX, UidForm.HEX_REVERSED):
            if len(compact) % 2 or any(c not in string.hexdigits for c in compact):
                raise CardUidInvalid(
                    text=text, form=form.value, reason=said("not an even number of hex digits")
                )
            raw = bytes.fromhex(compact)
        else:
            if not compact.isdigit() or not compact.isascii():
                raise CardUidInvalid(
                    text=text, form=form.value, reason=said("not a decimal number")
                )
            digits = compact.lstrip("0") or "0"
            if len(digits) > _MAX_UID_DECIMAL_DIGITS:  # also keeps int() from a huge text
                raise CardUidInvalid(
                    text=text, form=form.value, reason=said("longer than 16 bytes")
                )
            raw = _decimal_to_bytes(int(digits))
        if form in (UidForm.HEX_REVERSED, UidForm.DECIMAL_REVERSED):
            raw = bytes(reversed(raw))
        if len(raw) > _MAX_UID_BYTES:
            raise CardUidInvalid(text=text, form=form.value, reason=said("longer than 16 bytes"))
        return cls(raw)

    @property
    def hex(self) -> str:
        """The canonical text form: upper-case hex, no separators."""
        return self.value.hex().upper()

    def render(self, form: UidForm) -> str:
        """This UID as a reader reporting *form* would show it."""
        if form is UidForm.HEX:
            return self.hex
        if form is UidForm.HEX_REVERSED:
            return bytes(reversed(self.value)).hex().upper()
        if form is UidForm.DECIMAL:
            return str(int.from_bytes(self.value, "big"))
        return str(int.from_bytes(self.value, "little"))

    def __str__(self) -> str:
        return self.hex


class CardTechnology(enum.Enum):
    """How the reader talked to the card (CR1)."""

    CONTACT = "contact"
    CONTACTLESS = "contactless"

    @classmethod
    def for_card_type(cls, card_type: CardType) -> CardTechnology:
        """The technology of a card of *card_type* (CO10)."""
        return cls.CONTACT if card_type is CardType.CHIP else cls.CONTACTLESS


@frozen
class CardPresentation:
    """What a reader saw when a card was presented (CR1).

    The reader reports the UID as text in its own :class:`UidForm`; :attr:`uid` is the
    canonical form (CR5).

    Attributes:
        technology: Contact or contactless.
        raw_uid: The UID as the reader reported it.
        uid_form: The form the reader reports UIDs in.
        card_number: The card number stored on the card, when the reader could read one.
        atr: The answer-to-reset of a PC/SC card, when there is one.
        reader: Name of the reader that saw the card.
    """

    technology: CardTechnology
    raw_uid: str
    uid_form: UidForm = UidForm.HEX
    card_number: str | None = None
    atr: bytes | None = None
    reader: str | None = None

    @property
    def uid(self) -> CardUid:
        """The canonical UID (CR5).

        Raises:
            CardUidInvalid: The reported text is not a UID in the reader's form.
        """
        return CardUid.parse(self.raw_uid, self.uid_form)


def luhn_check_digit(digits: str) -> str:
    """The Luhn check digit to append to *digits*.

    >>> luhn_check_digit("7992739871")
    '3'
    """
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """Whether *number* (digits, check digit last) passes the Luhn check."""
    if len(number) < 2 or not number.isdigit() or not number.isascii():
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


@frozen
class CardNumberFormat:
    """How card numbers look: a per-chain prefix, a serial, a Luhn check digit.

    A number is ``prefix`` + the serial zero-padded to fill ``length - 1`` digits + one
    check digit: with prefix ``"9276"`` and length 12 the 1st card is ``927600000016``.

    >>> fmt = CardNumberFormat(prefix="9276", length=12)
    >>> fmt.make(1)
    '927600000016'
    >>> fmt.validate("927600000016")
    '927600000016'
    """

    prefix: str = "9276"
    length: int = 12

    def __attrs_post_init__(self) -> None:
        if not (self.prefix == "" or (self.prefix.isdigit() and self.prefix.isascii())):
            raise ValueError("the card-number prefix is digits only")
        if not len(self.prefix) + 2 <= self.length <= 19:
            raise ValueError("a card number has room for prefix, serial and check digit")

    @property
    def capacity(self) -> int:
        """How many serials fit."""
        return int(10 ** (self.length - 1 - len(self.prefix))) - 1

    def make(self, serial: int) -> str:
        """The card number of *serial* (1, 2, …)."""
        if not 1 <= serial <= self.capacity:
            raise ValueError(f"serial {serial} does not fit {self.length}-digit card numbers")
        body = self.prefix + str(serial).zfill(self.length - 1 - len(self.prefix))
        return body + luhn_check_digit(body)

    def validate(self, number: str) -> str:
        """Return *number* without white space if it is a card number of this format.

        Raises:
            CardNumberInvalid: Wrong length, prefix or check digit.
        """
        compact = "".join(number.split())
        if len(compact) != self.length or not compact.isdigit() or not compact.isascii():
            raise CardNumberInvalid(
                number=number, reason=said("{length} digits expected", length=self.length)
            )
        if not compact.startswith(self.prefix):
            raise CardNumberInvalid(
                number=number, reason=said("prefix {prefix} expected", prefix=self.prefix)
            )
        if not luhn_valid(compact):
            raise CardNumberInvalid(number=number, reason=said("the check digit is wrong"))
        return compact


@frozen
class HolderRef:
    """Who a card or order belongs to: a customer or an employee, by ID."""

    kind: HolderKind
    id: str

    @classmethod
    def for_card(cls, kind: CardKind, holder_id: str) -> HolderRef:
        """The holder of a card of *kind*."""
        return cls(kind.holder_kind, holder_id.strip())

    def __str__(self) -> str:
        return f"{self.kind.value} {self.id}"


@frozen
class IssuedCard:
    """A card that was ordered and sent to print (CR2–CR4).

    Attributes:
        number: The card number (the only thing the card itself carries, CR4).
        holder: Customer or employee.
        card_type: Chip or NFC/RFID.
        kind: Customer or employee card.
        issued_on: The day it went to print.
        valid_until: Last day of validity (inclusive); ``None`` for no limit.
        uid: The physical card's UID once registered (CR3).
        blocked_at: When it was marked invalid (Karte ungültig), else ``None``.
        order_id: The order it came from, if any.
    """

    number: str
    holder: HolderRef
    card_type: CardType
    kind: CardKind
    issued_on: dt.date
    valid_until: dt.date | None = None
    uid: CardUid | None = None
    blocked_at: dt.datetime | None = None
    order_id: str | None = None

    @property
    def blocked(self) -> bool:
        """Whether the card is marked invalid."""
        return self.blocked_at is not None

    def expired_on(self, day: dt.date) -> bool:
        """Whether the card is past its valid-until date on *day*."""
        return self.valid_until is not None and day > self.valid_until

    def check_technology(self, technology: CardTechnology) -> None:
        """Refuse a physical card of another technology than this card's type (CR6).

        A ``CHIP`` card is a contact chip card, an ``NFC_RFID`` card a contactless one
        (:meth:`CardTechnology.for_card_type`).

        Raises:
            CardTypeMismatch: *technology* is not the one of :attr:`card_type`.
        """
        if CardTechnology.for_card_type(self.card_type) is not technology:
            raise CardTypeMismatch(
                card_number=self.number,
                card_type=self.card_type.value,
                technology=technology.value,
            )

    def with_uid(self, uid: CardUid) -> IssuedCard:
        """This card, linked to the physical card *uid* (CR3)."""
        return attrs.evolve(self, uid=uid)

    def block(self, at: dt.datetime) -> IssuedCard:
        """This card, marked invalid at *at* (CR4); blocking twice keeps the first time."""
        return self if self.blocked_at is not None else attrs.evolve(self, blocked_at=at)
