"""The README's synopsis of the command matches ``--help`` (issue 15, item 7).

The usage lines of the README's operator section (the ``Commands`` block) are parsed and
held against the click commands behind ``--help``: every command appears; every option
named exists; an option or argument is written without brackets exactly when ``--help``
marks it ``[required]``; a list of choices is the option's choices. And ``--help`` marks
every required option as required.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from amparex_adapters.cli.app import cli

README = Path(__file__).parents[2] / "README.md"


def synopsis_lines() -> list[str]:
    """The usage lines of the README's ``### Commands`` block, one per command."""
    text = README.read_text(encoding="utf-8")
    start = text.index("### Commands")
    block = re.search(r"```\n(.*?)```", text[start:], re.S)
    assert block is not None
    joined: list[str] = []
    for written in block[1].splitlines():
        line = written.split("  #")[0].rstrip()
        if not line.strip():
            continue
        if line.startswith(" ") and joined:  # a continuation of the line before
            joined[-1] += " " + line.strip()
        else:
            joined.append(line.removeprefix("amparex ").strip())
    lines: list[str] = []
    for line in joined:  # "orders cancel ID | orders list …": alternatives of one group
        lines += [part.strip() for part in line.split(" | ")]
    return lines


def tokens(line: str) -> list[tuple[str, int]]:
    """The words of a usage line with their bracket depth (0: required)."""
    found: list[tuple[str, int]] = []
    depth = 0
    for written in line.split():
        word = written.lstrip("[")
        depth += len(written) - len(word)
        closes = 0
        while word.endswith("]") and word.count("]") > word.count("["):
            word = word[:-1]
            closes += 1
        found.append((word, depth))
        depth -= closes
    assert depth == 0, f"unbalanced brackets: {line}"
    return found


def resolve(line: str) -> tuple[tuple[str, ...], click.Command, list[tuple[str, int]]]:
    """The command a usage line is about, and the rest of its words."""
    words = tokens(line)
    command: click.Command = cli
    path: list[str] = []
    while isinstance(command, click.Group) and words and words[0][0] in command.commands:
        path.append(words[0][0])
        command = command.commands[words.pop(0)[0]]
    assert not isinstance(command, click.Group), f"no command in: {line}"
    return tuple(path), command, words


def leaf_paths(command: click.Command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(command, click.Group):
        return [
            p for name, sub in command.commands.items() for p in leaf_paths(sub, (*prefix, name))
        ]
    return [prefix]


def test_every_command_has_a_line_in_the_readme() -> None:
    described = {resolve(line)[0] for line in synopsis_lines()}
    missing = [" ".join(p) for p in leaf_paths(cli) if p not in described]
    assert missing == []


@pytest.mark.parametrize("line", synopsis_lines())
def test_the_line_matches_the_commands_help(line: str) -> None:
    path, command, words = resolve(line)
    options = {opt: p for p in command.params if isinstance(p, click.Option) for opt in p.opts}
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    seen_options: set[str] = set()
    seen_arguments: list[tuple[str, int]] = []
    index = 0
    while index < len(words):
        word, depth = words[index]
        index += 1
        if word.startswith("-"):
            assert word in options, f"{' '.join(path)}: no option {word}"
            option = options[word]
            seen_options.add(option.name or word)
            assert (depth == 0) == option.required, f"{' '.join(path)} {word}: required?"
            if not option.is_flag and index < len(words):
                value, _ = words[index]
                index += 1
                if "|" in value and isinstance(option.type, click.Choice):
                    assert set(value.split("|")) == set(option.type.choices), (path, word)
        else:
            seen_arguments.append((word, depth))
    assert len(seen_arguments) == len(arguments), f"{' '.join(path)}: arguments"
    for (word, depth), argument in zip(seen_arguments, arguments, strict=True):
        assert (depth == 0) == argument.required, f"{' '.join(path)} {word}: required?"
    required = {p.name for p in command.params if isinstance(p, click.Option) and p.required}
    assert required <= seen_options, f"{' '.join(path)}: required options missing"


def test_help_marks_required_options_required() -> None:
    """``--help`` says ``[required]`` for each option click requires."""
    runner = CliRunner()
    for path in leaf_paths(cli):
        command: click.Command = cli
        for name in path:
            assert isinstance(command, click.Group)
            command = command.commands[name]
        text = runner.invoke(cli, [*path, "--help"]).stdout
        for option in command.params:
            if isinstance(option, click.Option) and option.required:
                entry = text[text.index(option.opts[0]) :]
                entry = entry[: re.search(r"\n  -", entry[1:] + "\n  -").start() + 1]  # type: ignore[union-attr]
                assert "[required]" in entry, (path, option.opts)


def test_every_option_says_what_it_is_for() -> None:
    without = []
    for path in leaf_paths(cli):
        command: click.Command = cli
        for name in path:
            assert isinstance(command, click.Group)
            command = command.commands[name]
        without += [
            f"{' '.join(path)} {p.opts[0]}"
            for p in command.params
            if isinstance(p, click.Option) and not p.help
        ]
    assert without == []
