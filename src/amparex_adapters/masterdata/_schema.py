"""The master data's tables in a store's schema (the family's steps, without its adapter).

:func:`amparex_adapters.storage.sql.schema.versions` reads these steps at every opening
of a store; they live apart from :mod:`amparex_adapters.masterdata.sql`, so that opening
a store does not import the master data's adapter and domain.
"""

from __future__ import annotations

from typing import Final

from amparex_adapters.storage.sql.schema import SchemaStep

__all__ = ["SCHEMA"]

#: The family's schema steps (see :mod:`amparex_adapters.storage.sql.schema`).
SCHEMA: Final = (
    SchemaStep(
        2,
        "masterdata",
        (
            "CREATE TABLE md_branches (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
            "CREATE TABLE md_customers (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
            "CREATE TABLE md_employees (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
            """CREATE TABLE md_document_templates (
            id TEXT PRIMARY KEY, data TEXT NOT NULL, content {blob} NOT NULL)""",
            "CREATE TABLE md_statistic_templates (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
        ),
    ),
)
