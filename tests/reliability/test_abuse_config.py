"""Abuse of the ``amparex`` configuration: arbitrary TOML built from the real schema.

Proven here, for documents that mix valid values of every key with values of the wrong
type, unknown keys and sections, NUL characters, non-finite numbers and huge nesting:

* :func:`~amparex_adapters.cli.config.load_config` either returns a configuration or
  raises ``config.invalid`` naming the key at fault (never another exception);
* an accepted configuration can be used: its URLs, its secrets, its storage, deliveries
  and reader are built or refused with a coded error;
* the command (click's runner and a real process) answers a bad configuration with exit
  status 1 and one line ``amparex: error [CODE]: …`` on stderr, never ``[internal]`` and
  never a traceback;
* the secrets file is refused with a coded error when broken or accessible to others, and
  its values never appear in the refusal.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from amparex_adapters.cli.app import cli
from amparex_adapters.cli.compose import Composition
from amparex_adapters.cli.config import Config, Secrets, load_config
from amparex_adapters.cli.errors import ConfigInvalid
from amparex_core.domain.errors import AmparexError
from tests.words import assert_plain

from ._abuse import assert_refusal, outcome, toml_document

# ------------------------------------------------------------------ the schema

junk = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.booleans(),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.lists(st.integers(0, 9) | st.text(max_size=4), max_size=3),
    st.dictionaries(st.text("abc_", min_size=1, max_size=4), st.integers(0, 9), max_size=2),
)
"""A value of any TOML type."""

texts = st.text(max_size=16)
positive = st.floats(min_value=0.001, max_value=120) | st.integers(1, 100)

_DELIVERY: dict[str, st.SearchStrategy[Any]] = {
    "kind": st.sampled_from(["folder", "sftp", "ftp", "ftps", "smtp", "files", "bogus", ""]),
    "folder": st.sampled_from(["out", "/tmp/amparex-abuse-outbox", "~/x", "", "a\x00b"]),
    "host": st.sampled_from(["127.0.0.1", "", "[::1", "h" * 300]),
    "port": st.integers(-1, 70000),
    "username": texts,
    "remote_dir": texts,
    "known_hosts": texts,
    "host_key_fingerprint": st.sampled_from(["SHA256:abc", "nonsense", ""]),
    "accept_new_host_key": st.booleans(),
    "key_file": texts,
    "ca_file": texts,
    "allow_plain": st.booleans(),
    "transport": st.sampled_from(["folder", "sftp", "ftp", "ftps", "smtp", "x"]),
    "security": st.sampled_from(["starttls", "tls", "plain", "ssl"]),
    "sender": st.sampled_from(["filiale@example", "", "no at sign"]),
    "recipients": st.lists(st.sampled_from(["karten@example", "", "x"]), max_size=3),
    "timeout": st.floats() | st.integers(-5, 100),
}

SCHEMA: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "storage": {
        "url": st.sampled_from(
            [
                "memory://",
                "sqlite://",
                "sqlite:///relative.sqlite",
                "ftp://x",
                "nonsense",
                "",
                "sqlite:///%00",
            ]
        ),
        "path": st.sampled_from(
            ["amparex.sqlite", "sub/db.sqlite", "missing/db.sqlite", "", "a\x00b"]
        ),
    },
    "statistics": {"url": st.sampled_from(["memory://", "sqlite://", "x", ""])},
    "chain": {
        "name": texts,
        "time_zone": st.sampled_from(
            ["Europe/Berlin", "UTC", "Mars/Olympus", "", "../etc", "a\x00"]
        ),
        "card_number_prefix": st.sampled_from(["9276", "", "12a", "١٢", "9" * 20]),
        "card_number_length": st.integers(-3, 40),
        "prices": st.fixed_dictionaries(
            {},
            optional={
                "currency": st.sampled_from(["EUR", "eur", "EURO", "€€€", ""]),
                "card_chip": st.sampled_from(["2.50", "-1", "NaN", "1e999999", "viel", 3, 2.5])
                | junk,
                "gift_box": st.sampled_from(["4.00", "Infinity", "0", 10**30]) | junk,
            },
        ),
    },
    "workstation": {"name": texts, "branch": texts},
    "loyalty_lab": {"upload": st.fixed_dictionaries({}, optional=_DELIVERY)},
    "card_order": {
        "renderer": st.sampled_from(["pdf", "text", "word"]),
        "delivery": st.fixed_dictionaries({}, optional=_DELIVERY),
    },
    "reader": {
        "default": st.sampled_from(
            ["pcsc", "pcsc:X", "nfc:", "nfc:udp:127.0.0.1:1", "scripted", "scripted:x", "usb"]
        ),
        "timeout": st.floats() | st.integers(-1, 5),
        "scripted_uid": st.sampled_from(["04A22B9C", "zz", "", "0" * 5000]) | texts,
        "scripted_card_number": texts,
    },
    "secrets": {"file": st.sampled_from(["secrets.toml", "missing.toml", "/", "", "a\x00b"])},
}


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A configuration document: known keys with good or wrong values, plus strangers."""
    document: dict[str, Any] = {}
    for section in draw(st.lists(st.sampled_from(sorted(SCHEMA)), unique=True, max_size=4)):
        if draw(st.integers(0, 19)) == 0:
            document[section] = draw(junk)  # a section that is not a table
            continue
        table: dict[str, Any] = {}
        for key in draw(st.lists(st.sampled_from(sorted(SCHEMA[section])), unique=True)):
            table[key] = (
                draw(SCHEMA[section][key] | junk)
                if draw(st.booleans())
                else draw(SCHEMA[section][key])
            )
        if draw(st.integers(0, 7)) == 0:
            table[draw(st.text("xyz_", min_size=1, max_size=5))] = draw(junk)
        document[section] = table
    if draw(st.integers(0, 19)) == 0:
        document[draw(st.sampled_from(["bogus", "Storage", "secret"]))] = {"x": 1}
    return document


def _use(config: Config, root: Path) -> None:
    """Build what the configuration describes; each part works or refuses with a code."""
    _ = config.storage_url, config.statistics_url, config.workstation_name, config.label
    secrets = outcome(lambda: Secrets(config, environ={}), config.secrets)
    if isinstance(secrets, AmparexError):
        return
    app = Composition(config, secrets)
    found: list[object] = []
    try:
        if not config.storage_url.startswith(("postgres", "sqlite:///relative")):
            found.append(outcome(lambda: app.storage, config.storage))
        found.append(outcome(lambda: app.upload_delivery, config.loyalty_lab))
        found.append(outcome(lambda: app.parcel_delivery, config.card_order))
        found.append(outcome(lambda: app.card_numbers, config.chain))
        found.append(outcome(lambda: app.chain, config.chain))
        if config.reader.default.startswith("scripted"):
            found.append(outcome(app.reader, config.reader))
    finally:
        app.close()
    for refusal in [f for f in found if isinstance(f, AmparexError)]:
        assert_plain(refusal.message("en"), refusal.message("de"))


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a secrets file (0600) and a sub-folder, as the current folder."""
    (tmp_path / "sub").mkdir()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('card_key = "abuse-secret-4711"\n', encoding="utf-8")
    secrets.chmod(0o600)
    monkeypatch.chdir(tmp_path)
    for variable in ("AMPAREX_CONFIG", "AMPAREX_SECRETS_FILE", "AMPAREX_CARD_KEY"):
        monkeypatch.delenv(variable, raising=False)
    return tmp_path


# ------------------------------------------------------------------ properties


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=documents())
def test_any_configuration_loads_or_is_refused_naming_its_key(
    root: Path, document: dict[str, Any]
) -> None:
    """Every document gives a usable Config or config.invalid naming a key of the document."""
    path = root / "amparex.toml"
    path.write_text(toml_document(document), encoding="utf-8")
    result = outcome(lambda: load_config(path), document)
    if isinstance(result, AmparexError):
        assert isinstance(result, ConfigInvalid), result
        assert_refusal(result, code="config.invalid", names=str(path))
        assert result.key == "" or result.key.split(".")[0] in document, result
        assert result.reason.strip()
        assert_plain(result.message("en"), result.message("de"))
        event(f"refused: {result.key.split('.')[0]}")
        return
    assert isinstance(result, Config)
    event("accepted")
    _use(result, root)


@settings(
    max_examples=100,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=documents())
def test_the_command_answers_any_configuration_in_one_coded_line(
    root: Path, document: dict[str, Any]
) -> None:
    """``amparex config show``: exit 0, or exit 1 with one coded line; never [internal]."""
    path = root / "amparex.toml"
    path.write_text(toml_document(document), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "show", "--json"], env={})
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    assert "abuse-secret-4711" not in result.stdout + result.stderr
    if result.exit_code == 1:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("amparex: error ["), result.stderr
        assert "[internal]" not in lines[0], lines[0]
        assert_plain(lines[0])


@pytest.mark.parametrize(
    ("content", "key", "reason"),
    [
        (b"\xff\xfe[chain]\n", "", "not UTF-8 text"),
        (b"[chain\n", "", "not valid TOML"),
        (b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n", "", "nested too deeply"),
        (b"x = " + b"{a = " * 3000 + b"1" + b"}" * 3000 + b"\n", "", "nested too deeply"),
        (b'[storage]\npath = "a\\u0000b"\n', "storage.path", "NUL"),
        (b'[secrets]\nfile = "s\\u0000"\n', "secrets.file", "NUL"),
        (b"[reader]\ntimeout = nan\n", "reader.timeout", "positive"),
        (b"[reader]\ntimeout = inf\n", "reader.timeout", "positive"),
        (b'[chain.prices]\ngift_box = "1e999999999"\n', "chain.prices.gift_box", ""),
        (
            b'[loyalty_lab.upload]\nkind = "sftp"\nhost = "h"\nusername = "u"\nport = 70000\n',
            "loyalty_lab.upload.port",
            "65535",
        ),
        (
            b'[loyalty_lab.upload]\nkind = "folder"\nfolder = "x"\ntimeout = -1\n',
            "loyalty_lab.upload.timeout",
            "positive",
        ),
    ],
    ids=[
        "not-utf8",
        "not-toml",
        "deep-arrays",
        "deep-tables",
        "nul-path",
        "nul-secrets",
        "nan-timeout",
        "inf-timeout",
        "huge-price",
        "port-range",
        "negative-timeout",
    ],
)
def test_a_hostile_file_is_one_coded_line_in_a_real_process(
    root: Path, content: bytes, key: str, reason: str
) -> None:
    """The real ``amparex`` process: exit 1, ``config.invalid`` naming the key, no traceback."""
    path = root / "amparex.toml"
    path.write_bytes(content)
    error = outcome(lambda: load_config(path), content)
    assert isinstance(error, ConfigInvalid), error
    assert (error.key, reason in error.reason) == (key, True), error
    if key in ("", "storage.path", "reader.timeout"):  # a few in a real process (slower)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AMPAREX_")}
        env["AMPAREX_CACHE_DIR"] = os.environ["AMPAREX_CACHE_DIR"]  # the session's (conftest)
        done = subprocess.run(
            [sys.executable, "-m", "amparex_adapters.cli", "--config", str(path), "config", "show"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        named = f"{key}: " if key else ""
        assert lines[0].startswith(
            f"amparex: error [config.invalid]: Configuration {path}: {named}"
        )


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(
        st.binary(max_size=40),
        st.dictionaries(st.sampled_from(["card_key", "smtp_password", "bogus"]), junk, max_size=3)
        .map(toml_document)
        .map(str.encode),
    ),
    mode=st.sampled_from([0o600, 0o400, 0o640, 0o604, 0o660, 0o700]),
)
def test_the_secrets_file_is_read_or_refused_without_showing_its_content(
    root: Path, content: bytes, mode: int
) -> None:
    """A secrets file that is broken, foreign or readable by others is refused with a code."""
    path = root / "secrets.toml"
    path.chmod(0o600)
    path.write_bytes(content)
    path.chmod(mode)
    config = Config(base=root)
    result = outcome(lambda: Secrets(config, environ={"AMPAREX_SECRETS_FILE": str(path)}), content)
    if mode & 0o077:
        assert isinstance(result, AmparexError)
        assert_refusal(result, code="config.secrets_file_insecure", names=str(path))
    if isinstance(result, AmparexError):
        for value in content.decode("utf-8", "replace").split('"'):
            if len(value) >= 6 and value.strip() and "=" not in value:
                assert value not in str(result) and value not in result.message("de")
