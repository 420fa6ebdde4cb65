"""Fixtures for PC/SC tests: pcscd with vsmartcard's vpcd driver and a virtual card.

Only one pcscd can run per machine (its socket path is fixed), so :func:`pcscd` reuses a
running one or starts its own in the foreground and stops only its own. The virtual card
(:class:`tests.plugins._vpcd.VirtualCard`) plays the card over vpcd's TCP socket on
127.0.0.1:35963, the first virtual reader "Virtual PCD 00 00".
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.peers import peer_missing, require_executable
from tests.plugins._vpcd import VPCD_PORT, VirtualCard

__all__ = ["PcscDaemon", "pcsc_reader_for_contract", "pcscd", "reader_is_empty", "virtual_card"]

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VPCD_READER = "Virtual PCD 00 00"


@attrs.frozen
class PcscDaemon:
    """A running pcscd with the vpcd driver.

    Attributes:
        reader: Name of the virtual reader the test card goes into.
        port: vpcd's TCP port of that reader.
        started: Whether the fixture started pcscd (and will stop it).
    """

    reader: str
    port: int
    started: bool


def _service_readers() -> list[str] | None:
    """The readers pcscd lists, or ``None`` when no pcscd answers."""
    import smartcard.scard as scard

    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if result != scard.SCARD_S_SUCCESS:
        return None
    try:
        result, names = scard.SCardListReaders(context, [])
        if result == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        return list(names) if result == scard.SCARD_S_SUCCESS else None
    finally:
        scard.SCardReleaseContext(context)


def reader_is_empty(reader: str, timeout: float = 3.0) -> bool:
    """Wait until pcscd reports no card in *reader*."""
    import smartcard.scard as scard

    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert result == scard.SCARD_S_SUCCESS
    try:
        deadline = time.monotonic() + timeout
        state = scard.SCARD_STATE_UNAWARE
        while time.monotonic() < deadline:
            result, states = scard.SCardGetStatusChange(context, 200, [(reader, state)])
            if result == scard.SCARD_S_SUCCESS:
                event = states[0][1]
                if event & scard.SCARD_STATE_EMPTY:
                    return True
                state = event & ~scard.SCARD_STATE_CHANGED
        return False
    finally:
        scard.SCardReleaseContext(context)


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PcscDaemon]:
    """pcscd with vpcd: reused when running, else started in the foreground (as root)."""
    try:
        import smartcard.scard  # noqa: F401
    except ImportError:
        peer_missing("pyscard is not installed: pip install -e '.[pcsc]'")
    executable = require_executable("pcscd", hint="the Debian package pcscd")
    if not VPCD_DRIVER.exists():
        peer_missing("the vpcd driver is missing: install the Debian package vsmartcard-vpcd")
    process: subprocess.Popen[bytes] | None = None
    readers = _service_readers()
    if readers is None:
        if os.geteuid() != 0:
            peer_missing("pcscd is not running and only root can start it")
        process = subprocess.Popen(
            [executable, "--foreground", "--error"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while (readers := _service_readers()) is None or VPCD_READER not in readers:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                pytest.fail(f"pcscd did not come up with the vpcd reader (readers: {readers})")
            time.sleep(0.1)
    if VPCD_READER not in (readers or []):
        peer_missing(f"pcscd runs without the vpcd reader {VPCD_READER!r}: {readers}")
    try:
        yield PcscDaemon(reader=VPCD_READER, port=VPCD_PORT, started=process is not None)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def virtual_card(pcscd: PcscDaemon) -> Iterator[VirtualCard]:
    """A contactless virtual card with an empty card-number file, not yet inserted.

    Insert it with ``card.insert()``; it is removed after the test and the fixture waits
    until pcscd has seen the reader empty.
    """
    from amparex_adapters.readers.pcsc import CARD_NUMBER_FILE_ID

    card = VirtualCard(files={CARD_NUMBER_FILE_ID: bytearray(32)}, port=pcscd.port)
    try:
        yield card
    finally:
        card.remove()
        assert reader_is_empty(pcscd.reader), "the virtual card did not leave the reader"


def pcsc_reader_for_contract(
    request: pytest.FixtureRequest,
) -> tuple[Any, Callable[[bytes], None], Callable[[], None]]:
    """``(reader, present, remove)`` for the reader contract suite (tests/contract).

    ``present(uid)`` inserts a contactless virtual card with that UID and an empty
    card-number file; ``remove()`` takes it out and waits until pcscd has noticed.
    """
    from amparex_adapters.readers.pcsc import CARD_NUMBER_FILE_ID, PcscReader

    daemon: PcscDaemon = request.getfixturevalue("pcscd")
    reader = PcscReader(daemon.reader)
    cards: list[VirtualCard] = []

    def present(uid: bytes) -> None:
        card = VirtualCard(uid, files={CARD_NUMBER_FILE_ID: bytearray(32)}, port=daemon.port)
        card.insert()
        cards.append(card)

    def remove() -> None:
        while cards:
            cards.pop().remove()
        assert reader_is_empty(daemon.reader), "the virtual card did not leave the reader"

    def finish() -> None:
        remove()
        reader.close()

    request.addfinalizer(finish)
    return reader, present, remove
