"""Fixtures for PC/SC tests: pcscd with vsmartcard's vpcd driver and a virtual card.

pcscd's socket path (``/run/pcscd/pcscd.comm``) is compiled in, so normally only one pcscd
runs per machine — and test sessions running side by side would share its virtual slot.
As root, :func:`pcscd` therefore starts a private pcscd: in its own mount namespace
(``unshare --mount``) with a temporary folder bound over ``/run/pcscd``, and a reader
configuration of its own that puts vpcd on a free port; this process then finds it through
``PCSCLITE_CSOCK_NAME``. Where that is not possible it falls back to a running pcscd, or
starts the system's one in the foreground, and stops only what it started.

The virtual card (:class:`tests.plugins._vpcd.VirtualCard`) plays the card over vpcd's TCP
socket, the first virtual reader "Virtual PCD 00 00".
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.peers import free_port, peer_missing, require_executable
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
        private: Whether that pcscd is a private one (its own mount namespace).
    """

    reader: str
    port: int
    started: bool
    private: bool = False


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


def _free_port_pair() -> int:
    """A port *p* on 127.0.0.1 with *p* and *p* + 1 free (vpcd listens on both)."""
    for _ in range(50):
        port = free_port()
        if port < 65535:
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
            return port
    raise RuntimeError("no two adjacent free ports")


def start_private_pcscd(
    executable: str, folder: Path, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str, int] | None:
    """Start a pcscd of its own (root only): ``(process, socket path, vpcd port)``.

    Returns ``None`` when no private instance can be made (no ``unshare``, not root, no
    permission to mount); nothing is left running then. Must run before this process
    talks to any pcscd: pcsc-lite reads ``PCSCLITE_CSOCK_NAME`` once.
    """
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0 or not VPCD_DRIVER.exists():
        return None
    run = folder / "run"
    conf = folder / "reader.conf.d"
    run.mkdir(parents=True, exist_ok=True)
    conf.mkdir(parents=True, exist_ok=True)
    port = port or _free_port_pair()
    (conf / "vpcd").write_text(
        'FRIENDLYNAME "Virtual PCD"\n'
        f"DEVICENAME   /dev/null:0x{port:04X}\n"
        f"LIBPATH      {VPCD_DRIVER}\n"
        f"CHANNELID    0x{port:04X}\n"
    )
    script = (
        'mkdir -p /run/pcscd && mount --bind "$1" /run/pcscd && '
        'exec "$2" --foreground --info -c "$3"'
    )
    with (folder / "pcscd.log").open("ab") as sink:
        process = subprocess.Popen(
            [
                *(unshare, "--mount", "--propagation", "private"),
                *("sh", "-c", script, "sh", str(run), executable, str(conf)),
            ],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    comm = run / "pcscd.comm"
    deadline = time.monotonic() + 10
    while not comm.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            return None
        time.sleep(0.05)
    return process, str(comm), port


def _start_pcscd(executable: str, folder: Path) -> tuple[subprocess.Popen[bytes], list[str] | None]:
    """Start pcscd in the foreground; wait until it lists the vpcd reader.

    A pcscd that comes up without the reader (vpcd could not listen yet) is stopped and
    started again, a few times; its log goes to *folder* for the failure message.
    """
    log = folder / "pcscd.log"
    readers: list[str] | None = None
    for _attempt in range(3):
        with log.open("ab") as sink:
            process = subprocess.Popen(
                [executable, "--foreground", "--info"],
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            readers = _service_readers()
            if readers is not None and VPCD_READER in readers:
                return process, readers
            time.sleep(0.1)
        _stop(process)
        time.sleep(2)
    tail = log.read_text(errors="replace")[-2000:]
    pytest.fail(f"pcscd did not come up with the vpcd reader (readers: {readers}):\n{tail}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PcscDaemon]:
    """pcscd with vpcd: reused when running, else started in the foreground (as root)."""
    try:
        import smartcard.scard  # noqa: F401
    except ImportError:
        peer_missing("pyscard is not installed: pip install -e '.[pcsc]'")
    executable = require_executable("pcscd", hint="the Debian package pcscd")
    if not VPCD_DRIVER.exists():
        peer_missing("the vpcd driver is missing: install the Debian package vsmartcard-vpcd")
    process: subprocess.Popen[bytes] | None = None
    port = VPCD_PORT
    folder = tmp_path_factory.mktemp("pcscd")
    private = start_private_pcscd(executable, folder)
    if private is not None:
        process, comm, port = private
        os.environ["PCSCLITE_CSOCK_NAME"] = comm
        readers = _wait_for_reader(process)
        if VPCD_READER not in (readers or []):
            # pcsc-lite keeps the socket path of its first call: a test before this one
            # talked to the system's pcscd, so this process cannot reach a private one.
            _stop(process)
            del os.environ["PCSCLITE_CSOCK_NAME"]
            process, port, private = None, VPCD_PORT, None
    if private is None:
        readers = _service_readers()
        if readers is None:
            if os.geteuid() != 0:
                peer_missing("pcscd is not running and only root can start it")
            process, readers = _start_pcscd(executable, folder)
    if VPCD_READER not in (readers or []):
        if process is not None:
            _stop(process)
        log = folder / "pcscd.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        peer_missing(f"pcscd runs without the vpcd reader {VPCD_READER!r}: {readers}\n{tail}")
    try:
        yield PcscDaemon(
            reader=VPCD_READER,
            port=port,
            started=process is not None,
            private=private is not None,
        )
    finally:
        if process is not None:
            _stop(process)


def _wait_for_reader(process: subprocess.Popen[bytes], timeout: float = 10) -> list[str] | None:
    """The readers of a just-started pcscd, once the vpcd reader is among them."""
    deadline = time.monotonic() + timeout
    readers = None
    while process.poll() is None and time.monotonic() < deadline:
        readers = _service_readers()
        if readers is not None and VPCD_READER in readers:
            break
        time.sleep(0.1)
    return readers


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
