"""``amparex masterdata``: import master-data bundles, list and search the records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import click

from amparex_adapters.cli.shell import HelpGroup, _app, _json_option, _table, normalize_token, word
from amparex_adapters.i18n import N_, _

if TYPE_CHECKING:
    from amparex_core.domain.masterdata import MasterRecord
    from amparex_core.ports.masterdata import MasterDataSearch

__all__ = ["masterdata"]


@click.group(cls=HelpGroup)
def masterdata() -> None:
    """Master data (Stammdaten) for installations without a host application."""


@masterdata.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def masterdata_import(ctx: click.Context, file: str) -> None:
    """Import branches, customers, employees and templates from a TOML or JSON bundle.

    \b
    A bundle is one file with up to five arrays of tables (TOML) or objects (JSON):
      branches             id, name; address, email, phone
      customers            id, first_name, last_name; salutation, email,
                           leading_branch, address
      employees            id, first_name, last_name; branch, salutation, address
      document_templates   id, name, kind (card | letter | text), media_type, and one
                           of content, content_base64, content_file
      statistic_templates  id, name, file_format (csv | xlsx | pdf | xml), query;
                           dialect

    (required fields before the semicolon), and may say format = "amparex-masterdata/1".
    An address is a table of street,
    postal_code, city (required), country, extra. A card template's --document must be
    a card document, its --cover-letter a letter. Records replace those with the same ID;
    the file is checked whole first, and a bad record (named with its line and field)
    imports nothing. Every field, with examples: the "Master-data bundles" page of the
    documentation (docs/adapters/masterdata-bundle.md).
    """  # noqa: D301 - click's \b keeps the lines of the table
    counts = _app(ctx).import_masterdata(Path(file))
    parts = [f"{count} {_(section.replace('_', ' '))}" for section, count in counts.items()]
    click.echo(_("imported {counts}").format(counts=", ".join(parts)))


SECTIONS: Final = ("branches", "customers", "employees", "documents", "statistics")
"""What ``masterdata list`` lists (the bundle's ``document_templates`` and
``statistic_templates`` are accepted too)."""

# The sections' words in the command's lines (imported ..., no ... found).
_SECTION_WORDS: Final = (
    N_("branches"),
    N_("customers"),
    N_("employees"),
    N_("documents"),
    N_("statistics"),
    N_("document templates"),
    N_("statistic templates"),
)

_ALIASES: Final = {"document-templates": "documents", "statistic-templates": "statistics"}


def _section(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    wanted = normalize_token(value)
    wanted = _ALIASES.get(wanted, wanted)
    if wanted not in SECTIONS:
        raise click.BadParameter(
            _("{value!r}: use one of {sections}").format(value=value, sections=", ".join(SECTIONS))
        )
    return wanted


def _address(record: Any) -> str:
    address = getattr(record, "address", None)
    return "" if address is None else ", ".join(address.lines())


_USE: Final = {"card": "templates --document", "letter": "templates --cover-letter"}
"""What a document of each kind is for in a card template (CO8)."""

_COLUMNS: Final[dict[str, tuple[list[str], Callable[[Any], list[str]]]]] = {
    "branches": (
        [N_("ID"), N_("name"), N_("address"), N_("email"), N_("phone")],
        lambda b: [b.id, b.name, _address(b), b.email or "", b.phone or ""],
    ),
    "customers": (
        [N_("ID"), N_("name"), N_("salutation"), N_("leading branch"), N_("address")],
        lambda c: [c.id, c.display_name, c.salutation or "", c.leading_branch or "", _address(c)],
    ),
    "employees": (
        [N_("ID"), N_("name"), N_("branch")],
        lambda e: [e.id, e.display_name, e.branch or ""],
    ),
    "documents": (
        [N_("ID"), N_("name"), N_("kind"), N_("media type"), N_("use")],
        lambda d: [d.id, d.name, word(d.kind), d.media_type, _USE.get(word(d.kind), "")],
    ),
    "statistics": (
        [N_("ID"), N_("name"), N_("format")],
        lambda s: [s.id, s.name, word(s.file_format)],
    ),
}


def _finder(data: MasterDataSearch, section: str) -> Callable[..., list[MasterRecord]]:
    finders: dict[str, Callable[..., list[Any]]] = {
        "branches": data.search_branches,
        "customers": data.search_customers,
        "employees": data.search_employees,
        "documents": data.search_document_templates,
        "statistics": data.search_statistic_templates,
    }
    return finders[section]


@masterdata.command("list")
@click.argument("section", callback=_section, metavar="SECTION")
@click.option("--search", "text", metavar="TEXT", help="Only records with every word of TEXT "
              "in their ID or name (any case).")  # fmt: skip
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    metavar="N",
    default=50,
    show_default=True,
    help="At most this many records.",
)
@click.option("--after", metavar="ID", help="Start after this ID (the last one of a page).")
@_json_option
@click.pass_context
def masterdata_list(  # noqa: PLR0917 - click passes options by position
    ctx: click.Context, section: str, text: str | None, limit: int, after: str | None, as_json: bool
) -> None:
    """List or search the master data of SECTION, by ID, a page at a time.

    SECTION is branches, customers, employees, documents or statistics. The IDs are
    what the other commands take: a document's ID for templates add --document (a card)
    or --cover-letter (a letter), a customer's or employee's for orders place --holder, a
    branch's for --branch, a statistic's for interfaces add loyalty-lab. A full page ends
    with the line to show the next one.
    """
    from amparex_adapters.cli.output import dumps, masterdata_json

    app = _app(ctx)
    found = _finder(app.searchable_masterdata(), section)(text, after=after, limit=limit)
    if as_json:
        click.echo(dumps([masterdata_json(r) for r in found]))
        return
    if not found:
        click.echo(
            (_("no {section} found") if text or after else _("no {section}")).format(
                section=_(section)
            )
        )
        return
    headers, row = _COLUMNS[section]
    _table(headers, [row(r) for r in found])
    if len(found) == limit:
        more = ["amparex", "masterdata", "list", section]
        if text:
            more += ["--search", _quoted(text)]
        more += ["--limit", str(limit), "--after", _quoted(found[-1].id)]
        click.echo(_("more: {command}").format(command=" ".join(more)))


def _quoted(value: str) -> str:
    import shlex

    return shlex.quote(value)
