"""The storage contract's state machines: a store and a dict model side by side.

Each machine drives the store through one family of methods in any order hypothesis
finds and checks it against a plain model after every step (IF4, IF7, IF9, CO6, CO13,
CO16, CO17, CR3, LL8). A machine makes its store with ``make_store()`` and closes it at
the end of each run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    precondition,
    rule,
)

from amparex_adapters.testing import strategies as s
from amparex_core.domain import errors
from amparex_core.domain.cards import CardUid, HolderRef, IssuedCard
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceConfig, InterfaceKind
from amparex_core.domain.masterdata import HolderKind
from amparex_core.domain.orders import BatchStatus, OrderStatus
from amparex_core.domain.secret import SecretRef
from amparex_core.domain.templates import CardKind, CardType, ShippingInterval
from amparex_core.domain.text import name_key
from amparex_core.domain.uploads import ClaimResult, FileFacts
from amparex_core.ports import Storage

from ._world import BERLIN, World

__all__ = [
    "FACTS",
    "LEASE",
    "T0",
    "CardMachine",
    "InterfaceMachine",
    "LedgerMachine",
    "OrderLifecycle",
    "card",
    "co",
]

T0 = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=10)
FACTS = FileFacts(size=10, sha256="ab" * 32, mtime_ns=5)


def co(config_id: str, **kwargs: object) -> InterfaceConfig:
    return InterfaceConfig(
        id=config_id,
        kind=InterfaceKind.CARD_ORDER,
        settings=CardOrderSettings(contract="KV-1", key=SecretRef("card_key"), customer_number="C"),
        **kwargs,  # type: ignore[arg-type]
    )


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


class OrderLifecycle(RuleBasedStateMachine):
    """Place / cancel / dispatch with a moving clock, across interval boundaries.

    CO6, CO13, CO16, CO17, CO21.
    """

    make_store: Callable[[], Storage]

    def __init__(self) -> None:
        super().__init__()
        self.world = World(self.make_store())
        self.world.card_ordering()
        for interval in ShippingInterval:
            self.world.template(interval.value, interval=interval)
        self.placed: dict[str, str] = {}
        self.templates: dict[str, ShippingInterval] = {}
        self.cancelled: set[str] = set()

    @rule(
        ref=st.sampled_from([f"V{i}" for i in range(12)]),
        interval=st.sampled_from(list(ShippingInterval)),
    )
    def place(self, ref: str, interval: ShippingInterval) -> None:
        if ref in self.templates and self.templates[ref] is not interval:
            with pytest.raises(errors.OrderConflict) as caught:  # CO21
                self.world.orders.place(
                    template=interval.value, holder_id="K1", branch="F01", process_ref=ref
                )
            assert caught.value.existing_order_id == self.placed[ref]
            return
        got = self.world.orders.place(
            template=interval.value, holder_id="K1", branch="F01", process_ref=ref
        )
        if ref in self.placed:
            assert not got.created and got.order.id == self.placed[ref]
        else:
            assert got.created
            self.placed[ref] = got.order.id
            self.templates[ref] = interval

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
