"""Proof for integrators: a host project runs a contract suite of the kit on its own adapter.

The two files that docs/ports.md shows under "Running the contract suites on your adapter"
are copied from the page into a fresh folder and run with ``python -m pytest`` in a
subprocess, exactly as the page says: the kit is found through the installed ``pytest11``
entry point (no ``-p`` option, no conftest). Then deliveries that break the contract take
the adapter's place, and the same suite must fail on the test of the promise they break.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs" / "ports.md"
FILES = ("dict_delivery.py", "test_dict_delivery.py")


def doc_files() -> dict[str, str]:
    """The code blocks of docs/ports.md with a file name as caption, by that name."""
    blocks = re.findall(
        r"^```\{code-block\} python\n:caption: (\S+)\n\n(.*?)^```$",
        DOCS.read_text(encoding="utf-8"),
        flags=re.MULTILINE | re.DOTALL,
    )
    return dict(blocks)


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m pytest -q *args`` in *folder*, with no pytest settings of this run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture
def host_project(tmp_path: Path) -> Path:
    """A fresh folder holding the host project of docs/ports.md."""
    files = doc_files()
    assert set(FILES) <= set(files), f"docs/ports.md lost a file of the example: {sorted(files)}"
    for name in FILES:
        (tmp_path / name).write_text(files[name], encoding="utf-8")
    return tmp_path


def test_the_host_project_of_the_docs_passes_the_file_delivery_contract(
    host_project: Path,
) -> None:
    """LL8 on the docs' dict-backed delivery, run as the page says; the plugin marks the
    kit's tests (``-m amparex_contract`` with ``--strict-markers`` selects both)."""
    done = run_pytest(host_project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^2 passed\b", done.stdout, flags=re.MULTILINE), done.stdout
    marked = run_pytest(host_project, "--strict-markers", "-m", "amparex_contract", "-rA")
    assert marked.returncode == 0, marked.stdout + marked.stderr
    assert "PASSED test_dict_delivery.py::TestDictDelivery::test_LL8_" in marked.stdout
    assert re.search(r"^2 passed\b", marked.stdout, flags=re.MULTILINE), marked.stdout


# A delivery that writes straight into the final name as the bytes come, and never compares
# the size: a short (broken-off) upload stays visible under its final name.
PARTIAL = """
from amparex_core.domain.parcels import DeliveryReceipt, OutgoingFile


class DictDelivery:
    def __init__(self) -> None:
        self.destination = "dict://uploads"
        self.remote: dict[str, bytes] = {}

    def upload(self, file: OutgoingFile) -> DeliveryReceipt:
        self.remote[file.name] = b""
        with file.open() as stream:
            for chunk in iter(lambda: stream.read(4), b""):
                self.remote[file.name] += chunk
        size = len(self.remote[file.name])
        return DeliveryReceipt(destination=self.destination, reference=file.name, size=size)
"""

# A delivery that appends when a name arrives again: a second upload leaves two copies.
SECOND_COPY = """
from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.parcels import DeliveryReceipt, OutgoingFile


class DictDelivery:
    def __init__(self) -> None:
        self.destination = "dict://uploads"
        self.remote: dict[str, bytes] = {}

    def upload(self, file: OutgoingFile) -> DeliveryReceipt:
        with file.open() as stream:
            content = stream.read()
        if len(content) != file.size:
            raise DeliveryFailed(destination=self.destination, item=file.name, reason="short")
        self.remote[file.name] = self.remote.get(file.name, b"") + content
        return DeliveryReceipt(
            destination=self.destination, reference=file.name, size=len(content)
        )
"""


@pytest.mark.parametrize(
    ("adapter", "broken_test", "shown"),
    [
        pytest.param(
            PARTIAL,
            "test_LL8_file_delivery_refuses_a_short_file",
            # pytest 8.0 names the class in full, later releases by its name
            ("DID NOT RAISE ", "DeliveryFailed"),
            id="partial-file-under-its-final-name",
        ),
        pytest.param(
            SECOND_COPY,
            "test_LL8_file_delivery_uploads_under_the_final_name",
            # the kit's assertion is rewritten: the failure shows the values compared
            ("AssertionError: assert b'a;b\\r\\n1;2", "== b'a;b\\r\\n1;2\\r\\n'"),
            id="second-copy-on-a-second-upload",
        ),
    ],
)
def test_a_broken_delivery_fails_the_contract(
    host_project: Path, adapter: str, broken_test: str, shown: tuple[str, ...]
) -> None:
    """LL8: the kit can fail. Each broken delivery fails the one test of the promise it
    breaks and passes the other."""
    (host_project / "dict_delivery.py").write_text(adapter, encoding="utf-8")
    done = run_pytest(host_project, "-rA")
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"^1 failed, 1 passed\b", done.stdout, flags=re.MULTILINE), done.stdout
    assert f"FAILED test_dict_delivery.py::TestDictDelivery::{broken_test}" in done.stdout
    for text in shown:
        assert text in done.stdout, done.stdout
