"""Card presented → identity returned, per reader adapter, against the bare library.

* ``pcsc``: :class:`PcscReader.wait_for_card` (status, connect, GET DATA, SELECT and READ
  BINARY of the card-number file, disconnect) vs bare pyscard on the same context:
  ``SCardConnect`` + ``SCardTransmit(FF CA 00 00 00)`` + ``SCardDisconnect``.
* ``nfc``: :class:`NfcReader.wait_for_card` (sense, activate, read the NDEF message) vs a
  bare nfcpy ``ContactlessFrontend.connect(rdwr=…)`` that returns at the tag's discovery.

* ``pcsc_insert_to_identity``: the same, timed from the card's insertion — dominated by
  pcscd's polling of the (virtual) slot; the baseline waits with ``SCardGetStatusChange``.

Both run against the virtual cards of the test suite (pcscd + vpcd, nfcpy's UDP driver);
as root a private pcscd is started like the test fixture does (else a running one is
used, or the system's started), and stopped afterwards. Times are per identification.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.plugins._udptag import UdpType2Tag
from tests.plugins._vpcd import VPCD_PORT, VirtualCard

from benchmarks._harness import Case, Group, PeerMissing, Run

READER = "Virtual PCD 00 00"
NUMBER = "927600000016"


def _pcscd_up() -> bool:
    import smartcard.scard as scard

    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if result != scard.SCARD_S_SUCCESS:
        return False
    result, names = scard.SCardListReaders(context, [])
    scard.SCardReleaseContext(context)
    return result == scard.SCARD_S_SUCCESS and READER in names


def pcsc_cases(run: Run) -> Iterator[Case]:
    """pcscd (a private one as root) with the vpcd virtual reader and card."""
    if importlib.util.find_spec("smartcard") is None:
        raise PeerMissing("pyscard is not installed (extra readers)")
    executable = shutil.which("pcscd") or "/usr/sbin/pcscd"
    if not os.access(executable, os.X_OK):
        raise PeerMissing("pcscd is missing (Debian packages pcscd, vsmartcard-vpcd)")
    from tests.plugins.pcsc import start_private_pcscd

    port = VPCD_PORT
    with tempfile.TemporaryDirectory() as folder:
        private = start_private_pcscd(executable, Path(folder))
        process: subprocess.Popen[bytes] | None = None
        if private is not None:  # a pcscd of our own: nobody else's card in its slot
            process, comm, port = private
            os.environ["PCSCLITE_CSOCK_NAME"] = comm
        elif not _pcscd_up():
            process = subprocess.Popen([executable, "--foreground", "--error"])
        try:
            yield from _pcsc_cases(port, run)
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=10)


def _pcsc_cases(port: int, run: Run) -> Iterator[Case]:
    import smartcard.scard as scard
    from tests.plugins.pcsc import reader_is_empty

    from amparex_adapters.readers.pcsc import CARD_NUMBER_FILE_ID, PcscReader

    deadline = time.monotonic() + 15
    while not _pcscd_up():
        if time.monotonic() > deadline:
            raise PeerMissing("pcscd shows no vpcd reader (Debian package vsmartcard-vpcd)")
        time.sleep(0.1)
    card = VirtualCard(port=port, files={CARD_NUMBER_FILE_ID: bytearray(32)})
    card.insert()
    _, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    try:
        with PcscReader(READER) as reader:
            reader.write_card_number(NUMBER, timeout=5)
            seen = reader.wait_for_card(5)
            if seen is None or seen.card_number != NUMBER:
                raise AssertionError(f"the reader saw {seen}")

            def ours() -> None:
                if reader.wait_for_card(5) is None:
                    raise AssertionError("no card seen")

            def bare() -> bytes:
                _, handle, protocol = scard.SCardConnect(
                    context, READER, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T1
                )
                _, response = scard.SCardTransmit(handle, protocol, [0xFF, 0xCA, 0, 0, 0])
                scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
                return bytes(response[:-2])

            if bare() != card.uid:
                raise AssertionError("the bare read did not return the UID")
            calls = run.scaled(40, 5)
            yield Case(
                "pcsc_identity",
                "bare pyscard SCardConnect + SCardTransmit(GET DATA) + SCardDisconnect",
                ours,
                bare,
                inner=calls,
                warmup=5,
                params={"reads_per_round": calls},
                note="ours sends 3 APDUs (UID, SELECT and READ BINARY of the card number) "
                "vs the baseline's one",
            )

            def bare_wait() -> None:
                state = scard.SCARD_STATE_UNAWARE
                while True:
                    _, states = scard.SCardGetStatusChange(context, 5000, [(READER, state)])
                    if states[0][1] & scard.SCARD_STATE_PRESENT:
                        bare()
                        return
                    state = states[0][1] & ~scard.SCARD_STATE_CHANGED

            def removed() -> None:
                card.remove()
                if not reader_is_empty(READER):
                    raise RuntimeError("the virtual card did not leave the reader")

            def insert_then(identify: Callable[[], object]) -> Callable[[], None]:
                def timed() -> None:
                    card.insert()
                    identify()

                return timed

            yield Case(
                "pcsc_insert_to_identity",
                "bare pyscard SCardGetStatusChange wait, then the bare read",
                insert_then(ours),
                insert_then(bare_wait),
                setup=removed,
                note="from the card's insertion: pcscd's polling of the (virtual) slot dominates",
            )
    finally:
        scard.SCardReleaseContext(context)
        card.remove()


def nfc_cases(run: Run) -> Iterator[Case]:
    """nfcpy's UDP driver with a virtual NFC Forum Type 2 tag."""
    if importlib.util.find_spec("nfc") is None:
        raise PeerMissing("nfcpy is not installed (extra readers)")
    import nfc

    from amparex_adapters.readers.nfc import NfcReader

    tag = UdpType2Tag()
    tag.enter()
    try:
        with NfcReader(tag.path) as reader:
            reader.write_card_number(NUMBER, timeout=5)
            seen = reader.wait_for_card(5)
            if seen is None or seen.card_number != NUMBER:
                raise AssertionError(f"the reader saw {seen}")

            def ours() -> None:
                if reader.wait_for_card(5) is None:
                    raise AssertionError("no card seen")

            clf = nfc.ContactlessFrontend(tag.path)
            found: list[bytes] = []

            def bare() -> None:
                options = {"targets": ["106A"], "on-connect": lambda t: found.append(t.identifier)}
                clf.connect(rdwr=options)

            try:
                bare()
                if found[-1] != tag.uid:
                    raise AssertionError("the bare read did not return the UID")
                calls = run.scaled(20, 3)
                yield Case(
                    "nfc_identity",
                    "bare nfcpy ContactlessFrontend.connect(rdwr=...) returning at discovery",
                    ours,
                    bare,
                    inner=calls,
                    warmup=5,
                    params={"reads_per_round": calls},
                    note="ours also reads the NDEF message; nfcpy waits ~10 ms per sense",
                )
            finally:
                clf.close()
    finally:
        tag.close()


GROUPS = (
    Group(("pcsc_identity", "pcsc_insert_to_identity"), pcsc_cases),
    Group(("nfc_identity",), nfc_cases),
)
