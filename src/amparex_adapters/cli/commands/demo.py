"""``amparex demo``: the command; the demo's machinery is :mod:`amparex_adapters.cli.demo`."""

from __future__ import annotations

from pathlib import Path

import click

from amparex_adapters.cli.shell import HelpCommand, _state

__all__ = ["demo"]


@click.command("demo", cls=HelpCommand)
@click.argument("directory", default="amparex-demo", type=click.Path(file_okay=False))
@click.option(
    "--customers",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="How many customers the demo chain gets (on its first run).",
)
@click.pass_context
def demo(ctx: click.Context, directory: str, customers: int) -> None:
    """Build a self-contained demo chain in DIRECTORY and run the main job on it."""
    from amparex_adapters.cli.demo import run_demo

    summary = run_demo(Path(directory), customers=customers, echo=click.echo, lang=_state(ctx).lang)
    if summary.errors:
        ctx.exit(1)
