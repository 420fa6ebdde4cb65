"""The claim rules of the domain (CO19, LL8): properties over holders, leases and times.

Who may take a claim over (``takeover``), who is proven dead (``holder_is_dead``), the
decisions on batch deliveries (``decide_batch_claim``) and on uploads with holders
(``decide_claim``), renewal and release by the holder only, the retry back-off, and the
instants at which shipping periods end (``next_period_end``, CO20) in any time zone.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from amparex_adapters.processes.fixed import FixedProcessTable
from amparex_core.domain.claims import (
    DEFAULT_LEASE,
    Holder,
    RetryPolicy,
    Takeover,
    holder_is_dead,
    renewal_interval,
    takeover,
)
from amparex_core.domain.deliveries import (
    BatchClaimResult,
    BatchDelivery,
    DeliveryFailure,
    decide_batch_claim,
)
from amparex_core.domain.periods import Period, first_instant_of, local_date, next_period_end
from amparex_core.domain.templates import ShippingInterval
from amparex_core.domain.uploads import ClaimResult, FileFacts, UploadState, decide_claim
from amparex_core.services.claims import Claimant
from tests import strategies as s

leases = st.timedeltas(min_value=dt.timedelta(seconds=1), max_value=dt.timedelta(hours=2))
offsets = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(hours=5))
FACTS = FileFacts(size=3, sha256="ab" * 32)


# ---------------------------------------------------------------- takeover, dead holders


@given(s.holders, s.instants, leases, offsets, st.none() | s.holders)
def test_CO19_LL8_a_claim_holds_until_its_lease_ends_unless_its_own_holder_is_dead(
    holder: Holder,
    claimed: dt.datetime,
    lease: dt.timedelta,
    age: dt.timedelta,
    dead: Holder | None,
) -> None:
    """Fresh / expired / live / dead: the lease decides, or a dead holder named exactly."""
    until, now = claimed + lease, claimed + age
    reason = takeover(until, now=now, holder=holder, dead=dead)
    if now >= until:
        assert reason is Takeover.EXPIRED
    elif dead == holder:
        assert reason is Takeover.HOLDER_DEAD
    else:
        assert reason is None  # a live holder, or somebody else named dead
    assert takeover(None, now=now, holder=holder, dead=dead) is Takeover.EXPIRED  # free


@given(s.holders, s.holders, st.sampled_from([True, False, None]))
def test_CO19_LL8_only_a_holder_of_the_same_host_and_process_table_is_proven_dead(
    holder: Holder, me: Holder, running: bool | None
) -> None:
    dead = holder_is_dead(holder, me=me, running=running)
    same = bool(me.process_table) and (holder.host, holder.process_table) == (
        me.host,
        me.process_table,
    )
    assert dead is (running is False and same and holder != me)
    # Another host, or an unknown table, never: there the lease has to run out.
    elsewhere = attrs.evolve(holder, host=holder.host + "-other")
    assert not holder_is_dead(elsewhere, me=me, running=False)
    assert not holder_is_dead(holder, me=attrs.evolve(me, process_table=""), running=False)


def test_CO19_a_claimant_proves_a_holder_dead_through_its_process_table() -> None:
    table = FixedProcessTable(host="kasse-1", pid=10)
    me = Claimant("KASSE-1", processes=table)
    live = table.holder(id="x", name="KASSE-1", pid=11)
    assert not me.is_dead(live)
    table.kill(11)
    assert me.is_dead(live)
    assert not me.is_dead(me.holder())  # never itself
    assert not me.is_dead(attrs.evolve(live, host="kasse-2"))  # another host: the lease
    assert not Claimant("KASSE-1").is_dead(live)  # no process table: leases only
    assert renewal_interval(DEFAULT_LEASE) == dt.timedelta(seconds=20)
    with pytest.raises(ValueError, match="lease"):
        Claimant(lease=dt.timedelta(0))


# ---------------------------------------------------------------- batch deliveries


deliveries = st.builds(
    BatchDelivery,
    batch_id=st.just("B-1"),
    holder=st.none() | s.holders,
    claimed_at=st.none() | s.instants,
    lease_until=st.none() | s.instants,
    attempts=st.integers(min_value=0, max_value=30),
    last_error=st.none() | st.just("delivery.failed"),
    next_attempt_at=st.none() | s.instants,
)


@given(
    st.none() | deliveries,
    s.holders,
    s.instants,
    leases,
    st.booleans(),
    st.booleans(),
    st.none() | s.holders,
)
def test_CO19_a_batch_is_claimed_only_when_open_free_or_abandoned(
    current: BatchDelivery | None,
    me: Holder,
    now: dt.datetime,
    lease: dt.timedelta,
    delivered: bool,
    wait: bool,
    dead: Holder | None,
) -> None:
    decision = decide_batch_claim(
        "B-1",
        current,
        me,
        delivered=delivered,
        now=now,
        lease=lease,
        dead=dead,
        wait_for_retry=wait,
    )
    state = current or BatchDelivery("B-1")
    if delivered:
        assert decision.result is BatchClaimResult.DELIVERED
        return
    held = state.holder is not None and (
        takeover(state.lease_until, now=now, holder=state.holder, dead=dead) is None
    )
    waiting = (
        state.holder is None
        and wait
        and state.next_attempt_at is not None
        and now < state.next_attempt_at
    )
    if held:
        assert (decision.result, decision.delivery) == (BatchClaimResult.HELD, state)
    elif waiting:
        assert (decision.result, decision.delivery) == (BatchClaimResult.WAITING, state)
    else:
        assert decision.result is BatchClaimResult.CLAIMED
        assert decision.delivery == attrs.evolve(
            state, holder=me, claimed_at=now, lease_until=now + lease, attempts=state.attempts + 1
        )
        assert decision.previous == state.holder
        assert (decision.took_over is None) is (state.holder is None)


@given(deliveries, s.holders, s.instants, leases)
def test_CO19_only_the_holder_renews_or_releases_a_delivery(
    state: BatchDelivery, other: Holder, now: dt.datetime, lease: dt.timedelta
) -> None:
    failure = DeliveryFailure("delivery.failed", now, now + lease)
    if state.holder is None or other != state.holder:
        assert state.renewed(other, now=now, lease=lease) is None
        assert state.released(other, failure) is None
    if state.holder is not None:
        renewed = state.renewed(state.holder, now=now, lease=lease)
        assert renewed == attrs.evolve(state, lease_until=now + lease)
        released = state.released(state.holder, failure)
        assert released is not None and released.holder is None
        assert (released.last_error, released.next_attempt_at) == ("delivery.failed", now + lease)
        assert released.attempts == state.attempts
    finished = state.finished()
    assert (finished.holder, finished.lease_until, finished.next_attempt_at) == (None, None, None)


def test_CO19_a_delivery_decides_only_for_its_own_batch() -> None:
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="B-2"):
        decide_batch_claim(
            "B-2",
            BatchDelivery("B-1"),
            Holder(id="a", name="x"),
            delivered=False,
            now=now,
            lease=DEFAULT_LEASE,
        )


@given(st.integers(min_value=1, max_value=60), st.floats(min_value=0, max_value=0.999999))
def test_CO19_retries_back_off_exponentially_within_the_jitter_up_to_the_longest(
    attempts: int, spread: float
) -> None:
    policy = RetryPolicy(first=dt.timedelta(seconds=60), longest=dt.timedelta(hours=1), jitter=0.2)
    base = min(dt.timedelta(seconds=60) * 2 ** min(attempts - 1, 40), dt.timedelta(hours=1))
    delay = policy.delay(attempts, spread)
    assert base * 0.8 <= delay <= base * 1.2
    assert policy.delay(attempts + 1, spread) >= delay  # never shorter with more failures
    with pytest.raises(ValueError, match="retry"):
        RetryPolicy(first=dt.timedelta(0))
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=1.0)


# ---------------------------------------------------------------- uploads with holders


@given(s.holders, s.holders, s.instants, leases, offsets)
def test_LL8_a_live_holders_upload_is_in_progress_a_dead_ones_is_taken_over_at_once(
    first: Holder, second: Holder, now: dt.datetime, lease: dt.timedelta, age: dt.timedelta
) -> None:
    _, held = decide_claim(None, "LL-1", "a.csv", FACTS, now=now, lease=lease, holder=first)
    later = now + age
    result, record = decide_claim(
        held, "LL-1", "a.csv", FACTS, now=later, lease=lease, holder=second
    )
    if age >= lease:
        assert result is ClaimResult.CLAIMED and record.holder == second
    else:
        assert (result, record) == (ClaimResult.IN_PROGRESS, held)
    result, record = decide_claim(
        held, "LL-1", "a.csv", FACTS, now=later, lease=lease, holder=second, dead=first
    )
    assert result is ClaimResult.CLAIMED
    assert (record.holder, record.attempts, record.lease_until) == (second, 2, later + lease)
    assert held.renewed(second, now=later, lease=lease) is None or second == first
    renewed = held.renewed(first, now=later, lease=lease)
    assert renewed is not None and renewed.lease_until == later + lease
    assert held.releasable_by(first) and held.releasable_by(None)
    assert held.releasable_by(second) is (second == first)
    done = held.completed(receipt="r", now=later)
    assert done.state is UploadState.UPLOADED and done.lease_until is None
    assert done.renewed(first, now=later, lease=lease) is None
    assert not done.releasable_by(first)


# ---------------------------------------------------------------- period ends (CO6, CO20)

# Zones with DST changes at or around midnight, a skipped day, half-hour offsets.
PERIOD_ZONES = [
    "Europe/Berlin",
    "UTC",
    "America/Santiago",
    "America/Havana",
    "America/Asuncion",
    "America/Sao_Paulo",
    "Asia/Beirut",
    "Asia/Tehran",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "Africa/Casablanca",
]
wide_instants = st.datetimes(
    min_value=dt.datetime(1995, 1, 1),
    max_value=dt.datetime(2040, 12, 31),
    timezones=st.just(dt.UTC),
)
intervals = st.sampled_from(list(ShippingInterval))


@given(wide_instants, intervals, st.sampled_from(PERIOD_ZONES).map(ZoneInfo))
@example(  # Samoa skipped 30 December 2011: the day after the 29th began on the 31st
    dt.datetime(2011, 12, 29, 12, tzinfo=dt.UTC), ShippingInterval.DAILY, ZoneInfo("Pacific/Apia")
)
@example(  # Santiago's clocks jump from 00:00 to 01:00
    dt.datetime(2024, 9, 7, 20, tzinfo=dt.UTC), ShippingInterval.DAILY, ZoneInfo("America/Santiago")
)
@example(  # ... and fall back from 00:00 to 23:00 the day before
    dt.datetime(2024, 4, 6, 20, tzinfo=dt.UTC), ShippingInterval.DAILY, ZoneInfo("America/Santiago")
)
@example(  # Berlin: the week of the change to summer time
    dt.datetime(2026, 3, 26, 12, tzinfo=dt.UTC), ShippingInterval.WEEKLY, ZoneInfo("Europe/Berlin")
)
@example(  # Lord Howe: half-hour DST
    dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC),
    ShippingInterval.MONTHLY,
    ZoneInfo("Australia/Lord_Howe"),
)
def test_CO6_CO20_a_period_ends_at_the_first_instant_it_is_over(
    now: dt.datetime, interval: ShippingInterval, tz: ZoneInfo
) -> None:
    """The instant the server sleeps to is exactly when the period's orders become due."""
    period = Period.containing(interval, local_date(now, tz))
    end = next_period_end(now, [interval], tz)
    assert end is not None and end == period.ends_at(tz)
    assert end > now
    assert period.is_over(end, tz)
    assert not period.is_over(end - dt.timedelta(microseconds=1), tz)
    assert local_date(end, tz) == period.end or local_date(end, tz) > period.end  # a skipped day
    assert first_instant_of(period.end, tz) == end


@given(wide_instants, st.sets(intervals, min_size=1), st.sampled_from(PERIOD_ZONES).map(ZoneInfo))
def test_CO20_the_next_end_is_the_nearest_of_the_intervals_in_use(
    now: dt.datetime, used: set[ShippingInterval], tz: ZoneInfo
) -> None:
    ends = [next_period_end(now, [interval], tz) for interval in used]
    assert next_period_end(now, used, tz) == min(e for e in ends if e is not None)
    if ShippingInterval.DAILY in used:  # every period ends at a local midnight
        assert next_period_end(now, used, tz) == next_period_end(now, [ShippingInterval.DAILY], tz)
    assert next_period_end(now, [], tz) is None


def test_CO20_period_ends_across_dst_changes_in_berlin_and_santiago() -> None:
    berlin, santiago = ZoneInfo("Europe/Berlin"), ZoneInfo("America/Santiago")
    # The last Sunday of October: the week ends at midnight, CET again (UTC+1).
    now = dt.datetime(2026, 10, 25, 12, tzinfo=dt.UTC)
    assert next_period_end(now, [ShippingInterval.WEEKLY], berlin) == dt.datetime(
        2026, 10, 25, 23, tzinfo=dt.UTC
    )
    # Spring forward in Santiago skips 00:00: the day begins at 01:00 (UTC-3).
    day = dt.date(2024, 9, 8)
    assert first_instant_of(day, santiago) == dt.datetime(2024, 9, 8, 4, tzinfo=dt.UTC)
    assert first_instant_of(day, santiago).astimezone(santiago).hour == 1
