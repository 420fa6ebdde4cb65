"""Shipping periods in the chain's time zone (CO6)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_core.domain.periods import Period, local_date
from amparex_core.domain.templates import ShippingInterval
from tests import strategies as s


@given(st.sampled_from(list(ShippingInterval)), s.dates)
def test_CO6_a_period_contains_its_day_and_tiles_the_calendar(
    interval: ShippingInterval, day: dt.date
) -> None:
    period = Period.containing(interval, day)
    assert period.contains(day) and period.start <= day < period.end
    assert Period.containing(interval, period.end - dt.timedelta(days=1)) == period
    assert Period.containing(interval, period.end).start == period.end
    assert Period.containing(interval, period.start - dt.timedelta(days=1)).end == period.start
    length = (period.end - period.start).days
    if interval is ShippingInterval.DAILY:
        assert length == 1
    elif interval is ShippingInterval.WEEKLY:
        assert length == 7 and period.start.isoweekday() == 1
    else:
        assert 28 <= length <= 31 and period.start.day == 1


@given(st.sampled_from(list(ShippingInterval)), s.instants, s.instants, s.zones)
def test_CO6_due_ness_is_monotone_in_time(
    interval: ShippingInterval, placed: dt.datetime, later: dt.datetime, tz: ZoneInfo
) -> None:
    """Once a period is over it stays over; it is never over before its end day starts."""
    period = Period.containing(interval, local_date(placed, tz))
    first, second = sorted([placed, later])
    if period.is_over(first, tz):
        assert period.is_over(second, tz)
    assert period.is_over(second, tz) is (local_date(second, tz) >= period.end)
    assert not period.is_over(placed, tz)


def test_CO6_across_dst_month_ends_and_leap_years() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # DST ends on 2026-10-25: the daily period of that 25-hour day ends at local midnight.
    day = Period.containing(ShippingInterval.DAILY, dt.date(2026, 10, 25))
    assert not day.is_over(dt.datetime(2026, 10, 25, 22, 59, tzinfo=dt.UTC), berlin)
    assert day.is_over(dt.datetime(2026, 10, 25, 23, 0, tzinfo=dt.UTC), berlin)
    feb = Period.containing(ShippingInterval.MONTHLY, dt.date(2028, 2, 29))
    assert (feb.start, feb.end) == (dt.date(2028, 2, 1), dt.date(2028, 3, 1))
    dec = Period.containing(ShippingInterval.MONTHLY, dt.date(2026, 12, 31))
    assert dec.end == dt.date(2027, 1, 1) and dec.key == "monthly:2026-12"
    week = Period.containing(ShippingInterval.WEEKLY, dt.date(2027, 1, 1))
    assert week.key == "weekly:2026-W53" and week.start == dt.date(2026, 12, 28)
    assert Period.containing(ShippingInterval.DAILY, dt.date(2026, 1, 2)).key == "daily:2026-01-02"


def test_CO6_naive_instants_and_empty_periods_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(dt.datetime(2026, 1, 1), ZoneInfo("UTC"))
    with pytest.raises(ValueError, match="ends after"):
        Period(ShippingInterval.DAILY, dt.date(2026, 1, 2), dt.date(2026, 1, 2))
