"""Abuse of the Loyalty Lab file names: patterns and the values put into them (LL4, LL6, LL7).

A file name is ``file_pattern`` (default ``{customer_number}_{statistic}_{date:%Y%m%d}.csv``)
filled with the customer number, the statistic slot and the day. Hostile patterns and
customer numbers (``../``, ``/``, ``\\``, NUL, ``..``, absolute paths, drive letters
``C:``, reserved device names ``CON``/``NUL``, control characters, names longer than 255
bytes, format specs that raise, nested or attribute placeholders, patterns that make the
same name for two statistics or two days) are **refused when configuring**, with
``loyalty_lab.file_pattern_invalid`` (nothing is sanitised). Proven here:

* every accepted configuration makes, for every statistic and any day, a plain file name
  whose path, resolved, is a direct child of the export folder;
* the export folder adapter is a second line of defence: any name that is not plain is
  refused with ``export.failed`` and nothing is written anywhere;
* through the command, a refused ``interfaces add loyalty-lab`` stores nothing, and an
  accepted one exports its files into the folder only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from functools import partial
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from amparex_adapters.exports.folder import FolderExportTarget
from amparex_core.domain.errors import AmparexError
from amparex_core.domain.interfaces import DEFAULT_FILE_PATTERN, LoyaltyLabSettings
from amparex_core.domain.statistics import StatisticKind
from tests.cli.chain import Chain, chain

from ._abuse import assert_refusal, outcome, snapshot

__all__ = ["chain"]

nasty = st.sampled_from(
    [
        "../", "..", ".", "/", "\\", "\x00", "/etc/passwd", "..\\..\\windows", "C:", "C:\\x",
        "CON", "nul", "COM1", "lpt9", "\t", "\n", " ", "*", "?", "<", ">", "|", '"', ":",
        "x" * 300, "ä" * 130, "%2e%2e%2f", "~", "$HOME", "{", "}",
    ]
)  # fmt: skip
customer_numbers = st.one_of(
    st.sampled_from(["4711", "AX-100", "0815"]),
    st.lists(nasty | st.text("0123456789AB", max_size=4), min_size=1, max_size=3).map("".join),
)
patterns = st.one_of(
    st.just(DEFAULT_FILE_PATTERN),
    st.lists(
        nasty
        | st.sampled_from(
            [
                "{customer_number}", "{statistic}", "{date:%Y%m%d}", "{date}", "{date:%Y}",
                "{date:%d/%m/%Y}", "{date:%j}", "{statistic:.0}", "{statistic:>300}",
                "{statistic!r}", "{date:{statistic}}", "{customer_number.__class__}",
                "{date:{customer_number.__class__}}", "{0}", "{}", "{statistic:d}",
                "{date:%Y%m%d%H}", "_", ".csv", "-", "{date:\x00}",
            ]
        ),
        min_size=1,
        max_size=5,
    ).map("".join),
)  # fmt: skip
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))


@given(customer_number=customer_numbers, pattern=patterns, day=days, other=days)
def test_LL4_LL6_accepted_names_stay_in_the_folder_and_differ(
    customer_number: str, pattern: str, day: dt.date, other: dt.date
) -> None:
    """Refused with loyalty_lab.* at configuration, or every name is a plain child."""
    folder = "/srv/loyalty lab/export"
    result = outcome(
        lambda: LoyaltyLabSettings(
            customer_number=customer_number, directory=folder, file_pattern=pattern
        ),
        (customer_number, pattern),
    )
    if isinstance(result, AmparexError):
        assert result.code.startswith("loyalty_lab."), result
        event(result.code)
        return
    event("accepted")
    names = {(kind, d): result.file_name(kind, d) for kind in StatisticKind for d in (day, other)}
    for name in names.values():
        assert name not in ("", ".", "..")
        assert not {"/", "\\", "\x00", ":"} & set(name), name
        assert len(name.encode()) <= 255
        joined = os.path.normpath(os.path.join(folder, name))
        assert os.path.dirname(joined) == folder, name
    assert len({names[(k, day)] for k in StatisticKind}) == len(StatisticKind)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.lists(nasty | st.text("ab.", max_size=3), min_size=1, max_size=4).map("".join))
def test_LL7_the_export_folder_refuses_names_that_are_not_plain(tmp_path: Path, name: str) -> None:
    """FolderExportTarget.write_new: a file directly in the folder, or export.failed."""
    root = tmp_path / "root"
    folder = root / "sub" / "export"
    folder.mkdir(parents=True, exist_ok=True)
    before = snapshot(root)
    target = FolderExportTarget()
    result = outcome(lambda: target.write_new(str(folder), name, [b"a;b\r\n"]), name)
    if isinstance(result, AmparexError):
        assert result.code in ("export.failed", "export.directory_invalid"), result
        assert_refusal(result)
        assert snapshot(root) == before, "a refused name wrote a file"
        return
    written = set(snapshot(root)) - set(before)
    for path in written:
        assert (root / path).resolve().parent == folder.resolve(), path
    for path in written:
        (root / path).unlink()


@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(customer_number=customer_numbers, pattern=patterns)
def test_LL4_LL5_the_command_stores_only_safe_patterns_and_exports_into_the_folder(
    chain: Chain, customer_number: str, pattern: str
) -> None:
    """``amparex interfaces add loyalty-lab``: refused and nothing stored, or files in place."""
    if "\x00" in customer_number + pattern:
        return  # a NUL cannot be passed to a process as an argument
    for config in json.loads(chain.ok("interfaces", "list", "--json").stdout):
        chain.ok("interfaces", "remove", config["id"])
    for leftover in chain.outbox.iterdir():
        leftover.unlink()
    outside = snapshot(chain.root.parent)
    result = chain.run(
        "interfaces", "add", "loyalty-lab", "--customer-number", customer_number,
        "--directory", str(chain.outbox), "--customers", "ST-CUSTOMERS",
        "--glasses", "ST-GLASSES", "--file-pattern", pattern,
    )  # fmt: skip
    if result.exit_code != 0:
        assert result.exit_code == 1, result.stderr
        line = result.stderr.strip()
        assert line.startswith("amparex: error [loyalty_lab."), line
        assert json.loads(chain.ok("interfaces", "list", "--json").stdout) == []
        event("command: refused")
        return
    event("command: accepted and exported")
    chain.ok("startup")
    after = snapshot(chain.root.parent)
    new = [Path(p) for p in set(after) - set(outside) if after[p] != outside.get(p)]
    exported = [p for p in new if not p.name.endswith((".sqlite", "-wal", "-shm", "-journal"))]
    assert exported, "nothing was exported"
    for path in exported:
        full = (chain.root.parent / path).resolve()
        assert full.parent == chain.outbox.resolve() or full.parent == chain.server.resolve(), path


def test_LL6_the_default_pattern_with_a_plain_number_is_accepted() -> None:
    """The default pattern and a plain customer number make the documented name."""
    settings_ = LoyaltyLabSettings(customer_number="4711", directory="/x")
    reserved = outcome(
        lambda: LoyaltyLabSettings(
            customer_number="CON",
            directory="/x",
            file_pattern="{customer_number}.{statistic}{date:%Y%m%d}",
        ),
        "CON",
    )
    assert isinstance(reserved, AmparexError) and "reserved" in str(reserved)
    assert settings_.file_name(StatisticKind.GLASSES, dt.date(2026, 11, 23)) == (
        "4711_glasses_20261123.csv"
    )
    for hostile in ("../4711", "47/11", "C:4711", "4711\x00", "x" * 300):
        error = outcome(
            partial(LoyaltyLabSettings, customer_number=hostile, directory="/x"), hostile
        )
        assert isinstance(error, AmparexError)
        assert_refusal(error, code="loyalty_lab.file_pattern_invalid")
