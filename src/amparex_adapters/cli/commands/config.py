"""``amparex config``: the configuration in effect, secrets masked."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from amparex_adapters.cli.shell import HelpGroup, _app, _json_option, _redact_url, _state
from amparex_adapters.i18n import _

if TYPE_CHECKING:
    from amparex_adapters.cli.compose import Composition

__all__ = ["config_group"]


@click.group("config", cls=HelpGroup)
def config_group() -> None:
    """The configuration in effect."""


@config_group.command("show")
@_json_option
@click.pass_context
def config_show(ctx: click.Context, as_json: bool) -> None:
    """Show the configuration in effect, by TOML key; secrets only as set (********) or not.

    Each line is ``KEY = VALUE`` with the dotted key of the file (``loyalty_lab.upload.kind``);
    ``storage.url`` and ``statistics.url`` are the databases in effect (a relative SQLite
    path resolved, a password masked). ``secret NAME`` lines say which secrets are set.
    """
    from amparex_adapters.cli.output import dumps

    app = _app(ctx)
    shown = config_document(app)
    # A secret pasted into a key of the configuration by mistake is masked too.
    scrub = _state(ctx).scrub
    if as_json:
        click.echo(scrub(dumps(shown)))
        return
    secret_values = shown.pop("secret_values")
    for key, value in _flatten(shown):
        click.echo(scrub(f"{key} = {value}"))
    for name, value in secret_values.items():
        click.echo(f"secret {name} = {value or _('(not set)')}")


def config_document(app: Composition) -> dict[str, Any]:
    """The configuration in effect as ``config show --json`` prints it: the TOML tables."""
    from amparex_adapters.cli.config import SECRET_VARIABLES
    from amparex_core.domain.secret import REDACTED

    config = app.config
    secrets_file = app.secrets.file
    return {
        "file": None if config.path is None else str(config.path),
        "storage": {"url": _redact_url(config.storage_url)},
        "statistics": {"url": _redact_url(config.statistics_url)},
        "masterdata": _table(config.masterdata),
        "chain": _table(config.chain),
        "workstation": {"name": config.workstation_name, "branch": config.workstation.branch},
        "loyalty_lab": {"upload": _table(config.loyalty_lab.upload)},
        # dispatch: who dispatches in effect (the default depends on the store, CO20)
        "card_order": {**(_table(config.card_order) or {}), "dispatch": config.card_order_dispatch},
        "reader": _table(config.reader),
        "claims": _table(config.claims),
        "server": {**(_table(config.server) or {}), "name": config.server_name},
        "secrets": {"file": None if secrets_file is None else str(secrets_file)},
        "secret_values": {
            name: REDACTED if app.secrets.get(name) is not None else None
            for name in SECRET_VARIABLES
        },
    }


def _table(section: object) -> dict[str, Any] | None:
    """A section as its TOML table: the keys of another kind's adapter among the others."""
    import attrs

    if section is None:
        return None
    table: dict[str, Any] = {}
    for field in attrs.fields(type(section)):  # type: ignore[arg-type]
        value = getattr(section, field.name)
        if field.name == "options":
            table.update(value)
        elif attrs.has(type(value)) or (value is None and field.name == "delivery"):
            table[field.name] = _table(value)
        else:
            table[field.name] = str(value) if isinstance(value, Decimal | Path) else value
    return table


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(dotted.key, text)`` of every set leaf of nested dictionaries."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, bool):
        yield prefix, "true" if value else "false"  # as TOML writes it
    elif value is not None and value != []:
        yield prefix, ", ".join(map(str, value)) if isinstance(value, list) else str(value)
