"""The Code 128 encoder and the drawing of codes on a card, without a decoder (issue 15, 13).

A decoder of the symbol values written here (the inverse of the standard's code sets B and
C) reads every encoding back; the check symbol and the bar patterns are checked against
their definitions."""

from __future__ import annotations

import io
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from amparex_adapters.documents._codes import (
    PATTERNS,
    START_B,
    START_C,
    STOP,
    SWITCH_B,
    SWITCH_C,
    code128_values,
    code128_widths,
    code_kind,
    draw_code,
    qr_matrix,
)
from amparex_adapters.documents.pdf import PdfFormRenderer, _sandbox
from amparex_adapters.documents.samples import sample_card_face
from amparex_core.domain.errors import DocumentTemplateInvalid
from amparex_core.domain.masterdata import DocumentKind, DocumentTemplate
from amparex_core.ports.documents import DocumentPart
from tests.pdfforms import form

printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40)
digits = st.text(string.digits, min_size=1, max_size=40)
mixed = st.lists(digits | printable, min_size=1, max_size=5).map("".join)


def decode(values: list[int]) -> str:
    """Symbol values back to text: start B or C, data, switches, check, stop."""
    assert values[-1] == STOP
    *data, check = values[:-1]
    assert check == (data[0] + sum(i * v for i, v in enumerate(data[1:], start=1))) % 103
    assert data[0] in (START_B, START_C)
    code = "B" if data[0] == START_B else "C"
    text = ""
    for value in data[1:]:
        if value == SWITCH_C and code == "B":
            code = "C"
        elif value == SWITCH_B and code == "C":
            code = "B"
        elif code == "C":
            assert 0 <= value <= 99
            text += f"{value:02d}"
        else:
            assert 0 <= value <= 95
            text += chr(value + 32)
    return text


@given(printable | digits | mixed)
def test_code128_every_printable_text_encodes_and_reads_back(text: str) -> None:
    values = code128_values(text)
    assert decode(values) == text
    widths = code128_widths(text)
    assert len(widths) == 6 * (len(values) - 1) + 7
    assert sum(widths) == 11 * (len(values) - 1) + 13
    assert all(1 <= w <= 4 for w in widths)


@given(st.text(string.digits, min_size=2, max_size=40).filter(lambda t: len(t) % 2 == 0))
def test_code128_an_even_run_of_digits_is_code_set_c_only(text: str) -> None:
    values = code128_values(text)
    assert values[0] == START_C and len(values) == len(text) // 2 + 3
    assert SWITCH_B not in values[1:-2]


@given(st.text(string.ascii_letters, min_size=1, max_size=5), st.integers(6, 20))
def test_code128_switches_to_c_for_long_digit_runs_and_back(prefix: str, run: int) -> None:
    text = prefix + "7" * run + prefix
    values = code128_values(text)
    assert values[0] == START_B
    assert SWITCH_C in values and SWITCH_B in values
    assert len(values) < len(text) + 3  # shorter than all of it in code set B
    assert decode(values) == text


def test_code128_patterns_are_the_standards() -> None:
    assert len(PATTERNS) == 107 == len(set(PATTERNS))
    assert all(sum(map(int, p)) == 11 and len(p) == 6 for p in PATTERNS[:106])
    assert PATTERNS[STOP] == "2331112"
    # A few symbols as printed in ISO/IEC 15417, table 1.
    assert (PATTERNS[0], PATTERNS[START_B], PATTERNS[START_C], PATTERNS[99]) == (
        "212222",
        "211214",
        "211232",
        "113141",
    )


@pytest.mark.parametrize("text", ["", "Jürgen", "tab\there"])
def test_code128_refuses_what_it_cannot_encode(text: str) -> None:
    with pytest.raises(ValueError, match=r"bar code needs a text|cannot encode"):
        code128_values(text)


def test_qr_is_byte_mode_with_error_correction_m() -> None:
    matrix = qr_matrix("927600000016")
    assert len(matrix) == 21  # version 1: 12 bytes fit with level M (14 at most)
    assert len(qr_matrix("9" * 15)) == 25  # version 2: byte mode, not numeric (41 digits)
    with pytest.raises(ValueError, match="QR code"):
        qr_matrix("x" * 3000)


def test_a_code_field_is_one_expression_ending_in_the_filter() -> None:
    env = _sandbox()
    assert code_kind(env, "{{ card_number | code128 }}") == "code128"
    assert code_kind(env, "{{ card_number|trim|qr }}") == "qr"
    assert code_kind(env, "{{ card_number }}") is None
    assert code_kind(env, "Nr. {{ card_number | code128 }}") is None
    assert code_kind(env, "{{ card_number | upper }}") is None
    assert code_kind(env, "{{ broken") is None


def test_codes_are_vector_paths_in_the_field_colour() -> None:
    drawn = draw_code("code128", "927600000016", (10, 20, 150, 30), b"0 0 0.5 rg")
    assert drawn.startswith(b"q 0 0 0.5 rg\n") and drawn.endswith(b" f\nQ\n")
    assert drawn.count(b" re") == 8 * 3 + 4  # three bars a symbol, four in the stop
    assert draw_code("qr", "", (0, 0, 10, 10), b"0 g") == b""
    pdf = PdfFormRenderer().render(
        [
            DocumentPart(
                sample_card_face(),
                {
                    "card_number": "927600000016",
                    "holder_name": "Erika",
                    "valid_until": "",
                    "template_name": "GOLD",
                },
            )
        ]
    )
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    resources = page["/Resources"].get_object()
    assert isinstance(resources, DictionaryObject)
    assert "/XObject" not in resources  # no raster image anywhere on the card
    content = page.get_contents().get_data()  # type: ignore[union-attr]
    assert b" BI " not in content and b"Do\n" not in content


def test_a_code_that_cannot_be_drawn_names_its_field() -> None:
    template = DocumentTemplate(
        "DOC-CODE",
        "Karte",
        DocumentKind.CARD,
        "application/pdf",
        form(("name_code", "{{ holder_name | code128 }}")),
    )
    with pytest.raises(DocumentTemplateInvalid) as caught:
        PdfFormRenderer().render([DocumentPart(template, {"holder_name": "Jürgen"})])
    assert (caught.value.document_id, caught.value.field) == ("DOC-CODE", "name_code")
    assert "cannot encode 'ü'" in caught.value.reason
