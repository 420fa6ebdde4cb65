"""A virtual smart card for vsmartcard's ``vpcd`` reader driver in pcscd.

vpcd listens on TCP (127.0.0.1:35963 for the first virtual reader, 35964 for the second);
a card "is inserted" while a client is connected and "removed" when it disconnects. Every
frame is a 2-byte big-endian length and a payload; a 1-byte payload is a control message
(0 power off, 1 power on, 2 reset, 4 send the ATR — answered with the ATR), a longer one a
command APDU, answered with a response APDU.

:class:`VirtualCard` answers what the PC/SC adapter sends:

* ``FF CA 00 00 00`` (PC/SC GET DATA, the UID) — on a contactless card only;
* ``00 A4 00 0C 02 <fid>`` (SELECT EF by file ID) and ``00 A4 02 0C 02 <fid>``;
* ``00 B0 <offset> <le>`` (READ BINARY) and ``00 D6 <offset> <lc> <data>`` (UPDATE BINARY)
  on the selected transparent EF.

``remove_during_update`` pulls the card out in the middle of the n-th UPDATE BINARY: the
first half of that command's data lands in the file, then the socket closes without an
answer — what a card torn from the reader does.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

__all__ = [
    "CONTACTLESS_ATR",
    "CONTACT_ATR",
    "VPCD_PORT",
    "VirtualCard",
    "inserted",
]

VPCD_PORT = 35963

# The ATR a PC/SC reader builds for a contactless card (PC/SC part 3: 3B 8F 80 01 ...).
CONTACTLESS_ATR = bytes.fromhex("3B8F8001804F0CA00000030603000300000068")
# A T=1 contact card's ATR.
CONTACT_ATR = bytes.fromhex("3BDC18FF8191FE1FC38073C821136601061159000128")

SW_OK = b"\x90\x00"
SW_FILE_NOT_FOUND = b"\x6a\x82"
SW_FUNC_NOT_SUPPORTED = b"\x6a\x81"
SW_INS_NOT_SUPPORTED = b"\x6d\x00"
SW_NO_EF_SELECTED = b"\x69\x86"
SW_WRONG_OFFSET = b"\x6b\x00"
SW_WRONG_LENGTH = b"\x67\x00"
SW_END_OF_FILE = b"\x62\x82"


class VirtualCard:
    """One virtual card, inserted into a vpcd reader while connected.

    Args:
        uid: The UID GET DATA answers with (contactless cards).
        contactless: Whether the card answers GET DATA and carries a contactless ATR.
        files: Transparent EFs by file ID (their contents are changed in place).
        port: vpcd's port (35963 is the first virtual reader).
    """

    def __init__(
        self,
        uid: bytes = bytes.fromhex("04A22B9C3F5E80"),
        *,
        contactless: bool = True,
        files: dict[int, bytearray] | None = None,
        port: int = VPCD_PORT,
    ) -> None:
        self.uid = uid
        self.contactless = contactless
        self.atr = CONTACTLESS_ATR if contactless else CONTACT_ATR
        self.files: dict[int, bytearray] = files if files is not None else {}
        self.port = port
        self.apdus: list[bytes] = []
        self.remove_during_update: int | None = None
        self.exact_length_only = False
        """Answer 6700 to a READ BINARY past the end of the file (instead of 6282)."""
        self.wrong_le_answer = False
        """Answer 6Cxx (the right Le) to a READ BINARY past the end of the file."""
        self.t0_get_response = False
        """Answer data with 61xx and hand it out on GET RESPONSE, as T=0 cards do."""
        self.get_data_supported = True
        """Whether the (contactless) reader answers GET DATA."""
        self.read_only = False
        """Refuse UPDATE BINARY with 6982 (security status not satisfied)."""
        self.lose_updates = False
        """Acknowledge UPDATE BINARY with 9000 but keep the file unchanged."""
        self._pending = b""
        self._updates = 0
        self._selected: int | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.removed = threading.Event()

    # ---------------------------------------------------------------- insert / remove

    def insert(self, timeout: float = 5.0) -> None:
        """Connect to vpcd: the card is in the reader."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", self.port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._stop.clear()
        self.removed.clear()
        self._selected = None
        self._updates = 0
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()

    def remove(self) -> None:
        """Disconnect from vpcd: the card leaves the reader."""
        self._stop.set()
        sock, self._sock = self._sock, None
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.removed.set()

    def tear_during_update(self, n: int = 1) -> None:
        """Pull the card out in the middle of the n-th UPDATE BINARY from now on."""
        self.remove_during_update = self._updates + n

    # ---------------------------------------------------------------- protocol

    def _serve(self, sock: socket.socket) -> None:
        try:
            while not self._stop.is_set():
                header = _recv_exact(sock, 2)
                if header is None:
                    break
                (length,) = struct.unpack(">H", header)
                payload = _recv_exact(sock, length)
                if payload is None:
                    break
                if length == 1:
                    if payload[0] == 4:
                        _send(sock, self.atr)
                    elif payload[0] in (0, 2):
                        self._selected = None
                    continue
                response = self._answer(payload)
                if response is None:  # the card was torn out
                    sock.close()
                    self._sock = None
                    self.removed.set()
                    return
                _send(sock, response)
        except OSError:
            return

    def _answer(self, apdu: bytes) -> bytes | None:
        self.apdus.append(apdu)
        if apdu[:4] == b"\x00\xc0\x00\x00" and self._pending:
            pending, self._pending = self._pending, b""
            return pending[: apdu[4] or 256] + SW_OK
        response = self._process(apdu)
        if (
            self.t0_get_response
            and response is not None
            and len(response) > 2
            and response[-2:] == SW_OK
        ):
            self._pending = response[:-2]
            return bytes([0x61, len(self._pending) & 0xFF])
        return response

    def _process(self, apdu: bytes) -> bytes | None:
        cla, ins, p1, p2 = apdu[:4]
        if (cla, ins) == (0xFF, 0xCA):
            if not self.contactless or not self.get_data_supported:
                return SW_INS_NOT_SUPPORTED
            if p1 != 0:
                return SW_FUNC_NOT_SUPPORTED
            return self.uid + SW_OK
        if cla != 0x00:
            return b"\x6e\x00"
        body = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        if ins == 0xA4:
            if p1 not in (0x00, 0x02) or len(body) != 2:
                return SW_FUNC_NOT_SUPPORTED
            fid = int.from_bytes(body, "big")
            if fid not in self.files:
                return SW_FILE_NOT_FOUND
            self._selected = fid
            return SW_OK
        if ins == 0xB0:
            if self._selected is None:
                return SW_NO_EF_SELECTED
            data = self.files[self._selected]
            offset = (p1 << 8) | p2
            le = apdu[4] if len(apdu) == 5 else 0
            if offset > len(data):
                return SW_WRONG_OFFSET
            wanted = le or 256
            if offset + wanted > len(data):
                if self.exact_length_only:
                    return SW_WRONG_LENGTH
                if self.wrong_le_answer:
                    return bytes([0x6C, (len(data) - offset) & 0xFF])
                return bytes(data[offset:]) + SW_END_OF_FILE
            return bytes(data[offset : offset + wanted]) + SW_OK
        if ins == 0xD6:
            if self._selected is None:
                return SW_NO_EF_SELECTED
            data = self.files[self._selected]
            offset = (p1 << 8) | p2
            if offset + len(body) > len(data):
                return SW_WRONG_LENGTH
            if self.read_only:
                return b"\x69\x82"
            if self.lose_updates:
                return SW_OK
            self._updates += 1
            if self.remove_during_update == self._updates:
                half = body[: len(body) // 2]
                data[offset : offset + len(half)] = half
                return None
            data[offset : offset + len(body)] = body
            return SW_OK
        return SW_INS_NOT_SUPPORTED


_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        if _QUICKACK is not None:
            # vpcd writes the length and the payload of a frame separately; acknowledging
            # at once keeps Nagle's algorithm on its side from holding the payload back
            # for a delayed ACK (40 ms a frame).
            sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack(">H", len(payload)) + payload)


@contextmanager
def inserted(card: VirtualCard) -> Iterator[VirtualCard]:
    """Insert *card* for the duration of the block, then remove it."""
    card.insert()
    try:
        yield card
    finally:
        card.remove()
