"""Place, cancel and dispatch card orders; request information from the vendor (CO1–CO19).

Dispatch delivers every batch under a claim in the store (CO19): one holder at a time
sends it, renewing the claim while it sends; a batch another live holder is sending is
skipped and reported with its holder; a claim whose holder died is taken over (at once
on the same host, after its lease elsewhere) and the batch is sent again with the same
batch ID and content. A failed delivery gives the claim back with the time its next
attempt is due (exponential back-off with jitter), which the chain server waits for.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from datetime import tzinfo
from typing import Any

import attrs

from amparex_core.domain._records import frozen
from amparex_core.domain.batches import (
    document_sequence,
    manifest_attachments,
    order_context,
    resolve_recipient,
)
from amparex_core.domain.cards import CardNumberFormat, HolderRef, IssuedCard
from amparex_core.domain.claims import RetryPolicy
from amparex_core.domain.errors import (
    AmparexError,
    BranchUnknown,
    ContractRequired,
    DocumentTemplateUnknown,
    HolderUnknown,
    NoTemplateDefined,
    OrderConflict,
    OrderNotCancellable,
)
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceKind
from amparex_core.domain.letters import Addressee, Sender
from amparex_core.domain.masterdata import Customer, Employee, HolderKind
from amparex_core.domain.money import CostItem, CostLine, MoneyFormat, PriceList
from amparex_core.domain.orders import (
    Batch,
    CardOrder,
    OrderStatus,
    ProcessRef,
    batch_total,
    check_validity,
    due_groups,
    request_differences,
)
from amparex_core.domain.parcels import Attachment, DeliveryReceipt, Parcel
from amparex_core.domain.periods import local_date
from amparex_core.domain.templates import CardTemplate, CardType
from amparex_core.ports.clock import Clock
from amparex_core.ports.delivery import ParcelDelivery
from amparex_core.ports.documents import DocumentPart, DocumentRenderer
from amparex_core.ports.masterdata import MasterData
from amparex_core.ports.storage import OrderStore, TemplateStore
from amparex_core.services.claims import Claimant
from amparex_core.services.dispatch import (
    BatchCourier,
    BatchOutcome,
    BatchResult,
    DispatchReport,
)
from amparex_core.services.interfaces import InterfaceService, new_id
from amparex_core.services.progress import Progress

__all__ = [
    "BATCH_SEQUENCE",
    "BatchOutcome",
    "BatchResult",
    "ChainSettings",
    "DispatchReport",
    "InformationRequest",
    "OrderService",
    "PlacedOrder",
    "Progress",
]

CARD_NUMBER_SEQUENCE = "card_number"
#: The chain's counter of batch numbers (``B000001``, …): gap-free (CO19).
BATCH_SEQUENCE = "batch"


@frozen
class ChainSettings:
    """Facts about the chain the order use cases need.

    Attributes:
        name: The chain's name, for letters and the information request.
        tz: The chain's time zone; periods and order dates are computed in it (CO6).
        prices: The price list, with an optional shipping item per batch (CO15, CO23).
        card_numbers: The format of card numbers.
        money: How amounts are written for people: the mail body, the README (CO23).
    """

    name: str
    tz: tzinfo
    prices: PriceList
    card_numbers: CardNumberFormat = attrs.field(factory=CardNumberFormat)
    money: MoneyFormat = attrs.field(factory=MoneyFormat)


@frozen
class PlacedOrder:
    """The answer to placing an order: the order, and whether this call created it (CO13)."""

    order: CardOrder
    created: bool


@frozen
class InformationRequest:
    """Who asks the vendor for a card contract (Informationen anfordern, CO2)."""

    contact_name: str
    email: str
    phone: str | None = None
    branch: str | None = None
    message: str | None = None


_CARD_ITEMS = {CardType.CHIP: CostItem.CARD_CHIP, CardType.NFC_RFID: CostItem.CARD_NFC_RFID}


def cost_lines(template: CardTemplate, prices: PriceList) -> tuple[CostLine, ...]:
    """The cost lines of one card of *template* (CO12, CO15)."""
    lines = [prices.line(_CARD_ITEMS[template.card_type])]
    if template.gift_box:
        lines.append(prices.line(CostItem.GIFT_BOX))
    if template.roller_clip:
        lines.append(prices.line(CostItem.ROLLER_CLIP))
    return tuple(lines)


def _again(existing: CardOrder, ref: ProcessRef, request: dict[str, Any]) -> PlacedOrder:
    """The first order for a repeated request (CO13), or ``order.conflict`` (CO21)."""
    differences = request_differences(existing, **request)
    if differences:
        raise OrderConflict(
            process_ref=str(ref),
            existing_order_id=existing.id,
            differences=", ".join(differences),
        )
    return PlacedOrder(existing, created=False)


class OrderService:
    """Use cases of card ordering.

    Args:
        store: Orders, batches and counters (and issued cards, created at batching).
        templates: Card templates.
        interfaces: Resolves the card-ordering configuration (CO1, IF9).
        masterdata: Holders, branches, document templates.
        renderer: Fills and merges the batch documents (CO16).
        delivery: Where batches and information requests go (CO18).
        clock: The time.
        chain: Time zone, prices, card-number format.
        id_factory: Makes IDs of orders and batches.
        claimant: Who claims batch deliveries (CO19): its name, lease and process
            table; by default an unnamed one with a minute's lease that proves nobody dead.
        retry: When a failed delivery is due again.
        spread: Random numbers from 0 to below 1, for the retries' jitter.
    """

    def __init__(
        self,
        *,
        store: OrderStore,
        templates: TemplateStore,
        interfaces: InterfaceService,
        masterdata: MasterData,
        renderer: DocumentRenderer,
        delivery: ParcelDelivery,
        clock: Clock,
        chain: ChainSettings,
        id_factory: Callable[[], str] = new_id,
        claimant: Claimant | None = None,
        retry: RetryPolicy | None = None,
        spread: Callable[[], float] = random.random,
    ) -> None:
        self._store = store
        self._templates = templates
        self._interfaces = interfaces
        self._masterdata = masterdata
        self._renderer = renderer
        self._delivery = delivery
        self._clock = clock
        self._chain = chain
        self._new_id = id_factory
        self._claimant = claimant if claimant is not None else Claimant()
        self._retry = retry if retry is not None else RetryPolicy()
        self._spread = spread

    # ------------------------------------------------------------ placing

    def place(
        self,
        *,
        template: str,
        holder_id: str,
        branch: str,
        process_ref: ProcessRef | str,
        workstation: str | None = None,
        valid_until: dt.date | None = None,
    ) -> PlacedOrder:
        """Order a card from a process (step) (CO1, CO3, CO5, CO9, CO13, CO15, CO21).

        Placing the same request again with the same process reference returns the first
        order and orders nothing (CO13); the same process reference with another
        template, holder, ordering branch or valid-until date is refused (CO21). Under
        concurrency the store decides who is first; the others compare with its order.

        Args:
            template: Name of the card template.
            holder_id: The customer (customer card) or employee (employee card).
            branch: The ordering branch.
            process_ref: The process or process step, ``"PROCESS"`` or ``"PROCESS/STEP"``.
            workstation: The computer ordering, for interface resolution (IF9).
            valid_until: The card's valid-until date (CO9).

        Raises:
            InterfaceNotAvailable: No card-ordering interface is available (CO1, IF9).
            ContractRequired: The interface has no card contract and key (CO1).
            NoTemplateDefined: No card template exists (CO3).
            TemplateUnknown: No template has that name (CO3).
            ValidityRequired: The template requires a valid-until date (CO9).
            ValidityNotAfterOrderDate: The date is not after the order date (CO9).
            HolderUnknown: The holder is not in the master data.
            BranchUnknown: The ordering branch is not in the master data.
            AddressMissing: The ship-to has no address or leading branch (CO5).
            PriceMissing: The price list lacks an item (CO15).
            OrderConflict: The process reference was used for a different request; the
                error names the first order (CO21).
        """
        ref = process_ref if isinstance(process_ref, ProcessRef) else ProcessRef.parse(process_ref)
        request = {
            "template": template,
            "holder_id": holder_id,
            "ordering_branch": branch,
            "valid_until": valid_until,
        }
        existing = self._store.order_by_process_ref(ref)
        if existing is not None:
            return _again(existing, ref, request)
        now = self._clock.now()
        today = local_date(now, self._chain.tz)
        config = self._interfaces.resolve(
            InterfaceKind.CARD_ORDER, branch=branch, workstation=workstation, on=today
        )[0]
        settings = config.settings
        if not isinstance(settings, CardOrderSettings) or settings.contract is None:
            raise ContractRequired(interface_id=config.id)
        if not settings.has_contract:
            raise ContractRequired(interface_id=config.id)
        if not self._templates.list_templates():
            raise NoTemplateDefined()
        card_template = self._templates.get_template(template)
        check_validity(card_template, valid_until, today)
        holder = self._holder(card_template, holder_id)
        ordering_branch = self._masterdata.branch(branch)
        if ordering_branch is None:
            raise BranchUnknown(branch=branch)
        leading = (
            None
            if holder.leading_branch is None
            else self._masterdata.branch(holder.leading_branch)
        )
        recipient = resolve_recipient(
            card_template.ship_to,
            holder=holder,
            ordering_branch=ordering_branch,
            leading_branch=leading,
        )
        lines = cost_lines(card_template, self._chain.prices)
        serial = self._store.next_serial(CARD_NUMBER_SEQUENCE)
        order = CardOrder.place(
            id=self._new_id(),
            process_ref=ref,
            interface_id=config.id,
            contract=settings.contract,
            template=card_template,
            holder=HolderRef.for_card(card_template.kind, holder.id),
            holder_name=holder.display_name,
            ordering_branch=ordering_branch.id,
            recipient=recipient,
            card_number=self._chain.card_numbers.make(serial),
            valid_until=valid_until,
            placed_at=now,
            tz=self._chain.tz,
            cost_lines=lines,
            addressee=Addressee.of(holder),
            sender=Sender.of(ordering_branch),
        )
        stored, created = self._store.add_order(order)
        if not created:  # another caller was first with this process reference
            return _again(stored, ref, request)
        return PlacedOrder(stored, created)

    def _holder(self, template: CardTemplate, holder_id: str) -> Customer | Employee:
        holder: Customer | Employee | None
        if template.kind.holder_kind is HolderKind.CUSTOMER:
            holder = self._masterdata.customer(holder_id)
        else:
            holder = self._masterdata.employee(holder_id)
        if holder is None:
            raise HolderUnknown(holder_kind=template.kind.holder_kind.value, holder_id=holder_id)
        return holder

    def cancel(self, order_id: str) -> CardOrder:
        """Cancel an order that is not yet in a batch (CO17).

        Raises:
            OrderUnknown: No order has that ID.
            OrderNotCancellable: It is batched, dispatched or cancelled already.
        """
        order = self._store.get_order(order_id)
        cancelled = order.cancel(self._clock.now())
        if not self._store.update_order(cancelled, expected=OrderStatus.PENDING):
            current = self._store.get_order(order_id)
            raise OrderNotCancellable(order_id=order_id, status=current.status.value)
        return cancelled

    def get(self, order_id: str) -> CardOrder:
        """The order with *order_id*.

        Raises:
            OrderUnknown: There is none.
        """
        return self._store.get_order(order_id)

    def list_orders(self, *, status: OrderStatus | None = None) -> list[CardOrder]:
        """Orders, optionally of one status, oldest first."""
        return self._store.list_orders(status=status)

    # ------------------------------------------------------------ dispatching

    def dispatch(
        self,
        *,
        now: dt.datetime | None = None,
        progress: Progress | None = None,
        wait_for_retry: bool = False,
        stop: Callable[[], bool] | None = None,
    ) -> DispatchReport:
        """Batch the due orders and deliver every open batch (CO6, CO15, CO16, CO19).

        Every order whose shipping period has ended goes into exactly one new batch per
        interface and period; the batch's number is taken only when it is stored, so the
        numbers have no gaps (CO19). Then every open batch — new ones, and those left
        open by an earlier run whose delivery failed or whose process died — is delivered
        under a claim: one holder at a time. A batch another live holder delivers is
        skipped and reported with its holder; one whose holder died is taken over and
        sent again with the same batch ID, so the vendor never receives a second,
        different batch.

        Args:
            now: The instant to dispatch at (which orders are due); the clock's time by
                default. Claims and their leases always run on the clock.
            progress: Called after each batch.
            wait_for_retry: Leave failed batches alone until their next attempt is due
                (the chain server); by default they are tried again now.
            stop: Asked before each batch; when it answers ``True`` the run ends there
                (the batches not yet looked at stay open and unclaimed).

        Returns:
            What was delivered, what failed, what others deliver.
        """
        at = self._clock.now() if now is None else now
        conflicts = self.batch_due(at)
        results: list[BatchResult] = []
        todo = self._store.list_batches(open_only=True)
        for done, batch in enumerate(todo, start=1):
            if stop is not None and stop():
                break
            result = self._deliver(batch, wait_for_retry=wait_for_retry)
            if result is not None:
                results.append(result)
            if progress is not None:
                progress(done, len(todo), batch.order_number)
        return DispatchReport(batches=tuple(results), skipped_conflicts=conflicts)

    def batch_due(self, at: dt.datetime) -> int:
        """Put the orders due at *at* into new batches, one per interface and period (CO6).

        Each batch takes its number from the chain's counter in the transaction that
        stores it (CO19); a batch whose orders a concurrent run took first is not stored
        and takes no number.

        Returns:
            How many batches were not stored for that reason.
        """
        conflicts = 0
        day = local_date(at, self._chain.tz)
        prices = self._chain.prices
        candidates = self._store.pending_orders_ending_by(day)
        for (interface_id, period_key), orders in due_groups(candidates, at, self._chain.tz):
            batch = Batch(
                id=self._new_id(),
                number=0,  # drawn by the store when it stores the batch
                interface_id=interface_id,
                period_key=period_key,
                order_ids=[o.id for o in orders],
                total=batch_total(orders, prices.currency, shipping=prices.shipping),
                created_at=at,
                shipping=prices.shipping,
            )
            cards = [
                IssuedCard(
                    number=o.card_number,
                    holder=o.holder,
                    card_type=o.template.card_type,
                    kind=o.template.kind,
                    issued_on=day,
                    valid_until=o.valid_until,
                    order_id=o.id,
                )
                for o in orders
            ]
            if not self._store.create_batch(batch, cards, sequence=BATCH_SEQUENCE):
                conflicts += 1
        return conflicts

    def parcel_for(self, batch: Batch) -> Parcel:
        """The parcel of *batch*: manifest (CSV, JSON) and one PDF of cards and letters (CO16).

        Cover letters greet each holder as the order recorded when it was placed, name
        the ordering branch as sender and carry the batch date (CO23). Deterministic: the
        same batch always gives the same parcel ID, names and content.

        Raises:
            DocumentTemplateUnknown: A document template vanished from the master data.
            DocumentTemplateInvalid: The renderer cannot fill a template.
        """
        orders = [self._store.get_order(order_id) for order_id in batch.order_ids]
        pdf = self._renderer.render(self._document_parts(batch, orders))
        customer_number = self._customer_number(batch.interface_id)
        subject = f"Kartenbestellung {customer_number} {batch.order_number}"
        money = self._chain.money
        shipping = (
            "" if batch.shipping is None else f"Versand / shipping: {money.money(batch.shipping)}\n"
        )
        body = (
            f"Kartenbestellung / card order {batch.order_number}\n"
            f"Kunden-Nr. / customer number: {customer_number}\n"
            f"Kartenvertrag / contract: {orders[0].contract if orders else '-'}\n"
            f"Zeitraum / period: {batch.period_key}\n"
            f"Karten / cards: {len(orders)}\n"
            f"{shipping}"
            f"Summe / total: {money.money(batch.total)}\n"
        )
        attachments = (
            *manifest_attachments(batch, orders),
            Attachment(f"{batch.order_number}-cards.pdf", self._renderer.media_type, pdf),
        )
        return Parcel(id=batch.id, subject=subject, body=body, attachments=attachments)

    def _document_parts(self, batch: Batch, orders: list[CardOrder]) -> list[DocumentPart]:
        """Every card and cover letter of *batch*, filled, in print order (CO16, CO23)."""
        parts: list[DocumentPart] = []
        senders: dict[str, Sender] = {}
        letter_day = local_date(batch.created_at, self._chain.tz)
        for document_id, order in document_sequence(orders):
            document = self._masterdata.document_template(document_id)
            if document is None:
                raise DocumentTemplateUnknown(
                    template=order.template.name, document_id=document_id, role="document"
                )
            sender = order.sender
            if sender is None:  # placed before 0.2: the branch as the master data has it now
                if order.ordering_branch not in senders:
                    branch = self._masterdata.branch(order.ordering_branch)
                    senders[order.ordering_branch] = (
                        Sender(order.ordering_branch, order.ordering_branch)
                        if branch is None
                        else Sender.of(branch)
                    )
                sender = senders[order.ordering_branch]
            context = order_context(
                order,
                ordering_branch_name=sender.name,
                letter_day=letter_day,
                language=document.language,
                sender=sender,
            )
            parts.append(DocumentPart(template=document, context=context))
        return parts

    def _customer_number(self, interface_id: str) -> str:
        try:
            config = self._interfaces.get(interface_id)
        except AmparexError:
            return "-"
        settings = config.settings
        if isinstance(settings, CardOrderSettings) and settings.customer_number:
            return settings.customer_number
        return "-"

    def _deliver(self, batch: Batch, *, wait_for_retry: bool) -> BatchResult | None:
        return BatchCourier(
            store=self._store,
            claimant=self._claimant,
            clock=self._clock,
            retry=self._retry,
            spread=self._spread,
        ).deliver(
            batch,
            send=lambda: self._delivery.send(self.parcel_for(batch)),
            wait_for_retry=wait_for_retry,
        )

    def batches(self, *, open_only: bool = False) -> list[Batch]:
        """Batches, by number."""
        return self._store.list_batches(open_only=open_only)

    # ------------------------------------------------------------ information

    def request_information(
        self,
        request: InformationRequest,
        *,
        branch: str | None = None,
        workstation: str | None = None,
    ) -> DeliveryReceipt:
        """Ask the card vendor for a card contract (Informationen anfordern, CO2).

        Works without a contract: it needs a card-ordering configuration only to name the
        chain's customer number when there is one.

        Raises:
            DeliveryFailed: The request could not be sent.
        """
        now = self._clock.now()
        customer_number = "-"
        found = self._interfaces.available(
            InterfaceKind.CARD_ORDER,
            branch=branch or request.branch,
            workstation=workstation,
            on=local_date(now, self._chain.tz),
        )
        if found:
            customer_number = self._customer_number(found[0].id)
        facts = {
            "chain": self._chain.name,
            "branch": request.branch or branch,
            "customer_number": customer_number,
            "contact_name": request.contact_name,
            "email": request.email,
            "phone": request.phone,
            "message": request.message,
            "requested_at": now.isoformat(),
        }
        body = "\n".join(
            [
                "Informationen anfordern: Kundenkartenbestellung / information request: "
                "customer card ordering",
                "",
                *(f"{key}: {value if value is not None else '-'}" for key, value in facts.items()),
            ]
        )
        parcel = Parcel(
            id=f"info-{self._new_id()}",
            subject=f"Informationen anfordern: Kartenvertrag {self._chain.name}",
            body=body,
            attachments=(
                Attachment(
                    "information-request.json",
                    "application/json",
                    json.dumps(facts, ensure_ascii=False, sort_keys=True, indent=2).encode(),
                ),
            ),
        )
        return self._delivery.send(parcel)
