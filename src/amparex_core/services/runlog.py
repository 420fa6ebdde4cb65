"""Recording runs in the run log (OP1): :class:`RunRecorder`.

The program start (:class:`~amparex_core.services.ProgramStart`), the upload run
(``amparex outbox upload``, each ``outbox watch`` round that did something), the
dispatch (``amparex orders dispatch``) and each tick of the chain server
(:func:`~amparex_core.services.server.record_ticks`) hand their report to the recorder,
which turns it into one
:class:`~amparex_core.domain.operations.RunRecord` — counts per job, one
:class:`~amparex_core.domain.operations.RunFailure` per refusal — and stores it with the
configured retention. Recording never ends a run: a store that refuses the record is
logged (WARNING, with the code) and the run's own outcome stands.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from amparex_core.domain.errors import AmparexError
from amparex_core.domain.operations import (
    DEFAULT_RETENTION,
    RunFailure,
    RunKind,
    RunRecord,
    RunRetention,
)
from amparex_core.domain.uploads import UploadOutcome
from amparex_core.services.loyalty_lab import ExportResult, UploadResult

if TYPE_CHECKING:  # card ordering is imported by the runs that dispatch
    from amparex_core.ports.clock import Clock
    from amparex_core.ports.operations import RunLog
    from amparex_core.services.dispatch import DispatchReport

__all__ = [
    "RunRecorder",
    "changed_files",
    "dispatch_failures",
    "export_failures",
    "upload_failures",
]

logger = logging.getLogger(__name__)

#: Upload outcomes that mean the run did something (a watch round with only these did not).
_QUIET = (UploadOutcome.ALREADY_UPLOADED,)


def upload_failures(uploads: Iterable[UploadResult]) -> list[RunFailure]:
    """One failure per upload that failed: its code and ``CONFIG/FILE``."""
    return [
        RunFailure(code=u.error.code, subject=f"{u.interface_id}/{u.name}", job="upload")
        for u in uploads
        if u.error is not None
    ]


def export_failures(exports: Iterable[ExportResult]) -> list[RunFailure]:
    """One failure per export that failed: its code and ``CONFIG/FILE``."""
    return [
        RunFailure(
            code=e.error.code,
            subject=f"{e.export.interface_id}/{e.export.file_name}",
            job="export",
        )
        for e in exports
        if e.error is not None
    ]


def dispatch_failures(report: DispatchReport | None) -> list[RunFailure]:
    """One failure per batch that failed: its code and ``batch NUMBER``."""
    if report is None:
        return []
    return [
        RunFailure(code=r.error.code, subject=f"batch {r.batch.number}", job="delivery")
        for r in report.batches
        if r.error is not None
    ]


def changed_files(uploads: Iterable[UploadResult]) -> tuple[str, ...]:
    """``CONFIG/FILE`` of each file found changed after its upload."""
    return tuple(
        f"{u.interface_id}/{u.name}"
        for u in uploads
        if u.outcome is UploadOutcome.CHANGED_AFTER_UPLOAD
    )


class RunRecorder:
    """Turns the reports of runs into run records and stores them (OP1).

    Args:
        log: The run log (the store).
        clock: The time: a run's end is read when it is recorded.
        retention: How long records are kept.
    """

    def __init__(
        self, log: RunLog, clock: Clock, *, retention: RunRetention = DEFAULT_RETENTION
    ) -> None:
        self._log = log
        self._clock = clock
        self._retention = retention

    def now(self) -> dt.datetime:
        """The recorder's clock now (when a run begins)."""
        return self._clock.now()

    def record(self, record: RunRecord) -> RunRecord | None:
        """Store *record*; a refusal of the store is logged, never raised.

        Returns:
            The record as stored, or ``None`` when the store refused it.
        """
        try:
            return self._log.record_run(record, retention=self._retention)
        except AmparexError as exc:
            logger.warning(
                "run log: the %s run of %s was not recorded: [%s] %s",
                record.kind.value,
                record.workstation,
                exc.code,
                " ".join(exc.message("en").split()),
            )
            return None

    def upload_run(
        self,
        uploads: Sequence[UploadResult],
        *,
        workstation: str,
        branch: str | None,
        started_at: dt.datetime,
        quiet_if_idle: bool = False,
    ) -> RunRecord | None:
        """Record an upload run (``outbox upload``, a ``watch`` round).

        Args:
            uploads: What the run did, one result per file looked at.
            workstation: Where it ran.
            branch: Its branch.
            started_at: When it began.
            quiet_if_idle: Record nothing when the run only met files uploaded before
                (a ``watch`` round that did nothing).
        """
        if quiet_if_idle and all(u.outcome in _QUIET for u in uploads):
            return None
        failures = upload_failures(uploads)
        return self.record(
            RunRecord(
                RunKind.UPLOAD,
                workstation,
                branch,
                started_at,
                self._clock.now(),
                uploaded=sum(1 for u in uploads if u.outcome is UploadOutcome.UPLOADED),
                failed=len(failures),
                changed=changed_files(uploads),
                failures=tuple(failures),
            )
        )

    def dispatch(
        self,
        report: DispatchReport,
        *,
        workstation: str,
        branch: str | None,
        started_at: dt.datetime,
        error: AmparexError | None = None,
    ) -> RunRecord | None:
        """Record a dispatch (``orders dispatch``); *error*: the refusal that ended it."""
        failures = dispatch_failures(report)
        if error is not None:
            failures.insert(0, RunFailure(code=error.code))
        return self.record(
            RunRecord(
                RunKind.DISPATCH,
                workstation,
                branch,
                started_at,
                self._clock.now(),
                delivered=len(report.delivered),
                failed=len(failures),
                failures=tuple(failures),
            )
        )
