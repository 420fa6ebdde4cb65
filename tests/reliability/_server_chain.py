"""A chain for the claim and server tests: real ``amparex`` processes, SMTP, SQLite or PostgreSQL.

:class:`ServerChain` writes a configuration (its store, a real SMTP server for card
orders, optionally an SFTP upload, a ``[claims]`` lease), imports the master data of
``tests/cli/chain.py`` and configures card ordering chain-wide and for branch F02 (so a
round of orders of both branches makes two batches), with a DAILY template. It places
orders in-process (click's runner) and runs the command as real processes, alone
(:meth:`ServerChain.popen`) or many at the same moment behind a barrier
(:meth:`ServerChain.together`, ``tests/reliability/_barrier_cli.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from amparex_adapters.cli.app import cli
from amparex_adapters.storage import open_storage
from amparex_core.domain.orders import Batch
from amparex_core.ports.storage import Storage
from tests.cli.chain import BUNDLE, CARD_KEY, environment
from tests.plugins.smtp_server import SMTP_PASSWORD, SMTP_USER, ReceivedMail, SmtpServer

__all__ = ["ServerChain", "mail_batches", "tomorrow"]

_LOCALE = ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")


def tomorrow() -> str:
    """An instant tomorrow, 08:00 in Berlin: today's orders of a DAILY template are due."""
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    day = dt.datetime.now(berlin).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(8), tzinfo=berlin).isoformat()


def mail_batches(messages: Sequence[ReceivedMail]) -> dict[str, list[dict[str, bytes]]]:
    """Batch ID (from the ``Message-ID``) -> the attachments of each mail carrying it."""
    found: dict[str, list[dict[str, bytes]]] = {}
    for mail in messages:
        message = mail.message()
        match = re.fullmatch(r"<(.+)@amparex-core>", str(message["Message-ID"]))
        assert match is not None, message["Message-ID"]
        files: dict[str, bytes] = {}
        for part in message.iter_attachments():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            files[str(part.get_filename())] = payload
        found.setdefault(match.group(1), []).append(files)
    return found


class ServerChain:
    """A configured chain in *root* on the store *storage_url*, mailing card orders.

    Args:
        root: A fresh folder.
        storage_url: ``sqlite:///…`` or a PostgreSQL URL.
        smtp: The SMTP server card orders go to.
        lease: ``[claims] lease`` in seconds.
        extra: More TOML appended to the configuration.
        bundle: The master-data bundle to import.
    """

    def __init__(
        self,
        root: Path,
        storage_url: str,
        smtp: SmtpServer,
        *,
        lease: float = 60.0,
        extra: str = "",
        bundle: str = BUNDLE,
    ) -> None:
        self.root = root
        self.storage_url = storage_url
        self.smtp = smtp
        self.config = root / "amparex.toml"
        self.outbox = root / "outbox"
        self.outbox.mkdir(parents=True, exist_ok=True)
        self.outputs: list[str] = []
        self.placed = 0
        self.env: dict[str, str | None] = {
            "AMPAREX_CARD_KEY": CARD_KEY,
            "AMPAREX_SMTP_PASSWORD": SMTP_PASSWORD,
            "AMPAREX_CONFIG": None,
            "AMPAREX_SECRETS_FILE": None,
            "AMPAREX_LOG_LEVEL": None,
            "CI": None,
            # Many short processes: let them share compiled bytecode.
            "PYTHONDONTWRITEBYTECODE": None,
            **dict.fromkeys(_LOCALE),
        }
        self.config.write_text(self._config(lease) + extra, encoding="utf-8")
        (root / "bundle.toml").write_text(bundle, encoding="utf-8")

    def _config(self, lease: float) -> str:
        smtp = self.smtp
        return f"""
[storage]
url = {json.dumps(self.storage_url)}

[chain]
name = "Optik Muster"
time_zone = "Europe/Berlin"

[workstation]
name = "KASSE-1"
branch = "F01"

[card_order]
renderer = "text"

[card_order.delivery]
kind = "smtp"
host = "{smtp.host}"
port = {smtp.port}
security = "{smtp.security}"
ca_file = {json.dumps(str(smtp.ca_file))}
sender = "bestellung@optik-muster.example"
recipients = ["karten@vendor.example"]
username = "{SMTP_USER}"
timeout = 20.0

[claims]
lease = {lease}
"""

    # ------------------------------------------------------------ in-process set-up

    def ok(self, *args: str) -> Result:
        """Run ``amparex ARGS`` in-process; insist on exit status 0."""
        result = CliRunner().invoke(cli, ["--config", str(self.config), *args], env=self.env)
        self.outputs += [result.stdout, result.stderr]
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result

    def set_up(self) -> None:
        """Master data, card ordering chain-wide and for F02, a DAILY template."""
        self.ok("masterdata", "import", str(self.root / "bundle.toml"))
        self.set_up_card_ordering()

    def set_up_card_ordering(self) -> None:
        """Card ordering chain-wide and for F02, a DAILY template."""
        contract = ["--contract", "KV-4711", "--customer-number", "AX-100"]
        self.ok("interfaces", "add", "card-order", *contract)
        self.ok("interfaces", "add", "card-order", *contract, "--branch", "F02")
        self.ok("templates", "add", "BASIS", "--document", "DOC-CARD", "--interval", "daily")

    def set_up_loyalty_lab(self) -> None:
        """Master data and Loyalty Lab on KASSE-1 with its four statistics into the outbox."""
        self.ok("masterdata", "import", str(self.root / "bundle.toml"))
        statistics = ["--customers", "ST-CUSTOMERS", "--glasses", "ST-GLASSES"]
        statistics += ["--contact-lenses", "ST-LENSES", "--hearing-aids", "ST-AIDS"]
        add = ["interfaces", "add", "loyalty-lab", "--customer-number", "4711"]
        self.ok(*add, "--directory", str(self.outbox), *statistics)

    def place_round(self, per_branch: int = 1) -> None:
        """Place *per_branch* orders in F01 and in F02 (today): two batches tomorrow."""
        for branch in ("F01", "F02"):
            for _ in range(per_branch):
                self.placed += 1
                order = ["--template", "BASIS", "--holder", "K1", "--branch", branch]
                self.ok("orders", "place", *order, "--process", f"V-{self.placed:05d}")

    def place_due(self, per_branch: int = 1) -> None:
        """Place *per_branch* orders in F01 and in F02 yesterday: due now (two batches).

        Through the library with a clock a day behind (the command places at the time of
        the system clock).
        """
        from amparex_adapters.cli.compose import Composition
        from amparex_adapters.cli.config import Secrets, load_config
        from amparex_adapters.clock.manual import ManualClock

        config = load_config(self.config)
        yesterday = ManualClock(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        app = Composition(config, Secrets(config), clock=yesterday)
        try:
            for branch in ("F01", "F02"):
                for _ in range(per_branch):
                    self.placed += 1
                    app.orders.place(
                        template="BASIS",
                        holder_id="K1",
                        branch=branch,
                        process_ref=f"V-{self.placed:05d}",
                        workstation="KASSE-1",
                    )
        finally:
            app.close()

    def store(self) -> Storage:
        """The chain's store, opened in this process (close it)."""
        return open_storage(self.storage_url)

    def batches(self) -> list[Batch]:
        """Every batch of the store, by number."""
        store = self.store()
        try:
            return store.list_batches()
        finally:
            store.close()

    # ------------------------------------------------------------ real processes

    def argv(self, *args: str) -> list[str]:
        """The argv of ``amparex --config <chain> ARGS`` as its own process."""
        return [sys.executable, "-m", "amparex_adapters.cli", "--config", str(self.config), *args]

    def popen(self, *args: str, **kwargs: Any) -> subprocess.Popen[str]:
        """Start ``amparex ARGS`` as a real process (stdout and stderr piped)."""
        return subprocess.Popen(
            self.argv(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(self.env),
            cwd=self.root,
            **kwargs,
        )

    def finish(self, proc: subprocess.Popen[str], timeout: float = 90) -> tuple[int, str, str]:
        """Wait for *proc*; its status and output (recorded for the secret check)."""
        out, err = proc.communicate(timeout=timeout)
        self.outputs += [out, err]
        return proc.returncode, out, err

    def together(
        self, argvs: Sequence[Sequence[str]], barrier: Path, timeout: float = 90
    ) -> list[tuple[int, str, str]]:
        """Run each ``amparex`` argv as its own process, all starting work at one moment."""
        barrier.mkdir(parents=True, exist_ok=True)
        go = barrier / "go"
        go.unlink(missing_ok=True)
        ready = [barrier / f"ready-{n}" for n in range(len(argvs))]
        for path in ready:
            path.unlink(missing_ok=True)
        wrapper = [sys.executable, "-m", "tests.reliability._barrier_cli"]
        procs = [
            subprocess.Popen(
                [*wrapper, str(flag), str(go), "--config", str(self.config), *argv],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=environment(self.env),
                cwd=Path(__file__).parents[2],
            )
            for flag, argv in zip(ready, argvs, strict=True)
        ]
        try:
            deadline = time.monotonic() + timeout
            while not all(p.exists() for p in ready):
                assert time.monotonic() < deadline, "the processes did not get ready"
                assert all(proc.poll() is None for proc in procs), "a process ended early"
                time.sleep(0.01)
            go.write_text("go", encoding="utf-8")
            return [self.finish(proc, timeout) for proc in procs]
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()

    def check_no_secret(self) -> None:
        """CO1: the card key and the SMTP password never appeared in any output."""
        for output in self.outputs:
            assert CARD_KEY not in output
            assert SMTP_PASSWORD not in output
