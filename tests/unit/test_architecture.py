"""The hexagon's boundaries, checked on the source and on a fresh interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src"
STDLIB = sys.stdlib_module_names


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    "path", sorted((SRC / "amparex_core" / "domain").glob("*.py")), ids=lambda p: p.name
)
def test_domain_imports_only_the_standard_library_and_attrs(path: Path) -> None:
    foreign = imports_of(path) - STDLIB - {"attrs", "__future__"}
    assert not foreign, f"{path.name} imports {foreign}"


@pytest.mark.parametrize(
    "path",
    sorted((SRC / "amparex_core").rglob("*.py")),
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_core_never_imports_adapters_or_io_libraries(path: Path) -> None:
    forbidden = {
        "amparex_adapters",
        "socket",
        "sqlite3",
        "ftplib",
        "smtplib",
        "paramiko",
        "psycopg",
        "os",
        "shutil",
    }
    assert not imports_of(path) & forbidden


def test_importing_amparex_core_loads_no_adapter_library() -> None:
    code = (
        "import sys, amparex_core, amparex_core.services, amparex_core.ports;"
        "heavy = {'paramiko','psycopg','smartcard','nfc','pypdf','jinja2','ssl','socket',"
        "'sqlite3','amparex_adapters'};"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_names_are_importable_from_the_package() -> None:
    import amparex_core

    for name in (
        "InterfaceKind",
        "InterfaceConfig",
        "CardOrderSettings",
        "LoyaltyLabSettings",
        "Secret",
        "CardTemplate",
        "ShipTo",
        "ShippingInterval",
        "CardType",
        "CardKind",
        "CardOrder",
        "OrderStatus",
        "StatisticKind",
        "StatisticTemplate",
        "StatisticExport",
        "AmparexError",
    ):
        assert hasattr(amparex_core, name), name


def test_missing_extra_names_the_extra() -> None:
    from amparex_adapters._extras import MissingExtraError, require

    with pytest.raises(MissingExtraError, match=r"amparex-core\[sftp\]"):
        require("amparex_no_such_module", "sftp")
    assert require("json", "none").dumps([]) == "[]"


def test_an_installed_library_that_cannot_load_is_named_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """psycopg without a libpq: installed, yet its import fails; the message says why."""
    from amparex_adapters._extras import MissingExtraError, require

    package = tmp_path / "amparex_fake_driver"
    package.mkdir()
    (package / "__init__.py").write_text(
        "raise ImportError('no pq wrapper available.\\nAttempts made: ...')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(MissingExtraError) as info:
        require("amparex_fake_driver", "postgres", hint="install libpq5")
    message = str(info.value)
    assert "installed but cannot be imported (no pq wrapper available.)" in message
    assert message.endswith("; install libpq5")
    assert "Attempts" not in message


def dotted_imports_of(path: Path) -> set[str]:
    """The absolute modules *path* imports, in full (``amparex_adapters.testing.strategies``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


KIT = SRC / "amparex_adapters" / "testing"


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(SRC.rglob("*.py")) if not p.is_relative_to(KIT)],
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_the_library_never_imports_its_contract_kit_or_test_libraries(path: Path) -> None:
    assert not imports_of(path) & {"pytest", "hypothesis", "tests"}
    assert not {m for m in dotted_imports_of(path) if m.startswith("amparex_adapters.testing")}


@pytest.mark.parametrize("path", sorted(KIT.rglob("*.py")), ids=lambda p: p.name)
def test_the_contract_kit_imports_no_project_tests(path: Path) -> None:
    assert "tests" not in imports_of(path)


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_classes_are_built_with_the_shared_decorators(path: Path) -> None:
    """``amparex_core.domain._records`` instead of ``@attrs.frozen`` / ``@attrs.define``.

    Its classes cost a third less to define (no compiled ``repr``/``eq``/``hash``), which
    every program start pays (issue 16); a class written with attrs' own decorator here
    would quietly bring the cost back.
    """
    written = [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
        for decorator in node.decorator_list
        if "attrs." in ast.unparse(decorator) or "attr." in ast.unparse(decorator)
    ]
    assert not written, f"{path.name}: class at line(s) {written} uses attrs' decorator"
