"""The master-data port: what the host application knows about branches, holders and templates."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from amparex_core.domain.masterdata import (
    Branch,
    Customer,
    DocumentTemplate,
    Employee,
    StatisticTemplate,
)

__all__ = ["MasterData"]


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
