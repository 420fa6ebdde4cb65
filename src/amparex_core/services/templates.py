"""Create, delete and list card templates (CO3, CO4, CO8)."""

from __future__ import annotations

from amparex_core.domain.batches import ORDER_CONTEXT_FIELDS
from amparex_core.domain.errors import DocumentTemplateUnknown
from amparex_core.domain.templates import CardTemplate, check_document_kind
from amparex_core.ports.documents import DocumentRenderer
from amparex_core.ports.masterdata import MasterData
from amparex_core.ports.storage import TemplateStore

__all__ = ["TemplateService"]


class TemplateService:
    """Use cases of card templates.

    Args:
        store: Where templates live; it enforces unique names (CO4).
        masterdata: Where document templates and cover letters must exist (CO8).
        renderer: When given, each document template is checked to be fillable from an
            order's context when a card template starts using it (CO8).
    """

    def __init__(
        self,
        store: TemplateStore,
        masterdata: MasterData,
        *,
        renderer: DocumentRenderer | None = None,
    ) -> None:
        self._store = store
        self._masterdata = masterdata
        self._renderer = renderer

    def create(self, template: CardTemplate) -> CardTemplate:
        """Store a new card template.

        Raises:
            DocumentTemplateUnknown: Its document template or cover letter is not in the
                master data (CO8).
            DocumentTemplateWrongKind: Its document template is no card document, or its
                cover letter no letter (CO8).
            DocumentTemplateInvalid: The renderer cannot fill a document template (CO8).
            TemplateDuplicate: A template of that name exists (CO4).
        """
        documents = [("document template", template.document_template)]
        if template.cover_letter is not None:
            documents.append(("cover letter", template.cover_letter))
        for role, document_id in documents:
            document = self._masterdata.document_template(document_id)
            if document is None:
                raise DocumentTemplateUnknown(
                    template=template.name, document_id=document_id, role=role
                )
            check_document_kind(template.name, role, document)
            if self._renderer is not None:
                self._renderer.validate(document, ORDER_CONTEXT_FIELDS)
        self._store.add_template(template)
        return template

    def delete(self, name: str) -> CardTemplate:
        """Delete the template named *name*; orders placed with it keep their snapshot (CO14).

        Raises:
            TemplateUnknown: There is none.
        """
        return self._store.remove_template(name)

    def get(self, name: str) -> CardTemplate:
        """The template named *name*.

        Raises:
            TemplateUnknown: There is none.
        """
        return self._store.get_template(name)

    def list(self) -> list[CardTemplate]:
        """Every template, sorted by name."""
        return self._store.list_templates()
