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
used, or the system's started), and stopped afterwards. Prints one
line per case: ``name  ours  baseline  ratio`` (median milliseconds per identification).

Run: ``python benchmarks/readers.py`` or ``python -m benchmarks.readers`` from the checkout.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.plugins._udptag import UdpType2Tag
from tests.plugins._vpcd import VPCD_PORT, VirtualCard

READER = "Virtual PCD 00 00"
NUMBER = "927600000016"


def _median_ms(run: Callable[[], object], rounds: int) -> float:
    for _ in range(5):  # warm-up
        run()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def _line(name: str, ours: float, baseline: float) -> None:
    print(f"{name:28s}  {ours:10.3f}ms  {baseline:10.3f}ms  {ours / baseline:6.2f}x")


def _insertion_ms(card: VirtualCard, identify: Callable[[], object], rounds: int) -> float:
    """Median time from inserting *card* to *identify* returning (pcscd polls the slot)."""
    from tests.plugins.pcsc import reader_is_empty

    samples = []
    for _ in range(rounds):
        card.remove()
        if not reader_is_empty(READER):
            raise SystemExit("the virtual card did not leave the reader")
        started = time.perf_counter()
        card.insert()
        identify()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def _pcscd_up() -> bool:
    import smartcard.scard as scard

    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if result != scard.SCARD_S_SUCCESS:
        return False
    result, names = scard.SCardListReaders(context, [])
    scard.SCardReleaseContext(context)
    return result == scard.SCARD_S_SUCCESS and READER in names


def bench_pcsc(rounds: int) -> None:
    from tests.plugins.pcsc import start_private_pcscd

    port = VPCD_PORT
    executable = shutil.which("pcscd") or "/usr/sbin/pcscd"
    with tempfile.TemporaryDirectory() as folder:
        private = start_private_pcscd(executable, Path(folder))
        process: subprocess.Popen[bytes] | None = None
        if private is not None:  # a pcscd of our own: nobody else's card in its slot
            process, comm, port = private
            os.environ["PCSCLITE_CSOCK_NAME"] = comm
        elif not _pcscd_up():
            process = subprocess.Popen([executable, "--foreground", "--error"])
        try:
            _bench_pcsc(port, rounds)
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=10)


def _bench_pcsc(port: int, rounds: int) -> None:
    import smartcard.scard as scard

    from amparex_adapters.readers.pcsc import CARD_NUMBER_FILE_ID, PcscReader

    deadline = time.monotonic() + 15
    while not _pcscd_up():
        if time.monotonic() > deadline:
            raise SystemExit("pcscd did not start with the vpcd reader")
        time.sleep(0.1)
    card = VirtualCard(port=port, files={CARD_NUMBER_FILE_ID: bytearray(32)})
    card.insert()
    try:
        with PcscReader(READER) as reader:
            reader.write_card_number(NUMBER, timeout=5)
            seen = reader.wait_for_card(5)
            assert seen is not None
            assert seen.card_number == NUMBER
            ours = _median_ms(lambda: reader.wait_for_card(5), rounds)

        _, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)

        def bare() -> bytes:
            _, handle, protocol = scard.SCardConnect(
                context, READER, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T1
            )
            _, response = scard.SCardTransmit(handle, protocol, [0xFF, 0xCA, 0, 0, 0])
            scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
            return bytes(response[:-2])

        assert bare() == card.uid
        baseline = _median_ms(bare, rounds)
        _line("pcsc_identity", ours, baseline)

        def bare_wait() -> bytes:
            state = scard.SCARD_STATE_UNAWARE
            while True:
                _, states = scard.SCardGetStatusChange(context, 5000, [(READER, state)])
                if states[0][1] & scard.SCARD_STATE_PRESENT:
                    return bare()
                state = states[0][1] & ~scard.SCARD_STATE_CHANGED

        with PcscReader(READER) as reader:
            ours_inserted = _insertion_ms(card, lambda: reader.wait_for_card(5), rounds=10)
        baseline_inserted = _insertion_ms(card, bare_wait, rounds=10)
        _line("pcsc_insert_to_identity", ours_inserted, baseline_inserted)
        scard.SCardReleaseContext(context)
    finally:
        card.remove()


def bench_nfc(rounds: int) -> None:
    import nfc

    from amparex_adapters.readers.nfc import NfcReader

    tag = UdpType2Tag()
    tag.enter()
    try:
        with NfcReader(tag.path) as reader:
            reader.write_card_number(NUMBER, timeout=5)
            seen = reader.wait_for_card(5)
            assert seen is not None
            assert seen.card_number == NUMBER
            ours = _median_ms(lambda: reader.wait_for_card(5), rounds)

        clf = nfc.ContactlessFrontend(tag.path)
        found: list[bytes] = []

        def bare() -> None:
            options = {"targets": ["106A"], "on-connect": lambda t: found.append(t.identifier)}
            clf.connect(rdwr=options)

        bare()
        assert found[-1] == tag.uid
        baseline = _median_ms(bare, rounds)
        clf.close()
        _line("nfc_identity", ours, baseline)
    finally:
        tag.close()


def main() -> None:
    bench_pcsc(rounds=200)
    bench_nfc(rounds=100)


if __name__ == "__main__":
    main()
