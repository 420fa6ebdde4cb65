"""``amparex templates``: card templates (CO3, CO4, CO8)."""

from __future__ import annotations

import click

from amparex_adapters.cli.shell import _app, _choice, _enum, _json_option, _table, word
from amparex_core.domain.templates import (
    CardKind,
    CardTemplate,
    CardType,
    ShippingInterval,
    ShipTo,
)

__all__ = ["templates"]


@click.group()
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
    click.echo(f"created {created.name}")


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
        ["name", "document", "cover letter", "ship to", "interval", "type", "kind", "extras"],
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
    click.echo(f"removed {removed.name}")
