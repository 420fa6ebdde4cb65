"""Master data held in memory: for tests, demos and host-application tests."""

from __future__ import annotations

import threading

from amparex_core.domain.masterdata import (
    Branch,
    Customer,
    DocumentTemplate,
    Employee,
    StatisticTemplate,
    search_page,
)

__all__ = ["MemoryMasterData"]


class MemoryMasterData:
    """A :class:`~amparex_core.ports.masterdata.MasterDataSearch` filled from code.

    >>> data = MemoryMasterData()
    >>> data.add(Branch(id="F01", name="Stuttgart"))
    >>> data.branch("F01").name, data.branch("F99")
    ('Stuttgart', None)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._branches: dict[str, Branch] = {}
        self._customers: dict[str, Customer] = {}
        self._employees: dict[str, Employee] = {}
        self._documents: dict[str, DocumentTemplate] = {}
        self._statistics: dict[str, StatisticTemplate] = {}

    def add(
        self, *items: Branch | Customer | Employee | DocumentTemplate | StatisticTemplate
    ) -> None:
        """Add or replace master-data records, by their ID."""
        with self._lock:
            for item in items:
                if isinstance(item, Branch):
                    self._branches[item.id] = item
                elif isinstance(item, Customer):
                    self._customers[item.id] = item
                elif isinstance(item, Employee):
                    self._employees[item.id] = item
                elif isinstance(item, DocumentTemplate):
                    self._documents[item.id] = item
                elif isinstance(item, StatisticTemplate):
                    self._statistics[item.id] = item
                else:
                    raise TypeError(f"not master data: {item!r}")

    def branch(self, branch_id: str) -> Branch | None:
        """See :meth:`~amparex_core.ports.masterdata.MasterData.branch`."""
        return self._branches.get(branch_id)

    def customer(self, customer_id: str) -> Customer | None:
        """See :meth:`~amparex_core.ports.masterdata.MasterData.customer`."""
        return self._customers.get(customer_id)

    def employee(self, employee_id: str) -> Employee | None:
        """See :meth:`~amparex_core.ports.masterdata.MasterData.employee`."""
        return self._employees.get(employee_id)

    def document_template(self, template_id: str) -> DocumentTemplate | None:
        """See :meth:`~amparex_core.ports.masterdata.MasterData.document_template`."""
        return self._documents.get(template_id)

    def statistic_template(self, template_id: str) -> StatisticTemplate | None:
        """See :meth:`~amparex_core.ports.masterdata.MasterData.statistic_template`."""
        return self._statistics.get(template_id)

    # ------------------------------------------------------------ search

    def search_branches(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[Branch]:
        """See :class:`~amparex_core.ports.masterdata.MasterDataSearch`."""
        with self._lock:
            return search_page(self._branches.values(), text, after=after, limit=limit)

    def search_customers(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[Customer]:
        """See :class:`~amparex_core.ports.masterdata.MasterDataSearch`."""
        with self._lock:
            return search_page(self._customers.values(), text, after=after, limit=limit)

    def search_employees(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[Employee]:
        """See :class:`~amparex_core.ports.masterdata.MasterDataSearch`."""
        with self._lock:
            return search_page(self._employees.values(), text, after=after, limit=limit)

    def search_document_templates(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[DocumentTemplate]:
        """See :class:`~amparex_core.ports.masterdata.MasterDataSearch`."""
        with self._lock:
            return search_page(self._documents.values(), text, after=after, limit=limit)

    def search_statistic_templates(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[StatisticTemplate]:
        """See :class:`~amparex_core.ports.masterdata.MasterDataSearch`."""
        with self._lock:
            return search_page(self._statistics.values(), text, after=after, limit=limit)
