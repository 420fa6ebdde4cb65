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
from amparex_adapters.i18n import N_, _
from amparex_adapters.storage import redact_url

if TYPE_CHECKING:
    from amparex_adapters.storage.sql.core import SchemaStatus, SchemaUpgrade

__all__ = ["db"]

_STATES = {
    "current": N_("current"),
    "upgrade_needed": N_("an upgrade is needed: amparex db upgrade"),
    "newer_compatible": N_("newer than this version's, and usable by it (it only adds)"),
    "too_new": N_("too new for this version: update amparex-core on this computer"),
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
            click.echo(_("store:          {name}").format(name=name))
            click.echo(_("schema:         none (this store keeps no schema versions)"))
        return
    status = store.schema_status()
    if as_json:
        click.echo(dumps(schema_status_json(status, name)))
        return
    _print_status(status, name)


def _print_status(status: SchemaStatus, name: str) -> None:
    window = _("{code}, and {next} where it only adds").format(
        code=status.code, next=status.code + 1
    )
    click.echo(_("store:          {name}").format(name=name))
    found = status.found if status.found else _("none")
    click.echo(_("store schema:   {found}").format(found=found))
    click.echo(
        _("code schema:    {code} (works with {window})").format(code=status.code, window=window)
    )
    if status.compatible_from is not None:
        click.echo(
            _("usable from:    code schema {version}").format(version=status.compatible_from)
        )
    pending = ", ".join(str(v) for v in status.pending) or _("none")
    click.echo(_("pending:        {pending}").format(pending=pending))
    click.echo(_("state:          {state}").format(state=_(_STATES[status.state])))


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
        return _("{name} keeps no schema versions; nothing to upgrade").format(name=name)
    if upgrade.applied:
        steps = ", ".join(str(v) for v in upgrade.applied)
        before = upgrade.found if upgrade.found else _("none")
        return _("upgraded {name} from schema {before} to {reached} (applied {steps})").format(
            name=name, before=before, reached=upgrade.reached, steps=steps
        )
    return _("{name} is at schema {reached}; nothing to upgrade").format(
        name=name, reached=upgrade.reached
    )
