"""A small chain wired with the in-memory adapters: what service tests run against."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from amparex_adapters.clock.manual import ManualClock
from amparex_adapters.delivery.memory import RecordingFileDelivery, RecordingParcelDelivery
from amparex_adapters.documents.text import TextPdfRenderer
from amparex_adapters.exports.memory import MemoryExportTarget
from amparex_adapters.masterdata.memory import MemoryMasterData
from amparex_adapters.readers.scripted import ScriptedReader
from amparex_adapters.statistics.memory import MemoryStatisticSource
from amparex_adapters.storage.memory import MemoryStorage
from amparex_core.domain.cards import CardNumberFormat
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
from amparex_core.domain.money import CostItem, MoneyFormat, PriceList
from amparex_core.domain.secret import SecretRef
from amparex_core.domain.statistics import StatisticKind
from amparex_core.domain.templates import CardKind, CardTemplate, CardType, ShipTo
from amparex_core.ports.storage import Storage
from amparex_core.services import (
    CardDesk,
    ChainSettings,
    InterfaceService,
    LoyaltyLab,
    OrderService,
    TemplateService,
)

BERLIN = ZoneInfo("Europe/Berlin")
START = dt.datetime(2026, 11, 23, 9, 30, tzinfo=BERLIN)
LL_DIR = "/srv/loyalty-lab"
PRICES = PriceList(
    "EUR",
    {
        CostItem.CARD_CHIP: Decimal("2.50"),
        CostItem.CARD_NFC_RFID: Decimal("3.90"),
        CostItem.GIFT_BOX: Decimal("4.00"),
        CostItem.ROLLER_CLIP: Decimal("1.20"),
    },
)
CARD_TEXT = b"{template_name}\n{holder_name}\n{card_number}\nvalid until {valid_until}"
LETTER_TEXT = (
    b"{recipient_name}\n{address_line1}\n{address_line2}\n\n"
    b"Dear {holder_name}, here is your {template_name} card {card_number}.\n{ordering_branch_name}"
)


def address(street: str = "Hauptstr. 1", city: str = "Stuttgart") -> PostalAddress:
    """A German postal address."""
    return PostalAddress(street=street, postal_code="70173", city=city)


class World:
    """Master data, adapters and services of a three-branch chain, all in memory."""

    def __init__(
        self,
        storage: Storage | None = None,
        *,
        start: dt.datetime = START,
        prices: PriceList = PRICES,
        money: MoneyFormat | None = None,
    ) -> None:
        self.storage: Storage = storage if storage is not None else MemoryStorage()
        self.clock = ManualClock(start)
        self.masterdata = MemoryMasterData()
        self.statistics = MemoryStatisticSource()
        self.exports = MemoryExportTarget([LL_DIR])
        self.parcels = RecordingParcelDelivery()
        self.files = RecordingFileDelivery()
        self.renderer = TextPdfRenderer()
        self.reader = ScriptedReader()
        self.card_numbers = CardNumberFormat(prefix="9276", length=12)
        self.chain = ChainSettings(
            name="Optik Muster",
            tz=BERLIN,
            prices=prices,
            card_numbers=self.card_numbers,
            money=money or MoneyFormat(),
        )
        self.masterdata.add(
            Branch("F01", "Optik Muster Stuttgart", address("Königstraße 10")),
            Branch("F02", "Optik Muster Köln", address("Hohe Str. 5", "Köln")),
            Branch("F03", "Optik Muster Lager", None),
            Customer("K1", "Erika", "Mustermann", address("Lindenweg 3"), leading_branch="F02"),
            Customer("K2", "Max", "Mustermann", None, leading_branch="F01"),
            Customer("K3", "Hans", "Ohnefiliale", address("Am Bach 1"), leading_branch=None),
            Customer("K4", "Lea", "Filiallos", address("Am Bach 2"), leading_branch="F03"),
            Employee("M1", "Jana", "Kasse", branch="F01"),
            DocumentTemplate("DOC-CARD", "Kundenkarte", DocumentKind.CARD, "text/plain", CARD_TEXT),
            DocumentTemplate(
                "DOC-LETTER", "Anschreiben", DocumentKind.LETTER, "text/plain", LETTER_TEXT
            ),
            DocumentTemplate(
                "DOC-BROKEN", "Kaputt", DocumentKind.CARD, "text/plain", b"{holdr_name}"
            ),
        )
        for kind, template_id in zip(StatisticKind, ["ST-1", "ST-2", "ST-3", "ST-4"], strict=True):
            self.masterdata.add(
                StatisticTemplate(template_id, kind.german, FileFormat.CSV, f"q-{kind.value}")
            )
            self.statistics.add(
                f"q-{kind.value}",
                ["id", "name", "amount", "since"],
                [(1, "Erika", Decimal("30.00"), dt.date(2024, 5, 1)), (2, "Max", None, None)],
            )
        self.masterdata.add(StatisticTemplate("ST-PDF", "Als PDF", FileFormat.PDF, "q-pdf"))
        self.interfaces = InterfaceService(
            self.storage, masterdata=self.masterdata, exports=self.exports
        )
        self.templates = TemplateService(self.storage, self.masterdata, renderer=self.renderer)
        self.orders = OrderService(
            store=self.storage,
            templates=self.storage,
            interfaces=self.interfaces,
            masterdata=self.masterdata,
            renderer=self.renderer,
            delivery=self.parcels,
            clock=self.clock,
            chain=self.chain,
        )
        self.desk = CardDesk(
            store=self.storage,
            masterdata=self.masterdata,
            clock=self.clock,
            tz=BERLIN,
            card_numbers=self.card_numbers,
        )
        self.loyalty_lab = LoyaltyLab(
            interfaces=self.interfaces,
            masterdata=self.masterdata,
            statistics=self.statistics,
            exports=self.exports,
            ledger=self.storage,
            clock=self.clock,
            tz=BERLIN,
            delivery_for=lambda config: self.files,
        )

    # ------------------------------------------------------------ shortcuts

    def card_ordering(self, *, contract: bool = True, **kwargs: object) -> str:
        """Configure chain-wide card ordering; returns its ID."""
        settings = (
            CardOrderSettings(
                contract="KV-4711", key=SecretRef("card_key"), customer_number="AX-100"
            )
            if contract
            else CardOrderSettings(customer_number="AX-100")
        )
        config = self.interfaces.configure(InterfaceKind.CARD_ORDER, settings, **kwargs)  # type: ignore[arg-type]
        return config.id

    def loyalty(self, workstation: str = "KASSE-1", **kwargs: object) -> str:
        """Configure Loyalty Lab with all four statistics on *workstation*; returns its ID."""
        settings = LoyaltyLabSettings(
            customer_number="4711",
            directory=LL_DIR,
            statistics={
                StatisticKind.CUSTOMERS: "ST-1",
                StatisticKind.GLASSES: "ST-2",
                StatisticKind.CONTACT_LENSES: "ST-3",
                StatisticKind.HEARING_AIDS: "ST-4",
            },
        )
        config = self.interfaces.configure(
            InterfaceKind.LOYALTY_LAB,
            settings,
            workstation=workstation,
            **kwargs,  # type: ignore[arg-type]
        )
        return config.id

    def template(
        self,
        name: str = "BASIS",
        *,
        ship_to: ShipTo = ShipTo.ORDERING_BRANCH,
        kind: CardKind = CardKind.CUSTOMER,
        **kwargs: object,
    ) -> CardTemplate:
        """Create a card template."""
        cover = "DOC-LETTER" if ship_to is ShipTo.CUSTOMER else None
        template = CardTemplate(
            name=name,
            document_template="DOC-CARD",
            ship_to=ship_to,
            cover_letter=cover,
            kind=kind,
            card_type=kwargs.pop("card_type", CardType.CHIP),  # type: ignore[arg-type]
            **kwargs,  # type: ignore[arg-type]
        )
        return self.templates.create(template)
