"""The SQL stores' JSON form gives back every domain object unchanged (round trip properties)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_adapters.converters import stored
from amparex_adapters.masterdata.bundle import MasterItem, item_from_record, record_of, section_of
from amparex_adapters.storage.sql import instant_key
from amparex_core.domain.cards import CardUid, HolderRef, IssuedCard
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceConfig
from amparex_core.domain.masterdata import HolderKind, PostalAddress
from amparex_core.domain.money import CostItem, CostLine, Money
from amparex_core.domain.orders import Batch, CardOrder, ProcessRef, Recipient
from amparex_core.domain.templates import CardTemplate
from amparex_core.domain.uploads import FileFacts, UploadRecord, UploadState
from tests import strategies as s


@given(s.interface_configs())
def test_IF7_CO1_OP6_interface_configs_round_trip_with_their_key_reference(
    config: InterfaceConfig,
) -> None:
    back = stored.decode(stored.encode(config), InterfaceConfig)
    assert back == config
    assert repr(back) == repr(config)
    if isinstance(config.settings, CardOrderSettings) and config.settings.key is not None:
        assert isinstance(back.settings, CardOrderSettings)
        assert back.settings.key == config.settings.key  # the reference, never a value


@given(s.card_templates())
def test_CO14_templates_round_trip(template: CardTemplate) -> None:
    assert stored.decode(stored.encode(template), CardTemplate) == (template)


@given(
    template=s.card_templates(),
    ref=s.process_refs,
    placed_at=s.instants,
    tz=s.zones,
    price=s.money,
    valid_days=st.none() | st.integers(min_value=1, max_value=900),
)
def test_CO13_CO14_CO15_orders_round_trip(
    template: CardTemplate,
    ref: ProcessRef,
    placed_at: dt.datetime,
    tz: dt.tzinfo,
    price: Money,
    valid_days: int | None,
) -> None:
    local = placed_at.astimezone(tz)
    valid_until = None if valid_days is None else local.date() + dt.timedelta(days=valid_days)
    if template.validity_required and valid_until is None:
        valid_until = local.date() + dt.timedelta(days=30)
    order = CardOrder.place(
        id="O-1",
        process_ref=ref,
        interface_id="IF-1",
        contract="K",
        template=template,
        holder=HolderRef(HolderKind.CUSTOMER, "K1"),
        holder_name="Erika Mustermann",
        ordering_branch="F01",
        recipient=Recipient(template.ship_to, "E M", PostalAddress("Weg 1", "12345", "Ort")),
        card_number="927600000016",
        valid_until=valid_until,
        placed_at=local,
        tz=tz,
        cost_lines=[CostLine(CostItem.CARD_CHIP, price), CostLine(CostItem.GIFT_BOX, price)],
    )
    for state in (
        order,
        order.cancel(local),
        order.batched("B-1"),
        order.batched("B").dispatched(),
    ):
        back = stored.decode(stored.encode(state), CardOrder)
        assert back == state
        assert back.placed_at.utcoffset() == state.placed_at.utcoffset()
    key = instant_key(order.placed_at)
    assert key == instant_key(order.placed_at.astimezone(dt.UTC))


@given(st.lists(s.instants, min_size=2, max_size=10), s.zones)
def test_instant_keys_sort_like_the_instants(instants: list[dt.datetime], tz: dt.tzinfo) -> None:
    local = [i.astimezone(tz) for i in instants]
    assert sorted(local) == sorted(local, key=instant_key)


@given(st.datetimes(timezones=st.just(dt.UTC) | s.zones) | st.datetimes(timezones=st.timezones()))
def test_instant_keys_are_the_utc_time_to_the_microsecond(instant: dt.datetime) -> None:
    try:
        utc = instant.astimezone(dt.UTC)
    except OverflowError:  # beyond year 1 or 9999 in UTC: no key either
        with pytest.raises(OverflowError):
            instant_key(instant)
        return
    assert instant_key(instant) == utc.replace(tzinfo=None).isoformat(timespec="microseconds")


@given(s.issued_cards(), st.none() | s.card_uids, st.none() | s.instants)
def test_CR3_cards_round_trip(
    card: IssuedCard, uid: CardUid | None, blocked: dt.datetime | None
) -> None:
    full = IssuedCard(
        number=card.number,
        holder=card.holder,
        card_type=card.card_type,
        kind=card.kind,
        issued_on=card.issued_on,
        valid_until=card.valid_until,
        uid=uid,
        blocked_at=blocked,
        order_id="O-1",
    )
    for c in (card, full):
        assert stored.decode(stored.encode(c), IssuedCard) == c


@given(s.money, s.instants, st.lists(s.ids, max_size=5), st.booleans())
def test_CO16_batches_round_trip(
    total: Money, at: dt.datetime, order_ids: list[str], delivered: bool
) -> None:
    batch = Batch("B-1", 7, "IF-1", "weekly:2026-W48", tuple(order_ids), total, at)
    if delivered:
        batch = batch.delivered(at, "sent")
    assert stored.decode(stored.encode(batch), Batch) == batch


@given(s.instants, st.integers(min_value=0, max_value=2**40), st.integers(min_value=1, max_value=9))
def test_LL8_upload_records_round_trip(at: dt.datetime, size: int, attempts: int) -> None:
    claimed = UploadRecord("LL-1", "a.csv", FileFacts(size, "ab" * 32, 17), UploadState.CLAIMED, at)
    done = UploadRecord(
        "LL-1", "a.csv", FileFacts(size, "cd" * 32), UploadState.UPLOADED, at, at, "r", attempts
    )
    for record in (claimed, done):
        back = stored.decode(stored.encode(record), UploadRecord)
        assert back == record


@given(
    st.one_of(
        s.branch_records, s.customers, s.employees, s.document_templates, s.statistic_templates
    )
)
def test_master_data_records_round_trip_through_the_bundle_format(item: MasterItem) -> None:
    assert item_from_record(section_of(item), record_of(item)) == item
