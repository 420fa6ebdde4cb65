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
``md_statistic_templates``) come with the store's schema (version 2). Records are kept in
the bundle format of :mod:`amparex_adapters.masterdata.bundle`; :meth:`SqlMasterData.import_bundle`
writes a whole checked bundle in one transaction.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from amparex_adapters.storage._sql import Cursor, SqlStorage
from amparex_core.domain.masterdata import (
    Branch,
    Customer,
    DocumentKind,
    DocumentTemplate,
    Employee,
    StatisticTemplate,
)

from .bundle import Bundle, MasterItem, item_from_record, load_bundle, record_of, section_of

__all__ = ["SqlMasterData"]

_TABLES: Final = {
    "branches": "md_branches",
    "customers": "md_customers",
    "employees": "md_employees",
    "document_templates": "md_document_templates",
    "statistic_templates": "md_statistic_templates",
}


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class SqlMasterData:
    """The :class:`~amparex_core.ports.masterdata.MasterData` port on a SQL store's tables.

    Args:
        store: An open :class:`~amparex_adapters.storage.sqlite.SqliteStorage` or
            :class:`~amparex_adapters.storage.postgres.PostgresStorage`; its connection is
            shared, and closing the store ends this object too.
    """

    def __init__(self, store: SqlStorage) -> None:
        self._store = store

    # ------------------------------------------------------------ port

    def _get(self, section: str, item_id: str) -> Any:
        table = _TABLES[section]
        columns = "data, content" if section == "document_templates" else "data"

        def work(cur: Cursor) -> Any:
            cur.execute(f"SELECT {columns} FROM {table} WHERE id = ?", (item_id,))  # noqa: S608
            return cur.fetchone()

        row = self._store._read(work)
        if row is None:
            return None
        record = json.loads(row[0])
        if section == "document_templates":
            return DocumentTemplate(
                id=record["id"],
                name=record["name"],
                kind=DocumentKind(record["kind"]),
                media_type=record["media_type"],
                content=bytes(row[1]),
            )
        return item_from_record(section, record)

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

    # ------------------------------------------------------------ writing

    @staticmethod
    def _put(cur: Cursor, item: MasterItem) -> None:
        section = section_of(item)
        table = _TABLES[section]
        record = record_of(item)
        if isinstance(item, DocumentTemplate):
            record.pop("content_base64")
            cur.execute(
                f"INSERT INTO {table} (id, data, content) VALUES (?, ?, ?)"  # noqa: S608
                " ON CONFLICT (id) DO UPDATE SET data = excluded.data, content = excluded.content",
                (item.id, _dump(record), item.content),
            )
        else:
            cur.execute(
                f"INSERT INTO {table} (id, data) VALUES (?, ?)"  # noqa: S608
                " ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                (item.id, _dump(record)),
            )

    def add(self, *items: MasterItem) -> None:
        """Add or replace records by their ID, all in one transaction."""
        for item in items:
            section_of(item)  # refuse foreign objects before writing anything

        def work(cur: Cursor) -> None:
            for item in items:
                self._put(cur, item)

        self._store._write(work)

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

        return self._store._read(work)
