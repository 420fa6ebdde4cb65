"""The order store (:class:`~amparex_core.ports.storage.OrderStore`) on SQL.

It keeps the orders, the dispatch batches and the serial numbers.

One order per process reference (CO13): ``orders.process_ref`` is UNIQUE and an order is
inserted with ``ON CONFLICT DO NOTHING``, so placing again returns the first order under
any concurrency. Forming a batch takes many orders and issues their cards in one
transaction that locks the orders in a fixed order (``SELECT … FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so two batch builders never take the same
order nor wait for each other (CO16); the batch's number is drawn from its counter only
then, in the same transaction, so a refused batch takes no number (CO19). Recording a
delivery drops the claim on it in the same transaction
(:mod:`amparex_adapters.storage.sql.deliveries`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from amparex_adapters.converters import stored
from amparex_core.domain.errors import OrderUnknown
from amparex_core.domain.paging import check_limit

from .cards import insert_card
from .core import Cursor, Retry, SqlDatabase, instant_key
from .deliveries import STATEMENTS as DELIVERY_STATEMENTS
from .deliveries import finish_delivery
from .schema import SchemaStep

if TYPE_CHECKING:  # read where used: opening a store imports no card ordering
    from amparex_core.domain.cards import IssuedCard
    from amparex_core.domain.orders import Batch, CardOrder, OrderStatus, ProcessRef

__all__ = ["SCHEMA", "SqlOrderStore"]

#: The family's schema steps (see :mod:`.schema`).
SCHEMA: Final = (
    SchemaStep(
        1,
        "orders",
        (
            """CREATE TABLE orders (
            id TEXT PRIMARY KEY,
            process_ref TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL,
            placed_at TEXT NOT NULL,
            period_end TEXT NOT NULL,
            batch_id TEXT,
            data TEXT NOT NULL)""",
            "CREATE INDEX orders_status ON orders (status, period_end)",
            """CREATE TABLE batches (
            id TEXT PRIMARY KEY,
            number BIGINT NOT NULL,
            status TEXT NOT NULL,
            data TEXT NOT NULL)""",
            "CREATE INDEX batches_number ON batches (number)",
            "CREATE TABLE serials (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        ),
    ),
    SchemaStep(3, "orders", DELIVERY_STATEMENTS),
    SchemaStep(
        4,
        "orders",
        (
            # Paged listings (list_orders): the database orders and seeks, by index.
            "CREATE INDEX orders_placed ON orders (placed_at, id)",
            "CREATE INDEX orders_status_placed ON orders (status, placed_at, id)",
        ),
    ),
)


class _Refused(Exception):
    """Roll back and report ``False`` (create_batch)."""


def _put_order(cur: Cursor, order: CardOrder, *, expected: OrderStatus | None) -> int:
    sql = (
        "UPDATE orders SET status = ?, placed_at = ?, period_end = ?, batch_id = ?,"
        " data = ? WHERE id = ?"
    )
    params: list[Any] = [
        order.status.value,
        instant_key(order.placed_at),
        order.period.end.isoformat(),
        order.batch_id,
        stored.encode(order),
        order.id,
    ]
    if expected is not None:
        sql += " AND status = ?"
        params.append(expected.value)
    cur.execute(sql, params)
    return cur.rowcount


def _order(document: str | bytes) -> CardOrder:
    from amparex_core.domain.orders import CardOrder

    return stored.decode(document, CardOrder)


def _batch(document: str | bytes) -> Batch:
    from amparex_core.domain.orders import Batch

    return stored.decode(document, Batch)


class SqlOrderStore(SqlDatabase):
    """Card orders, dispatch batches and serial numbers (``orders``, ``batches``, ``serials``)."""

    def _order_where(self, cur: Cursor, column: str, value: str) -> CardOrder | None:
        cur.execute(f"SELECT data FROM orders WHERE {column} = ?{self.for_update}", (value,))  # noqa: S608
        row = cur.fetchone()
        return None if row is None else _order(row[0])

    def add_order(self, order: CardOrder) -> tuple[CardOrder, bool]:
        """See :meth:`~amparex_core.ports.storage.OrderStore.add_order`."""
        ref = str(order.process_ref)
        row = (
            order.id,
            ref,
            order.status._value_,  # its value without Enum.value's two Python calls
            instant_key(order.placed_at),
            order.period.end.isoformat(),
            order.batch_id,
            stored.encode(order),
        )

        def work(cur: Cursor) -> tuple[CardOrder, bool]:
            cur.execute(
                "INSERT INTO orders (id, process_ref, status, placed_at, period_end, batch_id,"
                " data) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                row,
            )
            if cur.rowcount == 1:
                return order, True
            existing = self._order_where(cur, "process_ref", ref)
            if existing is not None:
                return existing, False
            if self._order_where(cur, "id", order.id) is not None:
                raise ValueError(f"an order with the ID {order.id} exists")
            raise Retry

        return self.write_retrying(work, single=True)

    def get_order(self, order_id: str) -> CardOrder:
        """See :meth:`~amparex_core.ports.storage.OrderStore.get_order`."""
        found = self.read(
            lambda cur: cur.execute("SELECT data FROM orders WHERE id = ?", (order_id,)).fetchone()
        )
        if found is None:
            raise OrderUnknown(order_id=order_id)
        return _order(found[0])

    def order_by_process_ref(self, process_ref: ProcessRef) -> CardOrder | None:
        """See :meth:`~amparex_core.ports.storage.OrderStore.order_by_process_ref`."""
        found = self.read(
            lambda cur: cur.execute(
                "SELECT data FROM orders WHERE process_ref = ?", (str(process_ref),)
            ).fetchone()
        )
        return None if found is None else _order(found[0])

    def _orders(self, sql: str, params: Sequence[Any]) -> list[CardOrder]:
        rows = self.read(lambda cur: cur.execute(sql, params).fetchall())
        return [_order(r[0]) for r in rows]

    def list_orders(
        self,
        *,
        status: OrderStatus | None = None,
        since: dt.datetime | None = None,
        limit: int | None = None,
        after: str | None = None,
    ) -> list[CardOrder]:
        """See :meth:`~amparex_core.ports.storage.OrderStore.list_orders`.

        The database filters, orders and seeks by the indexes ``orders_placed`` and
        ``orders_status_placed`` (``(status,) placed_at, id``); the cursor is the row
        value of the order *after*.
        """
        check_limit(limit)

        def work(cur: Cursor) -> list[Any]:
            where: list[str] = []
            params: list[Any] = []
            if status is not None:
                where.append("status = ?")
                params.append(status.value)
            if since is not None:
                where.append("placed_at >= ?")
                params.append(instant_key(since))
            if after is not None:
                row = cur.execute("SELECT placed_at FROM orders WHERE id = ?", (after,)).fetchone()
                if row is None:
                    raise OrderUnknown(order_id=after)
                where.append("(placed_at, id) > (?, ?)")
                params += [row[0], after]
            sql = "SELECT data FROM orders"
            if where:
                sql += " WHERE " + " AND ".join(where)
            sql += " ORDER BY placed_at, id"
            if limit is not None:
                sql += " LIMIT ?"
                params.append(limit)
            cur.execute(sql, params)
            return cur.fetchall()

        return [_order(r[0]) for r in self.read(work)]

    def pending_orders_ending_by(self, day: dt.date) -> list[CardOrder]:
        """See :meth:`~amparex_core.ports.storage.OrderStore.pending_orders_ending_by`."""
        from amparex_core.domain.orders import OrderStatus

        return self._orders(
            "SELECT data FROM orders WHERE status = ? AND period_end <= ? ORDER BY placed_at, id",
            (OrderStatus.PENDING.value, day.isoformat()),
        )

    def update_order(self, order: CardOrder, *, expected: OrderStatus) -> bool:
        """See :meth:`~amparex_core.ports.storage.OrderStore.update_order`.

        The process reference an order was placed with stays its key (CO13).
        """

        def work(cur: Cursor) -> bool:
            if _put_order(cur, order, expected=expected) == 1:
                return True
            cur.execute("SELECT 1 FROM orders WHERE id = ?", (order.id,))
            if cur.fetchone() is None:
                raise OrderUnknown(order_id=order.id)
            return False

        return self.write_single(work)

    def create_batch(
        self, batch: Batch, cards: Sequence[IssuedCard], *, sequence: str | None = None
    ) -> bool:
        """See :meth:`~amparex_core.ports.storage.OrderStore.create_batch`."""
        from amparex_core.domain.orders import OrderStatus

        def work(cur: Cursor) -> None:
            # Lock in a fixed order, so two batch builders never wait for each other.
            orders = []
            for order_id in sorted(set(batch.order_ids)):
                order = self._order_where(cur, "id", order_id)
                if order is None or order.status is not OrderStatus.PENDING:
                    raise _Refused
                orders.append(order)
            # The number only now, after every check but the batch ID's: a refused batch
            # rolls its number back with it, so the numbers have no gaps.
            numbered = (
                batch if sequence is None else attrs.evolve(batch, number=_serial(cur, sequence))
            )
            cur.execute(
                "INSERT INTO batches (id, number, status, data) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (numbered.id, numbered.number, numbered.status.value, stored.encode(numbered)),
            )
            if not cur.fetchall():
                raise _Refused
            for order in orders:
                _put_order(cur, order.batched(batch.id), expected=None)
            for card in cards:
                if not insert_card(cur, card):
                    raise _Refused

        try:
            self.write_retrying(work)
        except _Refused:
            return False
        return True

    def get_batch(self, batch_id: str) -> Batch | None:
        """See :meth:`~amparex_core.ports.storage.OrderStore.get_batch`."""
        row = self.read(
            lambda cur: cur.execute("SELECT data FROM batches WHERE id = ?", (batch_id,)).fetchone()
        )
        return None if row is None else _batch(row[0])

    def list_batches(self, *, open_only: bool = False) -> list[Batch]:
        """See :meth:`~amparex_core.ports.storage.OrderStore.list_batches`."""
        from amparex_core.domain.orders import BatchStatus

        sql = "SELECT data FROM batches"
        params: tuple[str, ...] = ()
        if open_only:
            sql += " WHERE status = ?"
            params = (BatchStatus.OPEN.value,)
        rows = self.read(lambda cur: cur.execute(sql, params).fetchall())
        found = [_batch(r[0]) for r in rows]
        return sorted(found, key=lambda b: (b.number, b.id))

    def mark_batch_delivered(self, batch_id: str, *, at: dt.datetime, receipt: str) -> Batch:
        """See :meth:`~amparex_core.ports.storage.OrderStore.mark_batch_delivered`."""
        from amparex_core.domain.orders import BatchStatus, OrderStatus

        def work(cur: Cursor) -> Batch:
            cur.execute(f"SELECT data FROM batches WHERE id = ?{self.for_update}", (batch_id,))  # noqa: S608
            row = cur.fetchone()
            if row is None:
                raise LookupError(f"no batch has the ID {batch_id}")
            batch = _batch(row[0])
            if batch.status is BatchStatus.DELIVERED:
                return batch
            delivered = batch.delivered(at, receipt)
            cur.execute(
                "UPDATE batches SET status = ?, data = ? WHERE id = ?",
                (delivered.status.value, stored.encode(delivered), batch_id),
            )
            for order_id in sorted(set(batch.order_ids)):
                order = self._order_where(cur, "id", order_id)
                if order is not None and order.status is OrderStatus.BATCHED:
                    _put_order(cur, order.dispatched(), expected=None)
            finish_delivery(cur, batch_id)
            return delivered

        return self.write(work)

    def next_serial(self, sequence: str) -> int:
        """See :meth:`~amparex_core.ports.storage.OrderStore.next_serial`."""
        return self.write_single(lambda cur: _serial(cur, sequence))


def _serial(cur: Cursor, sequence: str) -> int:
    """The next number of counter *sequence*, in the caller's transaction (its row locked)."""
    cur.execute(
        "INSERT INTO serials (name, value) VALUES (?, 1) ON CONFLICT (name)"
        " DO UPDATE SET value = serials.value + 1 RETURNING value",
        (sequence,),
    )
    return int(cur.fetchall()[0][0])
