"""``amparex orders``: place, cancel, list and dispatch card orders (CO1–CO18)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from amparex_adapters.cli.listing import emit_next, fetch_page, page_options, paged_json
from amparex_adapters.cli.shell import (
    HelpGroup,
    _app,
    _choice,
    _date,
    _enum,
    _json_option,
    _progress_enabled,
    _state,
    _table,
    report_error,
    word,
)
from amparex_adapters.i18n import N_, _, ngettext
from amparex_core.domain.orders import OrderStatus
from amparex_core.services import BatchOutcome, BatchResult, DispatchReport

if TYPE_CHECKING:
    from amparex_adapters.cli.compose import Composition

__all__ = ["orders"]


@click.group(cls=HelpGroup)
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
        raise click.UsageError(_("--branch is required when [workstation] names no branch"))
    placed = app.orders.place(
        template=template,
        holder_id=holder,
        branch=ordering_branch,
        process_ref=process_ref,
        workstation=app.workstation,
        valid_until=valid_until,
    )
    order = placed.order
    line = (
        _("{order} placed: card {card} for {holder}")
        if placed.created
        else _("{order} already placed: card {card} for {holder}")
    )
    click.echo(line.format(order=order.id, card=order.card_number, holder=order.holder_name))


@orders.command("cancel")
@click.argument("order_id")
@click.pass_context
def orders_cancel(ctx: click.Context, order_id: str) -> None:
    """Cancel an order that is not dispatched yet (CO17)."""
    cancelled = _app(ctx).orders.cancel(order_id)
    click.echo(_("cancelled {order}").format(order=cancelled.id))


@orders.command("list")
@click.option("--status", type=_choice(OrderStatus), help="Only orders in this state.")
@click.option(
    "--since",
    metavar="DATE|ISO-DATETIME",
    help="Only orders placed from then on (a date: from its start in the chain's time zone).",
)
@page_options("ORDER-ID")
@_json_option
@click.pass_context
def orders_list(  # noqa: PLR0917 - click passes options by position
    ctx: click.Context,
    status: str | None,
    since: str | None,
    limit: int | None,
    after: str | None,
    as_json: bool,
) -> None:
    """List card orders, oldest first; a page of them with --limit (and --after)."""
    from amparex_adapters.cli.output import dumps, order_json

    app = _app(ctx)
    wanted = None if status is None else _enum(OrderStatus, status)
    start = None if since is None else _since(since, app.tz)
    found = fetch_page(
        lambda n: app.storage.list_orders(status=wanted, since=start, limit=n, after=after),
        limit,
        lambda o: o.id,
    )
    currency = app.chain.prices.currency
    if as_json:
        shown = [order_json(o, currency) for o in found]
        paged = limit is not None or after is not None
        click.echo(dumps(paged_json("orders", found, shown, paged=paged)))
        return
    _table(
        [
            N_("ID"),
            N_("status"),
            N_("template"),
            N_("holder"),
            N_("card"),
            N_("branch"),
            N_("placed"),
            N_("period"),
            N_("total"),
        ],
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
                app.chain.money.money(o.total(currency)),
            ]
            for o in found
        ],
    )
    emit_next("amparex orders list", found)


def _since(value: str, tz: dt.tzinfo) -> dt.datetime:
    """``--since``: a date (its start in the chain's time zone) or an ISO date-time."""
    try:
        if len(value) == len("YYYY-MM-DD"):
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=tz)
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            _("{value!r} is not a date YYYY-MM-DD or an ISO date-time").format(value=value),
            param_hint="--since",
        ) from None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=tz)


def _date_time(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> dt.datetime | None:
    """``--now``: an ISO date-time, with or without an offset (without: the chain's zone)."""
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            _("{value!r} is not an ISO date-time").format(value=value)
        ) from None


def in_zone(value: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """*value* as an instant: a local time without offset is read in *tz*.

    A local time the clocks skip (spring forward) is refused; one they pass twice
    (autumn) is the earlier of the two.

    Raises:
        click.BadParameter: The local time does not exist in *tz*.
    """
    if value.tzinfo is not None:
        return value
    instant = value.replace(tzinfo=tz, fold=0)
    if instant.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != value:
        raise click.BadParameter(
            _("{time} does not exist in {zone} (the clocks skip it)").format(
                time=value.isoformat(), zone=tz.key
            ),
            param_hint="'--now'",
        )
    return instant


@orders.command("dispatch")
@click.option(
    "--now",
    callback=_date_time,
    metavar="ISO-DATETIME",
    help="Dispatch as at this time: 2026-12-07T08:00 in the chain's time zone "
    "([chain] time_zone), or with an offset, 2026-12-07T08:00+01:00.",
)
@_json_option
@click.pass_context
def orders_dispatch(ctx: click.Context, now: dt.datetime | None, as_json: bool) -> None:
    """Batch the due orders and deliver the batches (CO6, CO16).

    Each delivered batch is reported with where its PDF and manifests landed.
    """
    from amparex_adapters.cli.output import batch_json, dumps, progress_reporter

    app = _app(ctx)
    at = None if now is None else in_zone(now, app.tz)
    started = app.clock.now()
    with progress_reporter(_progress_enabled() and not as_json, ["dispatch"]) as report:
        result = _run_dispatch(app, at, report)
    if app.run_recorder is not None:
        app.run_recorder.dispatch(
            result, workstation=app.workstation, branch=app.branch, started_at=started
        )
    if as_json:
        lang = _state(ctx).lang
        click.echo(dumps({"batches": [batch_json(r, lang) for r in result.batches]}))
    _finish_dispatch(ctx, result, quiet=as_json)


def _run_dispatch(
    app: Composition, now: dt.datetime | None, report: Callable[[str, int, int, str], None] | None
) -> DispatchReport:
    progress = None if report is None else (lambda d, t, i: report("dispatch", d, t, i))
    return app.orders.dispatch(now=now, progress=progress)


def _delivered(result: BatchResult) -> str:
    """Where a batch went: its PDF first, then its manifests (the README is no document)."""
    receipt = result.receipt
    if receipt is None or not receipt.documents:
        return _("delivered: {receipt}").format(receipt=result.batch.receipt)
    documents = sorted(receipt.documents, key=lambda name: not name.endswith(".pdf"))
    return _("delivered to {destination}: {documents}").format(
        destination=receipt.destination, documents=", ".join(documents)
    )


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
    money = app.chain.money
    for r in result.batches:
        batch = r.batch
        if r.error is not None:
            report_error(state, r.error)
        elif quiet:
            continue
        elif r.outcome is BatchOutcome.IN_PROGRESS:
            who = _("another run") if r.holder is None else _(r.holder.describe())
            since = since_text(r.since, app.tz, app.clock.now())
            click.echo(
                _("batch {batch}: being delivered by {who}, since {since}").format(
                    batch=batch.order_number, who=who, since=since
                )
            )
        elif r.outcome is BatchOutcome.WAITING:
            due = since_text(r.next_attempt_at, app.tz, app.clock.now())
            click.echo(
                ngettext(
                    "batch {batch}: {attempts} attempt(s) failed; next at {due}",
                    "batch {batch}: {attempts} attempt(s) failed; next at {due}",
                    r.attempts,
                ).format(batch=batch.order_number, attempts=r.attempts, due=due)
            )
        else:
            again = _(" (sent again)") if r.resent else ""
            cards = len(batch.order_ids)
            click.echo(
                ngettext(
                    "batch {batch}: {cards} card(s), {total}, {delivered}{again}",
                    "batch {batch}: {cards} card(s), {total}, {delivered}{again}",
                    cards,
                ).format(
                    batch=batch.order_number,
                    cards=cards,
                    total=money.money(batch.total),
                    delivered=_delivered(r),
                    again=again,
                )
            )
    if not result.batches and not quiet and say_none:
        click.echo(_("no card orders due"))
    failed = len(result.failed)
    if failed and exit_on_failure:
        ctx.exit(1)
    return failed
