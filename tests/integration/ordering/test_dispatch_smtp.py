"""Card ordering end to end: place, dispatch, PDF renderer, SMTP server (CO5, CO8, CO16, CO18).

The order service runs on the in-memory store and master data of ``tests/world.py`` with the
real adapters of this issue: :class:`PdfFormRenderer` with the sample templates and
:class:`SmtpParcelDelivery` to an aiosmtpd server over STARTTLS with a test CA.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from amparex_adapters.documents.pdf import PdfFormRenderer
from amparex_adapters.documents.samples import (
    SAMPLE_CARD_FACE_ID,
    SAMPLE_COVER_LETTER_ID,
    sample_document_templates,
)
from amparex_adapters.storage.memory import MemoryStorage
from amparex_core.domain.errors import DocumentTemplateInvalid
from amparex_core.domain.masterdata import Customer, DocumentKind, DocumentTemplate
from amparex_core.domain.orders import Batch, OrderStatus
from amparex_core.domain.templates import CardTemplate, ShipTo
from amparex_core.ports.delivery import ParcelDelivery
from amparex_core.services import InformationRequest, OrderService, TemplateService
from tests.pdfforms import form
from tests.peers import require_executable
from tests.plugins.smtp_server import ReceivedMail, SmtpServer
from tests.world import World, address

pytestmark = pytest.mark.integration


class SimulatedCrash(BaseException):
    """The process dies: nothing after the raise point runs."""


class CrashingStorage(MemoryStorage):
    """A store whose next ``mark_batch_delivered`` dies before recording anything."""

    crash_next_record = False

    def mark_batch_delivered(self, batch_id: str, *, at: dt.datetime, receipt: str) -> Batch:
        if self.crash_next_record:
            self.crash_next_record = False
            raise SimulatedCrash(batch_id)
        return super().mark_batch_delivered(batch_id, at=at, receipt=receipt)


class Chain:
    """A World whose order service renders PDFs and mails them to *delivery*."""

    def __init__(
        self,
        delivery: ParcelDelivery,
        storage: MemoryStorage | None = None,
        *,
        contract: bool = True,
    ) -> None:
        self.world = World(storage)
        self.world.masterdata.add(*sample_document_templates())
        self.renderer = PdfFormRenderer()
        self.templates = TemplateService(
            self.world.storage, self.world.masterdata, renderer=self.renderer
        )
        self.orders = OrderService(
            store=self.world.storage,
            templates=self.world.storage,
            interfaces=self.world.interfaces,
            masterdata=self.world.masterdata,
            renderer=self.renderer,
            delivery=delivery,
            clock=self.world.clock,
            chain=self.world.chain,
        )
        self.world.card_ordering(contract=contract)
        self.templates.create(
            CardTemplate(
                name="GOLD",
                document_template=SAMPLE_CARD_FACE_ID,
                cover_letter=SAMPLE_COVER_LETTER_ID,
                ship_to=ShipTo.CUSTOMER,
                validity_required=True,
            )
        )
        self.templates.create(CardTemplate(name="BASIS", document_template=SAMPLE_CARD_FACE_ID))

    def place(self, count: int) -> list[str]:
        """Place *count* orders for new customers, GOLD and BASIS alternating."""
        ids = []
        for i in range(count):
            customer = Customer(
                f"C{i:04d}",
                "Kim",
                f"Kunde-{i:04d}",
                address(f"Weg {i}", "Bremen"),
                leading_branch="F01",
            )
            self.world.masterdata.add(customer)
            gold = i % 2 == 0
            placed = self.orders.place(
                template="GOLD" if gold else "BASIS",
                holder_id=customer.id,
                branch="F01",
                process_ref=f"V-{i:04d}/1",
                valid_until=dt.date(2029, 12, 31) if gold else None,
            )
            ids.append(placed.order.id)
        return ids

    def after_period(self) -> None:
        self.world.clock.advance(dt.timedelta(days=8))


def attachments(mail: ReceivedMail) -> dict[str, tuple[str, bytes]]:
    result: dict[str, tuple[str, bytes]] = {}
    for part in mail.message().iter_attachments():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        result[str(part.get_filename())] = (part.get_content_type(), payload)
    return result


def check_batch_pdf(pdf: bytes, manifest: dict[str, Any]) -> None:
    """Every card's fields on its page; each customer's letter right before its card."""
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    expected_pages = sum(2 if o["ship_to"] == "customer" else 1 for o in manifest["orders"])
    assert len(pages) == expected_pages
    at = 0
    for order in manifest["orders"]:
        if order["ship_to"] == "customer":
            letter = pages[at]
            assert "Ihre neue Kundenkarte GOLD" in letter
            assert f"Guten Tag {order['recipient_name']}," in letter
            assert order["card_number"] in letter
            assert order["street"] in letter
            at += 1
        card = pages[at]
        assert order["card_number"] in card
        assert order["holder_name"] in card
        assert order["template"] in card
        assert "Ihre neue Kundenkarte" not in card
        if order["valid_until"]:
            until = dt.date.fromisoformat(order["valid_until"])
            assert f"gültig bis {until:%d.%m.%Y}" in card
        else:
            assert "gültig bis" not in card
        at += 1


def test_CO16_CO18_a_batch_of_1000_orders_arrives_by_mail_with_every_card_filled(
    smtp_server: SmtpServer,
) -> None:
    """CO16, CO18, CO5, CO1: 1,000 orders -> one mail: manifest + one PDF, letters before
    cards, and the contract key nowhere."""
    chain = Chain(smtp_server.delivery())
    order_ids = chain.place(1000)
    chain.after_period()
    report = chain.orders.dispatch()
    (batch,) = report.delivered
    assert sorted(batch.order_ids) == sorted(order_ids)
    (mail,) = smtp_server.messages
    message = mail.message()
    assert message["Subject"] == f"Kartenbestellung AX-100 {batch.order_number}"
    assert message["Message-ID"] == f"<{batch.id}@amparex-core>" == batch.receipt
    files = attachments(mail)
    assert sorted(files) == [
        f"{batch.order_number}-cards.pdf",
        f"{batch.order_number}-manifest.csv",
        f"{batch.order_number}-manifest.json",
    ]
    content_type, pdf = files[f"{batch.order_number}-cards.pdf"]
    assert content_type == "application/pdf"
    manifest = json.loads(files[f"{batch.order_number}-manifest.json"][1])
    assert [o["order_id"] for o in manifest["orders"]] == list(batch.order_ids)
    check_batch_pdf(pdf, manifest)
    # CO1: the contract key is in no header, body or attachment.
    assert b"geheim-123" not in mail.content
    assert all(b"geheim-123" not in data for _, data in files.values())
    assert all(o.status is OrderStatus.DISPATCHED for o in chain.orders.list_orders())


def test_CO16_a_crash_between_sending_and_recording_resends_the_same_batch(
    smtp_server: SmtpServer,
) -> None:
    """CO16: delivered, then the process dies before recording it. The next dispatch sends
    the same batch again: same Message-ID, same attachments, no second batch, no split."""
    storage = CrashingStorage()
    chain = Chain(smtp_server.delivery(), storage)
    order_ids = chain.place(6)
    chain.after_period()
    storage.crash_next_record = True
    with pytest.raises(SimulatedCrash):
        chain.orders.dispatch()
    (open_batch,) = chain.orders.batches(open_only=True)
    assert len(smtp_server.messages) == 1
    assert all(o.status is OrderStatus.BATCHED for o in chain.orders.list_orders())

    chain.world.clock.advance(dt.timedelta(hours=1))
    report = chain.orders.dispatch()
    (result,) = report.batches
    assert result.resent
    assert result.batch.id == open_batch.id
    assert sorted(result.batch.order_ids) == sorted(order_ids)
    assert chain.orders.batches() == [result.batch]
    orders = chain.orders.list_orders()
    assert {o.batch_id for o in orders} == {open_batch.id}
    assert all(o.status is OrderStatus.DISPATCHED for o in orders)

    first, second = smtp_server.messages
    assert first.message()["Message-ID"] == second.message()["Message-ID"]
    assert first.message()["Message-ID"] == f"<{open_batch.id}@amparex-core>"
    assert first.message()["Subject"] == second.message()["Subject"]
    assert attachments(first) == attachments(second)

    chain.world.clock.advance(dt.timedelta(hours=1))
    assert chain.orders.dispatch().batches == ()
    assert len(smtp_server.messages) == 2


def test_CO2_an_information_request_is_mailed_through_the_same_channel(
    smtp_server: SmtpServer,
) -> None:
    """CO2, CO18: "Informationen anfordern" works without a contract and goes by mail."""
    chain = Chain(smtp_server.delivery(), contract=False)
    receipt = chain.orders.request_information(
        InformationRequest(contact_name="Jana Kasse", email="jana@example.org", branch="F01")
    )
    (mail,) = smtp_server.messages
    message = mail.message()
    assert message["Message-ID"] == receipt.reference
    assert message["Subject"] == "Informationen anfordern: Kartenvertrag Optik Muster"
    (attachment,) = list(message.iter_attachments())
    payload = attachment.get_payload(decode=True)
    assert isinstance(payload, bytes)
    facts = json.loads(payload)
    assert facts["contact_name"] == "Jana Kasse"
    assert facts["customer_number"] == "AX-100"


def test_CO8_a_card_template_with_a_misspelt_field_is_refused_when_registered() -> None:
    """CO8: the PDF renderer validates a document template when a card template uses it."""
    chain_world = World()
    broken = DocumentTemplate(
        "DOC-TYPO",
        "Karte mit Tippfehler",
        DocumentKind.CARD,
        "application/pdf",
        form(("card_number", None), ("holder", "{{ holder_nmae }}")),
    )
    chain_world.masterdata.add(broken)
    templates = TemplateService(
        chain_world.storage, chain_world.masterdata, renderer=PdfFormRenderer()
    )
    with pytest.raises(DocumentTemplateInvalid) as caught:
        templates.create(CardTemplate(name="TYPO", document_template="DOC-TYPO"))
    assert (caught.value.document_id, caught.value.field) == ("DOC-TYPO", "holder")
    assert chain_world.storage.list_templates() == []


# ---------------------------------------------------------------- pdftoppm


def pgm_pixels(data: bytes) -> tuple[int, int, bytes]:
    """A binary 8-bit PGM (``pdftoppm -gray``): ``(width, height, grey bytes)``."""
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", data)  # one white space, then pixels
    assert header is not None, data[:20]
    width, height = int(header[1]), int(header[2])
    pixels = data[header.end() :]
    assert len(pixels) == width * height
    return width, height, pixels


def test_CO16_a_rendered_card_page_is_not_blank(tmp_path: Path) -> None:
    """CO16: the batch PDF is print-ready: pdftoppm renders the filled card face, and the
    field area (holder name, card number) has dark pixels."""
    pdftoppm = require_executable("pdftoppm", hint="the Debian package poppler-utils")
    from amparex_core.ports.documents import DocumentPart

    card = sample_document_templates()[0]
    filled = PdfFormRenderer().render(
        [
            DocumentPart(
                card,
                {
                    "holder_name": "Erika Mustermann",
                    "card_number": "927600000018",
                    "valid_until": "31.12.2028",
                    "template_name": "GOLD",
                },
            )
        ]
    )
    empty_card = tmp_path / "empty.pdf"
    empty_card.write_bytes(card.content)
    (tmp_path / "card.pdf").write_bytes(filled)
    images = {}
    for name in ("card", "empty"):
        subprocess.run(
            [
                pdftoppm,
                "-gray",
                "-r",
                "72",
                "-singlefile",
                str(tmp_path / f"{name}.pdf"),
                str(tmp_path / name),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        images[name] = pgm_pixels((tmp_path / f"{name}.pgm").read_bytes())
    width, height, pixels = images["card"]
    assert width == 243
    assert height in (153, 154)  # 242.65 x 153.01 pt at 72 dpi
    # The lower band, where holder name and card number are printed (below the header).
    band = pixels[(height - 60) * width : (height - 8) * width]
    dark = sum(1 for grey in band if grey < 80)
    assert dark > 200, "the card's field area has no text"
    assert len(set(pixels)) > 10, "the page is one flat colour"
    # The template alone draws its expressions only where a viewer generates appearances;
    # the filled page must differ from it.
    assert images["empty"][2] != pixels
