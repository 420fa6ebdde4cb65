"""The ``[run_log]`` and ``[status]`` sections of the configuration (OP1–OP3).

Part of :mod:`amparex_adapters.cli.config`, which lists every key. Alerts go through a
parcel delivery configured like ``[card_order.delivery]`` in ``[alerts]`` (``kind =
"smtp"``: the SMTP delivery's transport).
"""

from __future__ import annotations

import datetime as dt

from amparex_adapters.i18n import _
from amparex_core.domain._records import frozen
from amparex_core.domain.operations import RunRetention, Thresholds

from .errors import ConfigInvalid

__all__ = ["RunLogConfig", "StatusConfig", "check_operations"]


@frozen
class RunLogConfig:
    """``[run_log]``: how long the run log keeps its records (OP1).

    Attributes:
        keep_days: Records older than this many days are removed as new ones come.
        keep_rows: At most this many records are kept (the oldest go first).
    """

    keep_days: int = 90
    keep_rows: int = 200_000

    @property
    def retention(self) -> RunRetention:
        """The retention of the run log."""
        return RunRetention(days=self.keep_days, rows=self.keep_rows)


@frozen
class StatusConfig:
    """``[status]``: when ``amparex status`` and the alerts count something as a problem.

    Attributes:
        silent_after_days: A workstation without a program start for this many days.
        upload_failing_after: Seconds an upload may fail before it is a problem.
        batch_undelivered_after: Seconds a batch may stay undelivered.
        server_silent_after: Seconds the server may go without a tick (shared store).
        alert_every: Seconds between two alert checks of ``amparex serve``.
    """

    silent_after_days: float = 2.0
    upload_failing_after: float = 3600.0
    batch_undelivered_after: float = 86400.0
    server_silent_after: float = 3600.0
    alert_every: float = 300.0

    @property
    def thresholds(self) -> Thresholds:
        """The thresholds of the domain."""
        return Thresholds(
            silent_after=dt.timedelta(days=self.silent_after_days),
            upload_failing_after=dt.timedelta(seconds=self.upload_failing_after),
            batch_undelivered_after=dt.timedelta(seconds=self.batch_undelivered_after),
            server_silent_after=dt.timedelta(seconds=self.server_silent_after),
        )


def check_operations(label: str, run_log: RunLogConfig, status: StatusConfig) -> None:
    """Check the numbers of ``[run_log]`` and ``[status]``.

    Raises:
        ConfigInvalid: A number out of range (the key is named).
    """
    for key, value in (
        ("run_log.keep_days", run_log.keep_days),
        ("run_log.keep_rows", run_log.keep_rows),
    ):
        if value < 1:
            raise ConfigInvalid(path=label, key=key, reason=_("at least 1 expected"))
    for key, seconds in (
        ("status.silent_after_days", status.silent_after_days * 86400),
        ("status.upload_failing_after", status.upload_failing_after),
        ("status.batch_undelivered_after", status.batch_undelivered_after),
        ("status.server_silent_after", status.server_silent_after),
        ("status.alert_every", status.alert_every),
    ):
        if not 0 <= seconds <= 366 * 86400:
            raise ConfigInvalid(path=label, key=key, reason=_("from 0 to a year expected"))
