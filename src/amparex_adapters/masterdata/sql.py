"""Master data in the store's own database (SQLite or PostgreSQL).

For operators without a host application.

>>> from amparex_adapters.storage.sqlite import SqliteStorage
>>> store = SqliteStorage()
>>> data = SqlMasterData(store)
>>> data.add(Branch(id="F01", name="Stuttgart"))
>>> data.branch("F01").name, data.branch("F99")
('Stuttgart', None)
>>> store.close()

The tables (``md_branches``, ``md_customers``, ``md_employees``, ``md_document_templates``,
``md_statistic_templates``) are this family's part of the store's schema (``SCHEMA``,
version 2; see :mod:`amparex_adapters.storage.sql.schema`). Records are kept as JSON
documents in the bundle format (:mod:`amparex_adapters.converters.bundle`); a document
template's content has a column of its own. :meth:`SqlMasterData.import_bundle` writes a
whole checked bundle in one transaction. Only the public part of the store's core
(:class:`~amparex_adapters.storage.sql.core.SqlDatabase`) is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from amparex_adapters.converters import bundle as bundle_format
from amparex_adapters.converters import stored
from amparex_adapters.storage.sql import Cursor, SqlDatabase
from amparex_core.domain.masterdata import (
    Branch,
    Customer,
    DocumentTemplate,
    Employee,
    StatisticTemplate,
    check_limit,
    matches,
)

from ._schema import SCHEMA
from .bundle import Bundle, MasterItem, load_bundle, section_of

__all__ = ["SCHEMA", "SqlMasterData"]

_TABLES: Final = {
    "branches": "md_branches",
    "customers": "md_customers",
    "employees": "md_employees",
    "document_templates": "md_document_templates",
    "statistic_templates": "md_statistic_templates",
}

_BATCH: Final = 500
"""Rows read at a time while a search looks for its page."""

_TYPES: Final[dict[str, type[MasterItem]]] = {
    "branches": Branch,
    "customers": Customer,
    "employees": Employee,
    "document_templates": DocumentTemplate,
    "statistic_templates": StatisticTemplate,
}


class SqlMasterData:
    """The :class:`~amparex_core.ports.masterdata.MasterDataSearch` port on a SQL store's tables.

    A search reads the rows by ID in batches (the database's order of IDs) and keeps
    those the domain's rule finds (:func:`~amparex_core.domain.masterdata.matches`).

    Args:
        store: An open SQL database of the library, such as
            :class:`~amparex_adapters.storage.sqlite.SqliteStorage` or
            :class:`~amparex_adapters.storage.postgres.PostgresStorage`; its connection is
            shared, and closing the store ends this object too.
    """

    def __init__(self, store: SqlDatabase) -> None:
        self._store = store

    # ------------------------------------------------------------ port

    @staticmethod
    def _columns(section: str) -> str:
        return "data, content" if section == "document_templates" else "data"

    @staticmethod
    def _record(section: str, row: Sequence[Any]) -> Any:
        """The domain record of a row (``data`` and, for documents, ``content``)."""
        record = stored.load(row[0])
        if section == "document_templates":
            record["content_base64"] = bytes(row[1])  # the bundle converter takes bytes too
        return bundle_format.converter().structure(record, _TYPES[section])

    def _get(self, section: str, item_id: str) -> Any:
        table, columns = _TABLES[section], self._columns(section)

        def work(cur: Cursor) -> Any:
            cur.execute(f"SELECT {columns} FROM {table} WHERE id = ?", (item_id,))  # noqa: S608
            return cur.fetchone()

        row = self._store.read(work)
        return None if row is None else self._record(section, row)

    def branch(self, branch_id: str) -> Branch | None:
        """See :meth:`~amparex_core.ports.masterdata.MasterData.branch`."""
        return self._get("branches", branch_id)  # type: ignore[no-any-return]

    def customer(self, customer_id: str) -> Customer | None:
        """See :meth:`~amparex_core.ports.masterdata.MasterData.customer`."""
        return self._get("customers", customer_id)  # type: ignore[no-any-return]

    def employee(self, employee_id: str) -> Employee | None:
        """See :meth:`~amparex_core.ports.masterdata.MasterData.employee`."""
        return self._get("employees", employee_id)  # type: ignore[no-any-return]

    def document_template(self, template_id: str) -> DocumentTemplate | None:
        """See :meth:`~amparex_core.ports.masterdata.MasterData.document_template`."""
        return self._get("document_templates", template_id)  # type: ignore[no-any-return]

    def statistic_template(self, template_id: str) -> StatisticTemplate | None:
        """See :meth:`~amparex_core.ports.masterdata.MasterData.statistic_template`."""
        return self._get("statistic_templates", template_id)  # type: ignore[no-any-return]

    # ------------------------------------------------------------ search

    def _search(self, section: str, text: str | None, after: str | None, limit: int) -> Any:
        """One page of a search, read in batches by ID and matched by the domain's rule."""
        check_limit(limit)
        table, columns = _TABLES[section], self._columns(section)
        batch = limit if not (text or "").split() else max(limit, _BATCH)
        found: list[Any] = []
        last = after or ""
        while len(found) < limit:

            def work(cur: Cursor, last: str = last) -> list[Any]:
                cur.execute(
                    f"SELECT id, {columns} FROM {table} WHERE id > ? ORDER BY id LIMIT ?",  # noqa: S608
                    (last, batch),
                )
                return cur.fetchall()

            rows = self._store.read(work)
            for row in rows:
                item = self._record(section, row[1:])
                if matches(item, text):
                    found.append(item)
                    if len(found) == limit:
                        break
            if len(rows) < batch:
                break
            last = rows[-1][0]
        return found

    def search_branches(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[Branch]:
        """See :class:`~amparex_core.ports.masterdata.MasterDataSearch`."""
        return self._search("branches", text, after, limit)  # type: ignore[no-any-return]

    def search_customers(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[Customer]:
        """See :class:`~amparex_core.ports.masterdata.MasterDataSearch`."""
        return self._search("customers", text, after, limit)  # type: ignore[no-any-return]

    def search_employees(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[Employee]:
        """See :class:`~amparex_core.ports.masterdata.MasterDataSearch`."""
        return self._search("employees", text, after, limit)  # type: ignore[no-any-return]

    def search_document_templates(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[DocumentTemplate]:
        """See :class:`~amparex_core.ports.masterdata.MasterDataSearch`."""
        return self._search("document_templates", text, after, limit)  # type: ignore[no-any-return]

    def search_statistic_templates(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[StatisticTemplate]:
        """See :class:`~amparex_core.ports.masterdata.MasterDataSearch`."""
        return self._search("statistic_templates", text, after, limit)  # type: ignore[no-any-return]

    # ------------------------------------------------------------ writing

    @staticmethod
    def _put(cur: Cursor, item: MasterItem) -> None:
        section = section_of(item)
        table = _TABLES[section]
        record = bundle_format.converter().unstructure(item)
        if isinstance(item, DocumentTemplate):
            record.pop("content_base64")
            cur.execute(
                f"INSERT INTO {table} (id, data, content) VALUES (?, ?, ?)"  # noqa: S608
                " ON CONFLICT (id) DO UPDATE SET data = excluded.data, content = excluded.content",
                (item.id, stored.dump(record), item.content),
            )
        else:
            cur.execute(
                f"INSERT INTO {table} (id, data) VALUES (?, ?)"  # noqa: S608
                " ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                (item.id, stored.dump(record)),
            )

    def add(self, *items: MasterItem) -> None:
        """Add or replace records by their ID, all in one transaction."""
        for item in items:
            section_of(item)  # refuse foreign objects before writing anything

        def work(cur: Cursor) -> None:
            for item in items:
                self._put(cur, item)

        self._store.write(work)

    def import_bundle(self, bundle: Bundle | str | Path) -> dict[str, int]:
        """Import a checked bundle (or a bundle file) whole: every record or none.

        Records replace those with the same ID; records not in the bundle stay.

        Returns:
            How many records of each section were written.

        Raises:
            MasterDataInvalid: The bundle file has bad records (nothing is written).
        """
        checked = bundle if isinstance(bundle, Bundle) else load_bundle(bundle)
        self.add(*checked.items())
        return checked.counts()

    def counts(self) -> dict[str, int]:
        """Records per section in the store."""

        def work(cur: Cursor) -> dict[str, int]:
            found = {}
            for section, table in _TABLES.items():
                cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
                found[section] = int(cur.fetchone()[0])
            return found

        return self._store.read(work)
