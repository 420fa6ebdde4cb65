"""LL8's ledger rules, written once in the domain (``decide_claim``, ``UploadRecord.completed``)
and used by every store: properties over every record, file, time and lease. Records of
0.1.0 carry no holder and no lease end: their claims hold for the claimer's lease from
the claim. The rules of holders (renewal, dead holders) are in ``test_claims.py``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_core.domain.uploads import (
    ClaimResult,
    FileFacts,
    UploadRecord,
    UploadState,
    decide_claim,
)
from tests import strategies as s

DEST, NAME = "LL-1", "a.csv"

facts = st.builds(
    FileFacts,
    size=st.integers(min_value=0, max_value=2**40),
    sha256=st.text("0123456789abcdef", min_size=64, max_size=64),
    mtime_ns=st.integers(min_value=0, max_value=2**62),
)
leases = st.timedeltas(min_value=dt.timedelta(seconds=1), max_value=dt.timedelta(days=2))
ages = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=4))


@st.composite
def records(draw: st.DrawFn) -> UploadRecord:
    claimed_at = draw(s.instants)
    uploaded = draw(st.booleans())
    return UploadRecord(
        destination=DEST,
        name=NAME,
        facts=draw(facts),
        state=UploadState.UPLOADED if uploaded else UploadState.CLAIMED,
        claimed_at=claimed_at,
        uploaded_at=claimed_at + draw(ages) if uploaded else None,
        receipt=draw(st.text(max_size=20)) if uploaded else None,
        attempts=draw(st.integers(min_value=1, max_value=50)),
    )


@given(facts, s.instants, leases)
def test_LL8_the_first_claim_of_a_file_is_granted_as_attempt_one(
    new: FileFacts, now: dt.datetime, lease: dt.timedelta
) -> None:
    result, record = decide_claim(None, DEST, NAME, new, now=now, lease=lease)
    assert result is ClaimResult.CLAIMED
    assert record == UploadRecord(
        DEST, NAME, new, UploadState.CLAIMED, now, attempts=1, lease_until=now + lease
    )


@given(records(), facts, ages, leases)
def test_LL8_a_file_is_claimed_only_when_not_uploaded_and_no_live_claim_holds(
    current: UploadRecord, new: FileFacts, age: dt.timedelta, lease: dt.timedelta
) -> None:
    now = current.claimed_at + age
    result, record = decide_claim(current, DEST, NAME, new, now=now, lease=lease)
    if current.state is UploadState.UPLOADED:
        assert (result, record) == (ClaimResult.ALREADY_UPLOADED, current)
    elif age < lease:
        assert (result, record) == (ClaimResult.IN_PROGRESS, current)
    else:  # abandoned: taken over, one attempt more, with the facts of now
        assert result is ClaimResult.CLAIMED
        assert record == UploadRecord(
            DEST,
            NAME,
            new,
            UploadState.CLAIMED,
            now,
            attempts=current.attempts + 1,
            lease_until=now + lease,
        )


@given(facts, s.instants, leases, st.lists(ages, min_size=1, max_size=8))
def test_LL8_while_a_claim_holds_nobody_else_gets_one_and_attempts_only_grow(
    new: FileFacts, start: dt.datetime, lease: dt.timedelta, gaps: list[dt.timedelta]
) -> None:
    _, held = decide_claim(None, DEST, NAME, new, now=start, lease=lease)
    now = start
    for gap in gaps:
        now += gap
        result, record = decide_claim(held, DEST, NAME, new, now=now, lease=lease)
        if now - held.claimed_at < lease:
            assert result is ClaimResult.IN_PROGRESS
            assert record is held
        else:
            assert result is ClaimResult.CLAIMED
            assert record.attempts == held.attempts + 1
            assert record.claimed_at == now
            held = record


@given(records(), st.text(max_size=20), ages)
def test_LL8_completing_is_idempotent_and_keeps_the_first_receipt(
    current: UploadRecord, receipt: str, later: dt.timedelta
) -> None:
    now = current.claimed_at + later
    done = current.completed(receipt=receipt, now=now)
    assert done.state is UploadState.UPLOADED
    if current.state is UploadState.UPLOADED:
        assert done is current
    else:
        assert (done.receipt, done.uploaded_at) == (receipt, now)
        assert (done.facts, done.claimed_at, done.attempts) == (
            current.facts,
            current.claimed_at,
            current.attempts,
        )
    again = done.completed(receipt=receipt + "-again", now=now + dt.timedelta(hours=1))
    assert again is done
    result, record = decide_claim(done, DEST, NAME, current.facts, now=now, lease=later)
    assert (result, record) == (ClaimResult.ALREADY_UPLOADED, done)


def test_LL8_a_record_decides_only_the_claims_of_its_own_file() -> None:
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    first = FileFacts(1, "a" * 64)
    _, record = decide_claim(None, DEST, NAME, first, now=now, lease=dt.timedelta(1))
    with pytest.raises(ValueError, match=r"a\.csv"):
        decide_claim(record, DEST, "b.csv", record.facts, now=now, lease=dt.timedelta(1))
    with pytest.raises(ValueError, match="LL-2"):
        decide_claim(record, "LL-2", NAME, record.facts, now=now, lease=dt.timedelta(1))
