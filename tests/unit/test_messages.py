"""No Python internals in any message (issue 15, item 8).

Every error class — the library's and the command's — is rendered in English and German
with realistic facts (the values the code passes when it raises), absent optional facts
included, and no rendering may show Python's names for types and calls or a placeholder
such as ``-:``. A fact name without a realistic value here fails the test, so a new error
class is covered when it is added.
"""

from __future__ import annotations

import itertools
import types
import typing
from typing import Any

import pytest

import amparex_adapters.cli.errors  # noqa: F401 - the command's errors join the tree
from amparex_core.domain.errors import AmparexError, all_error_classes
from tests.words import INTERNALS as WORDS

INTERNALS = (*WORDS, "None")
"""Python's words, and ``None`` (an absent fact is shown as ``-``)."""

REALISTIC: dict[str, tuple[Any, ...]] = {
    "address": ("127.0.0.1", "::1"),
    "port": (9464, 8000),
    "branch": ("F01",),
    "card_number": ("927600000115",),
    "card_type": ("chip", "nfc_rfid"),
    "differences": ("holder", "template, valid_until"),
    "compatible_from": (3, None),
    "count": (2,),
    "destination": ("sftp://upload.loyaltylab.example/in", "[card_order.delivery]"),
    "destination_refused": (False, True),
    "directory": ("/srv/amparex/outbox",),
    "display_name": ("Loyalty Lab",),
    "document_id": ("sample-cover-letter",),
    "existing_directory": ("/srv/amparex/outbox",),
    "existing_display_name": ("Loyalty Lab",),
    "existing_id": ("9a84cd62c7704c44bc9b8a596fa0a4db",),
    "existing_name": ("GOLD",),
    "existing_order_id": ("1bfaa03f67a4491cb265a6f8ee57b813",),
    "existing_workstation": ("KASSE-1",),
    "expected": ("card", "letter"),
    "extra": ("sftp",),
    "family": ("delivery",),
    "feature": ("the delivery adapter 'sftp'",),
    "field": ("holder_name",),
    "file": ("an amparex.toml", "an amparex.toml naming the database postgresql://…@db/amparex"),
    "file_format": ("xlsx",),
    "file_name": ("4711_customers_20261206.csv",),
    "fingerprint": ("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",),
    "form": ("hex",),
    "found": (3,),
    "holder_id": ("K00040",),
    "holder_kind": ("customer",),
    "host": ("[upload.loyaltylab.example]:22",),
    "installed": (("folder", "sftp"), ()),
    "interface_id": ("9a84cd62c7704c44bc9b8a596fa0a4db",),
    "item": ("B000001", "gift box"),
    "key": ("chain.time_zone", ""),
    "kind": ("card_order", "letter"),
    "missing": ("postal address", "leading branch"),
    "mode": ("0644",),
    "module": ("paramiko",),
    "name": ("GOLD",),
    "number": ("927600000116",),
    "on": ("2026-12-06",),
    "order_date": ("2026-12-06",),
    "order_id": ("1bfaa03f67a4491cb265a6f8ee57b813",),
    "path": ("/etc/amparex/amparex.toml",),
    "pattern": ("{statistic}.csv",),
    "places": (
        ("amparex.toml", "/root/.config/amparex/amparex.toml", "/etc/amparex/amparex.toml"),
    ),
    "process_ref": ("VG-0001/2",),
    "problems": (("line 3, branches[1].id: is required",),),
    "reader": ("pcsc:ACS ACR122U",),
    "reason": ("Connection refused", "it does not exist"),
    "required": (4,),
    "role": ("cover letter", "document template"),
    "scope": ("workstation",),
    "settings_kind": ("loyalty_lab",),
    "ship_to": ("customer",),
    "source": ("/etc/amparex/bundle.toml",),
    "statistic": ("customers",),
    "status": ("dispatched",),
    "store": ("sqlite:////srv/amparex/amparex.sqlite",),
    "supported": (2,),
    "template": ("GOLD",),
    "template_id": ("ST-CUSTOMERS",),
    "technology": ("contact", "contactless"),
    "text": ("VG-0001//",),
    "timeout": ("10",),
    "uid": ("04A22B9C",),
    "valid_until": ("2026-01-01",),
    "value": ("04A22B9C",),
    "variable": ("AMPAREX_CARD_KEY",),
    "what": ("UID",),
    "workstation": ("KASSE-1",),
}
"""Values the code passes when it raises, per fact name; the first is the usual one."""


def _optional(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType) and type(
        None
    ) in typing.get_args(tp)


def renderings(cls: type[AmparexError]) -> list[AmparexError]:
    """*cls* with every variant of each realistic fact (and ``None`` where allowed)."""
    hints = typing.get_type_hints(cls)
    choices: dict[str, list[Any]] = {}
    for name in cls.fact_names:
        if name not in REALISTIC:
            pytest.fail(f"{cls.__name__}: no realistic value for the fact {name!r}")
        choices[name] = list(REALISTIC[name])
        if _optional(hints.get(name)):
            choices[name].append(None)
    names = list(choices)
    return [
        cls(**dict(zip(names, values, strict=True)))
        for values in itertools.islice(itertools.product(*choices.values()), 64)
    ]


@pytest.mark.parametrize("cls", all_error_classes(), ids=lambda c: c.code)
def test_no_message_shows_python_internals(cls: type[AmparexError]) -> None:
    for error in renderings(cls):
        for lang in ("en", "de"):
            message = error.message(lang)
            for internal in INTERNALS:
                assert internal not in message, f"{internal!r} in {message!r}"
            assert message.rstrip().endswith((".", "?", ")")), message


def test_the_check_finds_a_placeholder() -> None:
    """The old form of ``config.invalid`` for a whole file (key ``-``) is caught."""
    from amparex_adapters.cli.errors import ConfigInvalid

    old = ConfigInvalid(path="/etc/amparex/amparex.toml", key="-", reason="no such file")
    assert any(internal in old.message("en") for internal in INTERNALS)
    new = ConfigInvalid(path="/etc/amparex/amparex.toml", key="", reason="no such file")
    assert new.message("en") == "Configuration /etc/amparex/amparex.toml: no such file."
