"""``amparex startup``: the job at every program start, rendered from its one report.

The job itself is :class:`~amparex_core.services.startup.ProgramStart` (built by the
composition in the single-workstation mode: due card orders are dispatched when a
card-ordering interface is available); this module only prints its
:class:`~amparex_core.services.startup.ProgramStartReport`, in human form or as JSON.
"""

from __future__ import annotations

from pathlib import Path

import click

from amparex_adapters.cli.shell import (
    HelpCommand,
    State,
    _app,
    _json_option,
    _progress_enabled,
    _state,
    report_error,
)
from amparex_adapters.i18n import _
from amparex_core.domain.statistics import ExportOutcome
from amparex_core.services import ProgramStartReport

from .outbox import _lab_place, _print_uploads, upload_summary

__all__ = ["startup"]


@click.command("startup", cls=HelpCommand)
@click.option("--workstation", help="This computer's name (default: from the configuration).")
@click.option("--branch", help="This computer's branch (default: from the configuration).")
@_json_option
@click.pass_context
def startup(ctx: click.Context, workstation: str | None, branch: str | None, as_json: bool) -> None:
    """The job at every program start: Loyalty Lab export and upload, due card orders (LL5)."""
    app = _app(ctx)
    state = _state(ctx)
    where, branch = _lab_place(app, workstation, branch)
    if _progress_enabled() and not as_json:  # the output module (rich) only when shown
        from amparex_adapters.cli.output import progress_reporter

        phases = ["export", "upload", "dispatch"]
        with progress_reporter(True, phases) as report:
            progress = None if report is None else (lambda p, d, t, i: report(p.value, d, t, i))
            result = app.program_start.run(branch=branch, workstation=where, progress=progress)
    else:
        result = app.program_start.run(branch=branch, workstation=where)
    if as_json:
        from amparex_adapters.cli.output import dumps, program_start_json

        click.echo(dumps(program_start_json(result, state.lang, base=app.config.base)))
    _print_exports(state, result, base=app.config.base, quiet=as_json)
    _print_uploads(ctx, list(result.uploads), quiet=as_json)
    if not as_json:
        if not result.exports:
            click.echo(_("no Loyalty Lab interface available on {where}").format(where=where))
        elif app.upload_delivery is None:
            click.echo(_("no [loyalty_lab.upload] configured: the files stay in the outbox"))
        elif (summary := upload_summary(list(result.uploads))) is not None:
            click.echo(summary)
    if result.purge is not None and not as_json:
        for file in result.purge.removed:  # retention after the upload (LL11)
            click.echo(
                _("removed {path} (uploaded, old)").format(path=Path(file.directory) / file.name)
            )
    if result.purge is not None:
        for error in result.purge.errors:
            report_error(state, error)
    if result.dispatch is not None:
        from .orders import _finish_dispatch  # the orders group only when orders went out

        _finish_dispatch(ctx, result.dispatch, exit_on_failure=False, quiet=as_json)
    if result.failed:
        ctx.exit(1)


def _print_exports(state: State, result: ProgramStartReport, *, base: Path, quiet: bool) -> None:
    """One line per export (on stdout unless *quiet*); a failed one as an error line."""
    for e in result.exports:
        path = base / e.export.directory / e.export.file_name  # a relative one: to the base
        if e.error is not None:
            report_error(state, e.error)
        elif quiet:
            continue
        elif e.outcome is ExportOutcome.WRITTEN:
            click.echo(_("exported {path}").format(path=path))
        elif e.outcome is ExportOutcome.EXISTS:
            click.echo(_("exists, not rewritten: {path}").format(path=path))
