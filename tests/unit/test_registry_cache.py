"""The registry's cache file of entry points (issue 16 item 1): a fresh process that finds
the same distributions imports no :mod:`importlib.metadata`, and gets what a scan gets.

The distributions are real (:mod:`tests.thirdparty`), found by importlib.metadata itself;
where the promise is about a fresh process, the test runs real ones.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import amparex_adapters
from amparex_adapters import _entry_points
from amparex_adapters.registry import READERS, REGISTRIES, STORAGE
from tests.thirdparty import DROP_BOX, settle, write_distribution
from tests.unit.conftest import EntryPointCache

pytestmark = pytest.mark.timeout(120)

SRC = str(Path(amparex_adapters.__file__).parents[1])
"""The folder the child processes import amparex from: the one this test imports."""


def _unique(prefix: str) -> str:
    """A module or kind name no other test uses (modules stay in sys.modules)."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


Snapshot = dict[str, list[list[Any]]]


def _snapshot() -> Snapshot:
    """What every registry finds: each kind's name, value, module, extras and distribution."""
    return {
        r.group: [
            [e.name, e.value, e.module, e.extras, e.dist.name] for e in r.entry_points().values()
        ]
        for r in REGISTRIES
    }


def _scanned() -> Snapshot:
    """The same, straight from importlib.metadata (the first of a name wins, as on sys.path)."""
    found = importlib.metadata.entry_points()
    snapshot: Snapshot = {}
    for r in REGISTRIES:
        first: dict[str, Any] = {}
        for entry in found.select(group=r.group):
            first.setdefault(entry.name, entry)
        snapshot[r.group] = [
            [e.name, e.value, e.module, e.extras, e.dist.name] for e in first.values()
        ]
    return snapshot


# ------------------------------------------------------------------ fresh processes

CHILD = """
import json, logging, sys

logging.basicConfig(format="%(levelname)s %(message)s")  # the registry's warning on stderr

MODULES = ("importlib.metadata", "email", "zipfile", "hashlib", "zlib", "binascii",
           "platformdirs")
before = [m for m in MODULES if m in sys.modules]
from amparex_adapters.registry import REGISTRIES, STORAGE, Registry

def row(e):
    return [e.name, e.value, e.module, e.extras, e.dist.name]

seen = {r.group: [row(e) for e in r.entry_points().values()] for r in REGISTRIES}
factory = STORAGE.load("sqlite").__name__
origin = getattr(Registry("documents").load(sys.argv[1]), "origin", None)
after = [m for m in MODULES if m in sys.modules]

from importlib.metadata import entry_points
found, scan = entry_points(), {}
for r in REGISTRIES:
    first = {}
    for e in found.select(group=r.group):
        first.setdefault(e.name, e)
    scan[r.group] = [row(e) for e in first.values()]
print(json.dumps({"before": before, "after": after, "seen": seen, "scan": scan,
                  "factory": factory, "origin": origin}))
"""

TWIN = "class Twin:\n    origin = {origin!r}\n"


class Child:
    """Runs :data:`CHILD` as a fresh process on the folders *path*, with its own cache.

    The script lies in a folder of its own (the process's ``sys.path[0]``), the process
    works in another that is on no path, and writes no ``__pycache__``.
    """

    def __init__(self, tmp_path: Path, *path: Path) -> None:
        self.bin, self.cwd, self.cache = tmp_path / "bin", tmp_path / "cwd", tmp_path / "cache"
        for folder in (self.bin, self.cwd):
            folder.mkdir()
        self.script = self.bin / "child.py"
        self.script.write_text(CHILD, encoding="utf-8")
        self.env = {
            **os.environ,
            "AMPAREX_CACHE_DIR": str(self.cache),
            "PYTHONPATH": os.pathsep.join([*map(str, path), SRC]),
            "PYTHONDONTWRITEBYTECODE": "1",
        }

    def __call__(self, kind: str) -> tuple[dict[str, Any], str]:
        """The child's report and its stderr."""
        done = subprocess.run(
            [sys.executable, str(self.script), kind],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        report: dict[str, Any] = json.loads(done.stdout)
        assert report["before"] == [], report["before"]
        assert report["seen"] == report["scan"]  # whether scanned or read from the cache
        return report, done.stderr


def _twins(tmp_path: Path, kind: str) -> tuple[Path, Path]:
    """Two folders that both register *kind* in ``amparex.documents`` (earlier, later)."""
    folders = tmp_path / "earlier", tmp_path / "later"
    for folder in folders:
        module = _unique(f"acme_{folder.name}")
        write_distribution(
            folder,
            f"acme-{folder.name}",
            entry_points={"amparex.documents": {kind: f"{module}:Twin"}},
            modules={module: TWIN.format(origin=folder.name)},
        )
    return folders


def test_a_second_process_reads_the_cache_and_imports_no_importlib_metadata(
    tmp_path: Path,
) -> None:
    """The first process scans and writes the cache file; the second finds the same
    entry points (names, values, distributions, order, the first on sys.path of a kind
    registered twice, its warning) without importlib.metadata or a hash library."""
    kind = _unique("twin")
    earlier, later = _twins(tmp_path, kind)
    child = Child(tmp_path, earlier, later)
    settle(earlier, later, child.bin, age=100)
    cold, cold_warnings = child(kind)
    assert "importlib.metadata" in cold["after"]
    assert [f.name for f in child.cache.iterdir()] == [
        next(child.cache.glob("entry-points-*.json")).name
    ]
    warm, warm_warnings = child(kind)
    assert warm["after"] == []
    assert warm["seen"] == cold["seen"] == cold["scan"]
    assert warm["factory"] == "open_sqlite" and warm["origin"] == "earlier"
    assert [row[0] for row in warm["seen"]["amparex.documents"]].count(kind) == 1
    for warnings in (cold_warnings, warm_warnings):
        assert "registered twice" in warnings, warnings
        assert "acme-earlier" in warnings and "acme-later" in warnings


def test_a_distribution_added_or_removed_later_is_seen_by_the_next_process(
    tmp_path: Path,
) -> None:
    kind, added, module = _unique("twin"), _unique("acme-added"), _unique("acme_added")
    earlier, later = _twins(tmp_path, kind)
    child = Child(tmp_path, earlier, later)
    settle(earlier, later, child.bin, age=300)
    child(kind)
    before, _ = child(kind)
    assert before["after"] == []  # warm
    info = write_distribution(
        later,
        "acme-added",
        entry_points={"amparex.delivery": {added: f"{module}:DropBox"}},
        modules={module: DROP_BOX},
    )
    settle(info, later / f"{module}.py", age=200)
    settle(later, age=200, deep=False)  # the files already there keep their times
    installed, _ = child(kind)
    assert "importlib.metadata" in installed["after"]
    assert added in [row[0] for row in installed["seen"]["amparex.delivery"]]
    again, _ = child(kind)
    assert again["after"] == [] and again["seen"] == installed["seen"]
    shutil.rmtree(info)
    (later / f"{module}.py").unlink()
    settle(later, age=100, deep=False)
    removed, _ = child(kind)
    assert "importlib.metadata" in removed["after"]
    assert removed["seen"] == before["seen"]


# ------------------------------------------------------------------ what the stamp holds


def test_an_entry_points_file_rewritten_in_place_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry_point_cache: EntryPointCache
) -> None:
    """A distribution's ``entry_points.txt`` edited without touching its folder (by hand,
    or ``setup.py develop`` again): the folder's time is the same, the file's is not."""
    first, second = _unique("acme-first"), _unique("acme-second")
    site = tmp_path / "site"
    info = write_distribution(
        site, "acme-inplace", entry_points={"amparex.readers": {first: "acme_x:reader"}}
    )
    monkeypatch.syspath_prepend(str(site))
    settle(site, age=100)
    assert first in READERS.kinds()
    entry_point_cache.restart()
    assert first in READERS.kinds()
    assert entry_point_cache.scans == 1  # the second read the cache file
    folders = site.stat().st_mtime_ns, info.stat().st_mtime_ns
    (info / "entry_points.txt").write_text(f"[amparex.readers]\n{second} = acme_x:reader\n")
    settle(info / "entry_points.txt", age=50)
    assert (site.stat().st_mtime_ns, info.stat().st_mtime_ns) == folders
    entry_point_cache.restart()
    assert second in READERS.kinds() and first not in READERS.kinds()
    assert entry_point_cache.scans == 2


def test_an_egg_info_that_gets_entry_points_in_place_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry_point_cache: EntryPointCache
) -> None:
    """A legacy ``*.egg-info`` (``setup.py develop``) of a distribution without entry
    points, which gets some in place: no folder on sys.path changes."""
    kind = _unique("acme-legacy")
    site = tmp_path / "site"
    egg = site / "acme_legacy.egg-info"
    egg.mkdir(parents=True)
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: acme-legacy\nVersion: 1.0\n")
    monkeypatch.syspath_prepend(str(site))
    settle(site, age=100)
    assert kind not in READERS.kinds()
    entry_point_cache.restart()
    assert kind not in READERS.kinds()
    assert entry_point_cache.scans == 1
    folder = site.stat().st_mtime_ns
    (egg / "entry_points.txt").write_text(f"[amparex.readers]\n{kind} = acme_y:reader\n")
    assert site.stat().st_mtime_ns == folder
    entry_point_cache.restart()
    assert kind in READERS.kinds()
    assert READERS.entry_point(kind).dist.name == "acme-legacy"


def test_a_relative_path_entry_is_read_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry_point_cache: EntryPointCache
) -> None:
    """``""`` on sys.path (``python -c``) is the working folder: two folders with a
    distribution of the same name and modification times, of other kinds, are two states."""
    kinds = {"one": _unique("acme-one"), "two": _unique("acme-two")}
    stamp = time.time_ns() - 100_000_000_000
    for name, kind in kinds.items():
        entry = {"amparex.readers": {kind: "m:r"}}
        info = write_distribution(tmp_path / name, "acme-here", entry_points=entry)
        for path in (info / "entry_points.txt", info, tmp_path / name):
            os.utime(path, ns=(stamp, stamp))
    monkeypatch.setattr(sys, "path", ["", *sys.path])
    monkeypatch.chdir(tmp_path / "one")
    assert kinds["one"] in READERS.kinds() and kinds["two"] not in READERS.kinds()
    entry_point_cache.restart()
    monkeypatch.chdir(tmp_path / "two")
    assert kinds["two"] in READERS.kinds() and kinds["one"] not in READERS.kinds()
    assert entry_point_cache.scans == 2


def test_a_folder_changed_just_now_is_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry_point_cache: EntryPointCache
) -> None:
    """A change within the same timestamp tick as the folder's time would go unseen: a
    scan that saw a folder changed in the last two seconds is not written."""
    monkeypatch.setattr(_entry_points, "RACY_NS", 2_000_000_000)
    site = tmp_path / "site"
    write_distribution(site, "acme-fresh", entry_points={"amparex.readers": {"fresh": "m:r"}})
    old = time.time_ns() - 10_000_000_000
    steady = [p for p in sys.path if p and _entry_points._mtime(p) < old]
    monkeypatch.setattr(sys, "path", [str(site), *steady])
    assert "fresh" in READERS.kinds()
    assert not entry_point_cache.folder.exists()
    settle(site, age=10)
    entry_point_cache.restart()
    assert "fresh" in READERS.kinds()
    assert entry_point_cache.file.is_file()


def test_a_finder_that_finds_distributions_itself_means_no_cache(
    monkeypatch: pytest.MonkeyPatch, entry_point_cache: EntryPointCache
) -> None:
    """A finder on sys.meta_path with distributions of its own: what it finds is not in
    the stamp, so every start scans (as before the cache)."""

    class Finder:
        @staticmethod
        def find_distributions(context: object = None) -> list[object]:
            return []

    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder])
    for start in (1, 2):
        entry_point_cache.restart()
        assert "sqlite" in STORAGE.kinds()
        assert entry_point_cache.scans == start
    assert not entry_point_cache.folder.exists()


def test_a_distribution_whose_name_cannot_be_read_is_scanned_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry_point_cache: EntryPointCache
) -> None:
    """A METADATA that is no UTF-8: the kinds are importlib.metadata's own entry points,
    not cached (reading the distribution's name fails only where it did before)."""
    kind = _unique("acme-undecodable")
    site = tmp_path / "site"
    info = write_distribution(
        site, "acme-undecodable", entry_points={"amparex.readers": {kind: "acme_z:reader"}}
    )
    (info / "METADATA").write_bytes(b"Metadata-Version: 2.1\nName: acme-\xff\nVersion: 1\n")
    monkeypatch.syspath_prepend(str(site))
    settle(site, age=100)
    assert kind in READERS.kinds()
    assert READERS.entry_point(kind).value == "acme_z:reader"
    assert not entry_point_cache.folder.exists()
    with pytest.raises(UnicodeDecodeError):
        _ = READERS.entry_point(kind).dist.name


# ------------------------------------------------------------------ damaged files


def _tampered(record: dict[str, Any], **changes: Any) -> bytes:
    """*record* with *changes*, and the sqlite storage in another module (to be refused)."""
    for row in record["entries"]:
        if row[:2] == ["amparex.storage", "sqlite"]:
            row[2], row[3][0] = "tampered:open", "tampered"
    return json.dumps({**record, **changes}).encode()


def _one_row(record: dict[str, Any], reference: list[Any]) -> bytes:
    """*record* with one entry point only, whose ``[module, attr, extras]`` is *reference*."""
    row = ["amparex.readers", "x", "m:r [e]", reference, ["acme"]]
    return json.dumps({**record, "entries": [row]}).encode()


DAMAGES: dict[str, Callable[[dict[str, Any], bytes], bytes]] = {
    "empty": lambda record, raw: b"",
    "truncated": lambda record, raw: raw[: len(raw) // 2],
    "not text": lambda record, raw: b"\x00\xff\xfe garbage",
    "foreign JSON": lambda record, raw: b'{"hello": "world"}',
    "a list": lambda record, raw: b"[1, 2, 3]",
    "nested too deep": lambda record, raw: b"[" * 100_000,
    "another format": lambda record, raw: _tampered(record, format=2),
    "another interpreter": lambda record, raw: _tampered(
        record, python=[record["python"][0], "other-99", 0]
    ),
    "another sys.path": lambda record, raw: _tampered(record, path=record["path"][1:]),
    "a row of another shape": lambda record, raw: json.dumps(
        {**record, "entries": [*record["entries"], ["amparex.storage", 1, "x"]]}
    ).encode(),
    "extras a text": lambda record, raw: _one_row(record, ["m", "r", "e"]),
    "extras not texts": lambda record, raw: _one_row(record, ["m", "r", [1]]),
    "a watched file gone": lambda record, raw: _tampered(
        record, watch=[*record["watch"], ["/nonexistent/entry_points.txt", 1]]
    ),
}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_or_foreign_cache_file_is_scanned_again_and_rewritten(
    damage: Callable[[dict[str, Any], bytes], bytes], entry_point_cache: EntryPointCache
) -> None:
    expected = _snapshot()
    assert expected == _scanned()
    raw = entry_point_cache.file.read_bytes()
    entry_point_cache.file.write_bytes(damage(json.loads(raw), raw))
    entry_point_cache.restart()
    scans = entry_point_cache.scans
    assert _snapshot() == expected
    assert entry_point_cache.scans == scans + 1
    entry_point_cache.restart()
    assert _snapshot() == expected  # from the rewritten file
    assert entry_point_cache.scans == scans + 1


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file modes")
def test_a_cache_file_others_may_write_is_not_trusted(
    entry_point_cache: EntryPointCache,
) -> None:
    """The cache file names the modules to import: one that others may write is ignored."""
    expected = _snapshot()
    entry_point_cache.file.write_bytes(_tampered(json.loads(entry_point_cache.file.read_bytes())))
    entry_point_cache.restart()
    assert STORAGE.entry_point("sqlite").value == "tampered:open"  # the user's own: trusted
    entry_point_cache.file.chmod(0o664)
    entry_point_cache.restart()
    assert _snapshot() == expected


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file modes")
def test_the_cache_file_is_the_users_alone(entry_point_cache: EntryPointCache) -> None:
    STORAGE.kinds()
    assert entry_point_cache.folder.stat().st_mode & 0o777 == 0o700
    assert entry_point_cache.file.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in entry_point_cache.folder.iterdir()] == [entry_point_cache.file.name]


def test_an_unwritable_cache_folder_still_gives_every_kind(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    entry_point_cache: EntryPointCache,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The cache folder cannot be made (a file is in the way): each start scans, as
    before the cache, and says so at debug level only."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    monkeypatch.setenv("AMPAREX_CACHE_DIR", str(blocker / "cache"))
    with caplog.at_level(logging.DEBUG, logger="amparex_adapters._entry_points"):
        for start in (1, 2):
            entry_point_cache.restart()
            assert _snapshot() == _scanned()
            assert entry_point_cache.scans == 2 * start  # the registry's and _scanned's
    records = [r for r in caplog.records if r.name == "amparex_adapters._entry_points"]
    assert records and {r.levelno for r in records} == {logging.DEBUG}
    assert any("not written" in r.getMessage() for r in records)


# ------------------------------------------------------------------ entry points as read


REFERENCES = {
    "dotted": "acme_ref:Outer.inner [fancy, extra2]",
    "module": "acme_ref",
    "spaces": "acme_ref : Outer  [ a ,b ]",
    "no-extras": "acme_ref:Outer []",
    "broken": "not a reference!",
}


@pytest.mark.parametrize("state", ["cold", "warm"])
def test_an_entry_point_reads_and_loads_as_importlib_metadata_parses_it(
    state: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    entry_point_cache: EntryPointCache,
) -> None:
    """module, attr, extras and load() of each value as importlib.metadata's EntryPoint
    gives them, an error included (a value it cannot parse), scanned or from the cache."""
    module = _unique("acme_ref")
    values = {name: value.replace("acme_ref", module) for name, value in REFERENCES.items()}
    site = tmp_path / "site"
    write_distribution(
        site,
        "acme-references",
        entry_points={"amparex.readers": values},
        modules={module: "class Outer:\n    inner = 'inner'\n"},
    )
    monkeypatch.syspath_prepend(str(site))
    if state == "warm":
        entry_point_cache.warm()
    for name, value in values.items():
        ours = READERS.entry_point(name)
        theirs = importlib.metadata.EntryPoint(name, value, "amparex.readers")
        assert (ours.name, ours.value, ours.dist.name) == (name, value, "acme-references")
        for use in ("module", "attr", "extras", "load"):
            outcomes = []
            for entry in (ours, theirs):
                try:
                    got = getattr(entry, use)
                    outcomes.append(got() if use == "load" else got)
                except AttributeError as exc:
                    outcomes.append(repr(exc))
            assert outcomes[0] == outcomes[1], (name, use, outcomes)
    assert READERS.entry_point("broken").value == "not a reference!"


# ------------------------------------------------------------------ where the file lies


@pytest.mark.skipif(sys.platform == "win32", reason="the home folder is USERPROFILE there")
@pytest.mark.parametrize(
    ("platform", "environ", "folder"),
    [
        ("linux", {"AMPAREX_CACHE_DIR": "/srv/cache"}, "/srv/cache"),
        ("linux", {"XDG_CACHE_HOME": "/xdg"}, "/xdg/amparex"),
        ("linux", {"XDG_CACHE_HOME": "relative"}, "/home/kim/.cache/amparex"),
        ("linux", {}, "/home/kim/.cache/amparex"),
        ("darwin", {}, "/home/kim/Library/Caches/amparex"),
        ("win32", {"LOCALAPPDATA": "/users/kim/local"}, "/users/kim/local/amparex/Cache"),
    ],
)
def test_the_cache_file_lies_in_the_users_cache_folder(
    platform: str, environ: dict[str, str], folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AMPAREX_CACHE_DIR", "XDG_CACHE_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"HOME": "/home/kim", **environ}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", platform)
    file = _entry_points.cache_file()
    assert file is not None
    assert os.path.dirname(file) == folder
    assert len(os.path.basename(file)) == len("entry-points-12345678.json")
    assert _entry_points.cache_file() == file
    monkeypatch.setattr(sys, "prefix", sys.prefix + "-other")
    assert _entry_points.cache_file() != file  # one file per interpreter
