"""The real clock."""

from __future__ import annotations

import datetime as dt

__all__ = ["SystemClock"]


class SystemClock:
    """A :class:`~amparex_core.ports.clock.Clock` reading the system time, in UTC."""

    def now(self) -> dt.datetime:
        """See :meth:`~amparex_core.ports.clock.Clock.now`."""
        return dt.datetime.now(dt.UTC)
