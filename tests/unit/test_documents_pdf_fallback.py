"""The PDF renderer when pypdf's private names change: pypdf's public form filling (CO16).

A future pypdf is simulated by moving the private module the fast path reads font metrics
from (the renderer looks for it under a name that does not exist), or by giving its
``Font`` class another shape. pypdf itself keeps working, as a newer pypdf would (its own
form filling imports the module itself); the renderer must notice once, log one warning
and still print every part correctly.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter

from amparex_adapters.documents import _appearance as appearance
from amparex_adapters.documents import pdf as pdf_module
from amparex_adapters.documents.pdf import PdfFormRenderer
from amparex_adapters.documents.samples import sample_card_face, sample_cover_letter
from amparex_core.ports.documents import DocumentPart
from tests.unit.test_documents_pdf import context, texts

LOGGER = "amparex_adapters.documents.pdf"


@pytest.fixture(autouse=True)
def fresh_detection() -> Iterator[None]:
    """Each test detects anew; afterwards the real pypdf is detected again."""
    pdf_module._fast_path.cache_clear()
    yield
    pdf_module._fast_path.cache_clear()


def batch() -> list[DocumentPart]:
    card, letter = sample_card_face(), sample_cover_letter()
    return [
        DocumentPart(letter, context(1)),
        DocumentPart(card, context(1)),
        DocumentPart(card, context(2, valid_until="")),
        DocumentPart(letter, context(3, salutation="Sehr geehrte Frau Mustermann")),
        DocumentPart(card, context(3)),
    ]


def words(pdf: bytes) -> list[list[str]]:
    return [sorted(text.split()) for text in texts(pdf)]


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


def check_print_ready(pdf: bytes, parts: list[DocumentPart]) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == len(parts)
    assert "/AcroForm" not in reader.root_object
    assert all(not page.get("/Annots") for page in reader.pages)
    pages = texts(pdf)
    for page, part in zip(pages, parts, strict=True):
        assert part.context["card_number"] in page
        assert part.context["recipient_name"] in page
    assert "gültig bis 31.12.2028" in pages[1]
    assert "gültig bis" not in pages[2]
    assert "Sehr geehrte Frau Mustermann," in pages[3]


def test_the_fast_path_is_used_with_the_pinned_pypdf(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    assert pdf_module._private_api_problem() is None
    PdfFormRenderer().render(batch())
    assert pdf_module._fast_path() is True
    assert warnings_of(caplog) == []


def test_CO16_without_pypdfs_private_font_module_the_batch_prints_through_the_public_api(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """CO16: ``pypdf.generic._font`` gone: the same pages and words, one warning.

    The card face's bar-code field prints its value as text on the public path, so a
    page may show the card number twice: the words are compared as sets.
    """
    parts = batch()
    fast = PdfFormRenderer().render(parts)
    pdf_module._fast_path.cache_clear()
    monkeypatch.setattr(appearance, "FONT_MODULE", "pypdf.generic._font_moved_away")
    caplog.set_level(logging.WARNING, LOGGER)
    renderer = PdfFormRenderer()
    renderer.validate(sample_card_face(), frozenset(context()))
    slow = renderer.render(parts)
    again = renderer.render(parts)
    PdfFormRenderer().render(parts[:1])
    check_print_ready(slow, parts)
    assert [set(page) for page in words(slow)] == [set(page) for page in words(fast)]
    assert again == slow  # deterministic (CO16), and a second render is not disturbed
    (warning,) = warnings_of(caplog)  # detected once, at first use: one warning
    assert "public form filling" in warning.getMessage()
    assert "pypdf" in warning.getMessage()


def test_CO16_a_changed_font_class_is_noticed_and_the_public_api_prints(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """CO16: ``Font`` still there but of another shape (encoding no longer a mapping)."""
    import pypdf.generic._font as font_module

    original = font_module.Font.from_core_font_name

    def changed(name: str = "/Helvetica") -> Any:
        font = original(name)
        font.encoding = "/WinAnsiEncoding"
        return font

    monkeypatch.setattr(font_module.Font, "from_core_font_name", staticmethod(changed))
    caplog.set_level(logging.WARNING, LOGGER)
    parts = batch()
    check_print_ready(PdfFormRenderer().render(parts), parts)
    (warning,) = warnings_of(caplog)
    assert "font metrics" in warning.getMessage()


def test_a_missing_or_changed_add_object_is_noticed(monkeypatch: pytest.MonkeyPatch) -> None:
    """``PdfWriter._add_object`` gone or answering otherwise: the fast path is not taken.

    (pypdf's own methods call it too, so a pypdf without it is not simulated whole here;
    the public path is the one the two tests above prove.)
    """
    original = PdfWriter._add_object
    monkeypatch.setattr(PdfWriter, "_add_object", lambda self, obj: None)
    assert "returned NoneType" in str(pdf_module._private_api_problem())
    monkeypatch.setattr(PdfWriter, "_add_object", original)
    assert pdf_module._private_api_problem() is None
    monkeypatch.delattr(PdfWriter, "_add_object")
    assert pdf_module._private_api_problem() == "PdfWriter._add_object is missing"
