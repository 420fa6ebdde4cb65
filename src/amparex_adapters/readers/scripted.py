"""A scripted card reader: presents cards given in code (tests, demos, host-app tests)."""

from __future__ import annotations

import threading

from amparex_adapters.i18n import _
from amparex_core.domain._records import define
from amparex_core.domain.cards import CardPresentation, CardTechnology, CardUid, UidForm
from amparex_core.domain.errors import CardWriteFailed, ReaderUnavailable

__all__ = ["ScriptedReader", "VirtualCard", "scripted_reader"]


@define
class VirtualCard:
    """A card for the :class:`ScriptedReader`.

    Attributes:
        uid: The card's UID.
        technology: Contact or contactless.
        writable: Whether a card number can be written to it.
        stored: The card number stored on it, if any.
        torn: Set when a write was interrupted: the card then holds no valid number.
    """

    uid: CardUid
    technology: CardTechnology = CardTechnology.CONTACTLESS
    writable: bool = True
    stored: str | None = None
    torn: bool = False


class ScriptedReader:
    """A :class:`~amparex_core.ports.readers.CardWriter` driven from code.

    :meth:`present` lays a card on the reader (it stays until :meth:`remove`); another
    thread may do so while :meth:`wait_for_card` waits. :meth:`tear_next_write` makes the
    next write stop half-way, as if the card were pulled away.
    """

    def __init__(self, name: str = "scripted", uid_form: UidForm = UidForm.HEX) -> None:
        self.name = name
        self.uid_form = uid_form
        self._card: VirtualCard | None = None
        self._changed = threading.Condition()
        self._tear = False
        self.connected = True

    def present(self, card: VirtualCard) -> None:
        """Lay *card* on the reader."""
        with self._changed:
            self._card = card
            self._changed.notify_all()

    def remove(self) -> None:
        """Take the card away."""
        with self._changed:
            self._card = None
            self._changed.notify_all()

    def tear_next_write(self) -> None:
        """Interrupt the next write half-way."""
        self._tear = True

    def _wait(self, timeout: float) -> VirtualCard | None:
        if not self.connected:
            raise ReaderUnavailable(reader=self.name, reason=_("the reader is disconnected"))
        with self._changed:
            self._changed.wait_for(lambda: self._card is not None, timeout=max(timeout, 0))
            return self._card

    def _presentation(self, card: VirtualCard) -> CardPresentation:
        number = None if card.torn else card.stored
        return CardPresentation(
            technology=card.technology,
            raw_uid=card.uid.render(self.uid_form),
            uid_form=self.uid_form,
            card_number=number,
            reader=self.name,
        )

    def wait_for_card(self, timeout: float) -> CardPresentation | None:
        """See :meth:`~amparex_core.ports.readers.CardReader.wait_for_card`."""
        card = self._wait(timeout)
        return None if card is None else self._presentation(card)

    def write_card_number(self, card_number: str, timeout: float) -> CardPresentation:
        """See :meth:`~amparex_core.ports.readers.CardWriter.write_card_number`."""
        card = self._wait(timeout)
        if card is None:
            raise CardWriteFailed(card_number=card_number, reason=_("no card was presented"))
        if not card.writable:
            raise CardWriteFailed(card_number=card_number, reason=_("the card is not writable"))
        if self._tear:
            self._tear = False
            card.stored = card_number[: len(card_number) // 2]
            card.torn = True
            self.remove()
            raise CardWriteFailed(
                card_number=card_number, reason=_("the card was removed while writing")
            )
        card.stored = card_number
        card.torn = False
        read_back = self._presentation(card)
        if read_back.card_number != card_number:  # pragma: no cover - defensive
            raise CardWriteFailed(card_number=card_number, reason=_("read-back differs"))
        return read_back

    def erase_card_number(self, timeout: float) -> CardPresentation:
        """See :meth:`~amparex_core.ports.readers.CardWriter.erase_card_number`."""
        card = self._wait(timeout)
        if card is None:
            raise CardWriteFailed(card_number="-", reason=_("no card was presented"))
        if not card.writable:
            raise CardWriteFailed(card_number="-", reason=_("the card is not writable"))
        card.stored = None
        card.torn = False
        return self._presentation(card)


def scripted_reader(
    arg: str | None = None,
    *,
    uid: str | None = None,
    card_number: str | None = None,
    technology: str = "contactless",
) -> ScriptedReader:
    """The ``scripted`` kind of ``amparex.readers``: a scripted reader, with a card on it.

    Args:
        arg: The reader's name (``scripted:NAME``); ``scripted`` by default.
        uid: The UID of a card laid on the reader from the start (any form
            :meth:`~amparex_core.domain.cards.CardUid.parse` reads); none when empty.
        card_number: The card number stored on that card.
        technology: ``contactless`` (default) or ``contact``: the card's technology (CR6).

    Raises:
        CardUidInvalid: *uid* is no UID.
        ValueError: *technology* is neither.
    """
    reader = ScriptedReader(arg or "scripted")
    if uid:
        reader.present(
            VirtualCard(
                uid=CardUid.parse(uid),
                technology=CardTechnology(technology),
                stored=card_number or None,
            )
        )
    return reader
