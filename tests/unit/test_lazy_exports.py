"""The public names of the core's packages, loaded on first use (issue 16 item 2).

``import amparex_core`` loads none of the domain; every public name (``__all__``) of
``amparex_core``, ``amparex_core.domain``, ``amparex_core.domain.errors``,
``amparex_core.services`` and ``amparex_core.ports`` still imports, is the object of its
defining module, and the lazy table agrees with the names imported for type checkers.
"""

from __future__ import annotations

import ast
import importlib
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGES = (
    "amparex_core",
    "amparex_core.domain",
    "amparex_core.domain.errors",
    "amparex_core.services",
    "amparex_core.ports",
)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_imports(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        exec(f"from {package} import {name}", {})
        assert name in dir(module)
        if isinstance(value, type) and package != "amparex_core":
            assert getattr(sys.modules[value.__module__], value.__name__) is value


@pytest.mark.parametrize("package", PACKAGES)
def test_the_lazy_table_matches_the_names_for_type_checkers(package: str) -> None:
    module = importlib.import_module(package)
    tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
    checked: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom)
                for alias in stmt.names:
                    checked[alias.asname or alias.name] = "." * stmt.level + str(stmt.module)
    assert checked == module._EXPORTS
    assert set(module._EXPORTS) <= set(module.__all__)


@pytest.mark.parametrize("package", PACKAGES)
def test_an_unknown_name_is_an_attribute_error(package: str) -> None:
    module = importlib.import_module(package)
    with pytest.raises(AttributeError, match="no_such_name"):
        module.no_such_name  # noqa: B018
    with pytest.raises(ImportError):
        exec(f"from {package} import no_such_name", {})


def test_importing_the_package_loads_no_domain_module() -> None:
    code = (
        "import sys, amparex_core\n"
        "print(' '.join(m for m in sys.modules if m.startswith('amparex_core.')))\n"
        "print('attr' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, attrs_loaded = done.stdout.splitlines()
    assert sorted(loaded.split()) == [
        "amparex_core._version",
        "amparex_core.domain",
        "amparex_core.domain._lazy",
    ]
    assert attrs_loaded == "False"


def test_error_families_load_on_first_use_and_pickle() -> None:
    code = (
        "import sys, pickle\n"
        "from amparex_core.domain.errors import StorageUnavailable\n"
        "print(sorted(m for m in sys.modules if m.startswith('amparex_core.domain.errors.')))\n"
        "error = pickle.loads(pickle.dumps(StorageUnavailable(store='s', reason='down')))\n"
        "print(type(error).__module__, error.reason)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    families, unpickled = done.stdout.splitlines()
    assert "_cards" not in families
    assert "_infrastructure" in families
    assert unpickled == "amparex_core.domain.errors down"


def test_every_error_class_in_the_tree_order_pickles() -> None:
    from amparex_core.domain import errors

    classes = errors.all_error_classes()
    assert len(classes) == len({c.code for c in classes})
    for cls in classes:
        assert pickle.loads(pickle.dumps(cls)) is cls
        if cls.__module__.startswith("amparex_core"):  # not the command's own refusals
            assert cls.__module__ == "amparex_core.domain.errors"
            assert getattr(errors, cls.__name__) is cls
