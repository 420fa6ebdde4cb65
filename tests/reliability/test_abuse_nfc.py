"""Abuse of NDEF data on NFC tags read through nfcpy (CR1, CR4).

A real reader (nfcpy's UDP driver) reads an emulated NTAG213 whose memory holds hostile
bytes: arbitrary TLV areas, NDEF records with wrong flags, truncated fields, huge
(4-byte) payload lengths, chunked records without an end, empty and short records, and a
broken capability container. Proven here:

* :meth:`NfcReader.wait_for_card` returns the tag (its card number, or none) or refuses
  with a coded :class:`~amparex_core.domain.errors.ReaderError`
  (``reader.card_unreadable`` for a malformed NDEF message) — never an ``ndef`` or
  ``nfc`` exception;
* a card number is only ever reported from a well-formed message of exactly one
  card-number record of 1 to 19 ASCII digits (CR4);
* a tag with a malformed message can still be erased (Karte ungültig) and then reads
  back without a card number.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from amparex_adapters.readers.nfc import CARD_NUMBER_RECORD_TYPE, NfcReader, card_number_record
from amparex_core.domain.errors import AmparexError, ReaderError
from tests.plugins._udptag import UdpType2Tag

from ._abuse import assert_refusal, outcome

_EXTERNAL_TYPE = CARD_NUMBER_RECORD_TYPE.removeprefix("urn:nfc:ext:").encode()
_USER_BYTES = 144  # NTAG213: pages 4 to 39


@st.composite
def records(draw: st.DrawFn) -> bytes:
    """One NDEF record, well-formed or with any field wrong."""
    tnf = draw(st.integers(0, 7))
    record_type = draw(st.sampled_from([_EXTERNAL_TYPE, b"T", b"U", b""]) | st.binary(max_size=4))
    payload = draw(
        st.sampled_from([b"927600000016", b"", b"12a", b"1" * 20]) | st.binary(max_size=12)
    )
    ident = draw(st.binary(max_size=3))
    short = draw(st.booleans())
    flags = draw(st.sampled_from([0xC0, 0x80, 0x40, 0x00, 0xE0, 0xA0]))  # MB ME CF bits
    header = flags | (0x10 if short else 0) | (0x08 if ident else 0) | tnf
    type_length = draw(st.sampled_from([len(record_type)]) | st.integers(0, 255))
    payload_length = draw(
        st.sampled_from([len(payload)]) | st.integers(0, 255 if short else 2**32 - 1)
    )
    head = bytes([header, type_length])
    head += bytes([payload_length % 256]) if short else struct.pack(">I", payload_length)
    if ident:
        head += bytes([len(ident)])
    whole = head + record_type + ident + payload
    cut = draw(st.integers(0, len(whole)))
    return whole[:cut] if draw(st.integers(0, 3)) == 0 else whole


@st.composite
def user_areas(draw: st.DrawFn) -> bytes:
    """The bytes of the tag's user memory: an NDEF TLV around records, or plain chaos."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=_USER_BYTES))
    if draw(st.integers(0, 3)) == 0:  # a well-formed card-number record, maybe among others
        import ndef

        number = draw(st.text("0123456789", min_size=1, max_size=19))
        others = draw(st.lists(st.sampled_from([ndef.TextRecord("x"), ndef.Record()]), max_size=1))
        message = b"".join(ndef.message_encoder([card_number_record(number), *others]))
    else:
        message = b"".join(draw(st.lists(records(), min_size=0, max_size=3)))
    length = draw(st.sampled_from([len(message)]) | st.integers(0, 300))
    tlv = b"\x03" + (bytes([length]) if length < 255 else b"\xff" + struct.pack(">H", length))
    prefix = draw(st.sampled_from([b"", b"\x00", b"\x01\x03\xa0\x0c\x34", b"\x02\x03\x00\x00\x00"]))
    return (prefix + tlv + message + b"\xfe")[:_USER_BYTES]


@pytest.fixture
def tag() -> Iterator[UdpType2Tag]:
    """An emulated NTAG213 on nfcpy's UDP driver (loopback)."""
    emulated = UdpType2Tag()
    try:
        yield emulated
    finally:
        emulated.close()


def _load(tag: UdpType2Tag, area: bytes, capability: bytes | None = None) -> None:
    tag.reset(bytes.fromhex("04A22B9C3F5E80"))
    if capability is not None:
        tag.memory[12:16] = capability
    tag.memory[16 : 16 + len(area)] = area
    tag.enter()


@pytest.mark.timeout(120)
@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    area=user_areas(),
    capability=st.none()
    | st.sampled_from(
        [b"\xe1\x10\x12\x00", b"\xe1\x10\xff\x00", b"\x00\x00\x00\x00", b"\xe1\x20\x12\x0f"]
    ),
)
# Found by the random (dev) profile: a well-framed record of TNF 2 (media type) whose
# type is no MIME type made ndeflib raise ValueError, not DecodeError.
@example(area=b"\x03$\xc2\x12\x00\x00\x00\x0camparex.com:cardno927600000016\xfe", capability=None)
def test_CR1_CR4_hostile_ndef_is_read_or_refused_with_a_code(
    tag: UdpType2Tag, area: bytes, capability: bytes | None
) -> None:
    """Any tag memory: a presentation, or a coded reader error; never an ndef exception."""
    _load(tag, area, capability)
    reader = NfcReader(tag.path)
    try:
        result = outcome(lambda: reader.wait_for_card(2.0), area)
    finally:
        reader.close()
        tag.leave()
    if isinstance(result, AmparexError):
        assert isinstance(result, ReaderError), result
        assert_refusal(result, names=tag.path)
        event(result.code)
        return
    assert result is not None, "the tag in the field was not seen"
    event("read, with a number" if result.card_number else "read, no number")
    if result.card_number is not None:
        number = result.card_number
        assert number.isascii() and number.isdigit() and 1 <= len(number) <= 19
        assert number.encode() in area


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "area",
    [
        bytes([0x03, 5, 0xD4, 0xFF, 0x01, 0x61, 0x62, 0xFE]),  # type longer than the record
        bytes([0x03, 4, 0x91, 0x01, 0x05, 0x54, 0xFE]),  # payload longer than the record
        bytes([0x03, 4, 0xB1, 0x01, 0x00, 0x54, 0xFE]),  # a chunk without its end
    ],
    ids=["type-underflow", "payload-underflow", "unended-chunk"],
)
def test_CR4_a_malformed_message_is_unreadable_yet_can_be_erased(
    tag: UdpType2Tag, area: bytes
) -> None:
    """reader.card_unreadable on reading; erasing overwrites it and it reads back empty."""
    _load(tag, area)
    with NfcReader(tag.path) as reader:
        with pytest.raises(ReaderError) as caught:
            reader.wait_for_card(2.0)
        assert_refusal(caught.value, code="reader.card_unreadable", names="malformed")
        erased = reader.erase_card_number(2.0)
        assert erased.card_number is None
        again = reader.wait_for_card(2.0)
        assert again is not None and again.card_number is None
