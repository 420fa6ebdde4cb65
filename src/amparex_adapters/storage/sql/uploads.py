"""The upload ledger (:class:`~amparex_core.ports.storage.UploadLedger`) on SQL (LL8).

One row per file and destination (primary key ``(destination, name)``). A claim reads the
row locked (``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), lets
the domain decide (:func:`~amparex_core.domain.uploads.decide_claim`) and writes the
decision in the same transaction; the first claim of a file inserts the row with
``ON CONFLICT DO NOTHING`` and looks again when a concurrent claimer was faster. The
holder and the end of its lease are in the record's document; renewing and releasing a
claim lock the row the same way and change it only for its holder. A claim taken over
(its lease ran out, or its holder's process is gone) is logged (INFO).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any, Final

from amparex_adapters.converters import stored
from amparex_core.domain.claims import Holder, describe_holder, takeover_reason
from amparex_core.domain.paging import check_limit
from amparex_core.domain.uploads import (
    ClaimResult,
    FileFacts,
    UploadRecord,
    UploadState,
    claim_takeover,
    decide_claim,
)

from .core import Cursor, Retry, SqlDatabase
from .schema import SchemaStep

__all__ = ["LOOKUP_CHUNK", "SCHEMA", "SqlUploadLedger"]

logger = logging.getLogger(__name__)

#: Names per query of :meth:`SqlUploadLedger.get_uploads` (well under SQLite's 999 bound
#: parameters of old versions).
LOOKUP_CHUNK: Final = 500

#: The family's schema steps (see :mod:`.schema`).
SCHEMA: Final = (
    SchemaStep(
        1,
        "uploads",
        (
            """CREATE TABLE uploads (
            destination TEXT NOT NULL,
            name TEXT NOT NULL,
            state TEXT NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (destination, name))""",
        ),
    ),
)


class SqlUploadLedger(SqlDatabase):
    """The upload ledger in the ``uploads`` table."""

    def _upload_where(self, cur: Cursor, destination: str, name: str) -> UploadRecord | None:
        cur.execute(
            f"SELECT data FROM uploads WHERE destination = ? AND name = ?{self.for_update}",  # noqa: S608
            (destination, name),
        )
        row = cur.fetchone()
        return None if row is None else stored.decode(row[0], UploadRecord)

    def claim_upload(
        self,
        destination: str,
        name: str,
        facts: FileFacts,
        *,
        now: dt.datetime,
        lease: dt.timedelta,
        holder: Holder | None = None,
        dead: Holder | None = None,
    ) -> tuple[ClaimResult, UploadRecord | None]:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.claim_upload`."""

        def work(cur: Cursor) -> tuple[ClaimResult, UploadRecord, UploadRecord | None]:
            current = self._upload_where(cur, destination, name)
            result, record = decide_claim(
                current, destination, name, facts, now=now, lease=lease, holder=holder, dead=dead
            )
            if result is not ClaimResult.CLAIMED:
                return result, record, current
            data = stored.encode(record)
            if current is None:
                cur.execute(
                    "INSERT INTO uploads (destination, name, state, data) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING RETURNING name",
                    (destination, name, record.state.value, data),
                )
                if not cur.fetchall():
                    raise Retry  # a concurrent claimer inserted it: look again
            else:
                cur.execute(
                    "UPDATE uploads SET state = ?, data = ? WHERE destination = ? AND name = ?",
                    (record.state.value, data, destination, name),
                )
            return result, record, current

        result, record, before = self.write_retrying(work)
        if result is ClaimResult.CLAIMED and before is not None:
            logger.info(
                "%s: took over the claim of %s to %s from %s: %s (attempt %d)",
                self.store_name,
                name,
                destination,
                describe_holder(before.holder),
                takeover_reason(claim_takeover(before, now=now, lease=lease, dead=dead)),
                record.attempts,
            )
        return result, record

    def renew_upload(
        self,
        destination: str,
        name: str,
        holder: Holder,
        *,
        now: dt.datetime,
        lease: dt.timedelta,
    ) -> bool:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.renew_upload`."""

        def work(cur: Cursor) -> bool:
            current = self._upload_where(cur, destination, name)
            renewed = None if current is None else current.renewed(holder, now=now, lease=lease)
            if renewed is None:
                return False
            cur.execute(
                "UPDATE uploads SET data = ? WHERE destination = ? AND name = ?",
                (stored.encode(renewed), destination, name),
            )
            return True

        return self.write(work)

    def complete_upload(
        self, destination: str, name: str, *, receipt: str, now: dt.datetime
    ) -> UploadRecord:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.complete_upload`."""

        def work(cur: Cursor) -> UploadRecord:
            record = self._upload_where(cur, destination, name)
            if record is None:
                raise LookupError(f"no upload of {name} to {destination} was claimed")
            done = record.completed(receipt=receipt, now=now)
            if done is not record:
                cur.execute(
                    "UPDATE uploads SET state = ?, data = ? WHERE destination = ? AND name = ?",
                    (done.state.value, stored.encode(done), destination, name),
                )
            return done

        return self.write(work)

    def release_upload(self, destination: str, name: str, holder: Holder | None = None) -> None:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.release_upload`."""

        def work(cur: Cursor) -> None:
            current = self._upload_where(cur, destination, name)
            if current is not None and current.releasable_by(holder):
                cur.execute(
                    "DELETE FROM uploads WHERE destination = ? AND name = ?", (destination, name)
                )

        self.write(work)

    def get_upload(self, destination: str, name: str) -> UploadRecord | None:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.get_upload`."""
        row = self.read(
            lambda cur: cur.execute(
                "SELECT data FROM uploads WHERE destination = ? AND name = ?", (destination, name)
            ).fetchone()
        )
        return None if row is None else stored.decode(row[0], UploadRecord)

    def get_uploads(self, destination: str, names: Sequence[str]) -> dict[str, UploadRecord]:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.get_uploads`.

        One ``SELECT … WHERE name IN (…)`` per :data:`LOOKUP_CHUNK` names, on the
        primary key.
        """
        wanted = list(dict.fromkeys(names))
        found: dict[str, UploadRecord] = {}

        def work(cur: Cursor) -> None:
            for start in range(0, len(wanted), LOOKUP_CHUNK):
                chunk = wanted[start : start + LOOKUP_CHUNK]
                marks = ", ".join("?" * len(chunk))
                cur.execute(
                    f"SELECT name, data FROM uploads WHERE destination = ? AND name IN ({marks})",  # noqa: S608 - placeholders only
                    (destination, *chunk),
                )
                for name, data in cur.fetchall():
                    found[str(name)] = stored.decode(data, UploadRecord)

        if wanted:
            self.read(work)
        return found

    def list_uploads(
        self,
        destination: str | None = None,
        *,
        state: UploadState | None = None,
        limit: int | None = None,
        after: tuple[str, str] | None = None,
    ) -> list[UploadRecord]:
        """See :meth:`~amparex_core.ports.storage.UploadLedger.list_uploads`.

        The database orders and seeks by the primary key (``destination, name``).
        """
        check_limit(limit)
        where: list[str] = []
        params: list[Any] = []
        if destination is not None:
            where.append("destination = ?")
            params.append(destination)
        if state is not None:
            where.append("state = ?")
            params.append(state.value)
        if after is not None:
            where.append("(destination, name) > (?, ?)")
            params += list(after)
        sql = "SELECT data FROM uploads"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY destination, name"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = self.read(lambda cur: cur.execute(sql, params).fetchall())
        return [stored.decode(r[0], UploadRecord) for r in rows]
