"""A minimal document renderer: text templates to a plain PDF, with the standard library only.

A template's content is UTF-8 text with ``{field}`` placeholders (:meth:`str.format`
syntax). Each part becomes one page — the size of an ISO 7810 ID-1 card for
``DocumentKind.CARD``, A4 otherwise — with the filled text in Helvetica. It is what the
core's tests and the demo use when the ``pdf`` extra (AcroForm templates, pypdf) is not
installed.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from typing import Final

from amparex_adapters.i18n import _
from amparex_core.domain.errors import DocumentTemplateInvalid
from amparex_core.domain.masterdata import DocumentKind, DocumentTemplate
from amparex_core.ports.documents import DocumentPart

__all__ = ["TextPdfRenderer", "fill_text"]

_CARD_SIZE: Final = (242.65, 153.01)  # 85.60 x 53.98 mm in points
_A4_SIZE: Final = (595.28, 841.89)


def _fields(template: DocumentTemplate) -> tuple[str, set[str]]:
    try:
        text = template.content.decode("utf-8")
    except UnicodeDecodeError:
        raise DocumentTemplateInvalid(
            document_id=template.id, field="-", reason=_("the content is not UTF-8 text")
        ) from None
    try:
        parsed = [
            (name, spec) for _, name, spec, _ in string.Formatter().parse(text) if name is not None
        ]
    except ValueError as exc:
        raise DocumentTemplateInvalid(document_id=template.id, field="-", reason=str(exc)) from None
    for name, spec in parsed:
        # Plain names only: "{holder_name.__class__}" or "{x[0]}" would reach into the
        # values, and a width such as "{x:>999999999}" would build a huge text.
        if "." in name or "[" in name or "{" in (spec or "") or re.search(r"\d{4,}", spec or ""):
            raise DocumentTemplateInvalid(
                document_id=template.id,
                field=name,
                reason=_("placeholders are plain names with a width below 1000"),
            )
    names = {name for name, _ in parsed}
    if "" in names:
        raise DocumentTemplateInvalid(
            document_id=template.id, field="{}", reason=_("placeholders must be named")
        )
    return text, names


def fill_text(template: DocumentTemplate, context: Mapping[str, str]) -> str:
    """Fill the ``{field}`` placeholders of a text template.

    Raises:
        DocumentTemplateInvalid: The template is not text or names an unknown field.
    """
    text, names = _fields(template)
    unknown = sorted(names - set(context))
    if unknown:
        raise DocumentTemplateInvalid(
            document_id=template.id, field=unknown[0], reason=_("no such field in the context")
        )
    try:
        return text.format_map(dict(context))
    except (ValueError, TypeError, LookupError) as exc:  # "{holder_name:d}": a wrong spec
        raise DocumentTemplateInvalid(document_id=template.id, field="-", reason=str(exc)) from None


def _pdf_text(value: str) -> bytes:
    raw = value.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


class TextPdfRenderer:
    """A :class:`~amparex_core.ports.documents.DocumentRenderer` for text templates."""

    media_type = "application/pdf"

    def validate(self, template: DocumentTemplate, fields: frozenset[str]) -> None:
        """See :meth:`~amparex_core.ports.documents.DocumentRenderer.validate`."""
        _parsed, names = _fields(template)
        unknown = sorted(names - fields)
        if unknown:
            raise DocumentTemplateInvalid(
                document_id=template.id, field=unknown[0], reason=_("no such field in the context")
            )

    def render(self, parts: Sequence[DocumentPart]) -> bytes:
        """See :meth:`~amparex_core.ports.documents.DocumentRenderer.render`."""
        pages = [
            (
                _CARD_SIZE if part.template.kind is DocumentKind.CARD else _A4_SIZE,
                fill_text(part.template, part.context),
                8 if part.template.kind is DocumentKind.CARD else 11,
            )
            for part in parts
        ]
        return _build_pdf(pages)


def _build_pdf(pages: Sequence[tuple[tuple[float, float], str, int]]) -> bytes:
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled below
    pages_ref = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids: list[int] = []
    for (width, height), text, size in pages:
        lines = [b"BT", b"/F1 %d Tf" % size, b"%.2f TL" % (size * 1.3)]
        lines.append(b"%.2f %.2f Td" % (size * 1.5, height - size * 2.5))
        for line in text.splitlines():
            lines.append(b"(" + _pdf_text(line) + b") Tj T*")
        lines.append(b"ET")
        stream = b"\n".join(lines)
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] "
                b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                % (pages_ref, width, height, font, content)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_ref
    objects[pages_ref - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        xref,
    )
    return bytes(out)
