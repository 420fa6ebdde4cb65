"""``amparex templates``: card templates (CO3, CO4, CO8, CO22)."""

from __future__ import annotations

from typing import Any

import click

from amparex_adapters.cli.shell import HelpGroup, _app, _choice, _enum, _json_option, _table, word
from amparex_adapters.i18n import N_, _
from amparex_core.domain.templates import (
    CardKind,
    CardTemplate,
    CardType,
    ShippingInterval,
    ShipTo,
)

__all__ = ["templates"]


@click.group(cls=HelpGroup)
def templates() -> None:
    """Card templates (Vorlagen zur Kartenbestellung): BASIS, GOLD and so on."""


@templates.command("add")
@click.argument("name")
@click.option(
    "--document",
    "document_template",
    required=True,
    metavar="ID",
    help="The card face: a document template of kind card (masterdata list documents).",
)
@click.option(
    "--cover-letter",
    metavar="ID",
    help="The cover letter: a document template of kind letter; required with --ship-to "
    "customer (CO8).",
)
@click.option(
    "--ship-to",
    type=_choice(ShipTo),
    default="ordering-branch",
    show_default=True,
    help="Where the vendor sends the card (CO5).",
)
@click.option(
    "--interval",
    type=_choice(ShippingInterval),
    default="weekly",
    show_default=True,
    help="How often orders are collected and shipped (CO6).",
)
@click.option("--comment", help="Sent with every order (CO7).")
@click.option("--validity-required", is_flag=True, help="Orders need --valid-until (CO9).")
@click.option(
    "--card-type",
    type=_choice(CardType),
    default="chip",
    show_default=True,
    help="Contact chip or contactless (CO10).",
)
@click.option(
    "--kind",
    type=_choice(CardKind),
    default="customer",
    show_default=True,
    help="Customer or employee card (CO11).",
)
@click.option("--gift-box", is_flag=True, help="Ship each card in a gift box (CO12).")
@click.option("--roller-clip", is_flag=True, help="Add a roller clip (employee cards, CO12).")
@click.pass_context
def templates_add(  # noqa: PLR0917 - click passes options by position
    ctx: click.Context,
    name: str,
    document_template: str,
    cover_letter: str | None,
    ship_to: str,
    interval: str,
    comment: str | None,
    validity_required: bool,
    card_type: str,
    kind: str,
    gift_box: bool,
    roller_clip: bool,
) -> None:
    """Create the card template NAME (CO3, CO4, CO8)."""
    template = CardTemplate(
        name=name,
        document_template=document_template,
        cover_letter=cover_letter,
        ship_to=_enum(ShipTo, ship_to),
        interval=_enum(ShippingInterval, interval),
        comment=comment,
        validity_required=validity_required,
        card_type=_enum(CardType, card_type),
        kind=_enum(CardKind, kind),
        gift_box=gift_box,
        roller_clip=roller_clip,
    )
    created = _app(ctx).templates.create(template)
    click.echo(_("created {name}").format(name=created.name))


@templates.command("update")
@click.argument("name")
@click.option("--rename", "new_name", help="A new name, unique like a new template's (CO4).")
@click.option("--document", "document_template", help="Card print template ID.")
@click.option("--cover-letter", help="Cover letter print template ID; empty: none.")
@click.option("--ship-to", type=_choice(ShipTo), help="Where the vendor ships the card (CO5).")
@click.option("--interval", type=_choice(ShippingInterval), help="How often orders ship (CO6).")
@click.option("--comment", help="Sent with every order (CO7); empty: none.")
@click.option(
    "--validity-required/--no-validity-required", default=None, help="Orders need --valid-until."
)
@click.option("--card-type", type=_choice(CardType), help="Contact chip or contactless (CO10).")
@click.option("--kind", type=_choice(CardKind), help="Customer or employee card (CO11).")
@click.option("--gift-box/--no-gift-box", default=None, help="Ship each card in a gift box.")
@click.option("--roller-clip/--no-roller-clip", default=None, help="Add a roller clip.")
@click.pass_context
def templates_update(ctx: click.Context, /, name: str, **options: Any) -> None:
    """Edit the card template NAME in place: only the options given change (CO22).

    The edited template is checked like a new one (CO4, CO8, CO12); orders placed before
    keep the template as it was when they were placed (CO14).
    """
    enums = {
        "ship_to": ShipTo,
        "interval": ShippingInterval,
        "card_type": CardType,
        "kind": CardKind,
    }
    changes: dict[str, Any] = {}
    for option, value in options.items():
        if value is None:
            continue
        key = "name" if option == "new_name" else option
        changes[key] = _enum(enums[option], value) if option in enums else value
    edited = _app(ctx).templates.update(name, **changes)
    click.echo(_("updated {name}").format(name=edited.name))


@templates.command("list")
@_json_option
@click.pass_context
def templates_list(ctx: click.Context, as_json: bool) -> None:
    """List card templates."""
    from amparex_adapters.cli.output import dumps, template_json

    app = _app(ctx)
    found = app.storage.list_templates()
    if as_json:
        click.echo(dumps([template_json(t) for t in found]))
        return
    _table(
        [
            N_("name"),
            N_("document"),
            N_("cover letter"),
            N_("ship to"),
            N_("interval"),
            N_("type"),
            N_("kind"),
            N_("extras"),
        ],
        [
            [
                t.name,
                t.document_template,
                t.cover_letter or "",
                word(t.ship_to),
                word(t.interval),
                word(t.card_type),
                word(t.kind),
                ", ".join(
                    x
                    for x, on in (
                        ("gift box", t.gift_box),
                        ("roller clip", t.roller_clip),
                        ("validity required", t.validity_required),
                    )
                    if on
                ),
            ]
            for t in found
        ],
    )


@templates.command("remove")
@click.argument("name")
@click.pass_context
def templates_remove(ctx: click.Context, name: str) -> None:
    """Delete the card template NAME; placed orders keep their snapshot (CO14)."""
    removed = _app(ctx).storage.remove_template(name)
    click.echo(_("removed {name}").format(name=removed.name))
