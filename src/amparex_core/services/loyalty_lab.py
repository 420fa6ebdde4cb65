"""The Loyalty Lab start-up job: export the statistics, upload new files (LL5–LL8).

At every program start (:meth:`LoyaltyLab.start`) each available Loyalty Lab
configuration of the workstation (IF9) exports its statistics: for each one the file is
looked for first, and the statistic runs only when the file is missing (LL6); the file
appears atomically (LL7, the export target's job). Then every file of the directory that
was not uploaded yet goes to Loyalty Lab's server, each exactly once (LL8): the upload
ledger claims a file for this run's :class:`~amparex_core.services.claims.Claimant`
before it is sent, a heartbeat renews the claim while it is sent, and the ledger records
it after; a failed upload releases the claim and is retried on the next run; a file
whose content changed after its upload is reported, never sent again silently. A file
another live run is uploading is reported with that run's holder and since when
(``IN_PROGRESS``); the claim of a run that died is taken over — at once when it ran on
this host (its process is gone), else when its lease (a minute) has run out. The ledger
keys a file by the delivery's ``destination`` (the server and folder it goes to), not by
the configuration: several workstations whose configurations share one folder and one
server upload each file once.

A run resolves the workstation's configurations once and reads the clock once for the
export day: :meth:`LoyaltyLab.start` does so itself, and the program start
(:class:`~amparex_core.services.startup.ProgramStart`) hands its own resolution and day to
:meth:`LoyaltyLab.start_for`. Upload claims and completions read the clock at the moment
they happen: a claim's lease runs in real time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import logging
from collections.abc import Callable, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING

from amparex_core.domain._records import frozen
from amparex_core.domain.claims import DEFAULT_LEASE, Holder
from amparex_core.domain.errors import (
    AmparexError,
    DeliveryError,
    ExportFailed,
    InterfaceSettingsMismatch,
    StatisticFailed,
    StatisticFormatNotCsv,
    StatisticTemplateUnknown,
)
from amparex_core.domain.interfaces import (
    InterfaceConfig,
    InterfaceKind,
    LoyaltyLabSettings,
    plan_exports,
)
from amparex_core.domain.outbox import archived_name, ledger_name, sent_directory
from amparex_core.domain.periods import local_date
from amparex_core.domain.statistics import ExportOutcome, StatisticExport
from amparex_core.domain.text import said
from amparex_core.domain.uploads import ClaimResult, FileFacts, UploadOutcome
from amparex_core.services._background import in_background
from amparex_core.services.claims import Claimant
from amparex_core.services.interfaces import InterfaceService
from amparex_core.services.progress import Progress

if TYPE_CHECKING:  # imported where used: a start with nothing to do needs none of them
    from concurrent.futures import Future

    from amparex_core.domain.masterdata import StatisticTemplate
    from amparex_core.ports.clock import Clock
    from amparex_core.ports.delivery import FileDelivery
    from amparex_core.ports.exports import ExportTarget
    from amparex_core.ports.masterdata import MasterData
    from amparex_core.ports.statistics import StatisticSource
    from amparex_core.ports.storage import UploadLedger

__all__ = [
    "ExportResult",
    "LoyaltyLab",
    "PhaseProgress",
    "StartupReport",
    "UploadResult",
    "distinct_errors",
    "phase_progress",
]

logger = logging.getLogger(__name__)


@frozen
class ExportResult:
    """One planned export of one start (LL5, LL6)."""

    export: StatisticExport
    outcome: ExportOutcome
    error: AmparexError | None = None


@frozen
class UploadResult:
    """One file of the outbox in one run (LL8).

    Attributes:
        interface_id: The Loyalty Lab configuration.
        name: The file.
        outcome: What happened to it.
        receipt: Where it went (uploaded now or before).
        error: Why it failed.
        holder: Who is uploading it, when another live run is (``IN_PROGRESS``).
        since: Since when that run has it.
    """

    interface_id: str
    name: str
    outcome: UploadOutcome
    receipt: str | None = None
    error: AmparexError | None = None
    holder: Holder | None = None
    since: dt.datetime | None = None


class Phase(enum.Enum):
    """What a start-up run is doing, for progress reports."""

    EXPORT = "export"
    UPLOAD = "upload"
    DISPATCH = "dispatch"
    """Card orders at a program start (:class:`~amparex_core.services.startup.ProgramStart`)."""


PhaseProgress = Callable[[Phase, int, int, str], None]
"""Called as ``progress(phase, done, total, item)`` while a start-up run proceeds."""


def phase_progress(progress: PhaseProgress | None, phase: Phase) -> Progress | None:
    """The :data:`~amparex_core.services.progress.Progress` of one *phase* of a run."""
    if progress is None:
        return None
    return lambda done, total, item: progress(phase, done, total, item)


@frozen
class StartupReport:
    """Everything one program start did."""

    exports: tuple[ExportResult, ...]
    uploads: tuple[UploadResult, ...]

    @property
    def written(self) -> list[ExportResult]:
        """The exports written in this run."""
        return [r for r in self.exports if r.outcome is ExportOutcome.WRITTEN]

    @property
    def uploaded(self) -> list[UploadResult]:
        """The files uploaded in this run."""
        return [r for r in self.uploads if r.outcome is UploadOutcome.UPLOADED]

    @property
    def errors(self) -> list[AmparexError]:
        """Every distinct error of the run (one per problem); empty when everything worked."""
        found = [r.error for r in self.exports if r.error is not None]
        return distinct_errors(found + [r.error for r in self.uploads if r.error is not None])


def distinct_errors(errors: Sequence[AmparexError]) -> list[AmparexError]:
    """*errors* without repeats, in order: one per problem (the same code and facts).

    A folder that cannot be used fails each of its exports and its upload alike; a
    destination that refused fails (or leaves untried) each of its files: one problem,
    reported once.
    """
    seen: set[tuple[str, str]] = set()
    found: list[AmparexError] = []
    for error in errors:
        key = (error.code, error.message("en"))
        if key not in seen:
            seen.add(key)
            found.append(error)
    return found


def _settings(config: InterfaceConfig) -> LoyaltyLabSettings:
    settings = config.settings
    if not isinstance(settings, LoyaltyLabSettings):
        raise InterfaceSettingsMismatch(
            kind=InterfaceKind.LOYALTY_LAB.value, settings_kind=config.kind.value
        )
    return settings


class LoyaltyLab:
    """Use cases of the Loyalty Lab interface on one workstation.

    Args:
        interfaces: Resolves the workstation's Loyalty Lab configurations (IF9).
        masterdata: Statistic templates (LL3), or a function opening them: called on the
            first export, so a start whose files all exist never opens them.
        statistics: Runs statistic templates (LL5), or a function opening it (called
            likewise). A failure of either function fails the export it was opened for,
            as any failure of the statistic does.
        exports: The workstation folder (LL4, LL6, LL7).
        ledger: Which files went out (LL8).
        clock: The time.
        tz: The chain's time zone: the export day is the local date.
        delivery_for: The delivery for a configuration (Loyalty Lab's server); ``None``
            exports without uploading.
        lease: How long an upload's claim holds without renewal, when no *claimant* is
            given (:data:`~amparex_core.domain.claims.DEFAULT_LEASE`, a minute).
        claimant: Who claims uploads: its name, lease and process table (which proves a
            run on this host dead). By default an unnamed one with *lease*.
    """

    def __init__(
        self,
        *,
        interfaces: InterfaceService,
        masterdata: MasterData | Callable[[], MasterData],
        statistics: StatisticSource | Callable[[], StatisticSource],
        exports: ExportTarget,
        ledger: UploadLedger,
        clock: Clock,
        tz: tzinfo,
        delivery_for: Callable[[InterfaceConfig], FileDelivery] | None = None,
        lease: dt.timedelta = DEFAULT_LEASE,
        claimant: Claimant | None = None,
    ) -> None:
        self._interfaces = interfaces
        self._masterdata = masterdata
        self._statistics = statistics
        self._exports = exports
        self._ledger = ledger
        self._clock = clock
        self._tz = tz
        self._delivery_for = delivery_for
        self._claimant = claimant if claimant is not None else Claimant(lease=lease)

    @property
    def exports(self) -> ExportTarget:
        """The workstation's export folders."""
        return self._exports

    @property
    def ledger(self) -> UploadLedger:
        """The upload ledger."""
        return self._ledger

    @property
    def clock(self) -> Clock:
        """The clock."""
        return self._clock

    def delivery(self, config: InterfaceConfig) -> FileDelivery | None:
        """Where *config*'s files go; ``None`` when the service only exports."""
        return None if self._delivery_for is None else self._delivery_for(config)

    def today(self) -> dt.date:
        """The export day: the clock's date in the chain's time zone (one clock reading)."""
        return local_date(self._clock.now(), self._tz)

    def configurations(
        self, *, branch: str | None, workstation: str, on: dt.date | None = None
    ) -> list[InterfaceConfig]:
        """The Loyalty Lab configurations available on *workstation* on *on* (IF9, LL1).

        Args:
            branch: The workstation's branch.
            workstation: The workstation's name.
            on: The day; :meth:`today` when not given.
        """
        return self._interfaces.available(
            InterfaceKind.LOYALTY_LAB,
            branch=branch,
            workstation=workstation,
            on=self.today() if on is None else on,
        )

    # ------------------------------------------------------------ export

    def export(
        self,
        *,
        branch: str | None,
        workstation: str,
        progress: Progress | None = None,
    ) -> list[ExportResult]:
        """Export every statistic of every available configuration once (LL5, LL6).

        A file that exists is left alone and its statistic is not run. A failing
        statistic is reported and does not stop the others.
        """
        on = self.today()
        configs = self.configurations(branch=branch, workstation=workstation, on=on)
        return self.export_for(configs, on=on, progress=progress)

    def export_for(
        self,
        configurations: Sequence[InterfaceConfig],
        *,
        on: dt.date,
        progress: Progress | None = None,
    ) -> list[ExportResult]:
        """Export the statistics of already resolved *configurations* for day *on* (LL5, LL6).

        Like :meth:`export`, without resolving the configurations or reading the clock.
        """
        plans: list[StatisticExport] = []
        for config in configurations:
            plans.extend(plan_exports(config, on))
        results: list[ExportResult] = []
        cleaned: set[str] = set()
        for done, plan in enumerate(plans, start=1):
            results.append(self._export_one(plan, cleaned))
            if progress is not None:
                progress(done, len(plans), plan.file_name)
        return results

    def _template(self, plan: StatisticExport) -> StatisticTemplate:
        from amparex_core.domain.masterdata import FileFormat  # (a start that exports)

        if callable(self._masterdata):  # opened on the first export
            self._masterdata = self._masterdata()
        template = self._masterdata.statistic_template(plan.template_id)
        if template is None:
            raise StatisticTemplateUnknown(
                template_id=plan.template_id, statistic=plan.statistic.value
            )
        if template.file_format is not FileFormat.CSV:
            raise StatisticFormatNotCsv(
                template_id=template.id, file_format=template.file_format.value
            )
        return template

    def _export_one(self, plan: StatisticExport, cleaned: set[str]) -> ExportResult:
        try:
            if self._exports.exists(plan.directory, plan.file_name):
                return ExportResult(plan, ExportOutcome.EXISTS)
            if plan.directory not in cleaned:
                self._exports.remove_stale(plan.directory)
                cleaned.add(plan.directory)
            template = self._template(plan)
            from amparex_core.domain.csvdialect import encode_csv

            if callable(self._statistics):  # opened on the first export
                self._statistics = self._statistics()
            with self._statistics.run(template) as result:
                chunks = encode_csv(template.dialect, result.columns, result.rows)
                written = self._exports.write_new(plan.directory, plan.file_name, chunks)
        except AmparexError as exc:
            return ExportResult(plan, ExportOutcome.FAILED, error=exc)
        except (UnicodeError, ValueError) as exc:
            # A value the dialect's encoding cannot hold, or a row of the wrong width:
            # the statistic's data does not fit its template. Nothing was written (LL7).
            failed = StatisticFailed(template_id=plan.template_id, reason=str(exc))
            return ExportResult(plan, ExportOutcome.FAILED, error=failed)
        return ExportResult(plan, ExportOutcome.WRITTEN if written else ExportOutcome.EXISTS)

    # ------------------------------------------------------------ upload

    def upload(
        self,
        *,
        branch: str | None,
        workstation: str,
        progress: Progress | None = None,
    ) -> list[UploadResult]:
        """Upload every file not yet uploaded, of every available configuration (LL8)."""
        if self._delivery_for is None:
            return []
        configs = self.configurations(branch=branch, workstation=workstation)
        return self.upload_for(configs, progress=progress)

    def upload_for(
        self, configurations: Sequence[InterfaceConfig], *, progress: Progress | None = None
    ) -> list[UploadResult]:
        """Upload the new files of already resolved *configurations* (LL8).

        Like :meth:`upload`, without resolving the configurations. Nothing is uploaded
        when the service has no ``delivery_for``.
        """
        results: list[UploadResult] = []
        if self._delivery_for is None:
            return results
        refused: dict[str, AmparexError] = {}
        for config in configurations:
            results.extend(
                self.upload_config(config, self._delivery_for(config), progress, refused=refused)
            )
        return results

    def upload_config(
        self,
        config: InterfaceConfig,
        delivery: FileDelivery,
        progress: Progress | None = None,
        *,
        refused: dict[str, AmparexError] | None = None,
    ) -> list[UploadResult]:
        """Upload the new files of one configuration's directory through *delivery* (LL8).

        One problem, one attempt: once the destination refused itself (its host key, its
        login, its address — :attr:`~amparex_core.domain.errors.DeliveryError.whole_destination`)
        the run's other files for it are not tried; they come back ``NOT_TRIED`` with
        that refusal, and the next run tries again.

        Args:
            config: A Loyalty Lab configuration.
            delivery: Where its files go.
            progress: Called per file.
            refused: The destinations that refused in this run, by
                :attr:`~amparex_core.ports.delivery.FileDelivery.destination` (shared by
                the configurations of one run; updated here).
        """
        settings = _settings(config)
        try:
            names = self._exports.list_files(settings.directory)
        except AmparexError as exc:
            return [UploadResult(config.id, settings.directory, UploadOutcome.FAILED, error=exc)]
        return self.upload_files(config, delivery, names, refused=refused, progress=progress)

    def upload_files(
        self,
        config: InterfaceConfig,
        delivery: FileDelivery,
        names: Sequence[str],
        *,
        refused: dict[str, AmparexError] | None = None,
        progress: Progress | None = None,
    ) -> list[UploadResult]:
        """Upload the files *names* of one configuration's directory (LL8, LL9).

        Like :meth:`upload_config` for the given names (a watch round passes only those
        it has not seen). With fixed names (LL9) the ledger knows a file by its name,
        write time and content (:func:`~amparex_core.domain.outbox.ledger_name`), and a
        file whose upload is confirmed moves to the directory's ``sent/`` folder, so the
        next start writes it again.
        """
        refused = {} if refused is None else refused
        settings = _settings(config)
        results: list[UploadResult] = []
        for done, name in enumerate(names, start=1):
            results.append(self._upload_gated(config.id, settings, name, delivery, refused))
            if progress is not None:
                progress(done, len(names), name)
        return results

    def _upload_gated(
        self,
        interface_id: str,
        settings: LoyaltyLabSettings,
        name: str,
        delivery: FileDelivery,
        refused: dict[str, AmparexError],
    ) -> UploadResult:
        """:meth:`_upload_one`, unless the destination refused itself earlier in the run."""
        blocked = refused.get(delivery.destination)
        if blocked is not None:
            return UploadResult(interface_id, name, UploadOutcome.NOT_TRIED, error=blocked)
        directory = settings.directory
        try:
            if settings.fixed_names:
                result = self._upload_fixed(interface_id, directory, name, delivery)
            else:
                result = self._upload_one(interface_id, directory, name, delivery)
        except FileNotFoundError:  # removed by another process since the listing
            gone = ExportFailed(directory=directory, file_name=name, reason=said("it is gone"))
            return UploadResult(interface_id, name, UploadOutcome.FAILED, error=gone)
        error = result.error
        if isinstance(error, DeliveryError) and error.whole_destination:
            refused[delivery.destination] = error
        return result

    def _upload_fixed(
        self, interface_id: str, directory: str, name: str, delivery: FileDelivery
    ) -> UploadResult:
        """Upload a fixed-name file once per content, then move it to ``sent/`` (LL9)."""
        facts = self._exports.facts(directory, name)
        key = ledger_name(name, facts, fixed=True)
        result = self._upload_one(interface_id, directory, name, delivery, key=key)
        if result.outcome in (UploadOutcome.UPLOADED, UploadOutcome.ALREADY_UPLOADED):
            record = self._ledger.get_upload(delivery.destination, key)
            if record is not None and record.uploaded_at is not None:
                self._archive(directory, name, facts, archived_name(name, record.uploaded_at))
        return result

    def _archive(self, directory: str, name: str, facts: FileFacts, archived: str) -> None:
        """Move an uploaded fixed-name file to ``sent/`` (LL9); a failure is logged, not lost.

        The archived name derives from the confirmed upload's time, so a move repeated
        after a crash finds the copy it made and only removes the original.
        """
        sent = sent_directory(directory)
        try:
            self._exports.move(directory, name, sent, archived)
        except FileExistsError:
            if self._exports.facts(sent, archived).sha256 == facts.sha256:
                self._exports.remove(directory, name)
                return
            logger.warning("%s: %s is in %s under another content: kept", directory, archived, sent)
        except (AmparexError, OSError) as exc:
            logger.warning(
                "%s: the uploaded file %s was not moved to %s: %s", directory, name, sent, exc
            )

    def _upload_one(
        self,
        interface_id: str,
        directory: str,
        name: str,
        delivery: FileDelivery,
        *,
        key: str | None = None,
    ) -> UploadResult:
        # The ledger is keyed by where the file goes, so that configurations sharing a
        # folder and a server never send one file twice (LL8); a fixed-name file by its
        # name and content (*key*, LL9).
        key = name if key is None else key
        destination = delivery.destination
        record = self._ledger.get_upload(destination, key)
        if record is not None and record.facts.sha256 and record.uploaded_at is not None:
            quick = self._exports.facts(directory, name, with_hash=False)
            if (quick.size, quick.mtime_ns) == (record.facts.size, record.facts.mtime_ns):
                return UploadResult(interface_id, name, UploadOutcome.ALREADY_UPLOADED)
            full = self._exports.facts(directory, name)
            outcome = (
                UploadOutcome.ALREADY_UPLOADED
                if full.sha256 == record.facts.sha256
                else UploadOutcome.CHANGED_AFTER_UPLOAD
            )
            return UploadResult(interface_id, name, outcome, receipt=record.receipt)
        facts = self._exports.facts(directory, name)
        me = self._claimant.holder()
        lease = self._claimant.lease
        claim, claimed = self._ledger.claim_upload(
            destination, key, facts, now=self._clock.now(), lease=lease, holder=me
        )
        holder = None if claimed is None else claimed.holder
        if (
            claim is ClaimResult.IN_PROGRESS
            and holder is not None
            and self._claimant.is_dead(holder)  # its run died on this host: take over now
        ):
            claim, claimed = self._ledger.claim_upload(
                destination, key, facts, now=self._clock.now(), lease=lease, holder=me, dead=holder
            )
        if claim is ClaimResult.ALREADY_UPLOADED:
            known = None if claimed is None else claimed.receipt
            return UploadResult(interface_id, name, UploadOutcome.ALREADY_UPLOADED, known)
        if claim is ClaimResult.IN_PROGRESS:
            return UploadResult(
                interface_id,
                name,
                UploadOutcome.IN_PROGRESS,
                holder=None if claimed is None else claimed.holder,
                since=None if claimed is None else claimed.claimed_at,
            )
        from amparex_core.domain.parcels import OutgoingFile  # (a start that uploads)

        outgoing = OutgoingFile(
            name=name,
            size=facts.size,
            open=lambda: self._exports.open(directory, name),
            sha256=facts.sha256,
        )

        def renew() -> bool:
            return self._ledger.renew_upload(
                destination, key, me, now=self._clock.now(), lease=lease
            )

        try:
            with self._claimant.renewing(renew, f"the upload of {name}"):
                receipt = delivery.upload(outgoing)
        except AmparexError as exc:
            self._ledger.release_upload(destination, key, me)
            return UploadResult(interface_id, name, UploadOutcome.FAILED, error=exc)
        except BaseException:
            with contextlib.suppress(AmparexError):  # else its lease frees it
                self._ledger.release_upload(destination, key, me)
            raise
        self._ledger.complete_upload(
            destination, key, receipt=receipt.reference, now=self._clock.now()
        )
        return UploadResult(interface_id, name, UploadOutcome.UPLOADED, receipt=receipt.reference)

    # ------------------------------------------------------------ start-up

    def start(
        self,
        *,
        branch: str | None,
        workstation: str,
        progress: PhaseProgress | None = None,
    ) -> StartupReport:
        """The job of a program start: export, then upload (LL5–LL8).

        The configurations are resolved once and the clock is read once for the day;
        see :meth:`start_for`.
        """
        on = self.today()
        configs = self.configurations(branch=branch, workstation=workstation, on=on)
        return self.start_for(configs, on=on, progress=progress)

    def start_for(
        self,
        configurations: Sequence[InterfaceConfig],
        *,
        on: dt.date,
        progress: PhaseProgress | None = None,
    ) -> StartupReport:
        """Export, then upload, for already resolved *configurations* and day *on* (LL5–LL8).

        Upload claims and completions still read the clock when they happen (leases run
        in real time).
        """
        exports = self.export_for(
            configurations, on=on, progress=phase_progress(progress, Phase.EXPORT)
        )
        uploads = self.upload_for(configurations, progress=phase_progress(progress, Phase.UPLOAD))
        return StartupReport(exports=tuple(exports), uploads=tuple(uploads))

    def start_in_background(self, *, branch: str | None, workstation: str) -> Future[StartupReport]:
        """Run :meth:`start` in a daemon thread, so a host application's start is not blocked.

        Returns:
            A future with the :class:`StartupReport` (or the unexpected exception).
        """
        return in_background(
            lambda: self.start(branch=branch, workstation=workstation),
            name="amparex-loyalty-lab-startup",
        )
