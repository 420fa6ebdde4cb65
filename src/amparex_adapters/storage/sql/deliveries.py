"""Claims on batch deliveries (:class:`~amparex_core.ports.storage.OrderStore`, CO19) on SQL.

Table ``batch_deliveries`` (schema version 3, declared with the orders family in
:mod:`amparex_adapters.storage.sql.orders`): one row per batch that was ever claimed,
its :class:`~amparex_core.domain.deliveries.BatchDelivery` as a stored document — who
holds it until when, how many attempts were started, the last failure and when the next
attempt is due.

Every change locks the batch's row first (``SELECT … FOR UPDATE`` on PostgreSQL, the
``BEGIN IMMEDIATE`` write lock on SQLite), then reads the delivery, lets the domain
decide (:func:`~amparex_core.domain.deliveries.decide_batch_claim`,
:meth:`~amparex_core.domain.deliveries.BatchDelivery.renewed`, ``released``) and writes
the outcome in the same transaction. Marking the batch delivered locks the same row, so a
claim can never be granted on a batch whose delivery is being recorded, and the claim is
dropped in the transaction that records the delivery (:func:`finish_delivery`). A claim
taken over is logged (INFO).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Final

from amparex_adapters.converters import stored

from .core import Cursor, SqlDatabase

if TYPE_CHECKING:  # read where used: opening a store imports no card ordering
    from amparex_core.domain.claims import Holder
    from amparex_core.domain.deliveries import BatchClaim, BatchDelivery, DeliveryFailure
    from amparex_core.domain.orders import Batch

__all__ = ["STATEMENTS", "SqlBatchDeliveries", "finish_delivery"]

logger = logging.getLogger(__name__)

#: What schema version 3 adds for the deliveries (run with the orders family).
STATEMENTS: Final = (
    """CREATE TABLE batch_deliveries (
            batch_id TEXT PRIMARY KEY,
            data TEXT NOT NULL)""",
)


def _delivery(cur: Cursor, batch_id: str) -> BatchDelivery | None:
    from amparex_core.domain.deliveries import BatchDelivery

    cur.execute("SELECT data FROM batch_deliveries WHERE batch_id = ?", (batch_id,))
    row = cur.fetchone()
    return None if row is None else stored.decode(row[0], BatchDelivery)


def _put(cur: Cursor, delivery: BatchDelivery) -> None:
    cur.execute(
        "INSERT INTO batch_deliveries (batch_id, data) VALUES (?, ?)"
        " ON CONFLICT (batch_id) DO UPDATE SET data = excluded.data",
        (delivery.batch_id, stored.encode(delivery)),
    )


def finish_delivery(cur: Cursor, batch_id: str) -> None:
    """Drop the claim on *batch_id*'s delivery: it is delivered (in the caller's transaction)."""
    current = _delivery(cur, batch_id)
    if current is not None:
        _put(cur, current.finished())


class SqlBatchDeliveries(SqlDatabase):
    """Claims on batch deliveries in the ``batch_deliveries`` table."""

    def _locked_batch(self, cur: Cursor, batch_id: str) -> Batch | None:
        from amparex_core.domain.orders import Batch

        cur.execute(f"SELECT data FROM batches WHERE id = ?{self.for_update}", (batch_id,))  # noqa: S608
        row = cur.fetchone()
        return None if row is None else stored.decode(row[0], Batch)

    def claim_batch(
        self,
        batch_id: str,
        holder: Holder,
        *,
        now: dt.datetime,
        lease: dt.timedelta,
        dead: Holder | None = None,
        wait_for_retry: bool = False,
    ) -> BatchClaim:
        """See :meth:`~amparex_core.ports.storage.OrderStore.claim_batch`."""
        from amparex_core.domain.claims import describe_holder, takeover_reason
        from amparex_core.domain.deliveries import BatchClaimResult, decide_batch_claim
        from amparex_core.domain.orders import BatchStatus

        def work(cur: Cursor) -> tuple[Batch, BatchClaim]:
            batch = self._locked_batch(cur, batch_id)
            if batch is None:
                raise LookupError(f"no batch has the ID {batch_id}")
            decision = decide_batch_claim(
                batch_id,
                _delivery(cur, batch_id),
                holder,
                delivered=batch.status is BatchStatus.DELIVERED,
                now=now,
                lease=lease,
                dead=dead,
                wait_for_retry=wait_for_retry,
            )
            if decision.result is BatchClaimResult.CLAIMED:
                _put(cur, decision.delivery)
            return batch, decision

        batch, decision = self.write(work)
        if decision.took_over is not None and decision.previous is not None:
            logger.info(
                "%s: took over the delivery of batch %s from %s: %s (attempt %d)",
                self.store_name,
                batch.order_number,
                describe_holder(decision.previous),
                takeover_reason(decision.took_over),
                decision.delivery.attempts,
            )
        return decision

    def renew_batch(
        self, batch_id: str, holder: Holder, *, now: dt.datetime, lease: dt.timedelta
    ) -> bool:
        """See :meth:`~amparex_core.ports.storage.OrderStore.renew_batch`."""

        def work(cur: Cursor) -> bool:
            if self._locked_batch(cur, batch_id) is None:
                return False
            current = _delivery(cur, batch_id)
            renewed = None if current is None else current.renewed(holder, now=now, lease=lease)
            if renewed is None:
                return False
            _put(cur, renewed)
            return True

        return self.write(work)

    def release_batch(
        self, batch_id: str, holder: Holder, *, failure: DeliveryFailure | None = None
    ) -> bool:
        """See :meth:`~amparex_core.ports.storage.OrderStore.release_batch`."""

        def work(cur: Cursor) -> bool:
            if self._locked_batch(cur, batch_id) is None:
                return False
            current = _delivery(cur, batch_id)
            released = None if current is None else current.released(holder, failure)
            if released is None:
                return False
            _put(cur, released)
            return True

        return self.write(work)

    def get_batch_delivery(self, batch_id: str) -> BatchDelivery | None:
        """See :meth:`~amparex_core.ports.storage.OrderStore.get_batch_delivery`."""
        return self.read(lambda cur: _delivery(cur, batch_id))
