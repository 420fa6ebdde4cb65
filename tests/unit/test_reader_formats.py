"""What the reader adapters store on a card, and how they load their libraries (CR4, CR1).

Pure functions of the PC/SC and NFC adapters, checked without middleware: the card-number
file of a chip card and the NDEF record of a tag hold exactly the card number; anything
else (blank, half-written, foreign) reads as no number.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_adapters.readers.pcsc import (
    MAX_CARD_NUMBER_DIGITS,
    _is_contactless_atr,
    _serial_from_gdo,
    decode_card_number_file,
    encode_card_number_file,
    write_plan,
)

numbers = st.text(alphabet="0123456789", min_size=1, max_size=MAX_CARD_NUMBER_DIGITS)


@given(numbers, st.binary(max_size=16))
def test_CR4_card_number_file_round_trips_and_ignores_trailing_bytes(
    number: str, tail: bytes
) -> None:
    stored = encode_card_number_file(number)
    assert stored == bytes([len(number)]) + number.encode()
    assert decode_card_number_file(stored + tail) == number


@given(st.binary(max_size=40))
def test_CR4_any_file_content_is_a_digit_string_or_nothing(data: bytes) -> None:
    number = decode_card_number_file(data)
    if number is not None:
        assert number.isdigit() and 1 <= len(number) <= MAX_CARD_NUMBER_DIGITS
        assert data[0] == len(number) and data[1 : 1 + len(number)] == number.encode()


@given(numbers, numbers, st.integers(min_value=0, max_value=3), st.data())
def test_CR4_commit_last_write_never_shows_a_half_written_number(
    old: str, new: str, steps_done: int, data: st.DataObject
) -> None:
    """The adapter's UPDATE BINARYs, torn after any step and inside the next one."""
    file = bytearray(32)
    file[: 1 + len(old)] = encode_card_number_file(old)
    writes = write_plan(new)
    assert len(writes) == 3
    for offset, chunk in writes[:steps_done]:
        file[offset : offset + len(chunk)] = chunk
    if steps_done < len(writes):  # torn inside the next write: a prefix of it lands
        offset, chunk = writes[steps_done]
        cut = data.draw(st.integers(min_value=0, max_value=len(chunk) - 1))
        file[offset : offset + cut] = chunk[:cut]
    seen = decode_card_number_file(bytes(file))
    if steps_done == 3:
        assert seen == new
    elif steps_done == 0:
        assert seen == old
    else:
        assert seen is None


@pytest.mark.parametrize("bad", ["", "12a4", "Erika", "1" * 20, "١٢٣"])
def test_CR4_only_ascii_digits_can_be_stored(bad: str) -> None:
    with pytest.raises(ValueError, match="digits"):
        encode_card_number_file(bad)


def test_CR1_contactless_atr_and_ef_gdo_serial() -> None:
    assert _is_contactless_atr(bytes.fromhex("3B8F8001804F0CA00000030603000300000068"))
    assert not _is_contactless_atr(bytes.fromhex("3BDC18FF8191FE1FC38073C821136601061159000128"))
    assert not _is_contactless_atr(b"\x3b")
    assert _serial_from_gdo(bytes.fromhex("5A0411223344")) == bytes.fromhex("11223344")
    assert _serial_from_gdo(bytes.fromhex("4F01AA5A021122")) == bytes.fromhex("1122")
    assert _serial_from_gdo(bytes.fromhex("5A0811")) is None  # truncated
    assert _serial_from_gdo(bytes.fromhex("00005A021122")) is None  # padding first
    assert _serial_from_gdo(b"") is None


def test_CR4_ndef_card_number_record() -> None:
    ndef = pytest.importorskip("ndef")
    from amparex_adapters.readers.nfc import (
        CARD_NUMBER_RECORD_TYPE,
        card_number_from_records,
        card_number_record,
    )

    record = card_number_record("927600000016")
    assert record.type == CARD_NUMBER_RECORD_TYPE and bytes(record.data) == b"927600000016"
    encoded = b"".join(ndef.message_encoder([record]))
    assert card_number_from_records(list(ndef.message_decoder(encoded))) == "927600000016"
    assert card_number_from_records([]) is None
    assert card_number_from_records([ndef.Record()]) is None
    assert card_number_from_records([ndef.UriRecord("https://example.org/927600000016")]) is None
    with pytest.raises(ValueError, match="digits"):
        card_number_record("Erika Mustermann")


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.strip()


def test_CR1_adapter_modules_load_their_library_only_when_used() -> None:
    out = _run(
        "import sys, amparex_adapters.readers.pcsc, amparex_adapters.readers.nfc;"
        "print(sorted(m for m in ('smartcard', 'nfc', 'ndef', 'usb', 'serial')"
        " if m in sys.modules))"
    )
    assert out == "[]"


@pytest.mark.parametrize(
    ("blocked", "make", "extra"),
    [
        ("smartcard", "from amparex_adapters.readers.pcsc import PcscReader as R; r = R()", "pcsc"),
        ("nfc", "from amparex_adapters.readers.nfc import NfcReader as R; r = R('udp')", "nfc"),
    ],
)
def test_CR1_a_missing_extra_is_named(blocked: str, make: str, extra: str) -> None:
    out = _run(
        f"import sys; sys.modules[{blocked!r}] = None\n"
        f"{make}\n"
        "from amparex_adapters._extras import MissingExtraError\n"
        "try:\n"
        "    r.wait_for_card(0)\n"
        "except MissingExtraError as exc:\n"
        "    print(exc)\n"
    )
    assert f"amparex-core[{extra}]" in out
