"""The interface store (:class:`~amparex_core.ports.storage.InterfaceStore`) on SQL.

A card contract's key is kept as a reference to its secret, never as its value (OP6,
:func:`~amparex_core.domain.interfaces.refuse_key_in_clear`). Uniqueness is the
database's (IF7, IF8): ``interfaces.unique_key`` is UNIQUE and holds the
text of :meth:`~amparex_core.domain.interfaces.InterfaceConfig.uniqueness_key`, so two
workstations configuring at the same moment cannot both succeed. Resolution (IF9) reads
only the rows of one kind that can fit the place, through an index.
"""

from __future__ import annotations

from typing import Any, Final

from amparex_adapters.converters import stored
from amparex_core.domain.errors import InterfaceDuplicate, InterfaceUnknown
from amparex_core.domain.interfaces import InterfaceConfig, InterfaceKind, refuse_key_in_clear
from amparex_core.domain.text import name_key

from .core import RACE_RETRIES, Conflict, Cursor, Retry, SqlDatabase
from .schema import SchemaStep

__all__ = ["SCHEMA", "SqlInterfaceStore"]

#: The family's schema steps (see :mod:`.schema`).
SCHEMA: Final = (
    SchemaStep(
        1,
        "interfaces",
        (
            """CREATE TABLE interfaces (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            unique_key TEXT NOT NULL UNIQUE,
            branch TEXT,
            workstation_key TEXT,
            data TEXT NOT NULL)""",
            "CREATE INDEX interfaces_place ON interfaces (kind, branch, workstation_key)",
        ),
    ),
)


#: How many decoded configurations :func:`_interface` keeps (then it starts afresh).
_DECODED_MAX: Final = 16384
_decoded: dict[str, InterfaceConfig] = {}


def _interface(text: str) -> InterfaceConfig:
    """Decode a stored configuration, cached by its JSON text.

    Configurations are read far more often than written (every resolution), and being
    frozen they can be shared. A plain dictionary, emptied when full, costs a resolution
    less than an LRU cache, which moves an entry on every hit.
    """
    found = _decoded.get(text)
    if found is None:
        if len(_decoded) >= _DECODED_MAX:
            _decoded.clear()
        found = _decoded[text] = stored.decode(text, InterfaceConfig)
    return found


def _sort_key(config: InterfaceConfig) -> tuple[str, str, str]:
    return (config.kind.value, name_key(config.display_name), config.id)


def _strip_or_none(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


def _duplicate(config: InterfaceConfig, existing: InterfaceConfig) -> InterfaceDuplicate:
    return InterfaceDuplicate(
        kind=config.kind.value,
        display_name=config.display_name,
        scope=config.policy.scope.value,
        existing_id=existing.id,
        existing_display_name=existing.display_name,
    )


def _row(config: InterfaceConfig) -> tuple[str, str, str, str | None, str | None, str]:
    workstation = None if config.workstation is None else name_key(config.workstation)
    return (
        config.id,
        config.kind.value,
        config.uniqueness_key().text,
        config.branch,
        workstation,
        stored.encode(config),
    )


class SqlInterfaceStore(SqlDatabase):
    """Interface configurations in the ``interfaces`` table."""

    def _interface_by(self, cur: Cursor, interface_id: str) -> InterfaceConfig | None:
        cur.execute("SELECT data FROM interfaces WHERE id = ?", (interface_id,))
        row = cur.fetchone()
        return None if row is None else _interface(row[0])

    def _interface_holding(
        self, cur: Cursor, key: str, *, other_than: str
    ) -> InterfaceConfig | None:
        cur.execute(
            "SELECT data FROM interfaces WHERE unique_key = ? AND id <> ?", (key, other_than)
        )
        row = cur.fetchone()
        return None if row is None else _interface(row[0])

    def add_interface(self, config: InterfaceConfig) -> None:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.add_interface`."""
        refuse_key_in_clear(config)
        row = _row(config)

        def work(cur: Cursor) -> None:
            cur.execute(
                "INSERT INTO interfaces (id, kind, unique_key, branch, workstation_key, data)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
                row,
            )
            if cur.fetchall():
                return
            existing = self._interface_by(cur, config.id) or self._interface_holding(
                cur, row[2], other_than=config.id
            )
            if existing is None:
                raise Retry  # the holder went away meanwhile: try again
            raise _duplicate(config, existing)

        self.write_retrying(work, single=True)

    def replace_interface(self, config: InterfaceConfig) -> None:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.replace_interface`."""
        refuse_key_in_clear(config)
        row = _row(config)

        def work(cur: Cursor) -> None:
            existing = self._interface_holding(cur, row[2], other_than=config.id)
            if existing is not None:
                raise _duplicate(config, existing)
            cur.execute(
                "UPDATE interfaces SET kind = ?, unique_key = ?, branch = ?,"
                " workstation_key = ?, data = ? WHERE id = ?",
                (*row[1:], config.id),
            )
            if cur.rowcount == 0:
                raise InterfaceUnknown(interface_id=config.id)

        for _ in range(RACE_RETRIES):
            try:
                self.write_retrying(work)
                return
            except Conflict:
                # A concurrent writer took the key between our check and our update.
                holder = self.read(
                    lambda cur: self._interface_holding(cur, row[2], other_than=config.id)
                )
                if holder is not None:
                    raise _duplicate(config, holder) from None
        raise self.gave_up(f"the key of {config.id} kept changing hands")  # pragma: no cover

    def get_interface(self, interface_id: str) -> InterfaceConfig:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.get_interface`."""
        found = self.read(lambda cur: self._interface_by(cur, interface_id))
        if found is None:
            raise InterfaceUnknown(interface_id=interface_id)
        return found

    def remove_interface(self, interface_id: str) -> InterfaceConfig:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.remove_interface`."""

        def work(cur: Cursor) -> InterfaceConfig:
            cur.execute("DELETE FROM interfaces WHERE id = ? RETURNING data", (interface_id,))
            rows = cur.fetchall()
            if not rows:
                raise InterfaceUnknown(interface_id=interface_id)
            return _interface(rows[0][0])

        return self.write(work)

    def search_interfaces(
        self, *, kind: InterfaceKind | None = None, with_workstation_settings: bool = False
    ) -> list[InterfaceConfig]:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.search_interfaces`."""
        sql = "SELECT data FROM interfaces WHERE 1 = 1"
        params: list[Any] = []
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind.value)
        if with_workstation_settings:
            sql += " AND workstation_key IS NOT NULL"
        rows = self.read(lambda cur: cur.execute(sql, params).fetchall())
        found = [_interface(r[0]) for r in rows]
        return sorted(found, key=_sort_key)

    def interface_candidates(
        self, kind: InterfaceKind, *, branch: str | None, workstation: str | None
    ) -> list[InterfaceConfig]:
        """See :meth:`~amparex_core.ports.storage.InterfaceStore.interface_candidates`."""
        params = (
            kind.value,
            _strip_or_none(branch),
            None if workstation is None else name_key(workstation),
        )
        rows = self.read(
            lambda cur: cur.execute(
                "SELECT data FROM interfaces WHERE kind = ?"
                " AND (branch IS NULL OR branch = ?)"
                " AND (workstation_key IS NULL OR workstation_key = ?)",
                params,
            ).fetchall()
        )
        return [_interface(r[0]) for r in rows]
