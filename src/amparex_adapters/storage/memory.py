"""An in-memory store: the full storage contract, for tests, demos and host-application tests.

:class:`MemoryStorage` enforces every uniqueness and idempotency rule exactly like a
database does (unique keys checked inside one lock, all-or-nothing writes), so a service
tested against it behaves the same against SQLite or PostgreSQL. It is thread-safe; it
is not shared between processes.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Sequence

import attrs

from amparex_core.domain.cards import CardUid, IssuedCard
from amparex_core.domain.claims import Holder, describe_holder, takeover_reason
from amparex_core.domain.deliveries import (
    BatchClaim,
    BatchClaimResult,
    BatchDelivery,
    DeliveryFailure,
    decide_batch_claim,
)
from amparex_core.domain.errors import (
    CardAlreadyRegistered,
    CardDuplicate,
    CardUidTaken,
    CardUnknown,
    InterfaceDuplicate,
    InterfaceUnknown,
    OrderUnknown,
    TemplateDuplicate,
    TemplateUnknown,
)
from amparex_core.domain.interfaces import (
    InterfaceConfig,
    InterfaceKind,
    UniquenessKey,
    refuse_key_in_clear,
)
from amparex_core.domain.orders import Batch, BatchStatus, CardOrder, OrderStatus, ProcessRef
from amparex_core.domain.paging import check_limit, order_key, page
from amparex_core.domain.templates import CardTemplate
from amparex_core.domain.text import name_key
from amparex_core.domain.uploads import (
    ClaimResult,
    FileFacts,
    UploadRecord,
    UploadState,
    claim_takeover,
    decide_claim,
)

from ._memory_operations import MemoryOperationsLog

__all__ = ["MemoryStorage"]

logger = logging.getLogger(__name__)


def _duplicate(config: InterfaceConfig, existing: InterfaceConfig) -> InterfaceDuplicate:
    return InterfaceDuplicate(
        kind=config.kind.value,
        display_name=config.display_name,
        scope=config.policy.scope.value,
        existing_id=existing.id,
        existing_display_name=existing.display_name,
    )


def _interface_sort_key(config: InterfaceConfig) -> tuple[str, str, str]:
    return (config.kind.value, name_key(config.display_name), config.id)


class MemoryStorage(MemoryOperationsLog):
    """Every storage port in memory (:class:`~amparex_core.ports.storage.Storage`).

    It keeps the run log and the alert ledger too
    (:class:`~amparex_core.ports.operations.OperationsLog`).
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.RLock()
        self._interfaces: dict[str, InterfaceConfig] = {}
        self._interface_keys: dict[UniquenessKey, str] = {}  # IF7 key -> configuration ID
        self._templates: dict[str, CardTemplate] = {}
        self._orders: dict[str, CardOrder] = {}
        self._orders_by_ref: dict[str, str] = {}
        self._batches: dict[str, Batch] = {}
        self._serials: dict[str, int] = {}
        self._cards: dict[str, IssuedCard] = {}
        self._cards_by_uid: dict[bytes, str] = {}
        self._uploads: dict[tuple[str, str], UploadRecord] = {}
        self._deliveries: dict[str, BatchDelivery] = {}

    def close(self) -> None:
        """Nothing to release."""

    # ------------------------------------------------------------ interfaces

    def _colliding(self, config: InterfaceConfig) -> InterfaceConfig | None:
        other_id = self._interface_keys.get(config.uniqueness_key())
        if other_id is None or other_id == config.id:
            return None
        return self._interfaces[other_id]

    def _put_interface(self, config: InterfaceConfig) -> None:
        old = self._interfaces.get(config.id)
        if old is not None:
            del self._interface_keys[old.uniqueness_key()]
        self._interfaces[config.id] = config
        self._interface_keys[config.uniqueness_key()] = config.id

    def add_interface(self, config: InterfaceConfig) -> None:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.add_interface`."""
        refuse_key_in_clear(config)
        with self._lock:
            if config.id in self._interfaces:
                raise _duplicate(config, self._interfaces[config.id])
            existing = self._colliding(config)
            if existing is not None:
                raise _duplicate(config, existing)
            self._put_interface(config)

    def replace_interface(self, config: InterfaceConfig) -> None:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.replace_interface`."""
        refuse_key_in_clear(config)
        with self._lock:
            if config.id not in self._interfaces:
                raise InterfaceUnknown(interface_id=config.id)
            existing = self._colliding(config)
            if existing is not None:
                raise _duplicate(config, existing)
            self._put_interface(config)

    def get_interface(self, interface_id: str) -> InterfaceConfig:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.get_interface`."""
        with self._lock:
            try:
                return self._interfaces[interface_id]
            except KeyError:
                raise InterfaceUnknown(interface_id=interface_id) from None

    def remove_interface(self, interface_id: str) -> InterfaceConfig:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.remove_interface`."""
        with self._lock:
            try:
                removed = self._interfaces.pop(interface_id)
            except KeyError:
                raise InterfaceUnknown(interface_id=interface_id) from None
            del self._interface_keys[removed.uniqueness_key()]
            return removed

    def search_interfaces(
        self, *, kind: InterfaceKind | None = None, with_workstation_settings: bool = False
    ) -> list[InterfaceConfig]:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.search_interfaces`."""
        with self._lock:
            found = [
                c
                for c in self._interfaces.values()
                if (kind is None or c.kind is kind)
                and (not with_workstation_settings or c.workstation is not None)
            ]
        return sorted(found, key=_interface_sort_key)

    def interface_candidates(
        self, kind: InterfaceKind, *, branch: str | None, workstation: str | None
    ) -> list[InterfaceConfig]:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.interface_candidates`."""
        with self._lock:
            return [
                c
                for c in self._interfaces.values()
                if c.kind is kind and c.matches_place(branch=branch, workstation=workstation)
            ]

    # ------------------------------------------------------------ templates

    def add_template(self, template: CardTemplate) -> None:
        """See :meth:`~amparex_core.ports.storage.TemplateStore.add_template`."""
        with self._lock:
            existing = self._templates.get(template.key)
            if existing is not None:
                raise TemplateDuplicate(name=template.name, existing_name=existing.name)
            self._templates[template.key] = template

    def get_template(self, name: str) -> CardTemplate:
        """See :meth:`~amparex_core.ports.storage.TemplateStore.get_template`."""
        with self._lock:
            try:
                return self._templates[name_key(name)]
            except KeyError:
                raise TemplateUnknown(name=name) from None

    def replace_template(self, name: str, template: CardTemplate) -> None:
        """See :meth:`~amparex_core.ports.storage.TemplateStore.replace_template`."""
        with self._lock:
            key = name_key(name)
            if key not in self._templates:
                raise TemplateUnknown(name=name)
            holder = self._templates.get(template.key)
            if template.key != key and holder is not None:
                raise TemplateDuplicate(name=template.name, existing_name=holder.name)
            del self._templates[key]
            self._templates[template.key] = template

    def remove_template(self, name: str) -> CardTemplate:
        """See :meth:`~amparex_core.ports.storage.TemplateStore.remove_template`."""
        with self._lock:
            try:
                return self._templates.pop(name_key(name))
            except KeyError:
                raise TemplateUnknown(name=name) from None

    def list_templates(self) -> list[CardTemplate]:
        """See :meth:`~amparex_core.ports.storage.TemplateStore.list_templates`."""
        with self._lock:
            return [self._templates[k] for k in sorted(self._templates)]

    # ------------------------------------------------------------ orders

    def add_order(self, order: CardOrder) -> tuple[CardOrder, bool]:
        """See :meth:`~amparex_core.ports.storage.OrderStore.add_order`."""
        ref = str(order.process_ref)
        with self._lock:
            existing_id = self._orders_by_ref.get(ref)
            if existing_id is not None:
                return self._orders[existing_id], False
            if order.id in self._orders:
                raise ValueError(f"an order with the ID {order.id} exists")
            self._orders[order.id] = order
            self._orders_by_ref[ref] = order.id
            return order, True

    def get_order(self, order_id: str) -> CardOrder:
        """See :meth:`~amparex_core.ports.storage.OrderStore.get_order`."""
        with self._lock:
            try:
                return self._orders[order_id]
            except KeyError:
                raise OrderUnknown(order_id=order_id) from None

    def order_by_process_ref(self, process_ref: ProcessRef) -> CardOrder | None:
        """See :meth:`~amparex_core.ports.storage.OrderStore.order_by_process_ref`."""
        with self._lock:
            order_id = self._orders_by_ref.get(str(process_ref))
            return None if order_id is None else self._orders[order_id]

    def list_orders(
        self,
        *,
        status: OrderStatus | None = None,
        since: dt.datetime | None = None,
        limit: int | None = None,
        after: str | None = None,
    ) -> list[CardOrder]:
        """See :meth:`~amparex_core.ports.storage.OrderStore.list_orders`."""
        check_limit(limit)
        with self._lock:
            cursor = None if after is None else order_key(self.get_order(after))
            found = [
                o
                for o in self._orders.values()
                if (status is None or o.status is status)
                and (since is None or o.placed_at >= since)
            ]
        return page(found, key=order_key, limit=limit, after=cursor)

    def pending_orders_ending_by(self, day: dt.date) -> list[CardOrder]:
        """See :meth:`~amparex_core.ports.storage.OrderStore.pending_orders_ending_by`."""
        return [o for o in self.list_orders(status=OrderStatus.PENDING) if o.period.end <= day]

    def update_order(self, order: CardOrder, *, expected: OrderStatus) -> bool:
        """See :meth:`~amparex_core.ports.storage.OrderStore.update_order`."""
        with self._lock:
            current = self.get_order(order.id)
            if current.status is not expected:
                return False
            self._orders[order.id] = order
            return True

    def create_batch(
        self, batch: Batch, cards: Sequence[IssuedCard], *, sequence: str | None = None
    ) -> bool:
        """See :meth:`~amparex_core.ports.storage.OrderStore.create_batch`."""
        with self._lock:
            if batch.id in self._batches:
                return False
            orders = [self._orders.get(i) for i in batch.order_ids]
            if any(o is None or o.status is not OrderStatus.PENDING for o in orders):
                return False
            numbers = [c.number for c in cards]
            if len(set(numbers)) != len(numbers) or any(n in self._cards for n in numbers):
                return False
            uids = [c.uid.value for c in cards if c.uid is not None]
            if len(set(uids)) != len(uids) or any(u in self._cards_by_uid for u in uids):
                return False
            if sequence is not None:  # numbered only now: a refused batch takes no number
                batch = attrs.evolve(batch, number=self.next_serial(sequence))
            for order in filter(None, orders):
                self._orders[order.id] = order.batched(batch.id)
            self._batches[batch.id] = batch
            for card in cards:
                self._put_card(card)
            return True

    def get_batch(self, batch_id: str) -> Batch | None:
        """See :meth:`~amparex_core.ports.storage.OrderStore.get_batch`."""
        with self._lock:
            return self._batches.get(batch_id)

    def list_batches(self, *, open_only: bool = False) -> list[Batch]:
        """See :meth:`~amparex_core.ports.storage.OrderStore.list_batches`."""
        with self._lock:
            found = [
                b for b in self._batches.values() if not open_only or b.status is BatchStatus.OPEN
            ]
        return sorted(found, key=lambda b: (b.number, b.id))

    def mark_batch_delivered(self, batch_id: str, *, at: dt.datetime, receipt: str) -> Batch:
        """See :meth:`~amparex_core.ports.storage.OrderStore.mark_batch_delivered`."""
        with self._lock:
            batch = self._batches.get(batch_id)
            if batch is None:
                raise LookupError(f"no batch has the ID {batch_id}")
            if batch.status is BatchStatus.DELIVERED:
                return batch
            delivered = batch.delivered(at, receipt)
            self._batches[batch_id] = delivered
            for order_id in batch.order_ids:
                order = self._orders[order_id]
                if order.status is OrderStatus.BATCHED:
                    self._orders[order_id] = order.dispatched()
            delivery = self._deliveries.get(batch_id)
            if delivery is not None:
                self._deliveries[batch_id] = delivery.finished()
            return delivered

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
        with self._lock:
            batch = self._batches.get(batch_id)
            if batch is None:
                raise LookupError(f"no batch has the ID {batch_id}")
            decision = decide_batch_claim(
                batch_id,
                self._deliveries.get(batch_id),
                holder,
                delivered=batch.status is BatchStatus.DELIVERED,
                now=now,
                lease=lease,
                dead=dead,
                wait_for_retry=wait_for_retry,
            )
            if decision.result is BatchClaimResult.CLAIMED:
                self._deliveries[batch_id] = decision.delivery
        if decision.took_over is not None and decision.previous is not None:
            logger.info(
                "memory store: took over the delivery of batch %s from %s: %s (attempt %d)",
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
        with self._lock:
            current = self._deliveries.get(batch_id)
            renewed = None if current is None else current.renewed(holder, now=now, lease=lease)
            if renewed is None:
                return False
            self._deliveries[batch_id] = renewed
            return True

    def release_batch(
        self, batch_id: str, holder: Holder, *, failure: DeliveryFailure | None = None
    ) -> bool:
        """See :meth:`~amparex_core.ports.storage.OrderStore.release_batch`."""
        with self._lock:
            current = self._deliveries.get(batch_id)
            released = None if current is None else current.released(holder, failure)
            if released is None:
                return False
            self._deliveries[batch_id] = released
            return True

    def get_batch_delivery(self, batch_id: str) -> BatchDelivery | None:
        """See :meth:`~amparex_core.ports.storage.OrderStore.get_batch_delivery`."""
        with self._lock:
            return self._deliveries.get(batch_id)

    def next_serial(self, sequence: str) -> int:
        """See :meth:`~amparex_core.ports.storage.OrderStore.next_serial`."""
        with self._lock:
            value = self._serials.get(sequence, 0) + 1
            self._serials[sequence] = value
            return value

    # ------------------------------------------------------------ cards

    def _put_card(self, card: IssuedCard) -> None:
        self._cards[card.number] = card
        if card.uid is not None:
            self._cards_by_uid[card.uid.value] = card.number

    def add_card(self, card: IssuedCard) -> None:
        """See :meth:`~amparex_core.ports.storage.CardStore.add_card`."""
        with self._lock:
            if card.number in self._cards:
                raise CardDuplicate(card_number=card.number)
            if card.uid is not None and card.uid.value in self._cards_by_uid:
                raise CardUidTaken(uid=card.uid.hex, card_number=self._cards_by_uid[card.uid.value])
            self._put_card(card)

    def get_card(self, number: str) -> IssuedCard | None:
        """See :meth:`~amparex_core.ports.storage.CardStore.get_card`."""
        with self._lock:
            return self._cards.get(number)

    def card_by_uid(self, uid: CardUid) -> IssuedCard | None:
        """See :meth:`~amparex_core.ports.storage.CardStore.card_by_uid`."""
        with self._lock:
            number = self._cards_by_uid.get(uid.value)
            return None if number is None else self._cards[number]

    def set_card_uid(self, number: str, uid: CardUid) -> IssuedCard:
        """See :meth:`~amparex_core.ports.storage.CardStore.set_card_uid`."""
        with self._lock:
            card = self._cards.get(number)
            if card is None:
                raise CardUnknown(what="number", value=number)
            if card.uid == uid:
                return card
            holder = self._cards_by_uid.get(uid.value)
            if holder is not None:
                raise CardUidTaken(uid=uid.hex, card_number=holder)
            if card.uid is not None:
                raise CardAlreadyRegistered(card_number=number, uid=card.uid.hex)
            linked = card.with_uid(uid)
            self._put_card(linked)
            return linked

    def block_card(self, number: str, *, at: dt.datetime) -> IssuedCard:
        """See :meth:`~amparex_core.ports.storage.CardStore.block_card`."""
        with self._lock:
            card = self._cards.get(number)
            if card is None:
                raise CardUnknown(what="number", value=number)
            blocked = card.block(at)
            self._cards[number] = blocked
            return blocked

    def list_cards(self, *, limit: int | None = None, after: str | None = None) -> list[IssuedCard]:
        """See :meth:`~amparex_core.ports.storage.CardStore.list_cards`."""
        with self._lock:
            found = list(self._cards.values())
        return page(found, key=lambda c: c.number, limit=limit, after=after)

    # ------------------------------------------------------------ upload ledger

    def claim_upload(
        self,
        destination: str,
        name: str,
        facts: FileFacts,
        *,
        now: dt.datetime,
        lease: dt.timedelta,
        holder: Holder | None = None,
        dead: Holder | None = None,
    ) -> tuple[ClaimResult, UploadRecord | None]:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.claim_upload`."""
        key = (destination, name)
        with self._lock:
            current = self._uploads.get(key)
            result, record = decide_claim(
                current, destination, name, facts, now=now, lease=lease, holder=holder, dead=dead
            )
            if result is ClaimResult.CLAIMED:
                self._uploads[key] = record
        if result is ClaimResult.CLAIMED and current is not None:
            logger.info(
                "memory store: took over the claim of %s to %s from %s: %s (attempt %d)",
                name,
                destination,
                describe_holder(current.holder),
                takeover_reason(claim_takeover(current, now=now, lease=lease, dead=dead)),
                record.attempts,
            )
        return result, record

    def renew_upload(
        self,
        destination: str,
        name: str,
        holder: Holder,
        *,
        now: dt.datetime,
        lease: dt.timedelta,
    ) -> bool:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.renew_upload`."""
        with self._lock:
            current = self._uploads.get((destination, name))
            renewed = None if current is None else current.renewed(holder, now=now, lease=lease)
            if renewed is None:
                return False
            self._uploads[(destination, name)] = renewed
            return True

    def complete_upload(
        self, destination: str, name: str, *, receipt: str, now: dt.datetime
    ) -> UploadRecord:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.complete_upload`."""
        with self._lock:
            record = self._uploads.get((destination, name))
            if record is None:
                raise LookupError(f"no upload of {name} to {destination} was claimed")
            done = record.completed(receipt=receipt, now=now)
            self._uploads[(destination, name)] = done
            return done

    def release_upload(self, destination: str, name: str, holder: Holder | None = None) -> None:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.release_upload`."""
        with self._lock:
            record = self._uploads.get((destination, name))
            if record is not None and record.releasable_by(holder):
                del self._uploads[(destination, name)]

    def get_upload(self, destination: str, name: str) -> UploadRecord | None:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.get_upload`."""
        with self._lock:
            return self._uploads.get((destination, name))

    def get_uploads(self, destination: str, names: Sequence[str]) -> dict[str, UploadRecord]:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.get_uploads`."""
        with self._lock:
            return {
                name: record
                for name in names
                if (record := self._uploads.get((destination, name))) is not None
            }

    def list_uploads(
        self,
        destination: str | None = None,
        *,
        state: UploadState | None = None,
        limit: int | None = None,
        after: tuple[str, str] | None = None,
    ) -> list[UploadRecord]:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.list_uploads`."""
        with self._lock:
            found = [
                r
                for (dest, _name), r in self._uploads.items()
                if (destination is None or dest == destination)
                and (state is None or r.state is state)
            ]
        return page(found, key=lambda r: (r.destination, r.name), limit=limit, after=after)
