"""The run log's rules, the chain's problems and the alerts (OP1, OP2, OP3) in memory."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_adapters.alerts import MemoryAlerts
from amparex_adapters.clock.manual import ManualClock
from amparex_adapters.storage.memory import MemoryStorage
from amparex_core.domain.errors import DeliveryFailed, StorageUnavailable
from amparex_core.domain.operations import (
    Alert,
    Problem,
    ProblemKind,
    RunFailure,
    RunKind,
    RunRecord,
    Thresholds,
    carry_failures,
    find_problems,
    plan_alerts,
)
from amparex_core.services.alerting import Alerting
from amparex_core.services.runlog import RunRecorder

BERLIN = ZoneInfo("Europe/Berlin")
T0 = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
FAIL = RunFailure(code="delivery.failed", subject="LL-1/kunden.csv")


def _record(minutes: int, *failures: RunFailure, where: str = "KASSE-1") -> RunRecord:
    at = T0 + dt.timedelta(minutes=minutes)
    return RunRecord(RunKind.STARTUP, where, "F01", at, at, failures=failures)


@given(st.integers(min_value=1, max_value=30))
def test_OP1_a_repeated_failure_counts_attempts_from_its_first_sighting(runs: int) -> None:
    """OP1: n runs in a row with the same failure: n attempts, first seen at the first."""
    previous = None
    for n in range(runs):
        previous = carry_failures(_record(n, FAIL), previous)
    assert previous is not None
    assert previous.failures[0].attempts == runs
    assert previous.failures[0].first_seen == T0


@given(
    st.lists(st.integers(min_value=0, max_value=5000), max_size=6),
    st.integers(min_value=0, max_value=5000),
    st.integers(min_value=0, max_value=5000),
)
def test_OP2_problems_only_grow_as_time_passes(starts: list[int], now: int, later: int) -> None:
    """OP2: for every run log and every two instants, what is overdue stays overdue."""
    latest = [_record(m, FAIL, where=f"K{n}") for n, m in enumerate(starts)]
    last_start = {r.workstation: r.started_at for r in latest}
    batches = [("CO-1", f"batch {n}", r.started_at) for n, r in enumerate(latest)]

    def at(minutes: int) -> set[str]:
        return {
            p.key
            for p in find_problems(
                latest,
                last_start=last_start,
                open_batches=batches,
                last_tick=T0,
                expect_server=True,
                thresholds=Thresholds(),
                now=T0 + dt.timedelta(minutes=minutes),
            )
        }

    early, late = sorted((now, later))
    assert at(early) <= at(late)


def test_OP3_plan_announces_once_a_day_and_each_recovery() -> None:
    """OP3: a problem announced today is not again today; a cleared one recovers."""
    day = dt.date(2026, 11, 23)
    p = Problem(ProblemKind.WORKSTATION_SILENT, "KASSE-1", "", T0)
    plan = plan_alerts([p], {p.key: day, "old:x:": day}, today=day)
    assert plan.announce == () and plan.recovered == ("old:x:",)
    assert plan_alerts([p], {p.key: day}, today=day + dt.timedelta(days=1)).announce == (p,)


def _problems(store: MemoryStorage, clock: ManualClock) -> list[Problem]:
    latest = store.latest_runs([RunKind.STARTUP])
    return find_problems(
        latest,
        last_start={},
        open_batches=[],
        last_tick=None,
        expect_server=False,
        thresholds=Thresholds(upload_failing_after=dt.timedelta(0)),
        now=clock.now(),
    )


def test_OP3_one_message_per_problem_per_day_and_one_recovery() -> None:
    """OP3: checks on one day send once; the next day again once; a cleared one recovers."""
    store, sender, clock = MemoryStorage(), MemoryAlerts(), ManualClock(T0)
    alerting = Alerting(ledger=store, sender=sender, clock=clock, tz=BERLIN)
    store.record_run(_record(0, FAIL))
    for _ in range(3):
        alerting.check(_problems(store, clock))
    assert [a.recovered for a in sender.sent] == [False]
    assert "KASSE-1" in sender.sent[0].text and "delivery.failed" in sender.sent[0].text
    clock.advance(dt.timedelta(days=1))
    alerting.check(_problems(store, clock))
    alerting.check(_problems(store, clock))
    assert [a.recovered for a in sender.sent] == [False, False]
    store.record_run(_record(60 * 24 + 5))
    alerting.check(_problems(store, clock))
    alerting.check(_problems(store, clock))
    assert [a.recovered for a in sender.sent] == [False, False, True]
    assert store.open_alerts() == {}


class _Unreachable:
    def __init__(self) -> None:
        self.tried = 0

    def send_alert(self, alert: Alert) -> str:
        self.tried += 1
        raise DeliveryFailed(destination="smtp://mail:587", item=alert.id, reason="refused")


def test_OP3_an_unreachable_mail_server_is_one_coded_line_and_tried_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """OP3: the check ends with one WARNING line with the code; the next check tries again."""
    store, clock = MemoryStorage(), ManualClock(T0)
    down = _Unreachable()
    alerting = Alerting(ledger=store, sender=down, clock=clock, tz=BERLIN)
    store.record_run(_record(0, FAIL))
    store.record_run(_record(1, FAIL, where="KASSE-2"))
    clock.advance(dt.timedelta(minutes=1))
    with caplog.at_level(logging.WARNING, logger="amparex_core.services.alerting"):
        check = alerting.check(_problems(store, clock))
    assert check.error is not None and check.error.code == "delivery.failed"
    assert [r.getMessage()[:26] for r in caplog.records] == ["alerts: [delivery.failed] "]
    assert down.tried == 1 and store.open_alerts() == {}
    sender = MemoryAlerts()
    Alerting(ledger=store, sender=sender, clock=clock, tz=BERLIN).check(_problems(store, clock))
    assert len(sender.sent) == 2


class _RefusingLog:
    def record_run(self, record: RunRecord, **_: object) -> RunRecord:
        raise StorageUnavailable(store="postgresql", reason="connection refused")

    def latest_runs(self, kinds: object) -> list[RunRecord]:
        return []

    def list_runs(self, **_: object) -> list[RunRecord]:
        return []


def test_OP1_a_store_that_refuses_the_record_does_not_end_the_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """OP1: recording never ends a run: one WARNING line with the code."""
    recorder = RunRecorder(_RefusingLog(), ManualClock(T0))
    with caplog.at_level(logging.WARNING, logger="amparex_core.services.runlog"):
        assert recorder.record(_record(0)) is None
    (line,) = [r.getMessage() for r in caplog.records]
    assert "[storage.unavailable]" in line


def test_OP1_watch_rounds_are_recorded_when_they_did_something() -> None:
    """OP1: a watch round that uploaded, or whose failures changed, is recorded; idle ones not."""
    from amparex_core.services import OutboxWatcher
    from tests.world import World

    world = World()
    world.loyalty()
    world.loyalty_lab.export(branch=None, workstation="KASSE-1")
    assert isinstance(world.storage, MemoryStorage)
    recorder = RunRecorder(world.storage, world.clock)
    watcher = OutboxWatcher(world.loyalty_lab, branch=None, workstation="KASSE-1", runs=recorder)
    world.files.fail_next(1)

    class FiveRounds(threading.Event):  # failed and uploaded, retried, three idle
        rounds = 0

        def wait(self, timeout: float | None = None) -> bool:
            self.rounds += 1
            return self.rounds == 5

    stop = FiveRounds()
    watcher.run(interval=0, stop=stop, on_result=lambda _result: None)
    runs = world.storage.list_runs(kinds=[RunKind.UPLOAD])
    assert [(r.uploaded, r.failed) for r in reversed(runs)] == [(3, 1), (1, 0)]
    assert runs[-1].failures[0].code == "delivery.failed"


def test_OP2_status_counts_a_workstations_pending_uploads() -> None:
    """OP2: claimed, unconfirmed ledger rows count as pending for the configuration's owner."""
    from amparex_core.domain.uploads import FileFacts
    from amparex_core.services.status import ChainStatus
    from tests.world import World

    world = World()
    lab = world.loyalty()
    store = world.storage
    assert isinstance(store, MemoryStorage)
    store.record_run(_record(0))
    facts = FileFacts(size=1, sha256="ab" * 32)
    store.claim_upload(lab, "a.csv", facts, now=T0, lease=dt.timedelta(minutes=1))
    store.claim_upload(lab, "b.csv", facts, now=T0, lease=dt.timedelta(minutes=1))
    store.complete_upload(lab, "b.csv", receipt="/in/b.csv", now=T0)
    status = ChainStatus(
        runs=store, orders=store, clock=world.clock, tz=BERLIN, uploads=store, interfaces=store
    )
    (row,) = status.report().workstations
    assert (row.workstation, row.pending) == ("KASSE-1", 1)


def test_OP2_count_jobs_by_outcome_and_code() -> None:
    """OP2 (metrics): jobs of run records by job, outcome and refusal code."""
    from amparex_core.domain.operations import count_jobs

    failed = RunFailure("delivery.failed", "LL-1/a.csv", job="upload")
    run = RunRecord(RunKind.STARTUP, "K1", None, T0, T0, exported=4, uploaded=3, failures=(failed,))
    tick = RunRecord(
        RunKind.TICK,
        "srv",
        None,
        T0,
        T0,
        delivered=2,
        failures=(RunFailure("storage.unavailable"),),
    )
    assert count_jobs([run, tick]) == {
        ("export", "ok", ""): 4,
        ("upload", "ok", ""): 3,
        ("upload", "failed", "delivery.failed"): 1,
        ("delivery", "ok", ""): 2,
        ("run", "failed", "storage.unavailable"): 1,
    }


def test_OP2_OP3_card_orders_in_status_and_alerts_on_the_servers_ticks() -> None:
    """OP2, OP3: waiting orders, an undelivered batch and its age; ticks recorded; alerts
    checked at most every interval, the batch announced once and recovered once."""
    from amparex_core.services.server import ChainServer, record_ticks
    from amparex_core.services.status import ChainStatus
    from tests.world import World

    world = World()
    world.card_ordering()
    world.template()
    world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="V1")
    store = world.storage
    assert isinstance(store, MemoryStorage)
    status = ChainStatus(
        runs=store,
        orders=store,
        clock=world.clock,
        tz=BERLIN,
        thresholds=Thresholds(batch_undelivered_after=dt.timedelta(hours=1)),
    )
    (waiting,) = status.report().interfaces
    assert (waiting.orders_waiting, waiting.open_batches) == (1, ())
    sender = MemoryAlerts()
    alerting = Alerting(ledger=store, sender=sender, clock=world.clock, tz=BERLIN)
    server = ChainServer(
        orders=world.orders,
        templates=store,
        store=store,
        clock=world.clock,
        tz=BERLIN,
        hooks=[
            record_ticks(RunRecorder(store, world.clock), "srv-1"),
            alerting.tick_hook(status, every=dt.timedelta(minutes=10)),
        ],
    )
    world.clock.advance(dt.timedelta(days=8))
    world.parcels.fail_next(3)
    server.tick()  # the batch is formed, its delivery fails
    world.clock.advance(dt.timedelta(hours=2))
    server.tick()  # alerts: the batch is undelivered for two hours
    server.tick()  # within ten minutes: not checked again
    (batch,) = status.report().interfaces[0].open_batches
    assert [a.text for a in sender.sent] == [
        f"{waiting.interface_id}: batch {batch[0]} undelivered since "
        f"{batch[1].isoformat(timespec='minutes')}"
    ]
    world.clock.advance(dt.timedelta(hours=1))
    server.tick()  # delivered now; the next check sees it cleared
    world.clock.advance(dt.timedelta(minutes=11))
    server.tick()
    report = status.report()
    assert report.interfaces[0].last_delivery is not None and report.healthy
    assert [a.recovered for a in sender.sent] == [False, True]
    ticks = store.list_runs(kinds=[RunKind.TICK])
    assert len(ticks) == 5 and ticks[-1].failures[0].code == "delivery.failed"
    assert report.server == "srv-1"
