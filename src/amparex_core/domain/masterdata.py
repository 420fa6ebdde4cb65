"""Master data the interfaces read: branches, card holders, document and statistic templates.

These are the facts a host application owns (its own database, its own screens). The
library reads them through the master-data port (:mod:`amparex_core.ports.masterdata`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TypeVar

import attrs

from ._records import frozen
from .csvdialect import CsvDialect

__all__ = [
    "Branch",
    "Customer",
    "DocumentKind",
    "DocumentTemplate",
    "Employee",
    "FileFormat",
    "HolderKind",
    "MasterRecord",
    "PostalAddress",
    "RecordT",
    "StatisticTemplate",
    "check_limit",
    "matches",
    "record_name",
    "search_page",
]


def _non_empty(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise ValueError(f"{attribute.name} must not be empty")


def _letter_language(_inst: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ("de", "en"):
        raise ValueError(f"language is de or en, not {value!r}")


@frozen
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


@frozen
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


@frozen
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


@frozen
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


@frozen
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


@frozen
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


MasterRecord = Branch | Customer | Employee | DocumentTemplate | StatisticTemplate
"""Any record of the master data."""

RecordT = TypeVar("RecordT", Branch, Customer, Employee, DocumentTemplate, StatisticTemplate)
"""One kind of master-data record (a page of a search holds records of one kind)."""


def record_name(record: MasterRecord) -> str:
    """The name a record is listed and searched by: a person's first and last name."""
    if isinstance(record, Customer | Employee):
        return record.display_name
    return record.name


def matches(record: MasterRecord, text: str | None) -> bool:
    """Whether a search for *text* finds *record*.

    Every word of *text* must occur in the record's ID or name (:func:`record_name`),
    ignoring case by Unicode case folding; no words find every record.

    >>> erika = Customer("K-1001", "Erika", "Mustermann")
    >>> matches(erika, "muster ERIKA"), matches(erika, "k-10"), matches(erika, "Max")
    (True, True, False)
    >>> matches(Branch("F01", "Königstraße"), "KÖNIGSTRASSE"), matches(erika, "  ")
    (True, True)
    """
    haystack = f"{record.id} {record_name(record)}".casefold()
    return all(word in haystack for word in (text or "").casefold().split())


def search_page(
    records: Iterable[RecordT], text: str | None, *, after: str | None, limit: int
) -> list[RecordT]:
    """One page of a search: the records *text* finds (:func:`matches`), by ID.

    Args:
        records: The records to search, in any order.
        text: Words to look for; ``None`` or blank finds every record.
        after: Only records whose ID sorts after this one (the last ID of the page
            before); ``None`` starts at the first.
        limit: At most this many records.

    Raises:
        ValueError: *limit* is less than 1.

    >>> people = [Customer(f"K{n}", "Erika", name) for n, name in enumerate("ABCD")]
    >>> [c.id for c in search_page(people, "erika", after="K0", limit=2)]
    ['K1', 'K2']
    """
    check_limit(limit)
    found = sorted(
        (r for r in records if (after is None or r.id > after) and matches(r, text)),
        key=lambda r: r.id,
    )
    return found[:limit]


def check_limit(limit: int) -> None:
    """Refuse a page size below 1 (a programming error, not an operator's)."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
