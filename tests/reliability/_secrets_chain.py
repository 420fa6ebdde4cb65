"""A chain for the secrets suite: private inputs apart from what the run writes.

Inputs that hold secrets on purpose (the secrets files, configurations with a password in
a URL, the encrypted key) live in ``private/``, which is never scanned. Everything the
command writes — store, outbox, parcels, the demo, ``known_hosts`` — lands in ``run/``,
and every file there is scanned: the store's database files too
(:attr:`SecretsChain.store_files`), which keep only a reference to the card contract key,
never the key (OP6).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import attrs
from click.testing import CliRunner, Result

from amparex_adapters.cli.app import cli
from tests.cli.chain import BUNDLE, environment

LATER = "2099-01-01T08:00:00+01:00"
_LOCALE = ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")


def toml_string(value: str) -> str:
    """*value* as a TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value)


def write_secrets(path: Path, values: Mapping[str, str], mode: int = 0o600) -> Path:
    """Write a secrets file with *values* and *mode*."""
    path.write_text(
        "".join(f"{key} = {toml_string(value)}\n" for key, value in values.items()),
        encoding="utf-8",
    )
    path.chmod(mode)
    return path


@attrs.define
class Outcome:
    """One run of the command: what it printed."""

    argv: list[str]
    code: int
    stdout: str
    stderr: str


class SecretsChain:
    """A configured chain whose every run is recorded for the leak scan.

    Args:
        tmp: A fresh temporary folder.
    """

    def __init__(self, tmp: Path) -> None:
        self.private = tmp / "private"
        self.run_dir = tmp / "run"
        self.private.mkdir()
        self.run_dir.mkdir()
        self.private.chmod(0o700)
        self.outbox = self.run_dir / "outbox"
        self.vendor = self.run_dir / "vendor"
        self.outbox.mkdir()
        self.vendor.mkdir()
        self.bundle = self.run_dir / "bundle.toml"
        self.bundle.write_text(BUNDLE, encoding="utf-8")
        self.config = self.private / "amparex.toml"
        self.store = self.run_dir / "amparex.sqlite"
        self.outcomes: list[Outcome] = []
        self.env: dict[str, str | None] = {
            "AMPAREX_CONFIG": None,
            "AMPAREX_SECRETS_FILE": None,
            "CI": None,
            **dict.fromkeys(_LOCALE),
        }

    @property
    def store_files(self) -> list[Path]:
        """The store's database files: scanned like every other file (OP6)."""
        return [
            self.run_dir / f"amparex.sqlite{suffix}" for suffix in ("", "-wal", "-shm", "-journal")
        ]

    def configure(
        self,
        *sections: str,
        storage: str | None = None,
        secrets: Path | None = None,
        path: Path | None = None,
    ) -> Path:
        """Write the configuration (to *path*, default :attr:`config`): the base chain plus
        *sections* (TOML text); returns its path."""
        store = storage or f'path = "{self.store}"'
        text = f"""\
[storage]
{store}

[chain]
name = "Optik Muster"
time_zone = "Europe/Berlin"

[workstation]
name = "KASSE-1"
branch = "F01"

[card_order]
renderer = "text"

[reader]
default = "scripted"
timeout = 0.2
scripted_uid = "04:a2:2b:9c"
"""
        if secrets is not None:
            text += f'\n[secrets]\nfile = "{secrets}"\n'
        for section in sections:
            text += "\n" + section.strip() + "\n"
        target = path or self.config
        target.write_text(text, encoding="utf-8")
        return target

    def cli(
        self, *args: str, env: Mapping[str, str | None] | None = None, config: Path | None = None
    ) -> Outcome:
        """Run ``amparex --config CONFIG ARGS`` in this process (click's runner)."""
        argv = ["--config", str(config or self.config), *args]
        runner = CliRunner()
        cwd = Path.cwd()
        os.chdir(self.run_dir)
        try:
            result: Result = runner.invoke(cli, argv, env={**self.env, **(env or {})})
        finally:
            os.chdir(cwd)
            _drop_debug_handlers()
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        outcome = Outcome(argv, result.exit_code, result.stdout, result.stderr)
        self.outcomes.append(outcome)
        return outcome

    def sub(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        config: Path | None = None,
        timeout: float = 60,
    ) -> Outcome:
        """Run ``python -m amparex_adapters.cli --config CONFIG ARGS`` as a real process."""
        argv = [
            sys.executable,
            "-m",
            "amparex_adapters.cli",
            "--config",
            str(config or self.config),
            *args,
        ]
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env=environment({**self.env, **(env or {})}),
            cwd=self.run_dir,
            timeout=timeout,
            check=False,
        )
        outcome = Outcome(argv, done.returncode, done.stdout, done.stderr)
        self.outcomes.append(outcome)
        return outcome

    def record(self, argv: list[str], code: int, stdout: str, stderr: str) -> Outcome:
        """Record the output of a process started elsewhere (``outbox watch``)."""
        outcome = Outcome(argv, code, stdout, stderr)
        self.outcomes.append(outcome)
        return outcome


def _drop_debug_handlers() -> None:
    """Remove the stderr handler ``--debug`` adds: it writes to the runner's closed stream."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_amparex", False):
            root.removeHandler(handler)
