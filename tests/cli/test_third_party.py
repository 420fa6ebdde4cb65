"""An adapter of another distribution, used by the real ``amparex`` command (LL8).

The test builds a tiny distribution in a temporary folder — the module ``acme_drop`` with
a drop-box ``FileDelivery`` and an ``acme_amparex_drop-1.0.dist-info`` registering it
under ``amparex.delivery`` — puts the folder on ``PYTHONPATH`` and runs the command as a
separate process, which finds the adapter through its entry point like a built-in one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.thirdparty import DROP_BOX, write_distribution

from .chain import Chain, add_loyalty_lab, error_line


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder holding the distribution ``acme-amparex-drop`` (kind ``acme-drop``)."""
    folder = tmp_path / "site"
    write_distribution(
        folder,
        "acme-amparex-drop",
        entry_points={"amparex.delivery": {"acme-drop": "acme_drop:DropBox"}},
        modules={"acme_drop": DROP_BOX},
    )
    return folder


def _upload_section(chain: Chain, body: str) -> None:
    """Replace ``[loyalty_lab.upload]`` of the chain's configuration with *body*."""
    text = chain.config.read_text(encoding="utf-8")
    text = re.sub(
        r"\[loyalty_lab\.upload\]\n(?:[^\[\n][^\n]*\n)*",
        f"[loyalty_lab.upload]\n{body}\n",
        text,
    )
    chain.config.write_text(text, encoding="utf-8")


def test_LL8_outbox_upload_goes_through_a_third_party_delivery(chain: Chain, site: Path) -> None:
    add_loyalty_lab(chain)
    _upload_section(chain, f'kind = "acme-drop"\nbox = "{chain.server}"\nprefix = "lab-"')
    (chain.outbox / "extra.csv").write_bytes(b"a;b\r\n1;2\r\n")
    env: dict[str, str | None] = {"PYTHONPATH": str(site)}
    first = chain.sub("outbox", "upload", env=env)
    assert first.returncode == 0, first.stderr
    assert "uploaded extra.csv" in first.stdout
    assert sorted(p.name for p in chain.server.iterdir()) == ["lab-extra.csv"]
    assert (chain.server / "lab-extra.csv").read_bytes() == b"a;b\r\n1;2\r\n"
    again = chain.sub("outbox", "upload", env=env)
    assert again.returncode == 0, again.stderr
    assert "nothing new to upload" in again.stdout


def test_LL5_LL8_startup_exports_and_uploads_through_a_third_party_delivery(
    chain: Chain, site: Path
) -> None:
    add_loyalty_lab(chain)
    _upload_section(chain, f'kind = "acme-drop"\nbox = "{chain.server}"')
    started = chain.sub("startup", env={"PYTHONPATH": str(site)})
    assert started.returncode == 0, started.stderr
    exported = sorted(p.name for p in chain.outbox.iterdir())
    assert len(exported) == 4
    assert sorted(p.name for p in chain.server.iterdir()) == [f"acme-{n}" for n in exported]


def test_an_unknown_delivery_kind_is_one_line_listing_the_installed_kinds(
    chain: Chain, site: Path
) -> None:
    add_loyalty_lab(chain)
    _upload_section(chain, 'kind = "acme-nowhere"\nbox = "x"')
    (chain.outbox / "extra.csv").write_bytes(b"x\r\n")
    done = chain.sub("outbox", "upload", env={"PYTHONPATH": str(site)})
    assert done.returncode == 1
    line = error_line(done.stderr)
    assert line.startswith("amparex: error [adapter.unknown]: ")
    assert "'acme-nowhere'" in line and "amparex.delivery" in line
    installed = line.rpartition("installed: ")[2].rstrip(".").split(", ")
    assert {"acme-drop", "folder", "sftp", "ftp", "ftps"} <= set(installed)
    assert list((chain.server).iterdir()) == []


def test_an_option_the_third_party_refuses_is_config_invalid(chain: Chain, site: Path) -> None:
    add_loyalty_lab(chain)
    _upload_section(chain, f'kind = "acme-drop"\nbox = "{chain.server}"\ncolour = "red"')
    (chain.outbox / "extra.csv").write_bytes(b"x\r\n")
    done = chain.sub("outbox", "upload", env={"PYTHONPATH": str(site)})
    assert done.returncode == 1
    line = error_line(done.stderr)
    assert line.startswith("amparex: error [config.invalid]: ")
    assert "loyalty_lab.upload" in line and "colour" in line
