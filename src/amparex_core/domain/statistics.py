"""The four Loyalty Lab statistics and the plan of one export (LL3, LL5, LL6)."""

from __future__ import annotations

import datetime as dt
import enum

from ._records import frozen

__all__ = ["ExportOutcome", "StatisticExport", "StatisticKind"]


class StatisticKind(enum.Enum):
    """The four statistic slots of the Loyalty Lab interface (LL3)."""

    CUSTOMERS = "customers"
    GLASSES = "glasses"
    CONTACT_LENSES = "contact_lenses"
    HEARING_AIDS = "hearing_aids"

    @property
    def german(self) -> str:
        """The slot's name in the AMPAREX manual."""
        return {
            StatisticKind.CUSTOMERS: "Kundenstatistik",
            StatisticKind.GLASSES: "Brillenstatistik",
            StatisticKind.CONTACT_LENSES: "Kontaktlinsenstatistik",
            StatisticKind.HEARING_AIDS: "Hörgerätestatistik",
        }[self]


class ExportOutcome(enum.Enum):
    """What happened to one planned export at a program start (LL5, LL6)."""

    WRITTEN = "written"
    EXISTS = "exists"
    FAILED = "failed"


@frozen
class StatisticExport:
    """One statistic of one Loyalty Lab configuration, due to be written on one day.

    Attributes:
        interface_id: The Loyalty Lab configuration.
        statistic: Which of the four slots.
        template_id: The statistic template the slot selects.
        directory: The configuration's folder (LL4).
        file_name: The final file name, from the configuration's file pattern (LL6).
        on: The day of the export in the chain's time zone.
    """

    interface_id: str
    statistic: StatisticKind
    template_id: str
    directory: str
    file_name: str
    on: dt.date
