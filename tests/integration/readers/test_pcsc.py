"""PcscReader against pcscd with vsmartcard's vpcd driver and a virtual card (CR1, CR4, CR5)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from amparex_adapters.readers.pcsc import (
    CARD_NUMBER_FILE_ID,
    EF_GDO_FILE_ID,
    PcscReader,
    decode_card_number_file,
    encode_card_number_file,
    list_readers,
)
from amparex_core.domain.cards import CardTechnology, CardUid, UidForm
from amparex_core.domain.errors import CardUnreadable, CardWriteFailed, ReaderUnavailable
from amparex_core.ports.readers import CardReader, CardWriter
from tests.peers import require_executable
from tests.plugins._vpcd import CONTACT_ATR, CONTACTLESS_ATR, VirtualCard
from tests.plugins.pcsc import PcscDaemon, reader_is_empty

pytestmark = pytest.mark.integration

NUMBER = "927600000016"


@pytest.fixture
def reader(pcscd: PcscDaemon) -> Iterator[PcscReader]:
    with PcscReader(pcscd.reader) as reader:
        yield reader


def test_CR1_adapter_implements_the_port(reader: PcscReader) -> None:
    assert isinstance(reader, CardReader)
    assert isinstance(reader, CardWriter)
    assert reader.uid_form is UidForm.HEX


def test_CR1_lists_the_virtual_reader(reader: PcscReader, pcscd: PcscDaemon) -> None:
    assert pcscd.reader in reader.readers()


def test_CR1_timeout_without_card_returns_none(reader: PcscReader) -> None:
    started = time.monotonic()
    assert reader.wait_for_card(timeout=0.3) is None
    assert 0.25 <= time.monotonic() - started < 2.0


def test_CR1_contactless_card_reports_uid_by_get_data(
    reader: PcscReader, virtual_card: VirtualCard
) -> None:
    virtual_card.insert()
    seen = reader.wait_for_card(timeout=5)
    assert seen is not None
    assert seen.technology is CardTechnology.CONTACTLESS
    assert seen.atr == CONTACTLESS_ATR
    assert seen.uid == CardUid(virtual_card.uid)
    assert seen.card_number is None
    assert bytes.fromhex("FFCA000000") in virtual_card.apdus


def test_CR1_card_inserted_while_waiting_is_seen(
    reader: PcscReader, virtual_card: VirtualCard
) -> None:
    timer = threading.Timer(0.3, virtual_card.insert)
    timer.start()
    try:
        seen = reader.wait_for_card(timeout=5)
    finally:
        timer.join()
    assert seen is not None
    assert seen.uid == CardUid(virtual_card.uid)


def test_CR5_uid_is_normalised_from_the_declared_form(
    reader: PcscReader, pcscd: PcscDaemon
) -> None:
    card = VirtualCard(uid=bytes.fromhex("9c2ba204"), port=pcscd.port, files={})
    with _inserted(card, pcscd):
        seen = reader.wait_for_card(timeout=5)
    assert seen is not None
    assert seen.raw_uid == "9C2BA204"
    assert (
        seen.uid == CardUid.parse("9c:2b:a2:04") == CardUid.parse("04A22B9C", UidForm.HEX_REVERSED)
    )
    assert seen.uid.hex == "9C2BA204"


def test_CR1_contact_card_identity_from_ef_gdo(reader: PcscReader, pcscd: PcscDaemon) -> None:
    serial = bytes.fromhex("1122334455667788")
    card = VirtualCard(
        contactless=False,
        port=pcscd.port,
        files={
            EF_GDO_FILE_ID: bytearray(b"\x5a\x08" + serial),
            CARD_NUMBER_FILE_ID: bytearray(encode_card_number_file(NUMBER) + bytes(8)),
        },
    )
    with _inserted(card, pcscd):
        seen = reader.wait_for_card(timeout=5)
    assert seen is not None
    assert seen.technology is CardTechnology.CONTACT
    assert seen.atr == CONTACT_ATR
    assert seen.uid == CardUid(serial)
    assert seen.card_number == NUMBER


@pytest.mark.parametrize(
    "behaviour", ["end_of_file", "exact_length_only", "wrong_le_answer", "t0_get_response"]
)
def test_CR1_card_number_in_a_short_file(
    reader: PcscReader, pcscd: PcscDaemon, behaviour: str
) -> None:
    """A file just long enough: read to its end (6282), exactly (6700), with the Le the
    card names (6Cxx), or collected with GET RESPONSE (61xx, T=0)."""
    card = VirtualCard(
        port=pcscd.port, files={CARD_NUMBER_FILE_ID: bytearray(encode_card_number_file(NUMBER))}
    )
    if behaviour != "end_of_file":
        setattr(card, behaviour, True)
    with _inserted(card, pcscd):
        seen = reader.wait_for_card(timeout=5)
    assert seen is not None and seen.card_number == NUMBER


def test_CR4_encode_and_read_back(reader: PcscReader, virtual_card: VirtualCard) -> None:
    virtual_card.insert()
    written = reader.write_card_number(NUMBER, timeout=5)
    assert written.card_number == NUMBER
    assert written.uid == CardUid(virtual_card.uid)
    # only the card number is on the card: length byte + ASCII digits, nothing else
    stored = virtual_card.files[CARD_NUMBER_FILE_ID]
    assert bytes(stored[: 1 + len(NUMBER)]) == encode_card_number_file(NUMBER)
    assert not any(stored[1 + len(NUMBER) :])
    seen = reader.wait_for_card(timeout=5)
    assert seen is not None
    assert seen.card_number == NUMBER


def test_CR4_re_encode_and_erase(reader: PcscReader, virtual_card: VirtualCard) -> None:
    virtual_card.insert()
    reader.write_card_number(NUMBER, timeout=5)
    assert reader.write_card_number("927600000024", timeout=5).card_number == "927600000024"
    erased = reader.erase_card_number(timeout=5)
    assert erased.card_number is None
    assert not any(virtual_card.files[CARD_NUMBER_FILE_ID])
    seen = reader.wait_for_card(timeout=5)
    assert seen is not None
    assert seen.card_number is None


@pytest.mark.parametrize("torn_at", [1, 2, 3])
def test_CR4_card_removed_mid_write_is_clear_error_and_never_accepted(
    reader: PcscReader, virtual_card: VirtualCard, pcscd: PcscDaemon, torn_at: int
) -> None:
    """A card torn away during the n-th UPDATE BINARY: CardWriteFailed, never a number."""
    virtual_card.insert()
    reader.write_card_number(NUMBER, timeout=5)
    virtual_card.remove_during_update = 3 + torn_at  # the three writes above count too
    with pytest.raises(CardWriteFailed) as caught:
        reader.write_card_number("927600000024", timeout=5)
    assert caught.value.code == "card.write_failed"
    assert "removed" in caught.value.reason
    virtual_card.remove()
    assert reader_is_empty(pcscd.reader)
    stored = bytes(virtual_card.files[CARD_NUMBER_FILE_ID])
    after = decode_card_number_file(stored)
    # torn before the first write: the old number; later: none; never a half-written one
    assert after == (NUMBER if torn_at == 1 else None), stored.hex()
    virtual_card.insert()
    seen = reader.wait_for_card(timeout=5)
    assert seen is not None
    assert seen.card_number in (None, NUMBER)
    assert seen.card_number != "927600000024"


def test_CR4_card_without_number_file_cannot_be_encoded(
    reader: PcscReader, pcscd: PcscDaemon
) -> None:
    card = VirtualCard(port=pcscd.port, files={})
    with _inserted(card, pcscd), pytest.raises(CardWriteFailed, match="no card-number file"):
        reader.write_card_number(NUMBER, timeout=5)


def test_CR1_contactless_card_without_get_data_is_unreadable(
    reader: PcscReader, pcscd: PcscDaemon
) -> None:
    card = VirtualCard(port=pcscd.port, files={})
    card.get_data_supported = False
    with _inserted(card, pcscd), pytest.raises(CardUnreadable, match="GET DATA") as caught:
        reader.wait_for_card(timeout=5)
    assert caught.value.code == "reader.card_unreadable"


def test_CR1_contact_card_without_serial_number_is_unreadable(
    reader: PcscReader, pcscd: PcscDaemon
) -> None:
    card = VirtualCard(contactless=False, port=pcscd.port, files={})
    with _inserted(card, pcscd), pytest.raises(CardUnreadable, match=r"EF\.GDO"):
        reader.wait_for_card(timeout=5)


def test_CR4_card_refusing_the_write_is_a_clear_error(
    reader: PcscReader, virtual_card: VirtualCard
) -> None:
    virtual_card.read_only = True
    virtual_card.insert()
    with pytest.raises(CardWriteFailed, match="6982"):
        reader.write_card_number(NUMBER, timeout=5)
    with pytest.raises(CardWriteFailed, match="6982"):
        reader.erase_card_number(timeout=5)


def test_CR4_read_back_that_differs_is_a_clear_error(
    reader: PcscReader, virtual_card: VirtualCard
) -> None:
    virtual_card.lose_updates = True
    virtual_card.insert()
    with pytest.raises(CardWriteFailed, match="reads back no card number"):
        reader.write_card_number(NUMBER, timeout=5)


def test_CR4_card_without_number_file_cannot_be_erased(
    reader: PcscReader, pcscd: PcscDaemon
) -> None:
    card = VirtualCard(port=pcscd.port, files={})
    with _inserted(card, pcscd), pytest.raises(CardWriteFailed, match="no card-number file"):
        reader.erase_card_number(timeout=5)


def test_CR1_list_readers_names_the_virtual_reader(pcscd: PcscDaemon) -> None:
    assert pcscd.reader in list_readers()


def test_CR4_write_without_card_fails_after_timeout(reader: PcscReader) -> None:
    with pytest.raises(CardWriteFailed, match="no card was presented"):
        reader.write_card_number(NUMBER, timeout=0.2)


def test_CR4_only_digits_are_written(reader: PcscReader, virtual_card: VirtualCard) -> None:
    virtual_card.insert()
    with pytest.raises(CardWriteFailed):
        reader.write_card_number("Max Mustermann", timeout=1)
    assert not any(virtual_card.files[CARD_NUMBER_FILE_ID])


def test_CR1_unknown_reader_name_is_reader_unavailable(pcscd: PcscDaemon) -> None:
    with PcscReader("No Such Reader") as reader, pytest.raises(ReaderUnavailable) as caught:
        reader.wait_for_card(timeout=0.1)
    assert caught.value.code == "reader.unavailable"
    assert pcscd.reader in caught.value.reason


def test_CR1_no_pcscd_is_reader_unavailable(pcscd: PcscDaemon, tmp_path: object) -> None:
    """pcsc-lite finds pcscd by PCSCLITE_CSOCK_NAME: point it at a socket nobody serves."""
    script = (
        "from amparex_adapters.readers.pcsc import PcscReader\n"
        "from amparex_core.domain.errors import ReaderUnavailable\n"
        "try:\n"
        "    PcscReader().wait_for_card(timeout=0.1)\n"
        "except ReaderUnavailable as exc:\n"
        "    print(exc.code, exc.reason)\n"
    )
    env = dict(os.environ, PCSCLITE_CSOCK_NAME=f"{tmp_path}/no-pcscd.comm")
    result = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout.startswith("reader.unavailable the PC/SC service (pcscd) is not running")


def test_CR1_sharing_violation_is_reader_unavailable(
    reader: PcscReader, virtual_card: VirtualCard, pcscd: PcscDaemon
) -> None:
    import smartcard.scard as scard

    virtual_card.insert()
    assert reader.wait_for_card(timeout=5) is not None
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    result, handle, _ = scard.SCardConnect(
        context, pcscd.reader, scard.SCARD_SHARE_EXCLUSIVE, scard.SCARD_PROTOCOL_T1
    )
    assert result == scard.SCARD_S_SUCCESS
    try:
        with pytest.raises(ReaderUnavailable, match="sharing violation"):
            reader.wait_for_card(timeout=1)
    finally:
        scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
        scard.SCardReleaseContext(context)


class _inserted:  # noqa: N801 - reads like contextlib helpers
    def __init__(self, card: VirtualCard, pcscd: PcscDaemon) -> None:
        self.card = card
        self.pcscd = pcscd

    def __enter__(self) -> VirtualCard:
        self.card.insert()
        return self.card

    def __exit__(self, *exc: object) -> None:
        self.card.remove()
        assert reader_is_empty(self.pcscd.reader)


_RESTART_SCRIPT = """
import os, sys, time
from pathlib import Path
from tests.plugins.pcsc import VPCD_READER, _stop, start_private_pcscd
from amparex_adapters.readers.pcsc import PcscReader
from amparex_core.domain.errors import ReaderUnavailable

folder = Path(sys.argv[1])
started = start_private_pcscd(sys.argv[2], folder)
assert started is not None
process, comm, port = started
os.environ["PCSCLITE_CSOCK_NAME"] = comm
reader = PcscReader(VPCD_READER)
deadline = time.monotonic() + 10
while VPCD_READER not in reader.readers():
    assert time.monotonic() < deadline
    time.sleep(0.1)
print("before", reader.wait_for_card(0.05))
_stop(process)
try:
    reader.wait_for_card(0.05)
except ReaderUnavailable as exc:
    print("stopped", exc.code)
again = start_private_pcscd(sys.argv[2], folder, port)
assert again is not None
try:
    deadline = time.monotonic() + 10
    while True:
        try:
            if VPCD_READER in reader.readers():
                break
        except ReaderUnavailable:
            pass
        assert time.monotonic() < deadline
        time.sleep(0.1)
    print("after", reader.wait_for_card(0.05))
finally:
    _stop(again[0])
"""


def test_CR1_reader_recovers_when_pcscd_comes_back(tmp_path: Path, pcscd: PcscDaemon) -> None:
    """pcscd stops (ReaderUnavailable) and starts again: the same reader object works on."""
    if not pcscd.private:
        pytest.skip("restarting pcscd needs a private one (root and unshare)")
    executable = require_executable("pcscd", hint="the Debian package pcscd")
    env = {k: v for k, v in os.environ.items() if k != "PCSCLITE_CSOCK_NAME"}
    result = subprocess.run(
        [sys.executable, "-c", _RESTART_SCRIPT, str(tmp_path / "pcscd"), executable],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[3],
    )
    assert result.stdout.splitlines() == [
        "before None",
        "stopped reader.unavailable",
        "after None",
    ], result.stderr
