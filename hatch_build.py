"""Build hook: compile the message catalogues (``.po`` → ``.mo``) into the wheel.

No compiled catalogue is kept in the repository. For a wheel the ``.mo`` files are
compiled into a temporary folder and added to the wheel at
``amparex_adapters/locale/LANG/LC_MESSAGES/``; for an editable install (and a checkout,
``nox -s i18n -- compile``) they are compiled next to their sources, where the package
finds them. The compiler is ``src/amparex_adapters/_msgfmt.py`` (standard library only),
loaded by its path: the build needs nothing but hatchling.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE_LOCALE = "amparex_adapters/locale"


def _msgfmt(root: Path) -> Any:
    path = root / "src" / "amparex_adapters" / "_msgfmt.py"
    spec = importlib.util.spec_from_file_location("_amparex_msgfmt", path)
    if spec is None or spec.loader is None:  # pragma: no cover - the file is in every sdist
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CatalogueHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compile every ``src/amparex_adapters/locale/*/LC_MESSAGES/*.po``."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Compile the catalogues and add them to the wheel."""
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        locale = root / "src" / PACKAGE_LOCALE
        msgfmt = _msgfmt(root)
        if version == "editable":
            msgfmt.compile_tree(locale)
            return
        target = Path(tempfile.mkdtemp(prefix="amparex-mo-"))
        for mo in msgfmt.compile_tree(locale, target):
            relative = mo.relative_to(target).as_posix()
            build_data["force_include"][str(mo)] = f"{PACKAGE_LOCALE}/{relative}"
