"""The storage contract, run against every store (IF7–IF9, CO13–CO17, CR3, LL8).

Plain tests pin each method's promise; state machines drive a store and a dict model side
by side and check them against each other after every step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from amparex_core.domain import errors
from amparex_core.domain.cards import CardUid, HolderRef, IssuedCard
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceConfig, InterfaceKind
from amparex_core.domain.masterdata import HolderKind
from amparex_core.domain.money import Money
from amparex_core.domain.orders import Batch, BatchStatus, OrderStatus, ProcessRef
from amparex_core.domain.templates import CardKind, CardTemplate, CardType, ShippingInterval
from amparex_core.domain.text import name_key
from amparex_core.domain.uploads import ClaimResult, FileFacts, UploadState
from amparex_core.ports import Storage
from amparex_core.services import PlacedOrder
from tests import strategies as s
from tests.contract import factories
from tests.world import BERLIN, World

T0 = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=10)
MACHINE_SETTINGS = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_store_satisfies_the_storage_protocol(storage: Storage) -> None:
    assert isinstance(storage, Storage)


# ---------------------------------------------------------------- interfaces


def co(config_id: str, **kwargs: object) -> InterfaceConfig:
    return InterfaceConfig(
        id=config_id,
        kind=InterfaceKind.CARD_ORDER,
        settings=CardOrderSettings(contract="KV-1", key="secret-key-1", customer_number="C"),
        **kwargs,  # type: ignore[arg-type]
    )


def test_IF8_store_refuses_a_duplicate_and_names_the_existing(storage: Storage) -> None:
    storage.add_interface(co("a", display_name="Karten"))
    with pytest.raises(errors.InterfaceDuplicate) as info:
        storage.add_interface(co("b", display_name=" KARTEN "))
    assert info.value.existing_id == "a" and info.value.existing_display_name == "Karten"
    with pytest.raises(errors.InterfaceDuplicate):
        storage.add_interface(co("a", display_name="Andere"))  # the ID exists
    assert [c.id for c in storage.search_interfaces()] == ["a"]


def test_IF8_replace_checks_identity_and_uniqueness(storage: Storage) -> None:
    storage.add_interface(co("a", display_name="A"))
    storage.add_interface(co("b", display_name="B"))
    storage.replace_interface(co("a", display_name="A2", start=dt.date(2027, 1, 1)))
    assert storage.get_interface("a").start == dt.date(2027, 1, 1)
    with pytest.raises(errors.InterfaceDuplicate):
        storage.replace_interface(co("a", display_name="b"))
    with pytest.raises(errors.InterfaceUnknown):
        storage.replace_interface(co("zz"))
    assert storage.get_interface("a").display_name == "A2"


def test_IF8_secrets_and_every_field_survive_the_store(storage: Storage) -> None:
    config = co(
        "a", display_name="Karten", branch="F01", workstation="KASSE-1", start=dt.date(2027, 5, 1)
    )
    storage.add_interface(config)
    back = storage.get_interface("a")
    assert back == config
    assert isinstance(back.settings, CardOrderSettings) and back.settings.key is not None
    assert back.settings.key.reveal() == "secret-key-1"


def test_IF4_IF9_search_and_candidates(storage: Storage) -> None:
    storage.add_interface(co("chain"))
    storage.add_interface(co("f1", branch="F01", display_name="F1"))
    storage.add_interface(co("ws", branch="F01", workstation="Kasse-1", display_name="WS"))
    assert {c.id for c in storage.search_interfaces(with_workstation_settings=True)} == {"ws"}
    assert storage.search_interfaces(kind=InterfaceKind.LOYALTY_LAB) == []
    got = storage.interface_candidates(
        InterfaceKind.CARD_ORDER, branch="F01", workstation="KASSE-1"
    )
    assert {c.id for c in got} == {"chain", "f1", "ws"}
    got = storage.interface_candidates(InterfaceKind.CARD_ORDER, branch="F02", workstation=None)
    assert {c.id for c in got} == {"chain"}
    assert storage.remove_interface("chain").id == "chain"
    with pytest.raises(errors.InterfaceUnknown):
        storage.remove_interface("chain")
    with pytest.raises(errors.InterfaceUnknown):
        storage.get_interface("chain")


class InterfaceMachine(RuleBasedStateMachine):
    """Configure / remove / resolve / search against a dict model (IF4, IF7, IF9)."""

    make_store: Callable[[], Storage]

    def __init__(self) -> None:
        super().__init__()
        self.store = self.make_store()
        self.model: dict[str, InterfaceConfig] = {}

    ids = Bundle("ids")

    @rule(target=ids, config=s.interface_configs())
    def configure(self, config: InterfaceConfig) -> str:
        clash = [c for c in self.model.values() if c.uniqueness_key() == config.uniqueness_key()]
        if clash:
            with pytest.raises(errors.InterfaceDuplicate) as info:
                self.store.add_interface(config)
            assert info.value.existing_id in {c.id for c in clash}
        else:
            self.store.add_interface(config)
            self.model[config.id] = config
        return config.id

    @rule(config_id=consumes(ids))
    def remove(self, config_id: str) -> None:
        if config_id in self.model:
            assert self.store.remove_interface(config_id) == self.model.pop(config_id)
        else:
            with pytest.raises(errors.InterfaceUnknown):
                self.store.remove_interface(config_id)

    @rule(
        kind=st.sampled_from(list(InterfaceKind)),
        branch=s.branches_ids,
        workstation=st.none() | s.workstation_names,
    )
    def candidates(self, kind: InterfaceKind, branch: str, workstation: str | None) -> None:
        got = self.store.interface_candidates(kind, branch=branch, workstation=workstation)
        expected = {
            c.id
            for c in self.model.values()
            if c.kind is kind and c.matches_place(branch=branch, workstation=workstation)
        }
        assert sorted(c.id for c in got) == sorted(expected)

    @invariant()
    def search_agrees(self) -> None:
        assert [c.id for c in self.store.search_interfaces()] == [
            c.id
            for c in sorted(
                self.model.values(), key=lambda c: (c.kind.value, name_key(c.display_name), c.id)
            )
        ]
        bound = self.store.search_interfaces(with_workstation_settings=True)
        assert {c.id for c in bound} == {c.id for c in self.model.values() if c.workstation}

    @invariant()
    def keys_are_unique(self) -> None:
        keys = [c.uniqueness_key() for c in self.store.search_interfaces()]
        assert len(keys) == len(set(keys))

    def teardown(self) -> None:
        self.store.close()


@pytest.mark.parametrize("store_name", sorted(factories.STORAGE))
def test_IF7_IF9_interface_state_machine(store_name: str, request: pytest.FixtureRequest) -> None:
    machine = type(
        "InterfaceMachineFor",
        (InterfaceMachine,),
        {"make_store": lambda self: factories.STORAGE[store_name](request)},
    )
    run_state_machine_as_test(machine, settings=MACHINE_SETTINGS)


# ---------------------------------------------------------------- templates


def test_CO4_template_store(storage: Storage) -> None:
    gold = CardTemplate(name="GOLD", document_template="DOC", comment="x", gift_box=True)
    storage.add_template(gold)
    with pytest.raises(errors.TemplateDuplicate):
        storage.add_template(CardTemplate(name=" gold", document_template="OTHER"))
    storage.add_template(CardTemplate(name="BASIS", document_template="DOC"))
    assert [t.name for t in storage.list_templates()] == ["BASIS", "GOLD"]
    assert storage.get_template("Gold") == gold
    assert storage.remove_template("GOLD") == gold
    with pytest.raises(errors.TemplateUnknown):
        storage.get_template("GOLD")
    with pytest.raises(errors.TemplateUnknown):
        storage.remove_template("GOLD")


# ---------------------------------------------------------------- orders


def test_CO13_add_order_is_idempotent_per_process_reference(storage: Storage) -> None:
    world = World(storage)
    world.card_ordering()
    world.template()
    first = world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V/1")
    assert first.created
    twin = attrs.evolve(first.order, id="other-id", card_number="999")
    stored, created = storage.add_order(twin)
    assert not created and stored == first.order
    assert storage.order_by_process_ref(ProcessRef("V", "1")) == first.order
    assert storage.order_by_process_ref(ProcessRef("V", "2")) is None
    assert storage.get_order(first.order.id) == first.order
    with pytest.raises(errors.OrderUnknown):
        storage.get_order("nope")
    assert storage.list_orders() == [first.order]


def test_CO17_update_order_compares_the_status(storage: Storage) -> None:
    world = World(storage)
    world.card_ordering()
    world.template()
    order = world.orders.place(
        template="BASIS", holder_id="K1", branch="F01", process_ref="V"
    ).order
    cancelled = order.cancel(T0)
    assert not storage.update_order(cancelled, expected=OrderStatus.BATCHED)
    assert storage.get_order(order.id).status is OrderStatus.PENDING
    assert storage.update_order(cancelled, expected=OrderStatus.PENDING)
    assert storage.get_order(order.id) == cancelled
    assert storage.list_orders(status=OrderStatus.CANCELLED) == [cancelled]
    with pytest.raises(errors.OrderUnknown):
        storage.update_order(attrs.evolve(cancelled, id="nope"), expected=OrderStatus.PENDING)


def test_CO16_create_batch_is_all_or_nothing(storage: Storage) -> None:
    world = World(storage)
    world.card_ordering()
    world.template()
    a = world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="A").order
    b = world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="B").order
    world.orders.cancel(b.id)
    batch = Batch(
        id="batch-1",
        number=storage.next_serial("batch"),
        interface_id=a.interface_id,
        period_key=a.period.key,
        order_ids=[a.id, b.id],
        total=Money(Decimal("5.00"), "EUR"),
        created_at=T0,
    )
    card = IssuedCard(
        number=a.card_number,
        holder=a.holder,
        card_type=CardType.CHIP,
        kind=CardKind.CUSTOMER,
        issued_on=T0.date(),
    )
    assert not storage.create_batch(batch, [card])
    assert storage.get_batch("batch-1") is None and storage.get_card(a.card_number) is None
    assert storage.get_order(a.id).status is OrderStatus.PENDING
    good = attrs.evolve(batch, order_ids=[a.id])
    assert storage.create_batch(good, [card])
    assert not storage.create_batch(good, [])  # the ID exists
    assert storage.get_order(a.id).status is OrderStatus.BATCHED
    assert storage.get_order(a.id).batch_id == "batch-1"
    assert storage.get_card(a.card_number) == card
    assert storage.list_batches(open_only=True) == [good]
    delivered = storage.mark_batch_delivered("batch-1", at=T0, receipt="r-1")
    assert delivered.status is BatchStatus.DELIVERED and delivered.receipt == "r-1"
    assert storage.mark_batch_delivered("batch-1", at=T0 + LEASE, receipt="r-2") == delivered
    assert storage.get_order(a.id).status is OrderStatus.DISPATCHED
    assert storage.list_batches(open_only=True) == [] and storage.list_batches() == [delivered]
    assert storage.get_batch("batch-1") == delivered
    with pytest.raises(LookupError):
        storage.mark_batch_delivered("nope", at=T0, receipt="r")


def test_next_serial_counts_per_sequence(storage: Storage) -> None:
    assert [storage.next_serial("a") for _ in range(3)] == [1, 2, 3]
    assert storage.next_serial("b") == 1


class OrderLifecycle(RuleBasedStateMachine):
    """Place / cancel / dispatch with a moving clock, across interval boundaries (CO6, CO13,
    CO16, CO17)."""

    make_store: Callable[[], Storage]

    def __init__(self) -> None:
        super().__init__()
        self.world = World(self.make_store())
        self.world.card_ordering()
        for interval in ShippingInterval:
            self.world.template(interval.value, interval=interval)
        self.placed: dict[str, str] = {}
        self.cancelled: set[str] = set()

    @rule(
        ref=st.sampled_from([f"V{i}" for i in range(12)]),
        interval=st.sampled_from(list(ShippingInterval)),
    )
    def place(self, ref: str, interval: ShippingInterval) -> None:
        got = self.world.orders.place(
            template=interval.value, holder_id="K1", branch="F01", process_ref=ref
        )
        if ref in self.placed:
            assert not got.created and got.order.id == self.placed[ref]
        else:
            assert got.created
            self.placed[ref] = got.order.id

    @precondition(lambda self: self.placed)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        order_id = data.draw(st.sampled_from(sorted(self.placed.values())))
        status = self.world.storage.get_order(order_id).status
        if status is OrderStatus.PENDING:
            self.world.orders.cancel(order_id)
            self.cancelled.add(order_id)
        else:
            with pytest.raises(errors.OrderNotCancellable):
                self.world.orders.cancel(order_id)

    @rule(hours=st.integers(min_value=1, max_value=24 * 40))
    def advance(self, hours: int) -> None:
        self.world.clock.advance(dt.timedelta(hours=hours))

    @rule(fail=st.booleans())
    def dispatch(self, fail: bool) -> None:
        if fail:
            self.world.parcels.fail_next()
        report = self.world.orders.dispatch()
        self.world.parcels.fail_next(0)  # an unused failure must not leak into the next run
        now = self.world.clock.now()
        if not fail:
            assert self.world.orders.batches(open_only=True) == []
            for order in self.world.storage.list_orders(status=OrderStatus.PENDING):
                assert not order.period.is_over(now, BERLIN)
        for result in report.batches:
            for order_id in result.batch.order_ids:
                order = self.world.storage.get_order(order_id)
                assert order.period.is_over(result.batch.created_at, BERLIN)

    @invariant()
    def every_batched_order_is_in_exactly_one_batch(self) -> None:
        seen: dict[str, str] = {}
        for batch in self.world.storage.list_batches():
            for order_id in batch.order_ids:
                assert order_id not in seen
                seen[order_id] = batch.id
        for order in self.world.storage.list_orders():
            if order.status in (OrderStatus.BATCHED, OrderStatus.DISPATCHED):
                assert seen[order.id] == order.batch_id
            else:
                assert order.id not in seen
            if order.id in self.cancelled:
                assert order.status is OrderStatus.CANCELLED

    @invariant()
    def delivered_batches_went_out_once(self) -> None:
        sent = self.world.parcels.sent
        delivered = [
            b.id for b in self.world.storage.list_batches() if b.status is BatchStatus.DELIVERED
        ]
        assert set(delivered) <= set(sent)
        assert len(self.world.parcels.parcels) == len(set(sent))

    def teardown(self) -> None:
        self.world.storage.close()


@pytest.mark.parametrize("store_name", sorted(factories.STORAGE))
def test_CO6_CO16_CO17_order_lifecycle_state_machine(
    store_name: str, request: pytest.FixtureRequest
) -> None:
    machine = type(
        "OrderLifecycleFor",
        (OrderLifecycle,),
        {"make_store": lambda self: factories.STORAGE[store_name](request)},
    )
    run_state_machine_as_test(machine, settings=MACHINE_SETTINGS)


# ---------------------------------------------------------------- cards


def card(number: str, uid: CardUid | None = None) -> IssuedCard:
    return IssuedCard(
        number=number,
        holder=HolderRef(HolderKind.CUSTOMER, "K1"),
        card_type=CardType.NFC_RFID,
        kind=CardKind.CUSTOMER,
        issued_on=dt.date(2026, 1, 1),
        valid_until=dt.date(2030, 1, 1),
        uid=uid,
    )


def test_CR3_card_store(storage: Storage) -> None:
    u1, u2 = CardUid(b"\x01\x02\x03\x04"), CardUid(b"\x05\x06\x07\x08")
    storage.add_card(card("1"))
    storage.add_card(card("2", u2))
    with pytest.raises(errors.CardDuplicate):
        storage.add_card(card("1"))
    with pytest.raises(errors.CardUidTaken):
        storage.add_card(card("3", u2))
    assert storage.set_card_uid("1", u1).uid == u1
    assert storage.set_card_uid("1", u1).uid == u1
    with pytest.raises(errors.CardUidTaken) as taken:
        storage.set_card_uid("1", u2)
    assert taken.value.card_number == "2"
    with pytest.raises(errors.CardAlreadyRegistered):
        storage.set_card_uid("1", CardUid(b"\x09\x09\x09\x09"))
    with pytest.raises(errors.CardUnknown):
        storage.set_card_uid("404", u1)
    assert storage.card_by_uid(u1) == card("1", u1)
    assert storage.card_by_uid(CardUid(b"\x00\x00\x00\x00")) is None
    blocked = storage.block_card("1", at=T0)
    assert blocked.blocked_at == T0 and storage.block_card("1", at=T0 + LEASE).blocked_at == T0
    with pytest.raises(errors.CardUnknown):
        storage.block_card("404", at=T0)
    assert [c.number for c in storage.list_cards()] == ["1", "2"]
    assert storage.get_card("404") is None


class CardMachine(RuleBasedStateMachine):
    """Issue / register / block against a dict model (CR3)."""

    make_store: Callable[[], Storage]

    def __init__(self) -> None:
        super().__init__()
        self.store = self.make_store()
        self.cards: dict[str, CardUid | None] = {}
        self.blocked: set[str] = set()

    numbers = st.sampled_from([str(n) for n in range(1, 7)])
    uids = st.sampled_from([CardUid(bytes([n, n, n, n])) for n in range(1, 6)])

    @rule(number=numbers)
    def add(self, number: str) -> None:
        if number in self.cards:
            with pytest.raises(errors.CardDuplicate):
                self.store.add_card(card(number))
        else:
            self.store.add_card(card(number))
            self.cards[number] = None

    @rule(number=numbers, uid=uids)
    def register(self, number: str, uid: CardUid) -> None:
        owner = next((n for n, u in self.cards.items() if u == uid), None)
        if number not in self.cards:
            with pytest.raises(errors.CardUnknown):
                self.store.set_card_uid(number, uid)
        elif owner == number:
            assert self.store.set_card_uid(number, uid).uid == uid
        elif owner is not None:
            with pytest.raises(errors.CardUidTaken):
                self.store.set_card_uid(number, uid)
        elif self.cards[number] is not None:
            with pytest.raises(errors.CardAlreadyRegistered):
                self.store.set_card_uid(number, uid)
        else:
            self.store.set_card_uid(number, uid)
            self.cards[number] = uid

    @rule(number=numbers)
    def block(self, number: str) -> None:
        if number in self.cards:
            self.store.block_card(number, at=T0)
            self.blocked.add(number)

    @invariant()
    def agrees(self) -> None:
        stored = {c.number: c for c in self.store.list_cards()}
        assert {n: c.uid for n, c in stored.items()} == self.cards
        assert {n for n, c in stored.items() if c.blocked} == self.blocked
        for number, uid in self.cards.items():
            if uid is not None:
                found = self.store.card_by_uid(uid)
                assert found is not None and found.number == number

    def teardown(self) -> None:
        self.store.close()


@pytest.mark.parametrize("store_name", sorted(factories.STORAGE))
def test_CR3_card_state_machine(store_name: str, request: pytest.FixtureRequest) -> None:
    machine = type(
        "CardMachineFor",
        (CardMachine,),
        {"make_store": lambda self: factories.STORAGE[store_name](request)},
    )
    run_state_machine_as_test(machine, settings=MACHINE_SETTINGS)


# ---------------------------------------------------------------- upload ledger


FACTS = FileFacts(size=10, sha256="ab" * 32, mtime_ns=5)


def test_LL8_ledger_claims_once_and_records(storage: Storage) -> None:
    result, record = storage.claim_upload("d", "f.csv", FACTS, now=T0, lease=LEASE)
    assert result is ClaimResult.CLAIMED and record is not None and record.attempts == 1
    again, _ = storage.claim_upload("d", "f.csv", FACTS, now=T0, lease=LEASE)
    assert again is ClaimResult.IN_PROGRESS
    other, _ = storage.claim_upload("e", "f.csv", FACTS, now=T0, lease=LEASE)
    assert other is ClaimResult.CLAIMED
    done = storage.complete_upload("d", "f.csv", receipt="/in/f.csv", now=T0 + LEASE)
    assert done.state is UploadState.UPLOADED and done.receipt == "/in/f.csv"
    assert done.facts == FACTS and done.uploaded_at == T0 + LEASE
    assert storage.complete_upload("d", "f.csv", receipt="x", now=T0) == done
    late, rec = storage.claim_upload("d", "f.csv", FACTS, now=T0 + 10 * LEASE, lease=LEASE)
    assert late is ClaimResult.ALREADY_UPLOADED and rec == done
    storage.release_upload("d", "f.csv")  # never releases an uploaded file
    assert storage.get_upload("d", "f.csv") == done
    storage.release_upload("e", "f.csv")
    assert storage.get_upload("e", "f.csv") is None
    with pytest.raises(LookupError):
        storage.complete_upload("e", "f.csv", receipt="x", now=T0)
    assert [r.destination for r in storage.list_uploads()] == ["d"]
    assert storage.list_uploads("e") == []


def test_LL8_an_abandoned_claim_is_taken_over_after_the_lease(storage: Storage) -> None:
    storage.claim_upload("d", "f.csv", FACTS, now=T0, lease=LEASE)
    result, record = storage.claim_upload("d", "f.csv", FACTS, now=T0 + LEASE, lease=LEASE)
    assert result is ClaimResult.CLAIMED and record is not None and record.attempts == 2
    assert record.claimed_at == T0 + LEASE


class LedgerMachine(RuleBasedStateMachine):
    """Claim / complete / release with a moving clock against a dict model (LL8)."""

    make_store: Callable[[], Storage]

    def __init__(self) -> None:
        super().__init__()
        self.store = self.make_store()
        self.now = T0
        self.model: dict[tuple[str, str], tuple[str, dt.datetime]] = {}

    keys = st.tuples(st.sampled_from(["d1", "d2"]), st.sampled_from(["a.csv", "b.csv", "c.csv"]))

    @rule(key=keys)
    def claim(self, key: tuple[str, str]) -> None:
        result, _ = self.store.claim_upload(*key, FACTS, now=self.now, lease=LEASE)
        state = self.model.get(key)
        if state is None or (state[0] == "claimed" and self.now - state[1] >= LEASE):
            assert result is ClaimResult.CLAIMED
            self.model[key] = ("claimed", self.now)
        elif state[0] == "uploaded":
            assert result is ClaimResult.ALREADY_UPLOADED
        else:
            assert result is ClaimResult.IN_PROGRESS

    @rule(key=keys)
    def complete(self, key: tuple[str, str]) -> None:
        if key not in self.model:
            with pytest.raises(LookupError):
                self.store.complete_upload(*key, receipt="r", now=self.now)
            return
        self.store.complete_upload(*key, receipt="r", now=self.now)
        if self.model[key][0] == "claimed":
            self.model[key] = ("uploaded", self.now)

    @rule(key=keys)
    def release(self, key: tuple[str, str]) -> None:
        self.store.release_upload(*key)
        if key in self.model and self.model[key][0] == "claimed":
            del self.model[key]

    @rule(minutes=st.integers(min_value=1, max_value=30))
    def wait(self, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)

    @invariant()
    def agrees(self) -> None:
        stored = {(r.destination, r.name): r.state.value for r in self.store.list_uploads()}
        assert stored == {k: v[0] for k, v in self.model.items()}

    def teardown(self) -> None:
        self.store.close()


@pytest.mark.parametrize("store_name", sorted(factories.STORAGE))
def test_LL8_ledger_state_machine(store_name: str, request: pytest.FixtureRequest) -> None:
    machine = type(
        "LedgerMachineFor",
        (LedgerMachine,),
        {"make_store": lambda self: factories.STORAGE[store_name](request)},
    )
    run_state_machine_as_test(machine, settings=MACHINE_SETTINGS)


# ---------------------------------------------------------------- concurrency


def contest(workers: int, attempt: Callable[[int], object]) -> list[object]:
    """Run *attempt(n)* in *workers* threads released at the same moment; collect results."""
    import threading

    barrier = threading.Barrier(workers)
    results: list[object] = [None] * workers

    def run(n: int) -> None:
        barrier.wait()
        try:
            results[n] = attempt(n)
        except errors.AmparexError as exc:
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_IF8_concurrent_configurations_of_one_scope_have_one_winner(storage: Storage) -> None:
    for round_ in range(10):

        def attempt(n: int, r: int = round_) -> object:
            storage.add_interface(co(f"r{r}-{n}", display_name=f"Karten {r}"))
            return None

        results = contest(8, attempt)
        assert sum(r is None for r in results) == 1
        assert all(isinstance(r, errors.InterfaceDuplicate) for r in results if r is not None)
    assert len(storage.search_interfaces()) == 10


def test_CO13_concurrent_placing_with_one_process_reference_orders_one_card(
    storage: Storage,
) -> None:
    world = World(storage)
    world.card_ordering()
    world.template()
    for round_ in range(10):

        def attempt(n: int, r: int = round_) -> object:
            return world.orders.place(
                template="BASIS", holder_id="K1", branch="F01", process_ref=f"P{r}"
            )

        placed = [r for r in contest(8, attempt) if isinstance(r, PlacedOrder)]
        assert len(placed) == 8
        assert sum(p.created for p in placed) == 1
        assert len({p.order.id for p in placed}) == 1
    assert len(storage.list_orders()) == 10


def test_CR3_concurrent_registration_of_one_uid_has_one_winner(storage: Storage) -> None:
    for round_ in range(10):
        for n in range(8):
            storage.add_card(card(f"{round_}-{n}"))
        uid = CardUid(bytes([round_, 1, 2, 3]))

        def attempt(n: int, r: int = round_, u: CardUid = uid) -> object:
            return storage.set_card_uid(f"{r}-{n}", u)

        results = contest(8, attempt)
        winners = [r for r in results if isinstance(r, IssuedCard)]
        assert len(winners) == 1
        assert all(isinstance(r, errors.CardUidTaken) for r in results if r not in winners)
        assert storage.card_by_uid(uid) == winners[0]
