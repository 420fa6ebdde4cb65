"""The program start of a workstation as one use case (LL5–LL8, IF6, CO16).

At every program start a workstation exports the statistics of its Loyalty Lab
interfaces and uploads the new files (LL5–LL8). :class:`ProgramStart` is that job for the
``amparex startup`` command, the demo and host applications alike. One run

* reads the clock **once**: the run's instant (:attr:`ProgramStartReport.at`) and its
  day, the instant's date in the chain's time zone (:attr:`ProgramStartReport.day`);
* resolves the workstation's Loyalty Lab configurations **once** and, when it may
  dispatch card orders, the card-ordering configurations **once** (IF9);
* exports, then uploads (:meth:`~amparex_core.services.LoyaltyLab.start_for`); upload
  claims and completions read the clock at the moment they happen, because a claim's
  lease runs in real time;
* when built with a :class:`~amparex_core.services.Retention` (``retention_days``
  configured), removes the exported files whose upload the ledger confirms and that are
  older than the limit, after the upload (LL11);
* dispatches due card orders only where their placement allows it. Card ordering runs
  server-side (IF6): a program start does not dispatch, unless the service is built for
  a single workstation (``dispatch_card_orders=True``), the mode of an installation
  without a chain server, where a start dispatches whenever a card-ordering interface is
  available there and then (CO20). The dispatch runs at the run's instant.

Everything the run did comes back as one :class:`ProgramStartReport`. The module's
logger writes one INFO line per run (the summary) and one WARNING line per refusal
(code and English message). A refusal's record carries its code as the attribute
``amparex_refusal``, so a front end that shows refusals itself (the ``amparex`` command)
can leave those records out instead of showing each refusal twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING

from amparex_core.domain._records import frozen
from amparex_core.domain.errors import AmparexError
from amparex_core.domain.interfaces import InterfaceKind
from amparex_core.domain.operations import RunKind, RunRecord
from amparex_core.domain.periods import local_date
from amparex_core.domain.statistics import ExportOutcome
from amparex_core.domain.uploads import UploadOutcome
from amparex_core.services._background import in_background
from amparex_core.services.interfaces import InterfaceService
from amparex_core.services.loyalty_lab import (
    ExportResult,
    LoyaltyLab,
    Phase,
    PhaseProgress,
    StartupReport,
    UploadResult,
    distinct_errors,
    phase_progress,
)
from amparex_core.services.outbox import PurgeReport, Retention
from amparex_core.services.runlog import (
    RunRecorder,
    changed_files,
    dispatch_failures,
    export_failures,
    upload_failures,
)

if TYPE_CHECKING:  # a start that dispatches nothing never imports card ordering
    from concurrent.futures import Future

    from amparex_core.ports.clock import Clock
    from amparex_core.services.dispatch import BatchResult, DispatchReport
    from amparex_core.services.orders import OrderService

__all__ = ["REFUSAL_ATTRIBUTE", "ProgramStart", "ProgramStartReport"]

logger = logging.getLogger(__name__)

REFUSAL_ATTRIBUTE = "amparex_refusal"
"""The attribute of a log record that repeats a refusal of the report: the error's code."""


@frozen
class ProgramStartReport:
    """Everything one program start did.

    Attributes:
        at: The run's instant (the one clock reading of the run).
        day: The run's day: :attr:`at` in the chain's time zone.
        workstation: The workstation the run was for.
        branch: Its branch, if it has one.
        exports: One result per planned export (LL5, LL6).
        uploads: One result per file of the outbox looked at (LL8).
        dispatch: The card-order dispatch of this start, or ``None`` when the start did
            not dispatch (not in the single-workstation mode, or no card-ordering
            interface available).
        purge: What retention removed after the upload (LL11), or ``None`` when no
            retention is configured.
    """

    at: dt.datetime
    day: dt.date
    workstation: str
    branch: str | None
    exports: tuple[ExportResult, ...]
    uploads: tuple[UploadResult, ...]
    dispatch: DispatchReport | None = None
    purge: PurgeReport | None = None

    @property
    def loyalty_lab(self) -> StartupReport:
        """The Loyalty Lab part alone, as :meth:`LoyaltyLab.start` reports it."""
        return StartupReport(exports=self.exports, uploads=self.uploads)

    @property
    def written(self) -> list[ExportResult]:
        """The exports written in this run."""
        return [r for r in self.exports if r.outcome is ExportOutcome.WRITTEN]

    @property
    def existing(self) -> list[ExportResult]:
        """The exports whose file existed already, left alone (LL6)."""
        return [r for r in self.exports if r.outcome is ExportOutcome.EXISTS]

    @property
    def uploaded(self) -> list[UploadResult]:
        """The files uploaded in this run."""
        return [r for r in self.uploads if r.outcome is UploadOutcome.UPLOADED]

    @property
    def batches(self) -> tuple[BatchResult, ...]:
        """The batches of the dispatch; empty when the start did not dispatch."""
        return () if self.dispatch is None else self.dispatch.batches

    @property
    def errors(self) -> list[AmparexError]:
        """Every distinct refusal of the run, exports first, then uploads, then batches.

        One per problem: a folder that cannot be used, or a destination that refused its
        host key or login, fails many files alike and is one refusal here.
        """
        found = [r.error for r in self.exports if r.error is not None]
        found += [r.error for r in self.uploads if r.error is not None]
        found += [] if self.purge is None else list(self.purge.errors)
        return distinct_errors(found + [r.error for r in self.batches if r.error is not None])

    @property
    def failed(self) -> bool:
        """Whether anything failed: an export, an upload or a batch."""
        return bool(self.errors)

    def run_record(self, *, ended_at: dt.datetime) -> RunRecord:
        """The run log's record of this start (OP1), ended at *ended_at*."""
        failures = (
            export_failures(self.exports)
            + upload_failures(self.uploads)
            + dispatch_failures(self.dispatch)
        )
        return RunRecord(
            RunKind.STARTUP,
            self.workstation,
            self.branch,
            self.at,
            ended_at,
            exported=len(self.written),
            uploaded=len(self.uploaded),
            delivered=0 if self.dispatch is None else len(self.dispatch.delivered),
            failed=len(failures),
            changed=changed_files(self.uploads),
            failures=tuple(failures),
        )

    def summary(self) -> str:
        """One English line: where, when, and what the run did."""
        place = self.workstation if self.branch is None else f"{self.workstation} ({self.branch})"
        dispatched = (
            "no card-order dispatch"
            if self.dispatch is None
            else f"{len(self.dispatch.delivered)} batch(es) delivered, "
            f"{len(self.dispatch.failed)} failed"
        )
        purged = "" if self.purge is None else f", {len(self.purge.removed)} old one(s) removed"
        return (
            f"program start on {place} at {self.at.isoformat()}: "
            f"{len(self.written)} export(s) written, {len(self.existing)} existing, "
            f"{len(self.uploaded)} file(s) uploaded{purged}; {dispatched}; "
            f"{len(self.errors)} refusal(s)"
        )


class ProgramStart:
    """The job of a workstation's program start (LL5–LL8; CO16 in single-workstation mode).

    Args:
        loyalty_lab: Exports and uploads the Loyalty Lab files.
        interfaces: Resolves the card-ordering configurations (IF9).
        clock: The time: read once per run.
        tz: The chain's time zone: the run's day is the local date.
        orders: The card-order service, or a function building it (called only when a
            start dispatches: building it may open the renderer and the parcel
            delivery). Needed when *dispatch_card_orders* is set.
        dispatch_card_orders: The single-workstation mode: a start dispatches due card
            orders whenever a card-ordering interface is available there and then.
            Without it a start never dispatches: card ordering is server-side (IF6).
        runs: Records each start in the run log (OP1); ``None``: not recorded.
        retention: Removes the confirmed, old exports after the upload (LL11); ``None``
            keeps every file.

    Raises:
        ValueError: *dispatch_card_orders* without *orders*.
    """

    def __init__(
        self,
        *,
        loyalty_lab: LoyaltyLab,
        interfaces: InterfaceService,
        clock: Clock,
        tz: tzinfo,
        orders: OrderService | Callable[[], OrderService] | None = None,
        dispatch_card_orders: bool = False,
        runs: RunRecorder | None = None,
        retention: Retention | None = None,
    ) -> None:
        if dispatch_card_orders and orders is None:
            raise ValueError("dispatch_card_orders needs the order service (orders=...)")
        self._retention = retention
        self._lab = loyalty_lab
        self._interfaces = interfaces
        self._clock = clock
        self._tz = tz
        self._orders = orders
        self._dispatch_card_orders = dispatch_card_orders
        self._runs = runs

    @property
    def dispatches_card_orders(self) -> bool:
        """Whether a start may dispatch card orders (the single-workstation mode)."""
        return self._dispatch_card_orders

    def run(
        self,
        *,
        branch: str | None,
        workstation: str,
        progress: PhaseProgress | None = None,
    ) -> ProgramStartReport:
        """Run the program start of *workstation*.

        Args:
            branch: The workstation's branch (IF2).
            workstation: The workstation's name (IF3, LL1).
            progress: Called as ``progress(phase, done, total, item)`` in the phases
                export, upload and dispatch.

        Returns:
            What the run did; refusals are in the report, never raised.
        """
        at = self._clock.now()
        day = local_date(at, self._tz)
        configs = self._lab.configurations(branch=branch, workstation=workstation, on=day)
        lab = self._lab.start_for(configs, on=day, progress=progress)
        purge = None if self._retention is None else self._retention.purge(configs)
        dispatch = None
        if self._dispatch_card_orders and self._interfaces.available(
            InterfaceKind.CARD_ORDER, branch=branch, workstation=workstation, on=day
        ):
            dispatch = self._order_service().dispatch(
                now=at, progress=phase_progress(progress, Phase.DISPATCH)
            )
        report = ProgramStartReport(
            at=at,
            day=day,
            workstation=workstation,
            branch=branch,
            exports=lab.exports,
            uploads=lab.uploads,
            dispatch=dispatch,
            purge=purge,
        )
        _log(report)
        if self._runs is not None:
            self._runs.record(report.run_record(ended_at=self._clock.now()))
        return report

    def run_in_background(
        self, *, branch: str | None, workstation: str
    ) -> Future[ProgramStartReport]:
        """Run :meth:`run` in a daemon thread, so a host application's start is not blocked.

        Returns:
            A future with the :class:`ProgramStartReport` (or the unexpected exception).
        """
        return in_background(
            lambda: self.run(branch=branch, workstation=workstation),
            name="amparex-program-start",
        )

    def _order_service(self) -> OrderService:
        orders = self._orders
        assert orders is not None  # checked in __init__
        return orders() if callable(orders) else orders


def _log(report: ProgramStartReport) -> None:
    """The run's summary at INFO, each refusal at WARNING (English, one line each)."""
    logger.info("%s", report.summary())
    for error in report.errors:
        logger.warning(
            "program start on %s: [%s] %s",
            report.workstation,
            error.code,
            " ".join(error.message("en").split()),
            extra={REFUSAL_ATTRIBUTE: error.code},
        )
