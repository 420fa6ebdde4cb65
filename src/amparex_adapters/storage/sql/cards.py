"""The card store (:class:`~amparex_core.ports.storage.CardStore`) on SQL.

A card number is the primary key of ``cards`` and a UID is UNIQUE there (CR3), so a UID
belongs to one card whatever any other process does.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

from amparex_adapters.converters import stored
from amparex_core.domain.errors import (
    CardAlreadyRegistered,
    CardDuplicate,
    CardUidTaken,
    CardUnknown,
)
from amparex_core.domain.paging import check_limit

from .core import RACE_RETRIES, Conflict, Cursor, Retry, SqlDatabase
from .schema import SchemaStep

if TYPE_CHECKING:  # read where used: opening a store imports no card domain
    from amparex_core.domain.cards import CardUid, IssuedCard

__all__ = ["SCHEMA", "SqlCardStore", "insert_card"]

#: The family's schema steps (see :mod:`.schema`).
SCHEMA: Final = (
    SchemaStep(
        1,
        "cards",
        (
            """CREATE TABLE cards (
            number TEXT PRIMARY KEY,
            uid TEXT UNIQUE,
            data TEXT NOT NULL)""",
        ),
    ),
)


def insert_card(cur: Cursor, card: IssuedCard) -> bool:
    """Insert *card* unless its number or UID is taken; whether it was inserted."""
    cur.execute(
        "INSERT INTO cards (number, uid, data) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING RETURNING number",
        (card.number, None if card.uid is None else card.uid.hex, stored.encode(card)),
    )
    return bool(cur.fetchall())


def _card(document: str | bytes) -> IssuedCard:
    from amparex_core.domain.cards import IssuedCard

    return stored.decode(document, IssuedCard)


class SqlCardStore(SqlDatabase):
    """Issued cards in the ``cards`` table."""

    def _card_where(self, cur: Cursor, column: str, value: str) -> IssuedCard | None:
        cur.execute(f"SELECT data FROM cards WHERE {column} = ?{self.for_update}", (value,))  # noqa: S608
        row = cur.fetchone()
        return None if row is None else _card(row[0])

    def add_card(self, card: IssuedCard) -> None:
        """See :meth:`~amparex_core.ports.storage.CardStore.add_card`."""
        uid = None if card.uid is None else card.uid.hex

        def work(cur: Cursor) -> None:
            if insert_card(cur, card):
                return
            if self._card_where(cur, "number", card.number) is not None:
                raise CardDuplicate(card_number=card.number)
            holder = None if uid is None else self._card_where(cur, "uid", uid)
            if holder is not None and uid is not None:
                raise CardUidTaken(uid=uid, card_number=holder.number)
            raise Retry

        self.write_retrying(work, single=True)

    def get_card(self, number: str) -> IssuedCard | None:
        """See :meth:`~amparex_core.ports.storage.CardStore.get_card`."""
        row = self.read(
            lambda cur: cur.execute("SELECT data FROM cards WHERE number = ?", (number,)).fetchone()
        )
        return None if row is None else _card(row[0])

    def card_by_uid(self, uid: CardUid) -> IssuedCard | None:
        """See :meth:`~amparex_core.ports.storage.CardStore.card_by_uid`."""
        row = self.read(
            lambda cur: cur.execute("SELECT data FROM cards WHERE uid = ?", (uid.hex,)).fetchone()
        )
        return None if row is None else _card(row[0])

    def set_card_uid(self, number: str, uid: CardUid) -> IssuedCard:
        """See :meth:`~amparex_core.ports.storage.CardStore.set_card_uid`."""

        def work(cur: Cursor) -> IssuedCard:
            card = self._card_where(cur, "number", number)
            if card is None:
                raise CardUnknown(what="number", value=number)
            if card.uid == uid:
                return card
            cur.execute("SELECT number FROM cards WHERE uid = ?", (uid.hex,))
            holder = cur.fetchone()
            if holder is not None:
                raise CardUidTaken(uid=uid.hex, card_number=holder[0])
            if card.uid is not None:
                raise CardAlreadyRegistered(card_number=number, uid=card.uid.hex)
            linked = card.with_uid(uid)
            cur.execute(
                "UPDATE cards SET uid = ?, data = ? WHERE number = ?",
                (uid.hex, stored.encode(linked), number),
            )
            return linked

        for _ in range(RACE_RETRIES):
            try:
                return self.write_retrying(work)
            except Conflict:
                # Another card took the UID between our check and our update (CR3).
                holder = self.card_by_uid(uid)
                if holder is not None and holder.number != number:
                    raise CardUidTaken(uid=uid.hex, card_number=holder.number) from None
        raise self.gave_up(f"the UID {uid.hex} kept changing hands")  # pragma: no cover

    def block_card(self, number: str, *, at: dt.datetime) -> IssuedCard:
        """See :meth:`~amparex_core.ports.storage.CardStore.block_card`."""

        def work(cur: Cursor) -> IssuedCard:
            card = self._card_where(cur, "number", number)
            if card is None:
                raise CardUnknown(what="number", value=number)
            blocked = card.block(at)
            if blocked is not card:
                cur.execute(
                    "UPDATE cards SET data = ? WHERE number = ?",
                    (stored.encode(blocked), number),
                )
            return blocked

        return self.write(work)

    def list_cards(self, *, limit: int | None = None, after: str | None = None) -> list[IssuedCard]:
        """See :meth:`~amparex_core.ports.storage.CardStore.list_cards`.

        The database orders and seeks by the primary key (``number``).
        """
        check_limit(limit)
        sql = "SELECT data FROM cards"
        params: list[Any] = []
        if after is not None:
            sql += " WHERE number > ?"
            params.append(after)
        sql += " ORDER BY number"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = self.read(lambda cur: cur.execute(sql, params).fetchall())
        return [_card(r[0]) for r in rows]
