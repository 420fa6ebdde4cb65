"""FolderDelivery specifics (LL8): a missing folder, permissions, no temp files left."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from amparex_adapters.delivery.folder import FolderDelivery
from amparex_core.domain.errors import DeliveryFailed
from tests.integration.delivery.targets import outgoing


def test_LL8_missing_folder_is_an_error_not_created(tmp_path: Path) -> None:
    delivery = FolderDelivery(tmp_path / "not-mounted")
    with pytest.raises(DeliveryFailed) as info:
        delivery.upload(outgoing("a.csv", b"x"))
    assert "does not exist" in info.value.reason
    assert not (tmp_path / "not-mounted").exists()


def test_LL8_destination_is_a_file_uri(tmp_path: Path) -> None:
    assert FolderDelivery(tmp_path).destination == tmp_path.as_uri()
    assert repr(FolderDelivery(tmp_path)) == f"FolderDelivery({tmp_path.as_uri()!r})"


def test_LL8_a_file_where_the_folder_should_be_is_refused(tmp_path: Path) -> None:
    (tmp_path / "target").write_bytes(b"not a folder")
    with pytest.raises(DeliveryFailed):
        FolderDelivery(tmp_path / "target").upload(outgoing("a.csv", b"x"))
    assert (tmp_path / "target").read_bytes() == b"not a folder"


def test_LL8_a_folder_in_place_of_the_final_name_fails_and_leaves_no_temp(tmp_path: Path) -> None:
    (tmp_path / "a.csv").mkdir()
    with pytest.raises(DeliveryFailed):
        FolderDelivery(tmp_path).upload(outgoing("a.csv", b"x"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_LL8_the_first_copy_removes_only_stale_temps_of_dead_copies(tmp_path: Path) -> None:
    """A killed copy's temp file is removed once it is an hour old; look-alikes, fresh temps,
    folders and subfolders are kept; the folder is looked through once per object."""
    stale = [".a.csv.0123abcd.part", ".b.csv.deadbeef.part"]
    kept = [
        ".c.csv.00112233.part",  # fresh
        ".a.csv.part",
        ".x.123.part",
        "a.csv.0123abcd.part",
        ".a.csv.0123ABCD.part",
        "plain.csv",
    ]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".d.csv.01234567.part").mkdir()  # a folder named like a temp
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".e.csv.89abcdef.part").write_bytes(b"x")
    for name in [*stale, *kept[1:], ".d.csv.01234567.part", "sub/.e.csv.89abcdef.part"]:
        _age(tmp_path / name, 2 * 3600)

    delivery = FolderDelivery(tmp_path)
    delivery.upload(outgoing("first.csv", b"1"))
    assert delivery.sweeps == 1
    assert delivery.swept == 2
    left = {p.name for p in tmp_path.iterdir()}
    assert not left & set(stale)
    assert set(kept) <= left
    assert (tmp_path / ".d.csv.01234567.part").is_dir()
    assert (tmp_path / "sub" / ".e.csv.89abcdef.part").exists()

    # Later copies by the same object do not look again.
    late = tmp_path / ".f.csv.fedcba98.part"
    late.write_bytes(b"x")
    _age(late, 2 * 3600)
    delivery.upload(outgoing("second.csv", b"2"))
    assert delivery.sweeps == 1
    assert late.exists()
    FolderDelivery(tmp_path, stale_after=60).upload(outgoing("third.csv", b"3"))
    assert not late.exists()


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), True])
def test_LL8_stale_after_must_be_a_positive_number(tmp_path: Path, bad: float) -> None:
    with pytest.raises(ValueError, match="stale_after"):
        FolderDelivery(tmp_path, stale_after=bad)
