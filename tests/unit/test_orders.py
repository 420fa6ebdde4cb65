"""Card templates and card orders: placing, cancelling, dispatching (CO1–CO18)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_core.domain import errors
from amparex_core.domain.batches import (
    ORDER_CONTEXT_FIELDS,
    document_sequence,
    manifest_csv,
    order_context,
)
from amparex_core.domain.csvdialect import CsvDialect, decode_csv
from amparex_core.domain.money import CostItem, Money
from amparex_core.domain.orders import Batch, BatchStatus, OrderStatus, ProcessRef
from amparex_core.domain.templates import CardKind, CardTemplate, CardType, ShippingInterval, ShipTo
from amparex_core.services import InformationRequest
from amparex_core.services.orders import BatchOutcome
from tests.world import BERLIN, World


def ready(**template: object) -> World:
    world = World()
    world.card_ordering()
    world.template(**template)  # type: ignore[arg-type]
    return world


# ---------------------------------------------------------------- templates


def test_CO3_ordering_needs_a_template() -> None:
    world = World()
    world.card_ordering()
    with pytest.raises(errors.NoTemplateDefined) as info:
        world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    assert info.value.code == "template.none_defined"
    world.template("GOLD")
    with pytest.raises(errors.TemplateUnknown) as info2:
        world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    assert info2.value.code == "template.unknown"
    assert world.orders.list_orders() == []


def test_CO4_several_templates_unique_names_create_and_delete() -> None:
    world = World()
    for name in ("BASIS", "GOLD", "PLATIN"):
        world.template(name)
    with pytest.raises(errors.TemplateDuplicate) as info:
        world.template(" gold ")
    assert info.value.code == "template.duplicate" and info.value.existing_name == "GOLD"
    assert [t.name for t in world.templates.list()] == ["BASIS", "GOLD", "PLATIN"]
    assert world.templates.delete("platin").name == "PLATIN"
    with pytest.raises(errors.TemplateUnknown):
        world.templates.delete("PLATIN")
    assert world.templates.get("Basis").name == "BASIS"
    with pytest.raises(errors.TemplateNameRequired):
        CardTemplate(name="  ", document_template="DOC-CARD")


def test_CO8_document_templates_must_exist_and_cover_letter_for_customer() -> None:
    world = World()
    with pytest.raises(errors.CoverLetterRequired) as info:
        CardTemplate(name="X", document_template="DOC-CARD", ship_to=ShipTo.CUSTOMER)
    assert info.value.code == "template.cover_letter_required"
    with pytest.raises(errors.DocumentTemplateUnknown) as info2:
        world.templates.create(CardTemplate(name="X", document_template="DOC-404"))
    assert info2.value.role == "document template"
    with pytest.raises(errors.DocumentTemplateUnknown) as info3:
        world.templates.create(
            CardTemplate(name="X", document_template="DOC-CARD", cover_letter="DOC-404")
        )
    assert info3.value.role == "cover letter" and info3.value.code == "template.document_unknown"
    with pytest.raises(errors.DocumentTemplateInvalid) as info4:
        world.templates.create(CardTemplate(name="X", document_template="DOC-BROKEN"))
    assert info4.value.field == "holdr_name"
    assert world.templates.list() == []
    with pytest.raises(ValueError, match="document_template"):
        CardTemplate(name="X", document_template=" ")


def test_CO12_roller_clip_only_on_employee_cards() -> None:
    with pytest.raises(errors.RollerClipEmployeeOnly) as info:
        CardTemplate(name="X", document_template="D", roller_clip=True)
    assert info.value.code == "template.roller_clip_employee_only"
    staff = CardTemplate(name="X", document_template="D", roller_clip=True, kind=CardKind.EMPLOYEE)
    boxed = CardTemplate(name="X", document_template="D", gift_box=True, kind=CardKind.CUSTOMER)
    assert staff.roller_clip and boxed.gift_box


# ---------------------------------------------------------------- placing


def test_CO1_ordering_needs_an_available_interface_with_contract_and_key() -> None:
    world = World()
    world.template()
    with pytest.raises(errors.InterfaceNotAvailable):
        world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    world.card_ordering(contract=False)
    with pytest.raises(errors.ContractRequired) as info:
        world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    assert info.value.code == "interface.contract_required"
    assert world.orders.list_orders() == []


def test_CO1_the_key_never_reaches_an_order_manifest_or_parcel() -> None:
    world = ready()
    placed = world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    assert placed.order.contract == "KV-4711"
    world.clock.advance(dt.timedelta(days=8))
    world.orders.dispatch()
    (parcel,) = world.parcels.parcels.values()
    blobs = [parcel.subject, parcel.body, *(a.data.decode("latin-1") for a in parcel.attachments)]
    assert all("geheim-123" not in blob for blob in blobs)
    assert "geheim-123" not in repr(placed)


@pytest.mark.parametrize(
    ("ship_to", "holder", "expected_name", "expected_street"),
    [
        (ShipTo.CUSTOMER, "K1", "Erika Mustermann", "Lindenweg 3"),
        (ShipTo.ORDERING_BRANCH, "K1", "Optik Muster Stuttgart", "Königstraße 10"),
        (ShipTo.CUSTOMER_BRANCH, "K1", "Optik Muster Köln", "Hohe Str. 5"),
    ],
)
def test_CO5_address_is_resolved_at_placement(
    ship_to: ShipTo, holder: str, expected_name: str, expected_street: str
) -> None:
    world = ready(ship_to=ship_to)
    order = world.orders.place(
        template="BASIS", holder_id=holder, branch="F01", process_ref="V1"
    ).order
    assert order.recipient.name == expected_name
    assert order.recipient.address.street == expected_street
    assert order.recipient.ship_to is ship_to


@pytest.mark.parametrize(
    ("ship_to", "holder", "missing"),
    [
        (ShipTo.CUSTOMER, "K2", "postal address"),
        (ShipTo.CUSTOMER_BRANCH, "K3", "leading branch"),
        (ShipTo.CUSTOMER_BRANCH, "K4", "branch address"),
    ],
)
def test_CO5_missing_address_or_leading_branch_is_a_clear_error(
    ship_to: ShipTo, holder: str, missing: str
) -> None:
    world = ready(ship_to=ship_to)
    with pytest.raises(errors.AddressMissing) as info:
        world.orders.place(template="BASIS", holder_id=holder, branch="F01", process_ref="V1")
    assert info.value.code == "order.address_missing" and info.value.missing == missing
    assert world.orders.list_orders() == []


def test_CO5_ordering_branch_without_address() -> None:
    world = ready()
    with pytest.raises(errors.AddressMissing):
        world.orders.place(template="BASIS", holder_id="K1", branch="F03", process_ref="V1")
    with pytest.raises(errors.BranchUnknown):
        world.orders.place(template="BASIS", holder_id="K1", branch="F99", process_ref="V1")
    with pytest.raises(errors.HolderUnknown):
        world.orders.place(template="BASIS", holder_id="K99", branch="F01", process_ref="V1")


def test_CO7_comment_travels_with_every_order() -> None:
    world = ready(comment="Bitte mit Logo")
    world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    world.clock.advance(dt.timedelta(days=8))
    world.orders.dispatch()
    (parcel,) = world.parcels.parcels.values()
    manifest = json.loads(parcel.attachments[1].data)
    assert manifest["orders"][0]["comment"] == "Bitte mit Logo"


def test_CO9_validity_required_and_after_order_date() -> None:
    world = ready(validity_required=True)
    with pytest.raises(errors.ValidityRequired) as info:
        world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    assert info.value.code == "order.validity_required"
    today = dt.date(2026, 11, 23)
    for bad in (today, today - dt.timedelta(days=1)):
        with pytest.raises(errors.ValidityNotAfterOrderDate) as info2:
            world.orders.place(
                template="BASIS", holder_id="K1", branch="F01", process_ref="V1", valid_until=bad
            )
        assert info2.value.code == "order.validity_not_after_order_date"
    order = world.orders.place(
        template="BASIS",
        holder_id="K1",
        branch="F01",
        process_ref="V1",
        valid_until=today + dt.timedelta(days=1),
    ).order
    assert order.valid_until == dt.date(2026, 11, 24)


def test_CO9_without_the_flag_the_date_is_optional_but_still_checked() -> None:
    world = ready(validity_required=False)
    assert world.orders.place(
        template="BASIS", holder_id="K1", branch="F01", process_ref="V1"
    ).created
    with pytest.raises(errors.ValidityNotAfterOrderDate):
        world.orders.place(
            template="BASIS",
            holder_id="K1",
            branch="F01",
            process_ref="V2",
            valid_until=dt.date(2026, 11, 23),
        )


@pytest.mark.parametrize("card_type", list(CardType))
@pytest.mark.parametrize("kind", list(CardKind))
def test_CO10_CO11_card_type_and_kind_are_carried(card_type: CardType, kind: CardKind) -> None:
    world = ready(card_type=card_type, kind=kind)
    holder = "M1" if kind is CardKind.EMPLOYEE else "K1"
    order = world.orders.place(
        template="BASIS", holder_id=holder, branch="F01", process_ref="V1"
    ).order
    assert order.template.card_type is card_type and order.template.kind is kind
    assert order.holder.kind.value == kind.value


def test_CO12_CO15_cost_lines_per_item_and_batch_total() -> None:
    world = World()
    world.card_ordering()
    world.template("GOLD", gift_box=True, card_type=CardType.NFC_RFID)
    world.template("STAFF", kind=CardKind.EMPLOYEE, roller_clip=True, gift_box=True)
    gold = world.orders.place(template="GOLD", holder_id="K1", branch="F01", process_ref="A").order
    staff = world.orders.place(
        template="STAFF", holder_id="M1", branch="F01", process_ref="B"
    ).order
    assert [line.item for line in gold.cost_lines] == [CostItem.CARD_NFC_RFID, CostItem.GIFT_BOX]
    assert gold.total("EUR").amount == Decimal("7.90")
    assert [line.item for line in staff.cost_lines] == [
        CostItem.CARD_CHIP,
        CostItem.GIFT_BOX,
        CostItem.ROLLER_CLIP,
    ]
    world.clock.advance(dt.timedelta(days=8))
    report = world.orders.dispatch()
    (batch,) = report.delivered
    assert batch.total.amount == Decimal("7.90") + Decimal("7.70")
    assert isinstance(batch.total.amount, Decimal)


@given(st.lists(st.sampled_from(["V1", "V1/1", "V2", "V2/1", "V3"]), min_size=1, max_size=12))
def test_CO13_placing_again_with_the_same_process_reference_returns_the_first_order(
    refs: list[str],
) -> None:
    world = ready()
    first: dict[str, str] = {}
    for ref in refs:
        placed = world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref=ref)
        if ref in first:
            assert not placed.created and placed.order.id == first[ref]
        else:
            assert placed.created
            first[ref] = placed.order.id
    orders = world.orders.list_orders()
    assert len(orders) == len(set(refs))
    assert len({o.card_number for o in orders}) == len(orders)


def test_CO13_process_reference_form() -> None:
    assert ProcessRef.parse(" V-1 / 2 ") == ProcessRef("V-1", "2")
    assert str(ProcessRef.parse("V-1/")) == "V-1"
    for bad in ("", "/2", "a/b/c"):
        with pytest.raises(errors.ProcessRefInvalid):
            ProcessRef.parse(bad)


def test_CO14_orders_keep_their_template_snapshot() -> None:
    world = ready(comment="alt")
    order = world.orders.place(
        template="BASIS", holder_id="K1", branch="F01", process_ref="V1"
    ).order
    world.templates.delete("BASIS")
    world.template("BASIS", comment="neu", gift_box=True)
    again = world.orders.get(order.id)
    assert again.template.comment == "alt" and not again.template.gift_box
    world.clock.advance(dt.timedelta(days=8))
    world.orders.dispatch()
    (parcel,) = world.parcels.parcels.values()
    assert json.loads(parcel.attachments[1].data)["orders"][0]["comment"] == "alt"


# ---------------------------------------------------------------- cancel


def test_CO17_cancel_until_dispatched_never_after() -> None:
    world = ready()
    a = world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="A").order
    b = world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="B").order
    cancelled = world.orders.cancel(a.id)
    assert cancelled.status is OrderStatus.CANCELLED and cancelled.cancelled_at is not None
    with pytest.raises(errors.OrderNotCancellable):
        world.orders.cancel(a.id)
    world.clock.advance(dt.timedelta(days=8))
    report = world.orders.dispatch()
    assert report.delivered[0].order_ids == (b.id,)
    with pytest.raises(errors.OrderNotCancellable) as info:
        world.orders.cancel(b.id)
    assert info.value.code == "order.not_cancellable" and info.value.status == "dispatched"
    with pytest.raises(errors.OrderUnknown) as info2:
        world.orders.cancel("nope")
    assert info2.value.code == "order.unknown"


# ---------------------------------------------------------------- dispatch


@pytest.mark.parametrize(
    ("interval", "not_yet", "due"),
    [
        (
            ShippingInterval.DAILY,
            dt.datetime(2026, 11, 23, 23, 59),
            dt.datetime(2026, 11, 24, 0, 0),
        ),
        (
            ShippingInterval.WEEKLY,
            dt.datetime(2026, 11, 29, 23, 59),
            dt.datetime(2026, 11, 30, 0, 0),
        ),
        (
            ShippingInterval.MONTHLY,
            dt.datetime(2026, 11, 30, 23, 59),
            dt.datetime(2026, 12, 1, 0, 0),
        ),
    ],
)
def test_CO6_orders_ship_once_their_period_has_ended(
    interval: ShippingInterval, not_yet: dt.datetime, due: dt.datetime
) -> None:
    world = ready(interval=interval)
    world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    assert world.orders.dispatch(now=not_yet.replace(tzinfo=BERLIN)).batches == ()
    report = world.orders.dispatch(now=due.replace(tzinfo=BERLIN))
    assert len(report.delivered) == 1
    assert world.orders.dispatch(now=due.replace(tzinfo=BERLIN)).batches == ()


def test_CO16_batch_is_a_manifest_and_one_pdf_with_cover_letters_before_customer_cards() -> None:
    world = World()
    world.card_ordering()
    world.template("HOME", ship_to=ShipTo.CUSTOMER)
    world.template("SHOP", ship_to=ShipTo.ORDERING_BRANCH)
    home = world.orders.place(template="HOME", holder_id="K1", branch="F01", process_ref="A").order
    world.clock.advance(dt.timedelta(minutes=1))
    shop = world.orders.place(template="SHOP", holder_id="K1", branch="F01", process_ref="B").order
    world.clock.advance(dt.timedelta(days=8))
    report = world.orders.dispatch()
    (batch,) = report.delivered
    assert batch.status is BatchStatus.DELIVERED and batch.receipt == batch.id
    parcel = world.parcels.parcels[batch.id]
    names = [a.filename for a in parcel.attachments]
    assert names == [
        f"{batch.order_number}-manifest.csv",
        f"{batch.order_number}-manifest.json",
        f"{batch.order_number}-cards.pdf",
    ]
    pdf = parcel.attachments[2].data
    assert pdf.startswith(b"%PDF-") and pdf.count(b"/Type /Page ") == 3
    letter_at = pdf.index(b"Dear Erika Mustermann")
    home_card = pdf.index(home.card_number.encode())
    shop_card = pdf.index(shop.card_number.encode())
    assert letter_at < home_card < shop_card
    assert [
        d for d, _ in document_sequence([world.orders.get(home.id), world.orders.get(shop.id)])
    ] == [
        "DOC-LETTER",
        "DOC-CARD",
        "DOC-CARD",
    ]
    header, rows = decode_csv(CsvDialect(), parcel.attachments[0].data)
    assert {r[header.index("card_number")] for r in rows} == {home.card_number, shop.card_number}
    assert all(o.status is OrderStatus.DISPATCHED for o in world.orders.list_orders())


def test_CO16_delivering_again_reuses_the_batch_id_and_never_makes_a_second_batch() -> None:
    world = ready()
    world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    world.clock.advance(dt.timedelta(days=8))
    world.parcels.fail_next()
    first = world.orders.dispatch()
    assert first.delivered == [] and first.failed[0].error is not None
    (open_batch,) = world.orders.batches(open_only=True)
    assert world.orders.list_orders()[0].status is OrderStatus.BATCHED
    with pytest.raises(errors.OrderNotCancellable):
        world.orders.cancel(world.orders.list_orders()[0].id)
    second = world.orders.dispatch()
    assert [r.batch.id for r in second.batches] == [open_batch.id] and second.batches[0].resent
    assert world.parcels.sent == [open_batch.id]
    assert len(world.orders.batches()) == 1
    assert world.orders.list_orders()[0].status is OrderStatus.DISPATCHED


def test_CO16_parcel_is_deterministic_for_a_batch() -> None:
    world = ready(ship_to=ShipTo.CUSTOMER)
    world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    world.clock.advance(dt.timedelta(days=8))
    (batch,) = world.orders.dispatch().delivered
    assert world.orders.parcel_for(batch) == world.orders.parcel_for(batch)


def test_CO16_a_vanished_document_template_keeps_the_batch_open() -> None:
    world = ready()
    world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    world.masterdata._documents.pop("DOC-CARD")
    world.clock.advance(dt.timedelta(days=8))
    report = world.orders.dispatch()
    assert isinstance(report.failed[0].error, errors.DocumentTemplateUnknown)
    assert report.failed[0].outcome is BatchOutcome.FAILED
    assert len(world.orders.batches(open_only=True)) == 1


def test_CO16_progress_is_reported_per_batch() -> None:
    world = World()
    world.card_ordering()
    world.template("D", interval=ShippingInterval.DAILY)
    world.template("W", interval=ShippingInterval.WEEKLY)
    world.orders.place(template="D", holder_id="K1", branch="F01", process_ref="A")
    world.orders.place(template="W", holder_id="K1", branch="F01", process_ref="B")
    seen: list[tuple[int, int, str]] = []
    world.clock.advance(dt.timedelta(days=30))
    world.orders.dispatch(progress=lambda done, total, item: seen.append((done, total, item)))
    assert [(d, t) for d, t, _ in seen] == [(1, 2), (2, 2)]


def test_CO18_subject_carries_customer_number_and_batch_order_number() -> None:
    world = ready()
    world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    world.clock.advance(dt.timedelta(days=8))
    (batch,) = world.orders.dispatch().delivered
    parcel = world.parcels.parcels[batch.id]
    assert "AX-100" in parcel.subject and batch.order_number in parcel.subject
    assert batch.order_number == "B000001"


def test_CO2_information_request_goes_through_the_same_channel_without_contract() -> None:
    world = World()
    world.card_ordering(contract=False)
    receipt = world.orders.request_information(
        InformationRequest(contact_name="Jana Kasse", email="jana@example.org", branch="F01")
    )
    parcel = world.parcels.parcels[receipt.reference]
    assert "Informationen anfordern" in parcel.subject
    facts = json.loads(parcel.attachments[0].data)
    assert facts["contact_name"] == "Jana Kasse" and facts["customer_number"] == "AX-100"
    assert facts["chain"] == "Optik Muster"
    world2 = World()
    receipt2 = world2.orders.request_information(InformationRequest("X", "x@example.org"))
    assert (
        json.loads(world2.parcels.parcels[receipt2.reference].attachments[0].data)[
            "customer_number"
        ]
        == "-"
    )


def test_CO16_order_context_has_every_documented_field() -> None:
    world = ready(ship_to=ShipTo.CUSTOMER, validity_required=True)
    order = world.orders.place(
        template="BASIS",
        holder_id="K1",
        branch="F01",
        process_ref="V1",
        valid_until=dt.date(2028, 1, 31),
    ).order
    context = order_context(order, ordering_branch_name="Stuttgart")
    assert set(context) == ORDER_CONTEXT_FIELDS
    assert context["valid_until"] == "31.01.2028" and context["card_number"] == order.card_number
    csv_text = manifest_csv(_fake_batch(), [order]).decode("utf-8-sig")
    assert "20280131" in csv_text


def _fake_batch() -> Batch:
    return Batch(
        id="b",
        number=7,
        interface_id="i",
        period_key="weekly:2026-W48",
        order_ids=["x"],
        total=Money(Decimal(0), "EUR"),
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
