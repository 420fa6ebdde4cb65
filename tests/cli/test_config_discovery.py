"""Where the configuration is looked for, and no silent default store (OP4).

The unattended commands refuse to run without a configuration file; the others say in
one line that the defaults apply; a command that only reads never creates a store. Each
run is a real ``amparex`` process in an empty folder with its own (empty) user
configuration folder, so nothing of the machine's own configuration leaks in.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from amparex_adapters.cli import _discovery as discovery
from amparex_adapters.cli import config as config_module
from amparex_adapters.cli.app import cli
from amparex_adapters.cli.shell import READ_ONLY, UNATTENDED

from .chain import CONFIG, environment


def _amparex(
    cwd: Path, *args: str, env: dict[str, str | None] | None = None
) -> subprocess.CompletedProcess[str]:
    changes: dict[str, str | None] = {
        "AMPAREX_CONFIG": None,
        "AMPAREX_SECRETS_FILE": None,
        "AMPAREX_LOG_LEVEL": None,
        "XDG_CONFIG_HOME": str(cwd.parent / "xdg"),
        "LANG": None,
        "LC_ALL": None,
        "LC_MESSAGES": None,
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "amparex_adapters.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment(changes),
        timeout=60,
        check=False,
    )


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    (tmp_path / "xdg").mkdir()
    return folder


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


UNATTENDED_ARGS = {
    "startup": ["startup"],
    "outbox upload": ["outbox", "upload"],
    "outbox watch": ["outbox", "watch", "--interval", "0.1"],
    "outbox purge": ["outbox", "purge"],
    "orders dispatch": ["orders", "dispatch"],
}


@pytest.mark.parametrize("name", sorted(UNATTENDED_ARGS))
def test_OP4_an_unattended_command_refuses_without_a_configuration_file(
    empty: Path, name: str
) -> None:
    done = _amparex(empty, *UNATTENDED_ARGS[name])
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    line = lines[0]
    assert line.startswith("amparex: error [config.not_found]: "), line
    # Every place looked at is named, in order.
    user = empty.parent / "xdg" / "amparex" / "amparex.toml"
    places = ["amparex.toml", str(user), "/etc/amparex/amparex.toml"]
    positions = [line.index(p) for p in places]
    assert positions == sorted(positions), line
    assert done.stdout == ""
    assert _tree(empty) == [], "nothing is created"


def test_OP4_every_unattended_command_is_listed() -> None:
    """The shell's list and the command tree agree (``serve`` comes with the chain server)."""
    assert set(UNATTENDED_ARGS) <= UNATTENDED
    commands = set()
    for group_name, group in cli.commands.items():
        sub = getattr(group, "commands", None)
        if sub is None:
            commands.add(group_name)
        else:
            commands |= {f"{group_name} {name}" for name in sub}
    assert set(UNATTENDED_ARGS) <= commands
    assert {n for n in UNATTENDED if n != "serve"} <= commands
    assert commands >= READ_ONLY


def test_OP4_the_refusal_in_german(empty: Path) -> None:
    done = _amparex(empty, "--lang", "de", "startup")
    assert done.returncode == 1
    assert "Keine Konfigurationsdatei gefunden" in done.stderr
    assert "[config.not_found]" in done.stderr


def test_OP4_a_named_file_that_is_missing_is_config_invalid(empty: Path) -> None:
    done = _amparex(empty, "startup", env={"AMPAREX_CONFIG": str(empty / "nope.toml")})
    assert done.returncode == 1
    assert "[config.invalid]" in done.stderr and "nope.toml" in done.stderr


def _write_config(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for sub in ("server", "vendor"):
        (folder / sub).mkdir(exist_ok=True)
    path = folder / "amparex.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_OP4_the_configuration_of_the_current_folder_comes_first(empty: Path) -> None:
    _write_config(empty.parent / "xdg" / "amparex")
    here = _write_config(empty)
    done = _amparex(empty, "config", "show", "--json")
    assert done.returncode == 0, done.stderr
    assert f'"file": "{here.name}"' in done.stdout or str(here) in done.stdout


def test_OP4_the_users_configuration_folder_is_looked_at(empty: Path) -> None:
    user = _write_config(empty.parent / "xdg" / "amparex")
    done = _amparex(empty, "startup")
    assert "config.not_found" not in done.stderr
    assert done.returncode == 0, done.stderr
    # Relative paths of the file are relative to its folder: the store is created there.
    assert (user.parent / "amparex.sqlite").exists()
    assert _tree(empty) == []


def test_OP4_the_systems_configuration_folder_is_looked_at_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = tmp_path / "etc-amparex"
    _write_config(system)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(discovery, "POSIX_SYSTEM_DIR", system)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("AMPAREX_CONFIG", raising=False)
    found = config_module.find_config(None)
    assert found.path == system / "amparex.toml"
    assert found.places[-1] == str(system / "amparex.toml")
    result = CliRunner().invoke(cli, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    assert str(system / "amparex.toml") in result.stdout


def test_OP4_other_commands_say_in_one_line_that_the_defaults_apply(empty: Path) -> None:
    done = _amparex(empty, "config", "show")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("amparex: warning: no configuration file found (looked at ")
    assert "the defaults apply" in lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["orders", "list"],
        ["orders", "list", "--json"],
        ["interfaces", "list"],
        ["templates", "list", "--json"],
        ["cards", "list"],
    ],
    ids=" ".join,
)
def test_OP4_a_read_only_listing_in_an_empty_folder_creates_nothing(
    empty: Path, args: list[str]
) -> None:
    done = _amparex(empty, *args)
    assert done.returncode == 0, done.stderr
    assert _tree(empty) == [], "a listing created a store"
    assert "does not exist: nothing to show" in done.stderr
    assert "Traceback" not in done.stderr
    if "--json" in args:
        assert done.stdout.strip() == "[]"


def test_OP4_a_read_only_listing_reads_an_existing_store(empty: Path) -> None:
    """The empty stand-in is only for a store that does not exist yet."""
    _write_config(empty)
    masterdata = empty / "bundle.toml"
    from .chain import BUNDLE

    masterdata.write_text(BUNDLE, encoding="utf-8")
    assert _amparex(empty, "masterdata", "import", str(masterdata)).returncode == 0
    made = _amparex(empty, "templates", "add", "BASIS", "--document", "DOC-CARD")
    assert made.returncode == 0, made.stderr
    listed = _amparex(empty, "templates", "list", "--json")
    assert listed.returncode == 0
    assert '"BASIS"' in listed.stdout
    assert listed.stderr == ""
