"""The delivery of an open batch: its claim and its attempts (CO19).

A batch is delivered by one holder at a time. Before it sends, a dispatcher *claims* the
batch in the store (:func:`decide_batch_claim`); while it sends it renews the claim
(:meth:`BatchDelivery.renewed`); afterwards it marks the batch delivered, which drops the
claim in the same transaction (:meth:`BatchDelivery.finished`), or gives the claim back
with the failure and the time the next attempt is due (:meth:`BatchDelivery.released`).
Another dispatcher meeting the claim skips the batch and reports its holder; it takes
the claim over only when its lease ran out or its holder is provably dead
(:mod:`~amparex_core.domain.claims`), and then sends the same batch again, with the same
batch ID and content (CO16).

>>> import datetime as dt
>>> from amparex_core.domain.claims import Holder
>>> t0, lease = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC), dt.timedelta(seconds=60)
>>> a, b = Holder(id="a", name="srv-1"), Holder(id="b", name="srv-2")
>>> first = decide_batch_claim("B-1", None, a, delivered=False, now=t0, lease=lease)
>>> first.result, first.delivery.attempts
(<BatchClaimResult.CLAIMED: 'claimed'>, 1)
>>> decide_batch_claim("B-1", first.delivery, b, delivered=False, now=t0, lease=lease).result
<BatchClaimResult.HELD: 'held'>
>>> later = decide_batch_claim(
...     "B-1", first.delivery, b, delivered=False, now=t0 + lease, lease=lease
... )
>>> later.result, later.took_over, later.delivery.attempts
(<BatchClaimResult.CLAIMED: 'claimed'>, <Takeover.EXPIRED: 'expired'>, 2)
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from ._records import frozen
from .claims import Holder, Takeover, takeover

__all__ = [
    "BatchClaim",
    "BatchClaimResult",
    "BatchDelivery",
    "DeliveryFailure",
    "decide_batch_claim",
]


class BatchClaimResult(enum.Enum):
    """The answer of the store to a claim on a batch's delivery."""

    CLAIMED = "claimed"
    """The claimant delivers it now."""
    DELIVERED = "delivered"
    """It was delivered already: nothing to do."""
    HELD = "held"
    """Another holder delivers it (its lease holds and it is not proven dead)."""
    WAITING = "waiting"
    """Its last attempt failed and the next one is not due yet (asked to wait for it)."""


@frozen
class DeliveryFailure:
    """A failed delivery attempt, as recorded when its claim is given back.

    Attributes:
        error: The refusal's code, e.g. ``delivery.failed``.
        at: When it failed.
        next_attempt_at: When the next attempt is due (back-off); ``None``: at once.
    """

    error: str
    at: dt.datetime
    next_attempt_at: dt.datetime | None = None


@frozen
class BatchDelivery:
    """Where the delivery of one batch stands (CO19).

    Attributes:
        batch_id: The batch.
        holder: Who delivers it now; ``None`` when nobody holds it.
        claimed_at: When the holder claimed it.
        lease_until: Until when the claim holds unless renewed.
        attempts: How many deliveries were started (a claim taken over counts).
        last_error: The code of the last failure, e.g. ``delivery.failed``.
        failed_at: When the last attempt failed.
        next_attempt_at: When the next attempt is due after a failure (back-off).
    """

    batch_id: str
    holder: Holder | None = None
    claimed_at: dt.datetime | None = None
    lease_until: dt.datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    failed_at: dt.datetime | None = None
    next_attempt_at: dt.datetime | None = None

    def renewed(
        self, holder: Holder, *, now: dt.datetime, lease: dt.timedelta
    ) -> BatchDelivery | None:
        """This delivery with *holder*'s lease extended to *now* + *lease*.

        Returns:
            ``None`` when *holder* does not hold it (any more): nothing to renew.
        """
        if self.holder != holder:
            return None
        return attrs.evolve(self, lease_until=now + lease)

    def released(
        self, holder: Holder, failure: DeliveryFailure | None = None
    ) -> BatchDelivery | None:
        """This delivery once *holder* gave it back, after a *failure* or without one.

        Returns:
            ``None`` when *holder* does not hold it (any more): the holder that took it
            over keeps it.
        """
        if self.holder != holder:
            return None
        released = attrs.evolve(self, holder=None, claimed_at=None, lease_until=None)
        if failure is None:
            return released
        return attrs.evolve(
            released,
            last_error=failure.error,
            failed_at=failure.at,
            next_attempt_at=failure.next_attempt_at,
        )

    def finished(self) -> BatchDelivery:
        """This delivery once the batch is delivered: nobody holds it, nothing is due."""
        return attrs.evolve(
            self, holder=None, claimed_at=None, lease_until=None, next_attempt_at=None
        )


@frozen
class BatchClaim:
    """A decision on a claim (:func:`decide_batch_claim`).

    Attributes:
        result: What the claimant may do.
        delivery: The delivery to store when :attr:`result` is ``CLAIMED``; else the
            current one (for the report: who holds it, since when, when it is due).
        took_over: Why a held claim was taken over, when it was.
        previous: The holder it was taken from.
    """

    result: BatchClaimResult
    delivery: BatchDelivery
    took_over: Takeover | None = None
    previous: Holder | None = None


def decide_batch_claim(
    batch_id: str,
    current: BatchDelivery | None,
    holder: Holder,
    *,
    delivered: bool,
    now: dt.datetime,
    lease: dt.timedelta,
    dead: Holder | None = None,
    wait_for_retry: bool = False,
) -> BatchClaim:
    """Whether *holder* may deliver batch *batch_id* now (CO19).

    Args:
        batch_id: The batch.
        current: Its delivery as stored, ``None`` when it has none yet.
        holder: Who claims.
        delivered: Whether the batch is delivered already.
        now: The instant of the claim.
        lease: How long the new claim holds unless renewed.
        dead: A holder the claimant proved dead (see
            :func:`~amparex_core.domain.claims.takeover`).
        wait_for_retry: Refuse (``WAITING``) while a failed delivery's next attempt is
            not due; the chain server waits, a dispatch an operator starts does not.

    Returns:
        The decision; when ``CLAIMED``, the delivery to store: held by *holder* from
        *now* for *lease*, one attempt more.

    Raises:
        ValueError: *current* is another batch's delivery.
    """
    if current is not None and current.batch_id != batch_id:
        raise ValueError(f"the delivery of {current.batch_id} decides nothing of {batch_id}")
    state = current if current is not None else BatchDelivery(batch_id)
    if delivered:
        return BatchClaim(BatchClaimResult.DELIVERED, state)
    reason: Takeover | None = None
    if state.holder is not None:
        reason = takeover(state.lease_until, now=now, holder=state.holder, dead=dead)
        if reason is None:
            return BatchClaim(BatchClaimResult.HELD, state)
    elif wait_for_retry and state.next_attempt_at is not None and now < state.next_attempt_at:
        return BatchClaim(BatchClaimResult.WAITING, state)
    claimed = attrs.evolve(
        state,
        holder=holder,
        claimed_at=now,
        lease_until=now + lease,
        attempts=state.attempts + 1,
    )
    return BatchClaim(BatchClaimResult.CLAIMED, claimed, reason, state.holder)
