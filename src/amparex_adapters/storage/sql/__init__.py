"""The SQL store as a public seam: a database core and one module per storage port.

* :mod:`~amparex_adapters.storage.sql.core` — what every SQL adapter on the store's
  database builds on (the store itself, the SQL master data, a host application's own
  tables): :class:`~amparex_adapters.storage.sql.core.SqlDatabase` with its
  transactions, retries and schema, the :class:`~amparex_adapters.storage.sql.core.Cursor`
  protocol, :exc:`~amparex_adapters.storage.sql.core.Conflict` and
  :exc:`~amparex_adapters.storage.sql.core.Retry`;
* :mod:`~amparex_adapters.storage.sql.schema` — one schema version number; each family
  declares its steps (:class:`~amparex_adapters.storage.sql.schema.SchemaStep`) in its
  own module;
* one module per port of :class:`~amparex_core.ports.storage.Storage`:
  :mod:`~amparex_adapters.storage.sql.interfaces`,
  :mod:`~amparex_adapters.storage.sql.templates`,
  :mod:`~amparex_adapters.storage.sql.orders` (with batches and serials),
  :mod:`~amparex_adapters.storage.sql.cards`, :mod:`~amparex_adapters.storage.sql.uploads`;
* :mod:`~amparex_adapters.storage.sql.store` —
  :class:`~amparex_adapters.storage.sql.store.SqlStorage`, every port on one database,
  which :class:`~amparex_adapters.storage.sqlite.SqliteStorage` and
  :class:`~amparex_adapters.storage.postgres.PostgresStorage` complete.
"""

from __future__ import annotations

from .core import RACE_RETRIES, Conflict, Cursor, Retry, SqlDatabase, instant_key
from .schema import SCHEMA_VERSION, SchemaStep, migrations
from .store import SqlStorage

__all__ = [
    "RACE_RETRIES",
    "SCHEMA_VERSION",
    "Conflict",
    "Cursor",
    "Retry",
    "SchemaStep",
    "SqlDatabase",
    "SqlStorage",
    "instant_key",
    "migrations",
]
