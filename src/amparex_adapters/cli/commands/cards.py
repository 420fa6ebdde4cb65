"""``amparex cards``: the card reader at the counter (CR1–CR5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from amparex_adapters.cli.errors import NoCardPresented
from amparex_adapters.cli.shell import _app, _choice, _enum, _json_option, _table, word
from amparex_core.domain.cards import CardPresentation, CardUid, UidForm
from amparex_core.domain.errors import AmparexError
from amparex_core.ports.readers import CardWriter

if TYPE_CHECKING:
    from amparex_adapters.cli.compose import Composition

__all__ = ["cards"]


@click.group()
def cards() -> None:
    """Issued cards at the counter: read, register, identify, encode, invalidate."""


_READER_HELP = "pcsc, pcsc:NAME, nfc:PATH or scripted (default: [reader] default)."


def _reader_spec(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    kind, sep, arg = value.partition(":")
    if kind == "pcsc" or (kind == "scripted" and not sep) or (kind == "nfc" and arg):
        return value
    raise click.BadParameter(f"{value!r}: use {_READER_HELP}")


def _timeout(app: Composition, timeout: float | None) -> float:
    return float(app.config.reader.timeout if timeout is None else timeout)


def _show_presentation(p: CardPresentation) -> None:
    click.echo(f"technology: {word(p.technology)}")
    click.echo(f"uid: {p.uid.hex}")
    click.echo(f"card number: {p.card_number or '-'}")


@cards.command("read")
@click.option("--reader", "reader_spec", callback=_reader_spec, help=_READER_HELP)
@click.option("--timeout", type=click.FloatRange(min=0), help="Seconds to wait for a card.")
@click.pass_context
def cards_read(ctx: click.Context, reader_spec: str | None, timeout: float | None) -> None:
    """Wait for a card and show what it is, and whose (CR1, CR2)."""
    app = _app(ctx)
    reader = app.reader(reader_spec)
    seconds = _timeout(app, timeout)
    presentation = app.desk.read(reader, timeout=seconds)
    if presentation is None:
        raise NoCardPresented(reader=reader.name, timeout=f"{seconds:g}")
    _show_presentation(presentation)
    try:
        found = app.desk.identify(presentation)
    except AmparexError as exc:
        click.echo(f"status: {exc.code}")
        return
    click.echo(f"issued card: {found.card.number}")
    click.echo(f"holder: {found.holder.id} {found.holder.display_name}")


@cards.command("register")
@click.argument("number")
@click.argument("uid")
@click.option(
    "--uid-form",
    type=_choice(UidForm),
    default="hex",
    show_default=True,
    help="How UID is written (CR5).",
)
@click.pass_context
def cards_register(ctx: click.Context, number: str, uid: str, uid_form: str) -> None:
    """Link the physical card UID to the issued card NUMBER, once (CR3)."""
    card = _app(ctx).desk.register(number, CardUid.parse(uid, _enum(UidForm, uid_form)))
    assert card.uid is not None
    click.echo(f"registered {card.uid.hex} to card {card.number}")


@cards.command("identify")
@click.argument("uid")
@click.option(
    "--uid-form",
    type=_choice(UidForm),
    default="hex",
    show_default=True,
    help="How UID is written (CR5).",
)
@click.pass_context
def cards_identify(ctx: click.Context, uid: str, uid_form: str) -> None:
    """Card UID → issued card → holder (CR2, CR5)."""
    found = _app(ctx).desk.identify(CardUid.parse(uid, _enum(UidForm, uid_form)))
    click.echo(f"card {found.card.number}: {found.holder.id} {found.holder.display_name}")


@cards.command("encode")
@click.argument("number")
@click.option("--reader", "reader_spec", callback=_reader_spec, help=_READER_HELP)
@click.option("--timeout", type=click.FloatRange(min=0), help="Seconds to wait for a card.")
@click.pass_context
def cards_encode(
    ctx: click.Context, number: str, reader_spec: str | None, timeout: float | None
) -> None:
    """Write card NUMBER — only the number — onto the presented card (CR4)."""
    app = _app(ctx)
    reader = app.reader(reader_spec)
    if not isinstance(reader, CardWriter):
        raise click.UsageError(f"the reader {reader.name} cannot write cards")
    card = app.desk.encode(number, reader, timeout=_timeout(app, timeout))
    click.echo(f"encoded card {card.number} on {card.uid.hex if card.uid else '-'}")


@cards.command("invalidate")
@click.argument("number")
@click.option("--erase", is_flag=True, help="Also erase the number from the presented card.")
@click.option("--reader", "reader_spec", callback=_reader_spec, help=_READER_HELP)
@click.option("--timeout", type=click.FloatRange(min=0), help="Seconds to wait for a card.")
@click.pass_context
def cards_invalidate(
    ctx: click.Context, number: str, erase: bool, reader_spec: str | None, timeout: float | None
) -> None:
    """Mark card NUMBER invalid (Karte ungültig, CR4)."""
    app = _app(ctx)
    writer = None
    if erase:
        reader = app.reader(reader_spec)
        if not isinstance(reader, CardWriter):
            raise click.UsageError(f"the reader {reader.name} cannot write cards")
        writer = reader
    card = app.desk.invalidate(number, writer=writer, timeout=_timeout(app, timeout))
    since = "-" if card.blocked_at is None else card.blocked_at.isoformat()
    click.echo(f"card {card.number} is invalid since {since}")


@cards.command("list")
@_json_option
@click.pass_context
def cards_list(ctx: click.Context, as_json: bool) -> None:
    """List issued cards."""
    from amparex_adapters.cli.output import card_json, dumps

    found = _app(ctx).storage.list_cards()
    if as_json:
        click.echo(dumps([card_json(c) for c in found]))
        return
    _table(
        ["number", "holder", "type", "kind", "issued", "valid until", "UID", "state"],
        [
            [
                c.number,
                str(c.holder),
                word(c.card_type),
                word(c.kind),
                c.issued_on.isoformat(),
                "" if c.valid_until is None else c.valid_until.isoformat(),
                "" if c.uid is None else c.uid.hex,
                "invalid" if c.blocked else "valid",
            ]
            for c in found
        ],
    )
