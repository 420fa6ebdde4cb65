"""The card-template store (:class:`~amparex_core.ports.storage.TemplateStore`) on SQL.

A template's name key (CO4, compared like IF7) is the primary key of ``card_templates``,
so a second template of the same name is refused by the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from amparex_adapters.converters import stored
from amparex_core.domain.errors import TemplateDuplicate, TemplateUnknown
from amparex_core.domain.text import name_key

from .core import Cursor, Retry, SqlDatabase
from .schema import SchemaStep

if TYPE_CHECKING:  # read where used: opening a store imports no card domain
    from amparex_core.domain.templates import CardTemplate

__all__ = ["SCHEMA", "SqlTemplateStore"]

#: The family's schema steps (see :mod:`.schema`).
SCHEMA: Final = (
    SchemaStep(
        1,
        "templates",
        ("CREATE TABLE card_templates (key TEXT PRIMARY KEY, data TEXT NOT NULL)",),
    ),
)


def _template(document: str | bytes) -> CardTemplate:
    from amparex_core.domain.templates import CardTemplate

    return stored.decode(document, CardTemplate)


class SqlTemplateStore(SqlDatabase):
    """Card templates in the ``card_templates`` table."""

    def _template_by(self, cur: Cursor, key: str) -> CardTemplate | None:
        cur.execute("SELECT data FROM card_templates WHERE key = ?", (key,))
        row = cur.fetchone()
        return None if row is None else _template(row[0])

    def add_template(self, template: CardTemplate) -> None:
        """See :meth:`~amparex_core.ports.storage.TemplateStore.add_template`."""
        data = stored.encode(template)

        def work(cur: Cursor) -> None:
            cur.execute(
                "INSERT INTO card_templates (key, data) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING RETURNING key",
                (template.key, data),
            )
            if cur.fetchall():
                return
            existing = self._template_by(cur, template.key)
            if existing is None:
                raise Retry
            raise TemplateDuplicate(name=template.name, existing_name=existing.name)

        self.write_retrying(work, single=True)

    def get_template(self, name: str) -> CardTemplate:
        """See :meth:`~amparex_core.ports.storage.TemplateStore.get_template`."""
        found = self.read(lambda cur: self._template_by(cur, name_key(name)))
        if found is None:
            raise TemplateUnknown(name=name)
        return found

    def replace_template(self, name: str, template: CardTemplate) -> None:
        """See :meth:`~amparex_core.ports.storage.TemplateStore.replace_template`.

        One transaction: the old row is locked; a renamed template is inserted under its
        new key (the primary key refuses a taken one) and the old row deleted.
        """
        old_key = name_key(name)
        data = stored.encode(template)

        def work(cur: Cursor) -> None:
            cur.execute(
                f"SELECT key FROM card_templates WHERE key = ?{self.for_update}",  # noqa: S608
                (old_key,),
            )
            if cur.fetchone() is None:
                raise TemplateUnknown(name=name)
            if template.key == old_key:
                cur.execute("UPDATE card_templates SET data = ? WHERE key = ?", (data, old_key))
                return
            cur.execute(
                "INSERT INTO card_templates (key, data) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING RETURNING key",
                (template.key, data),
            )
            if not cur.fetchall():
                holder = self._template_by(cur, template.key)
                if holder is None:
                    raise Retry
                raise TemplateDuplicate(name=template.name, existing_name=holder.name)
            cur.execute("DELETE FROM card_templates WHERE key = ?", (old_key,))

        self.write_retrying(work)

    def remove_template(self, name: str) -> CardTemplate:
        """See :meth:`~amparex_core.ports.storage.TemplateStore.remove_template`."""

        def work(cur: Cursor) -> CardTemplate:
            cur.execute(
                "DELETE FROM card_templates WHERE key = ? RETURNING data", (name_key(name),)
            )
            rows = cur.fetchall()
            if not rows:
                raise TemplateUnknown(name=name)
            return _template(rows[0][0])

        return self.write(work)

    def list_templates(self) -> list[CardTemplate]:
        """See :meth:`~amparex_core.ports.storage.TemplateStore.list_templates`."""
        rows = self.read(lambda cur: cur.execute("SELECT data FROM card_templates").fetchall())
        return sorted((_template(r[0]) for r in rows), key=lambda t: t.key)
