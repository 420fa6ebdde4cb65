"""``amparex masterdata``: import master-data bundles."""

from __future__ import annotations

from pathlib import Path

import click

from amparex_adapters.cli.shell import _app

__all__ = ["masterdata"]


@click.group()
def masterdata() -> None:
    """Master data (Stammdaten) for installations without a host application."""


@masterdata.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def masterdata_import(ctx: click.Context, file: str) -> None:
    """Import branches, customers, employees and templates from a JSON or TOML bundle."""
    counts = _app(ctx).import_masterdata(Path(file))
    click.echo(
        "imported "
        + ", ".join(f"{count} {section.replace('_', ' ')}" for section, count in counts.items())
    )
