"""``amparex status``: the chain at a glance, from the store (OP2), and its alerts (OP3).

The report is :class:`~amparex_core.services.status.ChainStatus`'s; this module prints
it as lines or as JSON and exits with :data:`EXIT_PROBLEM` (3) when something is overdue
or failing, so the command serves as a monitoring check (0 healthy, 3 a problem, 1 a
refusal as everywhere). With ``--notify`` the problems go to ``[alerts]`` too: each one
once a day, and a recovery message when it clears.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import click

from amparex_adapters.cli.listing import Page, emit_next, page_options
from amparex_adapters.cli.shell import HelpCommand, _app, _json_option, _state, report_error
from amparex_adapters.i18n import _
from amparex_core.services.status import StatusReport

__all__ = ["EXIT_PROBLEM", "status"]

#: The exit status when something is overdue or failing (OP2).
EXIT_PROBLEM: Final = 3


def _when(instant: dt.datetime | None) -> str | None:
    return None if instant is None else instant.isoformat(timespec="seconds")


def status_json(report: StatusReport) -> dict[str, Any]:
    """The report as the command's JSON."""
    return {
        "at": _when(report.at),
        "healthy": report.healthy,
        "workstations": [
            {
                "workstation": w.workstation,
                "branch": w.branch,
                "last_start": _when(w.last_start),
                "exported_today": w.exported_today,
                "uploaded_today": w.uploaded_today,
                "pending": w.pending,
                "failing": [
                    {
                        "code": f.code,
                        "subject": f.subject,
                        "first_seen": _when(f.first_seen),
                        "attempts": f.attempts,
                    }
                    for f in w.failing
                ],
                "changed_after_upload": list(w.changed),
            }
            for w in report.workstations
        ],
        "interfaces": [
            {
                "interface": i.interface_id,
                "orders_waiting": i.orders_waiting,
                "open_batches": [
                    {"number": number, "created_at": _when(created)}
                    for number, created in i.open_batches
                ],
                "last_delivery": _when(i.last_delivery),
            }
            for i in report.interfaces
        ],
        "server": {"name": report.server, "last_tick": _when(report.server_last_tick)},
        "problems": [
            {
                "kind": p.kind.value,
                "place": p.place,
                "subject": p.subject,
                "since": _when(p.since),
                "code": p.code,
                "text": p.text(),
            }
            for p in report.problems
        ],
        "next": report.next_after,
    }


def _print(report: StatusReport) -> None:
    never = _("never")
    for w in report.workstations:
        click.echo(
            _(
                "{workstation} ({branch}): last start {start}; today {exported} exported, "
                "{uploaded} uploaded; {pending} pending, {failing} failing"
            ).format(
                workstation=w.workstation,
                branch=w.branch or "-",
                start=_when(w.last_start) or never,
                exported=w.exported_today,
                uploaded=w.uploaded_today,
                pending=w.pending,
                failing=len(w.failing),
            )
        )
        for f in w.failing:
            click.echo(
                _("  failing: {subject} [{code}] since {since}, {attempts} attempt(s)").format(
                    subject=f.subject, code=f.code, since=_when(f.first_seen), attempts=f.attempts
                )
            )
    for i in report.interfaces:
        oldest = min((created for _id, created in i.open_batches), default=None)
        click.echo(
            _("card orders {id}: {waiting} waiting, {batches} open batch(es)").format(
                id=i.interface_id, waiting=i.orders_waiting, batches=len(i.open_batches)
            )
            + (_(" (oldest from {when})").format(when=_when(oldest)) if oldest is not None else "")
            + _("; last delivery {when}").format(when=_when(i.last_delivery) or never)
        )
    if report.server is not None:
        click.echo(
            _("server {server}: last tick {when}").format(
                server=report.server, when=_when(report.server_last_tick)
            )
        )
    for problem in report.problems:
        click.echo(_("problem: {text}").format(text=_(problem.text())), err=True)
    count = len(report.problems)
    click.echo(_("healthy") if report.healthy else _("{count} problem(s)").format(count=count))


@click.command("status", cls=HelpCommand)
@click.option("--branch", help="Only the workstations of this branch.")
@click.option("--workstation", help="Only this workstation.")
@click.option(
    "--notify",
    is_flag=True,
    help="Send the problems to [alerts]: each once a day, and when it clears (OP3).",
)
@page_options("WORKSTATION")
@_json_option
@click.pass_context
def status(  # noqa: PLR0917 - click passes options by position
    ctx: click.Context,
    branch: str | None,
    workstation: str | None,
    notify: bool,
    limit: int | None,
    after: str | None,
    as_json: bool,
) -> None:
    """The chain at a glance; exit status 3 when something is overdue or failing (OP2)."""
    from amparex_adapters.cli.output import dumps

    app = _app(ctx)
    report = app.chain_status.report(
        branch=branch, workstation=workstation, limit=limit, after=after
    )
    if as_json:
        click.echo(dumps(status_json(report)))
    else:
        _print(report)
        page: Page[str] = Page()
        page.next = report.next_after
        emit_next("status", page)
    if notify:
        alerting = app.alerting
        if alerting is None:
            click.echo(_("no [alerts] configured: nobody is notified"), err=True)
        else:
            check = alerting.check(report.problems)
            if check.error is not None:
                report_error(_state(ctx), check.error)
            elif not as_json:
                for alert in check.sent:
                    click.echo(_("notified: {subject}").format(subject=alert.subject))
    if not report.healthy:
        ctx.exit(EXIT_PROBLEM)
