"""NfcReader against nfcpy's UDP driver with an emulated NTAG213 (CR1, CR4, CR5)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import ndef
import pytest

from amparex_adapters.readers.nfc import (
    CARD_NUMBER_RECORD_TYPE,
    NfcReader,
    card_number_from_records,
)
from amparex_core.domain.cards import CardTechnology, CardUid, UidForm
from amparex_core.domain.errors import CardWriteFailed, ReaderUnavailable
from amparex_core.ports.readers import CardReader, CardWriter
from tests.plugins._udptag import UdpType2Tag

pytestmark = pytest.mark.integration

NUMBER = "927600000016"


@pytest.fixture
def reader(udp_tag: UdpType2Tag) -> Iterator[NfcReader]:
    with NfcReader(udp_tag.path) as reader:
        yield reader


def _ndef_message(tag: UdpType2Tag) -> bytes:
    """The NDEF message in the tag's memory (TLV 03 at byte 16)."""
    assert tag.memory[16] == 0x03
    return bytes(tag.memory[18 : 18 + tag.memory[17]])


def test_CR1_adapter_implements_the_port(reader: NfcReader) -> None:
    assert isinstance(reader, CardReader)
    assert isinstance(reader, CardWriter)
    assert reader.uid_form is UidForm.HEX


def test_CR1_timeout_without_tag_returns_none(reader: NfcReader) -> None:
    started = time.monotonic()
    assert reader.wait_for_card(timeout=0.1) is None
    assert time.monotonic() - started < 3.0


def test_CR1_CR5_tag_identifier_is_reported_in_hex_and_normalised(
    reader: NfcReader, udp_tag: UdpType2Tag
) -> None:
    udp_tag.enter()
    seen = reader.wait_for_card(timeout=5)
    assert seen is not None
    assert seen.technology is CardTechnology.CONTACTLESS
    assert seen.raw_uid == "04A22B9C3F5E80"
    assert seen.uid == CardUid(udp_tag.uid)
    assert seen.uid == CardUid.parse("80:5e:3f:9c:2b:a2:04", UidForm.HEX_REVERSED)
    assert seen.card_number is None


def test_CR4_encode_stores_only_one_card_number_record(
    reader: NfcReader, udp_tag: UdpType2Tag
) -> None:
    udp_tag.enter()
    written = reader.write_card_number(NUMBER, timeout=5)
    assert written.card_number == NUMBER
    records = list(ndef.message_decoder(_ndef_message(udp_tag)))
    assert len(records) == 1
    assert records[0].type == CARD_NUMBER_RECORD_TYPE
    assert bytes(records[0].data) == NUMBER.encode()
    seen = reader.wait_for_card(timeout=5)
    assert seen is not None and seen.card_number == NUMBER


def test_CR4_re_encode_and_erase(reader: NfcReader, udp_tag: UdpType2Tag) -> None:
    udp_tag.enter()
    reader.write_card_number(NUMBER, timeout=5)
    assert reader.write_card_number("927600000024", timeout=5).card_number == "927600000024"
    assert reader.erase_card_number(timeout=5).card_number is None
    assert list(ndef.message_decoder(_ndef_message(udp_tag))) == [ndef.Record()]
    seen = reader.wait_for_card(timeout=5)
    assert seen is not None and seen.card_number is None


@pytest.mark.parametrize("torn_after", [0, 1, 2])
def test_CR4_tag_removed_mid_write_is_clear_error_and_never_accepted(
    reader: NfcReader, udp_tag: UdpType2Tag, torn_after: int
) -> None:
    udp_tag.enter()
    reader.write_card_number(NUMBER, timeout=5)
    udp_tag.tear_after(torn_after)
    with pytest.raises(CardWriteFailed, match="removed while writing") as caught:
        reader.write_card_number("927600000024", timeout=5)
    assert caught.value.code == "card.write_failed"
    udp_tag.enter()
    seen = reader.wait_for_card(timeout=5)
    assert seen is not None
    # torn at the first write (length to 0): the old number; later: none; never the new one
    assert seen.card_number == (NUMBER if torn_after == 0 else None)


def test_CR4_foreign_ndef_content_is_not_a_card_number(
    reader: NfcReader, udp_tag: UdpType2Tag
) -> None:
    assert card_number_from_records([ndef.TextRecord(NUMBER)]) is None
    assert card_number_from_records([ndef.Record(CARD_NUMBER_RECORD_TYPE, "", b"12ab")]) is None
    two = [ndef.Record(CARD_NUMBER_RECORD_TYPE, "", NUMBER.encode())] * 2
    assert card_number_from_records(two) is None
    message = b"".join(ndef.message_encoder([ndef.TextRecord(NUMBER)]))
    udp_tag.memory[16:18] = bytes([0x03, len(message)])
    udp_tag.memory[18 : 18 + len(message)] = message
    udp_tag.enter()
    seen = reader.wait_for_card(timeout=5)
    assert seen is not None and seen.card_number is None


def test_CR4_unformatted_tag_cannot_be_encoded(reader: NfcReader, udp_tag: UdpType2Tag) -> None:
    udp_tag.memory[12:16] = bytes(4)  # no capability container: not NDEF formatted
    udp_tag.enter()
    with pytest.raises(CardWriteFailed, match="not NDEF formatted"):
        reader.write_card_number(NUMBER, timeout=5)


def test_CR4_only_digits_are_written(reader: NfcReader, udp_tag: UdpType2Tag) -> None:
    udp_tag.enter()
    with pytest.raises(CardWriteFailed):
        reader.write_card_number("Erika Mustermann", timeout=1)
    assert udp_tag.writes == 0


def test_CR4_write_without_tag_fails_after_timeout(reader: NfcReader) -> None:
    with pytest.raises(CardWriteFailed, match="no card was presented"):
        reader.write_card_number(NUMBER, timeout=0.1)


def test_CR1_missing_device_is_reader_unavailable() -> None:
    pytest.importorskip("nfc")
    with NfcReader("usb:ffff:ffff") as reader, pytest.raises(ReaderUnavailable) as caught:
        reader.wait_for_card(timeout=0.1)
    assert caught.value.code == "reader.unavailable"


def test_CR4_read_only_tag_cannot_be_encoded(reader: NfcReader, udp_tag: UdpType2Tag) -> None:
    udp_tag.memory[15] = 0x0F  # CC: write access denied
    udp_tag.enter()
    with pytest.raises(CardWriteFailed, match="read-only"):
        reader.write_card_number(NUMBER, timeout=5)


def test_CR4_tag_too_small_for_the_record_is_a_clear_error(
    reader: NfcReader, udp_tag: UdpType2Tag
) -> None:
    udp_tag.memory[14] = 0x02  # CC: a 16-byte data area
    udp_tag.enter()
    with pytest.raises(CardWriteFailed, match="capacity"):
        reader.write_card_number(NUMBER, timeout=5)
    assert udp_tag.writes == 0


def test_CR1_unknown_device_path_is_reader_unavailable() -> None:
    pytest.importorskip("nfc")
    with NfcReader("tty:nonexistent") as reader, pytest.raises(ReaderUnavailable, match="no NFC"):
        reader.wait_for_card(timeout=0.1)
