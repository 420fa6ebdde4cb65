"""Smoke run of every benchmark case (issue 8): ``python -m benchmarks --scale 0.01``.

Proven here: every case of every benchmark module runs against its real peers (sshd,
vsftpd or pyftpdlib, curl, pcscd + vpcd, nfcpy's UDP driver, PostgreSQL) at a tiny
scale over five alternating rounds and prints exactly one line ``name  ours  baseline
ratio`` with a ratio; none fails; under ``CI=true`` none is skipped; the JSON and
RESULTS.md are written. No figure is asserted: the machine is shared, and benchmarks are
not tests of speed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks import __main__ as bench_main

from tests.peers import in_ci

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"(?P<name>\S+)\s+(?P<ours>\d[\d.]* \S+(?: \(CPU\))?)\s+"
                  r"(?P<base>\d[\d.]* \S+(?: \(CPU\))?)\s+(?P<ratio>\d+\.\d{3})")  # fmt: skip


@pytest.mark.timeout(300)
def test_every_benchmark_case_runs_at_a_tiny_scale_and_prints_its_ratio(tmp_path: Path) -> None:
    names = [n for _, group in bench_main.groups() for n in group.names]
    json_path, md_path = tmp_path / "results.json", tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--scale", "0.01", "--rounds", "5",
         "--json", str(json_path), "--markdown", str(md_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )  # fmt: skip
    report = f"stdout:\n{done.stdout}\nstderr:\n{done.stderr[-3000:]}"
    assert done.returncode == 0, report
    printed: dict[str, str] = {}
    skipped: list[str] = []
    for text in done.stdout.splitlines():
        if text.startswith("#"):
            continue
        if (match := LINE.fullmatch(text)) is not None:
            printed[match["name"]] = match["ratio"]
        elif " skipped: " in text:
            skipped.append(text)
        else:
            pytest.fail(f"unexpected line {text!r}\n{report}")
    if in_ci():
        assert not skipped, report
    skipped_names = {s.split()[0] for s in skipped}
    assert sorted(printed) == sorted(set(names) - skipped_names), report
    assert len(printed) + len(skipped) == len(names), report  # one line per case
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert [c["name"] for c in data["cases"]] == names
    assert {c["name"] for c in data["cases"] if c["status"] == "skipped"} == skipped_names
    for case in data["cases"]:
        if case["status"] == "ok":
            assert case["rounds"] == 5
            assert len(case["per_round"]["ratio"]) == 5
            assert f"{case['ratio']:.3f}" == printed[case["name"]]
    assert data["scale"] == 0.01
    assert "| case | ours | baseline | ratio | target | baseline is |" in md_path.read_text()
