"""What the SQLite and the PostgreSQL store share: schema, migrations and every port method.

The two stores differ only in how they run a transaction (:meth:`SqlStorage._write`,
:meth:`SqlStorage._read`), in the row lock clause and in the type of binary columns. The
SQL below is written once, with ``?`` placeholders, and runs on both.

Rules the store enforces itself (IF8, CO13, CR3, LL8):

* interface uniqueness — ``interfaces.unique_key`` is UNIQUE (the text of
  :meth:`~amparex_core.domain.interfaces.InterfaceConfig.uniqueness_key`);
* card-template names — ``card_templates.key`` is the primary key;
* one order per process reference — ``orders.process_ref`` is UNIQUE and orders are
  inserted with ``ON CONFLICT DO NOTHING``;
* one card per UID — ``cards.uid`` is UNIQUE;
* one ledger row per file and destination — ``uploads`` has the primary key
  ``(destination, name)``; claims lock the row.

Rules that span rows (a batch takes many orders, a delivered batch dispatches them) run
in one transaction that locks the rows it reads (``BEGIN IMMEDIATE`` on SQLite,
``SELECT … FOR UPDATE`` on PostgreSQL).
"""

from __future__ import annotations

import abc
import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import Any, Final, Protocol, TypeVar

from amparex_core.domain.cards import CardUid, IssuedCard
from amparex_core.domain.errors import (
    CardAlreadyRegistered,
    CardDuplicate,
    CardUidTaken,
    CardUnknown,
    InterfaceDuplicate,
    InterfaceUnknown,
    OrderUnknown,
    StorageSchemaTooNew,
    TemplateDuplicate,
    TemplateUnknown,
)
from amparex_core.domain.interfaces import InterfaceConfig, InterfaceKind
from amparex_core.domain.orders import Batch, BatchStatus, CardOrder, OrderStatus, ProcessRef
from amparex_core.domain.templates import CardTemplate
from amparex_core.domain.text import name_key
from amparex_core.domain.uploads import ClaimResult, FileFacts, UploadRecord, UploadState

from . import _codec as codec

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Conflict", "Cursor", "Retry", "SqlStorage"]

T = TypeVar("T")

#: Forward migrations, one list of statements per schema version. ``{blob}`` is the type
#: of binary columns (``BLOB`` / ``BYTEA``). Never edit a released step: add one.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    # 1: the storage ports
    (
        """CREATE TABLE interfaces (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            unique_key TEXT NOT NULL UNIQUE,
            branch TEXT,
            workstation_key TEXT,
            data TEXT NOT NULL)""",
        "CREATE INDEX interfaces_place ON interfaces (kind, branch, workstation_key)",
        "CREATE TABLE card_templates (key TEXT PRIMARY KEY, data TEXT NOT NULL)",
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
        """CREATE TABLE cards (
            number TEXT PRIMARY KEY,
            uid TEXT UNIQUE,
            data TEXT NOT NULL)""",
        """CREATE TABLE uploads (
            destination TEXT NOT NULL,
            name TEXT NOT NULL,
            state TEXT NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (destination, name))""",
    ),
    # 2: master data for operators without a host application
    (
        "CREATE TABLE md_branches (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
        "CREATE TABLE md_customers (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
        "CREATE TABLE md_employees (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
        """CREATE TABLE md_document_templates (
            id TEXT PRIMARY KEY, data TEXT NOT NULL, content {blob} NOT NULL)""",
        "CREATE TABLE md_statistic_templates (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
    ),
)

#: The schema version this library writes.
SCHEMA_VERSION: Final = len(MIGRATIONS)

_RETRIES: Final = 20


class Cursor(Protocol):
    """The part of a DB-API cursor the stores use; SQL has ``?`` placeholders."""

    @property
    def rowcount(self) -> int:
        """Rows touched by the last statement."""
        ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement."""
        ...

    def fetchone(self) -> Any:
        """The next row, or ``None``."""
        ...

    def fetchall(self) -> list[Any]:
        """The remaining rows."""
        ...


class Conflict(Exception):
    """A unique constraint refused a write; the transaction was rolled back."""


class Retry(Exception):
    """The operation lost a race it can win by running again (rolled back first)."""


class _Refused(Exception):
    """Roll back and report ``False`` (create_batch)."""


@functools.lru_cache(maxsize=8192)
def _interface(text: str) -> InterfaceConfig:
    """Decode a stored configuration, cached by its JSON text.

    Configurations are read far more often than written (every resolution), and being
    frozen they can be shared.
    """
    return codec.interface_from_json(codec.load(text))


def _interface_sort_key(config: InterfaceConfig) -> tuple[str, str, str]:
    return (config.kind.value, name_key(config.display_name), config.id)


def _strip_or_none(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


def _duplicate(config: InterfaceConfig, existing: InterfaceConfig) -> InterfaceDuplicate:
    return InterfaceDuplicate(
        kind=config.kind.value,
        display_name=config.display_name,
        scope=config.policy.scope.value,
        existing_id=existing.id,
        existing_display_name=existing.display_name,
    )


def _interface_row(config: InterfaceConfig) -> tuple[str, str, str, str | None, str | None, str]:
    workstation = None if config.workstation is None else name_key(config.workstation)
    return (
        config.id,
        config.kind.value,
        config.uniqueness_key().text,
        config.branch,
        workstation,
        codec.dump(codec.interface_to_json(config)),
    )


class SqlStorage(abc.ABC):
    """Every storage port on SQL; subclasses say how a transaction runs."""

    #: Appended to SELECTs whose rows the transaction will change.
    _for_update: str = ""
    #: Type of binary columns.
    _blob_type: str = "BLOB"
    #: How errors and messages name this store (never with a password).
    store_name: str = "sql"

    # ------------------------------------------------------------ transactions

    @abc.abstractmethod
    def _write(self, work: Callable[[Cursor], T]) -> T:
        """Run *work* in one write transaction and commit; roll back on any exception.

        Raises:
            Conflict: A unique constraint refused a statement.
            StorageUnavailable: The database cannot be used.
        """

    @abc.abstractmethod
    def _read(self, work: Callable[[Cursor], T]) -> T:
        """Run *work*, which only reads; each statement sees what was committed before it."""

    def _write_one(self, work: Callable[[Cursor], T]) -> T:
        """Run *work* whose only write is its first statement; later statements only read.

        Such work needs no explicit transaction where each statement is atomic on its own
        (PostgreSQL in autocommit mode saves the ``BEGIN`` and ``COMMIT`` round trips).
        By default it runs like :meth:`_write`.
        """
        return self._write(work)

    def _retrying(self, work: Callable[[Cursor], T], *, one: bool = False) -> T:
        run = self._write_one if one else self._write
        for _ in range(_RETRIES):
            try:
                return run(work)
            except Retry:
                continue
        raise RuntimeError("the store kept losing a race")  # pragma: no cover

    def _migrate(self, cur: Cursor, *, target: int = SCHEMA_VERSION) -> int:
        """Bring the schema up to *target*; called inside a write transaction.

        Returns:
            The version found before migrating.

        Raises:
            StorageSchemaTooNew: The database has a newer schema than this library knows.
        """
        cur.execute("CREATE TABLE IF NOT EXISTS amparex_schema (version INTEGER NOT NULL)")
        cur.execute("SELECT version FROM amparex_schema")
        row = cur.fetchone()
        if row is None:
            cur.execute("INSERT INTO amparex_schema (version) VALUES (0)")
            found = 0
        else:
            found = int(row[0])
        if found > SCHEMA_VERSION:
            raise StorageSchemaTooNew(store=self.store_name, found=found, supported=SCHEMA_VERSION)
        for version in range(found + 1, target + 1):
            for statement in MIGRATIONS[version - 1]:
                cur.execute(statement.format(blob=self._blob_type))
            cur.execute("UPDATE amparex_schema SET version = ?", (version,))
        return found

    def schema_version(self) -> int:
        """The schema version of the open database."""
        return self._read(
            lambda cur: int(cur.execute("SELECT version FROM amparex_schema").fetchone()[0])
        )

    # ------------------------------------------------------------ interfaces

    def _interface_by(self, cur: Cursor, interface_id: str) -> InterfaceConfig | None:
        cur.execute("SELECT data FROM interfaces WHERE id = ?", (interface_id,))
        row = cur.fetchone()
        return None if row is None else _interface(row[0])

    def _interface_holding(
        self, cur: Cursor, key: str, *, other_than: str
    ) -> InterfaceConfig | None:
        cur.execute(
            "SELECT data FROM interfaces WHERE unique_key = ? AND id <> ?", (key, other_than)
        )
        row = cur.fetchone()
        return None if row is None else _interface(row[0])

    def add_interface(self, config: InterfaceConfig) -> None:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.add_interface`."""
        row = _interface_row(config)

        def work(cur: Cursor) -> None:
            cur.execute(
                "INSERT INTO interfaces (id, kind, unique_key, branch, workstation_key, data)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
                row,
            )
            if cur.fetchall():
                return
            existing = self._interface_by(cur, config.id) or self._interface_holding(
                cur, row[2], other_than=config.id
            )
            if existing is None:
                raise Retry  # the holder went away meanwhile: try again
            raise _duplicate(config, existing)

        self._retrying(work, one=True)

    def replace_interface(self, config: InterfaceConfig) -> None:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.replace_interface`."""
        row = _interface_row(config)

        def work(cur: Cursor) -> None:
            existing = self._interface_holding(cur, row[2], other_than=config.id)
            if existing is not None:
                raise _duplicate(config, existing)
            cur.execute(
                "UPDATE interfaces SET kind = ?, unique_key = ?, branch = ?,"
                " workstation_key = ?, data = ? WHERE id = ?",
                (*row[1:], config.id),
            )
            if cur.rowcount == 0:
                raise InterfaceUnknown(interface_id=config.id)

        for _ in range(_RETRIES):
            try:
                self._retrying(work)
                return
            except Conflict:
                # A concurrent writer took the key between our check and our update.
                holder = self._read(
                    lambda cur: self._interface_holding(cur, row[2], other_than=config.id)
                )
                if holder is not None:
                    raise _duplicate(config, holder) from None
        raise RuntimeError("the store kept losing a race")  # pragma: no cover

    def get_interface(self, interface_id: str) -> InterfaceConfig:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.get_interface`."""
        found = self._read(lambda cur: self._interface_by(cur, interface_id))
        if found is None:
            raise InterfaceUnknown(interface_id=interface_id)
        return found

    def remove_interface(self, interface_id: str) -> InterfaceConfig:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.remove_interface`."""

        def work(cur: Cursor) -> InterfaceConfig:
            cur.execute("DELETE FROM interfaces WHERE id = ? RETURNING data", (interface_id,))
            rows = cur.fetchall()
            if not rows:
                raise InterfaceUnknown(interface_id=interface_id)
            return _interface(rows[0][0])

        return self._write(work)

    def search_interfaces(
        self, *, kind: InterfaceKind | None = None, with_workstation_settings: bool = False
    ) -> list[InterfaceConfig]:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.search_interfaces`."""
        sql = "SELECT data FROM interfaces WHERE 1 = 1"
        params: list[Any] = []
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind.value)
        if with_workstation_settings:
            sql += " AND workstation_key IS NOT NULL"
        rows = self._read(lambda cur: cur.execute(sql, params).fetchall())
        found = [_interface(r[0]) for r in rows]
        return sorted(found, key=_interface_sort_key)

    def interface_candidates(
        self, kind: InterfaceKind, *, branch: str | None, workstation: str | None
    ) -> list[InterfaceConfig]:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.interface_candidates`."""
        params = (
            kind.value,
            _strip_or_none(branch),
            None if workstation is None else name_key(workstation),
        )
        rows = self._read(
            lambda cur: cur.execute(
                "SELECT data FROM interfaces WHERE kind = ?"
                " AND (branch IS NULL OR branch = ?)"
                " AND (workstation_key IS NULL OR workstation_key = ?)",
                params,
            ).fetchall()
        )
        return [_interface(r[0]) for r in rows]

    # ------------------------------------------------------------ templates

    def _template_by(self, cur: Cursor, key: str) -> CardTemplate | None:
        cur.execute("SELECT data FROM card_templates WHERE key = ?", (key,))
        row = cur.fetchone()
        return None if row is None else codec.template_from_json(codec.load(row[0]))

    def add_template(self, template: CardTemplate) -> None:
        """See :meth:`~amparex_core.ports.storage.TemplateStore.add_template`."""
        data = codec.dump(codec.template_to_json(template))

        def work(cur: Cursor) -> None:
            cur.execute(
                "INSERT INTO card_templates (key, data) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING RETURNING key",
                (template.key, data),
            )
            if cur.fetchall():
                return
            existing = self._template_by(cur, template.key)
            if existing is None:
                raise Retry
            raise TemplateDuplicate(name=template.name, existing_name=existing.name)

        self._retrying(work, one=True)

    def get_template(self, name: str) -> CardTemplate:
        """See :meth:`~amparex_core.ports.storage.TemplateStore.get_template`."""
        found = self._read(lambda cur: self._template_by(cur, name_key(name)))
        if found is None:
            raise TemplateUnknown(name=name)
        return found

    def remove_template(self, name: str) -> CardTemplate:
        """See :meth:`~amparex_core.ports.storage.TemplateStore.remove_template`."""

        def work(cur: Cursor) -> CardTemplate:
            cur.execute(
                "DELETE FROM card_templates WHERE key = ? RETURNING data", (name_key(name),)
            )
            rows = cur.fetchall()
            if not rows:
                raise TemplateUnknown(name=name)
            return codec.template_from_json(codec.load(rows[0][0]))

        return self._write(work)

    def list_templates(self) -> list[CardTemplate]:
        """See :meth:`~amparex_core.ports.storage.TemplateStore.list_templates`."""
        rows = self._read(lambda cur: cur.execute("SELECT data FROM card_templates").fetchall())
        return sorted(
            (codec.template_from_json(codec.load(r[0])) for r in rows), key=lambda t: t.key
        )

    # ------------------------------------------------------------ orders

    def _order_where(self, cur: Cursor, column: str, value: str) -> CardOrder | None:
        cur.execute(f"SELECT data FROM orders WHERE {column} = ?{self._for_update}", (value,))  # noqa: S608
        row = cur.fetchone()
        return None if row is None else codec.order_from_json(codec.load(row[0]))

    def add_order(self, order: CardOrder) -> tuple[CardOrder, bool]:
        """See :meth:`~amparex_core.ports.storage.OrderStore.add_order`."""
        ref = str(order.process_ref)
        row = (
            order.id,
            ref,
            order.status.value,
            codec.instant_key(order.placed_at),
            order.period.end.isoformat(),
            order.batch_id,
            codec.dump(codec.order_to_json(order)),
        )

        def work(cur: Cursor) -> tuple[CardOrder, bool]:
            cur.execute(
                "INSERT INTO orders (id, process_ref, status, placed_at, period_end, batch_id,"
                " data) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
                row,
            )
            if cur.fetchall():
                return order, True
            existing = self._order_where(cur, "process_ref", ref)
            if existing is not None:
                return existing, False
            if self._order_where(cur, "id", order.id) is not None:
                raise ValueError(f"an order with the ID {order.id} exists")
            raise Retry

        return self._retrying(work, one=True)

    def get_order(self, order_id: str) -> CardOrder:
        """See :meth:`~amparex_core.ports.storage.OrderStore.get_order`."""
        found = self._read(
            lambda cur: cur.execute("SELECT data FROM orders WHERE id = ?", (order_id,)).fetchone()
        )
        if found is None:
            raise OrderUnknown(order_id=order_id)
        return codec.order_from_json(codec.load(found[0]))

    def order_by_process_ref(self, process_ref: ProcessRef) -> CardOrder | None:
        """See :meth:`~amparex_core.ports.storage.OrderStore.order_by_process_ref`."""
        found = self._read(
            lambda cur: cur.execute(
                "SELECT data FROM orders WHERE process_ref = ?", (str(process_ref),)
            ).fetchone()
        )
        return None if found is None else codec.order_from_json(codec.load(found[0]))

    def _orders(self, sql: str, params: Sequence[Any]) -> list[CardOrder]:
        rows = self._read(lambda cur: cur.execute(sql, params).fetchall())
        found = [codec.order_from_json(codec.load(r[0])) for r in rows]
        return sorted(found, key=lambda o: (o.placed_at, o.id))

    def list_orders(self, *, status: OrderStatus | None = None) -> list[CardOrder]:
        """See :meth:`~amparex_core.ports.storage.OrderStore.list_orders`."""
        if status is None:
            return self._orders("SELECT data FROM orders", ())
        return self._orders("SELECT data FROM orders WHERE status = ?", (status.value,))

    def pending_orders_ending_by(self, day: dt.date) -> list[CardOrder]:
        """See :meth:`~amparex_core.ports.storage.OrderStore.pending_orders_ending_by`."""
        return self._orders(
            "SELECT data FROM orders WHERE status = ? AND period_end <= ?",
            (OrderStatus.PENDING.value, day.isoformat()),
        )

    @staticmethod
    def _put_order(cur: Cursor, order: CardOrder, *, expected: OrderStatus | None) -> int:
        sql = (
            "UPDATE orders SET status = ?, placed_at = ?, period_end = ?, batch_id = ?,"
            " data = ? WHERE id = ?"
        )
        params: list[Any] = [
            order.status.value,
            codec.instant_key(order.placed_at),
            order.period.end.isoformat(),
            order.batch_id,
            codec.dump(codec.order_to_json(order)),
            order.id,
        ]
        if expected is not None:
            sql += " AND status = ?"
            params.append(expected.value)
        cur.execute(sql, params)
        return cur.rowcount

    def update_order(self, order: CardOrder, *, expected: OrderStatus) -> bool:
        """See :meth:`~amparex_core.ports.storage.OrderStore.update_order`.

        The process reference an order was placed with stays its key (CO13).
        """

        def work(cur: Cursor) -> bool:
            if self._put_order(cur, order, expected=expected) == 1:
                return True
            cur.execute("SELECT 1 FROM orders WHERE id = ?", (order.id,))
            if cur.fetchone() is None:
                raise OrderUnknown(order_id=order.id)
            return False

        return self._write_one(work)

    def create_batch(self, batch: Batch, cards: Sequence[IssuedCard]) -> bool:
        """See :meth:`~amparex_core.ports.storage.OrderStore.create_batch`."""

        def work(cur: Cursor) -> None:
            cur.execute(
                "INSERT INTO batches (id, number, status, data) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (
                    batch.id,
                    batch.number,
                    batch.status.value,
                    codec.dump(codec.batch_to_json(batch)),
                ),
            )
            if not cur.fetchall():
                raise _Refused
            # Lock in a fixed order, so two batch builders never wait for each other.
            for order_id in sorted(set(batch.order_ids)):
                order = self._order_where(cur, "id", order_id)
                if order is None or order.status is not OrderStatus.PENDING:
                    raise _Refused
                self._put_order(cur, order.batched(batch.id), expected=None)
            for card in cards:
                cur.execute(
                    "INSERT INTO cards (number, uid, data) VALUES (?, ?, ?)"
                    " ON CONFLICT DO NOTHING RETURNING number",
                    (
                        card.number,
                        None if card.uid is None else card.uid.hex,
                        codec.dump(codec.card_to_json(card)),
                    ),
                )
                if not cur.fetchall():
                    raise _Refused

        try:
            self._retrying(work)
        except _Refused:
            return False
        return True

    def get_batch(self, batch_id: str) -> Batch | None:
        """See :meth:`~amparex_core.ports.storage.OrderStore.get_batch`."""
        row = self._read(
            lambda cur: cur.execute("SELECT data FROM batches WHERE id = ?", (batch_id,)).fetchone()
        )
        return None if row is None else codec.batch_from_json(codec.load(row[0]))

    def list_batches(self, *, open_only: bool = False) -> list[Batch]:
        """See :meth:`~amparex_core.ports.storage.OrderStore.list_batches`."""
        sql = "SELECT data FROM batches"
        params: tuple[str, ...] = ()
        if open_only:
            sql += " WHERE status = ?"
            params = (BatchStatus.OPEN.value,)
        rows = self._read(lambda cur: cur.execute(sql, params).fetchall())
        found = [codec.batch_from_json(codec.load(r[0])) for r in rows]
        return sorted(found, key=lambda b: (b.number, b.id))

    def mark_batch_delivered(self, batch_id: str, *, at: dt.datetime, receipt: str) -> Batch:
        """See :meth:`~amparex_core.ports.storage.OrderStore.mark_batch_delivered`."""

        def work(cur: Cursor) -> Batch:
            cur.execute(f"SELECT data FROM batches WHERE id = ?{self._for_update}", (batch_id,))  # noqa: S608
            row = cur.fetchone()
            if row is None:
                raise LookupError(f"no batch has the ID {batch_id}")
            batch = codec.batch_from_json(codec.load(row[0]))
            if batch.status is BatchStatus.DELIVERED:
                return batch
            delivered = batch.delivered(at, receipt)
            cur.execute(
                "UPDATE batches SET status = ?, data = ? WHERE id = ?",
                (delivered.status.value, codec.dump(codec.batch_to_json(delivered)), batch_id),
            )
            for order_id in sorted(set(batch.order_ids)):
                order = self._order_where(cur, "id", order_id)
                if order is not None and order.status is OrderStatus.BATCHED:
                    self._put_order(cur, order.dispatched(), expected=None)
            return delivered

        return self._write(work)

    def next_serial(self, sequence: str) -> int:
        """See :meth:`~amparex_core.ports.storage.OrderStore.next_serial`."""

        def work(cur: Cursor) -> int:
            cur.execute(
                "INSERT INTO serials (name, value) VALUES (?, 1) ON CONFLICT (name)"
                " DO UPDATE SET value = serials.value + 1 RETURNING value",
                (sequence,),
            )
            return int(cur.fetchall()[0][0])

        return self._write_one(work)

    # ------------------------------------------------------------ cards

    def _card_where(self, cur: Cursor, column: str, value: str) -> IssuedCard | None:
        cur.execute(f"SELECT data FROM cards WHERE {column} = ?{self._for_update}", (value,))  # noqa: S608
        row = cur.fetchone()
        return None if row is None else codec.card_from_json(codec.load(row[0]))

    def add_card(self, card: IssuedCard) -> None:
        """See :meth:`~amparex_core.ports.storage.CardStore.add_card`."""
        uid = None if card.uid is None else card.uid.hex

        def work(cur: Cursor) -> None:
            cur.execute(
                "INSERT INTO cards (number, uid, data) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING RETURNING number",
                (card.number, uid, codec.dump(codec.card_to_json(card))),
            )
            if cur.fetchall():
                return
            if self._card_where(cur, "number", card.number) is not None:
                raise CardDuplicate(card_number=card.number)
            holder = None if uid is None else self._card_where(cur, "uid", uid)
            if holder is not None and uid is not None:
                raise CardUidTaken(uid=uid, card_number=holder.number)
            raise Retry

        self._retrying(work, one=True)

    def get_card(self, number: str) -> IssuedCard | None:
        """See :meth:`~amparex_core.ports.storage.CardStore.get_card`."""
        row = self._read(
            lambda cur: cur.execute("SELECT data FROM cards WHERE number = ?", (number,)).fetchone()
        )
        return None if row is None else codec.card_from_json(codec.load(row[0]))

    def card_by_uid(self, uid: CardUid) -> IssuedCard | None:
        """See :meth:`~amparex_core.ports.storage.CardStore.card_by_uid`."""
        row = self._read(
            lambda cur: cur.execute("SELECT data FROM cards WHERE uid = ?", (uid.hex,)).fetchone()
        )
        return None if row is None else codec.card_from_json(codec.load(row[0]))

    def set_card_uid(self, number: str, uid: CardUid) -> IssuedCard:
        """See :meth:`~amparex_core.ports.storage.CardStore.set_card_uid`."""

        def work(cur: Cursor) -> IssuedCard:
            card = self._card_where(cur, "number", number)
            if card is None:
                raise CardUnknown(what="number", value=number)
            if card.uid == uid:
                return card
            cur.execute("SELECT number FROM cards WHERE uid = ?", (uid.hex,))
            holder = cur.fetchone()
            if holder is not None:
                raise CardUidTaken(uid=uid.hex, card_number=holder[0])
            if card.uid is not None:
                raise CardAlreadyRegistered(card_number=number, uid=card.uid.hex)
            linked = card.with_uid(uid)
            cur.execute(
                "UPDATE cards SET uid = ?, data = ? WHERE number = ?",
                (uid.hex, codec.dump(codec.card_to_json(linked)), number),
            )
            return linked

        for _ in range(_RETRIES):
            try:
                return self._retrying(work)
            except Conflict:
                # Another card took the UID between our check and our update (CR3).
                holder = self.card_by_uid(uid)
                if holder is not None and holder.number != number:
                    raise CardUidTaken(uid=uid.hex, card_number=holder.number) from None
        raise RuntimeError("the store kept losing a race")  # pragma: no cover

    def block_card(self, number: str, *, at: dt.datetime) -> IssuedCard:
        """See :meth:`~amparex_core.ports.storage.CardStore.block_card`."""

        def work(cur: Cursor) -> IssuedCard:
            card = self._card_where(cur, "number", number)
            if card is None:
                raise CardUnknown(what="number", value=number)
            blocked = card.block(at)
            if blocked is not card:
                cur.execute(
                    "UPDATE cards SET data = ? WHERE number = ?",
                    (codec.dump(codec.card_to_json(blocked)), number),
                )
            return blocked

        return self._write(work)

    def list_cards(self) -> list[IssuedCard]:
        """See :meth:`~amparex_core.ports.storage.CardStore.list_cards`."""
        rows = self._read(lambda cur: cur.execute("SELECT data FROM cards").fetchall())
        return sorted(
            (codec.card_from_json(codec.load(r[0])) for r in rows), key=lambda c: c.number
        )

    # ------------------------------------------------------------ upload ledger

    def _upload_where(self, cur: Cursor, destination: str, name: str) -> UploadRecord | None:
        cur.execute(
            f"SELECT data FROM uploads WHERE destination = ? AND name = ?{self._for_update}",  # noqa: S608
            (destination, name),
        )
        row = cur.fetchone()
        return None if row is None else codec.upload_from_json(codec.load(row[0]))

    def claim_upload(
        self,
        destination: str,
        name: str,
        facts: FileFacts,
        *,
        now: dt.datetime,
        lease: dt.timedelta,
    ) -> tuple[ClaimResult, UploadRecord | None]:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.claim_upload`."""

        def work(cur: Cursor) -> tuple[ClaimResult, UploadRecord | None]:
            record = self._upload_where(cur, destination, name)
            if record is not None and record.state is UploadState.UPLOADED:
                return ClaimResult.ALREADY_UPLOADED, record
            if record is not None and not record.claim_expired(now, lease):
                return ClaimResult.IN_PROGRESS, record
            claimed = UploadRecord(
                destination=destination,
                name=name,
                facts=facts,
                state=UploadState.CLAIMED,
                claimed_at=now,
                attempts=1 if record is None else record.attempts + 1,
            )
            data = codec.dump(codec.upload_to_json(claimed))
            if record is None:
                cur.execute(
                    "INSERT INTO uploads (destination, name, state, data) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING RETURNING name",
                    (destination, name, claimed.state.value, data),
                )
                if not cur.fetchall():
                    raise Retry  # a concurrent claimer inserted it: look again
            else:
                cur.execute(
                    "UPDATE uploads SET state = ?, data = ? WHERE destination = ? AND name = ?",
                    (claimed.state.value, data, destination, name),
                )
            return ClaimResult.CLAIMED, claimed

        return self._retrying(work)

    def complete_upload(
        self, destination: str, name: str, *, receipt: str, now: dt.datetime
    ) -> UploadRecord:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.complete_upload`."""

        def work(cur: Cursor) -> UploadRecord:
            record = self._upload_where(cur, destination, name)
            if record is None:
                raise LookupError(f"no upload of {name} to {destination} was claimed")
            if record.state is UploadState.UPLOADED:
                return record
            done = UploadRecord(
                destination=record.destination,
                name=record.name,
                facts=record.facts,
                state=UploadState.UPLOADED,
                claimed_at=record.claimed_at,
                uploaded_at=now,
                receipt=receipt,
                attempts=record.attempts,
            )
            cur.execute(
                "UPDATE uploads SET state = ?, data = ? WHERE destination = ? AND name = ?",
                (done.state.value, codec.dump(codec.upload_to_json(done)), destination, name),
            )
            return done

        return self._write(work)

    def release_upload(self, destination: str, name: str) -> None:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.release_upload`."""
        self._write_one(
            lambda cur: cur.execute(
                "DELETE FROM uploads WHERE destination = ? AND name = ? AND state = ?",
                (destination, name, UploadState.CLAIMED.value),
            )
        )

    def get_upload(self, destination: str, name: str) -> UploadRecord | None:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.get_upload`."""
        row = self._read(
            lambda cur: cur.execute(
                "SELECT data FROM uploads WHERE destination = ? AND name = ?", (destination, name)
            ).fetchone()
        )
        return None if row is None else codec.upload_from_json(codec.load(row[0]))

    def list_uploads(self, destination: str | None = None) -> list[UploadRecord]:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.list_uploads`."""
        if destination is None:
            rows = self._read(lambda cur: cur.execute("SELECT data FROM uploads").fetchall())
        else:
            rows = self._read(
                lambda cur: cur.execute(
                    "SELECT data FROM uploads WHERE destination = ?", (destination,)
                ).fetchall()
            )
        found = [codec.upload_from_json(codec.load(r[0])) for r in rows]
        return sorted(found, key=lambda r: (r.destination, r.name))

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections and files."""
