"""Shipping periods: calendar day, ISO week, calendar month (CO6).

All arithmetic is on calendar dates in the chain's time zone: an instant is first turned
into the chain's local date (:func:`local_date`), so DST changes never shift a period.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from datetime import tzinfo

import attrs

from ._records import frozen

__all__ = ["Period", "ShippingInterval", "first_instant_of", "local_date", "next_period_end"]


class ShippingInterval(enum.Enum):
    """How often orders are collected and shipped (Versandintervall, CO6)."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


def local_date(instant: dt.datetime, tz: tzinfo) -> dt.date:
    """The calendar date of *instant* in time zone *tz*.

    Raises:
        ValueError: *instant* is naive.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("instants are timezone-aware datetimes")
    return instant.astimezone(tz).date()


def first_instant_of(day: dt.date, tz: tzinfo) -> dt.datetime:
    """The first instant whose date in time zone *tz* is *day* or later (UTC).

    Local midnight, as a rule; where the clocks skip midnight (a DST change at 00:00),
    the instant the clocks jump, which is the first one of *day*.

    >>> import zoneinfo
    >>> first_instant_of(dt.date(2026, 3, 29), zoneinfo.ZoneInfo("Europe/Berlin"))
    datetime.datetime(2026, 3, 28, 23, 0, tzinfo=datetime.timezone.utc)
    """
    # fold=0 reads a skipped wall time with the offset before the change: that instant is
    # the change itself, the first one of the new day.
    instant = dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    # An instant before the day can only come from an offset that a zone changes within
    # the hour after midnight; step to the first one inside the day.
    while local_date(instant, tz) < day:  # pragma: no cover - no such zone is known
        instant += dt.timedelta(minutes=1)
    return instant


def next_period_end(
    now: dt.datetime, intervals: Iterable[ShippingInterval], tz: tzinfo
) -> dt.datetime | None:
    """The next instant after *now* at which a period of one of *intervals* ends (CO6, CO20).

    Each period ends at the start of its last day's next day in the chain's zone, so the
    answer is the nearest :meth:`Period.ends_at` of the periods that contain *now*'s
    local date. DST changes never shift it: the arithmetic is on local dates.

    Returns:
        The instant (UTC), or ``None`` without intervals.
    """
    day = local_date(now, tz)
    ends = [Period.containing(interval, day).ends_at(tz) for interval in set(intervals)]
    return min(ends, default=None)


@frozen(order=True)
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

    def ends_at(self, tz: tzinfo) -> dt.datetime:
        """The first instant at which the period is over in the chain's zone *tz* (UTC).

        >>> import zoneinfo
        >>> week = Period.containing(ShippingInterval.WEEKLY, dt.date(2026, 10, 21))
        >>> week.ends_at(zoneinfo.ZoneInfo("Europe/Berlin")).isoformat()
        '2026-10-25T23:00:00+00:00'
        """
        return first_instant_of(self.end, tz)

    @property
    def key(self) -> str:
        """A stable name: ``daily:2026-11-23``, ``weekly:2026-W48``, ``monthly:2026-11``."""
        if self.interval is ShippingInterval.DAILY:
            return f"daily:{self.start.isoformat()}"
        if self.interval is ShippingInterval.WEEKLY:
            year, week, _ = self.start.isocalendar()
            return f"weekly:{year}-W{week:02d}"
        return f"monthly:{self.start:%Y-%m}"
