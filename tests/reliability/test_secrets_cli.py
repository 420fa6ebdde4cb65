"""CO1 and issue 8 (secrets): no command of ``amparex`` shows a secret, on success or failure.

Every secret the system has gets a distinctive known value (tests/reliability/_secrets.py):
the card contract key, the upload password and key passphrase, the SMTP password, the
parcel password and passphrase, and a PostgreSQL password (test_secrets_peers.py). The
click tree is walked, so a new command is covered automatically: every command and group
runs with ``--help``; every command must have a real invocation in :data:`SCRIPT` (the
test fails naming a command that has none, and one that has no failing invocation) and
additionally runs through five generic error paths (secrets file missing, world-readable,
not TOML with the secret on the bad line, with an unknown key, with a non-string value),
in English, in German (``--lang de``) and with ``--debug``. The script itself runs each
command's success path and specific error paths against real peers (asyncssh SFTP with a
wrong password, aiosmtpd SMTP with a wrong password, a non-ASCII one among them), bad
configurations (a PostgreSQL URL with its password and a typo, the key pasted into
``chain.time_zone``, a store folder that does not exist) and ``outbox watch`` as a real
process stopped by SIGTERM. A hypothesis test pastes a secret into any key of the
configuration: ``config show`` and a command either refuse it or show it masked. And a
statistic template whose SQL reads the store's interface settings (where the key lives)
is refused on SQLite, so the key never reaches an export file or the Loyalty Lab server.

Proven: the values — raw, URL-encoded, base64 (also inside an ``AUTH PLAIN`` blob),
``repr``/JSON escaped, or their distinctive core — appear in no stdout, no stderr, no log
record (a DEBUG handler on the root logger catches paramiko, psycopg and the library),
no file under the run's folder (outbox exports, parcels, the demo, PDFs with their
streams inflated and their text extracted), no file on the SFTP server and no received
e-mail (every MIME part decoded) — and not in the store's database files either (the
database, its ``-wal`` and ``-shm``): the store keeps a reference to the key, never the
key (OP6). The demo makes a chain with a random key of its own: its secrets file is left
out (it holds the key on purpose), and that key is looked for everywhere else (the
demo's store, its outputs, runs on it).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from amparex_adapters.cli.app import cli
from tests.cli.chain import environment, smtp_delivery_body
from tests.plugins.sftp_servers import ASYNCSSH_PASSWORD
from tests.plugins.smtp_server import SMTP_PASSWORD, SMTP_USER

from ._secrets import (
    CARD_KEY,
    PARCEL_PASSPHRASE,
    PARCEL_PASSWORD_WRONG,
    PG_PASSWORD,
    PG_USER,
    SMTP_PASSWORD_WRONG,
    UPLOAD_PASSPHRASE,
    UPLOAD_PASSWORD_WRONG,
    Known,
    LeakScan,
    LogCapture,
)
from ._secrets_chain import LATER, Outcome, SecretsChain, toml_string, write_secrets

pytestmark = pytest.mark.integration

KNOWN = [
    Known("card_key", CARD_KEY),
    Known("upload_password", ASYNCSSH_PASSWORD, user="amparex"),
    Known("upload_password_wrong", UPLOAD_PASSWORD_WRONG, user="amparex"),
    Known("upload_passphrase", UPLOAD_PASSPHRASE),
    Known("smtp_password", SMTP_PASSWORD, user=SMTP_USER),
    Known("smtp_password_wrong", SMTP_PASSWORD_WRONG, user=SMTP_USER),
    Known("parcel_password", PARCEL_PASSWORD_WRONG),
    Known("parcel_passphrase", PARCEL_PASSPHRASE),
    Known("pg_password", PG_PASSWORD),
]


def command_paths(
    command: click.Command, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], bool]]:
    """Every command and group below *command*: (path, is_group)."""
    if isinstance(command, click.Group):
        if prefix:
            yield prefix, True
        for name, sub in command.commands.items():
            yield from command_paths(sub, (*prefix, name))
    else:
        yield prefix, False


LEAVES = [path for path, group in command_paths(cli) if not group]

# One step: (argv, environment changes, expected exit status). "{...}" is filled from
# the chain's facts when the step runs; a command of the tree without a step fails the test.
Step = tuple[tuple[str, ...], dict[str, str | None], int]
WRONG_SMTP: dict[str, str | None] = {"AMPAREX_SMTP_PASSWORD": SMTP_PASSWORD_WRONG}
WRONG_UPLOAD: dict[str, str | None] = {"AMPAREX_UPLOAD_PASSWORD": UPLOAD_PASSWORD_WRONG}
NO_CARD_KEY_ANYWHERE: dict[str, str | None] = {
    "AMPAREX_CARD_KEY": None,
    "AMPAREX_SECRETS_FILE": "{empty_secrets}",
}

SCRIPT: list[Step] = [
    (("masterdata", "import", "{bundle}"), {}, 0),
    (("masterdata", "import", "{run}/no-such-bundle.toml"), {}, 2),
    (("masterdata", "list", "customers", "--search", "erika", "--json"), {}, 0),
    (("--lang", "de", "masterdata", "list", "customers"), {"CONFIG": "{typo_url_config}"}, 1),
    (("db", "status"), {}, 0),
    (("db", "status", "--json"), {}, 0),
    (("--debug", "db", "status"), {"CONFIG": "{typo_url_config}"}, 1),
    (("db", "upgrade"), {}, 0),
    (("--lang", "de", "db", "upgrade", "--json"), {"CONFIG": "{typo_url_config}"}, 1),
    (("interfaces", "add", "card-order", "--contract", "KV-4711",
      "--customer-number", "AX-100"), {}, 0),
    (("interfaces", "add", "card-order", "--contract", "KV-1"), {}, 1),
    (("--lang", "de", "interfaces", "add", "card-order", "--contract", "KV-2",
      "--branch", "F02"), NO_CARD_KEY_ANYWHERE, 1),
    (("interfaces", "add", "loyalty-lab", "--customer-number", "4711", "--directory", "{outbox}",
      "--customers", "ST-CUSTOMERS", "--glasses", "ST-GLASSES", "--contact-lenses", "ST-LENSES",
      "--hearing-aids", "ST-AIDS"), {}, 0),
    (("interfaces", "add", "loyalty-lab", "--customer-number", "4711", "--directory",
      "relative/dir", "--customers", "ST-CUSTOMERS"), {}, 1),
    (("interfaces", "list"), {}, 0),
    (("interfaces", "list", "--json"), {}, 0),
    (("--lang", "de", "interfaces", "list", "--kind", "card-order"), {}, 0),
    (("interfaces", "list", "--kind", "bogus"), {}, 2),
    (("interfaces", "update", "{card_interface}", "--contract", "KV-4711", "--new-key",
      "--customer-number", "AX-100"), {}, 0),
    (("--lang", "de", "interfaces", "update", "{card_interface}", "--contract", "KV-5"),
     NO_CARD_KEY_ANYWHERE, 1),
    (("interfaces", "move-keys", "--dry-run"), {}, 0),
    (("interfaces", "move-keys"), NO_CARD_KEY_ANYWHERE, 1),
    # a contactless card: the scripted reader's card is one (CR6)
    (("templates", "add", "BASIS", "--document", "DOC-CARD", "--card-type", "nfc-rfid"), {}, 0),
    (("templates", "add", "BASIS", "--document", "DOC-CARD"), {}, 1),
    (("templates", "update", "BASIS", "--comment", "neu"), {}, 0),
    (("templates", "update", "PLATIN", "--comment", "neu"), {}, 1),
    (("templates", "list"), {}, 0),
    (("templates", "list", "--json"), {}, 0),
    (("templates", "list"), {"CONFIG": "{missing_store_config}"}, 1),
    (("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1"), {}, 0),
    (("orders", "place", "--template", "BASIS", "--holder", "NOBODY", "--process", "P9"), {}, 1),
    (("orders", "list"), {}, 0),
    (("orders", "list", "--json"), {}, 0),
    (("orders", "list", "--status", "bogus"), {}, 2),
    (("--debug", "orders", "list"), {"CONFIG": "{typo_url_config}"}, 1),
    (("orders", "dispatch", "--now", LATER), WRONG_SMTP, 1),
    (("--debug", "orders", "dispatch", "--now", LATER), WRONG_SMTP, 1),
    (("--lang", "de", "orders", "dispatch", "--now", LATER, "--json"), WRONG_SMTP, 1),
    (("orders", "dispatch", "--now", LATER), {}, 0),
    (("serve", "--once"), {}, 0),
    (("--debug", "serve", "--once"), {"CONFIG": "{typo_url_config}"}, 1),
    (("status",), {}, 0),
    (("status", "--json", "--notify"), {}, 0),
    (("--debug", "--lang", "de", "status", "--json"), {"CONFIG": "{typo_url_config}"}, 1),
    (("orders", "cancel", "{first_order}"), {}, 1),
    (("orders", "place", "--template", "BASIS", "--holder", "K2", "--process", "P2"), {}, 0),
    (("orders", "cancel", "{last_order}"), {}, 0),
    (("interfaces", "request-information", "--contact-name", "Jana Kasse",
      "--email", "jana@example.org"), WRONG_SMTP, 1),
    (("--debug", "--lang", "de", "interfaces", "request-information", "--contact-name", "J",
      "--email", "j@example.org"), WRONG_SMTP, 1),
    (("interfaces", "request-information", "--contact-name", "Jana Kasse",
      "--email", "jana@example.org"), {}, 0),
    (("startup",), {}, 0),
    (("startup", "--json"), {}, 0),
    (("outbox", "upload"), {}, 0),
    (("outbox", "upload"), {**WRONG_UPLOAD, "NEW_OUTBOX_FILE": "late-1.csv"}, 1),
    (("--debug", "outbox", "upload", "--json"), WRONG_UPLOAD, 1),
    (("--lang", "de", "startup"), WRONG_UPLOAD, 1),
    (("outbox", "watch", "--interval", "0.1"), {"WATCH": "1", "NEW_OUTBOX_FILE": "late-2.csv"}, 0),
    (("outbox", "watch", "--interval", "0.1"), {"CONFIG": "{no_upload_config}"}, 1),
    (("outbox", "list"), {}, 0),
    (("outbox", "list", "--json", "--limit", "2"), {}, 0),
    (("--debug", "outbox", "list"), {"CONFIG": "{typo_url_config}"}, 1),
    (("orders", "list", "--limit", "1", "--json"), {}, 0),
    (("outbox", "purge", "--older-than", "30", "--json"), {}, 0),
    (("--lang", "de", "outbox", "purge", "--dry-run"), {"CONFIG": "{no_upload_config}"}, 1),
    (("cards", "list", "--json"), {}, 0),
    (("cards", "list"), {}, 0),
    (("--lang", "de", "cards", "list"), {"CONFIG": "{typo_url_config}"}, 1),
    (("cards", "register", "{card}", "04A22B9C"), {}, 0),
    (("cards", "register", "{card}", "04A22B9D"), {}, 1),
    (("cards", "identify", "04A22B9C"), {}, 0),
    (("cards", "identify", "FFFFFFFF"), {}, 1),
    (("cards", "read"), {}, 0),
    (("--debug", "cards", "read", "--reader", "nfc:/nonexistent/reader",
      "--timeout", "0.1"), {}, 1),
    (("cards", "encode", "{card}"), {}, 0),
    (("cards", "encode", "0000"), {}, 1),
    (("cards", "invalidate", "{card}"), {}, 0),
    (("--lang", "de", "cards", "invalidate", "99999"), {}, 1),
    (("config", "show"), {}, 0),
    (("config", "show", "--json"), {}, 0),
    (("config", "show"), {"CONFIG": "{typo_url_config}"}, 0),
    (("config", "show"), {"CONFIG": "{key_in_config}"}, 1),
    (("--lang", "de", "--debug", "orders", "list"), {"CONFIG": "{key_in_config}"}, 1),
    (("--lang", "de", "config", "show"), {"CONFIG": "{bad_config}"}, 1),
    (("templates", "remove", "BASIS"), {}, 0),
    (("templates", "remove", "BASIS"), {}, 1),
    (("interfaces", "remove", "{card_interface}"), {}, 0),
    (("interfaces", "remove", "{card_interface}"), {}, 1),
    (("demo", "{run}/demo", "--customers", "30"), {}, 0),
    (("demo", "{run}/foreign", "--customers", "30"), {}, 1),
]  # fmt: skip


def _path_of(argv: tuple[str, ...]) -> tuple[str, ...]:
    """The command path of an argv (global options skipped)."""
    words: list[str] = []
    node: click.Command = cli
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("--lang", "--config"):
            skip = True
            continue
        if arg.startswith("-"):
            continue
        if isinstance(node, click.Group) and arg in node.commands:
            words.append(arg)
            node = node.commands[arg]
        else:
            break
    return tuple(words)


def test_CO1_the_script_runs_every_command_of_the_tree() -> None:
    """Each leaf command has a successful step in the script: a new command fails here."""
    succeeding = {_path_of(argv) for argv, _env, code in SCRIPT if code == 0}
    failing = {_path_of(argv) for argv, _env, code in SCRIPT if code != 0}
    assert len(LEAVES) >= 20
    assert [" ".join(p) for p in LEAVES if p not in succeeding] == []
    assert [" ".join(p) for p in LEAVES if p not in failing] == []


def _sftp_section(server: Any, inbox: Path) -> str:
    return f"""
[loyalty_lab.upload]
kind = "sftp"
host = "{server.host}"
port = {server.port}
username = "{server.username}"
known_hosts = "{server.known_hosts}"
remote_dir = "{server.remote(inbox)}"
timeout = 10.0
"""


def _smtp_section(server: Any) -> str:
    return "\n[card_order.delivery]" + smtp_delivery_body(server)


def _watch(
    chain: SecretsChain, argv: list[str], env: dict[str, str | None], inbox: Path, name: str
) -> Outcome:
    """Run ``outbox watch`` as a process until *name* arrived on the server, then SIGTERM."""
    full = [sys.executable, "-m", "amparex_adapters.cli", "--config", str(chain.config), *argv]
    watcher = subprocess.Popen(
        full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=environment({**chain.env, **env}), cwd=chain.run_dir,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (inbox / name).exists() and time.monotonic() < deadline:
            if watcher.poll() is not None:
                break
            time.sleep(0.05)
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.communicate()
    assert (inbox / name).exists(), err
    return chain.record(full, watcher.returncode, out.decode(), err.decode())


def _facts(chain: SecretsChain, step_outcomes: list[Outcome]) -> dict[str, str]:
    facts = {
        "bundle": str(chain.bundle),
        "run": str(chain.run_dir),
        "outbox": str(chain.outbox),
        "empty_secrets": str(chain.private / "empty-secrets.toml"),
        "no_upload_config": str(chain.private / "no-upload.toml"),
        "bad_config": str(chain.private / "bad.toml"),
        "missing_store_config": str(chain.private / "missing-store.toml"),
        "typo_url_config": str(chain.private / "typo-url.toml"),
        "key_in_config": str(chain.private / "key-in-config.toml"),
    }
    for outcome in step_outcomes:
        placed = re.match(r"^(\S+) placed: card (\d+)", outcome.stdout)
        if placed:
            facts.setdefault("first_order", placed[1])
            facts["last_order"] = placed[1]
            facts.setdefault("card", placed[2])
        if outcome.argv[2:5] == ["interfaces", "add", "card-order"] and outcome.code == 0:
            facts["card_interface"] = outcome.stdout.strip()
    return facts


def _fill(args: tuple[str, ...], facts: dict[str, str]) -> list[str]:
    return [re.sub(r"\{(\w+)\}", lambda m: facts[m[1]], a) for a in args]


@pytest.mark.timeout(150)
def test_CO1_every_command_success_and_error_paths_show_no_secret(
    tmp_path: Path, asyncssh_server: Any, smtp_server: Any
) -> None:
    """CO1: every command (help, script, generic errors) leaves no secret anywhere."""
    chain = SecretsChain(tmp_path)
    inbox = asyncssh_server.folder(f"secrets-{os.getpid()}-{tmp_path.name}")
    secrets_file = write_secrets(
        chain.private / "secrets.toml", {"card_key": CARD_KEY, "smtp_password": SMTP_PASSWORD}
    )
    write_secrets(chain.private / "empty-secrets.toml", {})
    chain.env.update(
        {
            "AMPAREX_UPLOAD_PASSWORD": ASYNCSSH_PASSWORD,
            "AMPAREX_UPLOAD_PASSPHRASE": UPLOAD_PASSPHRASE,
            "AMPAREX_PARCEL_PASSWORD": PARCEL_PASSWORD_WRONG,
            "AMPAREX_PARCEL_PASSPHRASE": PARCEL_PASSPHRASE,
            "PGPASSWORD": PG_PASSWORD,
        }
    )
    sections = (_sftp_section(asyncssh_server, inbox), _smtp_section(smtp_server))
    chain.configure(*sections, secrets=secrets_file)
    base_config = chain.config.read_text(encoding="utf-8")
    chain.configure(sections[1], secrets=secrets_file, path=chain.private / "no-upload.toml")
    # A bad configuration whose wrong value is a secret pasted into the wrong key.
    (chain.private / "bad.toml").write_text(
        base_config.replace("timeout = 10.0", f"timeout = {toml_string(ASYNCSSH_PASSWORD)}", 1),
        encoding="utf-8",
    )
    chain.configure(
        *sections,
        storage=f'path = "{chain.run_dir}/no-such-folder/amparex.sqlite"',
        secrets=secrets_file,
        path=chain.private / "missing-store.toml",
    )
    # A PostgreSQL URL with its password and a typo in the scheme (one slash).
    typo = f"postgresql:/{PG_USER}:{quote(PG_PASSWORD, safe='')}@127.0.0.1:1/amparex"
    chain.configure(
        *sections,
        storage=f"url = {toml_string(typo)}",
        secrets=secrets_file,
        path=chain.private / "typo-url.toml",
    )
    # The card key pasted into a key whose wrong value the error names.
    (chain.private / "key-in-config.toml").write_text(
        base_config.replace('"Europe/Berlin"', toml_string(CARD_KEY)), encoding="utf-8"
    )
    (chain.run_dir / "foreign").mkdir()
    (chain.run_dir / "foreign" / "amparex.toml").write_text("# not the demo's\n", encoding="utf-8")
    capture = LogCapture()
    with capture.attached():
        for path, _group in command_paths(cli):
            assert chain.cli(*path, "--help").code == 0, path
        assert chain.cli("--help").code == 0
        done: list[Outcome] = []
        for argv, env_changes, expected in SCRIPT:
            facts = _facts(chain, done)
            env = {
                k: (None if v is None else _fill((v,), facts)[0]) for k, v in env_changes.items()
            }
            named = env.pop("CONFIG", None)
            config = Path(named) if named else None
            new_file = env.pop("NEW_OUTBOX_FILE", None)
            if new_file:
                (chain.outbox / new_file).write_bytes(b"kunden_nr\r\nK9\r\n")
            if env.pop("WATCH", None):
                outcome = _watch(chain, _fill(argv, facts), env, inbox, new_file or "")
            else:
                outcome = chain.cli(*_fill(argv, facts), env=env, config=config)
            done.append(outcome)
            assert outcome.code == expected, (argv, outcome.stdout, outcome.stderr)
            if expected == 1:
                assert "amparex: error [" in outcome.stderr, (argv, outcome.stderr)
                assert "[internal]" not in outcome.stderr, (argv, outcome.stderr)
                assert "Traceback" not in outcome.stderr or "--debug" in argv, outcome.stderr
        _generic_error_paths(chain, secrets_file)
        demo = chain.run_dir / "demo"
        for args in (("interfaces", "list"), ("config", "show", "--json"), ("startup",)):
            assert chain.cli(*args, config=demo / "amparex.toml").code == 0, args
    assert len(smtp_server.messages) >= 2  # the batch and the information request
    assert len(list(inbox.iterdir())) >= 5
    # The demo made a key of its own (in its 0600 secrets file and its store): not shown.
    demo_key = tomllib.loads((demo / "secrets.toml").read_text(encoding="utf-8"))["card_key"]
    scan = LeakScan([*KNOWN, Known("demo_card_key", demo_key)])
    for outcome in chain.outcomes:
        where = " ".join(outcome.argv[2:])
        scan.text(outcome.stdout, f"stdout of {where}")
        scan.text(outcome.stderr, f"stderr of {where}")
    scan.text("\n".join(capture.lines), "log records")
    written = scan.tree(chain.run_dir, exclude=[demo / "secrets.toml"])
    assert {*chain.store_files[:1], demo / "amparex.sqlite"} <= set(written)  # OP6
    assert sum(p.suffix == ".csv" for p in written) >= 4
    scan.tree(inbox)
    for index, mail in enumerate(smtp_server.messages):
        scan.mail(mail.content, f"e-mail {index}")
    scan.assert_clean()


def _generic_error_paths(chain: SecretsChain, secrets_file: Path) -> None:
    """Every command with a missing, a world-readable and a broken secrets file."""
    readable = write_secrets(
        chain.private / "readable-secrets.toml",
        {
            "card_key": CARD_KEY,
            "smtp_password": SMTP_PASSWORD,
            "upload_password": ASYNCSSH_PASSWORD,
        },
        mode=0o644,
    )
    broken = chain.private / "broken-secrets.toml"
    broken.write_text(
        f"card_key = {CARD_KEY}\nsmtp_password = '{SMTP_PASSWORD}\n", encoding="utf-8"
    )
    broken.chmod(0o600)
    unknown = write_secrets(chain.private / "unknown-secrets.toml", {"card-key": CARD_KEY})
    typed = chain.private / "typed-secrets.toml"
    typed.write_text(f"card_key = [{toml_string(CARD_KEY)}]\n", encoding="utf-8")
    typed.chmod(0o600)
    variants: list[tuple[tuple[str, ...], dict[str, str | None]]] = [
        ((), {"AMPAREX_SECRETS_FILE": str(chain.private / "missing-secrets.toml")}),
        (("--lang", "de"), {"AMPAREX_SECRETS_FILE": str(readable)}),
        (("--debug",), {"AMPAREX_SECRETS_FILE": str(broken)}),
        (("--debug", "--lang", "de"), {"AMPAREX_SECRETS_FILE": str(unknown)}),
        ((), {"AMPAREX_SECRETS_FILE": str(typed)}),
    ]
    first_step: dict[tuple[str, ...], tuple[str, ...]] = {}
    for argv, _env, _code in SCRIPT:
        first_step.setdefault(_path_of(argv), argv)
    facts = _facts(chain, [])
    facts.update(card="927600000001", first_order="O1", last_order="O1", card_interface="X")
    for path in LEAVES:
        if path == ("demo",):
            continue  # the demo builds its own chain; it reads no secrets of ours
        args = _fill(first_step[path], facts)
        for options, env in variants:
            outcome = chain.cli(*options, *args, env=env)
            assert outcome.code == 1, (path, options, outcome.stdout, outcome.stderr)
            assert "amparex: error [config." in outcome.stderr, outcome.stderr
    assert secrets_file.exists()


_PASTED_INTO = [
    ("chain", "time_zone"),
    ("chain", "card_number_prefix"),
    ("chain.prices", "card_chip"),
    ("reader", "default"),
    ("workstation", "name"),
    ("loyalty_lab.upload", "username"),
    ("loyalty_lab.upload", "remote_dir"),
    ("storage", "url"),
    ("statistics", "url"),
    ("secrets", "file"),
]


@pytest.mark.timeout(120)
@given(
    tail=st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=3, max_size=16
    ),
    where=st.sampled_from(_PASTED_INTO),
    from_file=st.booleans(),
    options=st.sampled_from([(), ("--debug",), ("--lang", "de"), ("--json",)]),
)
def test_CO1_a_secret_pasted_into_any_key_of_the_configuration_is_never_shown(
    tail: str, where: tuple[str, str], from_file: bool, options: tuple[str, ...]
) -> None:
    """CO1: a secret value in the wrong key of the configuration: refused or shown, masked.

    The secret comes from the environment or from the secrets file the configuration
    names; ``config show`` (and ``orders list``) either refuse the configuration or show
    it — in neither case does any form of the value appear.
    """
    # Pasted over the name of the secrets file, the secret is known nowhere: no case.
    assume(not (from_file and where == ("secrets", "file")))
    value = "Sx9-" + tail
    with tempfile.TemporaryDirectory() as folder:
        chain = SecretsChain(Path(folder))
        secrets = write_secrets(chain.private / "secrets.toml", {"upload_password": value})
        sections = {
            "loyalty_lab.upload": {"kind": "folder", "folder": str(chain.outbox)},
            "statistics": {},
        }
        section, key = where
        sections.setdefault(section, {})[key] = value
        body = "".join(
            f"[{name}]\n" + "".join(f"{k} = {toml_string(v)}\n" for k, v in keys.items())
            for name, keys in sections.items()
            if name not in ("chain", "chain.prices", "reader", "workstation", "storage", "secrets")
        )
        extra = {name: keys for name, keys in sections.items() if name in _BASE_SECTIONS}
        chain.configure(body, secrets=secrets if from_file else None)
        text = chain.config.read_text(encoding="utf-8")
        for name, keys in extra.items():
            for k, v in keys.items():
                text = _set_key(text, name, k, v)
        chain.config.write_text(text, encoding="utf-8")
        env = {} if from_file else {"AMPAREX_UPLOAD_PASSWORD": value}
        json_option = ("--json",) if "--json" in options else ()
        global_options = tuple(o for o in options if o != "--json")
        shown = chain.cli(*global_options, "config", "show", *json_option, env=env)
        listed = chain.cli(*global_options, "templates", "list", env=env)
        scan = LeakScan([Known("pasted", value)])
        for outcome in (shown, listed):
            scan.text(outcome.stdout + outcome.stderr, " ".join(outcome.argv[2:]))
        scan.assert_clean()


_BASE_SECTIONS = ("chain", "chain.prices", "reader", "workstation", "storage", "secrets")


def _set_key(text: str, section: str, key: str, value: str) -> str:
    """*text* (the chain's TOML) with ``key = value`` set in ``[section]``."""
    header = f"[{section}]\n"
    line = f"{key} = {toml_string(value)}\n"
    if header not in text:
        return text + "\n" + header + line
    start = text.index(header) + len(header)
    end = text.find("\n[", start)
    end = len(text) if end < 0 else end + 1
    block = re.sub(rf"(?m)^{re.escape(key)} = .*\n", "", text[start:end])
    return text[:start] + line + block + text[end:]


_PRYING = [
    "SELECT data FROM interfaces",
    "SELECT * FROM interfaces",
    "WITH i AS (SELECT kind, data FROM main.interfaces) SELECT substr(data, 1) AS x FROM i",
    "SELECT (SELECT group_concat(data) FROM interfaces) AS x",
]


@pytest.mark.parametrize("query", _PRYING)
def test_CO1_a_statistic_template_cannot_export_the_stored_key(tmp_path: Path, query: str) -> None:
    """CO1: a statistic query on the store's own database never reads the contract key.

    Statistic templates come with the master data; by default they run on the store's
    SQLite file, where the card-order settings (with the key) live. A query that reads
    them is refused (``statistic.failed``): no export file, nothing uploaded.
    """
    chain = SecretsChain(tmp_path)
    server = chain.run_dir / "server"
    server.mkdir()
    chain.bundle.write_text(
        chain.bundle.read_text(encoding="utf-8")
        + f'\n[[statistic_templates]]\nid = "ST-PRY"\nname = "Neugier"\nfile_format = "csv"\n'
        f"query = {toml_string(query)}\n",
        encoding="utf-8",
    )
    chain.configure(f'[loyalty_lab.upload]\nkind = "folder"\nfolder = "{server}"\n')
    env = {"AMPAREX_CARD_KEY": CARD_KEY}
    assert chain.cli("masterdata", "import", str(chain.bundle), env=env).code == 0
    assert chain.cli("interfaces", "add", "card-order", "--contract", "KV-1", env=env).code == 0
    added = chain.cli(
        "interfaces", "add", "loyalty-lab", "--customer-number", "4711", "--directory",
        str(chain.outbox), "--customers", "ST-PRY", env=env,
    )  # fmt: skip
    assert added.code == 0, added.stderr
    started = chain.cli("startup", env=env)
    assert started.code == 1, started.stdout
    assert "[statistic.failed]" in started.stderr, started.stderr
    scan = LeakScan([Known("card_key", CARD_KEY)])
    for outcome in chain.outcomes:
        scan.text(outcome.stdout + outcome.stderr, " ".join(outcome.argv[2:]))
    assert chain.store_files[0] in scan.tree(chain.run_dir)  # OP6: the store too
    scan.assert_clean()


def test_CO1_the_guard_is_for_the_store_only_a_host_database_is_queried_freely(
    tmp_path: Path,
) -> None:
    """A host application's own database may have an ``interfaces`` table: it is read."""
    import sqlite3

    chain = SecretsChain(tmp_path)
    host_db = chain.run_dir / "host.sqlite"
    with sqlite3.connect(host_db) as db:
        db.execute("CREATE TABLE interfaces (data TEXT)")
        db.execute("INSERT INTO interfaces VALUES ('host-row')")
    db.close()
    chain.bundle.write_text(
        chain.bundle.read_text(encoding="utf-8")
        + '\n[[statistic_templates]]\nid = "ST-HOST"\nname = "Host"\nfile_format = "csv"\n'
        'query = "SELECT data FROM interfaces"\n',
        encoding="utf-8",
    )
    chain.configure(f'[statistics]\nurl = "sqlite:///{host_db}"\n')
    env = {"AMPAREX_CARD_KEY": CARD_KEY}
    assert chain.cli("masterdata", "import", str(chain.bundle), env=env).code == 0
    added = chain.cli(
        "interfaces", "add", "loyalty-lab", "--customer-number", "4711", "--directory",
        str(chain.outbox), "--customers", "ST-HOST", env=env,
    )  # fmt: skip
    assert added.code == 0, added.stderr
    started = chain.cli("startup", env=env)
    assert started.code == 0, started.stderr
    (export,) = chain.outbox.iterdir()
    assert b"host-row" in export.read_bytes()
