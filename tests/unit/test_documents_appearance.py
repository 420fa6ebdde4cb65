"""Filled fields drawn into the page: fonts, sizes, wrapping, hidden fields (CO8, CO16)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from amparex_adapters.documents.pdf import PdfFormRenderer
from amparex_core.domain.errors import DocumentTemplateInvalid
from amparex_core.domain.masterdata import DocumentKind, DocumentTemplate
from amparex_core.ports.documents import DocumentPart
from tests.pdfforms import form

A4 = (595.28, 841.89)


def template(content: bytes) -> DocumentTemplate:
    return DocumentTemplate("DOC-A", "A", DocumentKind.LETTER, "application/pdf", content)


def page_text(content: bytes, **context: str) -> str:
    pdf = PdfFormRenderer().render([DocumentPart(template(content), context)])
    (page,) = PdfReader(io.BytesIO(pdf)).pages
    return page.extract_text()


@pytest.mark.parametrize(
    ("da", "reason"),
    [
        ("/NoSuchFont 9 Tf 0 g", "/NoSuchFont"),
        ("0 g", "names no font"),
    ],
)
def test_CO8_a_field_whose_font_cannot_be_found_is_refused(da: str, reason: str) -> None:
    """CO8: found by validate, with the field named."""
    broken = template(form(("holder_name", None), da=da))
    with pytest.raises(DocumentTemplateInvalid, match=reason) as caught:
        PdfFormRenderer().validate(broken, frozenset({"holder_name"}))
    assert caught.value.field == "holder_name"


@pytest.mark.parametrize("da", ["/Helv 9 Tf 0 g", "/TiRo 0 Tf 0.2 0.2 0.6 rg", "/Courier 8 Tf"])
def test_CO16_standard_fonts_need_no_resources(da: str) -> None:
    """CO16: /Helv, /TiRo and the standard 14 names work without a /DR entry."""
    text = page_text(form(("holder_name", None), da=da), holder_name="Erika Mustermann")
    assert "Erika Mustermann" in text


def test_CO16_characters_outside_the_font_encoding_print_as_question_marks() -> None:
    """CO16: WinAnsi has ë and € but no CJK; nothing is dropped silently."""
    text = page_text(form(("holder_name", None)), holder_name="Zoë Černá 李 5 €")
    assert "Zoë" in text
    assert "5 €" in text
    assert "?" in text


def test_CO16_parentheses_and_backslashes_are_escaped() -> None:
    text = page_text(form(("holder_name", None)), holder_name=r"Müller (geb. Schmidt) \ o/")
    assert r"Müller (geb. Schmidt) \ o/" in text


def test_CO16_a_long_text_in_a_multiline_field_wraps_and_shrinks_to_fit() -> None:
    """CO16: size 0 in a multi-line field: every word is printed, none cut off."""
    words = [f"Wort{i:02d}" for i in range(60)]
    content = form(("body", None), size=A4, da="/Helv 0 Tf 0 g", field_flags=4096, height=60)
    text = page_text(content, body=" ".join(words[:30]) + "\n" + " ".join(words[30:]))
    assert [w for w in words if w not in text] == []
    assert len(text.splitlines()) >= 3


def test_CO16_a_single_line_field_with_size_zero_shrinks_a_long_value() -> None:
    value = "Maximilian Alexander Freiherr von und zu Mustermann-Beispielhausen"
    text = page_text(form(("holder_name", None), da="/Helv 0 Tf 0 g"), holder_name=value)
    assert value in text


def test_CO16_hidden_fields_are_not_printed() -> None:
    content = form(("secret", None), annotation_flags=2)
    assert "do not print" not in page_text(content, secret="do not print")


def test_CO16_empty_values_draw_nothing() -> None:
    pdf = PdfFormRenderer().render(
        [DocumentPart(template(form(("holder_name", None))), {"holder_name": ""})]
    )
    assert PdfReader(io.BytesIO(pdf)).pages[0].extract_text().strip() == ""


def test_CO16_a_field_with_two_widgets_is_printed_in_both_places() -> None:
    """CO16: a parent field (value and /DA inherited) shown by two widgets, filled per part."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    parent = DictionaryObject(
        {
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject("holder"),
            NameObject("/V"): TextStringObject("{{ holder_name | upper }}"),
            NameObject("/DA"): TextStringObject("/Helv 10 Tf 0 g"),
        }
    )
    parent_ref = writer._add_object(parent)
    kids = ArrayObject()
    for i in range(2):
        kid = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/Parent"): parent_ref,
                NameObject("/F"): NumberObject(4),
                NameObject("/Rect"): ArrayObject(
                    FloatObject(v) for v in (10, 10 + 40 * i, 290, 30 + 40 * i)
                ),
            }
        )
        kids.append(writer._add_object(kid))
    parent[NameObject("/Kids")] = kids
    page[NameObject("/Annots")] = ArrayObject(kids)
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([parent_ref])}
    )
    out = io.BytesIO()
    writer.write(out)
    renderer = PdfFormRenderer()
    with pytest.raises(DocumentTemplateInvalid):
        renderer.validate(template(out.getvalue()), frozenset({"name"}))
    pdf = renderer.render(
        [
            DocumentPart(template(out.getvalue()), {"holder_name": "Erika"}),
            DocumentPart(template(out.getvalue()), {"holder_name": "Max"}),
        ]
    )
    texts = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert texts == ["ERIKA\nERIKA", "MAX\nMAX"]
