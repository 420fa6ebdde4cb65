"""``amparex orders``: place, cancel, list and dispatch card orders (CO1–CO18)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from amparex_adapters.cli.shell import (
    _app,
    _choice,
    _date,
    _enum,
    _instant,
    _json_option,
    _progress_enabled,
    _state,
    _table,
    report_error,
    word,
)
from amparex_core.domain.orders import OrderStatus
from amparex_core.services import BatchOutcome, DispatchReport

if TYPE_CHECKING:
    from amparex_adapters.cli.compose import Composition

__all__ = ["orders"]


@click.group()
def orders() -> None:
    """Card orders: place, cancel, list, dispatch."""


@orders.command("place")
@click.option("--template", required=True, help="Card template name.")
@click.option("--holder", required=True, metavar="ID", help="Customer (or employee) ID.")
@click.option(
    "--branch",
    help="Ordering branch (default: [workstation] branch; required when that names none).",
)
@click.option("--process", "process_ref", required=True, help="PROCESS or PROCESS/STEP (CO13).")
@click.option(
    "--valid-until",
    callback=_date,
    metavar="YYYY-MM-DD",
    help="Valid-until date; required when the template requires validity (CO9).",
)
@click.pass_context
def orders_place(  # noqa: PLR0917 - click passes options by position
    ctx: click.Context,
    template: str,
    holder: str,
    branch: str | None,
    process_ref: str,
    valid_until: dt.date | None,
) -> None:
    """Order a card; placing again with the same process reference orders nothing (CO13)."""
    app = _app(ctx)
    ordering_branch = branch or app.branch
    if not ordering_branch:
        raise click.UsageError("--branch is required when [workstation] names no branch")
    placed = app.orders.place(
        template=template,
        holder_id=holder,
        branch=ordering_branch,
        process_ref=process_ref,
        workstation=app.workstation,
        valid_until=valid_until,
    )
    order = placed.order
    state = "placed" if placed.created else "already placed"
    click.echo(f"{order.id} {state}: card {order.card_number} for {order.holder_name}")


@orders.command("cancel")
@click.argument("order_id")
@click.pass_context
def orders_cancel(ctx: click.Context, order_id: str) -> None:
    """Cancel an order that is not dispatched yet (CO17)."""
    cancelled = _app(ctx).orders.cancel(order_id)
    click.echo(f"cancelled {cancelled.id}")


@orders.command("list")
@click.option("--status", type=_choice(OrderStatus), help="Only orders in this state.")
@_json_option
@click.pass_context
def orders_list(ctx: click.Context, status: str | None, as_json: bool) -> None:
    """List card orders, oldest first."""
    from amparex_adapters.cli.output import dumps, order_json

    app = _app(ctx)
    found = app.storage.list_orders(status=None if status is None else _enum(OrderStatus, status))
    currency = app.chain.prices.currency
    if as_json:
        click.echo(dumps([order_json(o, currency) for o in found]))
        return
    _table(
        ["ID", "status", "template", "holder", "card", "branch", "placed", "period", "total"],
        [
            [
                o.id,
                word(o.status),
                o.template.name,
                f"{o.holder.id} {o.holder_name}",
                o.card_number,
                o.ordering_branch,
                o.order_date.isoformat(),
                o.period.key,
                str(o.total(currency)),
            ]
            for o in found
        ],
    )


@orders.command("dispatch")
@click.option(
    "--now",
    callback=_instant,
    metavar="ISO-DATETIME",
    help="Dispatch as at this instant, e.g. 2026-12-01T08:00+01:00.",
)
@_json_option
@click.pass_context
def orders_dispatch(ctx: click.Context, now: dt.datetime | None, as_json: bool) -> None:
    """Batch the due orders and deliver the batches (CO6, CO16)."""
    from amparex_adapters.cli.output import batch_json, dumps, progress_reporter

    app = _app(ctx)
    with progress_reporter(_progress_enabled() and not as_json, ["dispatch"]) as report:
        result = _run_dispatch(app, now, report)
    if as_json:
        lang = _state(ctx).lang
        click.echo(dumps({"batches": [batch_json(r, lang) for r in result.batches]}))
    _finish_dispatch(ctx, result, quiet=as_json)


def _run_dispatch(
    app: Composition, now: dt.datetime | None, report: Callable[[str, int, int, str], None] | None
) -> DispatchReport:
    progress = None if report is None else (lambda d, t, i: report("dispatch", d, t, i))
    return app.orders.dispatch(now=now, progress=progress)


def _finish_dispatch(
    ctx: click.Context,
    result: DispatchReport,
    *,
    exit_on_failure: bool = True,
    quiet: bool = False,
    say_none: bool = True,
) -> int:
    from .outbox import since_text

    state = _state(ctx)
    app = _app(ctx)
    for r in result.batches:
        batch = r.batch
        if r.error is not None:
            report_error(state, r.error)
        elif quiet:
            continue
        elif r.outcome is BatchOutcome.IN_PROGRESS:
            who = "another run" if r.holder is None else r.holder.describe()
            since = since_text(r.since, app.tz, app.clock.now())
            click.echo(f"batch {batch.order_number}: being delivered by {who}, since {since}")
        elif r.outcome is BatchOutcome.WAITING:
            due = since_text(r.next_attempt_at, app.tz, app.clock.now())
            click.echo(f"batch {batch.order_number}: {r.attempts} attempt(s) failed; next at {due}")
        else:
            again = " (sent again)" if r.resent else ""
            click.echo(
                f"batch {batch.order_number}: {len(batch.order_ids)} card(s), {batch.total}, "
                f"delivered: {batch.receipt}{again}"
            )
    if not result.batches and not quiet and say_none:
        click.echo("no card orders due")
    failed = len(result.failed)
    if failed and exit_on_failure:
        ctx.exit(1)
    return failed
