"""Tiny PDF forms for tests: one page, text fields whose values are Jinja2 expressions."""

from __future__ import annotations

import io

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from amparex_core.domain.masterdata import DocumentKind, DocumentTemplate

__all__ = ["form", "form_template"]

CARD_SIZE = (242.65, 153.01)


def form(
    *fields: tuple[str, str | None],
    size: tuple[float, float] = CARD_SIZE,
    da: str = "/Helv 9 Tf 0 g",
    field_flags: int = 0,
    annotation_flags: int = 4,
    height: float = 18,
) -> bytes:
    """A one-page PDF form with text fields ``(name, value or None)``, stacked upwards.

    Every field gets the default appearance *da*, the field flags *field_flags* (``/Ff``;
    4096 is multi-line), the annotation flags *annotation_flags* (``/F``; 4 is print,
    2 hidden) and the height *height*.
    """
    writer = PdfWriter()
    page = writer.add_blank_page(width=size[0], height=size[1])
    refs = ArrayObject()
    for index, (name, value) in enumerate(fields):
        bottom = 10 + (height + 2) * index
        widget = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/FT"): NameObject("/Tx"),
                NameObject("/T"): TextStringObject(name),
                NameObject("/DA"): TextStringObject(da),
                NameObject("/F"): NumberObject(annotation_flags),
                NameObject("/Ff"): NumberObject(field_flags),
                NameObject("/Rect"): ArrayObject(
                    FloatObject(v) for v in (10, bottom, size[0] - 10, bottom + height)
                ),
            }
        )
        if value is not None:
            widget[NameObject("/V")] = TextStringObject(value)
        refs.append(writer._add_object(widget))
    page[NameObject("/Annots")] = refs
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject(refs)}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def form_template(
    id: str,  # noqa: A002 - the field is called id
    *fields: tuple[str, str | None],
    kind: DocumentKind = DocumentKind.CARD,
    size: tuple[float, float] = CARD_SIZE,
    height: float = 18,
) -> DocumentTemplate:
    """A PDF form as a document template of the master data."""
    content = form(*fields, size=size, height=height)
    return DocumentTemplate(id, id.lower(), kind, "application/pdf", content)
