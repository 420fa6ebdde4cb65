"""The schema window (OP5): which versions only add, and which code may use which store."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_adapters.storage.sql.core import SchemaStatus
from amparex_adapters.storage.sql.schema import (
    SchemaStep,
    assemble_versions,
    is_additive,
    versions,
)


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE notes (id TEXT PRIMARY KEY, note TEXT NOT NULL)",
        "create index orders_placed on orders (placed_at, id)",
        "CREATE INDEX IF NOT EXISTS x ON y (z)",
        "ALTER TABLE uploads ADD COLUMN holder TEXT",
        "ALTER TABLE uploads ADD holder_pid INTEGER",
        "ALTER TABLE uploads ADD COLUMN IF NOT EXISTS lease_until TEXT DEFAULT NULL",
    ],
)
def test_OP5_statements_that_only_add(statement: str) -> None:
    assert is_additive(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE UNIQUE INDEX cards_holder ON cards (holder)",
        "ALTER TABLE uploads ADD COLUMN holder TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE uploads ADD CONSTRAINT one UNIQUE (name)",
        "ALTER TABLE uploads ADD COLUMN batch TEXT REFERENCES batches (id)",
        "ALTER TABLE uploads DROP COLUMN state",
        "ALTER TABLE uploads RENAME COLUMN state TO status",
        "UPDATE orders SET status = 'pending'",
        "DROP INDEX orders_status",
        "DELETE FROM serials",
    ],
)
def test_OP5_statements_that_change(statement: str) -> None:
    assert not is_additive(statement)


def test_OP5_a_version_only_adds_when_every_family_step_does_or_says_so() -> None:
    steps = [
        SchemaStep(1, "orders", ("CREATE TABLE orders (id TEXT)",)),
        SchemaStep(2, "orders", ("CREATE INDEX o ON orders (id)",)),
        SchemaStep(2, "cards", ("ALTER TABLE cards DROP COLUMN uid",)),
        SchemaStep(3, "uploads", ("ALTER TABLE uploads ADD COLUMN x TEXT",)),
        SchemaStep(4, "uploads", ("CREATE TABLE more (id TEXT)",), additive=False),
        SchemaStep(5, "uploads", ("UPDATE uploads SET x = 'y'",), additive=True),
    ]
    found = assemble_versions(steps)
    assert [v.additive for v in found] == [True, False, True, False, True]
    assert [v.compatible_from for v in found] == [1, 2, 2, 4, 4]


def test_OP5_every_shipped_version_after_the_first_only_adds() -> None:
    assert all(v.additive for v in versions()[1:])
    assert [v.number for v in versions()] == list(range(1, len(versions()) + 1))


@given(
    code=st.integers(1, 20),
    found=st.integers(0, 22),
    compatible=st.none() | st.integers(0, 22),
)
def test_OP5_code_of_version_n_uses_a_store_at_n_or_within_the_window(
    code: int, found: int, compatible: int | None
) -> None:
    status = SchemaStatus(
        store="s",
        found=found,
        code=code,
        compatible_from=compatible,
        pending=tuple(range(found + 1, code + 1)),
    )
    if found == code:
        assert status.state == "current" and status.usable
    elif found < code:
        assert status.state == "upgrade_needed" and not status.usable
    else:
        allowed = compatible is not None and compatible <= code
        assert status.usable is allowed
        assert status.state == ("newer_compatible" if allowed else "too_new")
