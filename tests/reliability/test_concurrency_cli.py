"""Eight ``amparex`` processes at once on one SQLite store and one outbox (IF8, LL5-LL8).

What an operator's workstations do at 8 a.m., through the real command and its TOML
composition: eight processes configure Loyalty Lab for four workstations at the same
moment (two contenders per workstation), then eight ``amparex startup`` processes run at
the same moment, two per workstation, on one store, one shared outbox and one upload
folder. Every refusal is one line without a traceback; every file is written once and
uploaded once; nothing is left under a temporary name.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from amparex_adapters.exports.folder import FolderExportTarget
from tests.cli.chain import Chain, chain, environment

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")

PROCESSES = 8

__all__ = ["chain"]  # the fixture of the command-line tests


def _run_together(chain: Chain, argvs: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Start every command at once, then collect them (each its own OS process)."""
    base = [sys.executable, "-m", "amparex_adapters.cli", "--config", str(chain.config)]
    procs = [
        subprocess.Popen(
            [*base, *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(chain.env),
            cwd=chain.root,
        )
        for argv in argvs
    ]
    done = []
    try:
        for argv, proc in zip(argvs, procs, strict=True):
            out, err = proc.communicate(timeout=90)
            chain.outputs += [out, err]
            done.append(subprocess.CompletedProcess(argv, proc.returncode, out, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return done


@pytest.mark.timeout(150)
def test_IF8_LL5_LL8_eight_amparex_processes_configure_and_start_up_together(
    chain: Chain,
) -> None:
    """IF8 and LL6-LL8 through the command: one winner per key, each file once."""
    workstations = [f"KASSE-{n}" for n in range(1, 5)]
    statistics = ["--customers", "ST-CUSTOMERS", "--glasses", "ST-GLASSES"]
    statistics += ["--contact-lenses", "ST-LENSES", "--hearing-aids", "ST-AIDS"]
    add = ["interfaces", "add", "loyalty-lab", "--customer-number", "4711"]
    add += ["--directory", str(chain.outbox), *statistics]
    added = _run_together(
        chain, [[*add, "--workstation", workstations[w // 2]] for w in range(PROCESSES)]
    )
    for result in added:
        assert "Traceback" not in result.stderr, result.stderr
    won = [r for r in added if r.returncode == 0]
    lost = [r for r in added if r.returncode != 0]
    assert len(won) == len(workstations)  # one per workstation (IF7, IF8)
    assert {r.args[-1] for r in won} == set(workstations)
    for result in lost:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, result.stderr  # one clear line
        assert re.search(r"already|bereits|configured", lines[0], re.IGNORECASE), lines[0]
    started = _run_together(
        chain, [["startup", "--workstation", workstations[w % 4]] for w in range(PROCESSES)]
    )
    for result in started:
        assert result.returncode == 0, (result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, result.stderr
    written = [
        line for r in started for line in r.stdout.splitlines() if line.startswith("exported ")
    ]
    uploaded = [
        line for r in started for line in r.stdout.splitlines() if line.startswith("uploaded ")
    ]
    files = sorted(p.name for p in chain.outbox.iterdir())
    assert len(files) == 4
    assert not [n for n in files if FolderExportTarget.is_temp_name(n)]
    assert sorted(line.rsplit("/", 1)[-1] for line in written) == files  # each written once
    assert sorted(line.split()[1].rstrip(":") for line in uploaded) == files  # uploaded once
    assert sorted(p.name for p in chain.server.iterdir()) == files  # no temp name left
    for name in files:
        assert (chain.server / name).read_bytes() == (chain.outbox / name).read_bytes()
    again = chain.sub("startup", "--workstation", workstations[0])
    assert again.returncode == 0, again.stderr
    assert "nothing new to upload" in again.stdout
    print(f"\n{PROCESSES} amparex processes: {len(won)} configured, {len(lost)} refused,"
          f" {len(written)} files written, {len(uploaded)} uploaded")  # fmt: skip
