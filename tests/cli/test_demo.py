"""``amparex demo``: the main job on the embedded default, twice."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .chain import environment

CLEAN_ENV: dict[str, str | None] = {
    "AMPAREX_CONFIG": None,
    "AMPAREX_SECRETS_FILE": None,
    "AMPAREX_CARD_KEY": None,
    "LANG": None,
    "LC_ALL": None,
    "LC_MESSAGES": None,
}


def _amparex(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "amparex"
    return subprocess.run(
        [str(script), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment(CLEAN_ENV),
        timeout=120,
        check=False,
    )


def _snapshot(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns
        for folder in ("outbox", "loyalty-lab-server", "card-vendor")
        for p in (root / folder).iterdir()
    }


def test_LL5_LL6_LL8_CO16_demo_runs_the_main_job_and_a_second_run_sends_nothing(
    tmp_path: Path,
) -> None:
    root = tmp_path / "amparex-demo"
    started = time.perf_counter()
    first = _amparex("demo", cwd=tmp_path)  # default folder ./amparex-demo
    first_seconds = time.perf_counter() - started
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    assert "10,000 customers" in first.stdout

    # the four Loyalty Lab files, written and uploaded (LL5, LL8)
    exported = sorted(p.name for p in (root / "outbox").iterdir())
    assert len(exported) == 4, exported
    for statistic in ("customers", "glasses", "contact_lenses", "hearing_aids"):
        assert any(f"_{statistic}_" in name for name in exported)
    assert sorted(p.name for p in (root / "loyalty-lab-server").iterdir()) == exported
    customers = next((root / "outbox").glob("*_customers_*.csv")).read_text("utf-8-sig")
    assert len(customers.splitlines()) == 10_001  # header + 10,000 customers
    assert customers.splitlines()[0].startswith("kunden_nr;anrede;vorname;nachname")
    glasses = next((root / "outbox").glob("*_glasses_*.csv")).read_text("utf-8-sig")
    assert re.search(r";\d{8};.*;\d+,\d\d$", glasses.splitlines()[1])

    # due card orders, rendered into batch PDFs and delivered to the folder (CO16)
    vendor = sorted((root / "card-vendor").iterdir())
    pdfs = [p for p in vendor if p.name.endswith("-cards.pdf")]
    assert pdfs and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    manifests = [p for p in vendor if p.name.endswith("-manifest.json")]
    assert len(manifests) == len(pdfs)
    assert json.loads(manifests[0].read_text("utf-8"))

    # every path of the summary exists, and the summary names each file
    for path in re.findall(r"(/\S+)", first.stdout):
        if path.startswith(str(root)):
            assert Path(path.rstrip(".:")).exists(), path
    for name in exported:
        assert str(root / "outbox" / name) in first.stdout
        assert str(root / "loyalty-lab-server" / name) in first.stdout
    for pdf in pdfs:
        assert str(pdf) in first.stdout

    # the database holds the chain and its sales; the secrets file is private
    with sqlite3.connect(root / "amparex.sqlite") as db:
        count = db.execute("SELECT COUNT(*) FROM demo_customers").fetchone()[0]
        sales = [
            db.execute(f"SELECT COUNT(DISTINCT branch_id), COUNT(*) FROM {t}").fetchone()
            for t in ("demo_glasses_sales", "demo_contact_lens_sales", "demo_hearing_aid_sales")
        ]
    assert count == 10_000
    assert all(branches == 3 and rows > 100 for branches, rows in sales)
    secrets_file = root / "secrets.toml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    key = secrets_file.read_text().split('"')[1]
    assert key not in first.stdout + first.stderr

    # the operator goes on with the demo's configuration
    listed = _amparex(
        "--config", str(root / "amparex.toml"), "orders", "list", "--json", cwd=tmp_path
    )
    orders = json.loads(listed.stdout)
    assert {o["status"] for o in orders} == {"dispatched", "cancelled"}
    templates = _amparex(
        "--config", str(root / "amparex.toml"), "templates", "list", "--json", cwd=tmp_path
    )
    assert [t["name"] for t in json.loads(templates.stdout)] == ["BASIS", "GOLD"]
    interfaces = _amparex(
        "--config", str(root / "amparex.toml"), "interfaces", "list", "--json", cwd=tmp_path
    )
    assert {i["kind"] for i in json.loads(interfaces.stdout)} == {"card_order", "loyalty_lab"}
    assert key not in interfaces.stdout

    # run again: nothing is rewritten or sent again, and it says so
    before = _snapshot(root)
    second = _amparex("demo", str(root), cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Nothing rewritten and nothing sent again" in second.stdout
    assert "0 batch(es) delivered" in second.stdout
    assert second.stdout.count("exists, kept") == 4
    assert _snapshot(root) == before
    assert first_seconds < 30


def test_LL6_CO16_demo_in_process_with_a_small_chain(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from amparex_adapters.cli.app import cli

    root = tmp_path / "small"
    runner = CliRunner()
    first = runner.invoke(cli, ["demo", str(root), "--customers", "3"], env=CLEAN_ENV)
    assert first.exit_code == 0, (first.stdout, first.stderr, first.exception)
    assert "3 customers" in first.stdout
    assert first.stdout.count("  written  ") == 4
    assert first.stdout.count("  uploaded  ") == 4
    second = runner.invoke(cli, ["--lang", "de", "demo", str(root)], env=CLEAN_ENV)
    assert second.exit_code == 0
    assert "Nothing rewritten and nothing sent again" in second.stdout
    bad = runner.invoke(cli, ["demo", str(root), "--customers", "0"], env=CLEAN_ENV)
    assert bad.exit_code == 2


def test_demo_in_a_folder_with_spaces_percent_and_hash(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from amparex_adapters.cli.app import cli

    root = tmp_path / "a%41b c#d"
    result = CliRunner().invoke(cli, ["demo", str(root), "--customers", "20"], env=CLEAN_ENV)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert (root / "amparex.sqlite").is_file()
    assert not (tmp_path / "aAb c#d").exists()
    assert len(list((root / "loyalty-lab-server").iterdir())) == 4


def _tree(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under *root*: relative path -> (mtime, content)."""
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_LL5_a_copied_demo_folder_runs_in_its_own_folder(tmp_path: Path) -> None:
    """Issue 15 item 11: every path the demo writes is relative to its folder.

    In 0.1.0 the store held the absolute outbox of the original folder, so ``startup`` in
    a copy exported into (and uploaded from) the original.
    """
    original, copy = tmp_path / "demo", tmp_path / "copy"
    built = _amparex("demo", str(original), "--customers", "30", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    shutil.copytree(original, copy)
    for stale in (copy / "outbox").iterdir():  # the copy's start must write them anew
        stale.unlink()
    before = _tree(original)
    started = _amparex("--config", str(copy / "amparex.toml"), "startup", "--json", cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    report = json.loads(started.stdout)
    assert sorted(e["outcome"] for e in report["exports"]) == ["written"] * 4
    assert all(e["file"].startswith(f"{copy}/outbox/") for e in report["exports"])
    assert len(list((copy / "outbox").iterdir())) == 4
    assert _tree(original) == before
    listed = _amparex("--config", str(copy / "amparex.toml"), "interfaces", "list", cwd=tmp_path)
    assert str(original) not in listed.stdout
    again = _amparex("demo", str(copy), cwd=tmp_path)  # the demo takes its copy as its own
    assert again.returncode == 0, again.stderr
    assert _tree(original) == before


def _foreign_store(folder: Path) -> None:
    """A store of the library in *folder*, made by another configuration, not the demo."""
    folder.mkdir()
    config = folder.parent / "other.toml"
    config.write_text(f'[storage]\npath = "{folder.name}/amparex.sqlite"\n', encoding="utf-8")
    made = _amparex(
        "--config", str(config), "startup", cwd=folder.parent
    )  # a writing command (OP4)
    assert made.returncode == 0, made.stderr
    assert (folder / "amparex.sqlite").is_file()


@pytest.mark.parametrize("foreign", ["store", "not-sqlite", "edited-config"])
def test_the_demo_refuses_a_store_it_did_not_create(tmp_path: Path, foreign: str) -> None:
    """Issue 15 item 11: 0.1.0 wrote its demo chain into any ``amparex.sqlite`` it found."""
    root = tmp_path / "demo"
    if foreign == "store":
        _foreign_store(root)
    elif foreign == "not-sqlite":
        root.mkdir()
        (root / "amparex.sqlite").write_bytes(b"the host application's own file\n" * 200)
    else:
        built = _amparex("demo", str(root), "--customers", "5", cwd=tmp_path)
        assert built.returncode == 0, built.stderr
        (tmp_path / "chain.sqlite").write_bytes(b"")
        text = (root / "amparex.toml").read_text(encoding="utf-8")
        edited = text.replace('path = "amparex.sqlite"', 'path = "../chain.sqlite"')
        assert edited != text
        (root / "amparex.toml").write_text(edited, encoding="utf-8")
    before, around = _tree(root), _tree(tmp_path)
    refused = _amparex("demo", str(root), "--customers", "5", cwd=tmp_path)
    assert refused.returncode == 1
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith(f"amparex: error [demo.refused]: {root} holds "), line
    assert "the demo did not create" in line
    assert refused.stdout == ""
    assert _tree(root) == before and _tree(tmp_path) == around
