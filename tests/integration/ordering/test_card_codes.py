"""Codes on the card read by a real decoder (issue 15, item 13; CO16, CR4).

A batch goes through the order service and the PDF renderer: GOLD cards on the sample
card face (a Code 128 bar code) with the sample letter, BASIS cards on a form with a QR
code and a bar code. ``pdftoppm`` renders the batch PDF to images and ``zbarimg`` (Debian
``zbar-tools``) decodes every card's codes back to the card's number.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from amparex_adapters.documents.pdf import PdfFormRenderer
from amparex_adapters.documents.samples import (
    SAMPLE_CARD_FACE_ID,
    SAMPLE_COVER_LETTER_ID,
    sample_document_templates,
)
from amparex_core.domain.masterdata import Customer
from amparex_core.domain.templates import CardTemplate, ShipTo
from amparex_core.services import OrderService, TemplateService
from tests.pdfforms import form_template
from tests.peers import require_executable
from tests.world import World, address

pytestmark = pytest.mark.integration


def decode_page(image: Path) -> list[str]:
    """Every code zbarimg finds on *image*, as ``TYPE:DATA``, sorted."""
    zbarimg = require_executable("zbarimg", hint="the Debian package zbar-tools")
    done = subprocess.run(
        [zbarimg, "--quiet", str(image)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode in (0, 4), done.stderr  # 4: no code on the page (a letter)
    return sorted(done.stdout.split())


def test_CO16_CR4_every_cards_bar_code_and_qr_code_decode_to_its_number(tmp_path: Path) -> None:
    """Eight orders, letters before the customers' cards: each card page carries its
    codes — the bar code of the sample, the QR code and bar code of the other form — each
    the card's number; letter pages carry none."""
    pdftoppm = require_executable("pdftoppm", hint="the Debian package poppler-utils")
    world = World()
    world.masterdata.add(
        *sample_document_templates(),
        form_template(
            "DOC-QR",
            ("qr", "{{ card_number | qr }}"),
            ("bar", "{{ card_number | code128 }}"),
            ("text", "{{ holder_name }}"),
            height=44,
        ),
    )
    renderer = PdfFormRenderer()
    templates = TemplateService(world.storage, world.masterdata, renderer=renderer)
    orders = OrderService(
        store=world.storage,
        templates=world.storage,
        interfaces=world.interfaces,
        masterdata=world.masterdata,
        renderer=renderer,
        delivery=world.parcels,
        clock=world.clock,
        chain=world.chain,
    )
    world.card_ordering()
    templates.create(
        CardTemplate(
            "GOLD",
            SAMPLE_CARD_FACE_ID,
            ship_to=ShipTo.CUSTOMER,
            cover_letter=SAMPLE_COVER_LETTER_ID,
        )
    )
    templates.create(CardTemplate("BASIS", "DOC-QR"))
    for i in range(8):
        world.masterdata.add(Customer(f"C{i}", "Kim", f"Kunde {i}", address(f"Weg {i}")))
        orders.place(
            template="GOLD" if i % 2 else "BASIS",
            holder_id=f"C{i}",
            branch="F01",
            process_ref=f"V{i}",
        )
        world.clock.advance(dt.timedelta(minutes=1))
    world.clock.advance(dt.timedelta(days=9))
    (batch,) = orders.dispatch().delivered
    (parcel,) = world.parcels.parcels.values()
    manifest = json.loads(parcel.attachments[1].data)
    (tmp_path / "batch.pdf").write_bytes(parcel.attachments[2].data)
    subprocess.run(
        [pdftoppm, "-png", "-r", "200", str(tmp_path / "batch.pdf"), str(tmp_path / "page")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    expected: list[list[str]] = []
    for order in manifest["orders"]:
        number = order["card_number"]
        if order["template"] == "GOLD":
            expected += [[], [f"CODE-128:{number}"]]  # the cover letter, then the card
        else:
            expected.append(sorted([f"CODE-128:{number}", f"QR-Code:{number}"]))
    assert len(pages) == len(expected) == 12
    assert [decode_page(page) for page in pages] == expected
    assert len({o["card_number"] for o in manifest["orders"]}) == len(batch.order_ids) == 8
