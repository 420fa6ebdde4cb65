"""Sample document templates: an ISO 7810 ID-1 card face and an A4 cover letter.

Both are PDF forms whose text fields hold Jinja2 templates over an order's context (see
:mod:`amparex_adapters.documents.pdf`). They are made by ``scripts/make_sample_templates.py``
and used by the tests, the documentation and the demo; integrators can start their own
templates from them.

>>> [t.id for t in sample_document_templates()]
['sample-card-face', 'sample-cover-letter']
"""

from __future__ import annotations

from importlib import resources

from amparex_core.domain.masterdata import DocumentKind, DocumentTemplate

__all__ = [
    "SAMPLE_CARD_FACE_ID",
    "SAMPLE_COVER_LETTER_ID",
    "sample_card_face",
    "sample_cover_letter",
    "sample_document_templates",
]

SAMPLE_CARD_FACE_ID = "sample-card-face"
"""ID of the sample card face in :func:`sample_document_templates`."""

SAMPLE_COVER_LETTER_ID = "sample-cover-letter"
"""ID of the sample cover letter in :func:`sample_document_templates`."""


def _read(name: str) -> bytes:
    return resources.files(__name__).joinpath(name).read_bytes()


def sample_card_face() -> DocumentTemplate:
    """The card face: 85.60 x 53.98 mm, fields holder name, card number, valid until, template.

    Returns:
        A :attr:`~amparex_core.domain.masterdata.DocumentKind.CARD` template (PDF form).
    """
    return DocumentTemplate(
        id=SAMPLE_CARD_FACE_ID,
        name="Kartenvorderseite (Muster)",
        kind=DocumentKind.CARD,
        media_type="application/pdf",
        content=_read("card_face.pdf"),
    )


def sample_cover_letter() -> DocumentTemplate:
    """The A4 cover letter: recipient and address lines, branch, salutation, body, closing.

    Returns:
        A :attr:`~amparex_core.domain.masterdata.DocumentKind.LETTER` template (PDF form).
    """
    return DocumentTemplate(
        id=SAMPLE_COVER_LETTER_ID,
        name="Anschreiben zur Kundenkarte (Muster)",
        kind=DocumentKind.LETTER,
        media_type="application/pdf",
        content=_read("cover_letter.pdf"),
    )


def sample_document_templates() -> list[DocumentTemplate]:
    """Both sample templates, card face first.

    Returns:
        ``[card face, cover letter]``, ready to be put into a master-data store.
    """
    return [sample_card_face(), sample_cover_letter()]
