"""Logging at import: a NullHandler on each package root, nothing else configured (issue 12)."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, logging, sys
root = logging.getLogger()
before = list(root.handlers), root.level
import amparex_core, amparex_adapters
import amparex_core.services, amparex_adapters.storage.memory, amparex_adapters.delivery.memory
facts = {}
for name in ("amparex_core", "amparex_adapters"):
    logger = logging.getLogger(name)
    facts[name] = {
        "handlers": [type(h).__name__ for h in logger.handlers],
        "level": logger.level,
        "propagate": logger.propagate,
        "disabled": logger.disabled,
    }
facts["root_unchanged"] = (list(root.handlers), root.level) == before
facts["root_handlers"] = [type(h).__name__ for h in root.handlers]
facts["configured_loggers"] = sorted(
    name
    for name, logger in logging.Logger.manager.loggerDict.items()
    if name.startswith("amparex")
    and isinstance(logger, logging.Logger)
    and name not in ("amparex_core", "amparex_adapters")
    and (logger.handlers or logger.level != logging.NOTSET or not logger.propagate)
)
print(json.dumps(facts))
"""


def test_each_package_root_has_a_null_handler_and_nothing_else_is_configured() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True
    ).stdout
    facts = json.loads(out)
    for name in ("amparex_core", "amparex_adapters"):
        assert facts[name] == {
            "handlers": ["NullHandler"],
            "level": 0,
            "propagate": True,
            "disabled": False,
        }, name
    assert facts["root_unchanged"] and facts["root_handlers"] == []
    assert facts["configured_loggers"] == []


def test_records_reach_a_host_handler_and_last_resort_stays_silent() -> None:
    """With the NullHandler a library warning without any host configuration prints
    nothing (no "No handlers could be found", no lastResort line on stderr); a handler the
    host adds on the root logger gets it."""
    code = (
        "import logging, amparex_adapters;"
        "logging.getLogger('amparex_adapters.probe').warning('quiet');"
        "logging.basicConfig(format='%(name)s %(message)s');"
        "logging.getLogger('amparex_adapters.probe').warning('heard')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr == "amparex_adapters.probe heard\n"
