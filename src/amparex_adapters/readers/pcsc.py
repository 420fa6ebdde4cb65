"""PC/SC card readers through pyscard and the pcscd daemon (CR1, CR4, CR5; extra ``pcsc``).

:class:`PcscReader` talks to one reader of the PC/SC middleware (pcsc-lite's ``pcscd`` on
Linux, WinSCard on Windows) with pyscard's thin ``smartcard.scard`` layer, so every status
of the middleware can be translated.

What it reads
-------------
* **Contactless cards** (the reader builds a PC/SC part 3 ATR, ``3B 8x 80 01 …``): the UID
  with the PC/SC pseudo-APDU ``GET DATA`` — ``FF CA 00 00 00``.
* **Contact chip cards**: no UID exists on the wire, so the identity is the ICC serial
  number, tag ``5A`` in ``EF.GDO`` (file ID ``2F02``, ISO/IEC 7816-4). A reader that
  answers ``GET DATA`` for contact cards too is used first.
* **The card number** (CR4, on either kind of card that has the file): the transparent
  elementary file :data:`CARD_NUMBER_FILE_ID` (``4B4E``, ASCII "KN" for *Kartennummer*),
  selected with ``SELECT`` by file ID (``00 A4 00 0C 02 4B 4E``) and read with
  ``READ BINARY`` (``00 B0``).

The card-number file
--------------------
Byte 0 is the length ``L`` of the card number (1 to 19), bytes 1 to ``L`` its ASCII digits;
``L = 0`` means *no card number* (a blank or invalidated card). Anything else — a length
out of range, a non-digit, a short file — reads as *no card number*, never as a number.

Writing (``UPDATE BINARY``, ``00 D6``) commits last: first byte 0 is set to 0, then the
digits are written, then byte 0 is set to ``L``; finally everything is read back and
compared. A card torn from the reader at any moment therefore holds either its old number
(removed before the first write), no number at all, or — only once the last one-byte write
succeeded — the new one; a half-written number is never readable. Erasing sets byte 0 to 0
first, then overwrites the old digits with zeros.

UIDs are reported as hex in transmission order (:attr:`UidForm.HEX`).

Contact or contactless (CR6)
----------------------------
The card's technology comes from its ATR alone: a PC/SC reader that talks to a
contactless card builds the ATR PC/SC part 3 prescribes, ``3B 8x 80 01 …`` (storage cards
and ISO/IEC 14443-4 cards alike), and a contact card sends its own, which never starts
so. Reader names (``… CL``, ``… PICC``) and the attributes ``SCARD_ATTR_…`` are not
used: names differ between vendors and drivers, and pcsc-lite's drivers do not report
the interface an answer came through. A dual-interface reader shows two slots; a card
lying on its contactless slot is contactless. The card desk compares the technology with
the card type of the issued card when registering or encoding (``card.type_mismatch``).

After a failure of the middleware (pcscd stopped, the reader unplugged) the reader drops
its PC/SC context — logged as a warning — and establishes a new one on its next use,
logged at info level: a restarted pcscd is picked up without restarting the program.
"""

from __future__ import annotations

import logging
import time
from types import ModuleType, TracebackType
from typing import Any, Final

from amparex_adapters._extras import require
from amparex_adapters.i18n import _
from amparex_core.domain.cards import CardPresentation, CardTechnology, UidForm
from amparex_core.domain.errors import (
    AmparexError,
    CardRemoved,
    CardUnreadable,
    CardWriteFailed,
    ReaderUnavailable,
)

__all__ = [
    "CARD_NUMBER_FILE_ID",
    "EF_GDO_FILE_ID",
    "GET_UID",
    "MAX_CARD_NUMBER_DIGITS",
    "PcscReader",
    "decode_card_number_file",
    "encode_card_number_file",
    "list_readers",
    "write_plan",
]

CARD_NUMBER_FILE_ID: Final = 0x4B4E
"""File ID of the transparent EF that holds the card number ("KN", *Kartennummer*)."""

EF_GDO_FILE_ID: Final = 0x2F02
"""File ID of EF.GDO, whose tag ``5A`` is the ICC serial number of a contact card."""

GET_UID: Final = bytes.fromhex("FFCA000000")
"""PC/SC part 3 ``GET DATA`` for the UID of a contactless card."""

MAX_CARD_NUMBER_DIGITS: Final = 19
"""The longest card number the file format holds (one length byte, ASCII digits)."""

logger = logging.getLogger(__name__)

_SW_OK: Final = 0x9000
_SW_END_OF_FILE: Final = 0x6282


def encode_card_number_file(card_number: str) -> bytes:
    """The card-number file's contents for *card_number*: its length, then its digits.

    >>> encode_card_number_file("927600000016").hex()
    '0c393237363030303030303136'

    Raises:
        ValueError: *card_number* is not 1 to 19 ASCII digits.
    """
    if not (
        card_number.isascii()
        and card_number.isdigit()
        and 1 <= len(card_number) <= MAX_CARD_NUMBER_DIGITS
    ):
        raise ValueError("a card number is 1 to 19 ASCII digits")
    return bytes([len(card_number)]) + card_number.encode("ascii")


def decode_card_number_file(data: bytes) -> str | None:
    """The card number in the file's contents *data*, or ``None`` for none.

    A blank (length 0), invalidated, half-written or foreign file is ``None``, never a
    number.

    >>> decode_card_number_file(bytes.fromhex("0c393237363030303030303136"))
    '927600000016'
    >>> decode_card_number_file(bytes(16)) is None
    True
    """
    if not data:
        return None
    length = data[0]
    if not 1 <= length <= MAX_CARD_NUMBER_DIGITS or len(data) < 1 + length:
        return None
    digits = data[1 : 1 + length]
    if not all(0x30 <= b <= 0x39 for b in digits):
        return None
    return digits.decode("ascii")


def write_plan(card_number: str) -> list[tuple[int, bytes]]:
    r"""The UPDATE BINARYs that store *card_number*, in order: ``(offset, data)``.

    The length byte is cleared first and set last, so a card torn away at any point holds
    its old number (before the first write lands), no number, or the complete new one.

    >>> write_plan("42")
    [(0, b'\x00'), (1, b'42'), (0, b'\x02')]

    Raises:
        ValueError: *card_number* is not 1 to 19 ASCII digits.
    """
    content = encode_card_number_file(card_number)
    return [(0, b"\x00"), (1, content[1:]), (0, content[:1])]


def _scard() -> ModuleType:
    return require("smartcard.scard", "pcsc")


def _error_text(scard: ModuleType, code: int) -> str:
    try:
        return f"{scard.SCardGetErrorMessage(code)} (0x{code & 0xFFFFFFFF:08X})"
    except Exception:  # noqa: BLE001 - a message is only decoration
        return f"0x{code & 0xFFFFFFFF:08X}"


def _is_contactless_atr(atr: bytes) -> bool:
    """Whether *atr* is one a PC/SC reader builds for a contactless card (PC/SC part 3)."""
    return len(atr) >= 4 and atr[0] == 0x3B and atr[1] >> 4 == 0x8 and atr[2:4] == b"\x80\x01"


def _serial_from_gdo(data: bytes) -> bytes | None:
    """The value of tag ``5A`` in EF.GDO contents (simple BER-TLV), if any."""
    index = 0
    while index + 2 <= len(data):
        tag, length = data[index], data[index + 1]
        if tag in (0x00, 0xFF):
            return None
        value = data[index + 2 : index + 2 + length]
        if len(value) < length:
            return None
        if tag == 0x5A:
            return value or None
        index += 2 + length
    return None


def list_readers() -> list[str]:
    """The names of the PC/SC readers connected now.

    Raises:
        ReaderUnavailable: The PC/SC service is not running.
    """
    with PcscReader() as reader:
        return reader.readers()


class _Session:
    """One connection to the card in a reader."""

    def __init__(self, scard: ModuleType, handle: Any, protocol: int, reader: str) -> None:
        self.scard = scard
        self.handle = handle
        self.protocol = protocol
        self.reader = reader

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send *apdu*; return the response data and the status word.

        Handles ``61xx`` (more data: GET RESPONSE) and ``6Cxx`` (wrong Le: resend).

        Raises:
            CardRemoved: The card left the reader.
            CardUnreadable: The middleware could not exchange the APDU.
        """
        data, sw = self._transmit_once(apdu)
        if sw >> 8 == 0x6C and len(apdu) >= 5:
            data, sw = self._transmit_once(apdu[:4] + bytes([sw & 0xFF]))
        collected = bytearray(data)
        while sw >> 8 == 0x61:
            data, sw = self._transmit_once(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
            collected += data
        return bytes(collected), sw

    def _transmit_once(self, apdu: bytes) -> tuple[bytes, int]:
        scard = self.scard
        result, response = scard.SCardTransmit(self.handle, self.protocol, list(apdu))
        if result != scard.SCARD_S_SUCCESS:
            raise _card_error(scard, result, self.reader)
        if len(response) < 2:
            # Every card answer ends in SW1 SW2; an empty one is what the middleware
            # passes on when the card was torn away in the middle of the command.
            raise CardRemoved(reader=self.reader)
        return bytes(response[:-2]), (response[-2] << 8) | response[-1]

    def select(self, file_id: int) -> int:
        """SELECT the EF *file_id* (no FCI returned); the status word."""
        _data, sw = self.transmit(
            bytes([0x00, 0xA4, 0x00, 0x0C, 0x02]) + file_id.to_bytes(2, "big")
        )
        return sw

    def read_binary(self, offset: int, length: int) -> tuple[bytes, int]:
        """READ BINARY *length* bytes (1..256) at *offset* of the selected EF."""
        return self.transmit(bytes([0x00, 0xB0, offset >> 8 & 0x7F, offset & 0xFF, length & 0xFF]))

    def update_binary(self, offset: int, data: bytes) -> int:
        """UPDATE BINARY *data* at *offset* of the selected EF; the status word."""
        _data, sw = self.transmit(
            bytes([0x00, 0xD6, offset >> 8 & 0x7F, offset & 0xFF, len(data)]) + data
        )
        return sw


def _card_error(scard: ModuleType, result: int, reader: str) -> AmparexError:
    removed = {
        scard.SCARD_W_REMOVED_CARD,
        scard.SCARD_E_NO_SMARTCARD,
        scard.SCARD_W_RESET_CARD,
        scard.SCARD_E_NOT_TRANSACTED,
    }
    if result in removed:
        return CardRemoved(reader=reader)
    if result in (scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED):
        return ReaderUnavailable(reader=reader, reason=_("the PC/SC service (pcscd) stopped"))
    if result == scard.SCARD_E_SHARING_VIOLATION:
        return ReaderUnavailable(
            reader=reader, reason=_("another application holds the card (sharing violation)")
        )
    if result in (scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE):
        return ReaderUnavailable(reader=reader, reason=_("the reader was disconnected"))
    return CardUnreadable(reader=reader, reason=_error_text(scard, result))


class PcscReader:
    """A PC/SC card reader (CR1) that encodes cards with a card-number file (CR4).

    Args:
        reader: Part of the reader's name (case-insensitive), e.g. ``"OMNIKEY"``; ``None``
            takes the first reader the middleware lists.
        card_number_file: File ID of the EF holding the card number.

    The PC/SC context is opened on first use and kept; :meth:`close` (or ``with``)
    releases it. An instance is not meant to be shared between threads.

    Example::

        with PcscReader("OMNIKEY") as reader:
            seen = reader.wait_for_card(timeout=10)
    """

    uid_form: UidForm = UidForm.HEX

    def __init__(self, reader: str | None = None, *, card_number_file: int = CARD_NUMBER_FILE_ID):
        self._wanted = reader
        self.name: str = reader or "PC/SC"
        self.card_number_file = card_number_file
        self._context: Any = None
        self._dropped = False  # the last context was dropped after a middleware failure

    def __repr__(self) -> str:
        return f"PcscReader({self._wanted!r})"

    def __enter__(self) -> PcscReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the PC/SC context (a later call opens a new one)."""
        context, self._context = self._context, None
        if context is not None:
            _scard().SCardReleaseContext(context)

    # ---------------------------------------------------------------- middleware

    def _ctx(self) -> Any:
        scard = _scard()
        if self._context is None:
            result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if result != scard.SCARD_S_SUCCESS:
                raise ReaderUnavailable(
                    reader=self.name,
                    reason=_("the PC/SC service (pcscd) is not running: {problem}").format(
                        problem=_error_text(scard, result)
                    ),
                )
            self._context = context
            if self._dropped:
                self._dropped = False
                logger.info("%s: reconnected to the PC/SC service", self.name)
        return self._context

    def _forget_context(self, result: int) -> None:
        """Drop the context after a middleware failure; the next call opens a new one."""
        context, self._context = self._context, None
        if context is not None:
            scard = _scard()
            logger.warning(
                "%s: the PC/SC service failed (%s); reconnecting on the next use",
                self.name,
                _error_text(scard, result),
            )
            self._dropped = True
            scard.SCardReleaseContext(context)  # best effort: pcscd may be gone

    def _unavailable(self, result: int) -> ReaderUnavailable:
        """Forget the context after a middleware failure and describe it."""
        scard = _scard()
        self._forget_context(result)
        if result in (scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED):
            reason = _("the PC/SC service (pcscd) is not running")
        elif result == scard.SCARD_E_NO_READERS_AVAILABLE:
            reason = _("no card reader is connected")
        elif result in (scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE):
            reason = _("the reader was disconnected")
        else:
            reason = _error_text(scard, result)
        return ReaderUnavailable(reader=self.name, reason=reason)

    def readers(self) -> list[str]:
        """The names of the readers the middleware lists now.

        Raises:
            ReaderUnavailable: The PC/SC service is not running.
        """
        scard = _scard()
        result, names = scard.SCardListReaders(self._ctx(), [])
        if result == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if result != scard.SCARD_S_SUCCESS:
            raise self._unavailable(result)
        return list(names)

    def _reader(self) -> str:
        names = self.readers()
        if not names:
            raise ReaderUnavailable(reader=self.name, reason=_("no card reader is connected"))
        if self._wanted is None:
            chosen = names[0]
        else:
            matches = [n for n in names if self._wanted.casefold() in n.casefold()]
            if not matches:
                raise ReaderUnavailable(
                    reader=self.name,
                    reason=_("no connected reader matches; connected: {names}").format(
                        names=", ".join(names)
                    ),
                )
            chosen = matches[0]
        self.name = chosen
        return chosen

    def _wait_present(self, reader: str, timeout: float) -> bool:
        """Whether a card is in *reader* now or arrives within *timeout* seconds."""
        scard = _scard()
        deadline = time.monotonic() + max(0.0, timeout)
        result, states = scard.SCardGetStatusChange(
            self._ctx(), 0, [(reader, scard.SCARD_STATE_UNAWARE)]
        )
        while True:
            if result == scard.SCARD_E_TIMEOUT:
                return False
            if result != scard.SCARD_S_SUCCESS:
                raise self._unavailable(result)
            event = states[0][1]
            if event & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                raise ReaderUnavailable(reader=reader, reason=_("the reader was disconnected"))
            if event & scard.SCARD_STATE_PRESENT and not event & scard.SCARD_STATE_MUTE:
                return True
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                return False
            state = event & ~scard.SCARD_STATE_CHANGED
            result, states = scard.SCardGetStatusChange(
                self._ctx(), remaining_ms, [(reader, state)]
            )

    def _connect(self, reader: str) -> _Session:
        scard = _scard()
        result, handle, protocol = scard.SCardConnect(
            self._ctx(),
            reader,
            scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if result != scard.SCARD_S_SUCCESS:
            if result in (scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED):
                self._forget_context(result)
            raise _card_error(scard, result, reader)
        return _Session(scard, handle, protocol, reader)

    @staticmethod
    def _disconnect(session: _Session) -> None:
        session.scard.SCardDisconnect(session.handle, session.scard.SCARD_LEAVE_CARD)

    # ---------------------------------------------------------------- reading

    def _atr(self, session: _Session) -> bytes:
        scard = session.scard
        result, _reader, _state, _protocol, atr = scard.SCardStatus(session.handle)
        if result != scard.SCARD_S_SUCCESS:
            raise _card_error(scard, result, session.reader)
        return bytes(atr)

    def _identity(self, session: _Session) -> tuple[CardTechnology, bytes, bytes]:
        atr = self._atr(session)
        contactless = _is_contactless_atr(atr)
        uid, sw = session.transmit(GET_UID)
        if sw == _SW_OK and uid:
            technology = CardTechnology.CONTACTLESS if contactless else CardTechnology.CONTACT
            return technology, uid, atr
        if contactless:
            raise CardUnreadable(
                reader=session.reader,
                reason=_("the reader answered {status:04X} to GET DATA (UID)").format(status=sw),
            )
        serial = self._read_gdo_serial(session)
        if serial is None:
            raise CardUnreadable(
                reader=session.reader,
                reason=_("the contact card has no serial number (EF.GDO tag 5A)"),
            )
        return CardTechnology.CONTACT, serial, atr

    def _read_gdo_serial(self, session: _Session) -> bytes | None:
        if session.select(EF_GDO_FILE_ID) != _SW_OK:
            return None
        data, sw = session.read_binary(0, 0)
        if sw != _SW_OK and sw >> 8 != 0x62:
            return None
        return _serial_from_gdo(data)

    def _read_card_number(self, session: _Session) -> tuple[str | None, bool]:
        """The card number on the card and whether the card has the file at all."""
        sw = session.select(self.card_number_file)
        if sw != _SW_OK:
            return None, False
        # One READ BINARY for the length byte and the longest number; a file shorter
        # than that answers 6282 (end of file reached) with what it has.
        data, sw = session.read_binary(0, 1 + MAX_CARD_NUMBER_DIGITS)
        if sw in (_SW_OK, _SW_END_OF_FILE):
            return decode_card_number_file(data), True
        head, sw = session.read_binary(0, 1)  # a card that wants the exact length
        if sw != _SW_OK or not head or not 1 <= head[0] <= MAX_CARD_NUMBER_DIGITS:
            return None, True
        digits, sw = session.read_binary(1, head[0])
        if sw != _SW_OK:
            return None, True
        return decode_card_number_file(head + digits), True

    def _present(
        self,
        session: _Session,
        technology: CardTechnology,
        uid: bytes,
        atr: bytes,
        number: str | None,
    ) -> CardPresentation:
        return CardPresentation(
            technology=technology,
            raw_uid=uid.hex().upper(),
            uid_form=self.uid_form,
            card_number=number,
            atr=atr,
            reader=session.reader,
        )

    def wait_for_card(self, timeout: float) -> CardPresentation | None:
        """Wait up to *timeout* seconds for a card and read its identity (CR1).

        A card already lying on the reader counts as presented.

        Returns:
            The card's technology, UID (hex), ATR and card number (when its card-number
            file holds one), or ``None`` when no card came in time.

        Raises:
            ReaderUnavailable: No such reader, pcscd is not running, or another
                application holds the card.
            CardRemoved: The card left before it was read.
            CardUnreadable: The card's identity could not be read.
        """
        reader = self._reader()
        if not self._wait_present(reader, timeout):
            return None
        session = self._connect(reader)
        try:
            technology, uid, atr = self._identity(session)
            number, _file = self._read_card_number(session)
            return self._present(session, technology, uid, atr, number)
        finally:
            self._disconnect(session)

    # ---------------------------------------------------------------- writing

    def _session_for_writing(self, card_number: str, timeout: float) -> _Session:
        reader = self._reader()
        if not self._wait_present(reader, timeout):
            raise CardWriteFailed(
                card_number=card_number, reason=_("no card was presented in time")
            )
        try:
            return self._connect(reader)
        except CardRemoved as exc:
            raise CardWriteFailed(
                card_number=card_number, reason=_("the card was removed before writing")
            ) from exc

    def _update(self, session: _Session, card_number: str, offset: int, data: bytes) -> None:
        sw = session.update_binary(offset, data)
        if sw != _SW_OK:
            raise CardWriteFailed(
                card_number=card_number,
                reason=_("the card answered {status:04X} to UPDATE BINARY").format(status=sw),
            )

    def write_card_number(self, card_number: str, timeout: float) -> CardPresentation:
        """Store *card_number* in the card-number file of the next card (CR4).

        The length byte is written last and the file read back (see the module docs), so
        a card removed while writing never shows a half-written number.

        Returns:
            The card, with the card number read back from it.

        Raises:
            CardWriteFailed: No card came, the card has no card-number file, was removed
                while writing, refused the write, or the read-back differs.
            ReaderUnavailable: No such reader, or pcscd is not running.
        """
        try:
            plan = write_plan(card_number)
        except ValueError as exc:
            raise CardWriteFailed(card_number=card_number, reason=str(exc)) from exc
        session = self._session_for_writing(card_number, timeout)
        try:
            technology, uid, atr = self._identity(session)
            if session.select(self.card_number_file) != _SW_OK:
                raise CardWriteFailed(
                    card_number=card_number,
                    reason=_("the card has no card-number file {file:04X}").format(
                        file=self.card_number_file
                    ),
                )
            for offset, data in plan:
                self._update(session, card_number, offset, data)
            number, _file = self._read_card_number(session)
            if number != card_number:
                raise CardWriteFailed(
                    card_number=card_number,
                    reason=_("the card reads back {number}").format(number=number)
                    if number
                    else _("the card reads back no card number"),
                )
            return self._present(session, technology, uid, atr, number)
        except CardRemoved as exc:
            raise CardWriteFailed(
                card_number=card_number,
                reason=_("the card was removed while writing; present it again"),
            ) from exc
        except CardUnreadable as exc:
            raise CardWriteFailed(card_number=card_number, reason=exc.reason) from exc
        finally:
            self._disconnect(session)

    def erase_card_number(self, timeout: float) -> CardPresentation:
        """Remove the card number from the next card (Karte ungültig, CR4).

        Returns:
            The card, read back without a card number.

        Raises:
            CardWriteFailed: No card came, the card has no card-number file, was removed
                while writing or refused the write.
            ReaderUnavailable: No such reader, or pcscd is not running.
        """
        session = self._session_for_writing("-", timeout)
        previous = "-"
        try:
            technology, uid, atr = self._identity(session)
            number, has_file = self._read_card_number(session)
            previous = number or "-"
            if not has_file:
                raise CardWriteFailed(
                    card_number=previous,
                    reason=_("the card has no card-number file {file:04X}").format(
                        file=self.card_number_file
                    ),
                )
            self._update(session, previous, 0, b"\x00")
            if number is not None:
                self._update(session, previous, 1, bytes(len(number)))
            number, _file = self._read_card_number(session)
            if number is not None:
                raise CardWriteFailed(
                    card_number=previous, reason=_("the card still reads a number")
                )
            return self._present(session, technology, uid, atr, None)
        except CardRemoved as exc:
            raise CardWriteFailed(
                card_number=previous,
                reason=_("the card was removed while writing; present it again"),
            ) from exc
        except CardUnreadable as exc:
            raise CardWriteFailed(card_number=previous, reason=exc.reason) from exc
        finally:
            self._disconnect(session)
