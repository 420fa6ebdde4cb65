"""The contract kit's packaging: a plugin that is inactive unless asked for, and its extra.

pytest loads the ``amparex`` plugin (entry point ``pytest11``) in every run of an
environment with amparex-core installed, so a project that never asks for the kit must
see no difference: no test, no option default, no hypothesis or adapter library.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PROBE = """
import json, os, sys

WATCHED = ("hypothesis", "amparex_adapters.testing.contracts",
           "amparex_adapters.testing.strategies", "amparex_core.services", "paramiko",
           "psycopg", "smartcard", "nfc", "pypdf", "jinja2", "click")


def test_probe(request):
    config = request.config
    facts = {
        "plugin": config.pluginmanager.has_plugin("amparex"),
        "loaded": sorted(m for m in WATCHED if m in sys.modules),
        "options": {k: repr(v) for k, v in sorted(vars(config.option).items())
                    if k != "plugins"},
        "markers": [m.name for m in request.node.iter_markers()],
    }
    with open(os.environ["AMPAREX_PROBE"], "w") as out:
        json.dump(facts, out)
"""


def probe(folder: Path, *args: str) -> tuple[str, dict[str, Any]]:
    """Run the probe project with *args*; its pytest output and the facts it saw."""
    out = folder / f"facts{len(args)}.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["AMPAREX_PROBE"] = str(out)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, json.loads(out.read_text())


def test_the_plugin_is_loaded_everywhere_but_inactive_unless_asked_for(tmp_path: Path) -> None:
    (tmp_path / "test_probe.py").write_text(PROBE)
    output, facts = probe(tmp_path)
    output_off, facts_off = probe(tmp_path, "-p", "no:amparex")
    assert facts["plugin"] and not facts_off["plugin"]
    # collects nothing of its own and marks nothing that is not a contract test
    assert output.splitlines()[-1].startswith("1 passed")
    assert output_off.splitlines()[-1].startswith("1 passed")
    assert facts["markers"] == facts_off["markers"] == []
    # changes no option default, imports neither hypothesis nor an adapter library
    assert facts["options"] == facts_off["options"]
    assert facts["loaded"] == facts_off["loaded"] == []


def missing(module: str, kit_module: str) -> str:
    """Import *kit_module* as if *module* were not installed; the error it raises."""
    code = (
        f"import sys; sys.modules[{module!r}] = None\n"
        "from amparex_adapters._extras import MissingExtraError\n"
        "import amparex_adapters.testing\n"
        "try:\n"
        f"    import {kit_module}\n"
        "except MissingExtraError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def test_the_plugin_needs_no_hypothesis() -> None:
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "import amparex_adapters.testing.plugin as plugin\n"
        "print(plugin.MARKER)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout == "amparex_contract\n"


def test_the_kit_without_its_extra_names_the_extra() -> None:
    for module in ("hypothesis", "pytest"):
        for kit_module in (
            "amparex_adapters.testing.contracts",
            "amparex_adapters.testing.strategies",
        ):
            message = missing(module, kit_module)
            assert message == (
                f"the amparex-core contract kit needs {module!r}: "
                'pip install "amparex-core[testing]"'
            ), (module, kit_module)
