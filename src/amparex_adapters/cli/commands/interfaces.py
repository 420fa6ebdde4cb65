"""``amparex interfaces``: configure, edit, list and remove interfaces.

Rules: IF1–IF9, CO1, CO2, CO22, LL1–LL4.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import click

from amparex_adapters.cli.errors import CardKeyDiffers
from amparex_adapters.cli.shell import _app, _choice, _date, _enum, _json_option, _table, word
from amparex_core.domain.interfaces import (
    DEFAULT_FILE_PATTERN,
    FIXED_FILE_PATTERN,
    CardOrderSettings,
    InterfaceKind,
    LoyaltyLabSettings,
)
from amparex_core.domain.secret import SecretRef
from amparex_core.domain.statistics import StatisticKind
from amparex_core.services import InformationRequest
from amparex_core.services.interfaces import KEEP, Keep

__all__ = ["interfaces"]


@click.group()
def interfaces() -> None:
    """Configure interfaces (Schnittstellen): card ordering, Loyalty Lab."""


def _common_interface_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option("--display-name", help="Name shown for the interface."),
            click.option("--branch", help="Only this branch may use it (IF2)."),
            click.option(
                "--start",
                callback=_date,
                metavar="YYYY-MM-DD",
                help="Enabled from this day on (IF5).",
            ),
        ]
    ):
        func = option(func)
    return func


@interfaces.group("add")
def interfaces_add() -> None:
    """Configure a new interface."""


@interfaces_add.command("card-order")
@_common_interface_options
@click.option("--workstation", help="Only this computer may use it (IF3).")
@click.option(
    "--contract",
    help="The card contract (Kartenvertrag); needed to order cards (CO1), not to request "
    "information (CO2). Its key comes from AMPAREX_CARD_KEY or the secrets file.",
)
@click.option(
    "--customer-number", help="The chain's customer number at the card vendor (mail subjects)."
)
@click.pass_context
def add_card_order(  # noqa: PLR0917 - click passes options by position
    ctx: click.Context,
    display_name: str | None,
    branch: str | None,
    start: dt.date | None,
    workstation: str | None,
    contract: str | None,
    customer_number: str | None,
) -> None:
    """Configure card ordering (Kundenkartenbestellung, CO1).

    The contract's key is a secret: it stays in AMPAREX_CARD_KEY or the secrets file (key
    card_key), which must hold it; the store keeps only a reference to it (OP6), and the
    command line never takes it.
    """
    app = _app(ctx)
    key = app.card_key_ref() if contract else None
    settings = CardOrderSettings(contract=contract, key=key, customer_number=customer_number)
    config = app.interfaces_without_checks().configure(
        InterfaceKind.CARD_ORDER,
        settings,
        display_name=display_name,
        branch=branch,
        workstation=workstation,
        start=start,
    )
    click.echo(config.id)


@interfaces_add.command("loyalty-lab")
@_common_interface_options
@click.option("--workstation", help="The computer (default: this one, LL1).")
@click.option("--customer-number", required=True, help="Kunden-Nr. at Loyalty Lab (LL2).")
@click.option(
    "--directory",
    required=True,
    help="Export folder (LL4): absolute, or relative to the configuration's folder.",
)
@click.option(
    "--customers",
    "customers",
    metavar="ID",
    help="Statistic template of customers (LL3); a statistic left out is not exported.",
)
@click.option("--glasses", metavar="ID", help="Statistic template of glasses.")
@click.option("--contact-lenses", metavar="ID", help="Statistic template of contact lenses.")
@click.option("--hearing-aids", metavar="ID", help="Statistic template of hearing aids.")
@click.option(
    "--file-pattern",
    help=f"File names over {{customer_number}}, {{statistic}}, {{statistik}}, {{workstation}} "
    f"and {{date}} (default: {DEFAULT_FILE_PATTERN}; with --fixed-names: {FIXED_FILE_PATTERN}).",
)
@click.option(
    "--fixed-names",
    is_flag=True,
    help="One fixed file name per statistic, e.g. kunden.csv: written when absent, moved to "
    "sent/ after its upload (LL9).",
)
@click.pass_context
def add_loyalty_lab(  # noqa: PLR0917 - click passes options by position
    ctx: click.Context,
    display_name: str | None,
    branch: str | None,
    start: dt.date | None,
    workstation: str | None,
    customer_number: str,
    directory: str,
    customers: str | None,
    glasses: str | None,
    contact_lenses: str | None,
    hearing_aids: str | None,
    file_pattern: str | None,
    fixed_names: bool,
) -> None:
    """Configure the Loyalty Lab export of a workstation (LL1–LL4, LL9, LL10).

    The upload destination of [loyalty_lab.upload] is recorded with the configuration:
    one whose files another configuration uploads to the same destination under the same
    names is refused (loyalty_lab.destination_taken).
    """
    app = _app(ctx)
    pattern = {} if file_pattern is None else {"file_pattern": file_pattern}
    settings = LoyaltyLabSettings(
        customer_number=customer_number,
        directory=directory,
        statistics={
            StatisticKind.CUSTOMERS: customers,
            StatisticKind.GLASSES: glasses,
            StatisticKind.CONTACT_LENSES: contact_lenses,
            StatisticKind.HEARING_AIDS: hearing_aids,
        },
        fixed_names=fixed_names,
        destination=app.upload_destination(),
        **pattern,
    )
    config = app.interfaces.configure(
        InterfaceKind.LOYALTY_LAB,
        settings,
        display_name=display_name,
        branch=branch,
        workstation=workstation or app.workstation,
        start=start,
    )
    click.echo(config.id)


def _clearable(value: str | None) -> str | Keep | None:
    """An option's value for an edit: not given keeps, empty clears (CO22)."""
    if value is None:
        return KEEP
    return value.strip() or None


def _start_change(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> dt.date | Keep | None:
    if value is None:
        return KEEP
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD (or empty)") from None


_CARD_ORDER_ONLY = ("contract", "new_key")
_LOYALTY_LAB_ONLY = (
    "directory",
    "customers",
    "glasses",
    "contact_lenses",
    "hearing_aids",
    "file_pattern",
)


@interfaces.command("update")
@click.argument("interface_id")
@click.option("--display-name", help="Name shown for the interface; empty: the kind's default.")
@click.option("--branch", help="Only this branch may use it (IF2); empty: every branch.")
@click.option("--workstation", help="Only this computer may use it (IF3); empty: every one.")
@click.option(
    "--start",
    callback=_start_change,
    metavar="YYYY-MM-DD",
    help="Enabled from this day on (IF5); empty: at once.",
)
@click.option("--contract", help="Card ordering: the card contract; its key: AMPAREX_CARD_KEY.")
@click.option(
    "--new-key",
    is_flag=True,
    help="Card ordering: check that AMPAREX_CARD_KEY or the secrets file holds the key.",
)
@click.option("--customer-number", help="The customer number at the card vendor / Loyalty Lab.")
@click.option(
    "--directory",
    help="Loyalty Lab: export folder (LL4), absolute or relative to the configuration's folder.",
)
@click.option("--customers", help="Loyalty Lab: statistic template of customers; empty: none.")
@click.option("--glasses", help="Loyalty Lab: statistic template of glasses; empty: none.")
@click.option("--contact-lenses", help="Loyalty Lab: statistic template of contact lenses.")
@click.option("--hearing-aids", help="Loyalty Lab: statistic template of hearing aids.")
@click.option("--file-pattern", help="Loyalty Lab: pattern of the export file names.")
@click.pass_context
def interfaces_update(ctx: click.Context, /, interface_id: str, **options: Any) -> None:
    """Edit the configuration INTERFACE_ID in place: only the options given change (CO22).

    The ID stays, and so do the orders placed under it. The changed configuration is
    checked like a new one (IF7, LL1-LL4). After an information request, enter the
    contract and customer number AMPAREX sent: the contract's key is a secret that stays
    in AMPAREX_CARD_KEY or the secrets file (key card_key), never on the command line;
    the store keeps only a reference to it (OP6), checked when --contract or --new-key
    is given. An empty value clears an
    option (--branch "": every branch may use it).
    """
    app = _app(ctx)
    current = app.interfaces_without_checks().get(interface_id)
    card_order = current.kind is InterfaceKind.CARD_ORDER
    for name in _LOYALTY_LAB_ONLY if card_order else _CARD_ORDER_ONLY:
        if options[name] not in (None, False):
            option = "--" + name.replace("_", "-")
            raise click.UsageError(f"{option} is no option of a {word(current.kind)} interface")
    settings: dict[str, Any] = {}
    if options["customer_number"] is not None:
        settings["customer_number"] = options["customer_number"]
    if card_order:
        if options["contract"] is not None:
            settings["contract"] = options["contract"]
        if options["contract"] or options["new_key"]:
            settings["key"] = app.card_key_ref()
        service = app.interfaces_without_checks()
    else:
        for name in ("directory", "file_pattern"):
            if options[name] is not None:
                settings[name] = options[name]
        slots = {
            StatisticKind.CUSTOMERS: options["customers"],
            StatisticKind.GLASSES: options["glasses"],
            StatisticKind.CONTACT_LENSES: options["contact_lenses"],
            StatisticKind.HEARING_AIDS: options["hearing_aids"],
        }
        if any(v is not None for v in slots.values()):
            assert isinstance(current.settings, LoyaltyLabSettings)
            statistics: dict[StatisticKind, str | None] = dict(current.settings.statistics)
            statistics.update({k: v for k, v in slots.items() if v is not None})
            settings["statistics"] = statistics
        service = app.interfaces
    edited = service.update(
        current.id,
        display_name=_clearable(options["display_name"]),
        branch=_clearable(options["branch"]),
        workstation=_clearable(options["workstation"]),
        start=options["start"],
        **settings,
    )
    click.echo(f"updated {edited.id} ({word(edited.kind)}, {edited.display_name})")


@interfaces.command("list")
@click.option("--kind", type=_choice(InterfaceKind), help="Only this kind.")
@click.option(
    "--with-workstation-settings",
    is_flag=True,
    help="Only those configured through workstation settings (IF4).",
)
@_json_option
@click.pass_context
def interfaces_list(
    ctx: click.Context, kind: str | None, with_workstation_settings: bool, as_json: bool
) -> None:
    """List interface configurations (IF4)."""
    from amparex_adapters.cli.output import dumps, interface_json

    found = (
        _app(ctx)
        .interfaces_without_checks()
        .search(
            kind=None if kind is None else _enum(InterfaceKind, kind),
            with_workstation_settings=with_workstation_settings,
        )
    )
    if as_json:
        click.echo(dumps([interface_json(c) for c in found]))
        return
    rows = []
    for c in found:
        shown = interface_json(c)
        settings = shown["settings"]
        detail = (
            f"contract {settings['contract'] or '-'}, key {settings['key'] or '-'}"
            if c.kind is InterfaceKind.CARD_ORDER
            else f"Kunden-Nr. {settings['customer_number']}, {settings['directory']}"
        )
        rows.append(
            [
                c.id,
                word(c.kind),
                c.display_name,
                c.branch or "*",
                c.workstation or "*",
                "" if c.start is None else c.start.isoformat(),
                detail,
            ]
        )
    _table(["ID", "kind", "display name", "branch", "workstation", "start", "settings"], rows)


@interfaces.command("remove")
@click.argument("interface_id")
@click.pass_context
def interfaces_remove(ctx: click.Context, interface_id: str) -> None:
    """Remove the configuration INTERFACE_ID."""
    removed = _app(ctx).interfaces_without_checks().remove(interface_id)
    click.echo(f"removed {removed.id} ({word(removed.kind)}, {removed.display_name})")


@interfaces.command("move-keys")
@click.option("--dry-run", is_flag=True, help="Only say which keys would be moved.")
@click.pass_context
def interfaces_move_keys(ctx: click.Context, dry_run: bool) -> None:
    """Move card-contract keys a 0.1.0 store keeps in clear text out of it (OP6).

    Each key the store keeps is replaced by a reference to the secret card_key
    (AMPAREX_CARD_KEY or the secrets file), which must hold the same key; then the
    store's files are rewritten so that no copy of a key is left in them. A key that
    differs from card_key stays (config.card_key_differs).
    """
    app = _app(ctx)
    value = app.secrets.require("card_key")
    moved, differing = app.interfaces_without_checks().move_keys(
        SecretRef("card_key"), value, dry_run=dry_run
    )
    verb = "would move" if dry_run else "moved"
    for config in moved:
        click.echo(f"{verb} the key of {config.id} ({config.display_name}) to the secret card_key")
    if moved and not dry_run:
        app.scrub_store()
    if differing:
        raise CardKeyDiffers(interface_id=differing[0].id, count=len(differing))
    if not moved:
        click.echo("no card contract key in clear text in the store")


@interfaces.command("request-information")
@click.option("--contact-name", required=True, help="Who asks: AMPAREX answers this person.")
@click.option("--email", required=True, help="The contact's e-mail address.")
@click.option("--phone", help="The contact's telephone number.")
@click.option("--branch", help="The branch asking (default: [workstation] branch).")
@click.option("--message", help="A message to the card vendor.")
@click.pass_context
def interfaces_request_information(  # noqa: PLR0917 - click passes options by position
    ctx: click.Context,
    contact_name: str,
    email: str,
    phone: str | None,
    branch: str | None,
    message: str | None,
) -> None:
    """Ask the card vendor for a card contract (Informationen anfordern, CO2)."""
    app = _app(ctx)
    receipt = app.orders.request_information(
        InformationRequest(
            contact_name=contact_name, email=email, phone=phone, branch=branch, message=message
        ),
        branch=branch or app.branch,
        workstation=app.workstation,
    )
    click.echo(f"sent to {receipt.destination}: {receipt.reference}")
