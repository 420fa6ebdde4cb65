"""Make the sample document templates shipped in ``amparex_adapters/documents/samples``.

Run from the repository root (needs the ``pdf`` extra)::

    python scripts/make_sample_templates.py

It writes two PDF forms with AcroForm text fields whose values are Jinja2 templates over
an order's context (see :mod:`amparex_adapters.documents.pdf`):

- ``card_face.pdf``: an ISO 7810 ID-1 card face (85.60 x 53.98 mm = 242.65 x 153.01 pt)
  with the fields ``holder_name``, ``card_number``, ``valid_until`` and ``template_name``,
  and the card number as a Code 128 bar code (``card_barcode``,
  ``{{ card_number | code128 }}``; ``| qr`` would draw a QR code);
- ``cover_letter.pdf``: an A4 cover letter (DIN 5008 window position) with the ordering
  branch as sender (its name, and its address above the window), the batch date, the
  recipient's name and address lines, the greeting from the master data's salutation,
  the body text referring to the card, and the closing (CO23).

The output is deterministic: running the script twice gives the same bytes, so the
committed files can be checked against it (``--check``).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

SAMPLES = Path(__file__).resolve().parent.parent / "src/amparex_adapters/documents/samples"

MM = 72 / 25.4
CARD = (242.65, 153.01)  # ISO 7810 ID-1: 85.60 x 53.98 mm
A4 = (595.28, 841.89)
MULTILINE = 1 << 12
LEFT, CENTER, RIGHT = 0, 1, 2


def _font(base: str) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject(base),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )


def _text(x: float, y: float, font: str, size: float, text: str) -> str:
    raw = text.encode("cp1252").decode("latin-1")
    escaped = raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"BT /{font} {size:g} Tf {x:.2f} {y:.2f} Td ({escaped}) Tj ET\n"


def _build(
    size: tuple[float, float],
    title: str,
    drawing: str,
    fields: list[tuple[str, str, str, tuple[float, float, float, float], str, int, int]],
) -> bytes:
    """A one-page PDF form.

    Args:
        size: Page width and height in points.
        title: Document title (Info dictionary).
        drawing: The static page content (a content stream).
        fields: ``(name, tooltip, value, rect, DA, alignment, flags)`` per text field.
    """
    writer = PdfWriter()
    page = writer.add_blank_page(width=size[0], height=size[1])
    fonts = DictionaryObject(
        {
            NameObject("/Helv"): writer._add_object(_font("/Helvetica")),
            NameObject("/HeBo"): writer._add_object(_font("/Helvetica-Bold")),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    content = DecodedStreamObject()
    content.set_data(drawing.encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(content)

    refs = ArrayObject()
    for name, tooltip, value, rect, da, quadding, flags in fields:
        widget = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/FT"): NameObject("/Tx"),
                NameObject("/T"): TextStringObject(name),
                NameObject("/TU"): TextStringObject(tooltip),
                NameObject("/V"): TextStringObject(value),
                NameObject("/DA"): TextStringObject(da),
                NameObject("/Q"): NumberObject(quadding),
                NameObject("/Ff"): NumberObject(flags),
                NameObject("/F"): NumberObject(4),  # print
                NameObject("/Rect"): ArrayObject(FloatObject(round(v, 2)) for v in rect),
                NameObject("/P"): page.indirect_reference,
                NameObject("/MK"): DictionaryObject(),
                NameObject("/BS"): DictionaryObject({NameObject("/W"): NumberObject(0)}),
            }
        )
        refs.append(writer._add_object(widget))
    page[NameObject("/Annots")] = refs
    writer._root_object[NameObject("/AcroForm")] = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Fields"): ArrayObject(refs),
                NameObject("/DA"): TextStringObject("/Helv 0 Tf 0 g"),
                NameObject("/DR"): DictionaryObject({NameObject("/Font"): fonts}),
                # Viewers draw the expressions, so a designer sees what goes where.
                NameObject("/NeedAppearances"): BooleanObject(True),
            }
        )
    )
    writer.add_metadata({"/Title": title, "/Producer": "amparex-core sample templates"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def card_face() -> bytes:
    """The ISO 7810 ID-1 card face, with the card number as text and as a bar code."""
    w, h = CARD
    drawing = "".join(
        [
            # background and header band
            f"q 0.93 0.95 0.98 rg 0 0 {w} {h} re f Q\n",
            f"q 0.09 0.29 0.55 rg 0 {h - 34:.2f} {w} 34 re f Q\n",
            f"q 0.96 0.65 0.14 rg 0 {h - 37:.2f} {w} 3 re f Q\n",
            # white ground under the bar code: scanners need a light quiet zone
            f"q 1 g 8 46 {w - 16:.2f} 36 re f Q\n",
            "q 1 g\n",
            _text(12, h - 22, "HeBo", 11, "AMPAREX Kundenkarte"),
            "Q\n",
            "q 0.35 g\n",
            _text(12, 101, "Helv", 6, "Karten-Nr."),
            _text(12, 30, "Helv", 6, "Karteninhaber"),
            "Q\n",
        ]
    )
    fields = [
        (
            "template_name",
            "Kartenvorlage (BASIS, GOLD, PLATIN …)",
            "{{ template_name }}",
            (w - 112, h - 29, w - 10, h - 13),
            "/HeBo 9 Tf 1 g",
            RIGHT,
            0,
        ),
        (
            "card_number",
            "Kartennummer",
            "{{ card_number }}",
            (10, 84, 164, 99),
            "/HeBo 11 Tf 0 g",
            LEFT,
            0,
        ),
        (
            "card_barcode",
            "Kartennummer als Strichcode (Code 128); {{ card_number | qr }}: als QR-Code",
            "{{ card_number | code128 }}",
            (8, 48, w - 8, 80),
            "/Helv 0 Tf 0 g",
            LEFT,
            0,
        ),
        (
            "holder_name",
            "Name des Karteninhabers",
            "{{ holder_name }}",
            (10, 10, 150, 28),
            "/Helv 10 Tf 0 g",
            LEFT,
            0,
        ),
        (
            "valid_until",
            "Gültig bis (leer, wenn unbefristet)",
            "{% if valid_until %}gültig bis {{ valid_until }}{% endif %}",
            (150, 10, w - 10, 28),
            "/Helv 7 Tf 0 g",
            RIGHT,
            0,
        ),
    ]
    return _build(CARD, "Sample card face (ISO 7810 ID-1)", drawing, fields)


def cover_letter() -> bytes:
    """The A4 cover letter sent with a card shipped to the customer."""
    w, h = A4
    left = 25 * MM
    right = w - 20 * MM
    drawing = "".join(
        [
            f"q 0.09 0.29 0.55 rg {left:.2f} {h - 22 * MM:.2f} {right - left:.2f} 1.2 re f Q\n",
            "q 0.09 0.29 0.55 rg\n",
            _text(left, h - 18 * MM, "HeBo", 16, "AMPAREX Kundenkarte"),
            "Q\n",
            "q 0.35 g\n",
            _text(
                left,
                12 * MM,
                "Helv",
                7,
                "Diese Karte verweist nur auf Ihr Kundenkonto: "
                "auf ihr sind keine persönlichen Daten gespeichert.",
            ),
            "Q\n",
        ]
    )
    win_top = h - 50 * MM
    line = 13.0
    fields: list[tuple[str, str, str, tuple[float, float, float, float], str, int, int]] = [
        (
            "ordering_branch",
            "Bestellende Filiale (Absender)",
            "{{ sender_name }}",
            (right - 70 * MM, h - 40 * MM, right, h - 33 * MM),
            "/HeBo 10 Tf 0 g",
            RIGHT,
            0,
        ),
        (
            "letter_date",
            "Datum: der Tag, an dem die Sendung gebildet wurde",
            "Datum: {{ letter_date }}",
            (right - 70 * MM, h - 46 * MM, right, h - 40 * MM),
            "/Helv 9 Tf 0 g",
            RIGHT,
            0,
        ),
        (
            # return address above the window (DIN 5008 form B: window at 45 mm from top)
            "sender_line",
            "Absender: Name und Anschrift der bestellenden Filiale",
            "{{ sender_line }}",
            (left, h - 49.5 * MM, left + 85 * MM, h - 46 * MM),
            "/Helv 7 Tf 0.35 g",
            LEFT,
            0,
        ),
        (
            "recipient_name",
            "Empfänger",
            "{{ recipient_name }}",
            (left, win_top - line, left + 85 * MM, win_top),
            "/Helv 11 Tf 0 g",
            LEFT,
            0,
        ),
    ]
    for i in range(1, 5):
        top = win_top - line * i
        fields.append(
            (
                f"address_line{i}",
                f"Anschriftzeile {i}",
                f"{{{{ address_line{i} }}}}",
                (left, top - line, left + 85 * MM, top),
                "/Helv 11 Tf 0 g",
                LEFT,
                0,
            )
        )
    body_top = h - 105 * MM
    fields += [
        (
            "subject",
            "Betreff",
            "Ihre neue Kundenkarte {{ template_name }}",
            (left, body_top - 16, right, body_top),
            "/HeBo 12 Tf 0 g",
            LEFT,
            0,
        ),
        (
            "salutation",
            "Anrede aus den Stammdaten (Sehr geehrte Frau …, Guten Tag …)",
            "{{ salutation }},",
            (left, body_top - 48, right, body_top - 34),
            "/Helv 11 Tf 0 g",
            LEFT,
            0,
        ),
        (
            "body",
            "Brieftext",
            "anbei erhalten Sie Ihre neue Kundenkarte „{{ template_name }}“ mit der Nummer "
            "{{ card_number }}{% if valid_until %}, gültig bis {{ valid_until }}{% endif %}.\n"
            "Bitte legen Sie die Karte bei jedem Einkauf in einer unserer Filialen vor: so "
            "sammeln Sie Vorteile, und wir finden Ihre Brillenwerte, Kontaktlinsen und "
            "Hörgeräteeinstellungen sofort.\n"
            "Bei Verlust der Karte sperren wir sie gern für Sie und stellen Ihnen eine neue aus.",
            (left, body_top - 170, right, body_top - 56),
            "/Helv 0 Tf 0 g",
            LEFT,
            MULTILINE,
        ),
        (
            "closing",
            "Grußformel",
            "Mit freundlichen Grüßen\nIhr Team von {{ sender_name }}",
            (left, body_top - 230, right, body_top - 190),
            "/Helv 0 Tf 0 g",
            LEFT,
            MULTILINE,
        ),
    ]
    return _build(A4, "Sample cover letter (A4)", drawing, fields)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a committed file differs")
    args = parser.parse_args(argv)
    outputs = {"card_face.pdf": card_face(), "cover_letter.pdf": cover_letter()}
    stale = []
    for name, data in outputs.items():
        path = SAMPLES / name
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
            continue
        path.write_bytes(data)
        print(f"wrote {path} ({len(data)} bytes)")
    if stale:
        print(f"stale sample templates: {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
