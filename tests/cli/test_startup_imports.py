"""What a program start with nothing to do may import (issue 16 item 1, LL5, LL6).

A real ``amparex --config WS.toml startup`` process (fresh interpreter) of a workstation
whose four Loyalty Lab files of the day exist and are uploaded, on its own SQLite store:
after the run the process lists ``sys.modules``. Every module of this distribution it
loaded must be on :data:`ALLOWED` (a new one is a conscious decision: add it here), and
none of the heavy libraries of :data:`HEAVY` may be loaded at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks.core import noop_workstation

pytestmark = pytest.mark.timeout(120)

#: Our modules a no-op start may load.
ALLOWED = frozenset(
    {
        "amparex_adapters",
        "amparex_adapters._entry_points",  # the registry's cache file of entry points
        "amparex_adapters._extras",
        "amparex_adapters._modes",
        "amparex_adapters.cli",
        "amparex_adapters.cli._checks",
        "amparex_adapters.cli._compose_operations",
        "amparex_adapters.cli._discovery",
        "amparex_adapters.cli._kinds",
        "amparex_adapters.cli._operations",
        "amparex_adapters.cli._serving",
        "amparex_adapters.cli._structure",
        "amparex_adapters.cli.app",
        "amparex_adapters.cli.commands",
        "amparex_adapters.cli.commands.outbox",
        "amparex_adapters.cli.commands.startup",
        "amparex_adapters.cli.compose",
        "amparex_adapters.cli.config",
        "amparex_adapters.cli.errors",
        "amparex_adapters.cli.listing",
        "amparex_adapters.cli.secrets",
        "amparex_adapters.cli.shell",
        "amparex_adapters.clock",
        "amparex_adapters.clock.system",
        "amparex_adapters.converters",
        "amparex_adapters.converters._quick",
        "amparex_adapters.converters._stored_text",  # the run log's record, written
        "amparex_adapters.converters.base",
        "amparex_adapters.converters.stored",
        "amparex_adapters.delivery",
        "amparex_adapters.delivery._common",
        "amparex_adapters.delivery.folder",
        "amparex_adapters.exports",
        "amparex_adapters.exports.folder",
        "amparex_adapters.i18n",  # the language of the lines; no catalogue read in English
        "amparex_adapters.masterdata",
        "amparex_adapters.masterdata._schema",
        "amparex_adapters.processes",
        "amparex_adapters.processes.local",
        "amparex_adapters.registry",
        "amparex_adapters.statistics",
        "amparex_adapters.storage",
        "amparex_adapters.storage.sql",
        "amparex_adapters.storage.sql.cards",
        "amparex_adapters.storage.sql.core",
        "amparex_adapters.storage.sql.deliveries",
        "amparex_adapters.storage.sql.interfaces",
        "amparex_adapters.storage.sql.operations",
        "amparex_adapters.storage.sql.orders",
        "amparex_adapters.storage.sql.schema",
        "amparex_adapters.storage.sql.store",
        "amparex_adapters.storage.sql.templates",
        "amparex_adapters.storage.sql.uploads",
        "amparex_adapters.storage.sqlite",
        "amparex_core",
        "amparex_core._version",
        "amparex_core.domain",
        "amparex_core.domain._lazy",
        "amparex_core.domain._records",  # attrs classes with a shared repr, eq and hash
        "amparex_core.domain.claims",
        "amparex_core.domain.errors",
        "amparex_core.domain.errors._base",
        "amparex_core.domain.errors._cards",
        "amparex_core.domain.errors._configuration",
        "amparex_core.domain.errors._infrastructure",
        "amparex_core.domain.errors._ordering",
        "amparex_core.domain.interfaces",
        "amparex_core.domain.locales",  # chain.locale checked without the money classes
        "amparex_core.domain.operations",
        "amparex_core.domain.outbox",
        "amparex_core.domain.paging",
        "amparex_core.domain.periods",
        "amparex_core.domain.secret",
        "amparex_core.domain.statistics",
        "amparex_core.domain.text",
        "amparex_core.domain.uploads",
        "amparex_core.ports",
        "amparex_core.ports.operations",  # RunLog: whether the store keeps a run log
        "amparex_core.services",
        "amparex_core.services._background",
        "amparex_core.services.claims",
        "amparex_core.services.interfaces",
        "amparex_core.services.loyalty_lab",
        "amparex_core.services.outbox",
        "amparex_core.services.progress",
        "amparex_core.services.runlog",
        "amparex_core.services.startup",
    }
)

#: Libraries a no-op start never needs: rich draws tables and bars, the rest are peers.
HEAVY = (
    "rich",
    "cattrs",  # the stored documents and the configuration are read directly
    "ctypes",  # the folder watch and renameat2: used when watching and writing
    "difflib",  # did-you-mean: only for a configuration with a problem
    "importlib.metadata",  # the entry points come from the registry's cache file
    "socket",  # the host name from platform.node(); delivery loads it when it sends
    "shutil",  # the folder delivery's copy: only when it uploads
    "hashlib",  # a file's hash: only when its size or time differs from the ledger's
    "concurrent.futures",  # a host application's start in the background
    "signal",  # the outbox watch's handlers for SIGINT and SIGTERM
    "psycopg",
    "psycopg_pool",
    "paramiko",
    "asyncssh",
    "cryptography",
    "pypdf",
    "jinja2",
    "segno",
    "prometheus_client",
    "smtplib",
    "ssl",
    "ftplib",
    "asyncio",
    "http.client",
    "smartcard",
    "nfc",
)

_LIST_MODULES = """
import runpy, sys
out, sys.argv = sys.argv[1], ["amparex", "--config", sys.argv[2], "startup"]
try:
    runpy.run_module("amparex_adapters.cli", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    code = exit.code
else:
    code = 0
with open(out, "w", encoding="utf-8") as file:
    file.write("\\n".join(sorted(sys.modules)))
sys.exit(code)
"""


def _noop_start_modules(folder: Path) -> tuple[set[str], str]:
    config = noop_workstation(folder)
    listing = folder / "modules.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMPAREX_")}
    env["AMPAREX_CACHE_DIR"] = os.environ["AMPAREX_CACHE_DIR"]  # the session's (conftest)
    for _ in range(2):  # the second start is the usual one: the entry points are cached
        done = subprocess.run(
            [sys.executable, "-c", _LIST_MODULES, str(listing), str(config)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # a well-configured workstation: not even a warning
    return set(listing.read_text(encoding="utf-8").split()), done.stdout


def test_LL6_a_noop_start_imports_only_what_it_uses(tmp_path: Path) -> None:
    modules, stdout = _noop_start_modules(tmp_path)
    assert "nothing new to upload" in stdout  # the start had nothing to do (LL6)
    assert "exported" not in stdout
    ours = {m for m in modules if m.split(".")[0] in ("amparex_core", "amparex_adapters")}
    assert sorted(ours - ALLOWED) == []
    loaded = {h for h in HEAVY if h in modules or any(m.startswith(h + ".") for m in modules)}
    assert sorted(loaded) == []
    # Only the group that runs: no other command group is imported.
    groups = {m for m in ours if m.startswith("amparex_adapters.cli.commands.")}
    assert groups <= {
        "amparex_adapters.cli.commands.startup",
        "amparex_adapters.cli.commands.outbox",
    }


_AFTER_EXIT = """
import atexit, gc, sys
out = sys.argv[1]
# Registered before the command's own exit function, so it runs after it (LIFO).
atexit.register(lambda: open(out, "w").write(f"{gc.get_freeze_count()} {gc.isenabled()}"))
sys.argv = ["amparex", "--config", sys.argv[2], "startup"]
from amparex_adapters.cli import main
try:
    main()
finally:
    sys.stdout.flush()
"""


def test_LL6_the_command_process_ends_without_the_last_garbage_collection(
    tmp_path: Path,
) -> None:
    """At exit every object is frozen (no last full collection); the output is whole."""
    config = noop_workstation(tmp_path)
    found = tmp_path / "at-exit.txt"
    done = subprocess.run(
        [sys.executable, "-c", _AFTER_EXIT, str(found), str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("nothing new to upload"), done.stdout
    frozen, enabled = found.read_text(encoding="utf-8").split()
    assert int(frozen) > 10_000 and enabled == "True"  # frozen, not switched off


_WHEN_CONFIG_OPENS = """
import gc, json, sys
out, config, host_off = sys.argv[1], sys.argv[2], sys.argv[3] == "off"
seen = []
full_before = gc.get_stats()[2]["collections"]


def hook(event, args):
    # The first open of the configuration: the modules are imported, the work begins.
    if event == "open" and not seen and str(args[0]) == config:
        seen.append({
            "enabled": gc.isenabled(),
            "frozen": gc.get_freeze_count(),
            "full_collections": gc.get_stats()[2]["collections"] - full_before,
            "app_imported": "amparex_adapters.cli.app" in sys.modules,
        })


sys.addaudithook(hook)
if host_off:
    gc.disable()
sys.argv = ["amparex", "--config", config, "startup"]
from amparex_adapters.cli import main
try:
    main()
finally:
    sys.stdout.flush()
    open(out, "w").write(json.dumps(seen))
"""


@pytest.mark.parametrize("host", ["on", "off"])
def test_LL6_the_collector_is_paused_while_the_command_imports_and_runs_for_the_work(
    tmp_path: Path, host: str
) -> None:
    """The imports trigger no full collection and end frozen; the work runs collected.

    Observed in a real process through an audit hook at the moment the command opens its
    configuration (after its imports, before its work). A process that switched the
    collector off itself keeps it off, and nothing is frozen for it.
    """
    config = noop_workstation(tmp_path)
    found = tmp_path / "when-config-opens.json"
    done = subprocess.run(
        [sys.executable, "-c", _WHEN_CONFIG_OPENS, str(found), str(config), host],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("nothing new to upload"), done.stdout
    (seen,) = json.loads(found.read_text(encoding="utf-8"))
    assert seen["app_imported"]
    assert seen["full_collections"] == 0
    if host == "on":
        assert seen["enabled"] is True
        assert seen["frozen"] > 10_000  # the imported modules, classes and functions
    else:
        assert seen["enabled"] is False
        assert seen["frozen"] == 0
