"""Many program starts at once on a cold entry-point cache (issue 16 item 1, LL6).

The registry's cache file is written by whichever start scans first; eight real
``amparex startup`` processes started together on an empty cache folder must all find
their adapters and finish their (no-op) start, and leave one readable cache file that the
next start uses without scanning.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks.core import noop_workstation

from tests.thirdparty import settle

pytestmark = pytest.mark.timeout(180)


def test_LL6_eight_starts_at_once_on_a_cold_cache_all_start_and_leave_one_good_file(
    tmp_path: Path,
) -> None:
    config = noop_workstation(tmp_path)
    cache = tmp_path / "cache"
    work = tmp_path / "work"  # the processes' folder (sys.path[0]), not changed just now
    work.mkdir()
    settle(work, age=100)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMPAREX_")}
    env["AMPAREX_CACHE_DIR"] = str(cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "amparex_adapters.cli", "--config", str(config), "startup"]
    starts = [
        subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(8)
    ]
    for start in starts:
        out, err = start.communicate(timeout=120)
        assert start.returncode == 0, err.decode()
        assert b"nothing new to upload" in out, out
    files = list(cache.glob("entry-points-*.json"))
    assert len(files) == 1, files
    assert isinstance(json.loads(files[0].read_text(encoding="utf-8")), dict)
    assert [f.name for f in cache.iterdir()] == [files[0].name]  # no temporary file left
    # The next start (the same command, so the same sys.path) reads the file: -X importtime
    # lists every module it imports.
    warm = subprocess.run(
        [sys.executable, "-X", "importtime", *command[1:]],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert warm.returncode == 0, warm.stderr
    imported = {line.split("|")[-1].strip() for line in warm.stderr.splitlines() if "|" in line}
    assert "amparex_adapters.registry" in imported  # the listing is real
    assert "importlib.metadata" not in imported
