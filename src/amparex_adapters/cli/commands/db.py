"""``amparex db``: the store's schema in the open — its status, and the upgrade (OP5).

A shared PostgreSQL store is never migrated by opening it: every process refuses a store
that needs an upgrade (``storage.schema_too_old``) until ``amparex db upgrade`` has run
once for the chain; code of schema *N* keeps working against *N + 1* when that version
only adds, so workstations can be updated over days. A SQLite file is upgraded when it is
opened, as before; ``db upgrade`` does it explicitly there too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from amparex_adapters.cli.shell import HelpGroup, _app, _json_option
from amparex_adapters.storage import redact_url

if TYPE_CHECKING:
    from amparex_adapters.storage.sql.core import SchemaStatus, SchemaUpgrade

__all__ = ["db"]

_STATES = {
    "current": "current",
    "upgrade_needed": "an upgrade is needed: amparex db upgrade",
    "newer_compatible": "newer than this version's, and usable by it (it only adds)",
    "too_new": "too new for this version: update amparex-core on this computer",
}


@click.group(cls=HelpGroup)
def db() -> None:
    """The store's schema: status and upgrade (OP5)."""


@db.command("status")
@_json_option
@click.pass_context
def db_status(ctx: click.Context, as_json: bool) -> None:
    """Show the schema version of the store and of this version, and what is pending.

    Changes nothing; a SQLite file that does not exist is not created.
    """
    from amparex_adapters.cli.output import dumps, schema_status_json
    from amparex_adapters.storage.sql import SqlDatabase

    app = _app(ctx)
    store = app.open_store(schema="inspect")
    name = redact_url(app.config.storage_url)
    if not isinstance(store, SqlDatabase):
        if as_json:
            click.echo(dumps(schema_status_json(None, name)))
        else:
            click.echo(f"store:          {name}")
            click.echo("schema:         none (this store keeps no schema versions)")
        return
    status = store.schema_status()
    if as_json:
        click.echo(dumps(schema_status_json(status, name)))
        return
    _print_status(status, name)


def _print_status(status: SchemaStatus, name: str) -> None:
    window = f"{status.code}, and {status.code + 1} where it only adds"
    click.echo(f"store:          {name}")
    click.echo(f"store schema:   {status.found if status.found else 'none'}")
    click.echo(f"code schema:    {status.code} (works with {window})")
    if status.compatible_from is not None:
        click.echo(f"usable from:    code schema {status.compatible_from}")
    pending = ", ".join(str(v) for v in status.pending) or "none"
    click.echo(f"pending:        {pending}")
    click.echo(f"state:          {_STATES[status.state]}")


@db.command("upgrade")
@_json_option
@click.pass_context
def db_upgrade(ctx: click.Context, as_json: bool) -> None:
    """Apply the pending schema steps, once for the whole chain; idempotent.

    Several processes may run it at once (the store serialises them: PostgreSQL's
    advisory lock, SQLite's write lock); the others find nothing to do. A store whose
    schema is beyond this version's is refused (storage.schema_too_new).
    """
    from amparex_adapters.cli.output import dumps, schema_upgrade_json
    from amparex_adapters.storage.sql import SqlDatabase

    app = _app(ctx)
    name = redact_url(app.config.storage_url)
    store = app.open_store(schema="upgrade")
    upgrade = store.opened_upgrade if isinstance(store, SqlDatabase) else None
    if as_json:
        click.echo(dumps(schema_upgrade_json(upgrade, name)))
        return
    click.echo(_upgrade_line(upgrade, name))


def _upgrade_line(upgrade: SchemaUpgrade | None, name: str) -> str:
    if upgrade is None:
        return f"{name} keeps no schema versions; nothing to upgrade"
    if upgrade.applied:
        steps = ", ".join(str(v) for v in upgrade.applied)
        before = upgrade.found if upgrade.found else "none"
        return f"upgraded {name} from schema {before} to {upgrade.reached} (applied {steps})"
    return f"{name} is at schema {upgrade.reached}; nothing to upgrade"
