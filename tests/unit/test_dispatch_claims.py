"""Dispatch and uploads under claims, on the in-memory chain (CO19, LL8).

Several dispatchers (order services with claimants of their own) share one store: a
batch another live holder delivers is skipped and reported with its holder; a dead
holder on the same host is taken over at once, one elsewhere after its lease; a failed
delivery is given back with its next attempt, which the server waits for and an operator
does not; the heartbeat keeps a slow delivery's claim (real clock); batch numbers have no
gaps. Uploads report a live holder and take a dead one's file over.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from amparex_adapters.clock.system import SystemClock
from amparex_adapters.delivery.memory import RecordingParcelDelivery
from amparex_adapters.processes.fixed import FixedProcessTable
from amparex_core.domain.claims import Holder
from amparex_core.domain.deliveries import BatchClaimResult
from amparex_core.domain.errors import DeliveryFailed, StorageUnavailable
from amparex_core.domain.parcels import DeliveryReceipt, Parcel
from amparex_core.domain.templates import ShippingInterval
from amparex_core.domain.uploads import UploadOutcome
from amparex_core.ports.clock import Clock
from amparex_core.ports.delivery import ParcelDelivery
from amparex_core.services import BatchOutcome, Claimant, LoyaltyLab, OrderService
from tests.world import World

LEASE = dt.timedelta(seconds=60)


def dispatcher(
    world: World,
    claimant: Claimant,
    delivery: ParcelDelivery | None = None,
    clock: Clock | None = None,
) -> OrderService:
    """Another process's order service on the world's store."""
    return OrderService(
        store=world.storage,
        templates=world.storage,
        interfaces=world.interfaces,
        masterdata=world.masterdata,
        renderer=world.renderer,
        delivery=world.parcels if delivery is None else delivery,
        clock=world.clock if clock is None else clock,
        chain=world.chain,
        claimant=claimant,
        spread=lambda: 0.5,
    )


def one_open_batch(world: World) -> str:
    """A due order, batched (not delivered): returns the batch's ID."""
    world.card_ordering()
    world.template(interval=ShippingInterval.DAILY)
    world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="P1")
    world.clock.advance(dt.timedelta(days=1))
    assert world.orders.batch_due(world.clock.now()) == 0
    (batch,) = world.storage.list_batches(open_only=True)
    return batch.id


def test_CO19_a_batch_another_live_holder_delivers_is_skipped_and_reported() -> None:
    world = World()
    batch_id = one_open_batch(world)
    table = FixedProcessTable(host="kasse-1", pid=10)
    other = table.holder(id="other", name="KASSE-2", pid=4242)
    claim = world.storage.claim_batch(batch_id, other, now=world.clock.now(), lease=LEASE)
    assert claim.result is BatchClaimResult.CLAIMED
    report = dispatcher(world, Claimant("KASSE-1", processes=table)).dispatch()
    (result,) = report.batches
    assert result.outcome is BatchOutcome.IN_PROGRESS and report.in_progress == [result]
    assert (result.holder, result.since) == (other, world.clock.now())
    assert world.parcels.sent == [] and not report.failed and not report.delivered


def test_CO19_a_dead_holder_on_this_host_is_taken_over_at_once_and_the_batch_resent() -> None:
    world = World()
    batch_id = one_open_batch(world)
    table = FixedProcessTable(host="kasse-1", pid=10)
    dead = table.holder(id="dead", name="KASSE-1", pid=4242)
    world.storage.claim_batch(batch_id, dead, now=world.clock.now(), lease=LEASE)
    table.kill(4242)
    report = dispatcher(world, Claimant("KASSE-1", processes=table)).dispatch()
    (result,) = report.batches
    assert result.outcome is BatchOutcome.DELIVERED and result.resent and result.attempts == 2
    assert world.parcels.sent == [batch_id]
    delivery = world.storage.get_batch_delivery(batch_id)
    assert delivery is not None and delivery.holder is None


def test_CO19_a_holder_on_another_host_is_waited_for_until_its_lease_ends() -> None:
    world = World()
    batch_id = one_open_batch(world)
    table = FixedProcessTable(host="kasse-1", pid=10)
    elsewhere = Holder(id="x", name="KASSE-9", host="kasse-9", pid=4242, process_table="t9")
    world.storage.claim_batch(batch_id, elsewhere, now=world.clock.now(), lease=LEASE)
    me = dispatcher(world, Claimant("KASSE-1", processes=table))
    assert me.dispatch().in_progress  # its process cannot be looked up from here
    world.clock.advance(LEASE)
    (result,) = me.dispatch().batches
    assert result.outcome is BatchOutcome.DELIVERED and result.resent
    assert len(world.parcels.sent) == 1


def test_CO19_a_failed_delivery_waits_for_its_retry_on_the_server_not_for_an_operator() -> None:
    world = World()
    batch_id = one_open_batch(world)
    failing = RecordingParcelDelivery()
    failing.fail_next(2)
    service = dispatcher(world, Claimant("srv-1"), delivery=failing)
    (first,) = service.dispatch(wait_for_retry=True).batches
    assert first.outcome is BatchOutcome.FAILED and isinstance(first.error, DeliveryFailed)
    assert first.next_attempt_at == world.clock.now() + dt.timedelta(seconds=60)
    delivery = world.storage.get_batch_delivery(batch_id)
    assert delivery is not None and delivery.holder is None
    assert (delivery.last_error, delivery.attempts) == ("delivery.failed", 1)
    (waiting,) = service.dispatch(wait_for_retry=True).batches
    assert waiting.outcome is BatchOutcome.WAITING and waiting.next_attempt_at == (
        first.next_attempt_at
    )
    (again,) = service.dispatch().batches  # an operator's dispatch tries at once
    assert again.outcome is BatchOutcome.FAILED and again.attempts == 2
    assert again.next_attempt_at == world.clock.now() + dt.timedelta(seconds=120)  # doubled
    world.clock.advance(dt.timedelta(seconds=120))
    (done,) = service.dispatch(wait_for_retry=True).batches
    assert done.outcome is BatchOutcome.DELIVERED and done.resent and done.attempts == 3
    assert failing.sent == [batch_id]


class SlowDelivery:
    """Sends after *seconds*, counting what arrived (several threads at once)."""

    def __init__(self, seconds: float) -> None:
        self.destination = "memory://slow"
        self.seconds = seconds
        self.sent: list[str] = []
        self.lock = threading.Lock()

    def send(self, parcel: Parcel) -> DeliveryReceipt:
        time.sleep(self.seconds)
        with self.lock:
            self.sent.append(parcel.id)
        return DeliveryReceipt(self.destination, f"<{parcel.id}>", 1)


@pytest.mark.timeout(60)
def test_CO19_the_heartbeat_keeps_a_slow_deliverys_claim_beyond_its_lease() -> None:
    """Real clock: a lease of 0.6 s, a delivery of 2 s; the others never get the batch."""
    world = World()
    batch_id = one_open_batch(world)
    clock = SystemClock()
    slow = SlowDelivery(2.0)
    lease = dt.timedelta(seconds=0.6)
    holder = dispatcher(world, Claimant("srv-1", lease=lease), delivery=slow, clock=clock)
    sending = threading.Thread(target=holder.dispatch)
    sending.start()
    other = dispatcher(world, Claimant("srv-2", lease=lease), delivery=slow, clock=clock)
    seen: list[BatchOutcome] = []
    while sending.is_alive():
        seen += [r.outcome for r in other.dispatch().batches]
        time.sleep(0.05)
    sending.join()
    assert seen and set(seen) == {BatchOutcome.IN_PROGRESS}  # > 3 leases, never taken over
    assert slow.sent == [batch_id]
    assert other.dispatch().batches == ()  # delivered: nothing left


@pytest.mark.timeout(60)
def test_CO19_eight_dispatchers_at_once_deliver_each_batch_once_with_gap_free_numbers() -> None:
    world = World()
    world.card_ordering()
    world.template(interval=ShippingInterval.DAILY)
    slow = SlowDelivery(0.05)
    services = [dispatcher(world, Claimant(f"KASSE-{n}"), delivery=slow) for n in range(8)]
    for round_ in range(5):
        for n in range(3):
            world.orders.place(
                template="BASIS", holder_id="K1", branch="F01", process_ref=f"R{round_}-{n}"
            )
        world.clock.advance(dt.timedelta(days=1))
        barrier = threading.Barrier(8)

        def run(service: OrderService, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            service.dispatch()

        threads = [threading.Thread(target=run, args=(s,)) for s in services]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    batches = world.storage.list_batches()
    assert sorted(slow.sent) == sorted(b.id for b in batches)  # each exactly once
    assert [b.number for b in batches] == [1, 2, 3, 4, 5]


def test_LL8_a_live_holders_upload_is_reported_a_dead_ones_taken_over() -> None:
    world = World()
    world.loyalty()
    lab = world.loyalty_lab
    exports = lab.export(branch=None, workstation="KASSE-1")
    names = sorted(r.export.file_name for r in exports)
    table = FixedProcessTable(host="kasse-1", pid=10)
    alive = table.holder(id="a", name="KASSE-1", pid=4242)
    dead = table.holder(id="d", name="KASSE-1", pid=4343)
    destination = world.files.destination
    facts = world.exports.facts("/srv/loyalty-lab", names[0])
    now = world.clock.now()
    world.storage.claim_upload(destination, names[0], facts, now=now, lease=LEASE, holder=alive)
    facts = world.exports.facts("/srv/loyalty-lab", names[1])
    world.storage.claim_upload(destination, names[1], facts, now=now, lease=LEASE, holder=dead)
    table.kill(4343)
    mine = LoyaltyLab(
        interfaces=world.interfaces,
        masterdata=world.masterdata,
        statistics=world.statistics,
        exports=world.exports,
        ledger=world.storage,
        clock=world.clock,
        tz=world.chain.tz,
        delivery_for=lambda _config: world.files,
        claimant=Claimant("KASSE-1", processes=table),
    )
    results = {r.name: r for r in mine.upload(branch=None, workstation="KASSE-1")}
    assert results[names[0]].outcome is UploadOutcome.IN_PROGRESS
    assert (results[names[0]].holder, results[names[0]].since) == (alive, now)
    assert [n for n, r in results.items() if r.outcome is UploadOutcome.UPLOADED] == names[1:]
    record = world.storage.get_upload(destination, names[1])
    assert record is not None and record.attempts == 2  # taken over from the dead run


def test_CO19_the_heartbeat_logs_a_failed_renewal_and_stops_once_the_claim_is_lost(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[int] = []

    def renew() -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise StorageUnavailable(store="memory", reason="restarting")
        return False  # taken over meanwhile

    claimant = Claimant("srv-1", lease=dt.timedelta(seconds=0.06))
    with (
        caplog.at_level("WARNING", logger="amparex_core.services.claims"),
        claimant.renewing(renew, "batch B000001"),
    ):
        time.sleep(0.4)
    assert len(calls) == 2  # no renewal after the claim was lost
    messages = [r.getMessage() for r in caplog.records]
    assert any("could not renew the claim on batch B000001" in m for m in messages)
    assert any("taken over by another holder" in m for m in messages)


class Interrupted:
    """A parcel delivery interrupted by Ctrl-C in the middle of a send."""

    destination = "memory://interrupted"

    def send(self, parcel: Parcel) -> DeliveryReceipt:
        raise KeyboardInterrupt


def test_CO19_an_interrupted_delivery_gives_its_claim_back() -> None:
    world = World()
    batch_id = one_open_batch(world)
    with pytest.raises(KeyboardInterrupt):
        dispatcher(world, Claimant("KASSE-1"), delivery=Interrupted()).dispatch()
    delivery = world.storage.get_batch_delivery(batch_id)
    assert delivery is not None and delivery.holder is None and delivery.attempts == 1
    (result,) = world.orders.dispatch().batches  # free at once for the next run
    assert result.outcome is BatchOutcome.DELIVERED


def test_LL8_an_interrupted_upload_gives_its_claim_back() -> None:
    world = World()
    world.loyalty()

    class InterruptedFiles:
        destination = "memory://interrupted"

        def upload(self, file: object) -> DeliveryReceipt:
            raise KeyboardInterrupt

    lab = LoyaltyLab(
        interfaces=world.interfaces,
        masterdata=world.masterdata,
        statistics=world.statistics,
        exports=world.exports,
        ledger=world.storage,
        clock=world.clock,
        tz=world.chain.tz,
        delivery_for=lambda _config: InterruptedFiles(),
    )
    with pytest.raises(KeyboardInterrupt):
        lab.start(branch=None, workstation="KASSE-1")
    assert world.storage.list_uploads() == []  # the claim was given back
