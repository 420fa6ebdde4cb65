"""The chain server's ticks and sleeps, on the in-memory chain (CO20, CO19).

A tick dispatches what is due (orders already due at start included); the next tick is
due at the nearest of the next period end of a template in use, a retry, a foreign
lease's end and the recheck interval, never sooner than a second. The run loop sleeps
until then (a manual clock moved by the wait stands in for time here; the real clock and
real processes are in tests/reliability/test_serve.py).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from amparex_adapters.storage.memory import MemoryStorage
from amparex_core.domain.claims import Holder
from amparex_core.domain.errors import StorageUnavailable
from amparex_core.domain.orders import CardOrder
from amparex_core.domain.periods import next_period_end
from amparex_core.domain.templates import CardTemplate, ShippingInterval
from amparex_core.services import BatchOutcome, Claimant, OrderService
from amparex_core.services.server import MIN_PAUSE, ChainServer, TickReport
from tests.world import BERLIN, World

RECHECK = dt.timedelta(minutes=5)


def server(world: World, **kwargs: object) -> ChainServer:
    orders = OrderService(
        store=world.storage,
        templates=world.storage,
        interfaces=world.interfaces,
        masterdata=world.masterdata,
        renderer=world.renderer,
        delivery=world.parcels,
        clock=world.clock,
        chain=world.chain,
        claimant=Claimant("srv-1"),
        spread=lambda: 0.5,
    )
    return ChainServer(
        orders=orders,
        templates=world.storage,
        store=world.storage,
        clock=world.clock,
        tz=BERLIN,
        recheck=RECHECK,
        **kwargs,  # type: ignore[arg-type]
    )


def test_CO20_a_tick_dispatches_orders_already_due_and_sleeps_to_the_next_period_end() -> None:
    world = World()
    world.card_ordering()
    world.template(interval=ShippingInterval.DAILY)
    world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="P1")
    world.clock.advance(dt.timedelta(days=2))  # due since yesterday midnight
    seen: list[TickReport] = []
    report = server(world, hooks=[seen.append]).tick()
    assert [r.outcome for r in report.dispatch.batches] == [BatchOutcome.DELIVERED]
    assert seen == [report] and not report.errors and not report.stopped
    midnight = next_period_end(world.clock.now(), [ShippingInterval.DAILY], BERLIN)
    assert report.next_period_end == midnight
    assert report.wake_at == min(midnight, world.clock.now() + RECHECK)  # type: ignore[type-var]
    assert "1 batch(es) delivered" in report.summary()


def test_CO20_the_next_tick_is_the_nearest_of_period_end_retry_lease_and_recheck() -> None:
    world = World()
    now = world.clock.now()
    srv = server(world)
    assert srv.next_wakeup(now) == (now + RECHECK, None)  # no template: the recheck only
    world.card_ordering()
    world.template(interval=ShippingInterval.MONTHLY)
    end = next_period_end(now, [ShippingInterval.MONTHLY], BERLIN)
    assert end is not None and srv.next_wakeup(end - dt.timedelta(minutes=1)) == (end, end)
    world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="P1")
    world.clock.set(end + dt.timedelta(hours=1))
    world.orders.batch_due(world.clock.now())
    (batch,) = world.storage.list_batches(open_only=True)
    other = Holder(id="o", name="srv-2", host="srv-2", pid=7)
    lease_end = world.clock.now() + dt.timedelta(seconds=40)
    world.storage.claim_batch(
        batch.id, other, now=world.clock.now(), lease=dt.timedelta(seconds=40)
    )
    wake, _ = srv.next_wakeup(world.clock.now())
    assert wake == lease_end  # to take the batch over should srv-2 have died
    world.storage.release_batch(batch.id, other)
    assert srv.next_wakeup(world.clock.now())[0] == world.clock.now() + RECHECK
    # Never sooner than a second, whatever is due.
    world.storage.claim_batch(batch.id, other, now=world.clock.now(), lease=dt.timedelta(0))
    assert srv.next_wakeup(world.clock.now())[0] == world.clock.now() + MIN_PAUSE


def test_CO20_the_run_sleeps_until_the_period_ends_and_dispatches_then() -> None:
    world = World()
    world.card_ordering()
    world.template(interval=ShippingInterval.WEEKLY)
    world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="P1")
    end = next_period_end(world.clock.now(), [ShippingInterval.WEEKLY], BERLIN)
    assert end is not None
    stop = threading.Event()
    waits: list[float] = []
    reports: list[TickReport] = []

    def wait(seconds: float) -> bool:  # time passes as the server sleeps
        waits.append(seconds)
        world.clock.advance(dt.timedelta(seconds=seconds))
        if world.parcels.sent:
            stop.set()
        return stop.is_set()

    ticks = server(world, hooks=[reports.append]).run(stop, wait=wait)
    delivered = [r for r in reports if r.dispatch.delivered]
    assert len(delivered) == 1 and delivered[0].at == end  # at the period's end, not later
    assert all(r.dispatch.batches == () for r in reports[:-1])
    assert max(waits) <= RECHECK.total_seconds()  # looked again at least every recheck
    assert ticks == len(reports) and len(world.parcels.sent) == 1


def test_CO20_once_runs_one_tick_and_a_set_stop_none() -> None:
    world = World()
    stop = threading.Event()
    assert server(world).run(stop, once=True) == 1
    stop.set()
    assert server(world).run(stop) == 0


class Unreachable(MemoryStorage):
    """A store whose reads of orders and templates fail, as while its server restarts."""

    def pending_orders_ending_by(self, day: dt.date) -> list[CardOrder]:
        raise StorageUnavailable(store="memory", reason="the server is restarting")

    def list_templates(self) -> list[CardTemplate]:
        raise StorageUnavailable(store="memory", reason="the server is restarting")


def test_CO20_a_store_that_refuses_a_tick_is_reported_and_tried_again_soon() -> None:
    world = World(Unreachable())
    report = server(world).tick()
    assert isinstance(report.error, StorageUnavailable) and report.errors == [report.error]
    assert report.wake_at == world.clock.now() + dt.timedelta(seconds=30)


def test_CO20_a_stop_during_a_tick_leaves_the_other_batches_unclaimed() -> None:
    world = World()
    world.card_ordering()
    world.template(interval=ShippingInterval.DAILY)
    for n, branch in enumerate(["F01", "F02"]):
        world.card_ordering(branch=branch, display_name=f"Karten {branch}")
        world.orders.place(template="BASIS", holder_id="K1", branch=branch, process_ref=f"P{n}")
    world.clock.advance(dt.timedelta(days=1))
    asked: list[int] = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 1  # stop after the first batch

    report = server(world).tick(stop=stop)
    assert report.stopped and len(report.dispatch.delivered) == 1
    (left,) = world.storage.list_batches(open_only=True)
    assert world.storage.get_batch_delivery(left.id) is None  # never claimed


def test_CO20_a_recheck_shorter_than_the_pause_is_refused() -> None:
    with pytest.raises(ValueError, match="earliest"):
        ChainServer(
            orders=World().orders,
            templates=World().storage,
            store=World().storage,
            clock=World().clock,
            tz=BERLIN,
            recheck=dt.timedelta(milliseconds=10),
        )
