"""``amparex cards``: the card reader at the counter (CR1–CR6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from amparex_adapters.cli.errors import NoCardPresented
from amparex_adapters.cli.listing import emit_next, fetch_page, page_options, paged_json
from amparex_adapters.cli.shell import HelpGroup, _app, _choice, _enum, _json_option, _table, word
from amparex_adapters.i18n import N_, _
from amparex_core.domain.cards import CardPresentation, CardTechnology, CardUid, UidForm
from amparex_core.domain.errors import AmparexError
from amparex_core.ports.readers import CardWriter

if TYPE_CHECKING:
    from amparex_adapters.cli.compose import Composition

__all__ = ["cards"]


@click.group(cls=HelpGroup)
def cards() -> None:
    """Issued cards at the counter: read, register, identify, encode, invalidate."""


_READER_HELP = N_("pcsc, pcsc:NAME, nfc:PATH or scripted (default: [reader] default).")


def _reader_spec(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    kind, sep, arg = value.partition(":")
    if kind == "pcsc" or (kind == "scripted" and not sep) or (kind == "nfc" and arg):
        return value
    raise click.BadParameter(
        _("{value!r}: use {choices}").format(value=value, choices=_(_READER_HELP))
    )


def _timeout(app: Composition, timeout: float | None) -> float:
    return float(app.config.reader.timeout if timeout is None else timeout)


def _show_presentation(p: CardPresentation) -> None:
    click.echo(_("technology: {technology}").format(technology=word(p.technology)))
    click.echo(_("uid: {uid}").format(uid=p.uid.hex))
    click.echo(_("card number: {number}").format(number=p.card_number or "-"))


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
        click.echo(_("status: {code}").format(code=exc.code))
        return
    click.echo(_("issued card: {number}").format(number=found.card.number))
    click.echo(_("holder: {id} {name}").format(id=found.holder.id, name=found.holder.display_name))


@cards.command("register")
@click.argument("number")
@click.argument("uid", required=False)
@click.option(
    "--uid-form",
    type=_choice(UidForm),
    default="hex",
    show_default=True,
    help="How UID is written (CR5).",
)
@click.option(
    "--technology",
    type=_choice(CardTechnology),
    help="The technology of the card whose UID is typed in; checked against the card type (CR6).",
)
@click.option("--reader", "reader_spec", callback=_reader_spec, help=_READER_HELP)
@click.option("--timeout", type=click.FloatRange(min=0), help="Seconds to wait for a card.")
@click.pass_context
def cards_register(  # noqa: PLR0917 - click passes options by position
    ctx: click.Context,
    number: str,
    uid: str | None,
    uid_form: str,
    technology: str | None,
    reader_spec: str | None,
    timeout: float | None,
) -> None:
    """Link a physical card to the issued card NUMBER, once (CR3).

    With UID the card is the one with that UID (typed in or read elsewhere); give
    --technology to have it checked against the card type. Without UID the card on the
    reader is registered, and its technology (contact chip or contactless) must be the
    card type's (CR6).
    """
    app = _app(ctx)
    target: CardUid | CardPresentation
    if uid is None:
        if technology is not None:
            raise click.UsageError(
                _("--technology goes with a UID; a presented card tells its own")
            )
        reader = app.reader(reader_spec)
        seconds = _timeout(app, timeout)
        presented = app.desk.read(reader, timeout=seconds)
        if presented is None:
            raise NoCardPresented(reader=reader.name, timeout=f"{seconds:g}")
        target = presented
    elif reader_spec is not None or timeout is not None:
        raise click.UsageError(_("--reader and --timeout read a card: leave out UID for that"))
    elif technology is not None:
        form = _enum(UidForm, uid_form)
        target = CardPresentation(
            technology=_enum(CardTechnology, technology), raw_uid=uid, uid_form=form
        )
        _uid = target.uid  # a malformed UID is refused here (CR5)
    else:
        target = CardUid.parse(uid, _enum(UidForm, uid_form))
    card = app.desk.register(number, target)
    assert card.uid is not None
    click.echo(_("registered {uid} to card {number}").format(uid=card.uid.hex, number=card.number))


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
    click.echo(
        _("card {number}: {id} {name}").format(
            number=found.card.number, id=found.holder.id, name=found.holder.display_name
        )
    )


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
        message = _("the reader {name} cannot write cards").format(name=reader.name)
        raise click.UsageError(message)
    card = app.desk.encode(number, reader, timeout=_timeout(app, timeout))
    click.echo(
        _("encoded card {number} on {uid}").format(
            number=card.number, uid=card.uid.hex if card.uid else "-"
        )
    )


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
            raise click.UsageError(
                _("the reader {name} cannot write cards").format(name=reader.name)
            )
        writer = reader
    card = app.desk.invalidate(number, writer=writer, timeout=_timeout(app, timeout))
    since = "-" if card.blocked_at is None else card.blocked_at.isoformat()
    click.echo(_("card {number} is invalid since {since}").format(number=card.number, since=since))


@cards.command("list")
@page_options("NUMBER")
@_json_option
@click.pass_context
def cards_list(ctx: click.Context, limit: int | None, after: str | None, as_json: bool) -> None:
    """List issued cards by number; a page of them with --limit (and --after)."""
    from amparex_adapters.cli.output import card_json, dumps

    store = _app(ctx).storage
    found = fetch_page(lambda n: store.list_cards(limit=n, after=after), limit, lambda c: c.number)
    if as_json:
        shown = [card_json(c) for c in found]
        paged = limit is not None or after is not None
        click.echo(dumps(paged_json("cards", found, shown, paged=paged)))
        return
    _table(
        [
            N_("number"),
            N_("holder"),
            N_("type"),
            N_("kind"),
            N_("issued"),
            N_("valid until"),
            N_("UID"),
            N_("state"),
        ],
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
    emit_next("amparex cards list", found)
