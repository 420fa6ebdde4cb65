"""Benchmark: render and merge a batch of cards into one PDF (CO16; issue 16 target <= 0.2).

ours      PdfFormRenderer.render: Jinja2 expressions, fields drawn into the page content,
          one merged PDF (a fresh renderer, so parsing the templates is included).
baseline  a careful pypdf fill-and-merge loop on the same templates with the same (already
          rendered) values: each template parsed ONCE per batch (one ``PdfReader``), per
          part ``PdfWriter.append(reader)`` and
          ``update_page_form_field_values(..., flatten=True)``; then the widgets and the
          form are removed and the PDF written. The copies of one template share their
          widget and resource objects in pypdf, so the loop gives each copy its own
          ``/Resources`` and drops the widgets' appearance after flattening (without that,
          every card would print the first card's values; the check below reads every
          page back).
reparse   the loop of a less careful user: a new ``PdfReader`` of the template for every
          part (the baseline of issue 5).

Cases: ``cards_1000`` (1,000 cards, target <= 0.2 of the careful loop),
``letters_and_cards_250`` (250 orders with a cover letter each) and
``cards_1000_vs_reparse`` (the same as ``cards_1000`` against the re-parsing loop).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject

from amparex_adapters.documents.pdf import PdfFormRenderer
from amparex_adapters.documents.samples import sample_card_face, sample_cover_letter
from amparex_core.domain.masterdata import DocumentTemplate
from amparex_core.ports.documents import DocumentPart
from benchmarks._harness import Case, Group, Run


def context(i: int) -> dict[str, str]:
    return {
        "card_number": f"9276{i:08d}",
        "holder_name": f"Erika Mustermann {i}",
        "recipient_name": f"Erika Mustermann {i}",
        "salutation": f"Guten Tag Erika Mustermann {i}",
        "address_line1": f"Lindenweg {i}",
        "address_line2": "70173 Stuttgart",
        "address_line3": "",
        "address_line4": "",
        "valid_until": "31.12.2028",
        "template_name": "GOLD",
        "ordering_branch_name": "Optik Muster Stuttgart",
        "order_date": "23.11.2026",
        "letter_date": "30.11.2026",
        "sender_name": "Optik Muster Stuttgart",
        "sender_line": "Optik Muster Stuttgart · Königstraße 10 · 70173 Stuttgart",
    }


def ours(parts: Sequence[DocumentPart]) -> bytes:
    return PdfFormRenderer().render(parts)


def field_values(parts: Sequence[DocumentPart]) -> list[tuple[bytes, dict[str, str]]]:
    """What the baseline fills: each part's template bytes and its rendered field values."""
    import jinja2

    from amparex_adapters.documents._codes import CODE_FILTERS

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters.update(CODE_FILTERS)  # the baseline prints a code field's value as text
    compiled: dict[tuple[str, str], jinja2.Template] = {}
    result = []
    for part in parts:
        reader = PdfReader(io.BytesIO(part.template.content))
        values = {}
        for name, field in (reader.get_fields() or {}).items():
            source = str(field.get("/V") or "{{ " + name + " }}")
            key = (part.template.id, name)
            if key not in compiled:
                compiled[key] = env.from_string(source)
            values[name] = compiled[key].render(part.context)
        result.append((part.template.content, values))
    return result


def baseline(prepared: list[tuple[bytes, dict[str, str]]]) -> bytes:
    """The careful loop: each template parsed once per batch."""
    readers: dict[bytes, PdfReader] = {}
    writer = PdfWriter()
    for content, values in prepared:
        reader = readers.get(content)
        if reader is None:
            reader = readers[content] = PdfReader(io.BytesIO(content))
        writer.append(reader)
        page = writer.pages[-1]
        # Copies of one template share resources and widgets: this copy gets its own
        # resources, and its widgets lose the appearance flattening drew, so that the next
        # copy's flattening makes a new one instead of replacing this one.
        page[NameObject("/Resources")] = DictionaryObject(page["/Resources"].items())
        writer.update_page_form_field_values(page, values, auto_regenerate=False, flatten=True)
        for annotation in page.get("/Annots", ()):
            annotation.get_object().pop("/AP", None)
    writer.remove_annotations(subtypes="/Widget")
    del writer.root_object["/AcroForm"]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def reparsing(prepared: list[tuple[bytes, dict[str, str]]]) -> bytes:
    """The less careful loop: a new reader of the template for every part."""
    writer = PdfWriter()
    for content, values in prepared:
        reader = PdfReader(io.BytesIO(content))
        writer.append(reader)
        page = writer.pages[-1]
        writer.update_page_form_field_values(page, values, auto_regenerate=False, flatten=True)
    writer.remove_annotations(subtypes="/Widget")
    del writer.root_object["/AcroForm"]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _check(parts: Sequence[DocumentPart], pdf: bytes) -> None:
    """Every page shows its own part's values (the card number, the holder's name)."""
    reader = PdfReader(io.BytesIO(pdf))
    if len(reader.pages) != len(parts):
        raise AssertionError(f"{len(reader.pages)} pages for {len(parts)} parts")
    for number, (part, page) in enumerate(zip(parts, reader.pages, strict=True), start=1):
        text = page.extract_text()
        for key in ("card_number", "holder_name"):
            if part.context[key] not in text:
                raise AssertionError(f"page {number} does not show its {key}")


def case(
    name: str,
    parts: list[DocumentPart],
    target: float | None,
    params: dict[str, object],
    *,
    reparse: bool = False,
) -> Case:
    prepared = field_values(parts)
    loop = reparsing if reparse else baseline

    def check() -> None:
        _check(parts, ours(parts))
        _check(parts, loop(prepared))

    what = "a new PdfReader per part" if reparse else "each template parsed once per batch"
    return Case(
        name,
        f"pypdf fill-flatten-merge loop, {what}, values rendered beforehand",
        lambda: ours(parts),
        lambda: loop(prepared),
        check=check,
        target=target,
        params=params,
    )


def document_cases(run: Run) -> Iterator[Case]:
    """Rendering a batch of cards, and of cover letters with cards."""
    count = run.scaled(1000, 4)
    card: DocumentTemplate = sample_card_face()
    letter: DocumentTemplate = sample_cover_letter()
    cards = [DocumentPart(card, context(i)) for i in range(count)]
    if run.wants("cards_1000", "documents"):
        yield case("cards_1000", cards, 0.2, {"cards": count})
    orders = max(1, count // 4)
    with_letters = [
        part
        for i in range(orders)
        for part in (DocumentPart(letter, context(i)), DocumentPart(card, context(i)))
    ]
    if run.wants("letters_and_cards_250", "documents"):
        yield case("letters_and_cards_250", with_letters, None, {"orders": orders})
    if run.wants("cards_1000_vs_reparse", "documents"):
        yield case("cards_1000_vs_reparse", cards, None, {"cards": count}, reparse=True)


GROUPS = (Group(("cards_1000", "letters_and_cards_250", "cards_1000_vs_reparse"), document_cases),)
