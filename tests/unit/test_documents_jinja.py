"""Sandboxed text and HTML templates (the e-mail body) with the renderer's error mapping (CO8)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from amparex_adapters._extras import MissingExtraError
from amparex_adapters.documents.jinja import INLINE, JinjaTemplates
from amparex_core.domain.errors import DocumentTemplateInvalid
from amparex_core.domain.masterdata import DocumentKind, DocumentTemplate

BODY = "Kartenbestellung {{ order_number }}\nKunden-Nr.: {{ customer_number }}\n"


def test_CO18_a_named_text_template_renders_the_mail_body() -> None:
    texts = JinjaTemplates({"order.txt": BODY})
    assert texts.render("order.txt", {"order_number": "B000042", "customer_number": "AX-100"}) == (
        "Kartenbestellung B000042\nKunden-Nr.: AX-100\n"
    )


def test_CO18_template_text_renders_directly_and_is_not_escaped() -> None:
    texts = JinjaTemplates()
    assert texts.render("{{ a }} & {{ b }}", {"a": "<x>", "b": "Müller & Söhne"}) == (
        "<x> & Müller & Söhne"
    )


def test_CO18_html_templates_are_autoescaped(tmp_path: Path) -> None:
    (tmp_path / "order.html").write_text("<p>{{ holder_name }}</p>", encoding="utf-8")
    texts = JinjaTemplates(directory=tmp_path)
    evil = {"holder_name": "<script>alert(1)</script>"}
    assert texts.render("order.html", evil) == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert texts.render("<b>{{ holder_name }}</b>", evil, html=True).startswith("<b>&lt;script")


def test_CO8_a_misspelt_name_is_found_by_validate() -> None:
    texts = JinjaTemplates({"order.txt": BODY})
    texts.validate("order.txt", frozenset({"order_number", "customer_number"}))
    with pytest.raises(DocumentTemplateInvalid) as caught:
        texts.validate("order.txt", frozenset({"order_number", "customer_nr"}))
    assert (caught.value.document_id, caught.value.field) == ("order.txt", "customer_number")


def test_CO8_strict_undefined_at_render_names_the_missing_name() -> None:
    with pytest.raises(DocumentTemplateInvalid) as caught:
        JinjaTemplates().render("Hallo {{ holdr_name }}", {"holder_name": "Erika"})
    assert (caught.value.document_id, caught.value.field) == (INLINE, "holdr_name")


def test_CO8_a_syntax_error_names_the_line() -> None:
    with pytest.raises(DocumentTemplateInvalid) as caught:
        JinjaTemplates({"bad.txt": "ok\n{% if x %}\n"}).render("bad.txt", {"x": "1"})
    assert caught.value.document_id == "bad.txt"
    assert caught.value.field.startswith("line ")


def test_CO8_the_sandbox_refuses_python_internals() -> None:
    with pytest.raises(DocumentTemplateInvalid):
        JinjaTemplates().render("{{ x.__class__.__mro__[1].__subclasses__() }}", {"x": "s"})


def test_CO8_document_templates_of_the_master_data_render_by_media_type() -> None:
    texts = JinjaTemplates()
    html = DocumentTemplate("MAIL", "Mail", DocumentKind.TEXT, "text/html", b"<i>{{ n }}</i>")
    plain = DocumentTemplate("TXT", "Txt", DocumentKind.TEXT, "text/plain", b"<i>{{ n }}</i>")
    assert texts.render_document(html, {"n": "a&b"}) == "<i>a&amp;b</i>"
    assert texts.render_document(plain, {"n": "a&b"}) == "<i>a&b</i>"
    broken = DocumentTemplate("BAD", "Bad", DocumentKind.TEXT, "text/plain", b"{{ m }}")
    with pytest.raises(DocumentTemplateInvalid) as caught:
        texts.render_document(broken, {"n": "x"})
    assert (caught.value.document_id, caught.value.field) == ("BAD", "m")
    binary = DocumentTemplate("BIN", "Bin", DocumentKind.TEXT, "text/plain", b"\xff\xfe\x00")
    with pytest.raises(DocumentTemplateInvalid, match="UTF-8"):
        texts.render_document(binary, {})


@pytest.mark.parametrize(
    ("module", "blocked", "extra"),
    [
        ("amparex_adapters.documents.pdf", "pypdf", "pdf"),
        ("amparex_adapters.documents.jinja", "jinja2", "jinja"),
    ],
)
def test_a_missing_extra_is_named(
    monkeypatch: pytest.MonkeyPatch, module: str, blocked: str, extra: str
) -> None:
    """Importing an adapter without its extra says which extra to install."""
    monkeypatch.setitem(sys.modules, blocked, None)
    monkeypatch.delitem(sys.modules, module, raising=False)
    with pytest.raises(MissingExtraError, match=rf"amparex-core\[{extra}\]"):
        importlib.import_module(module)
