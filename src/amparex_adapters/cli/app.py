"""The ``amparex`` command: click commands over :class:`~amparex_adapters.cli.compose.Composition`.

Exit status: 0 done; 1 refused (one line ``amparex: error [CODE]: MESSAGE`` on stderr,
MESSAGE in German with ``--lang de`` or a German ``LC_ALL`` / ``LC_MESSAGES`` / ``LANG``);
2 usage error. No traceback reaches the user unless ``--debug`` is given.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from amparex_adapters._extras import MissingExtraError
from amparex_adapters.storage import split_login
from amparex_core._version import __version__
from amparex_core.domain.cards import CardPresentation, CardUid, UidForm
from amparex_core.domain.errors import AmparexError
from amparex_core.domain.interfaces import (
    DEFAULT_FILE_PATTERN,
    CardOrderSettings,
    InterfaceKind,
    LoyaltyLabSettings,
)
from amparex_core.domain.orders import OrderStatus
from amparex_core.domain.secret import redact
from amparex_core.domain.statistics import ExportOutcome, StatisticKind
from amparex_core.domain.templates import (
    CardKind,
    CardTemplate,
    CardType,
    ShippingInterval,
    ShipTo,
)
from amparex_core.domain.uploads import UploadOutcome
from amparex_core.ports.readers import CardWriter
from amparex_core.services import DispatchReport, InformationRequest, LoyaltyLab, UploadResult

from .errors import ConfigInvalid, ExtraMissing, NoCardPresented

if TYPE_CHECKING:
    from amparex_core.ports.clock import Clock

    from .compose import Composition

__all__ = ["cli", "detect_lang", "watch_outbox"]


def detect_lang(option: str | None, environ: dict[str, str] | None = None) -> str:
    """``"de"`` or ``"en"``: the option, else the locale (LC_ALL, LC_MESSAGES, LANG)."""
    if option:
        return option
    env = os.environ if environ is None else environ
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable)
        if value:
            return "de" if value.lower().startswith("de") else "en"
    return "en"


class State:
    """What the global options set up, and the composition built on first use."""

    def __init__(self, config_path: str | None, lang: str, debug: bool) -> None:
        self.config_path = config_path
        self.lang = lang
        self.debug = debug
        self._app: Composition | None = None
        self.secret_values: list[str] = []
        self.clock: Clock | None = None

    def app(self, ctx: click.Context) -> Composition:
        """The :class:`~amparex_adapters.cli.compose.Composition`, built on first use."""
        if self._app is None:
            from .compose import Composition
            from .config import Secrets, load_config, secrets_file_values

            # Known before the configuration is read: a refused configuration may quote a
            # value that is a secret pasted into the wrong key.
            self.secret_values = _environment_secrets()
            try:
                config = load_config(self.config_path)
            except ConfigInvalid:
                self.secret_values += secrets_file_values(self.config_path)
                raise
            secrets = Secrets(config)
            self.secret_values += secrets.values() + _url_passwords(
                config.storage_url, config.statistics_url
            )
            self._app = Composition(config, secrets, clock=self.clock)
            ctx.call_on_close(self._app.close)
        return self._app

    def scrub(self, text: str) -> str:
        """*text* with every known secret value replaced by ``********``.

        Quoted forms count too; see :func:`~amparex_core.domain.secret.redact`.
        """
        return redact(text, self.secret_values)


def _environment_secrets() -> list[str]:
    """The secret values the environment holds, PostgreSQL's ``PGPASSWORD`` too."""
    from .config import SECRET_VARIABLES

    variables = [*SECRET_VARIABLES.values(), "PGPASSWORD"]
    return [os.environ[v] for v in variables if len(os.environ.get(v, "")) >= 3]


_QUERY_PASSWORD = re.compile(r"(?i)(^|&)((?:ssl)?password=)([^&]*)")


def _url_passwords(*urls: str) -> list[str]:
    """Passwords written into URLs (discouraged), to scrub them from messages too.

    Both the login part (``user:password@``) and a ``password=`` query parameter count,
    also in a malformed URL, each as written and percent-decoded.
    """
    import urllib.parse

    found = []
    for url in urls:
        _start, _user, password, _host, query = split_login(url)
        values = [password] if password else []
        values += [m[3] for m in _QUERY_PASSWORD.finditer(query) if m[3]]
        for value in values:
            found += [value, urllib.parse.unquote(value), urllib.parse.unquote_plus(value)]
    return found


def _state(ctx: click.Context) -> State:
    state = ctx.find_object(State)
    if state is None:  # pragma: no cover - the group always sets it
        state = State(None, detect_lang(None), debug=False)
        ctx.obj = state
    return state


def report_error(state: State, exc: AmparexError) -> None:
    """Print *exc* as the one line ``amparex: error [CODE]: MESSAGE`` to stderr."""
    message = state.scrub(" ".join(exc.message(state.lang).split()))
    click.echo(f"amparex: error [{exc.code}]: {message}", err=True)


class AmparexGroup(click.Group):
    """A group that turns refusals into one line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; report refusals and unexpected errors in one line."""
        try:
            return super().invoke(ctx)
        except AmparexError as exc:
            state = _state(ctx)
            if state.debug:
                click.echo(state.scrub(traceback.format_exc()).rstrip(), err=True)
            report_error(state, exc)
            ctx.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except MissingExtraError as exc:  # an adapter imported its library late
            state = _state(ctx)
            if state.debug:
                click.echo(state.scrub(traceback.format_exc()).rstrip(), err=True)
            found = re.search(r"amparex-core\[(\w+)\]", str(exc))
            report_error(
                state,
                ExtraMissing(feature="this adapter", extra=found[1] if found else "all"),
            )
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("amparex: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:  # `amparex orders list | head`: the reader has enough
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(141)
        except Exception as exc:  # noqa: BLE001 - the user never sees a traceback
            state = _state(ctx)
            if state.debug:
                click.echo(state.scrub(traceback.format_exc()).rstrip(), err=True)
            text = state.scrub(" ".join(str(exc).split())) or type(exc).__name__
            hint = "" if state.debug else " (run with --debug for details)"
            click.echo(f"amparex: error [internal]: {type(exc).__name__}: {text}{hint}", err=True)
            ctx.exit(1)


def _app(ctx: click.Context) -> Composition:
    return _state(ctx).app(ctx)


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


def _instant(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date-time") from None
    if instant.tzinfo is None:
        raise click.BadParameter("give a time zone offset, e.g. 2026-12-01T08:00+01:00")
    return instant


def _choice(enum_type: Any) -> click.Choice[str]:
    return click.Choice([m.value.replace("_", "-") for m in enum_type], case_sensitive=False)


def _enum(enum_type: Any, value: str) -> Any:
    return enum_type(value.lower().replace("-", "_"))


def _json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (stable keys).")(func)


def _progress_enabled() -> bool:
    from .output import interactive

    return interactive(sys.stdout)


# ================================================================== root


@click.group(cls=AmparexGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Configuration file (default: $AMPAREX_CONFIG, else ./amparex.toml).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "de"]),
    help="Language of messages (default: from LC_ALL / LC_MESSAGES / LANG).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.version_option(__version__, prog_name="amparex")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, lang: str | None, debug: bool) -> None:
    """Customer-card ordering and the Loyalty Lab export of an AMPAREX-style chain."""
    ctx.obj = State(config_path, detect_lang(lang), debug)
    _quiet_logging(debug)


def _quiet_logging(debug: bool) -> None:
    """Library log records go to stderr with ``--debug`` only: a refusal stays one line."""
    import logging

    root = logging.getLogger()
    if debug:
        if not any(getattr(h, "_amparex", False) for h in root.handlers):
            handler = logging.StreamHandler()
            handler._amparex = True  # type: ignore[attr-defined]
            handler.setFormatter(logging.Formatter("amparex: debug: %(name)s: %(message)s"))
            root.addHandler(handler)
            root.setLevel(logging.DEBUG)
    elif not root.handlers:
        root.addHandler(logging.NullHandler())


# ================================================================== interfaces


@cli.group()
def interfaces() -> None:
    """Configure interfaces (Schnittstellen): card ordering, Loyalty Lab."""


_KINDS = {"card-order": InterfaceKind.CARD_ORDER, "loyalty-lab": InterfaceKind.LOYALTY_LAB}


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
@click.option("--contract", help="The card contract (Kartenvertrag); its key: AMPAREX_CARD_KEY.")
@click.option("--customer-number", help="The chain's customer number at the card vendor.")
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

    The contract's key is a secret: it is read from AMPAREX_CARD_KEY or the secrets file
    (key card_key), never from the command line.
    """
    app = _app(ctx)
    key = app.secrets.require("card_key") if contract else None
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
@click.option("--customer-number", default="", help="Kunden-Nr. at Loyalty Lab (LL2).")
@click.option("--directory", required=True, help="Absolute export folder (LL4).")
@click.option("--customers", "customers", help="Statistic template of customers (LL3).")
@click.option("--glasses", help="Statistic template of glasses.")
@click.option("--contact-lenses", help="Statistic template of contact lenses.")
@click.option("--hearing-aids", help="Statistic template of hearing aids.")
@click.option("--file-pattern", default=DEFAULT_FILE_PATTERN, show_default=True)
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
    file_pattern: str,
) -> None:
    """Configure the Loyalty Lab export of a workstation (LL1–LL4)."""
    app = _app(ctx)
    settings = LoyaltyLabSettings(
        customer_number=customer_number,
        directory=directory,
        statistics={
            StatisticKind.CUSTOMERS: customers,
            StatisticKind.GLASSES: glasses,
            StatisticKind.CONTACT_LENSES: contact_lenses,
            StatisticKind.HEARING_AIDS: hearing_aids,
        },
        file_pattern=file_pattern,
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


@interfaces.command("list")
@click.option("--kind", type=click.Choice(sorted(_KINDS)), help="Only this kind.")
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
    from .output import dumps, interface_json

    found = (
        _app(ctx)
        .interfaces_without_checks()
        .search(
            kind=None if kind is None else _KINDS[kind],
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
                c.kind.value,
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
    click.echo(f"removed {removed.id} ({removed.kind.value}, {removed.display_name})")


@interfaces.command("request-information")
@click.option("--contact-name", required=True)
@click.option("--email", required=True)
@click.option("--phone")
@click.option("--branch")
@click.option("--message")
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


def _table(headers: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    from .output import interactive

    table = Table(box=None, pad_edge=False)
    for index, header in enumerate(headers):
        table.add_column(header, no_wrap=index == 0)
    for row in rows:
        table.add_row(*row)
    # In a pipe, rows stay whole lines instead of wrapping at 80 columns.
    Console(width=None if interactive(sys.stdout) else 1000).print(table)


# ================================================================== templates


@cli.group()
def templates() -> None:
    """Card templates (Vorlagen zur Kartenbestellung): BASIS, GOLD and so on."""


@templates.command("add")
@click.argument("name")
@click.option("--document", "document_template", required=True, help="Card print template ID.")
@click.option(
    "--cover-letter", help="Cover letter print template ID (required for ship-to customer)."
)
@click.option("--ship-to", type=_choice(ShipTo), default="ordering-branch", show_default=True)
@click.option("--interval", type=_choice(ShippingInterval), default="weekly", show_default=True)
@click.option("--comment", help="Sent with every order (CO7).")
@click.option("--validity-required", is_flag=True, help="Orders need --valid-until (CO9).")
@click.option("--card-type", type=_choice(CardType), default="chip", show_default=True)
@click.option("--kind", type=_choice(CardKind), default="customer", show_default=True)
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
    from .output import dumps, template_json

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
                t.ship_to.value,
                t.interval.value,
                t.card_type.value,
                t.kind.value,
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


# ================================================================== orders


@cli.group()
def orders() -> None:
    """Card orders: place, cancel, list, dispatch."""


@orders.command("place")
@click.option("--template", required=True, help="Card template name.")
@click.option("--holder", required=True, help="Customer (or employee) ID.")
@click.option("--branch", help="Ordering branch (default: [workstation] branch).")
@click.option("--process", "process_ref", required=True, help="PROCESS or PROCESS/STEP (CO13).")
@click.option("--valid-until", callback=_date, metavar="YYYY-MM-DD", help="Valid-until date (CO9).")
@click.pass_context
def orders_place(  # noqa: PLR0917 - click passes options by position
    ctx: click.Context,
    template: str,
    holder: str,
    branch: str | None,
    process_ref: str,
    valid_until: dt.date | None,
) -> None:
    """Order a card; placing again with the same process reference orders nothing (CO13)."""
    app = _app(ctx)
    ordering_branch = branch or app.branch
    if not ordering_branch:
        raise click.UsageError("--branch is required when [workstation] names no branch")
    placed = app.orders.place(
        template=template,
        holder_id=holder,
        branch=ordering_branch,
        process_ref=process_ref,
        workstation=app.workstation,
        valid_until=valid_until,
    )
    order = placed.order
    state = "placed" if placed.created else "already placed"
    click.echo(f"{order.id} {state}: card {order.card_number} for {order.holder_name}")


@orders.command("cancel")
@click.argument("order_id")
@click.pass_context
def orders_cancel(ctx: click.Context, order_id: str) -> None:
    """Cancel an order that is not dispatched yet (CO17)."""
    cancelled = _app(ctx).orders.cancel(order_id)
    click.echo(f"cancelled {cancelled.id}")


@orders.command("list")
@click.option("--status", type=click.Choice([s.value for s in OrderStatus]))
@_json_option
@click.pass_context
def orders_list(ctx: click.Context, status: str | None, as_json: bool) -> None:
    """List card orders, oldest first."""
    from .output import dumps, order_json

    app = _app(ctx)
    found = app.storage.list_orders(status=None if status is None else OrderStatus(status))
    currency = app.chain.prices.currency
    if as_json:
        click.echo(dumps([order_json(o, currency) for o in found]))
        return
    _table(
        ["ID", "status", "template", "holder", "card", "branch", "placed", "period", "total"],
        [
            [
                o.id,
                o.status.value,
                o.template.name,
                f"{o.holder.id} {o.holder_name}",
                o.card_number,
                o.ordering_branch,
                o.order_date.isoformat(),
                o.period.key,
                str(o.total(currency)),
            ]
            for o in found
        ],
    )


@orders.command("dispatch")
@click.option(
    "--now",
    callback=_instant,
    metavar="ISO-DATETIME",
    help="Dispatch as at this instant, e.g. 2026-12-01T08:00+01:00.",
)
@_json_option
@click.pass_context
def orders_dispatch(ctx: click.Context, now: dt.datetime | None, as_json: bool) -> None:
    """Batch the due orders and deliver the batches (CO6, CO16)."""
    from .output import batch_json, dumps, progress_reporter

    app = _app(ctx)
    with progress_reporter(_progress_enabled() and not as_json, ["dispatch"]) as report:
        result = _run_dispatch(app, now, report)
    if as_json:
        lang = _state(ctx).lang
        click.echo(dumps({"batches": [batch_json(r, lang) for r in result.batches]}))
    _finish_dispatch(ctx, result, quiet=as_json)


def _run_dispatch(
    app: Composition, now: dt.datetime | None, report: Callable[[str, int, int, str], None] | None
) -> DispatchReport:
    progress = None if report is None else (lambda d, t, i: report("dispatch", d, t, i))
    return app.orders.dispatch(now=now, progress=progress)


def _finish_dispatch(
    ctx: click.Context, result: DispatchReport, *, exit_on_failure: bool = True, quiet: bool = False
) -> int:
    state = _state(ctx)
    for r in result.batches:
        batch = r.batch
        if r.error is None:
            if quiet:
                continue
            again = " (sent again)" if r.resent else ""
            click.echo(
                f"batch {batch.order_number}: {len(batch.order_ids)} card(s), {batch.total}, "
                f"delivered: {batch.receipt}{again}"
            )
        else:
            report_error(state, r.error)
    if not result.batches and not quiet:
        click.echo("no card orders due")
    failed = len(result.failed)
    if failed and exit_on_failure:
        ctx.exit(1)
    return failed


# ================================================================== start-up and outbox


def _lab_place(
    app: Composition, workstation: str | None, branch: str | None
) -> tuple[str, str | None]:
    return workstation or app.workstation, branch or app.branch


def _require_upload(app: Composition) -> None:
    if app.upload_delivery is None:
        raise ConfigInvalid(
            path=app.config.label,
            key="loyalty_lab.upload",
            reason="no upload destination is configured",
        )


def _print_uploads(ctx: click.Context, uploads: list[UploadResult], *, quiet: bool = False) -> int:
    state = _state(ctx)
    failed = 0
    for u in uploads:
        if u.outcome is UploadOutcome.UPLOADED:
            if not quiet:
                click.echo(f"uploaded {u.name}: {u.receipt}")
        elif u.outcome is UploadOutcome.CHANGED_AFTER_UPLOAD:
            click.echo(f"changed after its upload, not sent again: {u.name}", err=True)
        elif u.outcome is UploadOutcome.FAILED and u.error is not None:
            failed += 1
            report_error(state, u.error)
    return failed


@cli.command("startup")
@click.option("--workstation", help="This computer's name (default: from the configuration).")
@click.option("--branch", help="This computer's branch (default: from the configuration).")
@_json_option
@click.pass_context
def startup(ctx: click.Context, workstation: str | None, branch: str | None, as_json: bool) -> None:
    """The job at every program start: Loyalty Lab export and upload, due card orders (LL5)."""
    from amparex_core.domain.periods import local_date

    from .output import batch_json, dumps, export_json, progress_reporter, upload_json

    app = _app(ctx)
    state = _state(ctx)
    where, branch = _lab_place(app, workstation, branch)
    failed = 0
    phases = ["export", "upload", "dispatch"]
    with progress_reporter(_progress_enabled() and not as_json, phases) as report:
        lab: LoyaltyLab = app.loyalty_lab
        progress = None if report is None else (lambda p, d, t, i: report(p.value, d, t, i))
        result = lab.start(branch=branch, workstation=where, progress=progress)
        today = local_date(app.clock.now(), app.tz)
        ordering = app.interfaces_without_checks().available(
            InterfaceKind.CARD_ORDER, branch=branch, workstation=where, on=today
        )
        dispatched = _run_dispatch(app, None, report) if ordering else None
    if as_json:
        click.echo(
            dumps(
                {
                    "exports": [export_json(e, state.lang) for e in result.exports],
                    "uploads": [upload_json(u, state.lang) for u in result.uploads],
                    "batches": []
                    if dispatched is None
                    else [batch_json(b, state.lang) for b in dispatched.batches],
                }
            )
        )
    for e in result.exports:
        path = Path(e.export.directory) / e.export.file_name
        if e.error is not None:
            failed += 1
            report_error(state, e.error)
        elif as_json:
            continue
        elif e.outcome is ExportOutcome.WRITTEN:
            click.echo(f"exported {path}")
        elif e.outcome is ExportOutcome.EXISTS:
            click.echo(f"exists, not rewritten: {path}")
    failed += _print_uploads(ctx, list(result.uploads), quiet=as_json)
    if not as_json:
        if not result.exports:
            click.echo(f"no Loyalty Lab interface available on {where}")
        elif app.upload_delivery is None:
            click.echo("no [loyalty_lab.upload] configured: the files stay in the outbox")
        elif not result.uploaded:
            click.echo("nothing new to upload")
    if dispatched is not None:
        failed += _finish_dispatch(ctx, dispatched, exit_on_failure=False, quiet=as_json)
    if failed:
        ctx.exit(1)


@cli.group()
def outbox() -> None:
    """The Loyalty Lab outbox: upload new export files (LL8)."""


@outbox.command("upload")
@click.option("--workstation", help="This computer's name (default: from the configuration).")
@click.option("--branch", help="This computer's branch (default: from the configuration).")
@_json_option
@click.pass_context
def outbox_upload(
    ctx: click.Context, workstation: str | None, branch: str | None, as_json: bool
) -> None:
    """Upload every file of the outbox not uploaded yet, each exactly once (LL8)."""
    from .output import dumps, progress_reporter, upload_json

    app = _app(ctx)
    _require_upload(app)
    where, branch = _lab_place(app, workstation, branch)
    with progress_reporter(_progress_enabled() and not as_json, ["upload"]) as report:
        progress = None if report is None else (lambda d, t, i: report("upload", d, t, i))
        uploads = app.loyalty_lab.upload(branch=branch, workstation=where, progress=progress)
    if as_json:
        lang = _state(ctx).lang
        click.echo(dumps({"uploads": [upload_json(u, lang) for u in uploads]}))
    failed = _print_uploads(ctx, uploads, quiet=as_json)
    if not as_json and not any(u.outcome is UploadOutcome.UPLOADED for u in uploads):
        click.echo("nothing new to upload")
    if failed:
        ctx.exit(1)


def watch_outbox(
    lab: LoyaltyLab,
    *,
    branch: str | None,
    workstation: str,
    interval: float,
    stop: threading.Event,
    on_result: Callable[[UploadResult], None],
) -> int:
    """Upload new outbox files as they appear, until *stop* is set (LL8).

    A plain polling loop: every *interval* seconds it runs
    :meth:`~amparex_core.services.LoyaltyLab.upload`, which sends each new file exactly
    once and retries failed ones on the next round. It returns after the round in which
    *stop* was set, never in the middle of an upload.

    Returns:
        How many files were uploaded.
    """
    uploaded = 0
    while True:
        for result in lab.upload(branch=branch, workstation=workstation):
            if result.outcome is UploadOutcome.UPLOADED:
                uploaded += 1
            if result.outcome is not UploadOutcome.ALREADY_UPLOADED:
                on_result(result)
        if stop.wait(interval):
            return uploaded


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@outbox.command("watch")
@click.option("--workstation", help="This computer's name (default: from the configuration).")
@click.option("--branch", help="This computer's branch (default: from the configuration).")
@click.option("--interval", type=click.FloatRange(min=0.05), default=5.0, show_default=True)
@click.pass_context
def outbox_watch(
    ctx: click.Context, workstation: str | None, branch: str | None, interval: float
) -> None:
    """Upload files as they appear in the outbox; stop cleanly on Ctrl-C or SIGTERM."""
    app = _app(ctx)
    state = _state(ctx)
    _require_upload(app)
    where, branch = _lab_place(app, workstation, branch)
    stop = threading.Event()

    def show(result: UploadResult) -> None:
        if result.outcome is UploadOutcome.UPLOADED:
            click.echo(f"uploaded {result.name}: {result.receipt}")
        elif result.error is not None:
            report_error(state, result.error)

    with _stop_on_signals(stop):
        click.echo(f"watching the outbox of {where} every {interval:g} s; Ctrl-C stops", err=True)
        count = watch_outbox(
            app.loyalty_lab,
            branch=branch,
            workstation=where,
            interval=interval,
            stop=stop,
            on_result=show,
        )
    click.echo(f"stopped; {count} file(s) uploaded", err=True)


# ================================================================== cards


@cli.group()
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
    click.echo(f"technology: {p.technology.value}")
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
@click.option("--uid-form", type=_choice(UidForm), default="hex", show_default=True)
@click.pass_context
def cards_register(ctx: click.Context, number: str, uid: str, uid_form: str) -> None:
    """Link the physical card UID to the issued card NUMBER, once (CR3)."""
    card = _app(ctx).desk.register(number, CardUid.parse(uid, _enum(UidForm, uid_form)))
    assert card.uid is not None
    click.echo(f"registered {card.uid.hex} to card {card.number}")


@cards.command("identify")
@click.argument("uid")
@click.option("--uid-form", type=_choice(UidForm), default="hex", show_default=True)
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
    from .output import card_json, dumps

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
                c.card_type.value,
                c.kind.value,
                c.issued_on.isoformat(),
                "" if c.valid_until is None else c.valid_until.isoformat(),
                "" if c.uid is None else c.uid.hex,
                "invalid" if c.blocked else "valid",
            ]
            for c in found
        ],
    )


# ================================================================== configuration


@cli.group("config")
def config_group() -> None:
    """The configuration in effect."""


@config_group.command("show")
@_json_option
@click.pass_context
def config_show(ctx: click.Context, as_json: bool) -> None:
    """Show the configuration in effect; secrets only as set (********) or missing."""
    import attrs

    from amparex_core.domain.secret import REDACTED

    from .config import SECRET_VARIABLES
    from .output import dumps

    app = _app(ctx)
    config = app.config
    secrets_file = app.secrets.file
    shown: dict[str, Any] = {
        "file": None if config.path is None else str(config.path),
        "storage_url": _redact_url(config.storage_url),
        "statistics_url": _redact_url(config.statistics_url),
        "chain": attrs.asdict(config.chain, value_serializer=_plain),
        "workstation": {"name": config.workstation_name, "branch": config.workstation.branch},
        "loyalty_lab_upload": None
        if config.loyalty_lab.upload is None
        else attrs.asdict(config.loyalty_lab.upload, value_serializer=_plain),
        "card_order": attrs.asdict(config.card_order, value_serializer=_plain),
        "reader": attrs.asdict(config.reader, value_serializer=_plain),
        "secrets_file": None if secrets_file is None else str(secrets_file),
        "secrets": {
            name: REDACTED if app.secrets.get(name) is not None else None
            for name in SECRET_VARIABLES
        },
    }
    # A secret pasted into a key of the configuration by mistake is masked too.
    scrub = _state(ctx).scrub
    if as_json:
        click.echo(scrub(dumps(shown)))
        return
    for key, value in _flatten(shown):
        click.echo(scrub(f"{key} = {value}"))


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(dotted.key, text)`` of every set leaf of nested dictionaries."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else key)
    elif value is not None and value != []:
        yield prefix, ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _plain(_inst: object, _field: object, value: Any) -> Any:
    from decimal import Decimal

    return str(value) if isinstance(value, Decimal | Path) else value


def _redact_url(url: str) -> str:
    """*url* without a password (``postgresql://user:pw@host`` → ``user:********@host``).

    A ``password=`` query parameter is masked too, and a malformed URL is no exception.
    """
    start, user, password, rest, query = split_login(url)
    if password is not None:
        rest = f"{start}{user}:********@{rest}"
    elif user is not None:
        rest = f"{start}{user}@{rest}"
    if not query:
        return rest
    return rest + "?" + _QUERY_PASSWORD.sub(r"\1\2********", query)


# ================================================================== master data


@cli.group()
def masterdata() -> None:
    """Master data (Stammdaten) for installations without a host application."""


@masterdata.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def masterdata_import(ctx: click.Context, file: str) -> None:
    """Import branches, customers, employees and templates from a JSON or TOML bundle."""
    counts = _app(ctx).import_masterdata(Path(file))
    click.echo(
        "imported "
        + ", ".join(f"{count} {section.replace('_', ' ')}" for section, count in counts.items())
    )


# ================================================================== demo


@cli.command("demo")
@click.argument("directory", default="amparex-demo", type=click.Path(file_okay=False))
@click.option("--customers", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.pass_context
def demo(ctx: click.Context, directory: str, customers: int) -> None:
    """Build a self-contained demo chain in DIRECTORY and run the main job on it."""
    from .demo import run_demo

    summary = run_demo(Path(directory), customers=customers, echo=click.echo, lang=_state(ctx).lang)
    if summary.errors:
        ctx.exit(1)
