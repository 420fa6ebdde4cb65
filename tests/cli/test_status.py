"""``amparex status`` and the run log through the command (OP1, OP2) on SQLite."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cli.chain import Chain, add_loyalty_lab, environment, fail_uploads


def _status(chain: Chain, *args: str) -> tuple[int, dict[str, Any]]:
    result = chain.run("status", "--json", *args)
    assert result.exit_code in (0, 3), (result.stdout, result.stderr)
    return result.exit_code, json.loads(result.stdout)


def test_OP1_OP2_a_start_and_an_upload_run_show_up_in_status(chain: Chain) -> None:
    """OP1, OP2: the program start is recorded; status shows it and exits 0 when healthy."""
    add_loyalty_lab(chain)
    chain.ok("startup")
    chain.ok("outbox", "upload")
    code, shown = _status(chain)
    assert code == 0, shown
    assert shown["healthy"] is True
    (row,) = shown["workstations"]
    assert row["workstation"] == "KASSE-1" and row["branch"] == "F01"
    assert row["exported_today"] == 4 and row["uploaded_today"] == 4
    assert row["last_start"] is not None and row["failing"] == []


def test_OP2_a_failing_upload_exits_3_and_names_the_workstation(chain: Chain) -> None:
    """OP2: an upload failing longer than the threshold: exit status 3, code and attempts."""
    add_loyalty_lab(chain)
    fail_uploads(chain)
    code, shown = _status(chain)
    assert code == 3
    (row,) = shown["workstations"]
    failing = row["failing"]
    assert len(failing) == 4 and {f["attempts"] for f in failing} == {2}
    assert {f["code"] for f in failing} == {"delivery.failed"}
    assert {p["kind"] for p in shown["problems"]} == {"upload_failing"}
    human = chain.run("status")
    assert human.exit_code == 3 and "4 problem(s)" in human.stdout
    assert "KASSE-1: upload of" in human.stderr
    chain.server.unlink()
    chain.server.mkdir()
    chain.ok("outbox", "upload")
    assert _status(chain)[0] == 0


def test_OP2_filters_and_pages(chain: Chain) -> None:
    """OP2: --workstation, --branch, and pages of workstations with a cursor."""
    add_loyalty_lab(chain)
    chain.ok("startup")
    chain.ok("startup", "--workstation", "KASSE-2", "--branch", "F02")
    _, page = _status(chain, "--limit", "1")
    assert [w["workstation"] for w in page["workstations"]] == ["KASSE-1"]
    assert page["next"] == "KASSE-1"
    _, rest = _status(chain, "--limit", "1", "--after", "KASSE-1")
    assert [w["workstation"] for w in rest["workstations"]] == ["KASSE-2"]
    assert rest["next"] is None
    _, only = _status(chain, "--branch", "F02")
    assert [w["workstation"] for w in only["workstations"]] == ["KASSE-2"]
    _, one = _status(chain, "--workstation", "KASSE-1")
    assert [w["workstation"] for w in one["workstations"]] == ["KASSE-1"]


def test_OP2_unknown_threshold_key_is_refused_with_a_suggestion(chain: Chain) -> None:
    """OP2: an unknown key of [status] is one coded line naming the key, with did-you-mean."""
    with chain.config.open("a", encoding="utf-8") as config:
        config.write("\n[status]\nsilent_after_day = 3\n")
    result = chain.run("status")
    assert result.exit_code == 1
    assert "config.invalid" in result.stderr and "status.silent_after_day" in result.stderr
    assert "silent_after_days" in result.stderr


@pytest.mark.timeout(60)
def test_OP2_a_metrics_port_in_use_is_one_coded_line_and_serve_goes_on(chain: Chain) -> None:
    """OP2: ``serve`` with its metrics port taken says so in one line and keeps ticking."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with chain.config.open("a", encoding="utf-8") as config:
            config.write(f"\n[server]\nmetrics_port = {port}\nrecheck = 1\n")
        argv = [sys.executable, "-m", "amparex_adapters.cli", "--config", str(chain.config)]
        server = subprocess.Popen(
            [*argv, "serve"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(chain.env),
            cwd=chain.root,
        )
        try:
            deadline = time.monotonic() + 30
            while _status(chain)[1]["server"]["last_tick"] is None:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        finally:
            server.send_signal(signal.SIGTERM)
            _out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    coded = [line for line in err.splitlines() if "[metrics.unavailable]" in line]
    assert len(coded) == 1 and str(port) in coded[0], err
    assert "Traceback" not in err


def test_OP4_status_never_creates_a_store(tmp_path: Path) -> None:
    """OP2, OP4: ``status`` only reads: on a store that does not exist it creates none."""
    from click.testing import CliRunner

    from amparex_adapters.cli.app import cli

    config = tmp_path / "amparex.toml"
    config.write_text('[storage]\npath = "amparex.sqlite"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "status", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["workstations"] == []
    assert "does not exist" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["amparex.toml"]
