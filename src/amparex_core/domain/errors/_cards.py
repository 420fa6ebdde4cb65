"""Refusals of issued cards, card readers and deliveries (CR, CO16, LL8)."""

from __future__ import annotations

from typing import Any, ClassVar

from ._base import AmparexError, error_class, publish

__all__ = [
    "CardAlreadyRegistered",
    "CardBlocked",
    "CardDuplicate",
    "CardError",
    "CardExpired",
    "CardNumberInvalid",
    "CardRemoved",
    "CardTypeMismatch",
    "CardUidInvalid",
    "CardUidTaken",
    "CardUnknown",
    "CardUnreadable",
    "CardWriteFailed",
    "DeliveryError",
    "DeliveryFailed",
    "HostKeyRejected",
    "ReaderError",
    "ReaderUnavailable",
]

# ---------------------------------------------------------------- cards


class CardError(AmparexError):
    """Base of the errors of issued cards at the counter (CR1–CR5)."""


@error_class
class CardUnknown(CardError, LookupError):
    """No issued card has this UID or number (CR2)."""

    code: ClassVar[str] = "card.unknown"
    en: ClassVar[str] = "No issued card has the {what} {value}."
    de: ClassVar[str] = "Keine ausgegebene Karte hat {what_de} {value}."
    what: str
    value: str

    @property
    def facts(self) -> dict[str, Any]:
        """The facts, with the looked-up attribute also named in German."""
        facts = super().facts
        facts["what_de"] = {"UID": "die UID", "number": "die Nummer"}.get(self.what, self.what)
        return facts


@error_class
class CardBlocked(CardError, ValueError):
    """The card is marked invalid (CR2, CR4)."""

    code: ClassVar[str] = "card.blocked"
    en: ClassVar[str] = "Card {card_number} is marked invalid."
    de: ClassVar[str] = "Die Karte {card_number} ist als ungültig markiert."
    card_number: str


@error_class
class CardExpired(CardError, ValueError):
    """The card's valid-until date has passed (CR2)."""

    code: ClassVar[str] = "card.expired"
    en: ClassVar[str] = "Card {card_number} expired on {valid_until}."
    de: ClassVar[str] = "Die Karte {card_number} ist seit dem {valid_until} abgelaufen."
    card_number: str
    valid_until: str


@error_class
class CardUidTaken(CardError, ValueError):
    """The UID already belongs to another card (CR3)."""

    code: ClassVar[str] = "card.uid_taken"
    en: ClassVar[str] = "The card UID {uid} already belongs to card {card_number}."
    de: ClassVar[str] = "Die Karten-UID {uid} gehört bereits zur Karte {card_number}."
    uid: str
    card_number: str


@error_class
class CardUidInvalid(CardError, ValueError):
    """A UID that no known form can parse (CR5)."""

    code: ClassVar[str] = "card.uid_invalid"
    en: ClassVar[str] = "'{text}' is not a card UID ({form}): {reason}."
    de: ClassVar[str] = "'{text}' ist keine Karten-UID ({form}): {reason}."
    text: str
    form: str
    reason: str


@error_class
class CardAlreadyRegistered(CardError, ValueError):
    """The card is already linked to another physical card (CR3)."""

    code: ClassVar[str] = "card.already_registered"
    en: ClassVar[str] = "Card {card_number} is already registered to the card UID {uid}."
    de: ClassVar[str] = "Die Karte {card_number} ist bereits der Karten-UID {uid} zugeordnet."
    card_number: str
    uid: str


@error_class
class CardNumberInvalid(CardError, ValueError):
    """A card number of the wrong format or with a wrong check digit."""

    code: ClassVar[str] = "card.number_invalid"
    en: ClassVar[str] = "'{number}' is not a valid card number: {reason}."
    de: ClassVar[str] = "'{number}' ist keine gültige Kartennummer: {reason}."
    number: str
    reason: str


@error_class
class CardDuplicate(CardError, ValueError):
    """An issued card with that number exists already."""

    code: ClassVar[str] = "card.duplicate"
    en: ClassVar[str] = "An issued card with the number {card_number} exists already."
    de: ClassVar[str] = "Eine ausgegebene Karte mit der Nummer {card_number} existiert bereits."
    card_number: str


_TECHNOLOGY_WORDS: dict[str, tuple[str, str]] = {
    "chip": ("a contact chip card", "eine Kontakt-Chipkarte"),
    "nfc_rfid": ("a contactless (NFC/RFID) card", "eine kontaktlose (NFC/RFID) Karte"),
    "contact": ("a contact chip card", "eine Kontakt-Chipkarte"),
    "contactless": ("a contactless card", "eine kontaktlose Karte"),
}


@error_class
class CardTypeMismatch(CardError, ValueError):
    """The presented card's technology differs from the card type of its order (CR6).

    ``card_type`` is the issued card's :class:`~amparex_core.domain.templates.CardType`
    value, ``technology`` the presented card's
    :class:`~amparex_core.domain.cards.CardTechnology` value.
    """

    code: ClassVar[str] = "card.type_mismatch"
    en: ClassVar[str] = (
        "Card {card_number} was ordered as {card_type_en}, but the presented card is "
        "{technology_en}: present a card of the ordered type."
    )
    de: ClassVar[str] = (
        "Die Karte {card_number} wurde als {card_type_de} bestellt, die vorgelegte Karte ist "
        "aber {technology_de}: bitte eine Karte des bestellten Typs vorlegen."
    )
    card_number: str
    card_type: str
    technology: str

    @property
    def facts(self) -> dict[str, Any]:
        """The facts, with card type and technology in English and German words."""
        facts = super().facts
        for key in ("card_type", "technology"):
            value = str(facts[key])
            en, de = _TECHNOLOGY_WORDS.get(value, (value, value))
            facts[f"{key}_en"], facts[f"{key}_de"] = en, de
        return facts


@error_class
class CardWriteFailed(CardError):
    """Encoding a card failed or could not be verified (CR4)."""

    code: ClassVar[str] = "card.write_failed"
    en: ClassVar[str] = "Card {card_number} was not encoded: {reason}."
    de: ClassVar[str] = "Die Karte {card_number} wurde nicht beschrieben: {reason}."
    card_number: str
    reason: str


# ---------------------------------------------------------------- delivery


class DeliveryError(AmparexError):
    """Base of the errors of delivering files and messages (LL8, CO16, CO18)."""

    @property
    def whole_destination(self) -> bool:
        """Whether the destination itself refused (its host key, its login, its address).

        Then every other item would fail alike: a run does not try the destination again
        for its next item (one problem, one line).
        """
        return False


@error_class
class DeliveryFailed(DeliveryError):
    """The peer refused or the connection broke, after retries (LL8, CO16).

    ``destination_refused`` is set when the destination refused the login or could not
    be reached at all, rather than this one item failing.
    """

    code: ClassVar[str] = "delivery.failed"
    en: ClassVar[str] = "Delivering '{item}' to {destination} failed: {reason}."
    de: ClassVar[str] = (
        "Die Übertragung von '{item}' an {destination} ist fehlgeschlagen: {reason}."
    )
    destination: str
    item: str
    reason: str
    destination_refused: bool = False

    @property
    def whole_destination(self) -> bool:
        """See :attr:`DeliveryError.whole_destination`: the login or the address failed."""
        return self.destination_refused is True


@error_class
class HostKeyRejected(DeliveryError):
    """The server's host key is unknown or changed (LL8)."""

    code: ClassVar[str] = "delivery.host_key_rejected"
    en: ClassVar[str] = "The host key of {host} was rejected ({fingerprint}): {reason}."
    de: ClassVar[str] = "Der Hostschlüssel von {host} wurde abgelehnt ({fingerprint}): {reason}."
    host: str
    fingerprint: str
    reason: str

    @property
    def whole_destination(self) -> bool:
        """Whether the destination itself refused: always, as its server is not trusted."""
        return True


# ---------------------------------------------------------------- readers


class ReaderError(AmparexError):
    """Base of the errors of card readers (CR1)."""


@error_class
class ReaderUnavailable(ReaderError):
    """No such reader, or the middleware is not running (CR1)."""

    code: ClassVar[str] = "reader.unavailable"
    en: ClassVar[str] = "The card reader {reader} is not available: {reason}."
    de: ClassVar[str] = "Das Kartenlesegerät {reader} ist nicht verfügbar: {reason}."
    reader: str
    reason: str


@error_class
class CardRemoved(ReaderError):
    """The card left the reader before it was read to the end (CR1)."""

    code: ClassVar[str] = "reader.card_removed"
    en: ClassVar[str] = (
        "The card was removed from {reader} before it could be read: present it again."
    )
    de: ClassVar[str] = (
        "Die Karte wurde vom Kartenlesegerät {reader} entfernt, bevor sie gelesen war: "
        "bitte erneut auflegen."
    )
    reader: str


@error_class
class CardUnreadable(ReaderError):
    """The reader saw a card but could not read its identity (CR1)."""

    code: ClassVar[str] = "reader.card_unreadable"
    en: ClassVar[str] = "The card on {reader} could not be read: {reason}."
    de: ClassVar[str] = (
        "Die Karte am Kartenlesegerät {reader} konnte nicht gelesen werden: {reason}."
    )
    reader: str
    reason: str


publish(globals(), __all__)
