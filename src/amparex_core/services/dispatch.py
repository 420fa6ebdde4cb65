"""Delivering one batch under a claim, and what a dispatch run reports (CO16, CO19).

:class:`BatchCourier` is the one way a batch reaches the vendor, used by
:meth:`~amparex_core.services.OrderService.dispatch` wherever it runs — ``amparex orders
dispatch``, a workstation's program start, the chain server:

1. claim the batch in the store (:meth:`~amparex_core.ports.storage.OrderStore.claim_batch`);
   a claim held by a holder that is provably dead (same host, its process gone) is
   claimed again at once, naming that holder; one held by a live holder is reported
   (``IN_PROGRESS``) with who and since when;
2. send it while a heartbeat renews the claim every third of the lease;
3. record it delivered — the claim is dropped in the same transaction — or give the claim
   back with the failure and the time of the next attempt (exponential back-off with
   jitter, :class:`~amparex_core.domain.claims.RetryPolicy`).

A holder that dies between the vendor's acceptance and the record leaves its claim to
lapse; the batch is then sent again, with the same batch ID and identical content. That
is the only second delivery (CO19).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
from collections.abc import Callable

from amparex_core.domain._records import frozen
from amparex_core.domain.claims import Holder, RetryPolicy
from amparex_core.domain.deliveries import BatchClaim, BatchClaimResult, DeliveryFailure
from amparex_core.domain.errors import AmparexError
from amparex_core.domain.orders import Batch
from amparex_core.domain.parcels import DeliveryReceipt
from amparex_core.ports.clock import Clock
from amparex_core.ports.storage import OrderStore
from amparex_core.services.claims import Claimant

__all__ = ["BatchCourier", "BatchOutcome", "BatchResult", "DispatchReport"]


class BatchOutcome(enum.Enum):
    """What happened to one batch in a dispatch run."""

    DELIVERED = "delivered"
    FAILED = "failed"
    IN_PROGRESS = "in_progress"
    """Another live holder is delivering it (CO19): skipped, its holder reported."""
    WAITING = "waiting"
    """Its last attempt failed and the next one is not due yet (the server waits)."""


@frozen
class BatchResult:
    """One batch of a dispatch run.

    Attributes:
        batch: The batch (as delivered, when it was).
        outcome: What happened to it.
        resent: Whether an attempt had been started before (a retry, or a re-send after
            a holder died).
        error: Why it failed.
        holder: Who delivers it, when another holder does (``IN_PROGRESS``).
        since: Since when that holder has it.
        attempts: How many deliveries of it were started, this one included.
        next_attempt_at: When the next attempt is due, after a failure or while waiting.
        receipt: What the delivery reported when this run delivered it: where the batch
            PDF and the manifests landed (``receipt.documents``).
    """

    batch: Batch
    outcome: BatchOutcome
    resent: bool = False
    error: AmparexError | None = None
    holder: Holder | None = None
    since: dt.datetime | None = None
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    receipt: DeliveryReceipt | None = None


@frozen
class DispatchReport:
    """Everything one dispatch run did.

    Attributes:
        batches: One result per open batch the run looked at, by number; a batch another
            holder delivered meanwhile is left out.
        skipped_conflicts: Batches this run formed but did not store, because a
            concurrent run had taken their orders (they took no number).
    """

    batches: tuple[BatchResult, ...]
    skipped_conflicts: int = 0

    @property
    def delivered(self) -> list[Batch]:
        """The batches that reached the vendor in this run."""
        return [r.batch for r in self.batches if r.outcome is BatchOutcome.DELIVERED]

    @property
    def failed(self) -> list[BatchResult]:
        """The batches whose delivery failed in this run; they stay open."""
        return [r for r in self.batches if r.outcome is BatchOutcome.FAILED]

    @property
    def in_progress(self) -> list[BatchResult]:
        """The batches skipped because another live holder delivers them (CO19)."""
        return [r for r in self.batches if r.outcome is BatchOutcome.IN_PROGRESS]

    @property
    def waiting(self) -> list[BatchResult]:
        """The failed batches whose next attempt is not due yet (chain server)."""
        return [r for r in self.batches if r.outcome is BatchOutcome.WAITING]


class BatchCourier:
    """Delivers one batch at a time under a claim (CO19).

    Args:
        store: Where batches and their claims are.
        claimant: Who claims: name, lease, process table.
        clock: The time of claims, renewals and records (real time: leases run on it).
        retry: When a failed delivery is due again.
        spread: Random numbers from 0 to below 1, for the jitter.
    """

    def __init__(
        self,
        *,
        store: OrderStore,
        claimant: Claimant,
        clock: Clock,
        retry: RetryPolicy,
        spread: Callable[[], float],
    ) -> None:
        self._store = store
        self._claimant = claimant
        self._clock = clock
        self._retry = retry
        self._spread = spread

    def _claim(self, batch: Batch, me: Holder, *, wait_for_retry: bool) -> BatchClaim:
        """Claim *batch*'s delivery for *me*; take it over at once from a dead holder."""
        lease = self._claimant.lease
        claim = self._store.claim_batch(
            batch.id, me, now=self._clock.now(), lease=lease, wait_for_retry=wait_for_retry
        )
        holder = claim.delivery.holder
        if (
            claim.result is BatchClaimResult.HELD
            and holder is not None
            and self._claimant.is_dead(holder)
        ):
            claim = self._store.claim_batch(
                batch.id,
                me,
                now=self._clock.now(),
                lease=lease,
                dead=holder,
                wait_for_retry=wait_for_retry,
            )
        return claim

    def deliver(
        self, batch: Batch, *, send: Callable[[], DeliveryReceipt], wait_for_retry: bool = False
    ) -> BatchResult | None:
        """Claim *batch* and, when this holder got it, *send* it and record the outcome.

        Args:
            batch: An open batch.
            send: Builds and sends its parcel; raises an ``AmparexError`` when that fails.
            wait_for_retry: Leave a failed batch alone until its next attempt is due.

        Returns:
            What happened; ``None`` when the batch was delivered by another holder since
            it was listed.
        """
        me = self._claimant.holder()
        claim = self._claim(batch, me, wait_for_retry=wait_for_retry)
        state = claim.delivery
        if claim.result is BatchClaimResult.DELIVERED:
            return None  # delivered by another holder since it was listed
        if claim.result is BatchClaimResult.HELD:
            return BatchResult(
                batch,
                BatchOutcome.IN_PROGRESS,
                holder=state.holder,
                since=state.claimed_at,
                attempts=state.attempts,
            )
        if claim.result is BatchClaimResult.WAITING:
            return BatchResult(
                batch,
                BatchOutcome.WAITING,
                resent=True,
                attempts=state.attempts,
                next_attempt_at=state.next_attempt_at,
            )
        resent = state.attempts > 1
        lease = self._claimant.lease

        def renew() -> bool:
            return self._store.renew_batch(batch.id, me, now=self._clock.now(), lease=lease)

        try:
            with self._claimant.renewing(renew, f"batch {batch.order_number}"):
                receipt = send()
        except AmparexError as exc:
            failed_at = self._clock.now()
            due = failed_at + self._retry.delay(state.attempts, self._spread())
            self._store.release_batch(
                batch.id, me, failure=DeliveryFailure(exc.code, failed_at, due)
            )
            return BatchResult(
                batch,
                BatchOutcome.FAILED,
                resent=resent,
                error=exc,
                attempts=state.attempts,
                next_attempt_at=due,
            )
        except BaseException:
            # Interrupted (KeyboardInterrupt, a bug): give the claim back if the store lets
            # us; if not, its lease frees it. The interruption is what the caller sees.
            with contextlib.suppress(AmparexError):
                self._store.release_batch(batch.id, me)
            raise
        # Recorded in one transaction with dropping the claim. Should the process die
        # before this, the claim lapses and the batch goes out again, identical (CO19).
        delivered = self._store.mark_batch_delivered(
            batch.id, at=self._clock.now(), receipt=receipt.reference
        )
        return BatchResult(
            delivered,
            BatchOutcome.DELIVERED,
            resent=resent,
            attempts=state.attempts,
            receipt=receipt,
        )
