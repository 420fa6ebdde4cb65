"""The storage contract (IF7–IF9, CO4, CO13–CO17, CR3, LL8): :class:`StorageContract`.

Plain tests pin each method's promise; the state machines of ``_machines`` drive a store
and a dict model side by side and check them against each other after every step; the
concurrency tests release eight threads at once against one store.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from amparex_core.domain import errors
from amparex_core.domain.cards import CardUid, IssuedCard
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceKind
from amparex_core.domain.money import Money
from amparex_core.domain.orders import Batch, BatchStatus, OrderStatus, ProcessRef
from amparex_core.domain.secret import Secret, SecretRef
from amparex_core.domain.templates import CardKind, CardTemplate, CardType
from amparex_core.domain.uploads import ClaimResult, UploadState
from amparex_core.ports import Storage
from amparex_core.services import PlacedOrder

from ._claims import ClaimsContract
from ._listings import ListingContract
from ._machines import (
    FACTS,
    LEASE,
    T0,
    CardMachine,
    InterfaceMachine,
    LedgerMachine,
    OrderLifecycle,
    card,
    co,
)
from ._world import World

__all__ = ["StorageContract"]


def contest(workers: int, attempt: Callable[[int], object]) -> list[object]:
    """Run *attempt(n)* in *workers* threads released at the same moment; collect results."""
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


class StorageContract(ClaimsContract, ListingContract):
    """The contract of :class:`~amparex_core.ports.storage.Storage` (all five store ports).

    It includes the claims on batch deliveries and uploads (:class:`ClaimsContract`).

    Fixture to provide:
        ``make_storage``: a callable; each call returns a new, empty store. The suite
        calls it once per plain test and once per run of a state machine, and closes
        every store it made. A store must serve several threads at once (the
        concurrency tests share one store among eight threads).

    The suite also defines the fixture ``storage`` (one store from ``make_storage``,
    closed after the test) for its own tests.

    Override :meth:`machine_settings` for more or fewer hypothesis examples.
    """

    def machine_settings(self) -> settings:
        """The hypothesis settings of the state machines (built when a machine runs).

        Returns:
            25 runs of up to 25 steps each, no deadline, on top of the loaded profile.
        """
        return settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )

    @pytest.fixture
    def storage(self, make_storage: Callable[[], Storage]) -> Iterator[Storage]:
        """One new, empty store of the adapter under test; closed after the test."""
        store = make_storage()
        try:
            yield store
        finally:
            store.close()

    def _run(
        self, machine: type[RuleBasedStateMachine], make_storage: Callable[[], Storage]
    ) -> None:
        """Run *machine* with stores from *make_storage*."""
        bound = type(
            f"{machine.__name__}For",
            (machine,),
            {"make_store": lambda self: make_storage()},
        )
        run_state_machine_as_test(bound, settings=self.machine_settings())

    def test_store_satisfies_the_storage_protocol(self, storage: Storage) -> None:
        assert isinstance(storage, Storage)

    def test_IF8_store_refuses_a_duplicate_and_names_the_existing(self, storage: Storage) -> None:
        storage.add_interface(co("a", display_name="Karten"))
        with pytest.raises(errors.InterfaceDuplicate) as info:
            storage.add_interface(co("b", display_name=" KARTEN "))
        assert info.value.existing_id == "a" and info.value.existing_display_name == "Karten"
        with pytest.raises(errors.InterfaceDuplicate):
            storage.add_interface(co("a", display_name="Andere"))  # the ID exists
        assert [c.id for c in storage.search_interfaces()] == ["a"]

    def test_IF8_replace_checks_identity_and_uniqueness(self, storage: Storage) -> None:
        storage.add_interface(co("a", display_name="A"))
        storage.add_interface(co("b", display_name="B"))
        storage.replace_interface(co("a", display_name="A2", start=dt.date(2027, 1, 1)))
        assert storage.get_interface("a").start == dt.date(2027, 1, 1)
        with pytest.raises(errors.InterfaceDuplicate):
            storage.replace_interface(co("a", display_name="b"))
        with pytest.raises(errors.InterfaceUnknown):
            storage.replace_interface(co("zz"))
        assert storage.get_interface("a").display_name == "A2"

    def test_IF8_secrets_and_every_field_survive_the_store(self, storage: Storage) -> None:
        config = co(
            "a",
            display_name="Karten",
            branch="F01",
            workstation="KASSE-1",
            start=dt.date(2027, 5, 1),
        )
        storage.add_interface(config)
        back = storage.get_interface("a")
        assert back == config
        assert isinstance(back.settings, CardOrderSettings)
        assert back.settings.key == SecretRef("card_key")

    def test_OP6_a_store_never_keeps_a_card_key_in_clear(self, storage: Storage) -> None:
        """OP6, CO1: a configuration holding the key's value is refused, nothing written."""
        clear = attrs.evolve(
            co("a"), settings=CardOrderSettings(contract="KV-1", key=Secret("geheim-123"))
        )
        with pytest.raises(errors.KeyInClear) as info:
            storage.add_interface(clear)
        assert info.value.interface_id == "a"
        assert "geheim-123" not in info.value.message("en") + info.value.message("de")
        assert storage.search_interfaces() == []
        storage.add_interface(co("a"))
        with pytest.raises(errors.KeyInClear):
            storage.replace_interface(clear)
        assert storage.get_interface("a") == co("a")

    def test_IF4_IF9_search_and_candidates(self, storage: Storage) -> None:
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

    def test_IF7_IF9_interface_state_machine(self, make_storage: Callable[[], Storage]) -> None:
        self._run(InterfaceMachine, make_storage)

    def test_CO4_template_store(self, storage: Storage) -> None:
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

    def test_CO22_replace_template_in_place_and_renamed(self, storage: Storage) -> None:
        gold = CardTemplate(name="GOLD", document_template="DOC")
        storage.add_template(gold)
        storage.add_template(CardTemplate(name="BASIS", document_template="DOC"))
        changed = CardTemplate(name="GOLD", document_template="DOC", gift_box=True)
        storage.replace_template("gold", changed)
        assert storage.get_template("GOLD") == changed
        with pytest.raises(errors.TemplateDuplicate) as caught:
            storage.replace_template("GOLD", CardTemplate(name=" basis", document_template="X"))
        assert caught.value.existing_name == "BASIS"
        assert storage.get_template("GOLD") == changed  # a refused change writes nothing
        platin = CardTemplate(name="PLATIN", document_template="DOC")
        storage.replace_template("GOLD", platin)
        assert [t.name for t in storage.list_templates()] == ["BASIS", "PLATIN"]
        spelled = CardTemplate(name="Platin", document_template="DOC")
        storage.replace_template("platin", spelled)
        assert storage.get_template("PLATIN") == spelled
        with pytest.raises(errors.TemplateUnknown):
            storage.replace_template("GOLD", gold)
        assert [t.name for t in storage.list_templates()] == ["BASIS", "Platin"]

    def test_CO13_add_order_is_idempotent_per_process_reference(self, storage: Storage) -> None:
        world = World(storage)
        world.card_ordering()
        world.template()
        first = world.orders.place(
            template="BASIS", holder_id="K1", branch="F01", process_ref="V/1"
        )
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

    def test_CO17_update_order_compares_the_status(self, storage: Storage) -> None:
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

    def test_CO16_create_batch_is_all_or_nothing(self, storage: Storage) -> None:
        world = World(storage)
        world.card_ordering()
        world.template()
        a = world.orders.place(
            template="BASIS", holder_id="K1", branch="F01", process_ref="A"
        ).order
        b = world.orders.place(
            template="BASIS", holder_id="K1", branch="F01", process_ref="B"
        ).order
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

    def test_next_serial_counts_per_sequence(self, storage: Storage) -> None:
        assert [storage.next_serial("a") for _ in range(3)] == [1, 2, 3]
        assert storage.next_serial("b") == 1

    def test_CO6_CO16_CO17_order_lifecycle_state_machine(
        self, make_storage: Callable[[], Storage]
    ) -> None:
        self._run(OrderLifecycle, make_storage)

    def test_CR3_card_store(self, storage: Storage) -> None:
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

    def test_CR3_card_state_machine(self, make_storage: Callable[[], Storage]) -> None:
        self._run(CardMachine, make_storage)

    def test_LL8_ledger_claims_once_and_records(self, storage: Storage) -> None:
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

    def test_LL8_many_ledger_rows_are_read_at_once(self, storage: Storage) -> None:
        """The set-based lookup a watch round and a purge use: only existing rows, by name."""
        names = [f"f{n:04d}.csv" for n in range(1200)]  # more than one query's worth
        for name in names[::3]:
            storage.claim_upload("d", name, FACTS, now=T0, lease=LEASE)
        for name in names[::6]:
            storage.complete_upload("d", name, receipt=f"/in/{name}", now=T0)
        storage.claim_upload("e", names[1], FACTS, now=T0, lease=LEASE)
        found = storage.get_uploads("d", [*names, "unknown.csv", names[0]])
        assert sorted(found) == sorted(names[::3])
        assert found[names[0]] == storage.get_upload("d", names[0])
        assert found[names[0]].state is UploadState.UPLOADED
        assert found[names[3]].state is UploadState.CLAIMED
        assert storage.get_uploads("d", []) == {}
        assert set(storage.get_uploads("e", names)) == {names[1]}

    def test_LL8_an_abandoned_claim_is_taken_over_after_the_lease(self, storage: Storage) -> None:
        storage.claim_upload("d", "f.csv", FACTS, now=T0, lease=LEASE)
        result, record = storage.claim_upload("d", "f.csv", FACTS, now=T0 + LEASE, lease=LEASE)
        assert result is ClaimResult.CLAIMED and record is not None and record.attempts == 2
        assert record.claimed_at == T0 + LEASE

    def test_LL8_ledger_state_machine(self, make_storage: Callable[[], Storage]) -> None:
        self._run(LedgerMachine, make_storage)

    def test_IF8_concurrent_configurations_of_one_scope_have_one_winner(
        self, storage: Storage
    ) -> None:
        for round_ in range(10):

            def attempt(n: int, r: int = round_) -> object:
                storage.add_interface(co(f"r{r}-{n}", display_name=f"Karten {r}"))
                return None

            results = contest(8, attempt)
            assert sum(r is None for r in results) == 1
            assert all(isinstance(r, errors.InterfaceDuplicate) for r in results if r is not None)
        assert len(storage.search_interfaces()) == 10

    def test_CO13_concurrent_placing_with_one_process_reference_orders_one_card(
        self,
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

    def test_CO21_concurrent_different_requests_under_one_reference_one_order(
        self, storage: Storage
    ) -> None:
        """CO13, CO21: eight threads place under one reference from two branches.

        The store's unique reference decides the first; the same request as its order is
        that order, the other branch's is ``order.conflict`` naming it.
        """
        world = World(storage)
        world.card_ordering()
        world.template()
        for round_ in range(6):

            def attempt(n: int, r: int = round_) -> object:
                return world.orders.place(
                    template="BASIS", holder_id="K1", branch=("F01", "F02")[n % 2],
                    process_ref=f"Q{r}",
                )  # fmt: skip

            results = contest(8, attempt)
            placed = [r for r in results if isinstance(r, PlacedOrder)]
            refused = [r for r in results if not isinstance(r, PlacedOrder)]
            (order,) = {p.order for p in placed}
            assert sum(p.created for p in placed) == 1 and len(placed) == 4
            conflicts = [r for r in refused if isinstance(r, errors.OrderConflict)]
            assert len(conflicts) == len(refused) == 4
            assert {r.existing_order_id for r in conflicts} == {order.id}
        assert len(storage.list_orders()) == 6

    def test_CO22_concurrent_renames_onto_one_name_have_one_winner(self, storage: Storage) -> None:
        for round_ in range(6):
            for n in range(6):
                storage.add_template(CardTemplate(name=f"T{round_}-{n}", document_template="D"))

            def attempt(n: int, r: int = round_) -> object:
                new = CardTemplate(name=f"NEU {r}", document_template=f"D{n}")
                storage.replace_template(f"T{r}-{n}", new)
                return new

            results = contest(6, attempt)
            winners = [r for r in results if isinstance(r, CardTemplate)]
            assert len(winners) == 1
            assert all(isinstance(r, errors.TemplateDuplicate) for r in results if r not in winners)
            assert storage.get_template(f"neu {round_}") == winners[0]
        assert len(storage.list_templates()) == 6 * 6

    def test_CR3_concurrent_registration_of_one_uid_has_one_winner(self, storage: Storage) -> None:
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
