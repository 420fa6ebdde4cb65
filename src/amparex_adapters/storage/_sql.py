"""The names of 0.1.0's ``storage/_sql.py``, kept for their importers.

Use :mod:`amparex_adapters.storage.sql` (the core, one module per port, ``SqlStorage``).
"""

from __future__ import annotations

from typing import Final

from .sql import SCHEMA_VERSION, Conflict, Cursor, Retry, SqlStorage, migrations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Conflict", "Cursor", "Retry", "SqlStorage"]

#: Forward migrations, one tuple of statements per schema version.
MIGRATIONS: Final = migrations()
