"""``amparex outbox``: upload the Loyalty Lab outbox, once or as it fills (LL8)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import tzinfo
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from amparex_adapters.cli.errors import ConfigInvalid
from amparex_adapters.cli.listing import emit_next, fetch_page, page_options, paged_json
from amparex_adapters.cli.shell import (
    HelpGroup,
    _app,
    _json_option,
    _progress_enabled,
    _state,
    _table,
    report_error,
)
from amparex_adapters.i18n import N_, _, ngettext
from amparex_core.domain.claims import Holder
from amparex_core.domain.errors import ExportError
from amparex_core.domain.uploads import UploadOutcome, UploadState
from amparex_core.services import LoyaltyLab, OutboxWatcher, PurgeReport, UploadResult
from amparex_core.services.runlog import RunRecorder

if TYPE_CHECKING:
    from amparex_adapters.cli.compose import Composition

__all__ = ["held_by_lines", "outbox", "since_text", "watch_outbox"]


def _lab_place(
    app: Composition, workstation: str | None, branch: str | None
) -> tuple[str, str | None]:
    return workstation or app.workstation, branch or app.branch


def _require_upload(app: Composition) -> None:
    if app.upload_delivery is None:
        raise ConfigInvalid(
            path=app.config.label,
            key="loyalty_lab.upload",
            reason=_("no upload destination is configured"),
        )


def since_text(since: dt.datetime | None, tz: tzinfo, now: dt.datetime) -> str:
    """When a claim was made, for people: ``08:01`` today (chain time), else with the date."""
    if since is None:
        return _("an unknown time")
    local = since.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return f"{local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def held_by_lines(uploads: Sequence[UploadResult], tz: tzinfo, now: dt.datetime) -> list[str]:
    """One line per live run uploading files of this outbox (LL8).

    ``4 files being uploaded by KASSE-1, pid 4242, since 08:01``: the files another run
    has claimed and is sending now, by holder, since its earliest claim.
    """
    by_holder: dict[Holder | None, list[UploadResult]] = {}
    for u in uploads:
        if u.outcome is UploadOutcome.IN_PROGRESS:
            by_holder.setdefault(u.holder, []).append(u)
    lines = []
    for holder, files in by_holder.items():
        who = _("another run") if holder is None else _(holder.describe())
        starts = [f.since for f in files if f.since is not None]
        since = since_text(min(starts) if starts else None, tz, now)
        line = ngettext(
            "{count} file being uploaded by {who}, since {since}",
            "{count} files being uploaded by {who}, since {since}",
            len(files),
        )
        lines.append(line.format(count=len(files), who=who, since=since))
    return lines


def nothing_new(uploads: Sequence[UploadResult]) -> bool:
    """Whether a run found nothing to upload.

    None uploaded now, none another run is sending, none waiting for the next run
    (failed, or not tried because its destination refused).
    """
    busy = (
        UploadOutcome.UPLOADED,
        UploadOutcome.IN_PROGRESS,
        UploadOutcome.FAILED,
        UploadOutcome.NOT_TRIED,
    )
    return not any(u.outcome in busy for u in uploads)


def _print_uploads(ctx: click.Context, uploads: list[UploadResult], *, quiet: bool = False) -> int:
    """One line per upload on stdout (unless *quiet*), each problem once on stderr.

    Returns:
        How many files failed or were not tried (they wait for the next run).
    """
    state = _state(ctx)
    failed = 0
    for u in uploads:
        if u.outcome is UploadOutcome.UPLOADED:
            if not quiet:
                click.echo(_("uploaded {name}: {receipt}").format(name=u.name, receipt=u.receipt))
        elif u.outcome is UploadOutcome.CHANGED_AFTER_UPLOAD:
            click.echo(
                _("changed after its upload, not sent again: {name}").format(name=u.name), err=True
            )
        elif u.outcome in (UploadOutcome.FAILED, UploadOutcome.NOT_TRIED) and u.error is not None:
            failed += 1
            report_error(state, u.error)
    if not quiet:
        app = _app(ctx)
        for line in held_by_lines(uploads, app.tz, app.clock.now()):
            click.echo(line)
    return failed


def upload_summary(uploads: list[UploadResult]) -> str | None:
    """The closing line of an upload run, which never contradicts the lines before it.

    ``nothing new to upload`` only when nothing was uploaded and nothing waits
    (:func:`nothing_new`); when files wait for the next run (failed, or not tried because
    their destination refused), how many — those another run is sending have their
    ``held by`` lines; nothing when an outbox could not even be read (its refusal is the
    line).
    """
    if any(isinstance(u.error, ExportError) for u in uploads):
        return None
    waiting = sum(u.outcome in (UploadOutcome.FAILED, UploadOutcome.NOT_TRIED) for u in uploads)
    if waiting:
        return ngettext(
            "{count} file(s) not uploaded yet: the next run tries again",
            "{count} file(s) not uploaded yet: the next run tries again",
            waiting,
        ).format(count=waiting)
    return _("nothing new to upload") if nothing_new(uploads) else None


@click.group(cls=HelpGroup)
def outbox() -> None:
    """The Loyalty Lab outbox: upload new export files (LL8)."""


@outbox.command("upload")
@click.option("--workstation", help="This computer's name (default: from the configuration).")
@click.option("--branch", help="This computer's branch (default: from the configuration).")
@_json_option
@click.pass_context
def outbox_upload(
    ctx: click.Context, workstation: str | None, branch: str | None, as_json: bool
) -> None:
    """Upload every file of the outbox not uploaded yet, each exactly once (LL8)."""
    from amparex_adapters.cli.output import dumps, progress_reporter, upload_json

    app = _app(ctx)
    _require_upload(app)
    where, branch = _lab_place(app, workstation, branch)
    with progress_reporter(_progress_enabled() and not as_json, ["upload"]) as report:
        progress = None if report is None else (lambda d, t, i: report("upload", d, t, i))
        started = app.clock.now()
        uploads = app.loyalty_lab.upload(branch=branch, workstation=where, progress=progress)
    if app.run_recorder is not None:
        app.run_recorder.upload_run(uploads, workstation=where, branch=branch, started_at=started)
    if as_json:
        lang = _state(ctx).lang
        click.echo(dumps({"uploads": [upload_json(u, lang) for u in uploads]}))
    failed = _print_uploads(ctx, uploads, quiet=as_json)
    summary = upload_summary(uploads)
    if not as_json and summary is not None:
        click.echo(summary)
    if failed:
        ctx.exit(1)


def watch_outbox(
    lab: LoyaltyLab,
    *,
    branch: str | None,
    workstation: str,
    interval: float,
    stop: threading.Event,
    on_result: Callable[[UploadResult], None],
    runs: RunRecorder | None = None,
) -> int:
    """Upload new outbox files as they appear, until *stop* is set (LL8).

    The library's :class:`~amparex_core.services.OutboxWatcher`: each round costs the same
    whatever the folder's history (it lists a folder only when it changed and asks the
    ledger about new names only), sends each new file exactly once and retries failed
    ones on the next round. It returns after the round in which *stop* was set, never in
    the middle of an upload. With *runs* each round that did something is recorded in
    the run log (OP1).

    Returns:
        How many files were uploaded.
    """
    watcher = OutboxWatcher(lab, branch=branch, workstation=workstation, runs=runs)
    return watcher.run(interval=interval, stop=stop, on_result=on_result)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    import signal  # the watch only: a start has no signal handlers to set

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@outbox.command("watch")
@click.option("--workstation", help="This computer's name (default: from the configuration).")
@click.option("--branch", help="This computer's branch (default: from the configuration).")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=5.0,
    show_default=True,
    help="Seconds between two looks at the outbox.",
)
@click.pass_context
def outbox_watch(
    ctx: click.Context, workstation: str | None, branch: str | None, interval: float
) -> None:
    """Upload files as they appear in the outbox; stop cleanly on Ctrl-C or SIGTERM."""
    app = _app(ctx)
    state = _state(ctx)
    _require_upload(app)
    where, branch = _lab_place(app, workstation, branch)
    stop = threading.Event()

    def show(result: UploadResult) -> None:
        if result.outcome is UploadOutcome.UPLOADED:
            click.echo(
                _("uploaded {name}: {receipt}").format(name=result.name, receipt=result.receipt)
            )
        elif result.error is not None:
            report_error(state, result.error)

    with _stop_on_signals(stop):
        click.echo(
            _("watching the outbox of {where} every {interval:g} s; Ctrl-C stops").format(
                where=where, interval=interval
            ),
            err=True,
        )
        count = watch_outbox(
            app.loyalty_lab,
            branch=branch,
            workstation=where,
            interval=interval,
            stop=stop,
            on_result=show,
            runs=app.run_recorder,
        )
    click.echo(
        ngettext(
            "stopped; {count} file(s) uploaded", "stopped; {count} file(s) uploaded", count
        ).format(count=count),
        err=True,
    )


@outbox.command("list")
@click.option(
    "--destination", metavar="DEST", help="Only files sent there (as the listing shows it)."
)
@click.option(
    "--state",
    type=click.Choice([s.value for s in UploadState]),
    help="Only files in this state: claimed (under way or failed) or uploaded.",
)
@page_options("DEST/NAME")
@_json_option
@click.pass_context
def outbox_list(  # noqa: PLR0917 - click passes options by position
    ctx: click.Context,
    destination: str | None,
    state: str | None,
    limit: int | None,
    after: str | None,
    as_json: bool,
) -> None:
    """List the upload ledger: which file went where, and when (LL8)."""
    from amparex_adapters.cli.output import dumps, upload_record_json

    store = _app(ctx).storage
    wanted = None if state is None else UploadState(state)
    start = None
    if after is not None:
        first, sep, name = after.rpartition("/")
        if not sep or not first or not name:
            raise click.BadParameter(_("the cursor is DEST/NAME"), param_hint="--after")
        start = (first, name)
    found = fetch_page(
        lambda n: store.list_uploads(destination, state=wanted, limit=n, after=start),
        limit,
        lambda r: f"{r.destination}/{r.name}",
    )
    if as_json:
        shown = [upload_record_json(r) for r in found]
        paged = limit is not None or after is not None
        click.echo(dumps(paged_json("uploads", found, shown, paged=paged)))
        return
    _table(
        [
            N_("destination"),
            N_("file"),
            N_("state"),
            N_("size"),
            N_("claimed"),
            N_("uploaded"),
            N_("attempts"),
        ],
        [
            [
                r.destination,
                r.name,
                r.state.value,
                str(r.facts.size),
                r.claimed_at.isoformat(timespec="seconds"),
                "" if r.uploaded_at is None else r.uploaded_at.isoformat(timespec="seconds"),
                str(r.attempts),
            ]
            for r in found
        ],
    )
    emit_next("amparex outbox list", found)


@outbox.command("purge")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="Remove uploaded files older than this (default: [loyalty_lab] retention_days).",
)
@click.option("--dry-run", is_flag=True, help="Only say which files would be removed.")
@click.option("--workstation", help="This computer's name (default: from the configuration).")
@click.option("--branch", help="This computer's branch (default: from the configuration).")
@_json_option
@click.pass_context
def outbox_purge(  # noqa: PLR0917 - click passes options by position
    ctx: click.Context,
    days: int | None,
    dry_run: bool,
    workstation: str | None,
    branch: str | None,
    as_json: bool,
) -> None:
    """Remove exported files whose upload the ledger confirms, once older than DAYS (LL11).

    A file is removed only when the upload ledger confirms its upload with the same size
    and SHA-256 and it was written more than DAYS days ago; a file never uploaded,
    changed after its upload or unknown to the ledger stays, and so does every ledger
    row. With fixed file names the files of the sent/ folder are purged.
    """
    from amparex_adapters.cli.output import dumps, purge_json

    app = _app(ctx)
    _require_upload(app)
    retention = app.retention(days)
    if retention is None:
        raise click.UsageError(_("give --older-than DAYS or set [loyalty_lab] retention_days"))
    where, branch = _lab_place(app, workstation, branch)
    configs = app.loyalty_lab.configurations(branch=branch, workstation=where)
    report = retention.purge(configs, dry_run=dry_run)
    if as_json:
        click.echo(dumps(purge_json(report)))
    else:
        print_purge(report)
    state = _state(ctx)
    for error in report.errors:
        report_error(state, error)
    if report.errors:
        ctx.exit(1)


# Why a purge keeps a file: the words of Verdict in the command's line (kept 3 files: ...).
_KEPT_WORDS = (
    N_("too young"),
    N_("not uploaded"),
    N_("upload under way"),
    N_("changed after upload"),
)


def print_purge(report: PurgeReport, *, quiet_when_idle: bool = False) -> None:
    """What a purge removed (one line per file) and why it kept the rest (one line)."""
    line = _("would remove {path}") if report.dry_run else _("removed {path}")
    shown = report.removable if report.dry_run else report.removed
    for file in shown:
        click.echo(line.format(path=Path(file.directory) / file.name))
    kept: dict[str, int] = {}
    for file in report.kept:
        reason = _(file.verdict.value.replace("_", " "))
        kept[reason] = kept.get(reason, 0) + 1
    if kept:
        listing = ", ".join(f"{count} {reason}" for reason, count in sorted(kept.items()))
        count = len(report.kept)
        line = ngettext("kept {count} file(s): {listing}", "kept {count} file(s): {listing}", count)
        click.echo(line.format(count=count, listing=listing))
    elif not shown and not quiet_when_idle:
        click.echo(_("no exported file to remove"))
