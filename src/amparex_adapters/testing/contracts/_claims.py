"""The claims of a store (CO19, LL8): :class:`ClaimsContract`, part of the storage contract.

A store keeps claims on batch deliveries and uploads: one holder at a time, for a lease
the holder renews, taken over when the lease ran out or when the claimant names the
holder dead. A batch's number is drawn when the batch is stored, so refused batches
leave no gaps. Plain tests pin each method's promise; the concurrency tests release eight
threads at once against one store, ten rounds each.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest

from amparex_core.domain.claims import Holder, Takeover
from amparex_core.domain.deliveries import BatchClaim, BatchClaimResult, DeliveryFailure
from amparex_core.domain.money import Money
from amparex_core.domain.orders import Batch, CardOrder, OrderStatus
from amparex_core.domain.uploads import ClaimResult, UploadState
from amparex_core.ports import Storage

from ._machines import FACTS, LEASE, T0
from ._world import World

__all__ = ["ClaimsContract"]

A = Holder(id="a", name="KASSE-1", host="kasse-1", pid=101, process_table="t", started="1")
B = Holder(id="b", name="KASSE-2", host="kasse-2", pid=202, process_table="t2", started="2")
C = Holder(id="c", name="srv-1", host="srv-1", pid=303)


def _race(workers: int, attempt: Callable[[int], object]) -> list[object]:
    """Run *attempt(n)* in *workers* threads released at the same moment."""
    barrier = threading.Barrier(workers)
    results: list[object] = [None] * workers

    def run(n: int) -> None:
        barrier.wait()
        results[n] = attempt(n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _orders(storage: Storage, count: int) -> list[CardOrder]:
    world = World(storage)
    world.card_ordering()
    world.template()
    return [
        world.orders.place(
            template="BASIS", holder_id="K1", branch="F01", process_ref=f"V-{n}"
        ).order
        for n in range(count)
    ]


def _batch(batch_id: str, orders: list[CardOrder], number: int = 0) -> Batch:
    return Batch(
        id=batch_id,
        number=number,
        interface_id=orders[0].interface_id,
        period_key=orders[0].period.key,
        order_ids=[o.id for o in orders],
        total=Money(Decimal("2.50") * len(orders), "EUR"),
        created_at=T0,
    )


class ClaimsContract:
    """Claims on batch deliveries and uploads, and gap-free batch numbers (CO19, LL8).

    Part of :class:`~amparex_adapters.testing.contracts.StorageContract` (its fixtures).
    """

    def test_CO19_create_batch_draws_its_number_only_when_stored(self, storage: Storage) -> None:
        orders = _orders(storage, 3)
        assert storage.create_batch(_batch("b-1", orders[:1], 77), [], sequence="batch")
        first = storage.get_batch("b-1")
        assert first is not None and first.number == 1  # drawn; the given number ignored
        # Refused (its order is batched): no number is taken.
        assert not storage.create_batch(_batch("b-x", orders[:2]), [], sequence="batch")
        assert storage.get_batch("b-x") is None
        assert storage.get_order(orders[1].id).status is OrderStatus.PENDING
        assert storage.create_batch(_batch("b-2", orders[1:]), [], sequence="batch")
        second = storage.get_batch("b-2")
        assert second is not None and second.number == 2
        assert storage.next_serial("batch") == 3  # one counter with next_serial
        assert storage.create_batch(_batch("b-3", _orders_more(storage)), [])  # no sequence
        third = storage.get_batch("b-3")
        assert third is not None and third.number == 0

    def test_CO19_a_batch_delivery_has_one_holder_at_a_time(self, storage: Storage) -> None:
        orders = _orders(storage, 1)
        assert storage.create_batch(_batch("b-1", orders), [], sequence="batch")
        with pytest.raises(LookupError):
            storage.claim_batch("nope", A, now=T0, lease=LEASE)
        assert storage.get_batch_delivery("b-1") is None
        first = storage.claim_batch("b-1", A, now=T0, lease=LEASE)
        assert first.result is BatchClaimResult.CLAIMED and first.took_over is None
        assert (first.delivery.holder, first.delivery.attempts) == (A, 1)
        assert first.delivery.lease_until == T0 + LEASE and first.delivery.claimed_at == T0
        held = storage.claim_batch("b-1", B, now=T0 + LEASE / 2, lease=LEASE)
        assert held.result is BatchClaimResult.HELD and held.delivery == first.delivery
        assert not storage.renew_batch("b-1", B, now=T0, lease=LEASE)
        assert storage.renew_batch("b-1", A, now=T0 + LEASE / 2, lease=LEASE)
        renewed = storage.get_batch_delivery("b-1")
        assert renewed is not None and renewed.lease_until == T0 + LEASE / 2 + LEASE
        # The lease counts from the renewal: still held where the first one had run out.
        later = storage.claim_batch("b-1", B, now=T0 + LEASE, lease=LEASE)
        assert later.result is BatchClaimResult.HELD
        assert not storage.release_batch("b-1", B)
        due = T0 + 3 * LEASE
        failure = DeliveryFailure("delivery.failed", T0 + LEASE, due)
        assert storage.release_batch("b-1", A, failure=failure)
        failed = storage.get_batch_delivery("b-1")
        assert failed is not None and failed.holder is None
        assert (failed.last_error, failed.failed_at, failed.next_attempt_at) == (
            "delivery.failed",
            T0 + LEASE,
            due,
        )
        waiting = storage.claim_batch("b-1", B, now=due - LEASE, lease=LEASE, wait_for_retry=True)
        assert waiting.result is BatchClaimResult.WAITING
        again = storage.claim_batch("b-1", B, now=due - LEASE, lease=LEASE)
        assert again.result is BatchClaimResult.CLAIMED and again.delivery.attempts == 2
        assert storage.get_batch_delivery("b-1") == again.delivery
        storage.mark_batch_delivered("b-1", at=due, receipt="r-1")
        done = storage.get_batch_delivery("b-1")
        assert done is not None and done.holder is None and done.next_attempt_at is None
        assert done.attempts == 2
        assert storage.claim_batch("b-1", C, now=due, lease=LEASE).result is (
            BatchClaimResult.DELIVERED
        )
        assert not storage.renew_batch("b-1", B, now=due, lease=LEASE)

    def test_CO19_a_claim_is_taken_over_after_its_lease_or_from_a_dead_holder(
        self, storage: Storage
    ) -> None:
        orders = _orders(storage, 1)
        assert storage.create_batch(_batch("b-1", orders), [], sequence="batch")
        storage.claim_batch("b-1", A, now=T0, lease=LEASE)
        expired = storage.claim_batch("b-1", B, now=T0 + LEASE, lease=LEASE)
        assert expired.result is BatchClaimResult.CLAIMED
        assert (expired.took_over, expired.previous) == (Takeover.EXPIRED, A)
        assert expired.delivery.attempts == 2
        # Naming a holder dead takes its claim at once, only from that holder.
        wrong = storage.claim_batch("b-1", C, now=T0 + LEASE, lease=LEASE, dead=A)
        assert wrong.result is BatchClaimResult.HELD and wrong.delivery.holder == B
        dead = storage.claim_batch("b-1", C, now=T0 + LEASE, lease=LEASE, dead=B)
        assert dead.result is BatchClaimResult.CLAIMED
        assert (dead.took_over, dead.previous, dead.delivery.holder) == (
            Takeover.HOLDER_DEAD,
            B,
            C,
        )
        # The holder that lost its claim can neither renew nor release it.
        assert not storage.renew_batch("b-1", B, now=T0 + LEASE, lease=LEASE)
        assert not storage.release_batch("b-1", A)
        current = storage.get_batch_delivery("b-1")
        assert current is not None and current.holder == C and current.attempts == 3

    def test_CO19_of_eight_concurrent_claimers_one_delivers(self, storage: Storage) -> None:
        orders = _orders(storage, 10)
        for round_, order in enumerate(orders):
            batch_id = f"b-{round_}"
            assert storage.create_batch(_batch(batch_id, [order]), [], sequence="batch")
            holders = [Holder(id=f"h{n}", name=f"KASSE-{n}", pid=n + 1) for n in range(8)]

            def attempt(n: int, b: str = batch_id, hs: list[Holder] = holders) -> object:
                return storage.claim_batch(b, hs[n], now=T0, lease=LEASE)

            claims = [r for r in _race(8, attempt) if isinstance(r, BatchClaim)]
            won = [c for c in claims if c.result is BatchClaimResult.CLAIMED]
            assert len(claims) == 8 and len(won) == 1
            assert all(c.delivery.holder == won[0].delivery.holder for c in claims)

    def test_CO19_concurrent_batch_builders_leave_no_gap_in_the_numbers(
        self, storage: Storage
    ) -> None:
        orders = _orders(storage, 10)
        for round_, order in enumerate(orders):

            def attempt(n: int, r: int = round_, o: CardOrder = order) -> object:
                return storage.create_batch(_batch(f"b-{r}-{n}", [o]), [], sequence="batch")

            assert sum(bool(r) for r in _race(8, attempt)) == 1
        assert [b.number for b in storage.list_batches()] == list(range(1, 11))

    def test_LL8_an_upload_claim_names_its_holder_who_alone_renews_and_releases_it(
        self, storage: Storage
    ) -> None:
        result, record = storage.claim_upload("d", "f.csv", FACTS, now=T0, lease=LEASE, holder=A)
        assert result is ClaimResult.CLAIMED and record is not None
        assert (record.holder, record.lease_until) == (A, T0 + LEASE)
        held, current = storage.claim_upload(
            "d", "f.csv", FACTS, now=T0 + LEASE / 2, lease=LEASE, holder=B
        )
        assert held is ClaimResult.IN_PROGRESS and current == record
        assert not storage.renew_upload("d", "f.csv", B, now=T0, lease=LEASE)
        assert storage.renew_upload("d", "f.csv", A, now=T0 + LEASE / 2, lease=LEASE)
        got = storage.get_upload("d", "f.csv")
        assert got is not None and got.lease_until == T0 + LEASE / 2 + LEASE
        storage.release_upload("d", "f.csv", B)  # not B's: it stays
        assert storage.get_upload("d", "f.csv") == got
        # B names A dead: taken over at once, one attempt more; A can no longer renew.
        taken, by_b = storage.claim_upload(
            "d", "f.csv", FACTS, now=T0 + LEASE / 2, lease=LEASE, holder=B, dead=A
        )
        assert taken is ClaimResult.CLAIMED and by_b is not None
        assert (by_b.holder, by_b.attempts) == (B, 2)
        assert not storage.renew_upload("d", "f.csv", A, now=T0 + LEASE, lease=LEASE)
        storage.release_upload("d", "f.csv", A)
        assert storage.get_upload("d", "f.csv") == by_b
        done = storage.complete_upload("d", "f.csv", receipt="/in/f.csv", now=T0 + LEASE)
        assert done.state is UploadState.UPLOADED and done.holder == B
        assert done.lease_until is None
        assert not storage.renew_upload("d", "f.csv", B, now=T0 + LEASE, lease=LEASE)
        storage.release_upload("d", "f.csv", B)  # an uploaded file is never released
        assert storage.get_upload("d", "f.csv") == done
        storage.claim_upload("d", "g.csv", FACTS, now=T0, lease=LEASE, holder=C)
        storage.release_upload("d", "g.csv", C)
        assert storage.get_upload("d", "g.csv") is None

    def test_LL8_of_eight_concurrent_upload_claimers_one_uploads(self, storage: Storage) -> None:
        for round_ in range(10):
            holders = [Holder(id=f"h{n}", name=f"KASSE-{n}", pid=n + 1) for n in range(8)]

            def attempt(n: int, r: int = round_, hs: list[Holder] = holders) -> object:
                return storage.claim_upload(
                    "d", f"f{r}.csv", FACTS, now=T0, lease=LEASE, holder=hs[n]
                )[0]

            results = _race(8, attempt)
            assert results.count(ClaimResult.CLAIMED) == 1
            assert results.count(ClaimResult.IN_PROGRESS) == 7


def _orders_more(storage: Storage) -> list[CardOrder]:
    """One more pending order in a store that has card ordering set up."""
    world = World(storage)
    return [
        world.orders.place(
            template="BASIS", holder_id="K1", branch="F01", process_ref="V-more"
        ).order
    ]
