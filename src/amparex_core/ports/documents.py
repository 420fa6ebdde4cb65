"""The document-renderer port: card faces and cover letters to one PDF (CO8, CO16)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from amparex_core.domain._records import frozen

if TYPE_CHECKING:  # annotations only: a port imports no domain module at run time
    from amparex_core.domain.masterdata import DocumentTemplate

__all__ = ["DocumentPart", "DocumentRenderer"]


@frozen
class DocumentPart:
    """One document of a batch: a template filled with one order's context."""

    template: DocumentTemplate
    context: Mapping[str, str] = attrs.field(hash=False)


@runtime_checkable
class DocumentRenderer(Protocol):
    """Fills print templates and merges them into one print-ready document."""

    media_type: str
    """Media type of what :meth:`render` returns, e.g. ``application/pdf``."""

    def validate(self, template: DocumentTemplate, fields: frozenset[str]) -> None:
        """Check that *template* can be filled from a context with keys *fields*.

        Called when a card template starts using a document template, so a misspelt
        field is found then and not at dispatch (CO8).

        Raises:
            DocumentTemplateInvalid: The template is broken or uses an unknown field.
        """
        ...

    def render(self, parts: Sequence[DocumentPart]) -> bytes:
        """Fill every part and merge them, in order, into one document (CO16).

        Raises:
            DocumentTemplateInvalid: A template cannot be filled.
        """
        ...
