"""The clock port: the only source of "now"."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

__all__ = ["Clock"]


@runtime_checkable
class Clock(Protocol):
    """Tells the time."""

    def now(self) -> dt.datetime:
        """The current instant.

        Returns:
            A timezone-aware datetime.
        """
        ...
