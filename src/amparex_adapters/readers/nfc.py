"""NFC readers through nfcpy (CR1, CR4, CR5; extra ``nfc``).

:class:`NfcReader` opens one contactless front-end by nfcpy device path — ``usb``,
``usb:054c:06c3``, ``tty:USB0:pn532``, ``udp:127.0.0.1:54321`` (nfcpy's simulated reader) —
senses a tag, reports its identifier (NFCID1 of a type A tag, IDm of a FeliCa tag) as hex
in transmission order (:attr:`UidForm.HEX`) and reads the card number from its NDEF
message.

The card number on a tag
------------------------
The NDEF message holds exactly one record, of the NFC Forum external type
:data:`CARD_NUMBER_RECORD_TYPE` (``urn:nfc:ext:amparex.com:cardno``), whose payload is the
card number in ASCII digits (1 to 19) — nothing else, no personal data (CR4). A tag whose
message is empty, holds other or more records, or a payload that is not digits, carries
no card number; a message that cannot be decoded at all (truncated records, lengths past
its end) is :class:`~amparex_core.domain.errors.CardUnreadable`, and can be erased. An
external type keeps phones from acting on the record (a text or URI record would be shown
or opened).

Writing is NFC Forum tag-type aware (nfcpy): on a Type 2 tag the NDEF TLV length is set
to zero first, then the message written, then the length — a tag torn from the field
mid-write holds an empty message, never a half-written number. After writing, the message
is read back from the tag and compared. Erasing (Karte ungültig) writes one empty record
(TNF *empty*), the NFC Forum form of an empty NDEF message.

A device that stops answering is closed — logged as a warning — and opened again on the
next use, logged at info level.
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Sequence
from types import ModuleType, TracebackType
from typing import Any, Final

from amparex_adapters._extras import require
from amparex_adapters.i18n import _
from amparex_core.domain.cards import CardPresentation, CardTechnology, UidForm
from amparex_core.domain.errors import (
    CardUnreadable,
    CardWriteFailed,
    ReaderUnavailable,
)

__all__ = [
    "CARD_NUMBER_RECORD_TYPE",
    "NfcReader",
    "card_number_from_records",
    "card_number_record",
]

logger = logging.getLogger(__name__)

CARD_NUMBER_RECORD_TYPE: Final = "urn:nfc:ext:amparex.com:cardno"
"""NDEF record type of the card number (an NFC Forum external type)."""

_MAX_DIGITS: Final = 19
_SENSE_INTERVAL: Final = 0.05
_READ_ATTEMPTS: Final = 3


def _nfc() -> ModuleType:
    """nfcpy, with the submodules this adapter uses (``nfc.clf``, ``nfc.tag``) loaded."""
    require("nfc.clf", "nfc")
    require("nfc.tag", "nfc")
    return require("nfc", "nfc")


def _ndef() -> ModuleType:
    return require("ndef", "nfc")


def card_number_record(card_number: str) -> Any:
    """The one NDEF record that stores *card_number* (an ``ndef.Record``).

    Raises:
        ValueError: *card_number* is not 1 to 19 ASCII digits.
    """
    if not (
        card_number.isascii() and card_number.isdigit() and 1 <= len(card_number) <= _MAX_DIGITS
    ):
        raise ValueError("a card number is 1 to 19 ASCII digits")
    return _ndef().Record(CARD_NUMBER_RECORD_TYPE, "", card_number.encode("ascii"))


def card_number_from_records(records: Sequence[Any]) -> str | None:
    """The card number in an NDEF message (a list of ``ndef.Record``), or ``None``.

    Only a message of exactly one card-number record with 1 to 19 ASCII digits counts.
    """
    if len(records) != 1:
        return None
    record = records[0]
    if str(record.type).lower() != CARD_NUMBER_RECORD_TYPE:
        return None
    payload = bytes(record.data)
    if not 1 <= len(payload) <= _MAX_DIGITS or not all(0x30 <= b <= 0x39 for b in payload):
        return None
    return payload.decode("ascii")


class NfcReader:
    """An NFC reader (CR1) that encodes tags with their card number as NDEF (CR4).

    Args:
        path: The nfcpy device path (``usb``, ``usb:054c:06c3``, ``tty:USB0``,
            ``udp:127.0.0.1:54321``); ``usb`` when ``None`` or empty.
        targets: Technologies to poll: ``"106A"`` (ISO 14443 A: NTAG, MIFARE, DESFire),
            ``"106B"``, ``"212F"`` (FeliCa). Fewer targets answer faster.

    The device is opened on first use and kept; :meth:`close` (or ``with``) releases it.
    """

    uid_form: UidForm = UidForm.HEX

    def __init__(self, path: str | None = "usb", *, targets: Sequence[str] = ("106A",)) -> None:
        path = path or "usb"
        self.name: str = path
        self.path = path
        self.targets = tuple(targets)
        self._clf: Any = None
        self._lost = False  # the device was closed after it stopped answering

    def __repr__(self) -> str:
        return f"NfcReader({self.path!r})"

    def __enter__(self) -> NfcReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the device (a later call opens it again)."""
        clf, self._clf = self._clf, None
        if clf is not None:
            clf.close()

    def _frontend(self) -> Any:
        if self._clf is None:
            nfc = _nfc()
            try:
                self._clf = nfc.ContactlessFrontend(self.path)
            except OSError as exc:
                reason = (
                    _("no NFC device found at this path")
                    if exc.errno == errno.ENODEV
                    else (exc.strerror or str(exc))
                )
                raise ReaderUnavailable(reader=self.name, reason=reason) from exc
            except (ValueError, AssertionError) as exc:  # nfcpy's answer to a bad path
                raise ReaderUnavailable(reader=self.name, reason=_("invalid device path")) from exc
            if self._lost:
                self._lost = False
                logger.info("%s: the NFC device is open again", self.name)
        return self._clf

    def _sense(self, timeout: float) -> Any:
        """The activated tag in the field within *timeout* seconds, or ``None``."""
        nfc = _nfc()
        clf = self._frontend()
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            targets = [nfc.clf.RemoteTarget(brty) for brty in self.targets]
            try:
                target = clf.sense(*targets, iterations=1, interval=_SENSE_INTERVAL)
                tag = nfc.tag.activate(clf, target) if target is not None else None
            except nfc.clf.CommunicationError:
                tag = None
            except OSError as exc:
                logger.warning(
                    "%s: the NFC device stopped answering (%s); reopening it on the next use",
                    self.name,
                    exc.strerror or type(exc).__name__,
                )
                self.close()
                self._lost = True
                raise ReaderUnavailable(
                    reader=self.name, reason=exc.strerror or _("the NFC device stopped answering")
                ) from exc
            if tag is not None:
                return tag
            if time.monotonic() >= deadline:
                return None

    def _presentation(self, tag: Any, number: str | None) -> CardPresentation:
        return CardPresentation(
            technology=CardTechnology.CONTACTLESS,
            raw_uid=bytes(tag.identifier).hex().upper(),
            uid_form=self.uid_form,
            card_number=number,
            reader=self.name,
        )

    @staticmethod
    def _ndef(tag: Any, *, fresh: bool = False) -> Any:
        """The tag's NDEF object, read again from the tag when *fresh*; ``None`` if none.

        nfcpy reports a failed read (a short RF glitch, a Type 2 tag's 5 ms READ timeout)
        as "no NDEF", so a read is tried up to three times before that is believed.
        """
        if fresh and tag.ndef is not None:
            _ = tag.ndef.has_changed  # re-reads; drops the NDEF object when that fails
        for _attempt in range(_READ_ATTEMPTS):
            ndef = tag.ndef  # the cached object, or a new read of the tag
            if ndef is not None:
                return ndef
        return None

    def _read_number(self, tag: Any) -> str | None:
        """The card number on *tag*, or ``None``.

        Raises:
            CardUnreadable: The tag's NDEF message is malformed (ndeflib cannot decode it).
        """
        ndef = self._ndef(tag)
        if ndef is None:
            return None
        try:
            records = ndef.records
        except (_ndef().DecodeError, ValueError, TypeError) as exc:
            # ndeflib raises DecodeError for broken framing, and ValueError/TypeError for
            # a well-framed record whose fields it cannot hold (a media type that is no
            # MIME type, say).
            raise CardUnreadable(
                reader=self.name,
                reason=_("its NDEF message is malformed ({problem})").format(problem=exc),
            ) from exc
        return card_number_from_records(records)

    def wait_for_card(self, timeout: float) -> CardPresentation | None:
        """Wait up to *timeout* seconds for a tag and read its identity (CR1).

        Returns:
            The tag's identifier (hex) and the card number of its NDEF message, or
            ``None`` when no tag came in time.

        Raises:
            ReaderUnavailable: The device cannot be opened or stopped answering.
            CardUnreadable: The tag left before its NDEF message was read, or the message
                is malformed.
        """
        tag = self._sense(timeout)
        if tag is None:
            return None
        nfc = _nfc()
        try:
            number = self._read_number(tag)
        except (nfc.tag.TagCommandError, nfc.clf.CommunicationError) as exc:
            raise CardUnreadable(reader=self.name, reason=str(exc)) from exc
        return self._presentation(tag, number)

    def _write(self, tag: Any, records: list[Any], card_number: str) -> list[Any]:
        """Write *records*; return the records then read back from the tag."""
        nfc = _nfc()
        ndef = self._ndef(tag)
        if ndef is None:
            raise CardWriteFailed(
                card_number=card_number, reason=_("the tag is not NDEF formatted")
            )
        if not ndef.is_writeable:
            raise CardWriteFailed(card_number=card_number, reason=_("the tag is read-only"))
        try:
            ndef.records = records
            read_back = self._ndef(tag, fresh=True)
        except (nfc.tag.TagCommandError, nfc.clf.CommunicationError) as exc:
            raise CardWriteFailed(
                card_number=card_number,
                reason=_("the tag was removed while writing; present it again"),
            ) from exc
        except ValueError as exc:  # larger than the tag's capacity
            raise CardWriteFailed(card_number=card_number, reason=str(exc)) from exc
        if read_back is None:
            raise CardWriteFailed(
                card_number=card_number, reason=_("the tag could not be read back after writing")
            )
        return list(read_back.records)

    def write_card_number(self, card_number: str, timeout: float) -> CardPresentation:
        """Store *card_number* as the tag's only NDEF record and verify it (CR4).

        Returns:
            The tag, with the card number read back from it.

        Raises:
            CardWriteFailed: No tag came, it is not NDEF formatted or read-only, it was
                removed while writing, or the read-back differs.
            ReaderUnavailable: The device cannot be opened.
        """
        try:
            record = card_number_record(card_number)
        except ValueError as exc:
            raise CardWriteFailed(card_number=card_number, reason=str(exc)) from exc
        tag = self._sense(timeout)
        if tag is None:
            raise CardWriteFailed(
                card_number=card_number, reason=_("no card was presented in time")
            )
        number = card_number_from_records(self._write(tag, [record], card_number))
        if number != card_number:
            raise CardWriteFailed(
                card_number=card_number,
                reason=_("the tag reads back {number}").format(number=number)
                if number
                else _("the tag reads back no number"),
            )
        return self._presentation(tag, number)

    def erase_card_number(self, timeout: float) -> CardPresentation:
        """Replace the tag's NDEF message with an empty record (Karte ungültig, CR4).

        Raises:
            CardWriteFailed: No tag came, it is not NDEF formatted or read-only, or it was
                removed while writing.
            ReaderUnavailable: The device cannot be opened.
        """
        tag = self._sense(timeout)
        if tag is None:
            raise CardWriteFailed(card_number="-", reason=_("no card was presented in time"))
        nfc = _nfc()
        try:
            previous = self._read_number(tag) or "-"
        except (nfc.tag.TagCommandError, nfc.clf.CommunicationError) as exc:
            raise CardWriteFailed(card_number="-", reason=_("the tag left the field")) from exc
        except CardUnreadable:
            previous = "-"  # a malformed message is overwritten like any other
        empty = _ndef().Record()
        if self._write(tag, [empty], previous) != [empty]:
            raise CardWriteFailed(
                card_number=previous, reason=_("the tag does not read back empty")
            )
        return self._presentation(tag, None)
