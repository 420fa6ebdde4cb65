"""Benchmark: render and merge a batch of cards into one PDF (CO16, issue target <= 1.2x).

ours      PdfFormRenderer.render: Jinja2 expressions, fields drawn into the page content,
          one merged PDF (a fresh renderer, so parsing the templates is included).
baseline  a bare pypdf fill-and-merge loop on the same templates with the same (already
          rendered) values: per part a PdfReader of the template, ``PdfWriter.append``,
          ``update_page_form_field_values(..., flatten=True)``; then the widgets and the
          form are removed and the PDF written.

Run: ``python -m benchmarks.documents [COUNT]`` (default 1000 cards; COUNT/4 orders with
a cover letter each in the second case). Each case prints
``name  ours  baseline  ratio`` (seconds, best of the repeats; ratio = ours / baseline).
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable, Sequence

from pypdf import PdfReader, PdfWriter

from amparex_adapters.documents.pdf import PdfFormRenderer
from amparex_adapters.documents.samples import sample_card_face, sample_cover_letter
from amparex_core.domain.masterdata import DocumentTemplate
from amparex_core.ports.documents import DocumentPart


def context(i: int) -> dict[str, str]:
    return {
        "card_number": f"9276{i:08d}",
        "holder_name": f"Erika Mustermann {i}",
        "recipient_name": f"Erika Mustermann {i}",
        "salutation": "",
        "address_line1": f"Lindenweg {i}",
        "address_line2": "70173 Stuttgart",
        "address_line3": "",
        "address_line4": "",
        "valid_until": "31.12.2028",
        "template_name": "GOLD",
        "ordering_branch_name": "Optik Muster Stuttgart",
        "order_date": "23.11.2026",
    }


def ours(parts: Sequence[DocumentPart]) -> bytes:
    return PdfFormRenderer().render(parts)


def field_values(parts: Sequence[DocumentPart]) -> list[tuple[bytes, dict[str, str]]]:
    """What the baseline fills: each part's template bytes and its rendered field values."""
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
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


def best(run: Callable[[], bytes], repeat: int) -> tuple[float, bytes]:
    times, result = [], b""
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def case(name: str, parts: list[DocumentPart], repeat: int) -> None:
    prepared = field_values(parts)
    ours_s, ours_pdf = best(lambda: ours(parts), repeat)
    base_s, base_pdf = best(lambda: baseline(prepared), max(1, repeat - 1))
    for pdf in (ours_pdf, base_pdf):
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == len(parts)
        assert parts[-1].context["card_number"] in reader.pages[-1].extract_text()
    print(f"{name}  {ours_s:.3f}  {base_s:.3f}  {ours_s / base_s:.3f}", flush=True)


def main(argv: list[str]) -> None:
    count = int(argv[0]) if argv else 1000
    card: DocumentTemplate = sample_card_face()
    letter: DocumentTemplate = sample_cover_letter()
    cards = [DocumentPart(card, context(i)) for i in range(count)]
    case(f"cards_{count}", cards, repeat=3)
    # A quarter as many orders with cover letters: the baseline grows faster than linearly
    # (every appended form adds its fields to one /AcroForm), 1,000 would take minutes.
    orders = max(1, count // 4)
    with_letters = [
        part
        for i in range(orders)
        for part in (DocumentPart(letter, context(i)), DocumentPart(card, context(i)))
    ]
    case(f"letters_and_cards_{orders}", with_letters, repeat=2)


if __name__ == "__main__":
    main(sys.argv[1:])
