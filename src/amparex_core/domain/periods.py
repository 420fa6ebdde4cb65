"""Shipping periods: calendar day, ISO week, calendar month (CO6).

All arithmetic is on calendar dates in the chain's time zone: an instant is first turned
into the chain's local date (:func:`local_date`), so DST changes never shift a period.
"""

from __future__ import annotations

import datetime as dt
from datetime import tzinfo

import attrs

from .templates import ShippingInterval

__all__ = ["Period", "local_date"]


def local_date(instant: dt.datetime, tz: tzinfo) -> dt.date:
    """The calendar date of *instant* in time zone *tz*.

    Raises:
        ValueError: *instant* is naive.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("instants are timezone-aware datetimes")
    return instant.astimezone(tz).date()


@attrs.frozen(order=True)
class Period:
    """One shipping period: ``start`` inclusive to ``end`` exclusive."""

    interval: ShippingInterval = attrs.field(order=lambda i: i.value)
    start: dt.date
    end: dt.date

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")

    @classmethod
    def containing(cls, interval: ShippingInterval, day: dt.date) -> Period:
        """The period of *interval* that contains *day*.

        >>> Period.containing(ShippingInterval.WEEKLY, dt.date(2026, 11, 25)).key
        'weekly:2026-W48'
        """
        if interval is ShippingInterval.DAILY:
            return cls(interval, day, day + dt.timedelta(days=1))
        if interval is ShippingInterval.WEEKLY:
            monday = day - dt.timedelta(days=day.weekday())
            return cls(interval, monday, monday + dt.timedelta(days=7))
        first = day.replace(day=1)
        following = (
            first.replace(year=first.year + 1, month=1)
            if first.month == 12
            else first.replace(month=first.month + 1)
        )
        return cls(interval, first, following)

    def contains(self, day: dt.date) -> bool:
        """Whether *day* falls into this period."""
        return self.start <= day < self.end

    def is_over(self, now: dt.datetime, tz: tzinfo) -> bool:
        """Whether the period has ended at instant *now* in the chain's zone *tz* (CO6)."""
        return local_date(now, tz) >= self.end

    @property
    def key(self) -> str:
        """A stable name: ``daily:2026-11-23``, ``weekly:2026-W48``, ``monthly:2026-11``."""
        if self.interval is ShippingInterval.DAILY:
            return f"daily:{self.start.isoformat()}"
        if self.interval is ShippingInterval.WEEKLY:
            year, week, _ = self.start.isocalendar()
            return f"weekly:{year}-W{week:02d}"
        return f"monthly:{self.start:%Y-%m}"
