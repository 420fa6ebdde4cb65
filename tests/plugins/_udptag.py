"""An NFC Forum Type 2 tag (NTAG213 layout) played over nfcpy's UDP driver.

nfcpy's ``udp:host:port`` driver sends each frame of the reader as one datagram
``"<bitrate> <hex>"`` (e.g. ``"106A 26"``) to *port* and expects the answer the same way;
``"RFOFF"`` says the reader switched its field off. :class:`UdpType2Tag` answers on
127.0.0.1 with one socket bound for its whole life — also across RF-off, or nfcpy's reader
loses its first poll — and plays an NTAG213: ISO 14443-3 anticollision for a 7-byte UID,
``GET_VERSION``, ``READ`` (4 pages) and ``WRITE`` (one page).

:meth:`UdpType2Tag.tear_after` pulls the tag out of the field right before the n-th
``WRITE``: that write never lands and the tag answers nothing any more until it is put
back with :meth:`UdpType2Tag.enter`.
"""

from __future__ import annotations

import select
import socket
import threading
from functools import reduce
from operator import xor

__all__ = ["NTAG213_VERSION", "UdpType2Tag"]

NTAG213_VERSION = bytes.fromhex("0004040201000F03")
_PAGES = 45  # NTAG213: 4 header pages, 36 user pages, 5 configuration pages
_USER_PAGES = range(4, 40)


def _bcc(data: bytes) -> int:
    return reduce(xor, data, 0)


class UdpType2Tag:
    """A Type 2 tag for ``udp:127.0.0.1:<port>``.

    Args:
        uid: The UID, 4 or 7 bytes (NXP tags start with ``04``).
    """

    def __init__(self, uid: bytes = bytes.fromhex("04A22B9C3F5E80")) -> None:
        self.uid = b""
        self.memory = bytearray()
        self.reset(uid)
        self.in_field = False
        self.writes = 0
        self._tear_at: int | None = None
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def reset(self, uid: bytes) -> None:
        """Become a blank, NDEF-formatted tag with *uid* (4 or 7 bytes)."""
        if len(uid) not in (4, 7):
            raise ValueError("an NFC-A UID of 4 or 7 bytes")
        self.uid = uid
        memory = bytearray(_PAGES * 4)
        if len(uid) == 7:
            memory[0:4] = uid[0:3] + bytes([0x88 ^ _bcc(uid[0:3])])
            memory[4:8] = uid[3:7]
            memory[8:12] = bytes([_bcc(uid[3:7]), 0x48, 0x00, 0x00])
        else:
            memory[0:5] = uid + bytes([_bcc(uid)])
        memory[12:16] = bytes([0xE1, 0x10, 0x12, 0x00])  # CC: NDEF 1.0, 144 bytes, rw
        memory[16:19] = bytes([0x03, 0x00, 0xFE])  # empty NDEF message TLV, terminator
        self.memory = memory

    @property
    def path(self) -> str:
        """The nfcpy device path of a reader talking to this tag."""
        return f"udp:127.0.0.1:{self.port}"

    def enter(self) -> None:
        """Put the tag into the reader's field."""
        self._tear_at = None
        self.in_field = True

    def leave(self) -> None:
        """Take the tag out of the field (the socket stays bound)."""
        self.in_field = False

    def tear_after(self, writes: int) -> None:
        """Leave the field right before WRITE number ``self.writes + writes + 1``."""
        self._tear_at = self.writes + writes + 1

    def close(self) -> None:
        """Stop answering and release the socket."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    # ---------------------------------------------------------------- protocol

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._sock], [], [], 0.05)
            if not ready:
                continue
            try:
                datagram, addr = self._sock.recvfrom(1024)
            except OSError:
                continue
            parts = datagram.split()
            if len(parts) != 2 or not self.in_field:
                continue  # RFOFF, or no tag in the field
            brty, data = parts[0], bytes.fromhex(parts[1].decode("ascii"))
            if brty != b"106A":
                continue
            answer = self._answer(data)
            if answer is not None:
                self._sock.sendto(brty + b" " + answer.hex().encode("ascii"), addr)

    def _answer(self, data: bytes) -> bytes | None:
        uid = self.uid
        single = len(uid) == 4
        cl1 = uid if single else bytes([0x88]) + uid[0:3]
        cl1 += bytes([_bcc(cl1)])
        cl2 = uid[3:7] + bytes([_bcc(uid[3:7])])
        if data in (b"\x26", b"\x52"):
            return bytes.fromhex("0400" if single else "4400")  # SENS_RES
        if data == b"\x93\x20":
            return cl1
        if data == b"\x93\x70" + cl1:
            return b"\x00" if single else b"\x04"  # SEL_RES: complete / not complete
        if data == b"\x95\x20" and not single:
            return cl2
        if data == b"\x95\x70" + cl2 and not single:
            return b"\x00"  # SEL_RES: Type 2 tag
        if data == b"\x60":
            return NTAG213_VERSION
        if len(data) == 2 and data[0] == 0x30:
            page = data[1]
            if page >= _PAGES:
                return b"\x00"  # NAK
            raw = self.memory + self.memory  # READ rolls over to page 0
            return bytes(raw[page * 4 : page * 4 + 16])
        if len(data) == 6 and data[0] == 0xA2:
            page = data[1]
            if page not in _USER_PAGES:
                return b"\x00"
            self.writes += 1
            if self._tear_at is not None and self.writes >= self._tear_at:
                self.in_field = False
                return None
            self.memory[page * 4 : page * 4 + 4] = data[2:6]
            return b"\x0a"  # ACK
        return None  # anything else (AUTHENTICATE, HLTA, …): silence
