"""Cards at the counter: UIDs, card numbers, identify, register, encode, invalidate (CR1–CR5)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_adapters.readers.scripted import ScriptedReader, VirtualCard
from amparex_core.domain import errors
from amparex_core.domain.cards import (
    CardNumberFormat,
    CardPresentation,
    CardTechnology,
    CardUid,
    HolderRef,
    IssuedCard,
    UidForm,
    luhn_valid,
)
from amparex_core.domain.masterdata import HolderKind
from amparex_core.domain.templates import CardKind, CardType
from tests import strategies as s
from tests.world import World

UID = CardUid(bytes.fromhex("04A22B9C"))


# ---------------------------------------------------------------- CR5


@given(s.card_uids, s.uid_forms)
def test_CR5_every_reported_form_normalises_to_one_canonical_uid(
    uid: CardUid, form: UidForm
) -> None:
    assert CardUid.parse(uid.render(form), form) == uid


@given(s.card_uids, st.sampled_from([":", "-", " ", ""]), st.booleans())
def test_CR5_hex_with_or_without_separators_in_any_case(
    uid: CardUid, separator: str, lower: bool
) -> None:
    text = separator.join(f"{b:02x}" if lower else f"{b:02X}" for b in uid.value)
    assert CardUid.parse(text) == uid
    assert uid.hex == uid.value.hex().upper() and str(uid) == uid.hex


def test_CR5_known_forms_of_one_card() -> None:
    assert CardUid.parse("04:a2:2b:9c") == UID
    assert CardUid.parse("9C2BA204", UidForm.HEX_REVERSED) == UID
    assert CardUid.parse("77736860", UidForm.DECIMAL) == UID
    assert CardUid.parse("2620105220", UidForm.DECIMAL_REVERSED) == UID
    assert CardUid.parse("0", UidForm.DECIMAL).hex == "00000000"
    assert CardUid.parse(str(2**100), UidForm.DECIMAL).value == (2**100).to_bytes(13, "big")


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("", UidForm.HEX),
        ("xyz", UidForm.HEX),
        ("ABC", UidForm.HEX),
        ("12ab", UidForm.DECIMAL),
        ("٣", UidForm.DECIMAL),
        ("00" * 17, UidForm.HEX),
    ],
)
def test_CR5_unparseable_uids_are_a_clear_error(text: str, form: UidForm) -> None:
    with pytest.raises(errors.CardUidInvalid) as info:
        CardUid.parse(text, form)
    assert info.value.code == "card.uid_invalid"


def test_CR5_presentation_is_normalised_with_the_readers_form() -> None:
    shown = CardPresentation(CardTechnology.CONTACTLESS, "9c:2b:a2:04", UidForm.HEX_REVERSED)
    assert shown.uid == UID
    with pytest.raises(errors.CardUidInvalid):
        CardUid(b"")


# ---------------------------------------------------------------- card numbers


@given(s.card_number_formats, st.integers(min_value=1, max_value=10**6))
def test_card_numbers_carry_a_luhn_digit_and_catch_one_typo(
    fmt: CardNumberFormat, serial: int
) -> None:
    if serial > fmt.capacity:
        with pytest.raises(ValueError, match="does not fit"):
            fmt.make(serial)
        return
    number = fmt.make(serial)
    assert len(number) == fmt.length and number.startswith(fmt.prefix) and luhn_valid(number)
    assert fmt.validate(f" {number[:4]} {number[4:]} ") == number
    position = len(number) - 2
    typo = number[:position] + str((int(number[position]) + 1) % 10) + number[position + 1 :]
    with pytest.raises(errors.CardNumberInvalid):
        fmt.validate(typo)


def test_card_number_format_errors() -> None:
    fmt = CardNumberFormat(prefix="9276", length=12)
    with pytest.raises(errors.CardNumberInvalid, match="12 digits"):
        fmt.validate("123")
    with pytest.raises(errors.CardNumberInvalid, match="prefix"):
        fmt.validate(CardNumberFormat(prefix="1234", length=12).make(5))
    with pytest.raises(ValueError, match="digits only"):
        CardNumberFormat(prefix="AB")
    with pytest.raises(ValueError, match="room"):
        CardNumberFormat(prefix="123456", length=7)
    assert not luhn_valid("1") and not luhn_valid("12a4")


# ---------------------------------------------------------------- desk


def issued(world: World, serial: int = 1, **kwargs: object) -> IssuedCard:
    card = IssuedCard(
        number=world.card_numbers.make(serial),
        holder=HolderRef(HolderKind.CUSTOMER, str(kwargs.pop("holder", "K1"))),
        card_type=CardType.NFC_RFID,
        kind=CardKind.CUSTOMER,
        issued_on=dt.date(2026, 1, 1),
        **kwargs,  # type: ignore[arg-type]
    )
    return world.desk.issue(card)


def test_CR1_reader_yields_a_presented_card_or_nothing_after_the_timeout() -> None:
    world = World()
    assert world.desk.read(world.reader, timeout=0.01) is None
    timer = threading.Timer(0.05, world.reader.present, [VirtualCard(UID)])
    timer.start()
    shown = world.desk.read(world.reader, timeout=5)
    timer.join()
    assert shown is not None and shown.uid == UID and shown.reader == "scripted"
    world.reader.connected = False
    with pytest.raises(errors.ReaderUnavailable) as info:
        world.desk.read(world.reader, timeout=0)
    assert info.value.code == "reader.unavailable"


def test_CR1_a_malformed_uid_from_a_reader_is_refused() -> None:
    class Broken(ScriptedReader):
        def wait_for_card(self, timeout: float) -> CardPresentation | None:
            return CardPresentation(CardTechnology.CONTACT, "not-hex")

    with pytest.raises(errors.CardUidInvalid):
        World().desk.read(Broken(), timeout=0)


def test_CR2_identify_card_to_holder_and_distinct_errors() -> None:
    world = World()
    card = issued(world, valid_until=dt.date(2027, 1, 1))
    world.desk.register(card.number, UID)
    found = world.desk.identify(UID)
    assert found.card.number == card.number and found.holder.id == "K1"
    with pytest.raises(errors.CardUnknown) as unknown:
        world.desk.identify(CardUid(b"\x01\x02\x03\x04"))
    assert unknown.value.code == "card.unknown"
    world.clock.set(dt.datetime(2027, 1, 2, 8, tzinfo=dt.UTC))
    with pytest.raises(errors.CardExpired) as expired:
        world.desk.identify(UID)
    assert expired.value.code == "card.expired"
    world.desk.invalidate(card.number)
    with pytest.raises(errors.CardBlocked) as blocked:
        world.desk.identify(UID)
    assert blocked.value.code == "card.blocked"
    with pytest.raises(errors.CardBlocked):
        world.desk.identify_number(card.number)


def test_CR2_valid_until_day_itself_is_still_valid_and_holder_must_exist() -> None:
    world = World()
    card = issued(world, valid_until=dt.date(2026, 11, 23))
    assert world.desk.identify_number(card.number).card == card
    ghost = issued(world, 2, holder="K404")
    with pytest.raises(errors.HolderUnknown):
        world.desk.identify_number(ghost.number)
    with pytest.raises(errors.CardUnknown):
        world.desk.identify_number(world.card_numbers.make(99))


def test_CR3_a_uid_belongs_to_one_card_and_a_card_registers_once() -> None:
    world = World()
    a, b = issued(world, 1), issued(world, 2)
    assert world.desk.register(a.number, UID).uid == UID
    assert world.desk.register(a.number, UID).uid == UID  # same pair again: a no-op
    with pytest.raises(errors.CardUidTaken) as taken:
        world.desk.register(b.number, UID)
    assert taken.value.code == "card.uid_taken" and taken.value.card_number == a.number
    with pytest.raises(errors.CardAlreadyRegistered):
        world.desk.register(a.number, CardUid(b"\x09\x09\x09\x09"))
    assert world.storage.get_card(b.number).uid is None  # type: ignore[union-attr]
    world.desk.invalidate(b.number)
    with pytest.raises(errors.CardBlocked):
        world.desk.register(b.number, CardUid(b"\x07\x07\x07\x07"))


def test_CR4_encode_writes_only_the_card_number_and_reads_it_back() -> None:
    world = World()
    card = issued(world)
    chip = VirtualCard(UID)
    world.reader.present(chip)
    encoded = world.desk.encode(card.number, world.reader, timeout=1)
    assert chip.stored == card.number and encoded.uid == UID
    assert world.desk.identify(world.reader.wait_for_card(0)).card.number == card.number  # type: ignore[arg-type]
    again = world.desk.encode(card.number, world.reader, timeout=1)  # re-encoding is possible
    assert again.uid == UID


def test_CR4_encode_refusals_write_nothing() -> None:
    world = World()
    a, b = issued(world, 1), issued(world, 2)
    with pytest.raises(errors.CardWriteFailed, match="no card"):
        world.desk.encode(a.number, world.reader, timeout=0)
    chip = VirtualCard(UID)
    world.reader.present(chip)
    world.desk.encode(a.number, world.reader, timeout=1)
    with pytest.raises(errors.CardUidTaken):
        world.desk.encode(b.number, world.reader, timeout=1)
    assert chip.stored == a.number
    other = VirtualCard(CardUid(b"\x05\x05\x05\x05"))
    world.reader.present(other)
    with pytest.raises(errors.CardAlreadyRegistered):
        world.desk.encode(a.number, world.reader, timeout=1)
    assert other.stored is None
    world.reader.present(VirtualCard(CardUid(b"\x06\x06\x06\x06"), writable=False))
    with pytest.raises(errors.CardWriteFailed, match="not writable"):
        world.desk.encode(b.number, world.reader, timeout=1)


def test_CR4_a_torn_write_is_an_error_and_the_half_card_is_never_accepted() -> None:
    world = World()
    card = issued(world)
    chip = VirtualCard(UID)
    world.reader.present(chip)
    world.reader.tear_next_write()
    with pytest.raises(errors.CardWriteFailed, match="removed"):
        world.desk.encode(card.number, world.reader, timeout=1)
    world.reader.present(chip)
    shown = world.reader.wait_for_card(0)
    assert shown is not None and shown.card_number is None
    with pytest.raises(errors.CardUnknown):
        world.desk.identify(shown)
    assert world.storage.get_card(card.number).uid is None  # type: ignore[union-attr]


def test_CR4_invalidate_blocks_and_erases_and_blocked_cards_cannot_be_encoded() -> None:
    world = World()
    card = issued(world)
    chip = VirtualCard(UID)
    world.reader.present(chip)
    world.desk.encode(card.number, world.reader, timeout=1)
    blocked = world.desk.invalidate(card.number, writer=world.reader, timeout=1)
    assert blocked.blocked and chip.stored is None
    first_time = blocked.blocked_at
    world.clock.advance(dt.timedelta(hours=1))
    assert world.desk.invalidate(card.number).blocked_at == first_time
    with pytest.raises(errors.CardBlocked):
        world.desk.encode(card.number, world.reader, timeout=1)


def test_CR4_cards_from_orders_are_issued_at_dispatch_and_identifiable() -> None:
    world = World()
    world.card_ordering()
    world.template()
    order = world.orders.place(
        template="BASIS", holder_id="K1", branch="F01", process_ref="V"
    ).order
    assert world.storage.get_card(order.card_number) is None
    world.clock.advance(dt.timedelta(days=8))
    world.orders.dispatch()
    world.desk.register(order.card_number, UID)
    assert world.desk.identify(UID).holder.id == "K1"


def test_issue_checks_the_number_format() -> None:
    world = World()
    with pytest.raises(errors.CardNumberInvalid):
        world.desk.issue(
            IssuedCard(
                number="123",
                holder=HolderRef(HolderKind.CUSTOMER, "K1"),
                card_type=CardType.CHIP,
                kind=CardKind.CUSTOMER,
                issued_on=dt.date(2026, 1, 1),
            )
        )
    card = issued(world)
    with pytest.raises(errors.CardDuplicate):
        world.desk.issue(card)
