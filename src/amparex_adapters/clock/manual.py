"""A clock that moves only when told to (tests, demos)."""

from __future__ import annotations

import datetime as dt
import threading

__all__ = ["ManualClock"]


class ManualClock:
    """A :class:`~amparex_core.ports.clock.Clock` set by hand.

    >>> clock = ManualClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))
    >>> clock.advance(dt.timedelta(days=1)).isoformat()
    '2026-11-24T09:00:00+00:00'
    """

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock tells timezone-aware instants")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        """See :meth:`~amparex_core.ports.clock.Clock.now`."""
        with self._lock:
            return self._now

    def set(self, instant: dt.datetime) -> None:
        """Jump to *instant* (also backwards)."""
        if instant.tzinfo is None:
            raise ValueError("a clock tells timezone-aware instants")
        with self._lock:
            self._now = instant

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move forward by *delta* and return the new time."""
        with self._lock:
            self._now = self._now + delta
            return self._now
