"""``amparex config``: the configuration in effect, secrets masked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from amparex_adapters.cli.shell import _app, _json_option, _redact_url, _state

__all__ = ["config_group"]


@click.group("config")
def config_group() -> None:
    """The configuration in effect."""


@config_group.command("show")
@_json_option
@click.pass_context
def config_show(ctx: click.Context, as_json: bool) -> None:
    """Show the configuration in effect; secrets only as set (********) or missing."""
    import attrs

    from amparex_adapters.cli.config import SECRET_VARIABLES
    from amparex_adapters.cli.output import dumps
    from amparex_core.domain.secret import REDACTED

    app = _app(ctx)
    config = app.config
    secrets_file = app.secrets.file
    shown: dict[str, Any] = {
        "file": None if config.path is None else str(config.path),
        "storage_url": _redact_url(config.storage_url),
        "statistics_url": _redact_url(config.statistics_url),
        "chain": attrs.asdict(config.chain, value_serializer=_plain),
        "workstation": {"name": config.workstation_name, "branch": config.workstation.branch},
        "loyalty_lab_upload": None
        if config.loyalty_lab.upload is None
        else attrs.asdict(config.loyalty_lab.upload, value_serializer=_plain),
        "card_order": attrs.asdict(config.card_order, value_serializer=_plain),
        "reader": attrs.asdict(config.reader, value_serializer=_plain),
        "secrets_file": None if secrets_file is None else str(secrets_file),
        "secrets": {
            name: REDACTED if app.secrets.get(name) is not None else None
            for name in SECRET_VARIABLES
        },
        "claims": attrs.asdict(config.claims, value_serializer=_plain),
        "server": {
            **attrs.asdict(config.server, value_serializer=_plain),
            "name": config.server_name,
        },
        "card_order_dispatch": config.card_order_dispatch,
    }
    # A secret pasted into a key of the configuration by mistake is masked too.
    scrub = _state(ctx).scrub
    if as_json:
        click.echo(scrub(dumps(shown)))
        return
    for key, value in _flatten(shown):
        click.echo(scrub(f"{key} = {value}"))


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(dotted.key, text)`` of every set leaf of nested dictionaries."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else key)
    elif value is not None and value != []:
        yield prefix, ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _plain(_inst: object, _field: object, value: Any) -> Any:
    from decimal import Decimal

    return str(value) if isinstance(value, Decimal | Path) else value
