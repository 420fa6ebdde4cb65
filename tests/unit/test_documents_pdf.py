"""The PDF form renderer: Jinja2 field expressions, validation, fill, flatten, merge (CO8, CO16)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from amparex_adapters.documents.pdf import PdfFormRenderer
from amparex_adapters.documents.samples import (
    sample_card_face,
    sample_cover_letter,
    sample_document_templates,
)
from amparex_core.domain.batches import ORDER_CONTEXT_FIELDS
from amparex_core.domain.errors import DocumentTemplateInvalid
from amparex_core.domain.masterdata import DocumentKind, DocumentTemplate
from amparex_core.ports.documents import DocumentPart, DocumentRenderer
from tests.pdfforms import form

ROOT = Path(__file__).resolve().parents[2]

CONTEXT_FIELDS = ORDER_CONTEXT_FIELDS
"""What every order context has (the lead's domain); the samples must validate against it."""


def context(i: int = 1, **overrides: str) -> dict[str, str]:
    values = dict.fromkeys(CONTEXT_FIELDS, "")
    values.update(
        card_number=f"927600{i:06d}",
        holder_name=f"Erika Mustermann {i}",
        recipient_name=f"Erika Mustermann {i}",
        address_line1="Lindenweg 3",
        address_line2="70173 Stuttgart",
        valid_until="31.12.2028",
        template_name="GOLD",
        ordering_branch_name="Optik Muster Stuttgart",
        order_date="23.11.2026",
        salutation=f"Guten Tag Erika Mustermann {i}",
        sender_name="Optik Muster Stuttgart",
        sender_line="Optik Muster Stuttgart · Königstraße 10 · 70173 Stuttgart",
        letter_date="30.11.2026",
    )
    values.update(overrides)
    return values


def document(content: bytes, id: str = "DOC-T") -> DocumentTemplate:  # noqa: A002
    return DocumentTemplate(id, "Test", DocumentKind.CARD, "application/pdf", content)


def texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def renderer() -> PdfFormRenderer:
    return PdfFormRenderer()


def test_CO16_the_renderer_is_a_document_renderer(renderer: PdfFormRenderer) -> None:
    assert isinstance(renderer, DocumentRenderer)
    assert renderer.media_type == "application/pdf"


def test_CO8_sample_templates_validate_against_the_order_context(
    renderer: PdfFormRenderer,
) -> None:
    """CO8: the shipped samples use only names every order context has."""
    for template in sample_document_templates():
        renderer.validate(template, CONTEXT_FIELDS)


def test_CO8_a_misspelt_variable_is_found_by_validate_naming_template_and_field(
    renderer: PdfFormRenderer,
) -> None:
    """CO8: found when the card template starts using the document, not at dispatch."""
    template = document(form(("holder_name", "{{ holdr_name }}"), ("card_number", None)))
    with pytest.raises(DocumentTemplateInvalid) as caught:
        renderer.validate(template, CONTEXT_FIELDS)
    error = caught.value
    assert error.code == "template.document_invalid"
    assert (error.document_id, error.field) == ("DOC-T", "holder_name")
    assert "holdr_name" in error.reason
    assert "DOC-T" in error.message("de")
    assert "holder_name" in error.message("de")


def test_CO8_a_variable_misspelt_inside_a_condition_is_found_too(
    renderer: PdfFormRenderer,
) -> None:
    template = document(form(("valid", "{% if valid_unitl %}bis {{ valid_until }}{% endif %}")))
    with pytest.raises(DocumentTemplateInvalid, match="valid_unitl") as caught:
        renderer.validate(template, CONTEXT_FIELDS)
    assert caught.value.field == "valid"


def test_CO8_a_field_without_value_means_the_context_entry_of_its_name(
    renderer: PdfFormRenderer,
) -> None:
    template = document(form(("card_number", None), ("holder_nmae", "")))
    with pytest.raises(DocumentTemplateInvalid) as caught:
        renderer.validate(template, CONTEXT_FIELDS)
    assert caught.value.field == "holder_nmae"
    good = document(form(("card_number", None), ("holder_name", "")))
    renderer.validate(good, CONTEXT_FIELDS)
    (text,) = texts(renderer.render([DocumentPart(good, context(7))]))
    assert "927600000007" in text
    assert "Erika Mustermann 7" in text


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("{{ holder_name ", "line 1"),
        ("{% if holder_name %}x", "line 1"),
        ("{{ holder_name | no_such_filter }}", "no_such_filter"),
    ],
)
def test_CO8_a_broken_expression_is_refused_with_the_field(
    renderer: PdfFormRenderer, value: str, reason: str
) -> None:
    template = document(form(("card_number", None), ("broken", value)), id="DOC-BROKEN")
    with pytest.raises(DocumentTemplateInvalid, match=reason) as caught:
        renderer.validate(template, CONTEXT_FIELDS)
    assert (caught.value.document_id, caught.value.field) == ("DOC-BROKEN", "broken")


def test_CO8_the_sandbox_refuses_reaching_python_internals(renderer: PdfFormRenderer) -> None:
    """CO8: expressions from the master data cannot reach Python internals."""
    template = document(form(("x", "{{ holder_name.__class__.__mro__[1].__subclasses__() }}")))
    with pytest.raises(DocumentTemplateInvalid) as caught:
        renderer.render([DocumentPart(template, context())])
    assert caught.value.field == "x"


@pytest.mark.parametrize(
    ("content", "media_type", "reason"),
    [
        (b"not a pdf at all", "application/pdf", "not a readable PDF"),
        (b"{holder_name}", "text/plain", "media type"),
    ],
)
def test_CO8_a_document_that_is_not_a_pdf_form_is_refused(
    renderer: PdfFormRenderer, content: bytes, media_type: str, reason: str
) -> None:
    template = DocumentTemplate("DOC-X", "X", DocumentKind.CARD, media_type, content)
    with pytest.raises(DocumentTemplateInvalid, match=reason) as caught:
        renderer.validate(template, CONTEXT_FIELDS)
    assert caught.value.field == "-"


def test_CO8_an_unknown_name_at_render_time_names_template_and_field(
    renderer: PdfFormRenderer,
) -> None:
    """CO8: a context without the name (a renderer used without validate) still fails clearly."""
    template = sample_card_face()
    ctx = context()
    del ctx["holder_name"]
    with pytest.raises(DocumentTemplateInvalid) as caught:
        renderer.render([DocumentPart(template, ctx)])
    assert (caught.value.document_id, caught.value.field) == ("sample-card-face", "holder_name")


def test_CO16_a_batch_is_one_pdf_in_part_order_with_every_field_filled(
    renderer: PdfFormRenderer,
) -> None:
    """CO16: letters and cards merged in part order; flattened (no form left)."""
    card, letter = sample_card_face(), sample_cover_letter()
    parts = [
        DocumentPart(letter, context(1)),
        DocumentPart(card, context(1)),
        DocumentPart(card, context(2, valid_until="")),
        DocumentPart(letter, context(3, salutation="Sehr geehrte Frau Mustermann")),
        DocumentPart(card, context(3)),
    ]
    pdf = renderer.render(parts)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 5
    assert "/AcroForm" not in reader.root_object
    assert all("/Annots" not in page for page in reader.pages)
    pages = texts(pdf)
    assert "Guten Tag Erika Mustermann 1," in pages[0]
    assert "Nummer 927600000001" in pages[0]
    assert "Optik Muster Stuttgart" in pages[0]
    assert "Lindenweg 3" in pages[0]
    for page, i in ((pages[1], 1), (pages[2], 2), (pages[4], 3)):
        assert f"927600{i:06d}" in page
        assert f"Erika Mustermann {i}" in page
        assert "GOLD" in page
    assert "gültig bis 31.12.2028" in pages[1]
    assert "gültig bis" not in pages[2]
    assert "Sehr geehrte Frau Mustermann," in pages[3]


def test_CO16_card_pages_are_iso_7810_id1_and_letters_a4(renderer: PdfFormRenderer) -> None:
    pdf = renderer.render(
        [
            DocumentPart(sample_cover_letter(), context()),
            DocumentPart(sample_card_face(), context()),
        ]
    )
    letter, card = PdfReader(io.BytesIO(pdf)).pages
    assert (float(card.mediabox.width), float(card.mediabox.height)) == pytest.approx(
        (85.60 * 72 / 25.4, 53.98 * 72 / 25.4), abs=0.01
    )
    assert (float(letter.mediabox.width), float(letter.mediabox.height)) == pytest.approx(
        (595.28, 841.89), abs=0.01
    )


def test_CO16_rendering_is_deterministic(renderer: PdfFormRenderer) -> None:
    """CO16: the same batch rendered again (after a crash) is the same document."""
    parts = [DocumentPart(sample_card_face(), context(i)) for i in range(5)]
    assert renderer.render(parts) == PdfFormRenderer().render(parts)


def test_CO16_an_empty_batch_is_an_empty_pdf(renderer: PdfFormRenderer) -> None:
    assert len(PdfReader(io.BytesIO(renderer.render([]))).pages) == 0


@given(
    name=st.text(
        alphabet=st.characters(codec="cp1252", exclude_categories=["Cc", "Cf", "Cs", "Zl", "Zp"]),
        min_size=1,
        max_size=30,
    ).filter(lambda s: s.strip() == s and s.strip())
)
def test_CO16_any_latin_name_is_printed_as_given(name: str) -> None:
    """CO16: a card carries the holder's name as given (Latin-1/cp1252 names)."""
    renderer = PdfFormRenderer()
    (text,) = texts(renderer.render([DocumentPart(sample_card_face(), context(holder_name=name))]))
    assert " ".join(name.split()) in " ".join(text.split())


def test_sample_templates_are_what_the_script_makes() -> None:
    """The committed samples are up to date with scripts/make_sample_templates.py."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_sample_templates.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@settings(max_examples=25)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 999_999)), min_size=1, max_size=8))
def test_CO16_every_part_becomes_its_own_pages_in_order(plan: list[tuple[bool, int]]) -> None:
    """CO16: for any sequence of letters and cards, page i shows part i's card number."""
    card, letter = sample_card_face(), sample_cover_letter()
    parts = [DocumentPart(letter if is_letter else card, context(n)) for is_letter, n in plan]
    pages = texts(PdfFormRenderer().render(parts))
    assert len(pages) == len(parts)
    for page, (is_letter, n) in zip(pages, plan, strict=True):
        assert f"927600{n:06d}" in page
        assert ("Ihre neue Kundenkarte" in page) == is_letter
