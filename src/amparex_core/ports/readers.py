"""The card reader / writer port (CR1, CR4)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # annotations only: a port imports no domain module at run time
    from amparex_core.domain.cards import CardPresentation, UidForm

__all__ = ["CardReader", "CardWriter"]


@runtime_checkable
class CardReader(Protocol):
    """A card reader at the counter."""

    name: str
    """The reader's name, for messages."""

    uid_form: UidForm
    """The form this reader reports UIDs in (CR5)."""

    def wait_for_card(self, timeout: float) -> CardPresentation | None:
        """Wait up to *timeout* seconds for a card to be presented (CR1).

        Returns:
            What the reader saw, or ``None`` when no card came in time.

        Raises:
            ReaderUnavailable: No such reader, or its middleware is not running.
        """
        ...


@runtime_checkable
class CardWriter(CardReader, Protocol):
    """A reader that can also store a card number on a writable card (CR4)."""

    def write_card_number(self, card_number: str, timeout: float) -> CardPresentation:
        """Store *card_number* — and nothing else — on the next presented card.

        The adapter reads the number back and compares before returning; a card removed
        during writing is never left looking valid.

        Returns:
            The card that was written, with ``card_number`` read back from it.

        Raises:
            CardWriteFailed: No card came, the write failed or the read-back differs.
            ReaderUnavailable: No such reader, or its middleware is not running.
        """
        ...

    def erase_card_number(self, timeout: float) -> CardPresentation:
        """Remove the card number from the next presented card (Karte ungültig, CR4).

        Raises:
            CardWriteFailed: No card came or the card could not be written.
            ReaderUnavailable: No such reader, or its middleware is not running.
        """
        ...
