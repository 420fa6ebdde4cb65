"""Cover letters greet the holder as the master data says, come from the ordering branch and
carry the batch date (CO23), rendered by the text and the PDF renderer."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from amparex_adapters.documents.pdf import PdfFormRenderer
from amparex_adapters.documents.samples import (
    SAMPLE_CARD_FACE_ID,
    SAMPLE_COVER_LETTER_ID,
    sample_document_templates,
)
from amparex_core.domain.letters import Addressee, greeting, letter_date, salutation_gender
from amparex_core.domain.masterdata import Branch, Customer, DocumentKind, DocumentTemplate
from amparex_core.domain.templates import CardTemplate, ShipTo
from amparex_core.services import OrderService, TemplateService
from tests.world import World, address

LETTER = (
    b"{sender_line}\n{letter_date}\n{recipient_name}\n{address_line1}\n\n"
    b"{salutation},\nyour card {card_number}.\n{sender_name}"
)


@pytest.mark.parametrize(
    ("salutation", "title", "de", "en"),
    [
        ("Frau", None, "Sehr geehrte Frau Müller", "Dear Ms Müller"),
        ("Fr.", "Dr.", "Sehr geehrte Frau Dr. Müller", "Dear Dr Müller"),
        ("Herr", None, "Sehr geehrter Herr Müller", "Dear Mr Müller"),
        (" herr ", "Prof. Dr.", "Sehr geehrter Herr Prof. Dr. Müller", "Dear Prof. Dr Müller"),
        ("Mrs", None, "Sehr geehrte Frau Müller", "Dear Ms Müller"),
        ("Mr.", None, "Sehr geehrter Herr Müller", "Dear Mr Müller"),
        (None, None, "Guten Tag Erika Müller", "Dear Erika Müller"),
        ("Divers", None, "Guten Tag Erika Müller", "Dear Erika Müller"),
        ("", "Dr.", "Guten Tag Dr. Erika Müller", "Dear Dr. Erika Müller"),
    ],
)
def test_CO23_greetings_in_german_and_english(
    salutation: str | None, title: str | None, de: str, en: str
) -> None:
    addressee = Addressee("Erika", "Müller", salutation=salutation, title=title)
    assert greeting(addressee, "de") == de
    assert greeting(addressee, "en") == en


@given(st.text(max_size=12), st.text(max_size=12), st.none() | st.text(max_size=8))
def test_CO23_every_holder_gets_a_greeting_and_neutral_without_a_known_salutation(
    first: str, last: str, salutation: str | None
) -> None:
    addressee = Addressee(first, last, salutation=salutation)
    for language, neutral in (("de", "Guten Tag"), ("en", "Dear")):
        text = greeting(addressee, language)
        assert text.startswith(("Sehr geehrte", neutral)) if language == "de" else text
        if salutation_gender(salutation) is None:
            assert text == f"{neutral} {addressee.full_name}".rstrip()
    with pytest.raises(ValueError, match="de, en"):
        greeting(addressee, "fr")


def test_CO23_letter_dates_in_german_and_english() -> None:
    assert letter_date(dt.date(2026, 12, 2), "de") == "02.12.2026"
    assert letter_date(dt.date(2026, 12, 2), "en") == "2 December 2026"


def chain(renderer: object = None) -> World:
    """A chain whose GOLD cards go to the customer with a German, EN cards with an English
    letter; Erika is Frau Dr., Max Herr, Kim has no salutation."""
    world = World()
    world.masterdata.add(
        Customer("K1", "Erika", "Mustermann", address("Lindenweg 3"), salutation="Frau",
                 title="Dr."),
        Customer("K2", "Max", "Mustermann", address("Am Bach 1"), salutation="Herr"),
        Customer("K5", "Kim", "Neutral", address("Am Bach 5")),
        DocumentTemplate("DOC-LETTER-DE", "Anschreiben", DocumentKind.LETTER, "text/plain", LETTER),
        DocumentTemplate(
            "DOC-LETTER-EN", "Letter", DocumentKind.LETTER, "text/plain", LETTER, language="en"
        ),
        *sample_document_templates(),
    )  # fmt: skip
    if renderer is not None:
        world.renderer = renderer  # type: ignore[assignment]
        world.templates = TemplateService(world.storage, world.masterdata, renderer=renderer)  # type: ignore[arg-type]
        world.orders = OrderService(
            store=world.storage,
            templates=world.storage,
            interfaces=world.interfaces,
            masterdata=world.masterdata,
            renderer=renderer,  # type: ignore[arg-type]
            delivery=world.parcels,
            clock=world.clock,
            chain=world.chain,
        )
    world.card_ordering()
    return world


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_CO23_text_letters_greet_come_from_the_ordering_branch_and_carry_the_batch_date() -> None:
    world = chain()
    for name, letter in (("GOLD", "DOC-LETTER-DE"), ("EN", "DOC-LETTER-EN")):
        world.templates.create(
            CardTemplate(name, "DOC-CARD", ship_to=ShipTo.CUSTOMER, cover_letter=letter)
        )
    placed = [
        ("GOLD", "K1", "F01"),
        ("GOLD", "K2", "F02"),
        ("GOLD", "K5", "F01"),
        ("EN", "K1", "F02"),
        ("EN", "K5", "F01"),
    ]
    for index, (template, holder, branch) in enumerate(placed):
        world.orders.place(
            template=template, holder_id=holder, branch=branch, process_ref=f"V{index}"
        )
        world.clock.advance(dt.timedelta(minutes=1))  # the batch keeps this order
    # The orders are placed on Monday 23.11.2026; the batch is made on Wednesday 02.12.
    world.clock.advance(dt.timedelta(days=9))
    # The branch moves after the orders were placed: the letters keep the address of the
    # moment of ordering, like every other part of an order (CO14).
    world.masterdata.add(Branch("F01", "Umgezogen", address("Neuer Weg 1")))
    world.orders.dispatch()
    (parcel,) = world.parcels.parcels.values()
    text = pages(parcel.attachments[2].data)
    letters = [page for page in text if "your card" in page]
    assert len(letters) == 5
    stuttgart = "Optik Muster Stuttgart · Königstraße 10 · 70173 Stuttgart"
    cologne = "Optik Muster Köln · Hohe Str. 5 · 70173 Köln"
    expected = [
        (stuttgart, "02.12.2026", "Sehr geehrte Frau Dr. Mustermann,"),
        (cologne, "02.12.2026", "Sehr geehrter Herr Mustermann,"),
        (stuttgart, "02.12.2026", "Guten Tag Kim Neutral,"),
        (cologne, "2 December 2026", "Dear Dr Mustermann,"),
        (stuttgart, "2 December 2026", "Dear Kim Neutral,"),
    ]
    for letter, (sender, date, salutation) in zip(letters, expected, strict=True):
        lines = letter.splitlines()
        assert lines[0] == sender
        assert lines[1] == date
        assert salutation in lines
        assert "23.11.2026" not in letter  # the order date is not the letter's date


def test_CO23_the_pdf_sample_letter_greets_names_the_sender_and_the_batch_date() -> None:
    world = chain(PdfFormRenderer())
    world.templates.create(
        CardTemplate(
            "GOLD",
            SAMPLE_CARD_FACE_ID,
            ship_to=ShipTo.CUSTOMER,
            cover_letter=SAMPLE_COVER_LETTER_ID,
        )
    )
    for index, holder in enumerate(("K1", "K2", "K5")):
        world.orders.place(template="GOLD", holder_id=holder, branch="F02", process_ref=f"V{index}")
        world.clock.advance(dt.timedelta(minutes=1))
    world.clock.advance(dt.timedelta(days=9))
    world.orders.dispatch()
    (parcel,) = world.parcels.parcels.values()
    letters = [p for p in pages(parcel.attachments[2].data) if "Ihre neue Kundenkarte" in p]
    assert len(letters) == 3
    greetings = (
        "Sehr geehrte Frau Dr. Mustermann,",
        "Sehr geehrter Herr Mustermann,",
        "Guten Tag Kim Neutral,",
    )
    for letter, salutation in zip(letters, greetings, strict=True):
        assert salutation in letter
        assert "Optik Muster Köln · Hohe Str. 5 · 70173 Köln" in letter
        assert "Datum: 02.12.2026" in letter
        assert "Ihr Team von Optik Muster Köln" in letter
        assert "Demo-Optik" not in letter and "23.11.2026" not in letter


def test_CO23_the_demos_names_fit_their_salutations() -> None:
    from amparex_adapters.cli.demo import FIRST_NAMES, generate_chain

    chain = generate_chain(500, today=dt.date(2026, 11, 23))
    seen = {"Frau": 0, "Herr": 0, None: 0}
    for customer in chain.customers:
        seen[customer.salutation] += 1
        if customer.salutation is not None:
            assert customer.first_name in FIRST_NAMES[customer.salutation], customer
    assert min(seen.values()) > 100
    assert {e.salutation for e in chain.employees} == {"Frau", "Herr", None}


def test_CO23_bundles_carry_titles_and_the_language_of_a_document() -> None:
    from amparex_adapters.masterdata.bundle import parse_bundle, record_of
    from amparex_core.domain.errors import MasterDataInvalid

    data = {
        "customers": [
            {"id": "K1", "first_name": "Erika", "last_name": "M", "salutation": "Frau",
             "title": "Dr."}
        ],
        "employees": [{"id": "M1", "first_name": "Jan", "last_name": "K", "title": "Prof."}],
        "document_templates": [
            {"id": "L-EN", "name": "Letter", "kind": "letter", "media_type": "text/plain",
             "content": "{salutation},", "language": "EN"},
            {"id": "L-DE", "name": "Brief", "kind": "letter", "media_type": "text/plain",
             "content": "{salutation},"},
        ],
    }  # fmt: skip
    bundle = parse_bundle(data)
    assert bundle.customers[0].title == "Dr." and bundle.employees[0].title == "Prof."
    english, german = bundle.document_templates
    assert (english.language, german.language) == ("en", "de")
    assert record_of(english)["language"] == "en" and "language" not in record_of(german)
    data["document_templates"][0]["language"] = "fr"
    with pytest.raises(MasterDataInvalid, match="language is de or en"):
        parse_bundle(data)
