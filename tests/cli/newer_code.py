"""Run the ``amparex`` command as a newer amparex-core would: this schema plus test-only steps.

``python newer_code.py KIND [amparex arguments…]`` registers, on top of the library's
schema versions, what a later version would add, then runs the command:

* ``additive`` — one version that only adds (a table, a nullable column, an index);
* ``changing`` — one version that changes what is there (a NOT NULL column);
* ``two`` — two versions that each only add.

Nothing else differs from the installed code, so a test can let a "newer" process
upgrade a store and see what the installed ("older") version makes of it (OP5).
"""

from __future__ import annotations

import sys

from amparex_adapters.storage.sql import schema

EXTRA = {
    "additive": (
        (
            "CREATE TABLE test_newer_notes (id TEXT PRIMARY KEY, note TEXT)",
            "ALTER TABLE orders ADD COLUMN test_note TEXT",
            "CREATE INDEX orders_test_note ON orders (test_note)",
        ),
    ),
    "changing": (("ALTER TABLE orders ADD COLUMN test_flag INTEGER NOT NULL DEFAULT 0",),),
    "two": (
        ("CREATE TABLE test_newer_notes (id TEXT PRIMARY KEY, note TEXT)",),
        ("ALTER TABLE test_newer_notes ADD COLUMN more TEXT",),
    ),
}


def register(kind: str) -> None:
    """Make the library's schema that of a newer version (*kind*: a key of :data:`EXTRA`)."""
    base = schema.versions()
    added = []
    for offset, statements in enumerate(EXTRA[kind], start=1):
        step = schema.SchemaStep(len(base) + offset, "orders", statements)
        added.append(schema.SchemaVersion(step.version, statements, step.only_adds))
    newer = (*base, *added)
    schema.versions = lambda: newer  # type: ignore[assignment]


def main() -> None:
    """``KIND [ARGS…]``: register *KIND*'s steps, then run ``amparex ARGS…``."""
    register(sys.argv[1])
    from amparex_adapters.cli import main as amparex

    amparex(sys.argv[2:])


if __name__ == "__main__":
    main()
