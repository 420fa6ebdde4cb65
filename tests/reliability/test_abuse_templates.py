"""Abuse of document templates: Jinja field expressions and master-data values (CO8, CO16).

Two kinds of hostile input meet in a rendered card or letter:

* **values from the master data** (a customer called ``{{ 7*7 }}``, an address line
  ``{% for x in range(9) %}``, a name holding PDF operators ``) Tj (`` or ``{card_number}``)
  are printed literally, never evaluated — by the sandboxed Jinja renderer (text and
  HTML, where they are also escaped), the PDF form renderer (the text drawn on the page
  is exactly the value) and the plain-text renderer;
* **expressions from template files** that try to leave the sandbox (``__class__``,
  ``__mro__``, ``__subclasses__``, ``__globals__``, ``_``-names, ``self``, ``config``,
  ``lipsum``) or to exhaust the process (``range(10**9)``, ``'x' * 10**9``,
  ``9 ** 999999``, ``'x'.ljust(10**9)``, ``x|center(10**9)``, ``'%999999999s' % x``,
  ``'{:>999999999}'.format(x)``) are refused with ``template.document_invalid``
  — at ``validate`` when a card template starts using the document, or at render —
  never executed and never a raw ``jinja2`` exception.
"""

from __future__ import annotations

import io
import string
import time

import markupsafe
import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st
from pypdf import PdfReader

from amparex_adapters.documents.jinja import JinjaTemplates
from amparex_adapters.documents.pdf import PdfFormRenderer
from amparex_adapters.documents.text import TextPdfRenderer, fill_text
from amparex_core.domain.errors import AmparexError, DocumentTemplateInvalid
from amparex_core.domain.masterdata import DocumentKind, DocumentTemplate
from amparex_core.ports.documents import DocumentPart
from tests.pdfforms import form_template

from ._abuse import assert_refusal, outcome

FIELDS = frozenset({"holder_name", "card_number", "address_line1"})

hostile_values = st.one_of(
    st.sampled_from(
        [
            "{{ 7*7 }}",
            "{% for x in range(9) %}x{% endfor %}",
            "{{ ''.__class__.__mro__[1].__subclasses__() }}",
            "{card_number}",
            "{0.__class__}",
            ") Tj /Helv 99 Tf (pwned",
            "\\) Tj (",
            "<script>alert(1)</script>",
            "{#",
            "${7*7}",
            "%(card_number)s",
        ]
    ),
    st.text(string.ascii_letters + string.digits + " {}%#()\\<>&;'\"/[]*|.-_!?", max_size=30),
)
"""Customer names and address lines as a master-data import could bring them."""


@given(value=hostile_values, html=st.booleans())
def test_CO8_master_data_values_are_printed_literally_by_jinja(value: str, html: bool) -> None:
    """``{{ holder_name }}`` prints the value itself (escaped in HTML), never evaluates it."""
    texts = JinjaTemplates()
    context = {"holder_name": value, "card_number": "927600000016", "address_line1": value}
    rendered = texts.render("Karte für {{ holder_name }} / {{ address_line1 }}", context, html=html)
    shown = str(markupsafe.escape(value)) if html else value
    assert rendered == f"Karte für {shown} / {shown}"


@given(value=hostile_values)
def test_CO8_master_data_values_are_printed_literally_by_the_text_renderer(value: str) -> None:
    """The ``{field}`` renderer substitutes once: a value's own braces stay as they are."""
    template = DocumentTemplate(
        "DOC-TXT", "Karte", DocumentKind.CARD, "text/plain", b"{holder_name}|{card_number}"
    )
    context = {"holder_name": value, "card_number": "927600000016"}
    assert fill_text(template, context) == f"{value}|927600000016"
    pdf = TextPdfRenderer().render([DocumentPart(template, context)])
    assert _page_text(pdf).replace("\n", "") == f"{value}|927600000016".replace("\n", "")


_PDF = PdfFormRenderer()
_CARD = form_template("DOC-ABUSE", ("holder_name", None), ("address", "{{ address_line1 }}"))


@given(value=hostile_values)
def test_CO8_CO16_master_data_values_are_drawn_literally_into_the_pdf(value: str) -> None:
    """The PDF form renderer draws the value's characters, not operators made of them."""
    context = {"holder_name": value, "card_number": "927600000016", "address_line1": "A"}
    pdf = _PDF.render([DocumentPart(_CARD, context)])
    text = _page_text(pdf)
    assert value.strip() in text, (value, text)


def _page_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# ------------------------------------------------------------------ template expressions

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ holder_name.__class__ }}",
    "{{ holder_name|attr('__class__') }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ ''.__class__ ~ 'x' }}",  # refused while Jinja folds constants, at compile time
    "{{ joiner.__init__.__globals__.os }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ holder_name._secret }}",
    "{{ config }}",
    "{{ config.items() }}",
    "{{ lipsum(1) }}",
    "{{ lipsum.__globals__ }}",
    "{{ request }}",
    "{{ range.__self__ }}",
    "{{ '{0.__class__}'.format(holder_name) }}",
    "{{ range(10**9)|list }}",
    "{{ 'x' * 10**9 }}",
    "{{ [0] * 10**8 }}",
    "{{ 9 ** 999999 }}",
    "{{ holder_name.ljust(10**9) }}",
    "{{ holder_name.center(10**9) }}",
    "{{ holder_name|center(10**9) }}",
    "{{ '{:>999999999}'.format(holder_name) }}",
    "{{ '{a:>999999999}'.format_map({'a': holder_name}) }}",
    "{{ '%999999999s' % holder_name }}",
    "{{ '%*s' % (999999999, holder_name) }}",
    "{{ '%999999999s'|format(holder_name) }}",
    "{% for i in range(10**9) %}{% endfor %}",
    "{% set x = 'y' * 10**9 %}{{ x }}",
    "{% include '/etc/passwd' %}",
    "{% extends '../../etc/passwd' %}",
    "{% import 'os' as os %}",
    "{{ unknown_name }}",
    "{{ holder_name }",
    "{% if %}",
]


@pytest.mark.parametrize("expression", ESCAPES)
def test_CO8_sandbox_escapes_in_jinja_templates_are_refused(expression: str) -> None:
    """validate() or render() refuses with template.document_invalid; nothing runs long."""
    texts = JinjaTemplates()
    started = time.monotonic()
    for call in (
        lambda: texts.validate(expression, FIELDS),
        lambda: texts.render(expression, dict.fromkeys(FIELDS, "v")),
        lambda: texts.render(expression, dict.fromkeys(FIELDS, "v"), html=True),
    ):
        result = outcome(call, expression)
        assert isinstance(result, DocumentTemplateInvalid), (expression, result)
        assert_refusal(result, code="template.document_invalid")
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("expression", ESCAPES)
def test_CO8_sandbox_escapes_in_pdf_form_fields_are_refused_at_validate(expression: str) -> None:
    """A PDF field whose value is a hostile expression: refused naming the document."""
    template = form_template("DOC-EVIL", ("card_number", None), ("evil", expression))
    renderer = PdfFormRenderer()
    result = outcome(lambda: renderer.validate(template, FIELDS), expression)
    assert isinstance(result, DocumentTemplateInvalid), (expression, result)
    assert_refusal(result, code="template.document_invalid", names="DOC-EVIL")
    rendered = outcome(
        lambda: renderer.render([DocumentPart(template, dict.fromkeys(FIELDS, "v"))]), expression
    )
    assert isinstance(rendered, DocumentTemplateInvalid), (expression, rendered)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("{{ holder_name|center(9) }}", "    v    "),
        ("{{ '%05d' % 42 }}", "00042"),
        ("{{ 'Nr. 1234567: %s' % holder_name }}", "Nr. 1234567: v"),
        ("{{ '{} 1234567'.format(holder_name) }}", "v 1234567"),
        ("{{ '%s-%s'|format(holder_name, card_number) }}", "v-v"),
        ("{{ 'ab' * 3 }}", "ababab"),
        ("{{ 2 ** 10 }}", "1024"),
        ("{{ range(3)|list }}", "[0, 1, 2]"),
        # A large value (not argument) through filters Jinja passes its environment or
        # context first (attr, sort, map): the limit is on arguments only.
        ("{{ 1000000|attr('real') }}", "1000000"),
        ("{{ [1000000, 2]|sort|first }}", "2"),
        ("{{ [1000000]|map('string')|join }}", "1000000"),
    ],
)
def test_CO8_the_limits_leave_ordinary_expressions_alone(expression: str, expected: str) -> None:
    """Widths, repetitions and powers of ordinary size still render."""
    assert JinjaTemplates().render(expression, dict.fromkeys(FIELDS, "v")) == expected


atoms = st.sampled_from(
    [
        "holder_name", "card_number", "cycler", "joiner", "namespace", "range", "lipsum",
        "self", "loop", "config", "''", "[]", "{}", "1", "(1, 2)", "dict", "caller",
    ]
)  # fmt: skip
trailers = st.sampled_from(
    [
        ".__class__", ".__mro__", "[1]", ".__subclasses__()", ".__globals__", ".__init__",
        ".__dict__", "|attr('__class__')", ".format", "(10**9)", " * 10**9", " ** 99999",
        ".mro()", ".__base__", "|list", "|string", ".items()", ".keys()", "|length",
        ".__getitem__", "['__class__']", ".gi_frame", ".f_globals", ".__builtins__",
        ".ljust(10**7)", ".update({})", ".append(1)", " ~ 'x'", "|join",
    ]
)  # fmt: skip
_LEAKS = ("<module", "Popen", "__builtins__", "subprocess", "<frame", "/usr/", "site-packages")


@given(atom=atoms, chain=st.lists(trailers, max_size=4))
# Found by the random (dev) profile: Jinja folds a constant expression while compiling,
# and the unsafe attribute of a constant was refused there by a raw SecurityError or
# UndefinedError.
@example(atom="''", chain=[".__class__", " ~ 'x'"])
@example(atom="''", chain=[".__mro__", " ~ 'x'"])
# Found by the random profile too: "dict.__builtins__" fell back to dict['__builtins__'],
# a generic alias rendering the name given.
@example(atom="dict", chain=[".__builtins__"])
def test_CO8_generated_expressions_render_safely_or_are_refused(
    atom: str, chain: list[str]
) -> None:
    """Any expression: template.document_invalid, or a small output that leaks nothing."""
    expression = "{{ " + atom + "".join(chain) + " }}"
    texts = JinjaTemplates()
    started = time.monotonic()
    result = outcome(lambda: texts.render(expression, dict.fromkeys(FIELDS, "v")), expression)
    assert time.monotonic() - started < 10, expression
    if isinstance(result, AmparexError):
        assert isinstance(result, DocumentTemplateInvalid), result
        event("refused")
        return
    event("rendered")
    assert len(result) <= 1_000_000
    assert not any(leak in result for leak in _LEAKS), (expression, result[:200])


@pytest.mark.parametrize(
    "content",
    [
        b"{holder_name.__class__}",
        b"{holder_name.__class__.__mro__}",
        b"{holder_name[0]}",
        b"{holder_name:>999999999}",
        b"{holder_name:{card_number}}",
        b"{holder_name:d}",
        b"{0}",
        b"{}",
        b"{holder_name",
        b"\xff\xfe",
    ],
)
def test_CO8_text_templates_take_plain_names_only(content: bytes) -> None:
    """The ``{field}`` renderer refuses attribute, index and huge-width placeholders."""
    template = DocumentTemplate("DOC-TXT", "Karte", DocumentKind.CARD, "text/plain", content)
    renderer = TextPdfRenderer()
    context = {"holder_name": "Erika", "card_number": "927600000016"}
    for call in (
        lambda: renderer.validate(template, frozenset(context)),
        lambda: renderer.render([DocumentPart(template, context)]),
    ):
        result = outcome(call, content)
        if content == b"{holder_name:d}" and result is None:
            continue  # validate cannot know the value's type; render refuses
        assert isinstance(result, DocumentTemplateInvalid), (content, result)
        assert_refusal(result, code="template.document_invalid", names="DOC-TXT")
