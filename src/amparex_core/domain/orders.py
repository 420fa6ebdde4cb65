"""Card orders and dispatch batches (CO5–CO17).

An order is placed from a process or process step (:class:`ProcessRef`, CO13), keeps a
snapshot of its template (CO14), its resolved recipient (CO5), its shipping period (CO6)
and its cost lines (CO15). Its life::

    PENDING ──cancel──▶ CANCELLED
       │
       └─batch──▶ BATCHED ──delivered──▶ DISPATCHED

Once in a batch an order can no longer be cancelled (CO17): the batch's content is fixed
so that a re-delivery after a crash sends the same batch again (CO16).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from datetime import tzinfo

import attrs

from ._records import frozen
from .cards import HolderRef
from .errors import (
    OrderNotCancellable,
    ProcessRefInvalid,
    ValidityNotAfterOrderDate,
    ValidityRequired,
)
from .letters import Addressee, Sender
from .masterdata import PostalAddress
from .money import CostLine, Money
from .periods import Period
from .templates import CardTemplate, ShipTo
from .text import name_key, said

__all__ = [
    "Batch",
    "BatchStatus",
    "CardOrder",
    "OrderStatus",
    "ProcessRef",
    "Recipient",
    "batch_total",
    "check_validity",
    "due_groups",
    "request_differences",
]


def _stripped(value: str) -> str:
    return value.strip()


def _optional_text(value: str | None) -> str | None:
    return None if value is None else (value.strip() or None)


def _cost_lines(value: Iterable[CostLine]) -> tuple[CostLine, ...]:
    return tuple(value)


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@frozen
class ProcessRef:
    """The process (Vorgang) and optional step (Vorgangsschritt) an order comes from (CO13).

    >>> ProcessRef.parse("V-2026-0042/3")
    ProcessRef(process='V-2026-0042', step='3')
    >>> str(ProcessRef("V-2026-0042"))
    'V-2026-0042'
    """

    process: str = attrs.field(converter=_stripped)
    step: str | None = attrs.field(default=None, converter=_optional_text)

    def __attrs_post_init__(self) -> None:
        if not self.process:
            raise ProcessRefInvalid(text=str(self), reason=said("the process is empty"))
        if "/" in self.process or (self.step and "/" in self.step):
            raise ProcessRefInvalid(text=str(self), reason=said("'/' separates process and step"))

    @classmethod
    def parse(cls, text: str) -> ProcessRef:
        """Parse ``PROCESS`` or ``PROCESS/STEP``."""
        process, _, step = text.partition("/")
        if "/" in step:
            raise ProcessRefInvalid(text=text, reason=said("more than one '/'"))
        return cls(process, step or None)

    def __str__(self) -> str:
        return self.process if self.step is None else f"{self.process}/{self.step}"


class OrderStatus(enum.Enum):
    """Where an order stands (CO16, CO17)."""

    PENDING = "pending"
    CANCELLED = "cancelled"
    BATCHED = "batched"
    DISPATCHED = "dispatched"

    @property
    def cancellable(self) -> bool:
        """Whether an order in this status may still be cancelled (CO17)."""
        return self is OrderStatus.PENDING


@frozen
class Recipient:
    """Who receives the card and where, resolved when the order is placed (CO5)."""

    ship_to: ShipTo
    name: str
    address: PostalAddress
    branch: str | None = None


def check_validity(
    template: CardTemplate, valid_until: dt.date | None, order_date: dt.date
) -> None:
    """Check an order's valid-until date against its template (CO9).

    Raises:
        ValidityRequired: The template requires a date and none is given.
        ValidityNotAfterOrderDate: The date is on or before the order date.
    """
    if valid_until is None:
        if template.validity_required:
            raise ValidityRequired(template=template.name)
        return
    if valid_until <= order_date:
        raise ValidityNotAfterOrderDate(
            valid_until=valid_until.isoformat(), order_date=order_date.isoformat()
        )


@frozen
class CardOrder:
    """One ordered card (CO3–CO17).

    Build it with :meth:`place`, which enforces the rules; the other constructor is for
    stores that load what was placed before.

    Attributes:
        id: Identity of the order.
        process_ref: Where it was placed; placing again with it returns this order (CO13).
        interface_id: The card-ordering configuration it was placed under (CO1).
        contract: The card contract (never the key, CO1).
        template: Snapshot of the card template at placement (CO14).
        holder: The customer or employee the card is for.
        holder_name: The holder's name as printed on the card.
        ordering_branch: The branch that placed it.
        recipient: Who the vendor ships to, and where (CO5).
        card_number: The number the card will carry (CR4).
        valid_until: Last day of validity, when given (CO9).
        placed_at: When it was placed (aware).
        order_date: The placing day in the chain's time zone.
        period: The shipping period it belongs to (CO6).
        cost_lines: What it costs (CO15).
        status: Where it stands.
        batch_id: The batch it was put in, once batched (CO16).
        cancelled_at: When it was cancelled (CO17).
        addressee: How the cover letter greets the holder, from the master data when
            placed (CO23); ``None`` for orders placed before 0.2.
        sender: The ordering branch as the letter's sender, from the master data when
            placed (CO23); ``None`` for orders placed before 0.2.
    """

    id: str
    process_ref: ProcessRef
    interface_id: str
    contract: str
    template: CardTemplate
    holder: HolderRef
    holder_name: str
    ordering_branch: str
    recipient: Recipient
    card_number: str
    valid_until: dt.date | None
    placed_at: dt.datetime
    order_date: dt.date
    period: Period
    cost_lines: tuple[CostLine, ...] = attrs.field(converter=_cost_lines)
    status: OrderStatus = OrderStatus.PENDING
    batch_id: str | None = None
    cancelled_at: dt.datetime | None = None
    addressee: Addressee | None = None
    sender: Sender | None = None

    @classmethod
    def place(
        cls,
        *,
        id: str,  # noqa: A002 - the field is called id
        process_ref: ProcessRef,
        interface_id: str,
        contract: str,
        template: CardTemplate,
        holder: HolderRef,
        holder_name: str,
        ordering_branch: str,
        recipient: Recipient,
        card_number: str,
        valid_until: dt.date | None,
        placed_at: dt.datetime,
        tz: tzinfo,
        cost_lines: Iterable[CostLine],
        addressee: Addressee | None = None,
        sender: Sender | None = None,
    ) -> CardOrder:
        """Place a new order: check validity (CO9) and fix its period (CO6).

        Raises:
            ValidityRequired: See :func:`check_validity`.
            ValidityNotAfterOrderDate: See :func:`check_validity`.
        """
        if placed_at.tzinfo is None:
            raise ValueError("placed_at is a timezone-aware datetime")
        order_date = placed_at.astimezone(tz).date()
        check_validity(template, valid_until, order_date)
        if recipient.ship_to is not template.ship_to:
            raise ValueError("the recipient was resolved for another ship-to")
        return cls(
            id=id,
            process_ref=process_ref,
            interface_id=interface_id,
            contract=contract,
            template=template,
            holder=holder,
            holder_name=holder_name,
            ordering_branch=ordering_branch,
            recipient=recipient,
            card_number=card_number,
            valid_until=valid_until,
            placed_at=placed_at,
            order_date=order_date,
            period=Period.containing(template.interval, order_date),
            cost_lines=tuple(cost_lines),
            addressee=addressee,
            sender=sender,
        )

    def total(self, currency: str) -> Money:
        """The sum of the cost lines (CO15)."""
        total = Money.zero(currency)
        for line in self.cost_lines:
            total = total + line.price
        return total

    def is_due(self, now: dt.datetime, tz: tzinfo) -> bool:
        """Whether it is pending and its period has ended at *now* (CO6)."""
        return self.status is OrderStatus.PENDING and self.period.is_over(now, tz)

    def cancel(self, at: dt.datetime) -> CardOrder:
        """This order, cancelled (CO17).

        Raises:
            OrderNotCancellable: It is batched, dispatched or cancelled already.
        """
        if not self.status.cancellable:
            raise OrderNotCancellable(order_id=self.id, status=self.status.value)
        return attrs.evolve(self, status=OrderStatus.CANCELLED, cancelled_at=at)

    def batched(self, batch_id: str) -> CardOrder:
        """This order, put into batch *batch_id* (CO16)."""
        if self.status is not OrderStatus.PENDING:
            raise ValueError(f"order {self.id} is {self.status.value}, not pending")
        return attrs.evolve(self, status=OrderStatus.BATCHED, batch_id=batch_id)

    def dispatched(self) -> CardOrder:
        """This order, delivered to the vendor with its batch (CO16)."""
        if self.status is not OrderStatus.BATCHED:
            raise ValueError(f"order {self.id} is {self.status.value}, not batched")
        return attrs.evolve(self, status=OrderStatus.DISPATCHED)


def request_differences(
    order: CardOrder,
    *,
    template: str,
    holder_id: str,
    ordering_branch: str,
    valid_until: dt.date | None,
) -> tuple[str, ...]:
    """What a request to place an order differs in from *order*, placed before (CO13, CO21).

    Templates compare by name as names are compared for uniqueness (CO4), holder and
    branch IDs after trimming, dates exactly. An empty result means the same request: it
    gets the first order again (CO13); anything else is a conflict (CO21).

    Returns:
        The differing parts, in a fixed order, out of ``template``, ``holder``,
        ``ordering_branch`` and ``valid_until``.
    """
    found = []
    if name_key(order.template.name) != name_key(template):
        found.append("template")
    if order.holder.id != holder_id.strip():
        found.append("holder")
    if order.ordering_branch != ordering_branch.strip():
        found.append("ordering_branch")
    if order.valid_until != valid_until:
        found.append("valid_until")
    return tuple(found)


class BatchStatus(enum.Enum):
    """Whether a batch reached the vendor (CO16)."""

    OPEN = "open"
    DELIVERED = "delivered"


@frozen
class Batch:
    """Orders shipped to the vendor together (CO16).

    The batch ID fixes every remote name and the e-mail ``Message-ID``, so delivering the
    same batch again never makes a second batch on the receiving side.

    Attributes:
        id: Identity; part of every remote name.
        number: The chain's running batch number (the batch's order number, CO18).
        interface_id: The card-ordering configuration.
        period_key: The shipping period (CO6) the orders belong to.
        order_ids: The orders, in manifest order.
        total: The sum of all cost lines and the shipping item (CO15, CO23).
        created_at: When it was formed; its day in the chain's time zone is the batch
            date its cover letters carry (CO23).
        status: Open until delivered.
        delivered_at: When the delivery was confirmed.
        receipt: What the delivery channel reported (remote names, message ID).
        shipping: The shipping item charged once for the batch, from the price list when
            the batch was formed; ``None`` when the list has none (CO23).
    """

    id: str
    number: int
    interface_id: str
    period_key: str
    order_ids: tuple[str, ...] = attrs.field(converter=_ids)
    total: Money
    created_at: dt.datetime
    status: BatchStatus = BatchStatus.OPEN
    delivered_at: dt.datetime | None = None
    receipt: str | None = None
    shipping: Money | None = None

    @property
    def order_number(self) -> str:
        """The batch's order number as shown to the vendor: ``B000042``."""
        return f"B{self.number:06d}"

    def delivered(self, at: dt.datetime, receipt: str) -> Batch:
        """This batch, confirmed delivered."""
        return attrs.evolve(self, status=BatchStatus.DELIVERED, delivered_at=at, receipt=receipt)


def due_groups(
    orders: Iterable[CardOrder], now: dt.datetime, tz: tzinfo
) -> list[tuple[tuple[str, str], list[CardOrder]]]:
    """Group the orders due at *now* into future batches (CO6, CO16).

    One group per card-ordering configuration and shipping period, so each batch has one
    contract and one period. Pending orders whose period has not ended are left out; every
    due order lands in exactly one group. Groups and their orders are in a stable order.

    Returns:
        ``((interface_id, period_key), orders)`` pairs.
    """
    groups: dict[tuple[str, str], list[CardOrder]] = {}
    for order in orders:
        if order.is_due(now, tz):
            groups.setdefault((order.interface_id, order.period.key), []).append(order)
    return [
        (key, sorted(members, key=lambda o: (o.placed_at, o.id)))
        for key, members in sorted(groups.items(), key=lambda kv: kv[0])
    ]


def batch_total(
    orders: Sequence[CardOrder], currency: str, *, shipping: Money | None = None
) -> Money:
    """The sum of the cost lines of *orders*, and the batch's *shipping* item (CO15, CO23)."""
    total = Money.zero(currency) if shipping is None else Money.zero(currency) + shipping
    for order in orders:
        total = total + order.total(currency)
    return total
