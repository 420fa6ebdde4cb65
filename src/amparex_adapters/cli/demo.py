"""``amparex demo [DIR]``: a whole chain on the embedded default, and its main job.

The first run builds, in *DIR* (default ``./amparex-demo``):

* ``amparex.toml`` — the configuration the demo runs with (and the operator can go on
  with: ``amparex --config DIR/amparex.toml orders list``), and ``secrets.toml`` (mode
  0600) holding the demo's card-contract key;
* ``amparex.sqlite`` — one SQLite database holding the library's store, the master data
  (3 branches, 10,000 customers, employees, the sample document templates, four statistic
  templates) and the host application's sales tables the statistic templates query:
  ``demo_customers``, ``demo_glasses_sales``, ``demo_contact_lens_sales``,
  ``demo_hearing_aid_sales``;
* both interfaces configured for this workstation: card ordering (chain-wide, with
  contract and key) and Loyalty Lab (the four statistics into ``outbox``, a folder
  relative to the configuration's);
* the card templates BASIS (weekly, to the ordering branch) and GOLD (daily, NFC, gift
  box, validity required, to the customer with a cover letter), and orders placed eight
  days ago, so that their shipping periods are over and they are due.

Every path the demo writes — in ``amparex.toml`` and in the store — is relative to
*DIR*, so a copy of the folder is a demo of its own: ``amparex --config COPY/amparex.toml
startup`` exports, uploads and delivers inside the copy and never touches the original.
The demo builds only in a folder of its own: an ``amparex.toml`` that is not the demo's,
one edited to name another database, or an ``amparex.sqlite`` the demo did not create is
refused (``demo.refused``) before anything is written.

Then every run does the main job of a program start on this workstation
(:class:`~amparex_core.services.ProgramStart`, as ``amparex startup`` runs it): the four
Loyalty Lab CSV files are written into ``DIR/outbox`` (never rewritten, LL6) and uploaded
to the folder ``DIR/loyalty-lab-server`` (each once, LL8); exports whose upload is
confirmed are removed once older than 30 days (``retention_days``, LL11); due card
orders are rendered into one batch PDF per period and delivered as files to
``DIR/card-vendor`` (CO16). A second run finds everything done and says so. Everything
is readable by its owner only (OP6), and the card key stays in ``secrets.toml``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import os
import random
import secrets as secrets_module
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from amparex_adapters._modes import create_file, make_folder
from amparex_adapters.i18n import N_, _
from amparex_core.domain._records import frozen
from amparex_core.domain.errors import InterfaceDuplicate, TemplateDuplicate
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceKind, LoyaltyLabSettings
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
from amparex_core.domain.orders import OrderStatus
from amparex_core.domain.statistics import StatisticKind
from amparex_core.domain.templates import CardKind, CardTemplate, CardType, ShippingInterval, ShipTo
from amparex_core.services import OrderService

from ._demo_store import DEMO_MARK, is_seeded, mark_created, mark_seeded, refuse_foreign

if TYPE_CHECKING:
    from .compose import Composition

__all__ = ["DemoSummary", "build_host_database", "refuse_foreign", "run_demo"]

CHAIN_NAME: Final = "Optik & Hören Muster"
BRANCHES: Final = (
    ("F01", "Optik & Hören Muster Stuttgart", "Königstraße 10", "70173", "Stuttgart"),
    ("F02", "Optik & Hören Muster Köln", "Hohe Straße 52", "50667", "Köln"),
    ("F03", "Optik & Hören Muster Leipzig", "Petersstraße 20", "04109", "Leipzig"),
)
# fmt: off
FIRST_NAMES: Final = {  # by the salutation the names fit (CO23)
    "Frau": ["Anna", "Clara", "Emma", "Greta", "Hannah", "Ida", "Lea", "Lena", "Marie", "Mia",
             "Paula", "Sophie", "Ursula", "Zoe", "Käthe"],
    "Herr": ["Ben", "David", "Felix", "Jonas", "Karl", "Lukas", "Max", "Noah", "Paul", "Tom",
             "Werner", "Jürgen", "Björn", "Sören", "Günther"],
}
LAST_NAMES: Final = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
    "Werner", "Krause", "Meier", "Lehmann", "Köhler", "Weiß",
]
STREETS: Final = [
    "Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schillerstraße",
    "Goethestraße", "Am", "Markt", "Kirchgasse", "Mühlenweg", "Rosenstraße", "Birkenweg",
    "Bergstraße",
]
# fmt: on
FRAMES: Final = ("Titan Flex", "Acetat Havanna", "Metall Rund", "Randlos Air", "Sport Wrap")
LENSES: Final = ("Einstärke", "Gleitsicht", "Bifokal", "Arbeitsplatz")
CONTACT_LENSES: Final = ("Tageslinse", "Monatslinse", "Torisch Monat", "Multifokal Tag")
HEARING_AIDS: Final = ("HdO Basic", "HdO Premium", "IdO Mini", "RIC Connect")

STATISTICS: Final = {
    StatisticKind.CUSTOMERS: (
        "DEMO-KUNDEN",
        "Kundenstatistik (Demo)",
        "SELECT c.id AS kunden_nr, c.salutation AS anrede, c.first_name AS vorname, "
        "c.last_name AS nachname, c.street AS strasse, c.postal_code AS plz, c.city AS ort, "
        "c.email AS email, c.leading_branch AS filiale, "
        "strftime('%Y%m%d', c.customer_since) AS kunde_seit "
        "FROM demo_customers c ORDER BY c.id",
    ),
    StatisticKind.GLASSES: (
        "DEMO-BRILLEN",
        "Brillenstatistik (Demo)",
        "SELECT s.receipt AS beleg, s.customer_id AS kunden_nr, s.branch_id AS filiale, "
        "strftime('%Y%m%d', s.sold_on) AS datum, s.frame AS fassung, s.lens_type AS glasart, "
        "replace(printf('%.2f', s.amount_cents / 100.0), '.', ',') AS betrag "
        "FROM demo_glasses_sales s ORDER BY s.receipt",
    ),
    StatisticKind.CONTACT_LENSES: (
        "DEMO-KONTAKTLINSEN",
        "Kontaktlinsenstatistik (Demo)",
        "SELECT s.receipt AS beleg, s.customer_id AS kunden_nr, s.branch_id AS filiale, "
        "strftime('%Y%m%d', s.sold_on) AS datum, s.product AS produkt, s.packs AS packungen, "
        "replace(printf('%.2f', s.amount_cents / 100.0), '.', ',') AS betrag "
        "FROM demo_contact_lens_sales s ORDER BY s.receipt",
    ),
    StatisticKind.HEARING_AIDS: (
        "DEMO-HOERGERAETE",
        "Hörgerätestatistik (Demo)",
        "SELECT s.receipt AS beleg, s.customer_id AS kunden_nr, s.branch_id AS filiale, "
        "strftime('%Y%m%d', s.sold_on) AS datum, s.model AS modell, s.side AS seite, "
        "replace(printf('%.2f', s.amount_cents / 100.0), '.', ',') AS betrag "
        "FROM demo_hearing_aid_sales s ORDER BY s.receipt",
    ),
}

TEXT_CARD: Final = b"{template_name}\n{holder_name}\n{card_number}\n{valid_until}"
TEXT_LETTER: Final = (
    b"{sender_line}\n\n{recipient_name}\n{address_line1}\n{address_line2}\n\n{letter_date}\n\n"
    b"{salutation},\n\nhier ist Ihre {template_name}-Karte {card_number}.\n\n{sender_name}"
)

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS demo_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS demo_customers (
    id TEXT PRIMARY KEY, salutation TEXT, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    street TEXT, postal_code TEXT, city TEXT, email TEXT, leading_branch TEXT,
    customer_since TEXT);
CREATE TABLE IF NOT EXISTS demo_glasses_sales (
    receipt INTEGER PRIMARY KEY, customer_id TEXT NOT NULL, branch_id TEXT NOT NULL,
    sold_on TEXT NOT NULL, frame TEXT, lens_type TEXT, amount_cents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS demo_contact_lens_sales (
    receipt INTEGER PRIMARY KEY, customer_id TEXT NOT NULL, branch_id TEXT NOT NULL,
    sold_on TEXT NOT NULL, product TEXT, packs INTEGER, amount_cents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS demo_hearing_aid_sales (
    receipt INTEGER PRIMARY KEY, customer_id TEXT NOT NULL, branch_id TEXT NOT NULL,
    sold_on TEXT NOT NULL, model TEXT, side TEXT, amount_cents INTEGER NOT NULL);
"""


@frozen
class DemoSummary:
    """What one demo run did, and where everything is."""

    directory: Path
    created: bool
    written: tuple[Path, ...]
    existing: tuple[Path, ...]
    uploaded: tuple[Path, ...]
    delivered: tuple[Path, ...]
    batches: int
    errors: tuple[str, ...]
    purged: tuple[Path, ...] = ()

    @property
    def idle(self) -> bool:
        """Whether this run wrote and sent nothing."""
        return not (self.written or self.uploaded or self.batches)


# ------------------------------------------------------------------ generated data


@frozen
class GeneratedChain:
    """The generated master data and sales."""

    branches: tuple[Branch, ...]
    customers: tuple[Customer, ...]
    employees: tuple[Employee, ...]
    glasses: list[tuple[Any, ...]]
    contact_lenses: list[tuple[Any, ...]]
    hearing_aids: list[tuple[Any, ...]]


def generate_chain(customers: int, *, today: dt.date, seed: int = 4711) -> GeneratedChain:
    """Three branches, *customers* customers and their sales, the same for the same seed."""
    rnd = random.Random(seed)  # noqa: S311 - made-up demo data, not security
    branches = tuple(
        Branch(
            id=bid,
            name=name,
            address=PostalAddress(street=street, postal_code=plz, city=city),
            email=f"{bid.lower()}@optik-hoeren-muster.example",
            phone=f"+49 {rnd.randint(200, 899)} {rnd.randint(100000, 999999)}",
        )
        for bid, name, street, plz, city in BRANCHES
    )
    people: list[Customer] = []
    glasses: list[tuple[Any, ...]] = []
    lenses: list[tuple[Any, ...]] = []
    aids: list[tuple[Any, ...]] = []
    receipts = iter(range(100_001, 10_000_000))
    for number in range(1, customers + 1):
        bid, _, _, plz, city = BRANCHES[rnd.randrange(len(BRANCHES))]
        salutation = rnd.choice(("Frau", "Herr", None))
        first = rnd.choice(FIRST_NAMES[salutation or rnd.choice(("Frau", "Herr"))])
        last = rnd.choice(LAST_NAMES)
        customer = Customer(
            id=f"K{number:05d}",
            first_name=first,
            last_name=last,
            address=PostalAddress(
                street=f"{rnd.choice(STREETS)} {rnd.randint(1, 120)}",
                postal_code=plz,
                city=city,
            ),
            leading_branch=bid,
            salutation=salutation,
            title="Dr." if rnd.random() < 0.03 else None,
            email=f"{first.lower()}.{last.lower()}{number}@mail.example",
        )
        people.append(customer)

        def day() -> str:
            return (today - dt.timedelta(days=rnd.randint(1, 3 * 365))).isoformat()

        for _ in range(rnd.choice((0, 1, 1, 2))):
            glasses.append(
                (
                    next(receipts),
                    customer.id,
                    bid,
                    day(),
                    rnd.choice(FRAMES),
                    rnd.choice(LENSES),
                    rnd.randint(99, 1200) * 100 + rnd.choice((0, 50, 90)),
                )
            )
        if rnd.random() < 0.35:
            for _ in range(rnd.randint(1, 3)):
                lenses.append(
                    (
                        next(receipts),
                        customer.id,
                        bid,
                        day(),
                        rnd.choice(CONTACT_LENSES),
                        rnd.randint(1, 4),
                        rnd.randint(20, 160) * 100 + rnd.choice((0, 95)),
                    )
                )
        if rnd.random() < 0.15:
            aids.append(
                (
                    next(receipts),
                    customer.id,
                    bid,
                    day(),
                    rnd.choice(HEARING_AIDS),
                    rnd.choice(("links", "rechts", "beidseitig")),
                    rnd.randint(800, 3500) * 100,
                )
            )
    employees = tuple(
        Employee(id=f"M{n}", first_name=first, last_name=last, branch=branch, salutation=salute)
        for n, (first, last, branch, salute) in enumerate(
            (
                ("Jana", "Kasse", "F01", "Frau"),
                ("Tim", "Werkstatt", "F02", "Herr"),
                ("Ola", "Akustik", "F03", None),
            ),
            start=1,
        )
    )
    return GeneratedChain(
        branches=branches,
        customers=tuple(people),
        employees=employees,
        glasses=glasses,
        contact_lenses=lenses,
        hearing_aids=aids,
    )


def build_host_database(path: Path, chain: GeneratedChain) -> None:
    """Write the host application's tables (customers and sales) into the SQLite file."""
    if not path.exists():  # the store's file too: owner only (OP6)
        os.close(create_file(path))
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.executescript(_SCHEMA)
            connection.executemany(
                "INSERT OR REPLACE INTO demo_customers VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    (
                        c.id,
                        c.salutation,
                        c.first_name,
                        c.last_name,
                        c.address.street if c.address else None,
                        c.address.postal_code if c.address else None,
                        c.address.city if c.address else None,
                        c.email,
                        c.leading_branch,
                        (dt.date(2015, 1, 1) + dt.timedelta(days=int(c.id[1:]) % 3650)).isoformat(),
                    )
                    for c in chain.customers
                ),
            )
            for table, rows in (
                ("demo_glasses_sales", chain.glasses),
                ("demo_contact_lens_sales", chain.contact_lenses),
                ("demo_hearing_aid_sales", chain.hearing_aids),
            ):
                connection.executemany(
                    f"INSERT OR REPLACE INTO {table} VALUES (?,?,?,?,?,?,?)",  # noqa: S608 - fixed names
                    rows,
                )
    finally:
        connection.close()


# ------------------------------------------------------------------ files


def _pdf_available() -> bool:
    try:
        importlib.import_module("amparex_adapters.documents.pdf")
        importlib.import_module("amparex_adapters.documents.samples")
    except ImportError:
        return False
    return True


def _document_templates(pdf: bool) -> tuple[list[DocumentTemplate], str, str]:
    if pdf:
        samples = importlib.import_module("amparex_adapters.documents.samples")
        return (
            list(samples.sample_document_templates()),
            str(samples.SAMPLE_CARD_FACE_ID),
            str(samples.SAMPLE_COVER_LETTER_ID),
        )
    card = DocumentTemplate(
        "demo-card", "Kundenkarte (Text)", DocumentKind.CARD, "text/plain", TEXT_CARD
    )
    letter = DocumentTemplate(
        "demo-letter", "Anschreiben (Text)", DocumentKind.LETTER, "text/plain", TEXT_LETTER
    )
    return [card, letter], card.id, letter.id


def write_config(directory: Path, *, pdf: bool) -> Path:
    """Write the demo's ``amparex.toml`` and ``secrets.toml`` (mode 0600) if missing."""
    config = directory / "amparex.toml"
    secrets_file = directory / "secrets.toml"
    if not secrets_file.exists():
        fd = os.open(secrets_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(f'card_key = "{secrets_module.token_hex(16)}"\n')
    if not config.exists():
        config.write_text(
            f"""{DEMO_MARK}; see `amparex --help`.
[storage]
path = "amparex.sqlite"

[chain]
name = "{CHAIN_NAME}"
time_zone = "Europe/Berlin"
card_number_prefix = "9276"
card_number_length = 12

[chain.prices]
currency = "EUR"
card_chip = "2.50"
card_nfc_rfid = "3.90"
gift_box = "4.00"
roller_clip = "1.20"

[workstation]
name = {json.dumps(socket.gethostname())}    # this computer, when the demo was built
branch = "F01"

[loyalty_lab]
retention_days = 30    # uploaded exports older than this are removed at each start (LL11)

[loyalty_lab.upload]
kind = "folder"
folder = "loyalty-lab-server"

[card_order]
renderer = "{"pdf" if pdf else "text"}"

[card_order.delivery]
kind = "folder"
folder = "card-vendor"

[reader]
default = "scripted"
scripted_uid = "04A22B9C"

[secrets]
file = "secrets.toml"
""",
            encoding="utf-8",
        )
    return config


# ------------------------------------------------------------------ the run


def _seed(
    app: Composition, directory: Path, customers: int, pdf: bool, echo: Callable[[str], None]
) -> None:
    from amparex_adapters.clock.manual import ManualClock

    database = directory / "amparex.sqlite"
    now = app.clock.now()
    today = now.astimezone(app.tz).date()
    started = time.perf_counter()
    chain = generate_chain(customers, today=today)
    build_host_database(database, chain)
    documents, card_id, letter_id = _document_templates(pdf)
    statistic_templates = [
        StatisticTemplate(template_id, name, FileFormat.CSV, query)
        for template_id, name, query in STATISTICS.values()
    ]
    app.add_masterdata(
        *chain.branches, *chain.customers, *chain.employees, *documents, *statistic_templates
    )
    echo(
        _(
            "generated {branches} branches, {customers:,} customers, {glasses:,} glasses, "
            "{lenses:,} contact-lens and {aids:,} hearing-aid sales in {seconds:.1f} s"
        ).format(
            branches=len(chain.branches),
            customers=len(chain.customers),
            glasses=len(chain.glasses),
            lenses=len(chain.contact_lenses),
            aids=len(chain.hearing_aids),
            seconds=time.perf_counter() - started,
        )
    )
    interfaces = app.interfaces
    outbox = directory / "outbox"
    for folder in (outbox, directory / "loyalty-lab-server", directory / "card-vendor"):
        make_folder(folder)  # owner only (OP6)
    with contextlib.suppress(InterfaceDuplicate):
        interfaces.configure(
            InterfaceKind.CARD_ORDER,
            CardOrderSettings(
                contract="KV-DEMO-0001",
                key=app.card_key_ref(),  # the key stays in secrets.toml (OP6)
                customer_number="AX-10001",
            ),
        )
    with contextlib.suppress(InterfaceDuplicate):
        interfaces.configure(
            InterfaceKind.LOYALTY_LAB,
            LoyaltyLabSettings(
                customer_number="4711",
                directory="outbox",  # relative to the configuration: a copy exports into its own
                statistics={kind: spec[0] for kind, spec in STATISTICS.items()},
            ),
            workstation=app.workstation,
            branch=None,
        )
    for template in (
        CardTemplate(
            name="BASIS",
            document_template=card_id,
            ship_to=ShipTo.ORDERING_BRANCH,
            interval=ShippingInterval.WEEKLY,
            card_type=CardType.CHIP,
            kind=CardKind.CUSTOMER,
        ),
        CardTemplate(
            name="GOLD",
            document_template=card_id,
            cover_letter=letter_id,
            ship_to=ShipTo.CUSTOMER,
            interval=ShippingInterval.DAILY,
            comment="Willkommen im GOLD-Club",
            validity_required=True,
            card_type=CardType.NFC_RFID,
            kind=CardKind.CUSTOMER,
            gift_box=True,
        ),
    ):
        with contextlib.suppress(TemplateDuplicate):
            app.templates.create(template)
    # Orders placed eight days ago: every weekly and daily period is over, so all are due.
    placed_at = now - dt.timedelta(days=8)
    past = OrderService(
        store=app.storage,
        templates=app.storage,
        interfaces=app.interfaces_without_checks(),
        masterdata=app.masterdata,
        renderer=app.renderer,
        delivery=app.parcel_delivery,
        clock=ManualClock(placed_at),
        chain=app.chain,
    )
    valid_until = placed_at.astimezone(app.tz).date() + dt.timedelta(days=2 * 365)
    rnd = random.Random(11)  # noqa: S311 - made-up demo data, not security
    holders = rnd.sample(chain.customers, min(12, len(chain.customers)))
    for number, holder in enumerate(holders, start=1):
        gold = number % 3 == 0
        past.place(
            template="GOLD" if gold else "BASIS",
            holder_id=holder.id,
            branch=holder.leading_branch or "F01",
            process_ref=f"VG-{number:04d}/1",
            workstation=app.workstation,
            valid_until=valid_until if gold else None,
        )
    cancelled = past.place(
        template="BASIS",
        holder_id=chain.customers[0].id,
        branch="F01",
        process_ref="VG-0999/1",
        workstation=app.workstation,
    )
    if cancelled.order.status is OrderStatus.PENDING:  # a first run that stopped half-way
        past.cancel(cancelled.order.id)
    mark_seeded(database, now)


def _files(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def run_demo(
    directory: Path,
    *,
    customers: int = 10_000,
    echo: Callable[[str], None] = print,
    lang: str = "en",
) -> DemoSummary:
    """Build the demo in *directory* (once) and run the main job on it.

    Returns:
        What this run did.

    Raises:
        DemoRefused: *directory* holds a configuration or a store the demo did not create
            (nothing is written then).
        AmparexError: The demo could not be built (a refusal of the library).
    """
    from .compose import Composition
    from .config import Secrets, load_config

    directory = directory.expanduser().resolve()
    refuse_foreign(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    make_folder(directory)  # owner only (OP6); an existing folder is left as it is
    started = time.perf_counter()
    seeded = is_seeded(directory / "amparex.sqlite")
    pdf = _pdf_available()
    config_path = write_config(directory, pdf=pdf)
    mark_created(directory / "amparex.sqlite", dt.datetime.now(dt.UTC))
    config = load_config(config_path)
    app = Composition(config, Secrets(config, environ={}))
    try:
        if not seeded:
            echo(_("building the demo chain in {directory} …").format(directory=directory))
            _seed(app, directory, customers, pdf, echo)
        else:
            echo(
                _("the demo chain in {directory} exists; running the main job again").format(
                    directory=directory
                )
            )
        summary = _main_job(app, directory, created=not seeded, lang=lang)
    finally:
        app.close()
    rendered_as_pdf = config.card_order.renderer == "pdf"
    _print_summary(summary, config_path, echo, time.perf_counter() - started, rendered_as_pdf)
    return summary


def _main_job(app: Composition, directory: Path, *, created: bool, lang: str) -> DemoSummary:
    """The program start of this workstation (:class:`~amparex_core.services.ProgramStart`)."""
    before_vendor = set(_files(directory / "card-vendor"))
    report = app.program_start.run(branch=app.branch, workstation=app.workstation)
    server = directory / "loyalty-lab-server"
    return DemoSummary(
        directory=directory,
        created=created,
        written=tuple(directory / r.export.directory / r.export.file_name for r in report.written),
        existing=tuple(
            directory / r.export.directory / r.export.file_name for r in report.existing
        ),
        uploaded=tuple(server / u.name for u in report.uploaded),
        delivered=tuple(p for p in _files(directory / "card-vendor") if p not in before_vendor),
        batches=0 if report.dispatch is None else len(report.dispatch.delivered),
        errors=tuple(e.message(lang) for e in report.errors),
        purged=()
        if report.purge is None
        else tuple(Path(f.directory) / f.name for f in report.purge.removed),
    )


def _print_summary(
    summary: DemoSummary,
    config_path: Path,
    echo: Callable[[str], None],
    seconds: float,
    pdf: bool,
) -> None:
    d = summary.directory
    echo("")
    echo(_("configuration:   {path}").format(path=config_path))
    echo(
        _("secrets file:    {path} (mode 0600; the key is never printed)").format(
            path=d / "secrets.toml"
        )
    )
    echo(_("database:        {path}").format(path=d / "amparex.sqlite"))
    renderer = _("PDF forms (sample templates)") if pdf else _("text (pdf extra missing)")
    echo(_("renderer:        {renderer}").format(renderer=renderer))
    echo(_("Loyalty Lab export (LL5–LL7):"))
    for label, paths in (
        (N_("  written        {path}"), summary.written),
        (N_("  exists, kept   {path}"), summary.existing),
    ):
        for path in paths:
            echo(_(label).format(path=path))
    echo(_("Loyalty Lab upload to {path} (LL8):").format(path=d / "loyalty-lab-server"))
    for path in summary.uploaded:
        echo(_("  uploaded       {path}").format(path=path))
    if not summary.uploaded:
        echo(_("  nothing new to upload"))
    echo(_("  retention: uploaded exports older than 30 days are removed at each start (LL11)"))
    for path in summary.purged:
        echo(_("  removed        {path}").format(path=path))
    echo(_("card orders to {path} (CO16):").format(path=d / "card-vendor"))
    echo(_("  {count} batch(es) delivered").format(count=summary.batches))
    for path in summary.delivered:
        echo(_("  delivered      {path}").format(path=path))
    for error in summary.errors:
        echo(_("  error: {error}").format(error=error))
    echo("")
    if summary.idle and not summary.errors:
        echo(
            _(
                "Nothing rewritten and nothing sent again: the exports of today exist (LL6), "
                "every file went out once (LL8), no card order is due (CO16)."
            )
        )
    echo(
        _("done in {seconds:.1f} s. Go on with: amparex --config {path} orders list").format(
            seconds=seconds, path=config_path
        )
    )
