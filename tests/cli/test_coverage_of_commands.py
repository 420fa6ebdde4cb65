"""Every subcommand of ``amparex`` is run by some test of this folder."""

from __future__ import annotations

from pathlib import Path

import click

from amparex_adapters.cli.app import cli


def _paths(command: click.Command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(command, click.Group):
        found: list[tuple[str, ...]] = []
        for name, sub in command.commands.items():
            found += _paths(sub, (*prefix, name))
        return found
    return [prefix]


def test_every_subcommand_is_exercised_by_a_test() -> None:
    sources = "\n".join(
        p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("*.py")
        if p.name != Path(__file__).name
    )  # fmt: skip
    paths = _paths(cli)
    assert len(paths) >= 20
    untested = [
        " ".join(path) for path in paths if ", ".join(f'"{part}"' for part in path) not in sources
    ]
    assert untested == []
