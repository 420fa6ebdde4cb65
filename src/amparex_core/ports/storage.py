"""The storage ports: configurations, card templates, orders, issued cards, upload ledger.

Every write is atomic: it happens whole or not at all. The uniqueness and idempotency rules
are the store's job — a store enforces them with its own means (a unique index, a
transaction), so they hold when many workstations write at the same moment (IF8, CO13,
CR3, LL8). A refused write leaves the store unchanged.

The listings of orders, cards and the upload ledger are paged by key
(:mod:`amparex_core.domain.paging`): ``limit`` items at most, after the key of the
previous page's last item (``after``), filtered and sorted by the store itself (a
database with its indexes), never by loading the whole table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # annotations only: a port imports no domain module at run time
    from amparex_core.domain.cards import CardUid, IssuedCard
    from amparex_core.domain.claims import Holder
    from amparex_core.domain.deliveries import BatchClaim, BatchDelivery, DeliveryFailure
    from amparex_core.domain.interfaces import InterfaceConfig, InterfaceKind
    from amparex_core.domain.orders import Batch, CardOrder, OrderStatus, ProcessRef
    from amparex_core.domain.templates import CardTemplate
    from amparex_core.domain.uploads import ClaimResult, FileFacts, UploadRecord, UploadState

__all__ = ["CardStore", "InterfaceStore", "OrderStore", "Storage", "TemplateStore", "UploadLedger"]


@runtime_checkable
class InterfaceStore(Protocol):
    """Interface configurations (IF1–IF9)."""

    def add_interface(self, config: InterfaceConfig) -> None:
        """Store a new configuration.

        Raises:
            InterfaceDuplicate: A configuration with an equal
                :meth:`~amparex_core.domain.interfaces.InterfaceConfig.uniqueness_key`
                exists (IF7, IF8); it is named in the error. Also when the ID exists.
            KeyInClear: The configuration holds a secret's value, not a reference to it
                (OP6, :func:`~amparex_core.domain.interfaces.refuse_key_in_clear`).
        """
        ...

    def replace_interface(self, config: InterfaceConfig) -> None:
        """Replace the configuration with ``config.id``.

        Raises:
            InterfaceUnknown: No configuration has that ID.
            InterfaceDuplicate: The changed configuration collides with another one.
            KeyInClear: The configuration holds a secret's value (OP6).
        """
        ...

    def get_interface(self, interface_id: str) -> InterfaceConfig:
        """The configuration with *interface_id*.

        Raises:
            InterfaceUnknown: No configuration has that ID.
        """
        ...

    def remove_interface(self, interface_id: str) -> InterfaceConfig:
        """Remove and return the configuration with *interface_id*.

        Raises:
            InterfaceUnknown: No configuration has that ID.
        """
        ...

    def search_interfaces(
        self, *, kind: InterfaceKind | None = None, with_workstation_settings: bool = False
    ) -> list[InterfaceConfig]:
        """Configurations, optionally of one kind and only those with a workstation (IF4).

        Returns:
            Sorted by kind, display name (compared by ``name_key``) and ID.
        """
        ...

    def interface_candidates(
        self, kind: InterfaceKind, *, branch: str | None, workstation: str | None
    ) -> list[InterfaceConfig]:
        """Configurations of *kind* whose branch and workstation fit (IF2, IF3, IF9).

        A configuration fits when its branch is ``None`` or equals *branch*, and its
        workstation is ``None`` or equals *workstation* under ``name_key``. Start dates
        are not looked at; order does not matter.
        """
        ...


@runtime_checkable
class TemplateStore(Protocol):
    """Card templates (CO3, CO4, CO14)."""

    def add_template(self, template: CardTemplate) -> None:
        """Store a new card template.

        Raises:
            TemplateDuplicate: A template with an equal ``key`` exists (CO4).
        """
        ...

    def get_template(self, name: str) -> CardTemplate:
        """The template whose key equals ``name_key(name)``.

        Raises:
            TemplateUnknown: There is none.
        """
        ...

    def replace_template(self, name: str, template: CardTemplate) -> None:
        """Replace the template named *name* by *template*, which may be renamed (CO22).

        Placed orders keep their snapshot (CO14).

        Raises:
            TemplateUnknown: No template has the key ``name_key(name)``.
            TemplateDuplicate: Another template has ``template.key`` (CO4); the error
                names it.
        """
        ...

    def remove_template(self, name: str) -> CardTemplate:
        """Remove and return the template named *name*; placed orders keep their snapshot.

        Raises:
            TemplateUnknown: There is none.
        """
        ...

    def list_templates(self) -> list[CardTemplate]:
        """Every template, sorted by key."""
        ...


@runtime_checkable
class OrderStore(Protocol):
    """Card orders, batches and the chain's running numbers (CO6, CO13, CO16, CO17)."""

    def add_order(self, order: CardOrder) -> tuple[CardOrder, bool]:
        """Store *order* unless an order with its process reference exists (CO13).

        Idempotent also under concurrency: of many callers with one process reference,
        exactly one stores its order.

        Returns:
            ``(order, True)`` when stored; ``(existing, False)`` when an order with the
            same ``process_ref`` existed (then nothing is written).
        """
        ...

    def get_order(self, order_id: str) -> CardOrder:
        """The order with *order_id*.

        Raises:
            OrderUnknown: There is none.
        """
        ...

    def order_by_process_ref(self, process_ref: ProcessRef) -> CardOrder | None:
        """The order placed with *process_ref*, if any (CO13)."""
        ...

    def list_orders(
        self,
        *,
        status: OrderStatus | None = None,
        since: dt.datetime | None = None,
        limit: int | None = None,
        after: str | None = None,
    ) -> list[CardOrder]:
        """Orders sorted by ``placed_at`` and ID; one page of them with *limit* / *after*.

        Args:
            status: Only orders of this status.
            since: Only orders placed at or after this instant.
            limit: At most this many (``None``: all).
            after: The ID of the last order of the previous page: only orders sorting
                after that order (by ``placed_at``, then ID) — whatever its status now.

        Raises:
            OrderUnknown: No order has the ID *after*.
            ValueError: *limit* is below 1.
        """
        ...

    def pending_orders_ending_by(self, day: dt.date) -> list[CardOrder]:
        """Pending orders whose period ends on or before *day* (CO6).

        Returns:
            Sorted like :meth:`list_orders`.
        """
        ...

    def update_order(self, order: CardOrder, *, expected: OrderStatus) -> bool:
        """Replace the stored order with *order* if its status is still *expected*.

        Returns:
            ``False`` (and nothing written) when the stored status differs.

        Raises:
            OrderUnknown: No order has ``order.id``.
        """
        ...

    def create_batch(
        self, batch: Batch, cards: Sequence[IssuedCard], *, sequence: str | None = None
    ) -> bool:
        """Store *batch*, move its orders from pending to batched and issue *cards*.

        All or nothing: when any order of ``batch.order_ids`` is no longer pending, or a
        card number exists, nothing is written.

        Args:
            batch: The batch.
            cards: The cards its orders issue.
            sequence: A counter (as :meth:`next_serial` keeps it) whose next number becomes
                the batch's number, taken in the same transaction: a refused batch takes
                no number, so the numbers of the stored batches have no gaps under any
                concurrency (CO19). ``batch.number`` is ignored then. Without it the
                batch keeps its number.

        Returns:
            Whether the batch was stored (read it back with :meth:`get_batch` for its
            number).
        """
        ...

    def get_batch(self, batch_id: str) -> Batch | None:
        """The batch with *batch_id*, if any."""
        ...

    def list_batches(self, *, open_only: bool = False) -> list[Batch]:
        """Batches sorted by number; with *open_only* only those not yet delivered."""
        ...

    def mark_batch_delivered(self, batch_id: str, *, at: dt.datetime, receipt: str) -> Batch:
        """Record that the batch reached the vendor: it is delivered, its orders dispatched.

        In the same transaction its delivery's claim is dropped
        (:meth:`~amparex_core.domain.deliveries.BatchDelivery.finished`), whoever holds it.
        Marking a delivered batch again changes nothing and returns it.

        Raises:
            LookupError: No batch has that ID.
        """
        ...

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
        """Claim the delivery of batch *batch_id* for *holder* (CO19).

        Reads the batch and its delivery and writes the decision of
        :func:`~amparex_core.domain.deliveries.decide_batch_claim` in one atomic step: of
        concurrent claimers exactly one gets ``CLAIMED`` while the claim holds.

        Args:
            batch_id: The batch.
            holder: Who claims.
            now: The instant of the claim.
            lease: How long the claim holds unless renewed.
            dead: A holder the claimant proved dead: its claim is taken over at once.
            wait_for_retry: Answer ``WAITING`` while a failed delivery's next attempt is
                not due.

        Raises:
            LookupError: No batch has that ID.
        """
        ...

    def renew_batch(
        self, batch_id: str, holder: Holder, *, now: dt.datetime, lease: dt.timedelta
    ) -> bool:
        """Extend *holder*'s claim on batch *batch_id* to *now* + *lease*.

        Returns:
            ``False`` (and nothing written) when *holder* does not hold it any more: it
            was taken over, or the batch is delivered.
        """
        ...

    def release_batch(
        self, batch_id: str, holder: Holder, *, failure: DeliveryFailure | None = None
    ) -> bool:
        """Give *holder*'s claim on batch *batch_id* back, recording *failure* if any.

        Returns:
            ``False`` (and nothing written) when *holder* does not hold it any more.
        """
        ...

    def get_batch_delivery(self, batch_id: str) -> BatchDelivery | None:
        """The delivery of batch *batch_id* (its claim and attempts), if it has one."""
        ...

    def next_serial(self, sequence: str) -> int:
        """The next number of the named counter, starting at 1.

        Never the same number twice for one counter, also under concurrency; gaps are
        allowed (a refused order may use up a number).
        """
        ...


@runtime_checkable
class CardStore(Protocol):
    """Issued cards (CR2–CR4)."""

    def add_card(self, card: IssuedCard) -> None:
        """Store an issued card.

        Raises:
            CardDuplicate: A card with that number exists.
            CardUidTaken: The card has a UID another card holds.
        """
        ...

    def get_card(self, number: str) -> IssuedCard | None:
        """The card with *number*, if any."""
        ...

    def card_by_uid(self, uid: CardUid) -> IssuedCard | None:
        """The card linked to the physical card *uid*, if any (CR2)."""
        ...

    def set_card_uid(self, number: str, uid: CardUid) -> IssuedCard:
        """Link card *number* to the physical card *uid*, once (CR3).

        Linking the same pair again is a no-op.

        Raises:
            CardUnknown: No card has *number*.
            CardUidTaken: *uid* belongs to another card.
            CardAlreadyRegistered: The card is linked to another UID.
        """
        ...

    def block_card(self, number: str, *, at: dt.datetime) -> IssuedCard:
        """Mark card *number* invalid (CR4); blocking again keeps the first time.

        Raises:
            CardUnknown: No card has *number*.
        """
        ...

    def list_cards(self, *, limit: int | None = None, after: str | None = None) -> list[IssuedCard]:
        """Issued cards sorted by number; one page of them with *limit* / *after*.

        Args:
            limit: At most this many (``None``: all).
            after: The number of the last card of the previous page: only cards whose
                number sorts after it.

        Raises:
            ValueError: *limit* is below 1.
        """
        ...


@runtime_checkable
class UploadLedger(Protocol):
    """Which export file went to which destination (LL8)."""

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
        """Claim file *name* for an upload to *destination* by *holder*.

        Reads the record and writes the decision of
        :func:`~amparex_core.domain.uploads.decide_claim` in one atomic step: of
        concurrent claimers exactly one gets ``CLAIMED``. A claim whose lease ran out, or
        whose holder is *dead*, is taken over (its attempt count grows).

        Args:
            destination: Where the file goes.
            name: The file.
            facts: Its size and hash now.
            now: The instant of the claim.
            lease: How long the claim holds unless renewed.
            holder: Who claims.
            dead: A holder the claimant proved dead.

        Returns:
            ``(CLAIMED, record)``; ``(ALREADY_UPLOADED, record)`` when it was uploaded;
            ``(IN_PROGRESS, record)`` when another live claim holds it.
        """
        ...

    def complete_upload(
        self, destination: str, name: str, *, receipt: str, now: dt.datetime
    ) -> UploadRecord:
        """Record that the claimed upload succeeded.

        Raises:
            LookupError: There is no claim for that file.
        """
        ...

    def renew_upload(
        self,
        destination: str,
        name: str,
        holder: Holder,
        *,
        now: dt.datetime,
        lease: dt.timedelta,
    ) -> bool:
        """Extend *holder*'s claim on that file to *now* + *lease* (the uploader is at work).

        Returns:
            ``False`` (and nothing written) when the file is no claim of *holder*.
        """
        ...

    def release_upload(self, destination: str, name: str, holder: Holder | None = None) -> None:
        """Drop an unfinished claim after a failed attempt, so the next run retries.

        An uploaded record is never released; with *holder*, only a claim *holder* holds
        (one taken over meanwhile stays).
        """
        ...

    def get_upload(self, destination: str, name: str) -> UploadRecord | None:
        """The ledger row of that file, if any."""
        ...

    def get_uploads(self, destination: str, names: Sequence[str]) -> dict[str, UploadRecord]:
        """The ledger rows of many files of *destination* at once, by name.

        Set-based (one query per few hundred names, not one per name): what a watch
        round and a purge ask for the names they have not seen yet.

        Returns:
            The rows that exist; a name the ledger does not know is missing.
        """
        ...

    def list_uploads(
        self,
        destination: str | None = None,
        *,
        state: UploadState | None = None,
        limit: int | None = None,
        after: tuple[str, str] | None = None,
    ) -> list[UploadRecord]:
        """Ledger rows sorted by destination and name; one page of them with *limit* / *after*.

        Args:
            destination: Only rows of this destination.
            state: Only rows in this state (claimed or uploaded).
            limit: At most this many (``None``: all).
            after: ``(destination, name)`` of the last row of the previous page: only rows
                sorting after it.

        Raises:
            ValueError: *limit* is below 1.
        """
        ...


@runtime_checkable
class Storage(InterfaceStore, TemplateStore, OrderStore, CardStore, UploadLedger, Protocol):
    """Everything a store of the library holds, behind one object."""

    def close(self) -> None:
        """Release connections and files."""
        ...
