"""A chain on SQLite for the ``amparex`` command: configuration, master data, runners."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from amparex_adapters.cli.app import cli

CARD_KEY = "k3y-VERY-secret-4711"
"""The card-contract key of the test chain: it must never appear in any output (CO1)."""

BUNDLE = """\
format = "amparex-masterdata/1"

[[branches]]
id = "F01"
name = "Optik Muster Stuttgart"
address = { street = "Königstraße 10", postal_code = "70173", city = "Stuttgart" }

[[branches]]
id = "F02"
name = "Optik Muster Köln"
address = { street = "Hohe Straße 5", postal_code = "50667", city = "Köln" }

[[customers]]
id = "K1"
first_name = "Erika"
last_name = "Mustermann"
leading_branch = "F02"
address = { street = "Lindenweg 3", postal_code = "70173", city = "Stuttgart" }

[[customers]]
id = "K2"
first_name = "Max"
last_name = "Mustermann"
leading_branch = "F01"
address = { street = "Am Bach 1", postal_code = "70173", city = "Stuttgart" }

[[employees]]
id = "M1"
first_name = "Jana"
last_name = "Kasse"
branch = "F01"

[[document_templates]]
id = "DOC-CARD"
name = "Kundenkarte"
kind = "card"
media_type = "text/plain"
content = "{template_name} {holder_name} {card_number}"

[[document_templates]]
id = "DOC-LETTER"
name = "Anschreiben"
kind = "letter"
media_type = "text/plain"
content = "{recipient_name} {address_line1} {address_line2} {card_number}"

[[statistic_templates]]
id = "ST-CUSTOMERS"
name = "Kundenstatistik"
file_format = "csv"
query = "SELECT 'K1' AS kunden_nr, 'Erika' AS vorname UNION ALL SELECT 'K2', 'Max'"

[[statistic_templates]]
id = "ST-GLASSES"
name = "Brillenstatistik"
file_format = "csv"
query = "SELECT 'K1' AS kunden_nr, 129.5 AS betrag"

[[statistic_templates]]
id = "ST-LENSES"
name = "Kontaktlinsenstatistik"
file_format = "csv"
query = "SELECT 'K2' AS kunden_nr, 'Monatslinse' AS produkt"

[[statistic_templates]]
id = "ST-AIDS"
name = "Hörgerätestatistik"
file_format = "csv"
query = "SELECT 'K2' AS kunden_nr, 'RIC' AS modell"

[[statistic_templates]]
id = "ST-PDF"
name = "Als PDF"
file_format = "pdf"
query = "SELECT 1"
"""

CONFIG = """\
[storage]
path = "amparex.sqlite"

[chain]
name = "Optik Muster"
time_zone = "Europe/Berlin"

[workstation]
name = "KASSE-1"
branch = "F01"

[loyalty_lab.upload]
kind = "folder"
folder = "server"

[card_order]
renderer = "text"

[card_order.delivery]
kind = "folder"
folder = "vendor"

[reader]
default = "scripted"
timeout = 0.2
scripted_uid = "04:a2:2b:9c"
"""

_LOCALE = ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")


class Chain:
    """A test chain in a folder, and ways to run the command on it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = root / "amparex.toml"
        self.outbox = root / "outbox"
        self.server = root / "server"
        self.vendor = root / "vendor"
        self.outputs: list[str] = []
        self.env: dict[str, str | None] = {
            "AMPAREX_CARD_KEY": CARD_KEY,
            "AMPAREX_CONFIG": None,
            "AMPAREX_SECRETS_FILE": None,
            "AMPAREX_LOG_LEVEL": None,
            "CI": None,
            **dict.fromkeys(_LOCALE),
        }

    def use_store(self, url: str) -> None:
        """Keep the chain's data in the store *url* instead of its SQLite file.

        For PostgreSQL take ``pg_url`` or ``pgbouncer_url`` (their schema is upgraded, as
        ``amparex db upgrade`` leaves it), or the ``pg_chain`` fixture, which does this.
        """
        replace_section(self, "storage", f'url = "{url}"')

    def run(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        """Run ``amparex --config <chain> ARGS`` in-process (click's runner)."""
        runner = CliRunner()
        result = runner.invoke(
            cli, ["--config", str(self.config), *args], env={**self.env, **(env or {})}
        )
        self.outputs += [result.stdout, result.stderr]
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    def ok(self, *args: str) -> Result:
        """Run, and insist on exit status 0."""
        result = self.run(*args)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result

    def sub(
        self,
        *args: str,
        env: dict[str, str | None] | None = None,
        config: bool = True,
        timeout: float = 60,
        program: Sequence[str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``python -m amparex_adapters.cli`` as a real process (or *program*)."""
        argv = list(program or [sys.executable, "-m", "amparex_adapters.cli"])
        if config:
            argv += ["--config", str(self.config)]
        completed = subprocess.run(
            [*argv, *args],
            capture_output=True,
            text=True,
            env=environment({**self.env, **(env or {})}),
            cwd=self.root,
            timeout=timeout,
            check=False,
        )
        self.outputs += [completed.stdout, completed.stderr]
        return completed


def environment(changes: dict[str, str | None]) -> dict[str, str]:
    """The current environment with *changes* applied (``None`` removes a variable)."""
    env = dict(os.environ)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def replace_section(chain: Chain, section: str, body: str) -> None:
    """Replace ``[section]`` (up to the next blank line) of the chain's configuration."""
    text = chain.config.read_text(encoding="utf-8")
    start = text.index(f"[{section}]\n")
    end = text.index("\n\n", start)
    chain.config.write_text(text[:start] + f"[{section}]\n{body.strip()}" + text[end:])


def smtp_delivery_body(smtp_server: Any) -> str:
    """The body of a ``[card_order.delivery]`` table mailing to the test SMTP server."""
    from tests.plugins.smtp_server import SMTP_USER

    return f"""
kind = "smtp"
host = "{smtp_server.host}"
port = {smtp_server.port}
security = "{smtp_server.security}"
ca_file = "{smtp_server.ca_file}"
sender = "bestellung@optik-muster.example"
recipients = ["karten@vendor.example"]
username = "{SMTP_USER}"
timeout = 10.0
"""


def use_smtp_delivery(chain: Chain, smtp_server: Any) -> None:
    """Card orders of *chain* go by mail to the test SMTP server (login in the environment)."""
    from tests.plugins.smtp_server import SMTP_PASSWORD

    replace_section(chain, "card_order.delivery", smtp_delivery_body(smtp_server))
    chain.env["AMPAREX_SMTP_PASSWORD"] = SMTP_PASSWORD


def fail_uploads(chain: Chain) -> None:
    """Make *chain*'s uploads fail at once (the server folder is a file) and failing count
    as a problem from the first failure (``[status] upload_failing_after = 0``)."""
    import shutil

    with chain.config.open("a", encoding="utf-8") as config:
        config.write("\n[status]\nupload_failing_after = 0\n")
    shutil.rmtree(chain.server)
    chain.server.write_text("not a folder", encoding="utf-8")
    assert chain.run("startup").exit_code == 1
    assert chain.run("outbox", "upload").exit_code == 1


def error_line(stderr: str) -> str:
    """The one error line of a refusal; fails if there is more or a traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def make_chain(root: Path, monkeypatch: pytest.MonkeyPatch, store: str | None = None) -> Chain:
    """A configured chain in *root* (its store: *store*, else a SQLite file there), with
    master data imported through ``amparex masterdata import``."""
    root.mkdir()
    (root / "amparex.toml").write_text(CONFIG, encoding="utf-8")
    (root / "bundle.toml").write_text(BUNDLE, encoding="utf-8")
    for folder in ("outbox", "server", "vendor"):
        (root / folder).mkdir(mode=0o700)  # owner only, or the command warns (OP6)
    monkeypatch.chdir(root)
    for variable in _LOCALE:
        monkeypatch.delenv(variable, raising=False)
    chain = Chain(root)
    if store is not None:
        chain.use_store(store)
    chain.ok("masterdata", "import", str(root / "bundle.toml"))
    return chain


def _no_key_shown(chain: Chain) -> None:
    for output in chain.outputs:
        assert CARD_KEY not in output, "CO1: the card key was printed"


@pytest.fixture
def chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Chain]:
    """A configured chain with master data imported through ``amparex masterdata import``."""
    made = make_chain(tmp_path / "chain", monkeypatch)
    yield made
    _no_key_shown(made)


@pytest.fixture
def pg_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str) -> Iterator[Chain]:
    """The ``chain`` on PostgreSQL: a fresh schema of the test cluster (``pg_url``)."""
    made = make_chain(tmp_path / "chain", monkeypatch, pg_url)
    yield made
    _no_key_shown(made)


def add_card_ordering(chain: Chain, *extra: str) -> str:
    """Configure chain-wide card ordering; returns the new ID."""
    return chain.ok(
        "interfaces", "add", "card-order", "--contract", "KV-4711", "--customer-number",
        "AX-100", *extra,
    ).stdout.strip()  # fmt: skip


def add_loyalty_lab(chain: Chain, *extra: str) -> str:
    """Configure Loyalty Lab on KASSE-1 with all four statistics; returns the new ID."""
    return chain.ok(
        "interfaces", "add", "loyalty-lab", "--customer-number", "4711",
        "--directory", str(chain.outbox), "--customers", "ST-CUSTOMERS",
        "--glasses", "ST-GLASSES", "--contact-lenses", "ST-LENSES",
        "--hearing-aids", "ST-AIDS", *extra,
    ).stdout.strip()  # fmt: skip


def add_templates(chain: Chain, names: Sequence[str] = ("BASIS", "GOLD")) -> None:
    """BASIS (weekly, to the ordering branch) and GOLD (daily, to the customer)."""
    if "BASIS" in names:
        chain.ok("templates", "add", "BASIS", "--document", "DOC-CARD")
    if "GOLD" in names:
        chain.ok(
            "templates", "add", "GOLD", "--document", "DOC-CARD", "--cover-letter",
            "DOC-LETTER", "--ship-to", "customer", "--interval", "daily", "--card-type",
            "nfc-rfid", "--gift-box", "--validity-required", "--comment", "Willkommen",
        )  # fmt: skip
