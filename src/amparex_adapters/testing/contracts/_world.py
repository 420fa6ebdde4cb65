"""A small chain around the store under test: what the storage contract's use-case tests need.

The services and the in-memory adapters of the other ports, wired around one store, with
the master data of a chain with branches ``F01``–``F03``, customer ``K1`` and the
document templates ``DOC-CARD`` and ``DOC-LETTER``. Private to the kit: the project's
own tests have a richer world (``tests/world.py``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from amparex_adapters.clock.manual import ManualClock
from amparex_adapters.delivery.memory import RecordingParcelDelivery
from amparex_adapters.documents.text import TextPdfRenderer
from amparex_adapters.exports.memory import MemoryExportTarget
from amparex_adapters.masterdata.memory import MemoryMasterData
from amparex_core.domain.cards import CardNumberFormat
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceKind
from amparex_core.domain.masterdata import (
    Branch,
    Customer,
    DocumentKind,
    DocumentTemplate,
    PostalAddress,
)
from amparex_core.domain.money import CostItem, PriceList
from amparex_core.domain.secret import SecretRef
from amparex_core.domain.templates import CardKind, CardTemplate, CardType, ShipTo
from amparex_core.ports.storage import Storage
from amparex_core.services import ChainSettings, InterfaceService, OrderService, TemplateService

__all__ = ["BERLIN", "World"]

BERLIN = ZoneInfo("Europe/Berlin")
START = dt.datetime(2026, 11, 23, 9, 30, tzinfo=BERLIN)
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


def _address(street: str, city: str = "Stuttgart") -> PostalAddress:
    return PostalAddress(street=street, postal_code="70173", city=city)


class World:
    """Card ordering around *storage*, with a manual clock and a recording parcel delivery.

    Attributes:
        storage: The store under test.
        clock: A manual clock at 23 November 2026, 09:30 in Berlin.
        parcels: Where dispatched batches go.
        orders: The order service over the store.
    """

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.clock = ManualClock(START)
        self.masterdata = MemoryMasterData()
        self.parcels = RecordingParcelDelivery()
        self.renderer = TextPdfRenderer()
        self.masterdata.add(
            Branch("F01", "Optik Muster Stuttgart", _address("Königstraße 10")),
            Branch("F02", "Optik Muster Köln", _address("Hohe Str. 5", "Köln")),
            Branch("F03", "Optik Muster Lager", None),
            Customer("K1", "Erika", "Mustermann", _address("Lindenweg 3"), leading_branch="F02"),
            DocumentTemplate("DOC-CARD", "Kundenkarte", DocumentKind.CARD, "text/plain", CARD_TEXT),
            DocumentTemplate(
                "DOC-LETTER", "Anschreiben", DocumentKind.LETTER, "text/plain", LETTER_TEXT
            ),
        )
        self.interfaces = InterfaceService(
            storage, masterdata=self.masterdata, exports=MemoryExportTarget()
        )
        self.templates = TemplateService(storage, self.masterdata, renderer=self.renderer)
        self.orders = OrderService(
            store=storage,
            templates=storage,
            interfaces=self.interfaces,
            masterdata=self.masterdata,
            renderer=self.renderer,
            delivery=self.parcels,
            clock=self.clock,
            chain=ChainSettings(
                name="Optik Muster",
                tz=BERLIN,
                prices=PRICES,
                card_numbers=CardNumberFormat(prefix="9276", length=12),
            ),
        )

    def card_ordering(self) -> str:
        """Configure chain-wide card ordering with a contract; returns its ID."""
        settings = CardOrderSettings(
            contract="KV-4711", key=SecretRef("card_key"), customer_number="AX-100"
        )
        return self.interfaces.configure(InterfaceKind.CARD_ORDER, settings).id

    def template(self, name: str = "BASIS", **kwargs: object) -> CardTemplate:
        """Create a chip customer-card template shipped to the ordering branch."""
        template = CardTemplate(
            name=name,
            document_template="DOC-CARD",
            ship_to=ShipTo.ORDERING_BRANCH,
            kind=CardKind.CUSTOMER,
            card_type=CardType.CHIP,
            **kwargs,  # type: ignore[arg-type]
        )
        return self.templates.create(template)
