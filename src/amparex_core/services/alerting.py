"""Alerts (OP3): :class:`Alerting` announces each problem once a day and its recovery once.

A check takes the problems of a :class:`~amparex_core.services.status.StatusReport`,
asks the alert ledger which are open
(:meth:`~amparex_core.ports.operations.AlertLedger.open_alerts`) and lets
:func:`~amparex_core.domain.operations.plan_alerts` decide. Each announcement is first
noted in the ledger — of several servers exactly one wins the note and sends — and each
recovery is first closed there, so no two processes send the same message. When the
alert server cannot be reached, the note is taken back (the next check tries again), the
refusal is logged in one coded line and the check ends: the run that called it goes on.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Sequence
from datetime import tzinfo

from amparex_core.domain._records import frozen
from amparex_core.domain.errors import AmparexError
from amparex_core.domain.operations import Alert, Problem, plan_alerts
from amparex_core.domain.periods import local_date
from amparex_core.ports.alerts import AlertSender
from amparex_core.ports.clock import Clock
from amparex_core.ports.operations import AlertLedger
from amparex_core.services.server import TickReport
from amparex_core.services.status import ChainStatus

__all__ = ["AlertCheck", "Alerting"]

logger = logging.getLogger(__name__)


@frozen
class AlertCheck:
    """What one check sent.

    Attributes:
        sent: The alerts sent (problems and recoveries).
        error: Why sending stopped, if it did.
    """

    sent: tuple[Alert, ...] = ()
    error: AmparexError | None = None


class Alerting:
    """Announces problems and recoveries (OP3).

    Args:
        ledger: Which alerts are open, shared by every alerting process.
        sender: Where messages go.
        clock: The time.
        tz: The chain's time zone: "once a day" is per local day.
    """

    def __init__(
        self, *, ledger: AlertLedger, sender: AlertSender, clock: Clock, tz: tzinfo
    ) -> None:
        self._ledger = ledger
        self._sender = sender
        self._clock = clock
        self._tz = tz

    def check(self, problems: Sequence[Problem]) -> AlertCheck:
        """Announce new problems (once per day each) and the recovery of cleared ones."""
        today = local_date(self._clock.now(), self._tz)
        announced = self._ledger.open_alerts()
        plan = plan_alerts(problems, announced, today=today)
        sent: list[Alert] = []
        texts = {p.key: p.text() for p in problems}
        try:
            for problem in plan.announce:
                if self._ledger.note_alert(problem.key, day=today):
                    alert = Alert(problem.key, today, recovered=False, text=texts[problem.key])
                    self._send(
                        alert, undo=functools.partial(self._undo_note, problem.key, announced)
                    )
                    sent.append(alert)
            for key in plan.recovered:
                if self._ledger.clear_alert(key):
                    alert = Alert(key, today, recovered=True, text=_recovered_text(key))
                    undo = functools.partial(self._ledger.note_alert, key, day=announced[key])
                    self._send(alert, undo=undo)
                    sent.append(alert)
        except AmparexError as exc:
            logger.warning("alerts: [%s] %s", exc.code, " ".join(exc.message("en").split()))
            return AlertCheck(sent=tuple(sent), error=exc)
        for alert in sent:
            logger.info("alert sent: %s", alert.subject)
        return AlertCheck(sent=tuple(sent))

    def tick_hook(
        self, status: ChainStatus, *, every: dt.timedelta
    ) -> Callable[[TickReport], None]:
        """A hook for the chain server: a check of *status*'s problems at most every *every*.

        The first tick checks; a refusal of the store while reading the status is logged
        (one coded line) and the server goes on.
        """
        last: list[dt.datetime] = []

        def check_on_tick(report: TickReport) -> None:
            if last and report.at - last[0] < every:
                return
            last[:] = [report.at]
            try:
                problems = status.report().problems
            except AmparexError as exc:
                logger.warning("alerts: [%s] %s", exc.code, " ".join(exc.message("en").split()))
                return
            self.check(problems)

        return check_on_tick

    def _send(self, alert: Alert, *, undo: Callable[[], object]) -> None:
        """Send *alert*; when that fails, take the ledger's change back and raise."""
        try:
            self._sender.send_alert(alert)
        except AmparexError:
            undo()
            raise

    def _undo_note(self, key: str, announced: dict[str, dt.date]) -> None:
        before = announced.get(key)
        if before is None:
            self._ledger.clear_alert(key)
        else:
            self._ledger.note_alert(key, day=before)


def _recovered_text(key: str) -> str:
    kind, _, rest = key.partition(":")
    place, _, subject = rest.partition(":")
    what = kind.replace("_", " ")
    return f"{place}: {what}" + (f" ({subject})" if subject else "") + " cleared"
