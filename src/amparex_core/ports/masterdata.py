"""The master-data port: what the host application knows about branches, holders and templates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # annotations only: a port imports no domain module at run time
    from amparex_core.domain.masterdata import (
        Branch,
        Customer,
        DocumentTemplate,
        Employee,
        StatisticTemplate,
    )

__all__ = ["MasterData", "MasterDataSearch"]


@runtime_checkable
class MasterData(Protocol):
    """Read access to the host application's master data (Stammdaten).

    Every method returns ``None`` for an unknown ID; it never raises for that. Adapters
    raise only for broken peers (an unreachable database).
    """

    def branch(self, branch_id: str) -> Branch | None:
        """The branch with *branch_id*, with its postal address (CO5)."""
        ...

    def customer(self, customer_id: str) -> Customer | None:
        """The customer with *customer_id*, with address and leading branch (CO5)."""
        ...

    def employee(self, employee_id: str) -> Employee | None:
        """The employee with *employee_id* (CO11)."""
        ...

    def document_template(self, template_id: str) -> DocumentTemplate | None:
        """The print template with *template_id* (CO8)."""
        ...

    def statistic_template(self, template_id: str) -> StatisticTemplate | None:
        """The statistic template with *template_id*, with file format and dialect (LL3)."""
        ...


@runtime_checkable
class MasterDataSearch(MasterData, Protocol):
    """Master data that can also be listed and searched, page by page.

    Optional: the use cases need only :class:`MasterData`; the command's
    ``amparex masterdata list`` needs this. Each method returns the records a search for
    *text* finds — every word of it in the record's ID or name, ignoring case
    (:func:`~amparex_core.domain.masterdata.matches`) — sorted by ID in the store's
    order, at most *limit* of them, starting after the ID *after*. Paging with the last
    ID of each page as the next *after* yields every record found exactly once
    (:func:`~amparex_core.domain.masterdata.search_page` is the model).

    Every method takes ``text`` (words to look for; ``None`` or blank lists every
    record), ``after`` (only records whose ID sorts after this one; ``None`` starts at the
    first) and ``limit`` (at most this many records, 1 or more; a smaller one raises
    :class:`ValueError`).
    """

    def search_branches(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[Branch]:
        """Branches, by ID."""
        ...

    def search_customers(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[Customer]:
        """Customers, by ID; the name is the first and last name."""
        ...

    def search_employees(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[Employee]:
        """Employees, by ID; the name is the first and last name."""
        ...

    def search_document_templates(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[DocumentTemplate]:
        """Document templates (card faces, letters, texts), by ID."""
        ...

    def search_statistic_templates(
        self, text: str | None = None, *, after: str | None = None, limit: int = 50
    ) -> list[StatisticTemplate]:
        """Statistic templates, by ID."""
        ...
