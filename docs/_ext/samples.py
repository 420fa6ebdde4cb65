"""Render the sample card face and cover letter to PNG pictures at build time.

The pictures go through the real path of a batch: a chain wired with the in-memory
adapters and the real :class:`~amparex_adapters.documents.pdf.PdfFormRenderer`, the sample
templates of :mod:`amparex_adapters.documents.samples` in its master data, one card
ordered for a customer and dispatched; the batch PDF the vendor would receive is cut into
pictures by ``pdftoppm`` (Debian ``poppler-utils``). Nothing here draws a card by itself:
when the renderer or its samples are not in this version of the code, the section is
left out; when ``pdftoppm`` is missing, the build warns (and ``-W`` fails it).
"""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sphinx.util import logging

logger = logging.getLogger(__name__)

_PAGE = """\
## The sample card and cover letter

The pictures below are not drawings: the documentation build places a real order for a
customer with the sample templates of {mod}`amparex_adapters.documents.samples`,
dispatches it through {class}`~amparex_core.services.OrderService` with the
{class}`~amparex_adapters.documents.pdf.PdfFormRenderer`, and rasterises the batch PDF
the card vendor would receive (cover letter first, then the card, CO16).

:::{figure} /_generated/sample-letter.png
:alt: The sample cover letter, filled for Erika Mustermann
:class: sample-page
:width: 70%

Page 1 of the batch: the sample cover letter
({py:data}`~amparex_adapters.documents.samples.SAMPLE_COVER_LETTER_ID`).
:::

:::{figure} /_generated/sample-card.png
:alt: The sample card face, filled with holder name, card number and validity
:class: sample-page
:width: 60%

Page 2 of the batch: the sample card face
({py:data}`~amparex_adapters.documents.samples.SAMPLE_CARD_FACE_ID`), 85.60 × 53.98 mm.
:::
"""


def _batch_pdf() -> bytes:
    """Order one card for a customer with the sample templates and return the batch PDF."""
    from amparex_adapters.clock.manual import ManualClock
    from amparex_adapters.delivery.memory import RecordingParcelDelivery
    from amparex_adapters.documents.pdf import PdfFormRenderer
    from amparex_adapters.documents.samples import (
        SAMPLE_CARD_FACE_ID,
        SAMPLE_COVER_LETTER_ID,
        sample_document_templates,
    )
    from amparex_adapters.masterdata.memory import MemoryMasterData
    from amparex_adapters.storage.memory import MemoryStorage
    from amparex_core.domain.cards import CardNumberFormat
    from amparex_core.domain.interfaces import CardOrderSettings, InterfaceKind
    from amparex_core.domain.masterdata import Branch, Customer, PostalAddress
    from amparex_core.domain.money import CostItem, PriceList
    from amparex_core.domain.secret import SecretRef
    from amparex_core.domain.templates import CardKind, CardTemplate, CardType, ShipTo
    from amparex_core.services import (
        ChainSettings,
        InterfaceService,
        OrderService,
        TemplateService,
    )

    berlin = ZoneInfo("Europe/Berlin")
    clock = ManualClock(dt.datetime(2026, 11, 23, 10, 0, tzinfo=berlin))
    masterdata = MemoryMasterData()
    masterdata.add(
        Branch(
            "F01", "Optik Muster Stuttgart", PostalAddress("Königstraße 10", "70173", "Stuttgart")
        ),
        Customer(
            "K1",
            "Erika",
            "Mustermann",
            PostalAddress("Lindenweg 3", "70173", "Stuttgart"),
            leading_branch="F01",
            salutation="Frau",
        ),
        *sample_document_templates(),
    )
    storage = MemoryStorage()
    renderer = PdfFormRenderer()
    delivery = RecordingParcelDelivery()
    interfaces = InterfaceService(storage, masterdata=masterdata)
    interfaces.configure(
        InterfaceKind.CARD_ORDER,
        CardOrderSettings(contract="KV-4711", key=SecretRef("card_key"), customer_number="AX-100"),
    )
    TemplateService(storage, masterdata, renderer=renderer).create(
        CardTemplate(
            name="GOLD",
            document_template=SAMPLE_CARD_FACE_ID,
            cover_letter=SAMPLE_COVER_LETTER_ID,
            ship_to=ShipTo.CUSTOMER,
            card_type=CardType.NFC_RFID,
            kind=CardKind.CUSTOMER,
        )
    )
    prices = PriceList(
        "EUR", {CostItem.CARD_CHIP: Decimal("2.50"), CostItem.CARD_NFC_RFID: Decimal("3.90")}
    )
    orders = OrderService(
        store=storage,
        templates=storage,
        interfaces=interfaces,
        masterdata=masterdata,
        renderer=renderer,
        delivery=delivery,
        clock=clock,
        chain=ChainSettings(
            name="Optik Muster",
            tz=berlin,
            prices=prices,
            card_numbers=CardNumberFormat(prefix="9276", length=12),
        ),
    )
    orders.place(
        template="GOLD",
        holder_id="K1",
        branch="F01",
        process_ref="V-2026-0042/3",
        valid_until=dt.date(2028, 12, 31),
    )
    clock.advance(dt.timedelta(days=7))  # the weekly period has ended (CO6)
    report = orders.dispatch()
    (batch,) = report.delivered
    parcel = delivery.parcels[batch.id]
    (pdf,) = [a for a in parcel.attachments if a.content_type == "application/pdf"]
    return pdf.data


def write_samples(out: Path) -> str:
    """Render the sample pictures into *out*; return the MyST text that shows them."""
    try:
        importlib.import_module("amparex_adapters.documents.pdf")
        importlib.import_module("amparex_adapters.documents.samples")
    except ImportError:
        # Not in this version of the code (or the extra is missing): no section at all.
        return ""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        logger.warning(
            "pdftoppm is missing: the sample pictures need Debian's poppler-utils",
            type="amparex",
            subtype="samples",
        )
        return ""
    pdf = _batch_pdf()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "batch.pdf"
        source.write_bytes(pdf)
        for page, name, dpi in ((1, "sample-letter", 90), (2, "sample-card", 200)):
            subprocess.run(  # noqa: S603 - fixed arguments, our own file
                [
                    pdftoppm,
                    "-png",
                    "-r",
                    str(dpi),
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-singlefile",
                    str(source),
                    str(Path(tmp) / name),
                ],
                check=True,
            )
            produced = Path(tmp) / f"{name}.png"
            target = out / f"{name}.png"
            if not target.exists() or target.read_bytes() != produced.read_bytes():
                shutil.copyfile(produced, target)
    return _PAGE
