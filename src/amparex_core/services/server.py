"""The chain server: the server-side jobs of a chain as one long-running process (CO20, CO19).

Card ordering is a server-side interface (IF6): :class:`ChainServer` dispatches the due
card orders of every interface when their period ends, without waiting for a workstation
to start. It works in *ticks* (:meth:`ChainServer.tick`): a tick dispatches what is due
now — orders whose period has ended (also those already due when the server starts),
failed batches whose next attempt is due, batches whose holder died — and computes when
the next tick is needed (:meth:`ChainServer.next_wakeup`):

* the next instant a period of a template in use ends: every period ends at a local
  midnight in the chain's time zone, computed on local dates, so DST never shifts it
  (:func:`~amparex_core.domain.periods.next_period_end`);
* the next retry of a failed delivery (its persisted next-attempt time, so several
  servers agree), and the end of the lease of a batch another holder delivers (to take
  it over should that holder have died);
* at most ``recheck`` after now, to notice what changed meanwhile (a new template, an
  order placed by a workstation whose clock is late, a store that was unreachable).

:meth:`ChainServer.run` sleeps until then with an interruptible wait — no busy poll —
and ticks again, until its stop event is set (``SIGTERM``/``SIGINT`` in ``amparex
serve``). A stop during a tick lets the batch in flight finish (delivered, or its claim
given back) and leaves the others for the next server. Several servers may run against
one store: every batch goes through its claim (CO19), so each is delivered once.

Each tick's :class:`TickReport` goes to the hooks given to the server (a run log, metrics,
alerts) and to the module's logger (INFO: one line per tick; WARNING: each refusal, its
record marked like the program start's).

Information requests (CO2) are not sent by the server: they are sent at once when an
operator asks, and a failure is reported to that operator, who asks again.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import tzinfo

from amparex_core.domain._records import frozen
from amparex_core.domain.errors import AmparexError
from amparex_core.domain.operations import RunFailure, RunKind, RunRecord
from amparex_core.domain.periods import next_period_end
from amparex_core.ports.clock import Clock
from amparex_core.ports.storage import OrderStore, TemplateStore
from amparex_core.services.dispatch import DispatchReport
from amparex_core.services.orders import OrderService
from amparex_core.services.runlog import RunRecorder, dispatch_failures
from amparex_core.services.startup import REFUSAL_ATTRIBUTE

__all__ = [
    "AFTER_REFUSAL",
    "DEFAULT_RECHECK",
    "MIN_PAUSE",
    "ChainServer",
    "TickHook",
    "TickReport",
    "record_ticks",
]

logger = logging.getLogger(__name__)

#: How long the server sleeps at most before it looks again.
DEFAULT_RECHECK = dt.timedelta(minutes=5)

#: The shortest pause between two ticks, whatever is due: never a busy loop.
MIN_PAUSE = dt.timedelta(seconds=1)

#: How soon the server looks again after a tick the store refused (unreachable).
AFTER_REFUSAL = dt.timedelta(seconds=30)


@frozen
class TickReport:
    """What one tick of the chain server did.

    Attributes:
        at: When the tick began (the instant due orders were judged at).
        dispatch: The dispatch of the tick; empty when it failed before dispatching.
        wake_at: When the next tick is due.
        next_period_end: The next end of a period of a template in use, if any.
        error: The refusal that ended the tick early (the store was unreachable), if any.
        stopped: Whether a stop ended the tick before it looked at every batch.
    """

    at: dt.datetime
    dispatch: DispatchReport
    wake_at: dt.datetime
    next_period_end: dt.datetime | None = None
    error: AmparexError | None = None
    stopped: bool = False

    @property
    def errors(self) -> list[AmparexError]:
        """Every refusal of the tick: the one that ended it, those of failed batches."""
        found = [r.error for r in self.dispatch.batches if r.error is not None]
        return found if self.error is None else [self.error, *found]

    def summary(self) -> str:
        """One English line: what the tick did and when the next one is."""
        d = self.dispatch
        return (
            f"server tick at {self.at.isoformat()}: {len(d.delivered)} batch(es) delivered, "
            f"{len(d.failed)} failed, {len(d.in_progress)} delivered by others, "
            f"{len(d.waiting)} waiting for a retry; next tick at {self.wake_at.isoformat()}"
            + ("; stopped" if self.stopped else "")
        )


TickHook = Callable[[TickReport], None]
"""Called with the report of every tick (a run log, metrics, alerts)."""


def record_ticks(recorder: RunRecorder, server: str) -> TickHook:
    """A hook that records each tick in the run log (OP1) as the server *server*."""

    def record_tick(report: TickReport) -> None:
        failures = dispatch_failures(report.dispatch)
        if report.error is not None:
            failures.insert(0, RunFailure(code=report.error.code))
        recorder.record(
            RunRecord(
                RunKind.TICK,
                server,
                None,
                report.at,
                recorder.now(),
                delivered=len(report.dispatch.delivered),
                failed=len(failures),
                failures=tuple(failures),
            )
        )

    return record_tick


class ChainServer:
    """The server-side jobs of a chain (CO20): card-order dispatch at each period's end.

    Args:
        orders: Card ordering; its claimant names the server in claims (CO19).
        templates: The card templates: their intervals say when periods end.
        store: Batches and their deliveries: when retries and leases are due.
        clock: The time (real time: the server sleeps on it).
        tz: The chain's time zone: periods end at its local midnights (CO6).
        recheck: The longest sleep between two ticks.
        hooks: Called with every tick's report.

    Raises:
        ValueError: *recheck* is shorter than :data:`MIN_PAUSE`.
    """

    def __init__(
        self,
        *,
        orders: OrderService,
        templates: TemplateStore,
        store: OrderStore,
        clock: Clock,
        tz: tzinfo,
        recheck: dt.timedelta = DEFAULT_RECHECK,
        hooks: Sequence[TickHook] = (),
    ) -> None:
        if recheck < MIN_PAUSE:
            raise ValueError(f"the server looks again after {MIN_PAUSE} at the earliest")
        self._orders = orders
        self._templates = templates
        self._store = store
        self._clock = clock
        self._tz = tz
        self._recheck = recheck
        self._hooks = list(hooks)

    def add_hook(self, hook: TickHook) -> None:
        """Call *hook* with the report of every later tick."""
        self._hooks.append(hook)

    @property
    def recheck(self) -> dt.timedelta:
        """The longest sleep between two ticks."""
        return self._recheck

    def tick(self, *, stop: Callable[[], bool] | None = None) -> TickReport:
        """Dispatch what is due now; compute the next tick (see the module).

        Args:
            stop: Asked before each batch: ``True`` ends the tick there.

        Returns:
            What it did. A refusal that ends the tick (the store unreachable) is in the
            report, never raised: the server goes on at the next tick.
        """
        at = self._clock.now()
        error: AmparexError | None = None
        try:
            dispatch = self._orders.dispatch(now=at, wait_for_retry=True, stop=stop)
        except AmparexError as exc:
            dispatch, error = DispatchReport(batches=()), exc
        stopped = stop is not None and stop()
        try:
            wake_at, period_end = self.next_wakeup(self._clock.now())
        except AmparexError as exc:
            error = error or exc
            wake_at = self._clock.now() + min(self._recheck, AFTER_REFUSAL)
            period_end = None
        report = TickReport(
            at=at,
            dispatch=dispatch,
            wake_at=wake_at,
            next_period_end=period_end,
            error=error,
            stopped=stopped,
        )
        _log(report)
        for hook in self._hooks:
            hook(report)
        return report

    def next_wakeup(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime | None]:
        """When the next tick is due after *now*, and the next period end (see the module).

        Returns:
            ``(wake_at, next_period_end)``: the earliest of the next period end of a
            template in use, the next due retry, the end of a lease another holder
            holds, and *now* + ``recheck``; never before *now* + :data:`MIN_PAUSE`.
        """
        intervals = {t.interval for t in self._templates.list_templates()}
        period_end = next_period_end(now, intervals, self._tz)
        candidates = [now + self._recheck]
        if period_end is not None:
            candidates.append(period_end)
        for batch in self._store.list_batches(open_only=True):
            delivery = self._store.get_batch_delivery(batch.id)
            if delivery is None:
                continue
            if delivery.holder is not None and delivery.lease_until is not None:
                candidates.append(delivery.lease_until)
            elif delivery.next_attempt_at is not None:
                candidates.append(delivery.next_attempt_at)
        return max(min(candidates), now + MIN_PAUSE), period_end

    def run(
        self,
        stop: threading.Event,
        *,
        once: bool = False,
        wait: Callable[[float], bool] | None = None,
    ) -> int:
        """Tick, sleep until the next tick is due, tick again — until *stop* is set.

        Args:
            stop: Set it (from a signal handler, another thread) to end the run: the
                batch in flight is finished or given back, then it returns.
            once: One tick only (cron, Task Scheduler, tests).
            wait: Sleeps up to the given seconds; returns ``True`` when the run must
                stop. *stop*'s own ``wait`` by default.

        Returns:
            How many ticks ran.
        """
        sleep = stop.wait if wait is None else wait
        ticks = 0
        while not stop.is_set():
            report = self.tick(stop=stop.is_set)
            ticks += 1
            if once or self._sleep_until(report.wake_at, sleep):
                break
        return ticks

    def _sleep_until(self, wake_at: dt.datetime, sleep: Callable[[float], bool]) -> bool:
        """Sleep until *wake_at* on the clock, in pieces of at most ``recheck``.

        The clock is read again after each piece, so a clock that was set (NTP) or a
        machine that was suspended wakes the server when the time has come.

        Returns:
            Whether the run must stop.
        """
        while (left := (wake_at - self._clock.now()).total_seconds()) > 0:
            if sleep(min(left, self._recheck.total_seconds())):
                return True
        return False


def _log(report: TickReport) -> None:
    """The tick's summary at INFO, each refusal at WARNING (English, one line each).

    A refusal's record carries its code as the attribute
    :data:`~amparex_core.services.startup.REFUSAL_ATTRIBUTE`, so a front end that shows
    refusals itself (``amparex serve``) leaves it out.
    """
    logger.info("%s", report.summary())
    for error in report.errors:
        logger.warning(
            "server tick: [%s] %s",
            error.code,
            " ".join(error.message("en").split()),
            extra={REFUSAL_ATTRIBUTE: error.code},
        )
