"""The objects whose JSON forms are pinned by golden files (``tests/golden/<version>/``).

One :class:`Case` per file: its *family* (the folder: which format, which object) and its
*name* (the file). The same catalogue feeds :mod:`tests.golden.make_golden` (which wrote
the files once, with the code of that version) and ``tests/unit/test_golden_formats.py``
(which reads every file with today's code, compares the decoded object with the case's
object and writes it back byte for byte).

Families:

``stored/<object>``
    The document the SQL stores keep in their ``data`` column.
``masterdata/<section>``
    The document the SQL master data keeps in its ``md_*`` tables (a bundle record; a
    document template's content lives in its own column, not in the document).
``bundle/<section>``
    A record of a master-data bundle (TOML/JSON import), as ``record_of`` makes it.
``output/<command>``
    What ``amparex … --json`` prints for one object.

Add cases freely (a new file for the next version's folder); never change an object a
written golden file stands for.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs

from amparex_core.domain.cards import CardUid, HolderRef, IssuedCard
from amparex_core.domain.csvdialect import CsvDialect
from amparex_core.domain.errors import DeliveryFailed, StatisticFailed
from amparex_core.domain.interfaces import (
    CardOrderSettings,
    InterfaceConfig,
    InterfaceKind,
    LoyaltyLabSettings,
)
from amparex_core.domain.masterdata import (
    Branch,
    Customer,
    DocumentKind,
    DocumentTemplate,
    Employee,
    FileFormat,
    HolderKind,
    PostalAddress,
    StatisticTemplate,
)
from amparex_core.domain.money import CostItem, CostLine, Money
from amparex_core.domain.orders import Batch, CardOrder, ProcessRef, Recipient
from amparex_core.domain.statistics import ExportOutcome, StatisticExport, StatisticKind
from amparex_core.domain.templates import CardKind, CardTemplate, CardType, ShippingInterval, ShipTo
from amparex_core.domain.uploads import FileFacts, UploadOutcome, UploadRecord, UploadState
from amparex_core.services import BatchResult, ExportResult, UploadResult
from amparex_core.services.orders import BatchOutcome

__all__ = ["CASES", "Case"]

CET = dt.timezone(dt.timedelta(hours=1))
CEST = dt.timezone(dt.timedelta(hours=2))
T0 = dt.datetime(2026, 11, 23, 9, 30, tzinfo=CET)
T1 = dt.datetime(2026, 12, 1, 6, 5, 4, 123456, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 7, 14, 23, 59, 59, tzinfo=CEST)


@attrs.frozen
class Case:
    """One golden file: ``<family>/<name>.json`` and the object it stands for.

    Attributes:
        family: The folder, e.g. ``stored/order``.
        name: The file name without ``.json``.
        obj: The object.
        args: Further arguments of the writer (the currency of ``order_json``, a language).
    """

    family: str
    name: str
    obj: Any
    args: tuple[Any, ...] = ()

    @property
    def path(self) -> str:
        """The file, relative to the version folder."""
        return f"{self.family}/{self.name}.json"


# ------------------------------------------------------------------ interfaces

CARD_ORDER_FULL = InterfaceConfig(
    id="IF-CO-1",
    kind=InterfaceKind.CARD_ORDER,
    settings=CardOrderSettings(
        contract="KV-4711", key="Schlüssel-ß/08\"15'", customer_number="C-100"
    ),
    display_name="Kundenkarten Straße",
    branch="F01",
    start=dt.date(2026, 12, 1),
)
CARD_ORDER_EMPTY = InterfaceConfig(
    id="IF-CO-2", kind=InterfaceKind.CARD_ORDER, settings=CardOrderSettings()
)
CARD_ORDER_WORKSTATION = InterfaceConfig(
    id="IF-CO-3",
    kind=InterfaceKind.CARD_ORDER,
    settings=CardOrderSettings(contract="KV-1", key="k"),
    workstation="Kasse-02",
    client_side=False,
)
LOYALTY_ALL = InterfaceConfig(
    id="IF-LL-1",
    kind=InterfaceKind.LOYALTY_LAB,
    settings=LoyaltyLabSettings(
        customer_number="LL-4711",
        directory="/srv/loyalty",
        statistics={
            StatisticKind.HEARING_AIDS: "ST-HA",
            StatisticKind.CUSTOMERS: "ST-CU",
            StatisticKind.GLASSES: "ST-GL",
            StatisticKind.CONTACT_LENSES: "ST-CL",
        },
    ),
    branch="F02",
    workstation="PC-01",
    start=dt.date(2027, 1, 1),
)
LOYALTY_SOME = InterfaceConfig(
    id="IF-LL-2",
    kind=InterfaceKind.LOYALTY_LAB,
    settings=LoyaltyLabSettings(
        customer_number="LL-0815",
        directory="C:\\LoyaltyLab\\Export",
        statistics={StatisticKind.GLASSES: "ST-GL", StatisticKind.HEARING_AIDS: "ST-HA"},
        file_pattern="{statistic}-{date:%Y-%m-%d}.csv",
    ),
    display_name="Loyalty Lab (Empfang)",
    workstation="Empfang",
)
LOYALTY_NONE = InterfaceConfig(
    id="IF-LL-3",
    kind=InterfaceKind.LOYALTY_LAB,
    settings=LoyaltyLabSettings(customer_number="LL-1", directory="/srv/ll"),
    workstation="PC-09",
)

# ------------------------------------------------------------------ templates

BASIS = CardTemplate(name="BASIS", document_template="DOC-CARD")
GOLD = CardTemplate(
    name="GOLD Kundenkarte",
    document_template="DOC-CARD",
    ship_to=ShipTo.CUSTOMER,
    interval=ShippingInterval.DAILY,
    comment="Bitte mit Geschenkbox – „Danke“",
    cover_letter="DOC-LETTER",
    validity_required=True,
    card_type=CardType.NFC_RFID,
    kind=CardKind.CUSTOMER,
    gift_box=True,
)
STAFF = CardTemplate(
    name="PLATIN Mitarbeiter",
    document_template="DOC-STAFF",
    ship_to=ShipTo.CUSTOMER_BRANCH,
    interval=ShippingInterval.MONTHLY,
    card_type=CardType.CHIP,
    kind=CardKind.EMPLOYEE,
    gift_box=True,
    roller_clip=True,
)

# ------------------------------------------------------------------ orders

_EUR = "EUR"
_ADDRESS = PostalAddress("Königstraße 1", "70173", "Stuttgart")
_ABROAD = PostalAddress("Bahnhofstrasse 5", "8001", "Zürich", country="CH", extra="c/o Praxis")


def _price(amount: str) -> Money:
    return Money(Decimal(amount), _EUR)


ORDER_PENDING = CardOrder.place(
    id="O-1",
    process_ref=ProcessRef("V-2026-0042"),
    interface_id="IF-CO-1",
    contract="KV-4711",
    template=BASIS,
    holder=HolderRef(HolderKind.CUSTOMER, "K-1001"),
    holder_name="Erika Mustermann",
    ordering_branch="F01",
    recipient=Recipient(ShipTo.ORDERING_BRANCH, "Filiale Stuttgart", _ADDRESS, branch="F01"),
    card_number="927600000016",
    valid_until=None,
    placed_at=T0,
    tz=CET,
    cost_lines=[CostLine(CostItem.CARD_CHIP, _price("2.50"))],
)
ORDER_VALID = CardOrder.place(
    id="O-2",
    process_ref=ProcessRef("V-2026-0043", "3"),
    interface_id="IF-CO-1",
    contract="KV-4711",
    template=GOLD,
    holder=HolderRef(HolderKind.CUSTOMER, "K-1002"),
    holder_name="Jörg Weiß",
    ordering_branch="F02",
    recipient=Recipient(ShipTo.CUSTOMER, "Jörg Weiß", _ABROAD),
    card_number="927600000024",
    valid_until=dt.date(2028, 12, 31),
    placed_at=SUMMER,
    tz=CET,
    cost_lines=[
        CostLine(CostItem.CARD_NFC_RFID, _price("3.90")),
        CostLine(CostItem.GIFT_BOX, _price("1.10")),
    ],
)
ORDER_STAFF = CardOrder.place(
    id="O-3",
    process_ref=ProcessRef("V-2026-0044", "1"),
    interface_id="IF-CO-1",
    contract="KV-4711",
    template=STAFF,
    holder=HolderRef(HolderKind.EMPLOYEE, "M-7"),
    holder_name="Max Muster",
    ordering_branch="F01",
    recipient=Recipient(ShipTo.CUSTOMER_BRANCH, "Filiale Stuttgart", _ADDRESS, branch="F01"),
    card_number="927600000032",
    valid_until=dt.date(2027, 1, 31),
    placed_at=T1,
    tz=CET,
    cost_lines=[
        CostLine(CostItem.CARD_CHIP, _price("2.50")),
        CostLine(CostItem.GIFT_BOX, _price("1.10")),
        CostLine(CostItem.ROLLER_CLIP, _price("0.75")),
    ],
)
ORDER_BATCHED = ORDER_STAFF.batched("B-2026-0001")
ORDER_DISPATCHED = ORDER_VALID.batched("B-2026-0002").dispatched()
ORDER_CANCELLED = ORDER_PENDING.cancel(T0 + dt.timedelta(hours=2, microseconds=5))

# ------------------------------------------------------------------ batches

BATCH_OPEN = Batch(
    id="B-2026-0001",
    number=1,
    interface_id="IF-CO-1",
    period_key="monthly:2026-12",
    order_ids=("O-3",),
    total=_price("4.35"),
    created_at=T1 + dt.timedelta(days=31),
)
BATCH_DELIVERED = Batch(
    id="B-2026-0002",
    number=42,
    interface_id="IF-CO-1",
    period_key="daily:2026-07-15",
    order_ids=("O-2", "O-9", "O-10"),
    total=_price("15.00"),
    created_at=SUMMER + dt.timedelta(days=1),
).delivered(SUMMER + dt.timedelta(days=1, minutes=3), "sftp:/in/B-2026-0002.pdf (1234 bytes)")
BATCH_EMPTY_TOTAL = Batch(
    id="B-2026-0003",
    number=1000000,
    interface_id="IF-CO-9",
    period_key="weekly:2026-W48",
    order_ids=(),
    total=Money(Decimal("0"), "CHF"),
    created_at=T0,
)

# ------------------------------------------------------------------ cards

CARD_PLAIN = IssuedCard(
    number="927600000016",
    holder=HolderRef(HolderKind.CUSTOMER, "K-1001"),
    card_type=CardType.CHIP,
    kind=CardKind.CUSTOMER,
    issued_on=dt.date(2026, 11, 30),
)
CARD_UID = IssuedCard(
    number="927600000024",
    holder=HolderRef(HolderKind.CUSTOMER, "K-1002"),
    card_type=CardType.NFC_RFID,
    kind=CardKind.CUSTOMER,
    issued_on=dt.date(2026, 7, 15),
    valid_until=dt.date(2028, 12, 31),
    uid=CardUid.parse("04:a2:2b:9c:11:80"),
    order_id="O-2",
)
CARD_BLOCKED = IssuedCard(
    number="927600000032",
    holder=HolderRef(HolderKind.EMPLOYEE, "M-7"),
    card_type=CardType.CHIP,
    kind=CardKind.EMPLOYEE,
    issued_on=dt.date(2026, 12, 1),
    valid_until=dt.date(2027, 1, 31),
    uid=CardUid(bytes.fromhex("0a0b0c0d")),
    order_id="O-3",
).block(T1 + dt.timedelta(days=3))
CARD_EXPIRED = IssuedCard(
    number="927600000040",
    holder=HolderRef(HolderKind.CUSTOMER, "K-9"),
    card_type=CardType.NFC_RFID,
    kind=CardKind.CUSTOMER,
    issued_on=dt.date(2020, 2, 29),
    valid_until=dt.date(2021, 2, 28),
)

# ------------------------------------------------------------------ upload ledger

_EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
UPLOAD_CLAIMED = UploadRecord(
    destination="IF-LL-1",
    name="LL-4711_customers_20261123.csv",
    facts=FileFacts(size=1234, sha256="ab" * 32, mtime_ns=1_795_000_000_123_456_789),
    state=UploadState.CLAIMED,
    claimed_at=T0,
)
UPLOAD_DONE = UploadRecord(
    destination="IF-LL-1",
    name="LL-4711_glasses_20261123.csv",
    facts=FileFacts(size=0, sha256=_EMPTY_SHA256),
    state=UploadState.UPLOADED,
    claimed_at=T0,
    uploaded_at=T0 + dt.timedelta(seconds=2, microseconds=1),
    receipt="/upload/LL-4711_glasses_20261123.csv (0 bytes)",
)
UPLOAD_RETRIED = UploadRecord(
    destination="IF-LL-2",
    name="hearing_aids-2026-07-14.csv",
    facts=FileFacts(size=2**40, sha256="cd" * 32, mtime_ns=17),
    state=UploadState.CLAIMED,
    claimed_at=SUMMER,
    attempts=3,
)
UPLOAD_RETRIED_DONE = UploadRecord(
    destination="IF-LL-2",
    name="glasses-2026-07-14.csv",
    facts=FileFacts(size=99, sha256="ef" * 32, mtime_ns=18),
    state=UploadState.UPLOADED,
    claimed_at=SUMMER,
    uploaded_at=SUMMER + dt.timedelta(minutes=1),
    receipt="ftp:/in/glasses-2026-07-14.csv",
    attempts=4,
)

# ------------------------------------------------------------------ master data

BRANCH_FULL = Branch(
    id="F01",
    name="Stuttgart Mitte",
    address=_ADDRESS,
    email="f01@optik.example",
    phone="0711 123456",
)
BRANCH_BARE = Branch(id="F02", name="Zürich")
CUSTOMER_FULL = Customer(
    id="K-1001",
    first_name="Erika",
    last_name="Mustermann",
    address=_ABROAD,
    leading_branch="F01",
    salutation="Frau",
    email="erika@example.org",
)
CUSTOMER_BARE = Customer(id="K-1002", first_name="Jörg", last_name="Weiß")
EMPLOYEE_FULL = Employee(
    id="M-7",
    first_name="Max",
    last_name="Muster",
    branch="F01",
    address=_ADDRESS,
    salutation="Herr",
)
EMPLOYEE_BARE = Employee(id="M-8", first_name="", last_name="Ångström")
DOC_CARD = DocumentTemplate(
    id="DOC-CARD",
    name="Kundenkarte",
    kind=DocumentKind.CARD,
    media_type="text/plain",
    content="Karte {card_number} – {holder_name}".encode(),
)
DOC_LETTER = DocumentTemplate(
    id="DOC-LETTER",
    name="Anschreiben",
    kind=DocumentKind.LETTER,
    media_type="application/pdf",
    content=b"%PDF-1.4\n\x00\xff\xfe binary",
)
DOC_TEXT = DocumentTemplate(
    id="DOC-TEXT", name="Hinweis", kind=DocumentKind.TEXT, media_type="text/plain", content=b""
)
STATISTIC_DEFAULT = StatisticTemplate(
    id="ST-CU",
    name="Kundenstatistik",
    file_format=FileFormat.CSV,
    query="SELECT id, name FROM customers",
)
STATISTIC_DIALECT = StatisticTemplate(
    id="ST-GL",
    name="Brillenstatistik",
    file_format=FileFormat.CSV,
    query="SELECT * FROM glasses WHERE price > 30.00",
    dialect=CsvDialect(
        separator=",",
        quote_char="'",
        encoding="cp1252",
        decimal_separator=".",
        date_format="%d.%m.%Y",
        datetime_format="%d.%m.%Y %H:%M",
        header=False,
        line_terminator="\n",
    ),
)
STATISTIC_XLSX = StatisticTemplate(
    id="ST-XL", name="Export", file_format=FileFormat.XLSX, query="q"
)

MASTER_ITEMS: dict[str, tuple[Any, ...]] = {
    "branches": (BRANCH_FULL, BRANCH_BARE),
    "customers": (CUSTOMER_FULL, CUSTOMER_BARE),
    "employees": (EMPLOYEE_FULL, EMPLOYEE_BARE),
    "document_templates": (DOC_CARD, DOC_LETTER, DOC_TEXT),
    "statistic_templates": (STATISTIC_DEFAULT, STATISTIC_DIALECT, STATISTIC_XLSX),
}

# ------------------------------------------------------------------ results (--json)

_EXPORT = StatisticExport(
    interface_id="IF-LL-1",
    statistic=StatisticKind.CONTACT_LENSES,
    template_id="ST-CL",
    directory="/srv/loyalty",
    file_name="LL-4711_contact_lenses_20261123.csv",
    on=dt.date(2026, 11, 23),
)
EXPORT_WRITTEN = ExportResult(_EXPORT, ExportOutcome.WRITTEN)
EXPORT_EXISTS = ExportResult(_EXPORT, ExportOutcome.EXISTS)
EXPORT_FAILED = ExportResult(
    _EXPORT,
    ExportOutcome.FAILED,
    StatisticFailed(template_id="ST-CL", reason="no such table: lenses"),
)
UPLOAD_RESULT_DONE = UploadResult("IF-LL-1", "a.csv", UploadOutcome.UPLOADED, "/upload/a.csv")
UPLOAD_RESULT_FAILED = UploadResult(
    "IF-LL-1",
    "b.csv",
    UploadOutcome.FAILED,
    error=DeliveryFailed(destination="sftp://ll.example", item="b.csv", reason="refused\n  twice"),
)
BATCH_RESULT_DELIVERED = BatchResult(BATCH_DELIVERED, BatchOutcome.DELIVERED, resent=True)
BATCH_RESULT_FAILED = BatchResult(
    BATCH_OPEN,
    BatchOutcome.FAILED,
    error=DeliveryFailed(destination="smtp://mail", item="B000001", reason="550 no"),
)


def _cases() -> tuple[Case, ...]:
    cases: list[Case] = []
    interfaces = {
        "card_order-full": CARD_ORDER_FULL,
        "card_order-empty": CARD_ORDER_EMPTY,
        "card_order-workstation": CARD_ORDER_WORKSTATION,
        "loyalty_lab-all": LOYALTY_ALL,
        "loyalty_lab-some": LOYALTY_SOME,
        "loyalty_lab-none": LOYALTY_NONE,
    }
    templates = {"basis": BASIS, "gold": GOLD, "staff": STAFF}
    orders = {
        "pending": ORDER_PENDING,
        "pending-valid_until": ORDER_VALID,
        "pending-employee": ORDER_STAFF,
        "batched": ORDER_BATCHED,
        "dispatched": ORDER_DISPATCHED,
        "cancelled": ORDER_CANCELLED,
    }
    batches = {"open": BATCH_OPEN, "delivered": BATCH_DELIVERED, "empty": BATCH_EMPTY_TOTAL}
    cards = {"plain": CARD_PLAIN, "uid": CARD_UID, "blocked": CARD_BLOCKED, "expired": CARD_EXPIRED}
    uploads = {
        "claimed": UPLOAD_CLAIMED,
        "uploaded": UPLOAD_DONE,
        "claimed-attempts": UPLOAD_RETRIED,
        "uploaded-attempts": UPLOAD_RETRIED_DONE,
    }
    for family, objects in (
        ("stored/interface", interfaces),
        ("stored/template", templates),
        ("stored/order", orders),
        ("stored/batch", batches),
        ("stored/card", cards),
        ("stored/upload", uploads),
    ):
        cases += [Case(family, name, obj) for name, obj in objects.items()]
    for section, items in MASTER_ITEMS.items():
        cases += [Case(f"masterdata/{section}", item.id, item) for item in items]
        cases += [Case(f"bundle/{section}", item.id, item) for item in items]
    cases += [Case("output/interface", n, o) for n, o in interfaces.items()]
    cases += [Case("output/template", n, o) for n, o in templates.items()]
    cases += [Case("output/order", n, o, (_EUR,)) for n, o in orders.items()]
    cases += [Case("output/card", n, o) for n, o in cards.items()]
    for lang in ("en", "de"):
        cases += [
            Case("output/export", f"written-{lang}", EXPORT_WRITTEN, (lang,)),
            Case("output/export", f"exists-{lang}", EXPORT_EXISTS, (lang,)),
            Case("output/export", f"failed-{lang}", EXPORT_FAILED, (lang,)),
            Case("output/upload", f"uploaded-{lang}", UPLOAD_RESULT_DONE, (lang,)),
            Case("output/upload", f"failed-{lang}", UPLOAD_RESULT_FAILED, (lang,)),
            Case("output/batch", f"delivered-{lang}", BATCH_RESULT_DELIVERED, (lang,)),
            Case("output/batch", f"failed-{lang}", BATCH_RESULT_FAILED, (lang,)),
        ]
    return tuple(cases)


#: Every case, in a fixed order.
CASES: tuple[Case, ...] = _cases()
