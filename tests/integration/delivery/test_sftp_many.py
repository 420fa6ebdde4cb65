"""SFTP: many files with the next one's requests in flight, and paramiko's public API (LL8).

``SftpDelivery.upload_many`` against the real OpenSSH sshd and the asyncssh server: every
file under its final name exactly once, never a partial one, whatever stops the pipeline.
Then a future paramiko is simulated — a private name used for speed missing or of another
shape, while paramiko itself keeps working as a newer release would — and the adapter
must notice once, warn once and deliver through ``SFTPClient.putfo`` with the same
temporary name, size check and rename.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator
from typing import Any

import paramiko
import pytest

from amparex_adapters.delivery import _sftp_batch, _sftp_requests
from amparex_adapters.delivery import sftp as sftp_module
from amparex_adapters.delivery._common import Retry
from amparex_adapters.delivery.sftp import SftpDelivery
from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.parcels import DeliveryReceipt, OutgoingFile
from tests.integration.delivery.proxy import CuttingProxy, cut_once
from tests.integration.delivery.targets import Target, build_target, outgoing, via_port

pytestmark = pytest.mark.integration

WARNING_FROM = "amparex_adapters.delivery._sftp_requests"


@pytest.fixture(autouse=True)
def fresh_detection() -> Iterator[None]:
    """Each test detects paramiko anew; afterwards the real paramiko is detected again."""
    _sftp_requests._fast.clear()
    yield
    _sftp_requests._fast.clear()


def sftp_target(request: pytest.FixtureRequest, kind: str = "sftp-openssh") -> Target:
    target = build_target(request, kind)
    assert isinstance(target.delivery, SftpDelivery)
    return target


def files_of(count: int, *, size: int = 3000) -> list[tuple[str, bytes]]:
    return [(f"f{i:03d}.csv", bytes([i % 251]) * (size + i)) for i in range(count)]


def final_names(target: Target) -> list[str]:
    return [name for name in target.listing() if not name.startswith(".")]


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == WARNING_FROM and r.levelno == logging.WARNING]


# ---------------------------------------------------------------- upload_many


@pytest.mark.parametrize("kind", ["sftp-openssh", "sftp-asyncssh"])
def test_LL8_upload_many_delivers_every_file_once_in_order(
    request: pytest.FixtureRequest, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LL8: small, empty and large files (the large one waits for acknowledgements)."""
    monkeypatch.setattr(sftp_module, "IN_FLIGHT", 256 * 1024)
    target = sftp_target(request, kind)
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    items = [*files_of(30), ("empty.csv", b""), ("large.bin", bytes(range(256)) * 8192)]
    receipts = list(delivery.upload_many(outgoing(name, data) for name, data in items))
    assert [r.reference.rsplit("/", 1)[-1] for r in receipts] == [name for name, _ in items]
    assert [r.size for r in receipts] == [len(data) for _, data in items]
    assert target.listing() == sorted(name for name, _ in items)  # no temporary file left
    for name, data in items:
        assert target.fetch(name) == data


def test_LL8_upload_many_sends_neighbouring_files_in_one_round_trip(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One wait for answers per file (plus the first open and the last rename)."""
    waits = []
    original = _sftp_batch._Pipeline.drain

    def counted(self: Any, until: int = 0) -> None:
        waits.append(until)
        original(self, until)

    monkeypatch.setattr(_sftp_batch._Pipeline, "drain", counted)
    target = sftp_target(request)
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    delivery.upload(outgoing("first.csv", b"connects"))
    items = files_of(20)
    assert len(list(delivery.upload_many(outgoing(n, d) for n, d in items))) == 20
    assert len(waits) == 1 + 20 + 1
    assert target.listing() == sorted(["first.csv", *(n for n, _ in items)])


def test_LL8_upload_many_a_file_shorter_than_announced_stops_there(
    request: pytest.FixtureRequest,
) -> None:
    """LL8: the files before it are delivered, it is refused, nothing partial, no temps."""
    target = sftp_target(request)
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    items = [
        outgoing("a.csv", b"a" * 5000),
        outgoing("b.csv", b"b" * 5000),
        outgoing("short.csv", b"s" * 100, size=5000),
        outgoing("c.csv", b"c" * 5000),
    ]
    received: list[DeliveryReceipt] = []
    with pytest.raises(DeliveryFailed) as info:
        received.extend(delivery.upload_many(items))
    assert info.value.item == "short.csv"
    assert "after" not in info.value.reason  # permanent: not retried
    assert [r.reference.rsplit("/", 1)[-1] for r in received] == ["a.csv", "b.csv"]
    assert target.listing() == ["a.csv", "b.csv"]
    delivery.upload(outgoing("later.csv", b"ok"))  # the delivery still serves
    assert target.fetch("later.csv") == b"ok"


def test_LL8_upload_many_a_refused_rename_leaves_nothing_partial(
    request: pytest.FixtureRequest,
) -> None:
    """LL8: a folder where a file should go: refused after retries; the rest not sent."""
    target = sftp_target(request)
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    (target.folder / "taken.csv").mkdir()
    (target.folder / "taken.csv" / "inside").write_text("keep")
    items = [outgoing(n, d) for n, d in files_of(3)]
    items.insert(1, outgoing("taken.csv", b"t" * 4000))
    received: list[DeliveryReceipt] = []
    with pytest.raises(DeliveryFailed) as info:
        received.extend(delivery.upload_many(items))
    assert info.value.item == "taken.csv"
    assert [r.reference.rsplit("/", 1)[-1] for r in received] == ["f000.csv"]
    assert target.listing() == ["f000.csv", "taken.csv"]
    assert (target.folder / "taken.csv").is_dir()


def test_LL8_upload_many_refuses_a_bad_name_in_the_middle_as_upload_would(
    request: pytest.FixtureRequest,
) -> None:
    target = sftp_target(request)
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    items = [outgoing("a.csv", b"a"), outgoing("b.csv", b"b"), outgoing("../up.csv", b"x")]
    received: list[DeliveryReceipt] = []
    with pytest.raises(DeliveryFailed) as info:
        received.extend(delivery.upload_many([*items, outgoing("c.csv", b"c")]))
    assert info.value.item == "../up.csv"
    assert len(received) == 2
    assert target.listing() == ["a.csv", "b.csv"]
    assert not (target.folder.parent / "up.csv").exists()


@pytest.mark.parametrize("kind", ["sftp-openssh", "sftp-asyncssh"])
def test_LL8_upload_many_after_a_cut_connection_delivers_every_file_once(
    request: pytest.FixtureRequest, kind: str
) -> None:
    """LL8: the connection breaks mid-batch; every file still ends up whole, exactly once."""
    target = sftp_target(request, kind)
    items = files_of(12, size=40_000)
    with CuttingProxy(target.server.port) as proxy:
        delivery = via_port(target, proxy.port, retry=Retry(attempts=3, backoff=0.01))
        assert isinstance(delivery, SftpDelivery)
        with delivery:
            batch: list[OutgoingFile] = [outgoing(n, d) for n, d in items]
            batch[5] = cut_once(items[5][0], items[5][1], proxy, at=20_000)
            receipts = list(delivery.upload_many(batch))
        assert proxy.cuts == 1
        assert proxy.connections >= 2
    assert len(receipts) == len(items)
    assert final_names(target) == [name for name, _ in items]
    for name, data in items:
        assert target.fetch(name) == data
    # What the cut interrupted may stay under a temporary name (the sweep removes it
    # an hour later); never under a final one.
    assert all(n.endswith(".part") for n in target.listing() if n.startswith("."))


def test_LL8_upload_many_stopped_by_the_caller_leaves_no_temporary_file(
    request: pytest.FixtureRequest,
) -> None:
    target = sftp_target(request)
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    items = files_of(6)
    receipts = delivery.upload_many(outgoing(n, d) for n, d in items)
    assert inspect.isgenerator(receipts)
    next(receipts)
    next(receipts)
    receipts.close()  # the files after the second were in flight
    assert target.listing() == ["f000.csv", "f001.csv"]
    delivery.upload(outgoing("after.csv", b"x"))  # not locked, the connection serves
    assert target.listing() == ["after.csv", "f000.csv", "f001.csv"]


def test_LL8_upload_many_of_nothing_connects_nowhere(request: pytest.FixtureRequest) -> None:
    target = sftp_target(request)
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    assert list(delivery.upload_many([])) == []
    assert delivery._conn is None


# ---------------------------------------------------------------- paramiko's public API


def _changed_read_response(monkeypatch: pytest.MonkeyPatch) -> None:
    """A paramiko whose ``_read_response`` takes another parameter (and still works)."""
    original = paramiko.SFTPClient._read_response

    def _read_response(self: Any, waitfor: Any = None, *, timeout: Any = None) -> Any:
        return original(self, waitfor)

    monkeypatch.setattr(paramiko.SFTPClient, "_read_response", _read_response)


class _Responses:
    """A mapping of answers that is no MutableMapping (paramiko could change its type)."""

    def __init__(self) -> None:
        self._data: dict[int, Any] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __getitem__(self, key: int) -> Any:
        return self._data[key]

    def __setitem__(self, key: int, value: Any) -> None:
        self._data[key] = value

    def __delitem__(self, key: int) -> None:
        del self._data[key]

    def values(self) -> list[Any]:
        return list(self._data.values())


def _changed_client_attributes(monkeypatch: pytest.MonkeyPatch) -> None:
    original = paramiko.SFTPClient.__init__

    def init(self: Any, sock: Any) -> None:
        original(self, sock)
        self._expecting = _Responses()

    monkeypatch.setattr(paramiko.SFTPClient, "__init__", init)


SIMULATIONS = {
    "a constant gone": lambda mp: mp.delattr(paramiko.sftp, "CMD_EXTENDED_REPLY"),
    "a method of another shape": _changed_read_response,
    "a client attribute of another type": _changed_client_attributes,
}


@pytest.mark.parametrize("kind", ["sftp-openssh", "sftp-asyncssh"])
@pytest.mark.parametrize("change", sorted(SIMULATIONS))
def test_LL8_a_changed_paramiko_delivers_through_its_public_api_with_one_warning(
    request: pytest.FixtureRequest,
    kind: str,
    change: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """LL8: slower, never broken: the same files, the same names, one warning in all."""
    SIMULATIONS[change](monkeypatch)
    caplog.set_level(logging.WARNING, WARNING_FROM)
    target = sftp_target(request, kind)
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    items = [*files_of(5), ("large.bin", bytes(range(256)) * 4096)]
    delivery.upload(outgoing("single.csv", b"one by one"))
    receipts = list(delivery.upload_many(outgoing(n, d) for n, d in items))
    assert delivery._conn is not None
    assert delivery._conn.fast is False
    delivery.upload(outgoing("single.csv", b"replaced, same name"))
    other = target.rebuild()  # a second delivery, a second connection: detected already
    assert isinstance(other, SftpDelivery)
    with other:
        other.upload(outgoing("other.csv", b"other"))
    assert len(receipts) == len(items)
    assert target.listing() == sorted(["single.csv", "other.csv", *(n for n, _ in items)])
    for name, data in items:
        assert target.fetch(name) == data
    assert target.fetch("single.csv") == b"replaced, same name"
    (warning,) = warnings_of(caplog)
    assert "putfo" in warning.getMessage()
    assert paramiko.__version__ in warning.getMessage()


def test_LL8_the_public_api_path_keeps_the_size_check_and_the_temporary_name(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LL8: a file shorter than announced is refused; nothing under its name, no temp."""
    monkeypatch.delattr(paramiko.sftp, "CMD_EXTENDED_REPLY")
    target = sftp_target(request)
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    with pytest.raises(DeliveryFailed) as info:
        delivery.upload(outgoing("short.csv", b"s" * 100, size=5000))
    assert info.value.item == "short.csv"
    assert "after" not in info.value.reason
    with pytest.raises(DeliveryFailed):
        delivery.upload(outgoing("long.csv", b"l" * 6000, size=5000))
    assert target.listing() == []
    delivery.upload(outgoing("fine.csv", b"f" * 5000))
    assert target.listing() == ["fine.csv"]
    assert delivery._conn is not None
    assert delivery._conn.fast is False


def test_the_pipelined_writer_is_used_with_the_pinned_paramiko(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, WARNING_FROM)
    assert _sftp_requests.private_api_problem(paramiko) is None
    target = sftp_target(request)
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    delivery.upload(outgoing("a.csv", b"a"))
    assert delivery._conn is not None
    assert delivery._conn.fast is True
    assert warnings_of(caplog) == []
