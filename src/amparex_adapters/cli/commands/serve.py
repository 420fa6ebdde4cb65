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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import click

from amparex_adapters.cli.shell import _app, _state, report_error
from amparex_core.domain.errors import MetricsUnavailable
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


@click.command("serve")
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
    stop_metrics = _start_metrics(ctx, once=once)
    with _stopped_by_signals(stop):
        if not once:
            click.echo(
                f"serving {app.config.storage_url.partition('://')[0]} store as "
                f"{app.config.server_name}; looking again at least every "
                f"{server.recheck.total_seconds():g} s; SIGTERM or Ctrl-C stops",
                err=True,
            )
        try:
            ticks = server.run(stop, once=once)
        finally:
            if stop_metrics is not None:
                stop_metrics()
    if not once:
        click.echo(f"stopped after {ticks} tick(s)", err=True)
    elif failed:
        ctx.exit(1)


def _start_metrics(ctx: click.Context, *, once: bool) -> Callable[[], None] | None:
    """The metrics endpoint, unless ``--once``; a port in use is one coded line, no stop."""
    app = _app(ctx)
    cfg = app.config.server
    if once or cfg.metrics_port is None:
        return None
    try:
        stop = app.start_metrics()
    except MetricsUnavailable as exc:
        report_error(_state(ctx), exc)
        return None
    click.echo(f"metrics on http://{cfg.metrics_address}:{cfg.metrics_port}/metrics", err=True)
    return stop
