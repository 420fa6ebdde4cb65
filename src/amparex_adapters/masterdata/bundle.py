"""Master-data bundles: branches, customers, employees and templates in one TOML or JSON file.

Operators without a host application keep their master data (Stammdaten) in the store's
own tables (:class:`~amparex_adapters.masterdata.sql.SqlMasterData`) and fill them from a
bundle. A bundle is checked whole before anything is written: every bad record is
reported with its line and field, and then nothing is imported.

The format in short (``.toml``; a ``.json`` file has the same structure, one object with
the same five arrays); every section and field, with a TOML and a JSON example, is on the
page :doc:`/adapters/masterdata-bundle`::

    format = "amparex-masterdata/1"          # optional

    [[branches]]
    id = "F01"                               # required, unique per section
    name = "Stuttgart Mitte"                 # required
    email = "f01@optik.example"              # optional
    phone = "0711 123456"                    # optional
    address = { street = "Königstraße 1", postal_code = "70173", city = "Stuttgart" }
    #           optional; also country (default "DE") and extra (a second line)

    [[customers]]
    id = "K-1001"
    first_name = "Erika"
    last_name = "Mustermann"
    salutation = "Frau"                      # optional: Frau, Herr (Mr, Ms …) or none
    title = "Dr."                            # optional: an academic title
    email = "erika@example.org"              # optional
    leading_branch = "F01"                   # optional (ship-to customer branch, CO5)
    address = { street = "Hauptstraße 5", postal_code = "70173", city = "Stuttgart" }

    [[employees]]
    id = "M-7"
    first_name = "Max"
    last_name = "Muster"
    branch = "F01"                           # optional
    salutation = "Herr"                      # optional
    title = "Prof."                          # optional
    address = { ... }                        # optional

    [[document_templates]]
    id = "DOC-CARD"
    name = "Kundenkarte"
    kind = "card"                            # card (a card face) | letter (a cover
                                             # letter) | text (neither)
    media_type = "text/plain"                # e.g. application/pdf
    language = "de"                          # optional: de (default) | en (a letter's greeting)
    content = "Karte {card_number}"          # exactly one of: content (UTF-8 text),
    # content_base64 = "JVBERi0..."          # content_base64, or content_file (a path
    # content_file = "templates/card.pdf"    # relative to the bundle's folder)

    [[statistic_templates]]
    id = "ST-CUSTOMERS"
    name = "Kundenstatistik"
    file_format = "csv"                      # csv | xlsx | pdf | xml
    query = "SELECT ..."
    dialect = { separator = ";", encoding = "utf-8-sig", decimal_separator = "," }
    #           optional; also quote_char, date_format, datetime_format, header,
    #           line_terminator (see CsvDialect)
"""

from __future__ import annotations

import base64
import binascii
import bisect
import enum
import json
import json.scanner
import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final, TypeVar

from amparex_adapters.converters import bundle as bundle_format
from amparex_core.domain._records import frozen
from amparex_core.domain.csvdialect import CsvDialect
from amparex_core.domain.errors import MasterDataInvalid
from amparex_core.domain.masterdata import (
    Branch,
    Customer,
    DocumentKind,
    DocumentTemplate,
    Employee,
    FileFormat,
    PostalAddress,
    StatisticTemplate,
)

__all__ = [
    "SECTIONS",
    "Bundle",
    "MasterItem",
    "Problem",
    "item_from_record",
    "load_bundle",
    "parse_bundle",
    "record_of",
    "section_of",
]

FORMAT: Final = "amparex-masterdata/1"

MasterItem = Branch | Customer | Employee | DocumentTemplate | StatisticTemplate

#: The sections of a bundle, in import order.
SECTIONS: Final = (
    "branches",
    "customers",
    "employees",
    "document_templates",
    "statistic_templates",
)

E = TypeVar("E", bound=enum.Enum)


@frozen
class Problem:
    """One thing wrong in a bundle: where (line, field) and what."""

    line: int | None
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line is not None else ""
        return f"{where}{self.field}: {self.reason}"


@frozen
class Bundle:
    """A checked bundle, ready to import."""

    branches: tuple[Branch, ...] = ()
    customers: tuple[Customer, ...] = ()
    employees: tuple[Employee, ...] = ()
    document_templates: tuple[DocumentTemplate, ...] = ()
    statistic_templates: tuple[StatisticTemplate, ...] = ()

    def items(self) -> Iterator[MasterItem]:
        """Every record, section by section."""
        for section in SECTIONS:
            yield from getattr(self, section)

    def counts(self) -> dict[str, int]:
        """Records per section."""
        return {section: len(getattr(self, section)) for section in SECTIONS}


# ------------------------------------------------------------------ reading records


class _Located(dict[str, Any]):
    """A JSON object that remembers the line it starts on."""

    line: int | None = None


def _storable(text: str) -> bool:
    """Whether *text* is valid Unicode (a JSON file may carry lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _what(value: object) -> str:
    """What a value of the file is, in the words of TOML and JSON (not Python's types)."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table / object"
    return "a date or time"  # the other values TOML knows


class _Record:
    """Typed access to one record's fields; every problem is collected, never raised."""

    def __init__(
        self,
        data: Any,
        where: str,
        line: int | None,
        problems: list[Problem],
        allowed: frozenset[str],
    ) -> None:
        self.where = where
        self.line = getattr(data, "line", None) or line
        self.problems = problems
        self.ok = isinstance(data, dict)
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        if not self.ok:
            self.problem(None, "must be a table / object")
        for key in sorted(set(self.data) - allowed):
            self.problem(key, f"unknown field (known: {', '.join(sorted(allowed))})")

    def problem(self, key: str | None, reason: str) -> None:
        field = self.where if key is None else f"{self.where}.{key}"
        self.problems.append(Problem(self.line, field, reason))
        self.ok = False

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.problem(key, "is required")
            return None
        if not isinstance(value, str):
            self.problem(key, f"must be text, not {_what(value)}")
            return None
        if "\x00" in value or not _storable(value):
            self.problem(key, "must not contain NUL characters or lone surrogates")
            return None
        if required and not value.strip():
            self.problem(key, "must not be empty")
            return None
        return value

    def flag(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.problem(key, "must be true or false")
            return None
        return value

    def choice(self, key: str, enum_type: type[E]) -> E | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            return enum_type(value.strip().lower())
        except ValueError:
            known = ", ".join(m.value for m in enum_type)
            self.problem(key, f"{value!r} is not one of {known}")
            return None

    def sub(self, key: str, allowed: frozenset[str]) -> _Record | None:
        if self.data.get(key) is None:
            return None
        return _Record(self.data[key], f"{self.where}.{key}", self.line, self.problems, allowed)

    def build(self, make: Callable[[], Any]) -> Any:
        if not self.ok:
            return None
        try:
            return make()
        except (ValueError, TypeError, LookupError) as exc:
            self.problem(None, str(exc))
            return None


_ADDRESS: Final = frozenset({"street", "postal_code", "city", "country", "extra"})


def _address(record: _Record, key: str = "address") -> PostalAddress | None:
    sub = record.sub(key, _ADDRESS)
    if sub is None:
        return None
    street, code, city = sub.text("street"), sub.text("postal_code"), sub.text("city")
    country = sub.text("country", required=False)
    extra = sub.text("extra", required=False)
    address = sub.build(
        lambda: PostalAddress(street or "", code or "", city or "", country or "DE", extra)
    )
    if not sub.ok:
        record.ok = False
    return address  # type: ignore[no-any-return]


def _branch(r: _Record) -> Branch | None:
    id_, name = r.text("id"), r.text("name")
    address = _address(r)
    email, phone = r.text("email", required=False), r.text("phone", required=False)
    return r.build(  # type: ignore[no-any-return]
        lambda: Branch(id=id_ or "", name=name or "", address=address, email=email, phone=phone)
    )


def _customer(r: _Record) -> Customer | None:
    id_, first, last = r.text("id"), r.text("first_name"), r.text("last_name")
    address = _address(r)
    branch = r.text("leading_branch", required=False)
    salutation, email = r.text("salutation", required=False), r.text("email", required=False)
    title = r.text("title", required=False)
    return r.build(  # type: ignore[no-any-return]
        lambda: Customer(
            id=id_ or "",
            first_name=first or "",
            last_name=last or "",
            address=address,
            leading_branch=branch,
            salutation=salutation,
            email=email,
            title=title,
        )
    )


def _employee(r: _Record) -> Employee | None:
    id_, first, last = r.text("id"), r.text("first_name"), r.text("last_name")
    address = _address(r)
    branch, salutation = r.text("branch", required=False), r.text("salutation", required=False)
    title = r.text("title", required=False)
    return r.build(  # type: ignore[no-any-return]
        lambda: Employee(
            id=id_ or "",
            first_name=first or "",
            last_name=last or "",
            branch=branch,
            address=address,
            salutation=salutation,
            title=title,
        )
    )


def _content(r: _Record, base_dir: Path | None) -> bytes | None:
    given = [k for k in ("content", "content_base64", "content_file") if k in r.data]
    if len(given) != 1:
        r.problem(None, "needs exactly one of content, content_base64, content_file")
        return None
    key = given[0]
    value = r.text(key)
    if value is None:
        return None
    if key == "content":
        return value.encode("utf-8")
    if key == "content_base64":
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            r.problem(key, "is not valid base64")
            return None
    path = Path(value)
    if not path.is_absolute():
        if base_dir is None:
            r.problem(key, "a relative path needs a bundle file to be relative to")
            return None
        path = base_dir / path
    try:
        return path.read_bytes()
    except OSError as exc:
        r.problem(key, f"cannot be read: {exc.strerror or exc}")
        return None


def _document(r: _Record, base_dir: Path | None) -> DocumentTemplate | None:
    id_, name = r.text("id"), r.text("name")
    kind = r.choice("kind", DocumentKind)
    media_type = r.text("media_type")
    content = _content(r, base_dir)
    language = r.text("language", required=False)
    return r.build(  # type: ignore[no-any-return]
        lambda: DocumentTemplate(
            id=id_ or "",
            name=name or "",
            kind=kind,  # type: ignore[arg-type]
            media_type=media_type or "",
            content=content or b"",
            language=(language or "de").strip().lower(),
        )
    )


_DIALECT_TEXT: Final = (
    "separator",
    "quote_char",
    "encoding",
    "decimal_separator",
    "date_format",
    "datetime_format",
    "line_terminator",
)
_DIALECT: Final = frozenset({*_DIALECT_TEXT, "header"})


def _dialect(r: _Record) -> CsvDialect | None:
    sub = r.sub("dialect", _DIALECT)
    if sub is None:
        return CsvDialect()
    options: dict[str, Any] = {}
    for key in _DIALECT_TEXT:
        value = sub.text(key, required=False)
        if value is not None:
            options[key] = value
    header = sub.flag("header")
    if header is not None:
        options["header"] = header
    dialect = sub.build(lambda: CsvDialect(**options))
    if not sub.ok:
        r.ok = False
    return dialect  # type: ignore[no-any-return]


def _statistic(r: _Record) -> StatisticTemplate | None:
    id_, name, query = r.text("id"), r.text("name"), r.text("query")
    file_format = r.choice("file_format", FileFormat)
    dialect = _dialect(r)
    return r.build(  # type: ignore[no-any-return]
        lambda: StatisticTemplate(
            id=id_ or "",
            name=name or "",
            file_format=file_format,  # type: ignore[arg-type]
            query=query or "",
            dialect=dialect or CsvDialect(),
        )
    )


_FIELDS: Final[dict[str, frozenset[str]]] = {
    "branches": frozenset({"id", "name", "address", "email", "phone"}),
    "customers": frozenset(
        {
            "id",
            "first_name",
            "last_name",
            "address",
            "leading_branch",
            "salutation",
            "title",
            "email",
        }
    ),
    "employees": frozenset(
        {"id", "first_name", "last_name", "branch", "address", "salutation", "title"}
    ),
    "document_templates": frozenset(
        {
            "id",
            "name",
            "kind",
            "media_type",
            "language",
            "content",
            "content_base64",
            "content_file",
        }
    ),
    "statistic_templates": frozenset({"id", "name", "file_format", "query", "dialect"}),
}


def _parse_record(
    section: str,
    *,
    data: Any,
    where: str,
    line: int | None,
    problems: list[Problem],
    base_dir: Path | None,
) -> MasterItem | None:
    record = _Record(data, where, line, problems, _FIELDS[section])
    if section == "branches":
        return _branch(record)
    if section == "customers":
        return _customer(record)
    if section == "employees":
        return _employee(record)
    if section == "document_templates":
        return _document(record, base_dir)
    return _statistic(record)


def parse_bundle(
    data: Any,
    *,
    source: str = "<bundle>",
    header_lines: dict[str, list[int]] | None = None,
    base_dir: Path | None = None,
) -> Bundle:
    """Check parsed bundle data (the dict a TOML or JSON file holds) and build the records.

    Args:
        data: The parsed document.
        source: How to name the bundle in the error.
        header_lines: Per section, the line of each record (TOML headers), if known.
        base_dir: Folder that ``content_file`` paths are relative to.

    Raises:
        MasterDataInvalid: Anything is wrong; every problem is listed with line and field.
    """
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise MasterDataInvalid(
            source=source, problems=(str(Problem(None, "(top)", "must be a table / object")),)
        )
    declared = data.get("format", FORMAT)
    if declared != FORMAT:
        problems.append(Problem(None, "format", f"{declared!r} is not {FORMAT!r}"))
    for key in sorted(set(data) - {*SECTIONS, "format"}):
        problems.append(Problem(None, key, f"unknown section (known: {', '.join(SECTIONS)})"))
    built: dict[str, list[Any]] = {}
    for section in SECTIONS:
        records = data.get(section, [])
        built[section] = []
        if not isinstance(records, list):
            problems.append(Problem(None, section, "must be an array of tables / objects"))
            continue
        lines = (header_lines or {}).get(section, [])
        seen: dict[str, str] = {}
        for index, record in enumerate(records):
            where = f"{section}[{index + 1}]"
            line = lines[index] if index < len(lines) else None
            item = _parse_record(
                section, data=record, where=where, line=line, problems=problems, base_dir=base_dir
            )
            if item is None:
                continue
            if item.id in seen:
                problems.append(
                    Problem(
                        getattr(record, "line", None) or line,
                        f"{where}.id",
                        f"{item.id!r} appears twice (first at {seen[item.id]})",
                    )
                )
                continue
            seen[item.id] = where
            built[section].append(item)
    if problems:
        raise MasterDataInvalid(source=source, problems=tuple(str(p) for p in problems))
    return Bundle(**{section: tuple(items) for section, items in built.items()})


# ------------------------------------------------------------------ files


def _toml_header_lines(text: str) -> dict[str, list[int]]:
    lines: dict[str, list[int]] = {}
    pattern = re.compile(r"^\s*\[\[\s*([A-Za-z_]+)\s*\]\]")
    for number, line in enumerate(text.splitlines(), start=1):
        match = pattern.match(line)
        if match:
            lines.setdefault(match.group(1), []).append(number)
    return lines


class _LocatingDecoder(json.JSONDecoder):
    """A JSON decoder whose objects know the line they start on."""

    def __init__(self, text: str) -> None:
        super().__init__()
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        parse_object: Any = getattr(self, "parse_object")  # noqa: B009 - untyped in typeshed

        def located(s_and_end: tuple[str, int], *args: Any) -> tuple[_Located, int]:
            obj, end = parse_object(s_and_end, *args)
            result = _Located(obj)
            result.line = bisect.bisect_right(starts, s_and_end[1] - 1)
            return result, end

        self.parse_object = located
        self.scan_once = getattr(json.scanner, "py_make_scanner")(self)  # noqa: B009


def load_bundle(path: str | Path) -> Bundle:
    """Read and check a bundle file (``.toml`` or ``.json``).

    Raises:
        MasterDataInvalid: The file cannot be read or parsed, or a record is bad.
    """
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MasterDataInvalid(source=source, problems=(f"cannot be read: {exc}",)) from exc
    if path.suffix.lower() == ".json":
        try:
            data = _LocatingDecoder(text).decode(text)
        except json.JSONDecodeError as exc:
            problem = Problem(exc.lineno, f"column {exc.colno}", exc.msg)
            raise MasterDataInvalid(source=source, problems=(str(problem),)) from exc
        except RecursionError:
            raise MasterDataInvalid(source=source, problems=("nested too deeply",)) from None
        except ValueError as exc:  # e.g. an integer of more than 4300 digits
            raise MasterDataInvalid(source=source, problems=(f"not valid JSON: {exc}",)) from None
        return parse_bundle(data, source=source, base_dir=path.parent)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MasterDataInvalid(source=source, problems=(str(exc),)) from exc
    except RecursionError:
        raise MasterDataInvalid(source=source, problems=("nested too deeply",)) from None
    return parse_bundle(
        data, source=source, header_lines=_toml_header_lines(text), base_dir=path.parent
    )


# ------------------------------------------------------------------ records of the store


def section_of(item: MasterItem) -> str:
    """The bundle section (and table) a record belongs to."""
    if isinstance(item, Branch):
        return "branches"
    if isinstance(item, Customer):
        return "customers"
    if isinstance(item, Employee):
        return "employees"
    if isinstance(item, DocumentTemplate):
        return "document_templates"
    if isinstance(item, StatisticTemplate):
        return "statistic_templates"
    raise TypeError(f"not master data: {item!r}")


def record_of(item: MasterItem) -> dict[str, Any]:
    """*item* as a bundle record (a document template's content as ``content_base64``).

    Written by the bundle format's converter (:mod:`amparex_adapters.converters.bundle`):
    attributes that are ``None`` by default are left out while they are ``None``.
    """
    section_of(item)  # refuse foreign objects
    record: dict[str, Any] = bundle_format.converter().unstructure(item)
    return record


def item_from_record(section: str, record: dict[str, Any]) -> MasterItem:
    """Rebuild a record written by :func:`record_of`.

    Raises:
        MasterDataInvalid: The record is not valid.
    """
    problems: list[Problem] = []
    item = _parse_record(
        section, data=record, where=section, line=None, problems=problems, base_dir=None
    )
    if item is None:
        raise MasterDataInvalid(source=section, problems=tuple(str(p) for p in problems))
    return item
