"""The program start as one service: one clock reading, one resolution per kind (LL5, IF6)."""

from __future__ import annotations

import collections
import datetime as dt
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amparex_adapters.clock.manual import ManualClock
from amparex_adapters.storage.memory import MemoryStorage
from amparex_core.domain import errors
from amparex_core.domain.interfaces import InterfaceConfig, InterfaceKind, LoyaltyLabSettings
from amparex_core.domain.orders import OrderStatus
from amparex_core.domain.statistics import ExportOutcome, StatisticKind
from amparex_core.domain.uploads import UploadOutcome
from amparex_core.services import (
    InterfaceService,
    LoyaltyLab,
    OrderService,
    ProgramStart,
    ProgramStartReport,
)
from amparex_core.services.loyalty_lab import Phase
from amparex_core.services.startup import REFUSAL_ATTRIBUTE
from tests.world import BERLIN, LL_DIR, START, World

NEXT_WEEK = START + dt.timedelta(days=8)


class CountingClock(ManualClock):
    """A manual clock that counts how often it is read."""

    def __init__(self, start: dt.datetime) -> None:
        super().__init__(start)
        self.reads = 0

    def now(self) -> dt.datetime:
        """The time; counted."""
        self.reads += 1
        return super().now()


class CountingStorage(MemoryStorage):
    """The memory store, counting the resolutions of each interface kind."""

    def __init__(self) -> None:
        super().__init__()
        self.candidates: collections.Counter[InterfaceKind] = collections.Counter()

    def interface_candidates(
        self, kind: InterfaceKind, *, branch: str | None, workstation: str | None
    ) -> list[InterfaceConfig]:
        """The candidates; counted per kind."""
        self.candidates[kind] += 1
        return super().interface_candidates(kind, branch=branch, workstation=workstation)


class Counted:
    """A world whose program start, Loyalty Lab and orders each have a counting clock."""

    def __init__(self, *, dispatch: bool = True) -> None:
        self.store = CountingStorage()
        self.world = World(self.store)
        self.start_clock = CountingClock(NEXT_WEEK)
        self.lab_clock = CountingClock(NEXT_WEEK)
        self.order_clock = CountingClock(NEXT_WEEK)
        w = self.world
        self.interfaces = InterfaceService(self.store)
        self.lab = LoyaltyLab(
            interfaces=self.interfaces,
            masterdata=w.masterdata,
            statistics=w.statistics,
            exports=w.exports,
            ledger=self.store,
            clock=self.lab_clock,
            tz=BERLIN,
            delivery_for=lambda config: w.files,
        )
        self.orders = OrderService(
            store=self.store,
            templates=self.store,
            interfaces=self.interfaces,
            masterdata=w.masterdata,
            renderer=w.renderer,
            delivery=w.parcels,
            clock=self.order_clock,
            chain=w.chain,
        )
        self.program_start = ProgramStart(
            loyalty_lab=self.lab,
            interfaces=self.interfaces,
            clock=self.start_clock,
            tz=BERLIN,
            orders=self.orders,
            dispatch_card_orders=dispatch,
        )

    def reset(self) -> None:
        self.store.candidates.clear()
        for clock in (self.start_clock, self.lab_clock, self.order_clock):
            clock.reads = 0


def due_order(world: World, **card_ordering: str | None) -> str:
    """Card ordering, a weekly template and one order placed at START in its branch; its ID."""
    world.card_ordering(**card_ordering)  # type: ignore[arg-type]
    world.template()
    branch = card_ordering.get("branch") or "F01"
    placed = world.orders.place(template="BASIS", holder_id="K1", branch=branch, process_ref="P1")
    return placed.order.id


# ---------------------------------------------------------------- one reading, one resolution

places = st.tuples(
    st.sampled_from(["KASSE-1", "KASSE-2"]),
    st.sampled_from([None, "F01", "F02"]),
    st.sampled_from([None, dt.date(2026, 11, 1), dt.date(2027, 1, 1)]),
)


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(
    lab_places=st.lists(places, max_size=4),
    card_branch=st.sampled_from([None, "F01", "F02", "none"]),
    dispatch=st.booleans(),
)
def test_LL5_IF6_one_clock_reading_and_one_resolution_per_kind_for_any_configurations(
    lab_places: list[tuple[str, str | None, dt.date | None]],
    card_branch: str | None,
    dispatch: bool,
) -> None:
    """LL5, IF6: whatever is configured, a run reads its clock once and resolves each kind once.

    The Loyalty Lab configurations are resolved once; the card-ordering ones once, and
    only in the single-workstation mode. The only other clock readings are those of the
    upload claims and completions (two per uploaded file) and of the delivery claims and
    records of delivered batches (two each, CO19).
    """
    counted = Counted(dispatch=dispatch)
    world = counted.world
    for number, (workstation, branch, start) in enumerate(lab_places):
        world.loyalty(workstation, branch=branch, start=start, display_name=f"LL {number}")
    if card_branch != "none":
        due_order(world, branch=card_branch)
    counted.reset()

    report = counted.program_start.run(branch="F01", workstation="KASSE-1")

    assert counted.start_clock.reads == 1
    expected = {InterfaceKind.LOYALTY_LAB: 1}
    if dispatch:
        expected[InterfaceKind.CARD_ORDER] = 1
    assert dict(counted.store.candidates) == expected
    assert counted.lab_clock.reads == 2 * len(report.uploaded)
    assert counted.order_clock.reads == 2 * len(report.batches)
    assert (report.at, report.day) == (NEXT_WEEK, NEXT_WEEK.date())
    available = [
        (workstation, branch, start)
        for workstation, branch, start in lab_places
        if workstation == "KASSE-1" and branch in (None, "F01") and start != dt.date(2027, 1, 1)
    ]
    assert len({r.export.interface_id for r in report.exports}) == len(available)
    card_ordering_here = card_branch in (None, "F01")
    assert (report.dispatch is not None) == (dispatch and card_ordering_here)


def test_LL5_loyalty_lab_start_reads_the_clock_once_and_resolves_once() -> None:
    """LL5: ``LoyaltyLab.start`` resolves its configurations once for export and upload."""
    counted = Counted()
    counted.world.loyalty("KASSE-1")
    counted.reset()
    report = counted.lab.start(branch=None, workstation="KASSE-1")
    assert dict(counted.store.candidates) == {InterfaceKind.LOYALTY_LAB: 1}
    assert len(report.uploaded) == 4
    assert counted.lab_clock.reads == 1 + 2 * 4  # the day, then claim and completion


# ---------------------------------------------------------------- what a run does


def test_LL5_a_program_start_exports_and_uploads_like_the_loyalty_lab_start() -> None:
    counted = Counted(dispatch=False)
    counted.world.loyalty("KASSE-1")
    report = counted.program_start.run(branch="F01", workstation="KASSE-1")
    assert [r.outcome for r in report.exports] == [ExportOutcome.WRITTEN] * 4
    assert sorted(u.name for u in report.uploaded) == sorted(
        r.export.file_name for r in report.written
    )
    assert report.loyalty_lab.written == report.written
    assert (report.workstation, report.branch, report.dispatch) == ("KASSE-1", "F01", None)
    assert report.errors == [] and not report.failed
    again = counted.program_start.run(branch="F01", workstation="KASSE-1")
    assert [r.export.file_name for r in again.existing] == [
        r.export.file_name for r in report.written
    ]
    assert {u.outcome for u in again.uploads} == {UploadOutcome.ALREADY_UPLOADED}


def test_IF6_card_ordering_is_server_side_a_program_start_does_not_dispatch() -> None:
    """IF6: without the single-workstation mode a start leaves due orders to the server."""
    counted = Counted(dispatch=False)
    order_id = due_order(counted.world)
    report = counted.program_start.run(branch="F01", workstation="KASSE-1")
    assert report.dispatch is None and report.batches == ()
    assert counted.world.orders.get(order_id).status is OrderStatus.PENDING


def test_IF6_CO16_the_single_workstation_mode_dispatches_due_orders_at_the_run_instant() -> None:
    """IF6, CO16: in the single-workstation mode a start dispatches where ordering is available."""
    counted = Counted(dispatch=True)
    order_id = due_order(counted.world)
    report = counted.program_start.run(branch="F01", workstation="KASSE-1")
    assert report.dispatch is not None
    [batch] = report.dispatch.delivered
    assert batch.order_ids == (order_id,) and batch.created_at == report.at
    assert counted.world.orders.get(order_id).status is OrderStatus.DISPATCHED
    assert report.batches == report.dispatch.batches and not report.failed


def test_IF6_no_dispatch_where_no_card_ordering_interface_is_available() -> None:
    """IF6, IF9: a card-ordering interface of another branch does not dispatch here."""
    counted = Counted(dispatch=True)
    order_id = due_order(counted.world, branch="F02")
    built: list[OrderService] = []

    def factory() -> OrderService:
        built.append(counted.orders)
        return counted.orders

    lazy = ProgramStart(
        loyalty_lab=counted.lab,
        interfaces=counted.interfaces,
        clock=counted.start_clock,
        tz=BERLIN,
        orders=factory,
        dispatch_card_orders=True,
    )
    assert lazy.dispatches_card_orders
    assert lazy.run(branch="F01", workstation="KASSE-1").dispatch is None
    assert built == []  # the order service is built only for a dispatch
    assert counted.world.orders.get(order_id).status is OrderStatus.PENDING
    report = lazy.run(branch="F02", workstation="KASSE-1")
    assert built == [counted.orders] and report.dispatch is not None
    assert len(report.dispatch.delivered) == 1


def test_IF6_the_single_workstation_mode_needs_the_order_service() -> None:
    counted = Counted()
    with pytest.raises(ValueError, match="orders"):
        ProgramStart(
            loyalty_lab=counted.lab,
            interfaces=counted.interfaces,
            clock=counted.start_clock,
            tz=BERLIN,
            dispatch_card_orders=True,
        )


def test_LL5_CO16_refusals_of_every_phase_are_in_the_report_in_order() -> None:
    counted = Counted(dispatch=True)
    world = counted.world
    settings_ = LoyaltyLabSettings(
        customer_number="4711", directory=LL_DIR, statistics={StatisticKind.CUSTOMERS: "ST-1"}
    )
    world.interfaces.configure(InterfaceKind.LOYALTY_LAB, settings_, workstation="KASSE-1")
    world.statistics._sets.pop("q-customers")
    world.exports.overwrite(LL_DIR, "foreign.csv", b"x")
    world.files.fail_next(1)
    due_order(world)
    world.parcels.fail_next(1)
    report = counted.program_start.run(branch="F01", workstation="KASSE-1")
    assert [e.code for e in report.errors] == [
        "statistic.failed",
        "delivery.failed",
        "delivery.failed",
    ]
    assert report.failed
    assert report.dispatch is not None and len(report.dispatch.failed) == 1
    summary = report.summary()
    assert summary.startswith(f"program start on KASSE-1 (F01) at {NEXT_WEEK.isoformat()}: ")
    assert "0 batch(es) delivered, 1 failed" in summary and "3 refusal(s)" in summary


def test_LL5_progress_reports_export_upload_and_dispatch() -> None:
    counted = Counted(dispatch=True)
    counted.world.loyalty("KASSE-1")
    due_order(counted.world)
    seen: list[tuple[Phase, int, int]] = []
    counted.program_start.run(
        branch="F01",
        workstation="KASSE-1",
        progress=lambda phase, done, total, item: seen.append((phase, done, total)),
    )
    assert seen == [
        *[(Phase.EXPORT, i, 4) for i in range(1, 5)],
        *[(Phase.UPLOAD, i, 4) for i in range(1, 5)],
        (Phase.DISPATCH, 1, 1),
    ]


def test_LL5_a_program_start_in_the_background() -> None:
    counted = Counted(dispatch=False)
    counted.world.loyalty("KASSE-1")
    report = counted.program_start.run_in_background(branch=None, workstation="KASSE-1")
    assert isinstance(report.result(timeout=10), ProgramStartReport)
    assert len(report.result().written) == 4
    counted.lab._exports = None  # type: ignore[assignment]
    broken = counted.program_start.run_in_background(branch=None, workstation="KASSE-1")
    with pytest.raises(AttributeError):
        broken.result(timeout=10)


# ---------------------------------------------------------------- logging


def test_LL5_a_run_logs_its_summary_at_info_and_each_refusal_at_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    counted = Counted(dispatch=True)
    counted.world.loyalty("KASSE-1")
    counted.world.statistics._sets.pop("q-glasses")
    counted.world.card_ordering()  # the contract key "geheim-123" is a secret (CO1)
    with caplog.at_level(logging.DEBUG, logger="amparex_core.services.startup"):
        report = counted.program_start.run(branch="F01", workstation="KASSE-1")
    records = [r for r in caplog.records if r.name == "amparex_core.services.startup"]
    assert [r.levelno for r in records] == [logging.INFO, logging.WARNING]
    assert records[0].getMessage() == report.summary()
    [error] = report.errors
    assert isinstance(error, errors.StatisticFailed)
    warning = records[1]
    assert getattr(warning, REFUSAL_ATTRIBUTE) == "statistic.failed"
    assert warning.getMessage().startswith("program start on KASSE-1: [statistic.failed] ")
    assert "\n" not in warning.getMessage()
    assert all("geheim-123" not in r.getMessage() for r in caplog.records)
