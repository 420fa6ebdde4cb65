"""The configuration in the operator's words (issue 15, items 8 and 11).

* ``config show`` prints the TOML key paths of the file (``loyalty_lab.upload.kind``),
  human and ``--json``; written back as TOML, its ``--json`` is the same configuration.
* A refusal of the configuration names the dotted key and a reason without Python
  internals (``typing.Literal[…]``, ``str | None``, ``-:`` placeholders), for a wrong
  value of every key of the file; an unknown key or section gets a did-you-mean.
* Paths: a relative SQLite URL (``sqlite:b.sqlite``) and ``[storage] path`` are resolved
  against the configuration's folder; ``sqlite:///b.sqlite`` (the root folder) and
  ``path`` with ``url`` are refused naming the keys.
"""

from __future__ import annotations

import json
import subprocess
import sys
import types
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from amparex_adapters.cli.config import Config, load_config
from amparex_adapters.cli.errors import ConfigInvalid
from tests.reliability._abuse import toml_document
from tests.words import assert_plain

from .chain import Chain, environment, error_line


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None and v != []}
    return value


# ------------------------------------------------------------------ config show


def test_config_show_prints_the_toml_keys_and_its_json_reads_back_as_the_same_config(
    chain: Chain,
) -> None:
    """``loyalty_lab.upload.kind``, not ``loyalty_lab_upload.kind`` (0.1.0), in both forms."""
    text = chain.ok("config", "show").stdout
    assert "loyalty_lab.upload.kind = folder" in text
    assert "card_order.delivery.folder = vendor" in text
    assert "loyalty_lab_upload" not in text and "storage_url" not in text
    shown = json.loads(chain.ok("config", "show", "--json").stdout)
    assert shown["loyalty_lab"]["upload"]["kind"] == "folder"
    assert "loyalty_lab_upload" not in shown

    # every printed key is a key of the file (or the file / a secret's state)
    for line in text.splitlines():
        key = line.partition(" = ")[0]
        if key == "file" or key.startswith("secret "):
            continue
        *table, leaf = key.split(".")
        assert leaf in _keys_of(".".join(table)), key

    # the JSON's tables, written back as a file, are the same configuration
    tables = {k: v for k, v in shown.items() if k not in ("file", "secret_values")}
    again = chain.root / "again.toml"
    again.write_text(toml_document(_without_none(tables)), encoding="utf-8")
    shown_again = json.loads(chain.ok("--config", str(again), "config", "show", "--json").stdout)
    assert {**shown_again, "file": None} == {**shown, "file": None}


def _keys_of(table: str) -> list[str]:
    cls: Any = Config
    for part in [p for p in table.split(".") if p]:
        tp = typing.get_type_hints(cls)[part]
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            tp = next(a for a in typing.get_args(tp) if attrs.has(a))
        cls = tp
    return [f.name for f in attrs.fields(cls)]


# ------------------------------------------------------------------ refusals in plain words


def _leaves(cls: Any, prefix: str = "") -> typing.Iterator[tuple[str, Any]]:
    """``(dotted key, type)`` of every key of the file, tables included."""
    for name, tp in typing.get_type_hints(cls).items():
        if name in ("options", "path", "base"):
            continue
        key = f"{prefix}.{name}" if prefix else name
        inner = tp
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            inner = next((a for a in typing.get_args(tp) if a is not type(None)), tp)
        yield key, inner
        if attrs.has(inner):
            yield from _leaves(inner, key)


def _wrong_values(tp: Any) -> list[Any]:
    if attrs.has(tp):
        return ["x", 3]
    if tp is str:
        return [3, ["a"], {"a": 1}]
    if tp is bool:
        return ["yes", 1]
    if tp is int:
        return ["12", 1.5, True]
    if tp is float:
        return ["x", False]
    if tp is Decimal:
        return [True, "viel", [1]]
    if typing.get_origin(tp) is typing.Literal:
        return ["nope", 1]
    if typing.get_origin(tp) is list:
        return ["x", [1]]
    raise AssertionError(f"no wrong values for {tp}")


_BASE = {
    "loyalty_lab": {"upload": {"kind": "folder", "folder": "x"}},
    "card_order": {
        "delivery": {"kind": "smtp", "host": "h", "sender": "a@b", "recipients": ["c@d"]}
    },
    "alerts": {"kind": "smtp", "host": "h", "sender": "a@b", "recipients": ["c@d"]},
}


def _with(key: str, value: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(_BASE))
    *tables, leaf = key.split(".")
    where = document
    for table in tables:
        where = where.setdefault(table, {})
    where[leaf] = value
    return document


CASES = [
    (key, value)
    for key, tp in _leaves(Config)
    for value in _wrong_values(tp)
    if key not in ("loyalty_lab.upload", "card_order.delivery", "alerts")
    or not isinstance(value, dict)
]


@pytest.mark.parametrize(("key", "value"), CASES, ids=[f"{k}={v!r}" for k, v in CASES])
def test_a_wrong_value_of_any_key_is_named_in_plain_words(
    tmp_path: Path, key: str, value: Any
) -> None:
    path = tmp_path / "amparex.toml"
    path.write_text(toml_document(_with(key, value)), encoding="utf-8")
    with pytest.raises(ConfigInvalid) as caught:
        load_config(path)
    error = caught.value
    assert error.key == key, error
    assert error.reason.endswith("expected") or " expected, not " in error.reason, error
    assert_plain(error.message("en"), error.message("de"))


@pytest.mark.parametrize(
    ("document", "key", "reason"),
    [
        ("chian = 1\n", "chian", "unknown section; did you mean 'chain'?"),
        ("[chain]\nnme = 'X'\n", "chain.nme", "unknown key; did you mean 'name'?"),
        (
            "[chain.prices]\ncard_nfc = '3.90'\n",
            "chain.prices.card_nfc",
            "unknown key; did you mean 'card_nfc_rfid'?",
        ),
        (
            "[loyalty_lab.upload]\nkind = 'sftp'\nhots = 'h'\n",
            "loyalty_lab.upload.hots",
            "unknown key; did you mean 'host'?",
        ),
        ("[reader]\ntimout = 3\n", "reader.timout", "unknown key; did you mean 'timeout'?"),
        ("[workstation]\ncolour = 'red'\n", "workstation.colour", "unknown key"),
        ("[loyalty_lab.upload]\nhost = 'h'\n", "loyalty_lab.upload.kind", "required key missing"),
    ],
)
def test_an_unknown_key_gets_a_did_you_mean(
    tmp_path: Path, document: str, key: str, reason: str
) -> None:
    path = tmp_path / "amparex.toml"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(ConfigInvalid) as caught:
        load_config(path)
    assert (caught.value.key, caught.value.reason) == (key, reason)
    message = caught.value.message("en")
    assert message == f"Configuration {path}: {key}: {reason}" + ("" if "?" in reason else ".")
    assert_plain(message, caught.value.message("de"))


@pytest.mark.parametrize(
    "content",
    [b"[chain\n", b"\xff\xfe", b'[storage]\npath = "a\\u0000b"\n', None],
    ids=["not-toml", "not-utf8", "nul", "missing"],
)
def test_a_refusal_of_the_whole_file_names_the_file_without_a_placeholder(
    tmp_path: Path, content: bytes | None
) -> None:
    path = tmp_path / "amparex.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigInvalid) as caught:
        load_config(path)
    for lang in ("en", "de"):
        message = caught.value.message(lang)
        assert message.startswith(("Configuration ", "Konfiguration ")), message
        assert_plain(message)


# ------------------------------------------------------------------ paths (item 11)


def _amparex(config: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "amparex_adapters.cli", "--config", str(config), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment({"AMPAREX_CONFIG": None, "AMPAREX_SECRETS_FILE": None, "LANG": None}),
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("storage", "file"),
    [
        ('url = "sqlite:b.sqlite"', "b.sqlite"),
        ('url = "sqlite:data/b.sqlite"', "data/b.sqlite"),
        ('url = "sqlite:./b.sqlite?timeout=5"', "b.sqlite"),
        ('path = "b.sqlite"', "b.sqlite"),
        ("", "amparex.sqlite"),
    ],
)
def test_a_relative_sqlite_store_is_beside_the_configuration(
    tmp_path: Path, storage: str, file: str
) -> None:
    """In 0.1.0 ``sqlite:///b.sqlite`` was the only URL form and made ``/b.sqlite``."""
    folder, elsewhere = tmp_path / "etc", tmp_path / "work"
    (folder / "data").mkdir(parents=True)
    elsewhere.mkdir()
    config = folder / "amparex.toml"
    config.write_text(f"[storage]\n{storage}\n", encoding="utf-8")
    # A command that writes: a listing never creates a store (OP4).
    done = _amparex(config, "startup", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert (folder / file).is_file()
    assert list(elsewhere.iterdir()) == []
    shown = json.loads(_amparex(config, "config", "show", "--json", cwd=elsewhere).stdout)
    url = shown["storage"]["url"].partition("?")[0]
    assert url == f"sqlite:///{(folder / file).resolve()}"


@pytest.mark.parametrize(
    ("storage", "key", "words"),
    [
        ('url = "sqlite:///b.sqlite"', "storage.url", "sqlite:b.sqlite"),
        ('url = "sqlite:///b.sqlite"\npath = "b.sqlite"', "storage.url", "storage.path"),
        ('path = "b.sqlite"\nurl = "sqlite:c.sqlite"', "storage.url", "storage.path"),
    ],
    ids=["root-folder", "path-and-url", "path-and-relative-url"],
)
def test_a_store_in_the_root_folder_or_two_stores_are_refused(
    tmp_path: Path, storage: str, key: str, words: str
) -> None:
    config = tmp_path / "amparex.toml"
    config.write_text(f"[storage]\n{storage}\n", encoding="utf-8")
    root_file = Path("/b.sqlite")
    before = root_file.stat().st_mtime_ns if root_file.exists() else None
    done = _amparex(config, "templates", "list", cwd=tmp_path)
    assert done.returncode == 1
    line = error_line(done.stderr)
    assert line.startswith(f"amparex: error [config.invalid]: Configuration {config}: {key}: ")
    assert words in line
    assert_plain(line)
    assert (root_file.stat().st_mtime_ns if root_file.exists() else None) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["amparex.toml"]


def test_the_statistics_url_takes_the_same_forms(tmp_path: Path) -> None:
    config = tmp_path / "amparex.toml"
    config.write_text('[statistics]\nurl = "sqlite:host.sqlite"\n', encoding="utf-8")
    assert load_config(config).statistics_url == f"sqlite:///{tmp_path / 'host.sqlite'}"
    config.write_text('[statistics]\nurl = "sqlite:///host.sqlite"\n', encoding="utf-8")
    with pytest.raises(ConfigInvalid) as caught:
        load_config(config)
    assert caught.value.key == "statistics.url"
    assert "sqlite:host.sqlite" in caught.value.reason
