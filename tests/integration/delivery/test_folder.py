"""FolderDelivery specifics (LL8): a missing folder, permissions, no temp files left."""

from __future__ import annotations

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
