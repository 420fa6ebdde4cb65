"""Every storage port method, with its refusals, on memory, SQLite (file, memory) and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from amparex_adapters.storage import open_storage
from amparex_core.domain.cards import CardUid
from amparex_core.domain.errors import (
    CardAlreadyRegistered,
    CardDuplicate,
    CardUidTaken,
    CardUnknown,
    InterfaceDuplicate,
    InterfaceUnknown,
    OrderUnknown,
    TemplateDuplicate,
    TemplateUnknown,
)
from amparex_core.domain.interfaces import InterfaceKind, resolve
from amparex_core.domain.orders import BatchStatus, OrderStatus, ProcessRef
from amparex_core.domain.secret import SecretRef
from amparex_core.domain.uploads import ClaimResult, FileFacts, UploadState
from amparex_core.ports.storage import Storage
from tests.integration.storage import builders as b

pytestmark = pytest.mark.integration

FACTS = FileFacts(size=10, sha256="ab" * 32, mtime_ns=5)
LEASE = dt.timedelta(minutes=10)


# ------------------------------------------------------------------ interfaces


def test_store_implements_the_storage_protocol(store: Storage) -> None:
    assert isinstance(store, Storage)


def test_IF7_OP6_round_trip_keeps_every_field_and_the_key_reference(store: Storage) -> None:
    config = b.card_order_config("IF-1", key="card_key_nord")
    store.add_interface(config)
    loaded = store.get_interface("IF-1")
    assert loaded == config
    assert loaded.settings.key == SecretRef("card_key_nord")  # type: ignore[union-attr]
    ll = b.loyalty_config("LL-1", start=dt.date(2026, 12, 1))
    store.add_interface(ll)
    assert store.get_interface("LL-1") == ll


def test_IF7_IF8_second_config_in_scope_is_refused_naming_the_first(store: Storage) -> None:
    store.add_interface(b.loyalty_config("LL-1", workstation="PC-01", display_name="Loyalty Lab"))
    with pytest.raises(InterfaceDuplicate) as caught:
        store.add_interface(
            b.loyalty_config("LL-2", workstation=" pc-01 ", display_name="  LOYALTY   lab ")
        )
    assert caught.value.existing_id == "LL-1"
    assert caught.value.existing_display_name == "Loyalty Lab"
    assert [c.id for c in store.search_interfaces()] == ["LL-1"]
    # another display name, another workstation: allowed
    store.add_interface(b.loyalty_config("LL-3", workstation="PC-01", display_name="LL zwei"))
    store.add_interface(b.loyalty_config("LL-4", workstation="PC-02", display_name="Loyalty Lab"))
    assert len(store.search_interfaces()) == 3


def test_IF7_display_names_compare_after_case_folding(store: Storage) -> None:
    store.add_interface(b.card_order_config("A", display_name="STRASSE"))
    with pytest.raises(InterfaceDuplicate):
        store.add_interface(b.card_order_config("B", display_name="Straße"))


def test_IF7_same_id_is_a_duplicate(store: Storage) -> None:
    store.add_interface(b.card_order_config("A", branch="F01"))
    with pytest.raises(InterfaceDuplicate) as caught:
        store.add_interface(b.card_order_config("A", branch="F02"))
    assert caught.value.existing_id == "A"


def test_IF7_replace_checks_uniqueness_and_existence(store: Storage) -> None:
    store.add_interface(b.card_order_config("A", branch="F01"))
    store.add_interface(b.card_order_config("B", branch="F02"))
    with pytest.raises(InterfaceDuplicate) as caught:
        store.replace_interface(b.card_order_config("B", branch="F01"))
    assert caught.value.existing_id == "A"
    assert store.get_interface("B").branch == "F02"
    store.replace_interface(b.card_order_config("B", branch="F03", key="new"))
    assert store.get_interface("B").branch == "F03"
    store.replace_interface(b.card_order_config("A", branch="F01", display_name="Neu"))
    assert store.get_interface("A").display_name == "Neu"
    with pytest.raises(InterfaceUnknown):
        store.replace_interface(b.card_order_config("C"))
    # the freed key can be taken now
    store.add_interface(b.card_order_config("D", branch="F02"))


def test_IF4_get_remove_search(store: Storage) -> None:
    with pytest.raises(InterfaceUnknown):
        store.get_interface("nope")
    with pytest.raises(InterfaceUnknown):
        store.remove_interface("nope")
    store.add_interface(b.card_order_config("Z", branch=None))
    store.add_interface(b.loyalty_config("M", workstation="PC-01", display_name="b"))
    store.add_interface(b.loyalty_config("A", workstation="PC-01", display_name="a"))
    assert [c.id for c in store.search_interfaces()] == ["Z", "A", "M"]
    assert [c.id for c in store.search_interfaces(kind=InterfaceKind.LOYALTY_LAB)] == ["A", "M"]
    assert [c.id for c in store.search_interfaces(with_workstation_settings=True)] == ["A", "M"]
    removed = store.remove_interface("Z")
    assert removed.id == "Z"
    with pytest.raises(InterfaceUnknown):
        store.get_interface("Z")
    store.add_interface(b.card_order_config("Z2", branch=None))  # the key is free again


def test_IF2_IF3_IF9_candidates_match_branch_and_workstation(store: Storage) -> None:
    configs = [
        b.loyalty_config("W1", workstation="PC-01"),
        b.loyalty_config("W1B", workstation="PC-01", branch="F01", display_name="x"),
        b.loyalty_config("W2", workstation="PC-02"),
        b.loyalty_config("W1F2", workstation="PC-01", branch="F02", display_name="y"),
        b.card_order_config("C-chain", branch=None),
        b.card_order_config("C-F01", branch="F01"),
    ]
    for config in configs:
        store.add_interface(config)
    for kind in InterfaceKind:
        for branch in (None, "F01", " F01 ", "F02", "F09"):
            for workstation in (None, "PC-01", " pc-01", "PC-02", "PC-99"):
                got = store.interface_candidates(kind, branch=branch, workstation=workstation)
                expected = [
                    c
                    for c in configs
                    if c.kind is kind and c.matches_place(branch=branch, workstation=workstation)
                ]
                assert sorted(c.id for c in got) == sorted(c.id for c in expected)
    on = dt.date(2026, 11, 23)
    found = resolve(
        store.interface_candidates(InterfaceKind.CARD_ORDER, branch="F01", workstation=None),
        kind=InterfaceKind.CARD_ORDER,
        branch="F01",
        workstation=None,
        on=on,
    )
    assert [c.id for c in found] == ["C-F01", "C-chain"]


# ------------------------------------------------------------------ templates


def test_CO4_templates_unique_by_folded_name(store: Storage) -> None:
    gold = b.template("GOLD", comment="mit Box", gift_box=True)
    store.add_template(gold)
    with pytest.raises(TemplateDuplicate) as caught:
        store.add_template(b.template(" gold "))
    assert caught.value.existing_name == "GOLD"
    store.add_template(b.template("BASIS"))
    assert [t.name for t in store.list_templates()] == ["BASIS", "GOLD"]
    assert store.get_template("Gold") == gold
    with pytest.raises(TemplateUnknown):
        store.get_template("PLATIN")
    assert store.remove_template("gold") == gold
    with pytest.raises(TemplateUnknown):
        store.remove_template("gold")
    assert [t.name for t in store.list_templates()] == ["BASIS"]


# ------------------------------------------------------------------ orders


def test_CO13_add_order_is_idempotent_on_the_process_ref(store: Storage) -> None:
    first = b.order("O-1", "V-1/2")
    assert store.add_order(first) == (first, True)
    again = b.order("O-2", "V-1/2")
    existing, stored = store.add_order(again)
    assert (existing, stored) == (first, False)
    with pytest.raises(OrderUnknown):
        store.get_order("O-2")
    assert store.order_by_process_ref(ProcessRef("V-1", "2")) == first
    assert store.order_by_process_ref(ProcessRef("V-1")) is None
    assert store.list_orders() == [first]


def test_CO13_same_id_other_ref_is_refused(store: Storage) -> None:
    store.add_order(b.order("O-1", "V-1"))
    with pytest.raises(ValueError, match="O-1"):
        store.add_order(b.order("O-1", "V-2"))


def test_CO14_order_keeps_its_template_snapshot(store: Storage) -> None:
    gold = b.template("GOLD", comment="alt")
    store.add_template(gold)
    placed = b.order("O-1", "V-1", tmpl=gold)
    store.add_order(placed)
    store.remove_template("GOLD")
    store.add_template(b.template("GOLD", comment="neu"))
    assert store.get_order("O-1").template.comment == "alt"
    assert store.get_order("O-1") == placed


def test_CO6_CO17_list_pending_update(store: Storage) -> None:
    with pytest.raises(OrderUnknown):
        store.get_order("none")
    o1 = b.order("O-1", "V-1", placed_at=b.T0 + dt.timedelta(hours=2))
    o2 = b.order("O-2", "V-2", placed_at=b.T0)
    o3 = b.order("O-3", "V-3", placed_at=b.T0 + dt.timedelta(days=7))  # next ISO week
    for o in (o1, o2, o3):
        store.add_order(o)
    assert [o.id for o in store.list_orders()] == ["O-2", "O-1", "O-3"]
    week_end = o1.period.end
    assert [o.id for o in store.pending_orders_ending_by(week_end)] == ["O-2", "O-1"]
    assert store.pending_orders_ending_by(week_end - dt.timedelta(days=1)) == []
    cancelled = o1.cancel(b.T0 + dt.timedelta(hours=3))
    assert store.update_order(cancelled, expected=OrderStatus.PENDING) is True
    assert store.get_order("O-1") == cancelled
    assert store.update_order(cancelled, expected=OrderStatus.PENDING) is False
    assert [o.id for o in store.list_orders(status=OrderStatus.CANCELLED)] == ["O-1"]
    assert [o.id for o in store.pending_orders_ending_by(week_end)] == ["O-2"]
    with pytest.raises(OrderUnknown):
        store.update_order(b.order("O-9", "V-9"), expected=OrderStatus.PENDING)


def test_CO16_create_batch_is_all_or_nothing(store: Storage) -> None:
    for i in (1, 2, 3):
        store.add_order(b.order(f"O-{i}", f"V-{i}"))
    store.add_card(b.card("N-taken"))
    # a card number that exists: nothing written
    refused = b.batch("B-1", 1, ["O-1", "O-2"])
    assert store.create_batch(refused, [b.card("N-O-1"), b.card("N-taken")]) is False
    assert store.get_batch("B-1") is None
    assert {o.status for o in store.list_orders()} == {OrderStatus.PENDING}
    assert store.get_card("N-O-1") is None
    # an order that is not pending: nothing written
    store.update_order(store.get_order("O-3").cancel(b.T0), expected=OrderStatus.PENDING)
    assert store.create_batch(b.batch("B-1", 1, ["O-1", "O-3"]), [b.card("N-O-1")]) is False
    assert store.get_batch("B-1") is None
    assert store.get_order("O-1").status is OrderStatus.PENDING
    # an unknown order: nothing written
    assert store.create_batch(b.batch("B-1", 1, ["O-1", "O-x"]), []) is False
    # the good one
    good = b.batch("B-1", 1, ["O-1", "O-2"])
    assert store.create_batch(good, [b.card("N-O-1"), b.card("N-O-2")]) is True
    assert store.get_batch("B-1") == good
    assert [o.status for o in store.list_orders()] == [
        OrderStatus.BATCHED,
        OrderStatus.BATCHED,
        OrderStatus.CANCELLED,
    ]
    assert store.get_order("O-1").batch_id == "B-1"
    assert store.get_card("N-O-2") is not None
    # the same batch ID again, or the same orders again: refused
    assert store.create_batch(good, []) is False
    assert store.create_batch(b.batch("B-2", 2, ["O-1"]), []) is False
    assert [x.id for x in store.list_batches()] == ["B-1"]


def test_CO16_batches_are_listed_and_delivered_once(store: Storage) -> None:
    for i in (1, 2, 3):
        store.add_order(b.order(f"O-{i}", f"V-{i}"))
    assert store.create_batch(b.batch("B-2", 2, ["O-2", "O-3"]), [])
    assert store.create_batch(b.batch("B-1", 1, ["O-1"]), [])
    assert [x.id for x in store.list_batches()] == ["B-1", "B-2"]
    at = b.T0 + dt.timedelta(days=9)
    delivered = store.mark_batch_delivered("B-2", at=at, receipt="sent: m-1")
    assert delivered.status is BatchStatus.DELIVERED
    assert delivered.delivered_at == at
    assert store.get_batch("B-2") == delivered
    again = store.mark_batch_delivered("B-2", at=at + dt.timedelta(hours=1), receipt="x")
    assert again == delivered
    assert [x.id for x in store.list_batches(open_only=True)] == ["B-1"]
    assert store.get_order("O-2").status is OrderStatus.DISPATCHED
    assert store.get_order("O-1").status is OrderStatus.BATCHED
    with pytest.raises(LookupError):
        store.mark_batch_delivered("B-9", at=at, receipt="x")


def test_next_serial_counts_per_sequence(store: Storage) -> None:
    assert [store.next_serial("card") for _ in range(3)] == [1, 2, 3]
    assert store.next_serial("batch") == 1
    assert store.next_serial("card") == 4


# ------------------------------------------------------------------ cards


def test_CR3_cards_and_uids(store: Storage) -> None:
    uid = CardUid.parse("04:A2:2B:9C")
    store.add_card(b.card("1001"))
    store.add_card(b.card("1002", uid="04A22B9C"))
    with pytest.raises(CardDuplicate):
        store.add_card(b.card("1001"))
    with pytest.raises(CardUidTaken) as taken:
        store.add_card(b.card("1003", uid="04a22b9c"))
    assert taken.value.card_number == "1002"
    assert store.get_card("1003") is None
    card_by_uid = store.card_by_uid(uid)
    assert card_by_uid is not None
    assert card_by_uid.number == "1002"
    assert store.card_by_uid(CardUid.parse("0102030405060708")) is None
    assert store.get_card("9999") is None
    assert [c.number for c in store.list_cards()] == ["1001", "1002"]


def test_CR3_set_card_uid_links_once(store: Storage) -> None:
    store.add_card(b.card("1001"))
    store.add_card(b.card("1002"))
    uid = CardUid.parse("04A22B9C")
    other = CardUid.parse("04A22B9D")
    with pytest.raises(CardUnknown):
        store.set_card_uid("9999", uid)
    linked = store.set_card_uid("1001", uid)
    assert linked.uid == uid
    assert store.set_card_uid("1001", uid) == linked  # the same pair: no-op
    with pytest.raises(CardUidTaken) as taken:
        store.set_card_uid("1002", uid)
    assert taken.value.card_number == "1001"
    with pytest.raises(CardAlreadyRegistered) as registered:
        store.set_card_uid("1001", other)
    assert registered.value.uid == uid.hex
    assert store.get_card("1002") is not None
    assert store.get_card("1002").uid is None  # type: ignore[union-attr]
    assert store.card_by_uid(uid) == linked


def test_CR4_block_card_keeps_the_first_time(store: Storage) -> None:
    store.add_card(b.card("1001"))
    with pytest.raises(CardUnknown):
        store.block_card("9999", at=b.T0)
    first = store.block_card("1001", at=b.T0)
    assert first.blocked_at == b.T0
    second = store.block_card("1001", at=b.T0 + dt.timedelta(days=1))
    assert second.blocked_at == b.T0
    assert store.get_card("1001") == first


# ------------------------------------------------------------------ uploads


def test_LL8_claim_complete_release(store: Storage) -> None:
    now = b.T0
    result, record = store.claim_upload("LL-1", "a.csv", FACTS, now=now, lease=LEASE)
    assert result is ClaimResult.CLAIMED
    assert record is not None
    assert record.attempts == 1
    assert record.state is UploadState.CLAIMED
    result, held = store.claim_upload(
        "LL-1", "a.csv", FACTS, now=now + dt.timedelta(minutes=1), lease=LEASE
    )
    assert result is ClaimResult.IN_PROGRESS
    assert held == record
    # the lease ran out: taken over, attempts grow
    later = now + LEASE
    result, taken = store.claim_upload("LL-1", "a.csv", FACTS, now=later, lease=LEASE)
    assert result is ClaimResult.CLAIMED
    assert taken is not None
    assert taken.attempts == 2
    assert taken.claimed_at == later
    done = store.complete_upload("LL-1", "a.csv", receipt="/in/a.csv 10", now=later)
    assert done.state is UploadState.UPLOADED
    assert done.uploaded_at == later
    assert done.receipt == "/in/a.csv 10"
    assert store.complete_upload("LL-1", "a.csv", receipt="other", now=later) == done
    result, final = store.claim_upload(
        "LL-1", "a.csv", FACTS, now=later + dt.timedelta(days=5), lease=LEASE
    )
    assert (result, final) == (ClaimResult.ALREADY_UPLOADED, done)
    store.release_upload("LL-1", "a.csv")  # never releases an uploaded record
    assert store.get_upload("LL-1", "a.csv") == done
    # a failed attempt is released, the next run claims again
    store.claim_upload("LL-1", "b.csv", FACTS, now=now, lease=LEASE)
    store.release_upload("LL-1", "b.csv")
    assert store.get_upload("LL-1", "b.csv") is None
    result, _ = store.claim_upload("LL-1", "b.csv", FACTS, now=now, lease=LEASE)
    assert result is ClaimResult.CLAIMED
    with pytest.raises(LookupError):
        store.complete_upload("LL-1", "zzz.csv", receipt="x", now=now)
    store.claim_upload("LL-0", "z.csv", FACTS, now=now, lease=LEASE)
    assert [(r.destination, r.name) for r in store.list_uploads()] == [
        ("LL-0", "z.csv"),
        ("LL-1", "a.csv"),
        ("LL-1", "b.csv"),
    ]
    assert [r.name for r in store.list_uploads("LL-1")] == ["a.csv", "b.csv"]
    assert store.get_upload("LL-9", "a.csv") is None


# ------------------------------------------------------------------ a second connection


def _second_connection_respects_the_rules(url: str) -> None:
    store = open_storage(url)
    other = open_storage(url)
    try:
        store.add_interface(b.card_order_config("A"))
        store.add_order(b.order("O-1", "V-1"))
        with pytest.raises(InterfaceDuplicate):
            other.add_interface(b.card_order_config("B"))
        assert other.add_order(b.order("O-2", "V-1"))[1] is False
        assert other.get_order("O-1") == store.get_order("O-1")
    finally:
        other.close()
        store.close()


def test_IF8_CO13_second_connection_sqlite(tmp_path: Path) -> None:
    _second_connection_respects_the_rules(f"sqlite:///{tmp_path / 'db.sqlite'}")


def test_IF8_CO13_second_connection_postgres(pg_url: str) -> None:
    _second_connection_respects_the_rules(pg_url)
