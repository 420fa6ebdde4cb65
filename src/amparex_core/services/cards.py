"""The card desk: identify, register, encode and invalidate issued cards (CR1–CR6)."""

from __future__ import annotations

from datetime import tzinfo

from amparex_core.domain._records import frozen
from amparex_core.domain.cards import (
    CardNumberFormat,
    CardPresentation,
    CardUid,
    IssuedCard,
)
from amparex_core.domain.errors import (
    CardAlreadyRegistered,
    CardBlocked,
    CardExpired,
    CardUidTaken,
    CardUnknown,
    CardWriteFailed,
    HolderUnknown,
)
from amparex_core.domain.masterdata import Customer, Employee, HolderKind
from amparex_core.domain.periods import local_date
from amparex_core.domain.text import said
from amparex_core.ports.clock import Clock
from amparex_core.ports.masterdata import MasterData
from amparex_core.ports.readers import CardReader, CardWriter
from amparex_core.ports.storage import CardStore

__all__ = ["CardDesk", "Identification"]


@frozen
class Identification:
    """A card identified at the counter, with its holder (CR2)."""

    card: IssuedCard
    holder: Customer | Employee


class CardDesk:
    """Use cases at the counter.

    Args:
        store: Issued cards; it keeps a UID on one card only (CR3).
        masterdata: The holders.
        clock: The time (expiry, blocking).
        tz: The chain's time zone (a card expires after its valid-until day there).
        card_numbers: The format card numbers are checked against.
    """

    def __init__(
        self,
        *,
        store: CardStore,
        masterdata: MasterData,
        clock: Clock,
        tz: tzinfo,
        card_numbers: CardNumberFormat | None = None,
    ) -> None:
        self._store = store
        self._masterdata = masterdata
        self._clock = clock
        self._tz = tz
        self._numbers = card_numbers or CardNumberFormat()

    def issue(self, card: IssuedCard) -> IssuedCard:
        """Record a card issued outside of ordering (an import of existing cards).

        Raises:
            CardNumberInvalid: The number does not fit the chain's format.
            CardDuplicate: A card with that number exists.
            CardUidTaken: Its UID belongs to another card (CR3).
        """
        self._numbers.validate(card.number)
        self._store.add_card(card)
        return card

    def read(self, reader: CardReader, *, timeout: float) -> CardPresentation | None:
        """Wait for a card on *reader* (CR1).

        Raises:
            ReaderUnavailable: The reader or its middleware is missing.
            CardUidInvalid: The reader reported a UID it cannot have (CR5).
        """
        presentation = reader.wait_for_card(timeout)
        if presentation is not None:
            _ = presentation.uid  # normalise now: a malformed UID is an error here (CR5)
        return presentation

    def _card(self, number: str) -> IssuedCard:
        card = self._store.get_card(self._numbers.validate(number))
        if card is None:
            raise CardUnknown(what="number", value=number)
        return card

    def _check_usable(self, card: IssuedCard) -> None:
        if card.blocked:
            raise CardBlocked(card_number=card.number)
        today = local_date(self._clock.now(), self._tz)
        if card.valid_until is not None and card.expired_on(today):
            raise CardExpired(card_number=card.number, valid_until=card.valid_until.isoformat())

    def _holder(self, card: IssuedCard) -> Customer | Employee:
        holder: Customer | Employee | None
        if card.holder.kind is HolderKind.CUSTOMER:
            holder = self._masterdata.customer(card.holder.id)
        else:
            holder = self._masterdata.employee(card.holder.id)
        if holder is None:
            raise HolderUnknown(holder_kind=card.holder.kind.value, holder_id=card.holder.id)
        return holder

    def identify(self, uid: CardUid | CardPresentation) -> Identification:
        """Card identity → issued card → holder (CR2).

        A presentation is identified by its UID (CR5); a card not registered by UID but
        carrying a valid card number (encoded, CR4) is identified by that number.

        Raises:
            CardUnknown: No issued card has this UID (or the number on the card).
            CardBlocked: The card is marked invalid.
            CardExpired: Its valid-until date has passed.
            HolderUnknown: Its holder is no longer in the master data.
        """
        presentation = uid if isinstance(uid, CardPresentation) else None
        canonical = uid.uid if isinstance(uid, CardPresentation) else uid
        card = self._store.card_by_uid(canonical)
        if card is None and presentation is not None and presentation.card_number:
            card = self._store.get_card(presentation.card_number)
        if card is None:
            raise CardUnknown(what="UID", value=canonical.hex)
        self._check_usable(card)
        return Identification(card=card, holder=self._holder(card))

    def identify_number(self, number: str) -> Identification:
        """Identify a card by the number typed in (CR2).

        Raises:
            CardNumberInvalid: Not a card number (wrong check digit, CR4).
            CardUnknown: No issued card has that number.
            CardBlocked: The card is marked invalid.
            CardExpired: Its valid-until date has passed.
        """
        card = self._card(number)
        self._check_usable(card)
        return Identification(card=card, holder=self._holder(card))

    def register(self, number: str, uid: CardUid | CardPresentation) -> IssuedCard:
        """Link the physical card *uid* to issued card *number*, once (CR3).

        A presented card (:class:`~amparex_core.domain.cards.CardPresentation`) must have
        the technology of the card's type (CR6); a bare UID, typed in, has no technology
        to check.

        Raises:
            CardNumberInvalid: Not a card number.
            CardUnknown: No issued card has that number.
            CardBlocked: The card is marked invalid.
            CardTypeMismatch: The presented card is contact where the order was
                contactless, or the other way round (CR6); nothing is written.
            CardUidTaken: The UID belongs to another card.
            CardAlreadyRegistered: The card is linked to another UID.
        """
        canonical = uid.uid if isinstance(uid, CardPresentation) else uid
        card = self._card(number)
        if card.blocked:
            raise CardBlocked(card_number=card.number)
        if isinstance(uid, CardPresentation):
            card.check_technology(uid.technology)
        return self._store.set_card_uid(card.number, canonical)

    def encode(self, number: str, writer: CardWriter, *, timeout: float) -> IssuedCard:
        """Write card *number* — only the number — onto the next presented card (CR4).

        The writer verifies by reading back; the physical card is then registered to the
        number if it was not yet (CR3). Re-encoding a card is allowed.

        Raises:
            CardNumberInvalid: Not a card number.
            CardUnknown: No issued card has that number.
            CardBlocked: The card is marked invalid.
            CardTypeMismatch: The presented card's technology is not the card type's
                (CR6).
            CardWriteFailed: Writing or verifying failed.
            CardUidTaken: The physical card belongs to another issued card.
            CardAlreadyRegistered: The number is linked to another physical card.

        Nothing is written to the card when it is refused.
        """
        card = self._card(number)
        if card.blocked:
            raise CardBlocked(card_number=card.number)
        presented = writer.wait_for_card(timeout)
        if presented is None:
            raise CardWriteFailed(card_number=card.number, reason=said("no card was presented"))
        card.check_technology(presented.technology)
        owner = self._store.card_by_uid(presented.uid)
        if owner is not None and owner.number != card.number:
            raise CardUidTaken(uid=presented.uid.hex, card_number=owner.number)
        if card.uid is not None and card.uid != presented.uid:
            raise CardAlreadyRegistered(card_number=card.number, uid=card.uid.hex)
        written = writer.write_card_number(card.number, timeout)
        if written.card_number != card.number or written.uid != presented.uid:
            raise CardWriteFailed(card_number=card.number, reason=said("read-back differs"))
        if card.uid == written.uid:
            return card
        return self._store.set_card_uid(card.number, written.uid)

    def invalidate(
        self, number: str, *, writer: CardWriter | None = None, timeout: float = 10.0
    ) -> IssuedCard:
        """Mark card *number* invalid (Karte ungültig, CR4); optionally erase the card.

        The card stays blocked even if erasing fails; the error then says so.

        Raises:
            CardNumberInvalid: Not a card number.
            CardUnknown: No issued card has that number.
            CardWriteFailed: The card could not be erased (it is blocked nevertheless).
        """
        card = self._card(number)
        blocked = self._store.block_card(card.number, at=self._clock.now())
        if writer is not None:
            writer.erase_card_number(timeout)
        return blocked
