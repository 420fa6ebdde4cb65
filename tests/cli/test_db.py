"""``amparex db status`` / ``amparex db upgrade`` and the schema window, through the command (OP5).

A "newer version" is this code run by ``newer_code.py`` with test-only schema steps on
top (one that only adds, one that changes, two that add): it upgrades the store; the
installed code plays the older version against it, in real processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from amparex_adapters.storage.sql import SCHEMA_VERSION

from .chain import Chain, add_card_ordering, add_loyalty_lab, add_templates, error_line, make_chain

pytestmark = pytest.mark.integration

NEWER = Path(__file__).with_name("newer_code.py")
LATER = "2099-01-01T08:00:00+01:00"


def newer(chain: Chain, kind: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``amparex ARGS`` as a newer version with the test steps *kind* would."""
    return chain.sub(*args, program=[sys.executable, str(NEWER), kind])


def status(chain: Chain, *, kind: str | None = None) -> dict[str, Any]:
    """``db status --json`` of the installed code, or of a newer one."""
    ran = (
        newer(chain, kind, "db", "status", "--json")
        if kind
        else chain.sub("db", "status", "--json")
    )
    assert ran.returncode == 0, ran.stderr
    found: dict[str, Any] = json.loads(ran.stdout)
    return found


@pytest.fixture(params=["sqlite", "postgres"])
def any_chain(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Chain:
    """The test chain on its SQLite file, or on a PostgreSQL schema of the test cluster."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    return make_chain(tmp_path / "chain", monkeypatch, url)


def test_OP5_db_status_names_both_versions_and_changes_nothing(any_chain: Chain) -> None:
    found = status(any_chain)
    assert found["store_version"] == found["code_version"] == SCHEMA_VERSION
    assert (found["state"], found["usable"], found["pending"]) == ("current", True, [])
    assert [a["version"] for a in found["applied"]] == list(range(1, SCHEMA_VERSION + 1))
    human = any_chain.ok("db", "status").stdout
    assert f"store schema:   {SCHEMA_VERSION}" in human
    assert f"code schema:    {SCHEMA_VERSION}" in human
    again = any_chain.ok("db", "upgrade").stdout
    assert f"is at schema {SCHEMA_VERSION}; nothing to upgrade" in again


def test_OP5_an_older_version_keeps_placing_and_dispatching_after_a_newer_one_upgraded(
    any_chain: Chain,
) -> None:
    chain = any_chain
    add_card_ordering(chain)
    add_templates(chain, ["BASIS"])
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1")
    upgraded = newer(chain, "additive", "db", "upgrade", "--json")
    assert upgraded.returncode == 0, upgraded.stderr
    assert json.loads(upgraded.stdout)["applied"] == [SCHEMA_VERSION + 1]
    assert status(chain, kind="additive")["state"] == "current"
    seen = status(chain)  # the installed code is now the older one
    assert seen["store_version"] == SCHEMA_VERSION + 1
    assert seen["code_version"] == SCHEMA_VERSION
    assert seen["compatible_from"] == SCHEMA_VERSION
    assert (seen["state"], seen["usable"], seen["pending"]) == ("newer_compatible", True, [])
    # The older version works on: places, lists and dispatches (in real processes too).
    placed = chain.sub(
        "orders", "place", "--template", "BASIS", "--holder", "K2", "--process", "P2"
    )
    assert placed.returncode == 0, placed.stderr
    by_newer = newer(
        chain, "additive", "orders", "place", "--template", "BASIS", "--holder", "K2",
        "--process", "P3",
    )  # fmt: skip
    assert by_newer.returncode == 0, by_newer.stderr
    dispatched = chain.sub("orders", "dispatch", "--now", LATER)
    assert dispatched.returncode == 0, dispatched.stderr
    orders = json.loads(chain.ok("orders", "list", "--json").stdout)
    assert sorted(o["status"] for o in orders) == ["dispatched"] * 3
    assert len(list(chain.vendor.iterdir())) >= 1
    # Upgrading again with the older code changes nothing and says so.
    again = chain.sub("db", "upgrade")
    assert again.returncode == 0, again.stderr
    assert f"is at schema {SCHEMA_VERSION + 1}; nothing to upgrade" in again.stdout


@pytest.mark.parametrize("kind", ["changing", "two"])
def test_OP5_a_schema_beyond_the_window_is_refused_in_one_line_naming_both_versions(
    any_chain: Chain, kind: str
) -> None:
    chain = any_chain
    upgraded = newer(chain, kind, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    top = SCHEMA_VERSION + (2 if kind == "two" else 1)
    for args in (["orders", "list"], ["startup"], ["db", "upgrade"]):
        refused = chain.sub(*args)
        assert refused.returncode == 1, refused.stdout
        line = error_line(refused.stderr)
        assert line.startswith("amparex: error [storage.schema_too_new]: "), line
        assert f"schema version {top}" in line and f"(schema {SCHEMA_VERSION})" in line
        assert "pip install --upgrade amparex-core" in line and "amparex db status" in line
    seen = status(chain)  # status still answers, and the store is as the newer one left it
    assert (seen["store_version"], seen["state"], seen["usable"]) == (top, "too_new", False)
    assert status(chain, kind=kind)["state"] == "current"


def test_OP5_postgres_is_never_migrated_by_opening_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url_empty: str
) -> None:
    chain = make_chain_without_data(tmp_path, monkeypatch, pg_url_empty)
    for args in (["orders", "list"], ["startup"], ["masterdata", "import", "bundle.toml"]):
        refused = chain.sub(*args)
        assert refused.returncode == 1, refused.stdout
        line = error_line(refused.stderr)
        assert line.startswith("amparex: error [storage.schema_too_old]: "), line
        assert f"schema version 0; this version of amparex-core needs {SCHEMA_VERSION}" in line
        assert line.endswith("amparex db upgrade.")
    seen = status(chain)
    assert seen["store_version"] == 0 and seen["state"] == "upgrade_needed"
    assert seen["pending"] == list(range(1, SCHEMA_VERSION + 1))
    import psycopg

    with psycopg.connect(pg_url_empty) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchone()
    assert tables == (0,)  # neither the refusals nor the status created anything
    upgraded = chain.sub("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"from schema none to {SCHEMA_VERSION}" in upgraded.stdout
    chain.ok("masterdata", "import", "bundle.toml")
    add_card_ordering(chain)
    add_loyalty_lab(chain)
    assert chain.sub("startup").returncode == 0


def make_chain_without_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Chain:
    """A chain folder on the store *url* whose master data are not imported (no store use)."""
    from .chain import BUNDLE, CONFIG, Chain

    root = tmp_path / "chain"
    root.mkdir()
    (root / "amparex.toml").write_text(CONFIG, encoding="utf-8")
    (root / "bundle.toml").write_text(BUNDLE, encoding="utf-8")
    for folder in ("outbox", "server", "vendor"):
        (root / folder).mkdir()
    monkeypatch.chdir(root)
    chain = Chain(root)
    chain.use_store(url)
    return chain


def test_OP5_db_status_creates_no_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = make_chain_without_data(tmp_path, monkeypatch, f"sqlite:///{tmp_path / 'new.sqlite'}")
    refused = chain.sub("db", "status")
    assert refused.returncode == 1
    assert "[storage.unavailable]" in error_line(refused.stderr)
    assert "amparex db upgrade makes one" in refused.stderr
    assert not (tmp_path / "new.sqlite").exists()
    made = chain.sub("db", "upgrade", "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["applied"] == list(range(1, SCHEMA_VERSION + 1))


def test_OP5_many_processes_upgrading_at_once_apply_each_step_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url_empty: str
) -> None:
    chain = make_chain_without_data(tmp_path, monkeypatch, pg_url_empty)
    with ThreadPoolExecutor(8) as pool:
        runs = list(pool.map(lambda _: chain.sub("db", "upgrade", "--json"), range(8)))
    assert [r.returncode for r in runs] == [0] * 8, [r.stderr for r in runs]
    applied = [json.loads(r.stdout)["applied"] for r in runs]
    assert sorted(applied, key=len) == [[]] * 7 + [list(range(1, SCHEMA_VERSION + 1))]
    seen = status(chain)
    assert [a["version"] for a in seen["applied"]] == list(range(1, SCHEMA_VERSION + 1))
