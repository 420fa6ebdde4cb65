"""The composition root: each configured adapter is built with the configuration's values."""

from __future__ import annotations

from typing import Any

import pytest

from amparex_adapters.cli.compose import Composition, load_adapter
from amparex_adapters.cli.config import Secrets, structure_config
from amparex_adapters.cli.errors import AdapterUnavailable, ConfigInvalid
from amparex_core.domain.errors import AdapterUnknown

PASSWORDS = {
    "AMPAREX_UPLOAD_PASSWORD": "pw-upload-0815",
    "AMPAREX_SMTP_PASSWORD": "pw-smtp-0815",
    "AMPAREX_PARCEL_PASSWORD": "pw-parcel-0815",
}


def _compose(data: dict[str, Any]) -> Composition:
    config = structure_config(data)
    return Composition(config, Secrets(config, environ=PASSWORDS))


@pytest.mark.parametrize(
    ("upload", "parcels", "expected"),
    [
        (
            {"kind": "sftp", "host": "h", "username": "u", "known_hosts": "/dev/null"},
            {"kind": "smtp", "host": "m", "sender": "a@b.example", "recipients": ["c@d.example"]},
            ("SftpDelivery", "sftp://u@h:22/.", "SmtpParcelDelivery", "smtp://m:587"),
        ),
        (
            {"kind": "ftps", "host": "h", "username": "u", "port": 2121},
            {"kind": "files", "transport": "sftp", "host": "h", "username": "u"},
            ("FtpDelivery", "ftps://u@h:2121/.", "FilesParcelDelivery", "sftp://u@h:22/."),
        ),
        (
            {"kind": "ftp", "host": "h", "username": "u", "allow_plain": True},
            {"kind": "files", "transport": "ftps", "host": "h", "username": "u"},
            ("FtpDelivery", "ftp://u@h:21/.", "FilesParcelDelivery", "ftps://u@h:21/."),
        ),
        (
            {"kind": "folder", "folder": "/srv/up"},
            {"kind": "folder", "folder": "/srv/cards"},
            ("FolderDelivery", "file:///srv/up", "FilesParcelDelivery", "file:///srv/cards"),
        ),
    ],
    ids=["sftp+smtp", "ftps+files-sftp", "ftp+files-ftps", "folders"],
)
def test_LL8_CO18_every_delivery_kind_is_wired_and_shows_no_password(
    upload: dict[str, Any], parcels: dict[str, Any], expected: tuple[str, ...]
) -> None:
    app = _compose({"loyalty_lab": {"upload": upload}, "card_order": {"delivery": parcels}})
    files, parcel = app.upload_delivery, app.parcel_delivery
    assert files is not None
    shown = (type(files).__name__, files.destination, type(parcel).__name__, parcel.destination)
    assert shown == expected
    for text in (*shown, repr(files), repr(parcel)):
        assert not any(password in text for password in PASSWORDS.values())


def test_CO18_without_a_delivery_dispatch_fails_with_a_clear_reason() -> None:
    from amparex_core.domain.errors import DeliveryFailed
    from amparex_core.domain.parcels import Parcel

    app = _compose({})
    assert app.upload_delivery is None
    with pytest.raises(DeliveryFailed, match=r"no \[card_order.delivery\]"):
        app.parcel_delivery.send(Parcel(id="p", subject="s", body="b", attachments=()))


def test_an_adapter_missing_from_the_installation_is_named() -> None:
    with pytest.raises(AdapterUnavailable) as caught:
        load_adapter("amparex_adapters.nowhere", feature="the time machine")
    assert caught.value.code == "config.adapter_unavailable"
    assert "the time machine" in caught.value.message("en")


def test_an_unknown_reader_kind_is_adapter_unknown_and_a_builtin_one_is_checked() -> None:
    """A kind no adapter has fails when used, listing the readers installed; a built-in
    kind without what it needs (``nfc`` without a path) is a configuration error."""
    app = _compose({"reader": {"default": "floppy"}})  # another distribution's kind
    with pytest.raises(AdapterUnknown) as caught:
        app.reader()
    assert caught.value.code == "adapter.unknown"
    assert caught.value.family == "readers"
    assert {"pcsc", "nfc", "scripted"} <= set(caught.value.installed)
    assert "pcsc, scripted" in caught.value.message("en")
    with pytest.raises(ConfigInvalid, match=r"reader\.default"):
        _compose({"reader": {"default": "nfc"}})
    with pytest.raises(ConfigInvalid, match=r"reader\.default"):
        app.reader("nfc")


def test_CR1_the_scripted_reader_shows_the_configured_card() -> None:
    app = _compose({"reader": {"default": "scripted", "scripted_uid": "04:a2:2b:9c"}})
    presented = app.reader().wait_for_card(0.1)
    assert presented is not None
    assert presented.uid.hex == "04A22B9C"
    empty = _compose({"reader": {"default": "scripted"}})
    assert empty.reader().wait_for_card(0.01) is None


def test_a_missing_extra_is_named(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from amparex_adapters.cli.errors import ExtraMissing

    (tmp_path / "amparex_fake_adapter.py").write_text(
        "from amparex_adapters._extras import require\nrequire('no_such_library_7f3c', 'fancy')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ExtraMissing) as caught:
        load_adapter("amparex_fake_adapter", feature="the fancy adapter", extra="fancy")
    assert caught.value.code == "config.extra_missing"
    assert caught.value.message("en") == (
        "the fancy adapter needs the extra 'fancy': pip install \"amparex-core[fancy]\"."
    )
    (tmp_path / "amparex_fake_plain.py").write_text("import no_such_library_7f3c\n")
    with pytest.raises(ExtraMissing):
        load_adapter("amparex_fake_plain", feature="the plain adapter", extra="plain")


def test_built_in_kinds_keep_their_checks_and_other_kinds_pass_their_keys_through() -> None:
    """A section of a built-in kind is checked key by key as before; a section of a kind
    another distribution installs keeps its keys as options, unchecked."""
    with pytest.raises(ConfigInvalid) as caught:
        structure_config({"loyalty_lab": {"upload": {"kind": "sftp", "host": "h", "box": "x"}}})
    assert (caught.value.key, caught.value.reason) == ("loyalty_lab.upload.box", "unknown key")
    with pytest.raises(ConfigInvalid) as caught:
        structure_config({"loyalty_lab": {"upload": {"kind": "sftp", "host": "h"}}})
    assert caught.value.key == "loyalty_lab.upload.username"
    with pytest.raises(ConfigInvalid) as caught:
        structure_config({"loyalty_lab": {"upload": {"kind": "smtp", "host": "h"}}})
    assert caught.value.key == "loyalty_lab.upload.kind"  # a parcel kind is no file delivery
    with pytest.raises(ConfigInvalid) as caught:
        structure_config({"card_order": {"delivery": {"kind": "files", "transport": "smtp"}}})
    assert caught.value.key == "card_order.delivery.transport"
    with pytest.raises(ConfigInvalid) as caught:
        structure_config({"loyalty_lab": {"upload": {"kind": "folder", "options": {"a": 1}}}})
    assert caught.value.key == "loyalty_lab.upload.options"
    config = structure_config(
        {
            "loyalty_lab": {"upload": {"kind": "acme", "box": "x", "port": 0, "timeout": -1}},
            "card_order": {"delivery": {"kind": "files", "transport": "acme", "box": "y"}},
            "masterdata": {"kind": "acme", "catalogue": "spring"},
        }
    )
    upload, parcels = config.loyalty_lab.upload, config.card_order.delivery
    assert upload is not None and parcels is not None
    assert (upload.kind, upload.options) == ("acme", {"box": "x", "port": 0, "timeout": -1})
    assert (parcels.transport, parcels.options) == ("acme", {"box": "y"})
    assert config.masterdata.options == {"catalogue": "spring"}
    secrets = Secrets(config, environ=PASSWORDS)
    options = parcels.opener_options(resolve=config.resolve_path, secrets=secrets, prefix="parcel")
    password = options.pop("password")
    assert password.reveal() == PASSWORDS["AMPAREX_PARCEL_PASSWORD"]
    assert options == {"transport": "acme", "box": "y"}
