"""``amparex serve``: the chain's server-side jobs, one long-running process (CO19, CO20).

The job is :class:`~amparex_core.services.server.ChainServer` (built by the composition
from ``[server]`` and ``[claims]``); this module runs it until ``SIGTERM`` or ``SIGINT``
and prints what each tick did: one line per batch delivered, failed or delivered by
another holder (as ``orders dispatch`` does), the refusals on stderr. With ``--once`` it
runs one tick and exits with status 1 when a batch failed (for cron or the Windows Task
Scheduler); otherwise failures are retried with back-off and the exit status is 0 after
a signal.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import click

from amparex_adapters.cli.shell import HelpCommand, _app, _state, report_error
from amparex_adapters.i18n import _, ngettext
from amparex_core.services.server import TickReport

from .orders import _finish_dispatch

__all__ = ["serve"]


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """Set *stop* on SIGTERM or SIGINT while the block runs; the old handlers after."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signals = [signal.SIGINT, signal.SIGTERM]
    previous = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@click.command("serve", cls=HelpCommand)
@click.option("--once", is_flag=True, help="Run one tick and exit (cron, Task Scheduler).")
@click.pass_context
def serve(ctx: click.Context, once: bool) -> None:
    """Dispatch card orders at each period's end, retry failed batches; until SIGTERM (CO20)."""
    app = _app(ctx)
    state = _state(ctx)
    server = app.server
    failed = 0

    def show(report: TickReport) -> None:
        nonlocal failed
        if report.error is not None:
            report_error(state, report.error)
        failed += _finish_dispatch(ctx, report.dispatch, exit_on_failure=False, say_none=once)

    server.add_hook(show)
    stop = threading.Event()
    with _stopped_by_signals(stop):
        if not once:
            line = _(
                "serving {scheme} store as {name}; looking again at least every "
                "{seconds:g} s; SIGTERM or Ctrl-C stops"
            ).format(
                scheme=app.config.storage_url.partition("://")[0],
                name=app.config.server_name,
                seconds=server.recheck.total_seconds(),
            )
            click.echo(line, err=True)
        ticks = server.run(stop, once=once)
    if not once:
        click.echo(
            ngettext(
                "stopped after {ticks} tick(s)", "stopped after {ticks} tick(s)", ticks
            ).format(ticks=ticks),
            err=True,
        )
    elif failed:
        ctx.exit(1)
