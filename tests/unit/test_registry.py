"""The openers' registries, filled from entry points of real distributions on sys.path.

Every distribution here is built in the test (a module and a ``*.dist-info`` folder, see
:mod:`tests.thirdparty`) and found by :mod:`importlib.metadata` itself: nothing of the
lookup is mocked.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from amparex_adapters._extras import MissingExtraError
from amparex_adapters.cli.compose import Composition
from amparex_adapters.cli.config import Secrets, structure_config
from amparex_adapters.cli.errors import AdapterUnavailable, ConfigInvalid, ExtraMissing
from amparex_adapters.delivery import open_file_delivery, open_parcel_delivery
from amparex_adapters.registry import (
    DOCUMENTS,
    FILE_DELIVERY,
    MASTERDATA,
    PARCEL_DELIVERY,
    READERS,
    REGISTRIES,
    STATISTICS,
    STORAGE,
    Registry,
)
from amparex_adapters.storage import open_storage
from amparex_core.domain.errors import AdapterUnknown, StorageUnavailable
from amparex_core.domain.parcels import OutgoingFile
from amparex_core.domain.secret import Secret
from tests.thirdparty import DROP_BOX, write_distribution
from tests.unit.conftest import EntryPointCache

BUILTIN: dict[str, set[str]] = {
    "storage": {"sqlite", "postgresql", "postgres", "memory"},
    "statistics": {"sqlite", "postgresql", "postgres"},
    "delivery": {"folder", "sftp", "ftp", "ftps", "memory"},
    "parcels": {"smtp", "files", "folder", "memory"},
    "readers": {"pcsc", "nfc", "scripted"},
    "masterdata": {"store", "memory"},
    "documents": {"pdf", "text"},
}


def _unique(prefix: str) -> str:
    """A module or kind name no other test uses (modules stay in sys.modules)."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def _file(name: str, data: bytes) -> OutgoingFile:
    import io

    return OutgoingFile(name=name, size=len(data), open=lambda: io.BytesIO(data))


def _compose(data: dict[str, Any], environ: dict[str, str] | None = None) -> Composition:
    config = structure_config(data)
    return Composition(config, Secrets(config, environ=environ or {}))


# ------------------------------------------------------------------ the project's own


def test_the_project_registers_its_own_adapters_like_a_third_party() -> None:
    """Every built-in kind is an entry point of amparex-core, and its factory imports."""
    for registry in REGISTRIES:
        kinds = set(registry.kinds())
        assert BUILTIN[registry.family] <= kinds, registry
        for kind in BUILTIN[registry.family]:
            entry = registry.entry_point(kind)
            assert entry.dist is not None and entry.dist.name == "amparex-core"
            assert callable(registry.load(kind)), (registry, kind)


def test_importing_the_families_reads_no_entry_point_and_loads_no_driver() -> None:
    """Registries are read on the first open, never at import (``--help`` stays light)."""
    code = (
        "import sys\n"
        "import amparex_adapters.registry, amparex_adapters.storage, amparex_adapters.delivery\n"
        "import amparex_adapters.statistics, amparex_adapters.readers\n"
        "import amparex_adapters.masterdata, amparex_adapters.documents\n"
        "import amparex_adapters.cli.compose\n"
        "names = ('importlib.metadata', 'sqlite3', 'psycopg', 'paramiko', 'smartcard', 'nfc',"
        " 'pypdf', 'jinja2')\n"
        "print(sorted(n for n in names if n in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


# ------------------------------------------------------------------ unknown kinds


@pytest.mark.parametrize("registry", REGISTRIES, ids=lambda r: r.group)
def test_an_unknown_kind_is_adapter_unknown_listing_the_installed_kinds(
    registry: Registry,
) -> None:
    with pytest.raises(AdapterUnknown) as caught:
        registry.load("no-such-kind")
    error = caught.value
    assert error.code == "adapter.unknown"
    assert isinstance(error, LookupError)
    assert (error.family, error.kind) == (registry.family, "no-such-kind")
    assert set(error.installed) >= BUILTIN[registry.family]
    assert list(error.installed) == sorted(error.installed)
    for lang in ("en", "de"):
        text = error.message(lang)
        assert "'no-such-kind'" in text and registry.group in text
        assert ", ".join(sorted(BUILTIN[registry.family])) in ", ".join(error.installed)


def test_an_unknown_storage_scheme_stays_storage_unavailable_naming_the_schemes() -> None:
    with pytest.raises(StorageUnavailable) as caught:
        open_storage("mysql://db/x")
    assert "unknown scheme 'mysql'" in caught.value.reason
    assert "memory://" in caught.value.reason and "sqlite://" in caught.value.reason


# ------------------------------------------------------------------ a third party


def test_a_third_party_delivery_is_opened_like_a_builtin_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, kind = _unique("acme_drop"), _unique("acme-drop")
    site = tmp_path / "site"
    write_distribution(
        site,
        "acme-amparex-drop",
        entry_points={"amparex.delivery": {kind: f"{module}:DropBox"}},
        modules={module: DROP_BOX},
    )
    assert kind not in FILE_DELIVERY.kinds()
    monkeypatch.syspath_prepend(str(site))
    assert kind in FILE_DELIVERY.kinds()
    box = tmp_path / "box"
    box.mkdir()
    delivery = open_file_delivery(kind, box=str(box))
    receipt = delivery.upload(_file("kunden.csv", b"a;b\r\n"))
    assert receipt.reference == "acme-kunden.csv"
    assert (box / "acme-kunden.csv").read_bytes() == b"a;b\r\n"
    with pytest.raises(AdapterUnknown) as caught:
        open_file_delivery("acme-nowhere")
    assert kind in caught.value.installed
    parcels = open_parcel_delivery("files", transport=kind, box=str(box), prefix="p-")
    assert type(parcels).__name__ == "FilesParcelDelivery"


ACME_EVERYWHERE = '''
    """One adapter of Acme in every family; each factory records what it was given."""

    received = []


    def storage(url):
        from amparex_adapters.storage.memory import MemoryStorage

        received.append(("storage", url))
        return MemoryStorage()


    def statistics(url):
        from amparex_adapters.statistics.memory import MemoryStatisticSource

        received.append(("statistics", url))
        return MemoryStatisticSource()


    def delivery(**options):
        from amparex_adapters.delivery.memory import RecordingFileDelivery

        received.append(("delivery", options))
        return RecordingFileDelivery("acme://files")


    def parcels(**options):
        from amparex_adapters.delivery.memory import RecordingParcelDelivery

        received.append(("parcels", options))
        return RecordingParcelDelivery("acme://parcels")


    def reader(arg, **options):
        from amparex_adapters.readers.scripted import ScriptedReader

        received.append(("readers", arg, options))
        return ScriptedReader(name=f"acme:{arg}")


    def masterdata(*, storage, **options):
        from amparex_adapters.masterdata.memory import MemoryMasterData

        received.append(("masterdata", type(storage).__name__, options))
        return MemoryMasterData()


    def renderer(**options):
        from amparex_adapters.documents.text import TextPdfRenderer

        received.append(("documents", options))
        return TextPdfRenderer()
'''


def test_the_command_wires_a_third_party_kind_of_every_family(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Storage and statistics by URL scheme, deliveries, reader, master data and renderer by
    kind: the composition calls the openers, and the section's keys arrive as options."""
    module, kind = _unique("acme_all"), _unique("acme")
    factories = {
        "storage": "storage",
        "statistics": "statistics",
        "delivery": "delivery",
        "parcels": "parcels",
        "readers": "reader",
        "masterdata": "masterdata",
        "documents": "renderer",
    }
    entries = {f"amparex.{group}": {kind: f"{module}:{f}"} for group, f in factories.items()}
    site = tmp_path / "site"
    write_distribution(
        site, "acme-everywhere", entry_points=entries, modules={module: ACME_EVERYWHERE}
    )
    monkeypatch.syspath_prepend(str(site))
    app = _compose(
        {
            "storage": {"url": f"{kind}://shop/main"},
            "statistics": {"url": f"{kind.upper()}://shop/stats"},
            "masterdata": {"kind": kind, "catalogue": "spring"},
            "loyalty_lab": {"upload": {"kind": kind, "box": "in", "port": 2222}},
            "card_order": {
                "renderer": kind,
                "delivery": {"kind": kind, "queue": "cards", "recipients": ["x@y.example"]},
            },
            "reader": {"default": f"{kind}:front-desk"},
        },
        environ={"AMPAREX_UPLOAD_PASSWORD": "pw-upload-4711"},
    )
    try:
        assert type(app.storage).__name__ == "MemoryStorage"
        assert type(app.statistics).__name__ == "MemoryStatisticSource"
        assert type(app.masterdata).__name__ == "MemoryMasterData"
        assert app.upload_delivery is not None
        assert app.upload_delivery.destination == "acme://files"
        assert app.parcel_delivery.destination == "acme://parcels"
        assert getattr(app.reader(), "name", None) == "acme:front-desk"
        assert type(app.renderer).__name__ == "TextPdfRenderer"
    finally:
        app.close()
    received = sys.modules[module].received
    by_family = {entry[0]: entry[1:] for entry in received}
    assert by_family["storage"] == (f"{kind}://shop/main",)
    assert by_family["statistics"] == (f"{kind.upper()}://shop/stats",)
    assert by_family["masterdata"] == ("MemoryStorage", {"catalogue": "spring"})
    (upload_options,) = by_family["delivery"]
    password = upload_options.pop("password")
    assert isinstance(password, Secret) and password.reveal() == "pw-upload-4711"
    assert upload_options == {"box": "in", "port": 2222}
    assert by_family["parcels"] == ({"queue": "cards", "recipients": ["x@y.example"]},)
    assert by_family["readers"] == ("front-desk", {})
    assert by_family["documents"] == ({},)


def test_an_option_a_third_party_refuses_is_config_invalid_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, kind = _unique("acme_drop"), _unique("acme-drop")
    site = tmp_path / "site"
    write_distribution(
        site,
        "acme-amparex-drop",
        entry_points={"amparex.delivery": {kind: f"{module}:DropBox"}},
        modules={module: DROP_BOX},
    )
    monkeypatch.syspath_prepend(str(site))
    unknown = _compose({"loyalty_lab": {"upload": {"kind": kind, "box": ".", "colour": "red"}}})
    with pytest.raises(ConfigInvalid) as caught:
        _ = unknown.upload_delivery
    # Python's "got an unexpected keyword argument" is told as the configuration's key
    assert (caught.value.key, caught.value.reason) == ("loyalty_lab.upload.colour", "unknown key")
    missing = _compose({"loyalty_lab": {"upload": {"kind": kind, "box": str(tmp_path / "no")}}})
    with pytest.raises(ConfigInvalid, match="is not a folder"):
        _ = missing.upload_delivery


# ------------------------------------------------------------------ broken installations


def test_a_kind_whose_extra_is_missing_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library of the extra the entry point names is missing: MissingExtraError names the
    distribution's extra; the command says ``config.extra_missing``."""
    plain, required = _unique("acme_fancy"), _unique("acme_required")
    site = tmp_path / "site"
    write_distribution(
        site,
        "acme-fancy",
        entry_points={
            "amparex.delivery": {
                "acme-fancy": f"{plain}:Fancy [fancy]",
                "acme-required": f"{required}:Fancy",
            }
        },
        modules={
            plain: "import no_such_library_7f3c\n",
            required: (
                "from amparex_adapters._extras import require\n"
                "require('no_such_library_7f3c', 'fancy')\n"
            ),
        },
    )
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(MissingExtraError, match=r'"acme-fancy\[fancy\]"'):
        FILE_DELIVERY.load("acme-fancy")
    with pytest.raises(MissingExtraError, match=r"amparex-core\[fancy\]"):
        FILE_DELIVERY.load("acme-required")
    for kind in ("acme-fancy", "acme-required"):
        app = _compose({"loyalty_lab": {"upload": {"kind": kind}}})
        with pytest.raises(ExtraMissing) as caught:
            _ = app.upload_delivery
        assert caught.value.code == "config.extra_missing"
        assert caught.value.extra == "fancy"
        assert kind in caught.value.message("en")


def test_a_kind_whose_module_is_missing_is_adapter_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _unique("acme_gone")
    site = tmp_path / "site"
    write_distribution(
        site, "acme-gone", entry_points={"amparex.parcels": {"acme-gone": f"{module}:Gone [x]"}}
    )
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(ModuleNotFoundError) as missing:
        PARCEL_DELIVERY.load("acme-gone")
    assert missing.value.name == module
    app = _compose({"card_order": {"delivery": {"kind": "acme-gone"}}})
    with pytest.raises(AdapterUnavailable) as caught:
        _ = app.parcel_delivery
    assert caught.value.code == "config.adapter_unavailable"
    assert caught.value.module == module


# ------------------------------------------------------------------ duplicates


@pytest.fixture(params=["cold", "warm"])
def cache_state(
    request: pytest.FixtureRequest, entry_point_cache: EntryPointCache
) -> Callable[[], None]:
    """What the test calls once its distributions are on sys.path: *cold*, the registry
    scans them; *warm*, it reads the cache file of an earlier scan and cannot scan."""
    if request.param == "warm":
        return entry_point_cache.warm
    return entry_point_cache.restart


def test_a_kind_registered_twice_takes_the_first_on_sys_path_and_warns_once(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    cache_state: Callable[[], None],
) -> None:
    first, second, kind = _unique("acme_first"), _unique("acme_second"), _unique("twin")
    source = "class Twin:\n    origin = {origin!r}\n"
    write_distribution(
        tmp_path / "later",
        "acme-later",
        entry_points={"amparex.documents": {kind: f"{second}:Twin"}},
        modules={second: source.format(origin="later")},
    )
    write_distribution(
        tmp_path / "earlier",
        "acme-earlier",
        entry_points={"amparex.documents": {kind: f"{first}:Twin"}},
        modules={first: source.format(origin="earlier")},
    )
    monkeypatch.syspath_prepend(str(tmp_path / "later"))
    monkeypatch.syspath_prepend(str(tmp_path / "earlier"))
    cache_state()
    registry: Registry = Registry("documents")
    with caplog.at_level(logging.WARNING, logger="amparex_adapters.registry"):
        assert getattr(registry.load(kind), "origin", None) == "earlier"
        assert getattr(registry.load(kind), "origin", None) == "earlier"
    warnings = [r.getMessage() for r in caplog.records if r.name == "amparex_adapters.registry"]
    assert len(warnings) == 1, warnings
    assert "acme-earlier" in warnings[0] and "acme-later" in warnings[0]
    assert kind in warnings[0]
    assert registry.kinds().count(kind) == 1


def test_the_same_entry_point_twice_is_no_duplicate(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    cache_state: Callable[[], None],
) -> None:
    """Two distributions declaring the very same entry point (a package split in two, an
    old copy further down the path) give one kind, without a warning."""
    module, kind = _unique("acme_same"), _unique("same")
    for folder in ("one", "two"):
        write_distribution(
            tmp_path / folder,
            f"acme-same-{folder}",
            entry_points={"amparex.readers": {kind: f"{module}:reader"}},
            modules={module: "def reader(arg, **options):\n    return arg\n"},
        )
        monkeypatch.syspath_prepend(str(tmp_path / folder))
    cache_state()
    registry: Registry = Registry("readers")
    with caplog.at_level(logging.WARNING, logger="amparex_adapters.registry"):
        assert registry.load(kind)("x") == "x"
    assert not [r for r in caplog.records if r.name == "amparex_adapters.registry"]


def test_every_registry_reads_its_own_group() -> None:
    groups = {r.group for r in (STORAGE, STATISTICS, FILE_DELIVERY, PARCEL_DELIVERY)}
    groups |= {r.group for r in (READERS, MASTERDATA, DOCUMENTS)}
    assert groups == {f"amparex.{family}" for family in BUILTIN}
    assert {r.group for r in REGISTRIES} == groups


def test_the_masterdata_of_a_store_are_its_tables_or_memory_without_tables() -> None:
    from amparex_adapters.masterdata import open_masterdata
    from amparex_adapters.masterdata.memory import MemoryMasterData
    from amparex_adapters.masterdata.sql import SqlMasterData

    sql, memory = open_storage("sqlite://"), open_storage("memory://")
    try:
        assert isinstance(open_masterdata("store", storage=sql), SqlMasterData)
        assert isinstance(open_masterdata("store", storage=memory), MemoryMasterData)
        assert isinstance(open_masterdata("memory", storage=sql), MemoryMasterData)
        with pytest.raises(TypeError):
            open_masterdata("store", storage=sql, colour="red")
    finally:
        sql.close()
        memory.close()
