"""Master data the interfaces read: branches, card holders, document and statistic templates.

These are the facts a host application owns (its own database, its own screens). The
library reads them through the master-data port (:mod:`amparex_core.ports.masterdata`).
"""

from __future__ import annotations

import enum

import attrs

from .csvdialect import CsvDialect

__all__ = [
    "Branch",
    "Customer",
    "DocumentKind",
    "DocumentTemplate",
    "Employee",
    "FileFormat",
    "HolderKind",
    "PostalAddress",
    "StatisticTemplate",
]


def _non_empty(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise ValueError(f"{attribute.name} must not be empty")


def _letter_language(_inst: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ("de", "en"):
        raise ValueError(f"language is de or en, not {value!r}")


@attrs.frozen
class PostalAddress:
    """A postal address a card can be shipped to (CO5)."""

    street: str = attrs.field(validator=_non_empty)
    postal_code: str = attrs.field(validator=_non_empty)
    city: str = attrs.field(validator=_non_empty)
    country: str = "DE"
    extra: str | None = None

    def lines(self) -> tuple[str, ...]:
        """The address as printed below the recipient's name."""
        lines = [self.street]
        if self.extra:
            lines.append(self.extra)
        lines.append(f"{self.postal_code} {self.city}")
        if self.country.upper() != "DE":
            lines.append(self.country)
        return tuple(lines)


@attrs.frozen
class Branch:
    """A branch (Filiale) of the chain."""

    id: str = attrs.field(validator=_non_empty)
    name: str
    address: PostalAddress | None = None
    email: str | None = None
    phone: str | None = None


class HolderKind(enum.Enum):
    """Who a card belongs to; matches :class:`~amparex_core.domain.templates.CardKind`."""

    CUSTOMER = "customer"
    EMPLOYEE = "employee"


@attrs.frozen
class Customer:
    """A customer of the chain; card holder of customer cards.

    ``salutation`` (``Frau``, ``Herr``, ``Mr`` …) and ``title`` (``Dr.``) decide how a
    cover letter greets the customer (CO23).
    """

    id: str = attrs.field(validator=_non_empty)
    first_name: str
    last_name: str
    address: PostalAddress | None = None
    leading_branch: str | None = None
    salutation: str | None = None
    email: str | None = None
    title: str | None = None

    @property
    def display_name(self) -> str:
        """First and last name as printed on a card."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@attrs.frozen
class Employee:
    """An employee of the chain; card holder of employee cards."""

    id: str = attrs.field(validator=_non_empty)
    first_name: str
    last_name: str
    branch: str | None = None
    address: PostalAddress | None = None
    salutation: str | None = None
    title: str | None = None

    @property
    def display_name(self) -> str:
        """First and last name as printed on a card."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def leading_branch(self) -> str | None:
        """The employee's branch, which plays the customer's leading branch (CO5)."""
        return self.branch


class DocumentKind(enum.Enum):
    """What a document template prints."""

    CARD = "card"
    LETTER = "letter"
    TEXT = "text"


@attrs.frozen
class DocumentTemplate:
    """A print template from the master data (Dokumentvorlage, CO8).

    ``content`` is what the renderer understands: a PDF with form fields for the PDF
    renderer, UTF-8 text with ``{placeholders}`` for the minimal text renderer.
    ``language`` (``de`` or ``en``) is the language the document is written in: a cover
    letter's greeting and date follow it (CO23).
    """

    id: str = attrs.field(validator=_non_empty)
    name: str
    kind: DocumentKind
    media_type: str
    content: bytes = attrs.field(repr=lambda c: f"<{len(c)} bytes>")
    language: str = attrs.field(default="de", validator=_letter_language)


class FileFormat(enum.Enum):
    """File format of a statistic template (Dateiformat, LL3)."""

    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"
    XML = "xml"


@attrs.frozen
class StatisticTemplate:
    """A stored query with its file format (Statistikvorlage, LL3).

    ``query`` is whatever the statistic source runs: SQL for the SQL source, a key for the
    in-memory one.
    """

    id: str = attrs.field(validator=_non_empty)
    name: str
    file_format: FileFormat
    query: str
    dialect: CsvDialect = attrs.field(factory=CsvDialect)
