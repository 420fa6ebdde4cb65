"""The PostgreSQL server restarted under load (CO13, IF7, IF8, LL8).

A private cluster (never the session's shared one) is restarted with ``pg_ctl restart -m
fast`` while threads place orders, configure interfaces and claim uploads through one
:class:`PostgresStorage`. Proven:

* every operation either succeeds or raises an ``AmparexError`` (``storage.unavailable``
  while the server is away) — never a raw psycopg exception;
* once the restart is over, operations succeed again on the same store object, without
  reopening it: the pool finds its connections to the old server dead before it hands
  them out, so no caller sees a stale connection (the first use after the restart does
  not fail);
* the store agrees with the successes reported, and an ambiguous failure (the server may
  have committed before the connection broke) is resolved by doing it again: placing the
  same process reference gives the same order (CO13), configuring again finds the one
  configuration (IF7, IF8), claiming again finds the file claimed or uploaded (LL8);
* an ambiguous commit made on purpose — a proxy swallows the server's answer to the
  order's INSERT and cuts — is settled by placing the same process reference again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from amparex_adapters.delivery.memory import RecordingParcelDelivery
from amparex_adapters.storage.postgres import PostgresStorage
from amparex_core.domain.errors import AmparexError, InterfaceDuplicate
from amparex_core.domain.interfaces import InterfaceKind
from amparex_core.domain.masterdata import Customer
from amparex_core.domain.orders import ProcessRef
from amparex_core.domain.uploads import ClaimResult, FileFacts, UploadState
from tests.integration.delivery.proxy import CuttingProxy
from tests.plugins.postgres import PgCluster, running_cluster
from tests.reliability._faults import START, OrderRig
from tests.world import address

pytestmark = pytest.mark.timeout(90)

LEASE = dt.timedelta(minutes=30)
FACTS = FileFacts(size=10, sha256="ab" * 32, mtime_ns=1)


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[PgCluster]:
    """A PostgreSQL cluster of this module alone: it may be restarted."""
    with running_cluster() as cluster:
        yield cluster


class Worker(threading.Thread):
    """Runs one kind of operation in a loop and records every outcome with its time."""

    def __init__(self, name: str, op: Callable[[int], Any], stop: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        self.op = op
        self.stop_event = stop
        self.outcomes: list[tuple[int, float, float, BaseException | None]] = []

    def run(self) -> None:
        n = 0
        while not self.stop_event.is_set():
            began = time.monotonic()
            error: BaseException | None = None
            try:
                self.op(n)
            except BaseException as exc:  # noqa: BLE001 - recorded and checked by the test
                error = exc
            self.outcomes.append((n, began, time.monotonic(), error))
            n += 1
            if error is not None:
                time.sleep(0.02)


def test_CO13_IF8_LL8_restart_under_load_fails_cleanly_recovers_and_loses_nothing(
    own_cluster: PgCluster,
) -> None:
    """CO13, IF8, LL8: ``pg_ctl restart -m fast`` under four writing threads."""
    url = own_cluster.fresh_schema()
    rig = OrderRig(url, RecordingParcelDelivery())
    store = rig.store
    assert isinstance(store, PostgresStorage)
    rig.setup()
    holders = 400
    for n in range(holders):  # customers of the orders the threads place
        rig.world.masterdata.add(
            Customer(f"H{n:04d}", "Kim", f"Halter-{n}", address(), leading_branch="F01")
        )

    def place(prefix: str) -> Callable[[int], Any]:
        def op(n: int) -> Any:
            return rig.orders.place(
                template="BASIS",
                holder_id=f"H{n % holders:04d}",
                branch="F01",
                process_ref=f"{prefix}-{n:05d}/1",
            )

        return op

    def configure(n: int) -> Any:
        return rig.world.loyalty(workstation=f"WS-{n:05d}")

    def claim(n: int) -> Any:
        result, _ = store.claim_upload("dest", f"f{n:05d}.csv", FACTS, now=START, lease=LEASE)
        assert result is ClaimResult.CLAIMED
        return store.complete_upload("dest", f"f{n:05d}.csv", receipt="r", now=START)

    stop = threading.Event()
    workers = [
        Worker("place-a", place("A"), stop),
        Worker("place-b", place("B"), stop),
        Worker("configure", configure, stop),
        Worker("claim", claim, stop),
    ]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.5)  # load before
        restart_began = time.monotonic()
        own_cluster.restart("fast")
        restarted = time.monotonic()
        time.sleep(1.5)  # load after
    finally:
        stop.set()
        for worker in workers:
            worker.join(20)
    assert not any(w.is_alive() for w in workers)

    failures = [(w.name, n, err) for w in workers for n, _, _, err in w.outcomes if err is not None]
    raw = [(name, n, repr(err)) for name, n, err in failures if not isinstance(err, AmparexError)]
    assert raw == [], raw  # never a raw driver exception
    codes = {err.code for _, _, err in failures if isinstance(err, AmparexError)}
    assert codes <= {"storage.unavailable"}, codes
    for worker in workers:
        before = [o for o in worker.outcomes if o[2] < restart_began]
        after = [o for o in worker.outcomes if o[1] > restarted]
        assert before and all(o[3] is None for o in before), worker.name
        # Once the server is back, everything succeeds: no stale connection surfaces.
        late = [(n, repr(err)) for n, _, _, err in after if err is not None]
        assert len(after) >= 3, (worker.name, len(after))
        assert late == [], (worker.name, late)
    print(
        f"restart took {restarted - restart_began:.2f} s; "
        + ", ".join(f"{w.name}: {len(w.outcomes)} ops" for w in workers)
        + f"; {len(failures)} storage.unavailable during the restart"
    )

    # The store agrees with the successes, and doing a failed operation again settles it.
    for worker in workers[:2]:
        prefix = "A" if worker.name == "place-a" else "B"
        for n, _, _, err in worker.outcomes:
            ref = f"{prefix}-{n:05d}/1"
            again = place(prefix)(n)
            if err is None:
                assert not again.created, ref
            stored = store.order_by_process_ref(again.order.process_ref)
            assert stored is not None
            assert stored.id == again.order.id
    orders = store.list_orders()
    refs = [str(o.process_ref) for o in orders]
    assert len(refs) == len(set(refs))
    assert len(orders) == sum(len(w.outcomes) for w in workers[:2])

    configure_worker = workers[2]
    for n, _, _, err in configure_worker.outcomes:
        if err is not None:
            with contextlib.suppress(InterfaceDuplicate):  # it had committed before the break
                configure(n)
    configs = store.search_interfaces(kind=InterfaceKind.LOYALTY_LAB)
    workstations = sorted(c.workstation for c in configs if c.workstation)
    assert len(workstations) == len(set(workstations)) == len(configure_worker.outcomes)

    claim_worker = workers[3]
    for n, _, _, err in claim_worker.outcomes:
        name = f"f{n:05d}.csv"
        if err is not None:
            result, _ = store.claim_upload("dest", name, FACTS, now=START + LEASE, lease=LEASE)
            if result is ClaimResult.CLAIMED:
                store.complete_upload("dest", name, receipt="r", now=START + LEASE)
        record = store.get_upload("dest", name)
        assert record is not None
        assert record.state is UploadState.UPLOADED, name
    assert len(store.list_uploads("dest")) == len(claim_worker.outcomes)
    store.close()


def test_CO13_first_use_after_a_restart_of_an_idle_store_succeeds(
    own_cluster: PgCluster,
) -> None:
    """CO13: the server restarts while the store's pooled connections sit idle; the next
    operations (four at once, so every pooled connection is taken) succeed at once."""
    url = own_cluster.fresh_schema()
    rig = OrderRig(url, RecordingParcelDelivery())
    store = rig.store
    assert isinstance(store, PostgresStorage)
    try:
        rig.setup()
        rig.place(8)
        pool_size = 4
        barrier = threading.Barrier(pool_size)

        def busy(_: int) -> None:  # hold all pooled connections open at once
            barrier.wait(5)
            store.list_orders()
            barrier.wait(5)

        threads = [threading.Thread(target=busy, args=(i,)) for i in range(pool_size)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        own_cluster.restart("fast")
        errors: list[BaseException] = []
        barrier = threading.Barrier(pool_size)

        def first_use(i: int) -> None:
            barrier.wait(5)
            try:
                if i % 2:
                    rig.orders.place(
                        template="BASIS", holder_id="C00000", branch="F01", process_ref=f"N-{i}"
                    )
                else:
                    store.list_orders()
            except BaseException as exc:  # noqa: BLE001 - checked below
                errors.append(exc)

        threads = [threading.Thread(target=first_use, args=(i,)) for i in range(pool_size)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert errors == []
        assert len(store.list_orders()) == 8 + pool_size // 2
    finally:
        store.close()


def test_CO13_an_ambiguous_commit_is_settled_by_placing_the_same_process_ref_again(
    own_cluster: PgCluster,
) -> None:
    """CO13: the server commits the order's INSERT but its answer never arrives (a proxy
    swallows it and cuts): the caller gets ``storage.unavailable`` although the order is
    stored. Placing again with the same process reference returns that order, and no
    second one exists."""
    url = own_cluster.fresh_schema()
    with CuttingProxy(own_cluster.port) as proxy:
        rig = OrderRig(
            url.replace(f":{own_cluster.port}/", f":{proxy.port}/"), RecordingParcelDelivery()
        )
        store = rig.store
        try:
            rig.setup()
            rig.place(1)
            proxy.swallow_reply_after_marker(b"INSERT INTO orders")
            with pytest.raises(AmparexError) as caught:
                rig.place(1)
            assert caught.value.code == "storage.unavailable"
            assert proxy.swallowed is not None
            stored = store.order_by_process_ref(ProcessRef.parse("V-00001/1"))
            assert stored is not None  # the server had committed it
            again = rig.orders.place(
                template="BASIS", holder_id="C00001", branch="F01", process_ref="V-00001/1"
            )
            assert (again.created, again.order.id) == (False, stored.id)
            assert len(store.list_orders()) == 2
        finally:
            store.close()
