"""The Loyalty Lab outbox after the export: watching it (LL8) and purging it (LL11).

:class:`OutboxWatcher` uploads files as they appear, at a cost per round that does not
grow with the folder's history. A round

* resolves the workstation's configurations (one store query);
* learns the names added to each folder from the folder's change feed
  (:meth:`~amparex_core.ports.exports.ExportTarget.changes`: inotify on a local Linux file
  system) without listing it; where there is no feed (a network share, another system)
  it takes the folder's :meth:`~amparex_core.ports.exports.ExportTarget.stamp` (one
  ``stat``) and lists the folder only when the stamp changed (or was not settled yet); a
  full listing every :attr:`~OutboxWatcher.rescan_every` catches up either way;
* asks the upload ledger about the *new* names only, all at once
  (:meth:`~amparex_core.ports.storage.UploadLedger.get_uploads`); those it confirms are
  remembered and never looked at again, the others are uploaded
  (:meth:`~amparex_core.services.LoyaltyLab.upload_files`: claims, each file exactly once);
* retries a file whose upload failed, was not tried or is under way elsewhere in every
  round until it is settled, whether its folder changed or not.

What a round no longer does: it does not ``stat`` or hash the files it has seen uploaded,
so a content change of an uploaded file is not noticed by the watch; ``amparex outbox
upload`` (and every program start) still compares every file with the ledger and reports
``changed_after_upload``. A file deleted and written again under the same name between
two rounds is taken for the one seen before only while the folder's stamp is equal —
never, since the deletion changes the stamp.

:class:`Retention` removes exported files whose upload the ledger confirms with the
file's own size and SHA-256 once they are older than the limit (LL11,
:func:`~amparex_core.domain.outbox.decide_retention`); a file's age is the time since it
was written (its modification time: export files are never rewritten, LL6, and a move to
``sent/`` keeps it). With fixed names (LL9) the files of ``sent/`` are the candidates; the
ledger rows always stay.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import attrs

from amparex_core.domain._records import define, frozen
from amparex_core.domain.errors import AmparexError
from amparex_core.domain.interfaces import InterfaceConfig, LoyaltyLabSettings
from amparex_core.domain.outbox import (
    FolderStamp,
    Verdict,
    decide_retention,
    ledger_name,
    original_name,
    sent_directory,
)
from amparex_core.domain.uploads import FileFacts, UploadOutcome, UploadState
from amparex_core.services.loyalty_lab import LoyaltyLab, UploadResult
from amparex_core.services.runlog import RunRecorder, upload_failures

if TYPE_CHECKING:
    from amparex_core.ports.clock import Clock
    from amparex_core.ports.delivery import FileDelivery
    from amparex_core.ports.exports import ExportTarget, FolderChanges
    from amparex_core.ports.storage import UploadLedger

__all__ = ["OutboxWatcher", "PurgeReport", "PurgedFile", "Retention"]

logger = logging.getLogger(__name__)


@define
class _Folder:
    """What the watcher knows of one configuration's folder."""

    stamp: FolderStamp | None = None
    listed_at: dt.datetime | None = None
    done: set[str] = attrs.Factory(set)
    pending: set[str] = attrs.Factory(set)
    feed: FolderChanges | None = None
    feed_tried: bool = False

    def forget_feed(self) -> None:
        if self.feed is not None:
            self.feed.close()
        self.feed, self.feed_tried = None, False


class OutboxWatcher:
    """Uploads a workstation's outbox as it fills, each round in O(new files) (LL8).

    Args:
        lab: The Loyalty Lab service (its export target, ledger, clock and deliveries).
        branch: The workstation's branch.
        workstation: The workstation.
        rescan_every: A folder is listed at least this often even when its stamp is
            unchanged (a safety net for file systems whose folder times are unreliable).
        runs: Records in the run log each round of :meth:`run` that did something (OP1):
            one that uploaded or found a changed file, or whose failures differ from
            the last recorded round's (a destination failing every round is recorded
            when it starts failing and when that changes, not every few seconds).

    Attributes:
        listings: How many folder listings the watcher made (for tests and benchmarks).
    """

    def __init__(
        self,
        lab: LoyaltyLab,
        *,
        branch: str | None,
        workstation: str,
        rescan_every: dt.timedelta = dt.timedelta(minutes=1),
        runs: RunRecorder | None = None,
    ) -> None:
        self._lab = lab
        self._runs = runs
        self._last_failures: set[tuple[str, str]] = set()
        self._branch = branch
        self._workstation = workstation
        self.rescan_every = rescan_every
        self._folders: dict[str, _Folder] = {}
        self.listings = 0

    def round(self) -> list[UploadResult]:
        """One round: the new files and the pending ones of every configuration.

        Returns:
            A result per file uploaded, failed, not tried or found changed in this round;
            files found uploaded already are not reported.
        """
        results: list[UploadResult] = []
        refused: dict[str, AmparexError] = {}
        configs = self._lab.configurations(branch=self._branch, workstation=self._workstation)
        for config in configs:
            delivery = self._lab.delivery(config)
            if delivery is None:
                continue
            results.extend(self._config_round(config, delivery, refused))
        return results

    def _config_round(
        self, config: InterfaceConfig, delivery: FileDelivery, refused: dict[str, AmparexError]
    ) -> list[UploadResult]:
        settings = config.settings
        assert isinstance(settings, LoyaltyLabSettings)
        exports = self._lab.exports
        directory = settings.directory
        state = self._folders.setdefault(config.id, _Folder())
        try:
            new = self._new_names(state, exports, directory)
        except AmparexError as exc:
            state.stamp = None
            state.forget_feed()
            return [UploadResult(config.id, directory, UploadOutcome.FAILED, error=exc)]
        if new and not settings.fixed_names:
            # One set-based query for every name not seen before (LL8).
            known = self._lab.ledger.get_uploads(delivery.destination, new)
            uploaded = {n for n, r in known.items() if r.state is UploadState.UPLOADED}
            state.done |= uploaded
            new = [n for n in new if n not in uploaded]
        todo = sorted(state.pending) + new
        if not todo:
            return []
        results = self._lab.upload_files(config, delivery, todo, refused=refused)
        for result in results:
            if result.outcome.pending:
                state.pending.add(result.name)
            else:
                state.pending.discard(result.name)
                state.done.add(result.name)
        return [r for r in results if r.outcome is not UploadOutcome.ALREADY_UPLOADED]

    def _new_names(self, state: _Folder, exports: ExportTarget, directory: str) -> list[str]:
        """The names not seen before, from the folder's change feed, else from a listing.

        With a feed (:meth:`~amparex_core.ports.exports.ExportTarget.changes`) a round
        reads the names added since the last round: O(new files). Without one, the folder
        is listed only when its stamp changed. Either way a full listing every
        :attr:`rescan_every` (and whenever the feed lost track) catches up.
        """
        now = self._lab.clock.now()
        fresh = state.listed_at is not None and now - state.listed_at < self.rescan_every
        if not state.feed_tried:  # before the first listing, so nothing is missed
            state.feed_tried = True
            state.feed = exports.changes(directory)
        if state.feed is not None:
            events = state.feed.drain()
            if events is not None and fresh:
                state.done -= events.removed
                state.pending -= events.removed
                added = sorted(events.added - state.done - state.pending)
                return [n for n in added if exports.exists(directory, n)]
            if events is None:  # the feed lost track: a new one, and a listing
                state.forget_feed()
                state.feed_tried = True
                state.feed = exports.changes(directory)
        else:
            stamp = exports.stamp(directory)
            if stamp == state.stamp and stamp.settled and fresh:
                return []
            state.stamp = stamp
        names = exports.list_files(directory)
        self.listings += 1
        state.listed_at = now
        present = set(names)
        state.done &= present
        state.pending &= present
        return [n for n in names if n not in state.done and n not in state.pending]

    def run(
        self,
        *,
        interval: float,
        stop: threading.Event,
        on_result: Callable[[UploadResult], None],
    ) -> int:
        """Run rounds every *interval* seconds until *stop* is set.

        It returns after the round in which *stop* was set, never in the middle of an
        upload.

        Returns:
            How many files were uploaded.
        """
        uploaded = 0
        try:
            while True:
                started = None if self._runs is None else self._runs.now()
                results = self.round()
                for result in results:
                    if result.outcome is UploadOutcome.UPLOADED:
                        uploaded += 1
                    on_result(result)
                self._record(results, started)
                if stop.wait(interval):
                    return uploaded
        finally:
            self.close()

    def _record(self, results: list[UploadResult], started: dt.datetime | None) -> None:
        """Record the round when it did something (see the class)."""
        if self._runs is None or started is None:
            return
        failures = {(f.code, f.subject) for f in upload_failures(results)}
        busy = any(
            r.outcome in (UploadOutcome.UPLOADED, UploadOutcome.CHANGED_AFTER_UPLOAD)
            for r in results
        )
        if busy or failures != self._last_failures:
            self._runs.upload_run(
                results, workstation=self._workstation, branch=self._branch, started_at=started
            )
        self._last_failures = failures

    def close(self) -> None:
        """Stop the folders' change feeds (a later round starts them again)."""
        for state in self._folders.values():
            state.forget_feed()


# ------------------------------------------------------------------ retention


@frozen
class PurgedFile:
    """One exported file looked at by a purge (LL11).

    Attributes:
        directory: Its folder (the export directory, or its ``sent/`` folder).
        name: Its name.
        verdict: Removed, or why it was kept.
        age: How old it is.
        removed: Whether it was removed in this run (never with ``dry_run``).
    """

    directory: str
    name: str
    verdict: Verdict
    age: dt.timedelta
    removed: bool = False


@frozen
class PurgeReport:
    """What one purge did (LL11)."""

    files: tuple[PurgedFile, ...]
    older_than: dt.timedelta
    dry_run: bool = False
    errors: tuple[AmparexError, ...] = ()

    @property
    def removable(self) -> list[PurgedFile]:
        """The files whose upload is confirmed and which are old enough."""
        return [f for f in self.files if f.verdict is Verdict.REMOVE]

    @property
    def removed(self) -> list[PurgedFile]:
        """The files removed."""
        return [f for f in self.files if f.removed]

    @property
    def kept(self) -> list[PurgedFile]:
        """The files kept, each with its reason."""
        return [f for f in self.files if f.verdict is not Verdict.REMOVE]


class Retention:
    """Removes exported files whose upload is confirmed, after *older_than* (LL11).

    Args:
        exports: The export folders.
        ledger: The upload ledger.
        clock: The time (a file's age is now minus its modification time).
        delivery_for: Where a configuration's files go: the ledger's destination. Without
            one (export only) nothing is confirmed, so nothing is removed.
        older_than: The retention limit.
    """

    def __init__(
        self,
        *,
        exports: ExportTarget,
        ledger: UploadLedger,
        clock: Clock,
        delivery_for: Callable[[InterfaceConfig], FileDelivery] | None,
        older_than: dt.timedelta,
    ) -> None:
        if older_than < dt.timedelta(0):
            raise ValueError("older_than is a duration from 0 on")
        self._exports = exports
        self._ledger = ledger
        self._clock = clock
        self._delivery_for = delivery_for
        self.older_than = older_than

    def purge(
        self,
        configurations: Sequence[InterfaceConfig],
        *,
        older_than: dt.timedelta | None = None,
        dry_run: bool = False,
    ) -> PurgeReport:
        """Remove the confirmed, old files of *configurations*' folders (LL11).

        Args:
            configurations: Loyalty Lab configurations (each folder is looked at once).
            older_than: The limit of this run; the service's by default.
            dry_run: Only report what would be removed.

        Returns:
            Every file looked at with its verdict; folders that could not be read are in
            the report's errors (the others are purged all the same).
        """
        limit = self.older_than if older_than is None else older_than
        files: list[PurgedFile] = []
        errors: list[AmparexError] = []
        seen: set[tuple[str, bool, str]] = set()
        now = self._clock.now()
        for config in configurations:
            settings = config.settings
            if not isinstance(settings, LoyaltyLabSettings) or self._delivery_for is None:
                continue
            destination = self._delivery_for(config).destination
            key = (settings.directory, settings.fixed_names, destination)
            if key in seen:
                continue
            seen.add(key)
            try:
                files += self._purge_folder(settings, destination, now, limit, dry_run)
            except AmparexError as exc:
                errors.append(exc)
        report = PurgeReport(tuple(files), limit, dry_run, tuple(errors))
        self._log(report)
        return report

    def _purge_folder(
        self,
        settings: LoyaltyLabSettings,
        destination: str,
        now: dt.datetime,
        limit: dt.timedelta,
        dry_run: bool,
    ) -> list[PurgedFile]:
        """Judge every file of one folder; the ledger is asked once, for the old ones."""
        exports = self._exports
        folder = settings.directory
        if settings.fixed_names:
            folder = sent_directory(settings.directory)
            try:
                exports.stamp(folder)
            except AmparexError:
                return []  # nothing was sent yet: no sent/ folder
        old: dict[str, tuple[dt.timedelta, FileFacts, str | None]] = {}
        found: list[PurgedFile] = []
        for name in exports.list_files(folder):
            facts = exports.facts(folder, name, with_hash=False)
            age = now - dt.datetime.fromtimestamp(facts.mtime_ns / 1e9, dt.UTC)
            if age < limit:  # young: neither hashed nor looked up
                verdict = decide_retention(None, facts, age=age, limit=limit)
                found.append(PurgedFile(folder, name, verdict, age))
                continue
            key: str | None = name
            if settings.fixed_names:
                original = original_name(name)
                facts = exports.facts(folder, name)
                key = None if original is None else ledger_name(original, facts, fixed=True)
            old[name] = (age, facts, key)
        keys = [key for _age, _facts, key in old.values() if key is not None]
        records = self._ledger.get_uploads(destination, keys) if keys else {}
        for name, (age, known, key) in old.items():
            record = None if key is None else records.get(key)
            facts = known
            if record is not None and record.state is UploadState.UPLOADED and not facts.sha256:
                facts = exports.facts(folder, name)  # hashed only when it may go
            verdict = decide_retention(record, facts, age=age, limit=limit)
            removed = verdict is Verdict.REMOVE and not dry_run and exports.remove(folder, name)
            found.append(PurgedFile(folder, name, verdict, age, removed=removed))
        return sorted(found, key=lambda f: f.name)

    def _log(self, report: PurgeReport) -> None:
        """INFO: what was removed; WARNING: old files the ledger does not confirm."""
        if report.removed:
            logger.info(
                "removed %d exported file(s) uploaded more than %s ago",
                len(report.removed),
                _days(report.older_than),
            )
        unconfirmed = [
            f
            for f in report.kept
            if f.verdict is not Verdict.TOO_YOUNG and f.age >= report.older_than
        ]
        if unconfirmed:
            folders = sorted({f.directory for f in unconfirmed})
            logger.warning(
                "kept %d exported file(s) older than %s whose upload the ledger does not "
                "confirm (never uploaded, under way, or changed after the upload) in %s",
                len(unconfirmed),
                _days(report.older_than),
                ", ".join(folders),
            )


def _days(span: dt.timedelta) -> str:
    """``30 days``, or the span as it is when not whole days."""
    if span % dt.timedelta(days=1):
        return str(span)
    return f"{span.days} day{'' if span.days == 1 else 's'}"
