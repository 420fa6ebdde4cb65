"""Every storage port on SQL: :class:`SqlStorage`, composed of one module per port.

The SQLite and the PostgreSQL store differ only in how they run a transaction, in the
row lock clause and in the type of binary columns
(:class:`~amparex_adapters.storage.sql.core.SqlDatabase`). Rules the store enforces
itself (IF8, CO13, CR3, LL8), each in its port's module:

* interface uniqueness — ``interfaces.unique_key`` is UNIQUE (``sql.interfaces``);
* card-template names — ``card_templates.key`` is the primary key (``sql.templates``);
* one order per process reference — ``orders.process_ref`` is UNIQUE and orders are
  inserted with ``ON CONFLICT DO NOTHING`` (``sql.orders``);
* one card per UID — ``cards.uid`` is UNIQUE (``sql.cards``);
* one ledger row per file and destination — ``uploads`` has the primary key
  ``(destination, name)``; claims lock the row (``sql.uploads``).

Rules that span rows (a batch takes many orders and its number, a delivered batch
dispatches them and drops its claim) run in one transaction that locks the rows it reads
(``BEGIN IMMEDIATE`` on SQLite, ``SELECT … FOR UPDATE`` on PostgreSQL); so do the claims
on batch deliveries and uploads (CO19, LL8: ``sql.deliveries``, ``sql.uploads``).
"""

from __future__ import annotations

from .cards import SqlCardStore
from .deliveries import SqlBatchDeliveries
from .interfaces import SqlInterfaceStore
from .operations import SqlOperationsLog
from .orders import SqlOrderStore
from .templates import SqlTemplateStore
from .uploads import SqlUploadLedger

__all__ = ["SqlStorage"]


class SqlStorage(
    SqlInterfaceStore,
    SqlTemplateStore,
    SqlOrderStore,
    SqlBatchDeliveries,
    SqlCardStore,
    SqlUploadLedger,
    SqlOperationsLog,
):
    """Every storage port (:class:`~amparex_core.ports.storage.Storage`) on one SQL database.

    It keeps the run log and the alert ledger too
    (:class:`~amparex_core.ports.operations.OperationsLog`).

    Subclasses say how a transaction runs (``write``, ``read``) and open the schema
    (:meth:`~amparex_adapters.storage.sql.core.SqlDatabase.open_schema`) when made.
    """
