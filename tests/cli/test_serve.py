"""``amparex serve`` and the dispatch switch through the command (CO20, CO19, OP4).

``[card_order] dispatch`` says who dispatches due card orders: ``"startup"`` (every
program start: a single workstation, the default on SQLite and memory stores) or
``"server"`` (``amparex serve`` only: the default on a shared store). ``serve --once``
runs one tick, for cron or the Windows Task Scheduler. The long-running server, several
servers, signals and kills are in tests/reliability/test_serve.py.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from amparex_adapters.cli._serving import dispatch_mode
from amparex_adapters.cli.compose import Composition
from amparex_adapters.cli.config import Secrets, load_config, structure_config
from amparex_adapters.cli.errors import ConfigInvalid
from amparex_adapters.clock.manual import ManualClock
from tests.cli.chain import Chain, add_card_ordering, add_templates, chain, error_line

__all__ = ["chain"]


def place_yesterday(chain: Chain, ref: str = "P1") -> None:
    """An order of the DAILY template GOLD placed yesterday: due now."""
    config = load_config(chain.config)
    app = Composition(
        config, Secrets(config), clock=ManualClock(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    )
    try:
        app.orders.place(
            template="GOLD",
            holder_id="K1",
            branch="F01",
            process_ref=ref,
            valid_until=dt.date.today() + dt.timedelta(days=400),
        )
    finally:
        app.close()


def set_dispatch(chain: Chain, mode: str) -> None:
    text = chain.config.read_text(encoding="utf-8")
    chain.config.write_text(
        text.replace('renderer = "text"\n', f'renderer = "text"\ndispatch = "{mode}"\n'),
        encoding="utf-8",
    )


def test_CO20_a_single_workstation_dispatches_at_startup_by_default(chain: Chain) -> None:
    add_card_ordering(chain)
    add_templates(chain, ["GOLD"])
    place_yesterday(chain)
    assert json.loads(chain.ok("config", "show", "--json").stdout)["card_order"]["dispatch"] == (
        "startup"
    )
    out = chain.ok("startup").stdout
    assert "batch B000001: 1 card(s)" in out
    assert "no card orders due" in chain.ok("serve", "--once").stdout


def test_CO20_with_dispatch_server_startup_leaves_due_orders_to_serve(chain: Chain) -> None:
    add_card_ordering(chain)
    add_templates(chain, ["GOLD"])
    set_dispatch(chain, "server")
    place_yesterday(chain)
    out = chain.ok("startup").stdout
    assert "batch B" not in out and not list(chain.vendor.iterdir())
    assert json.loads(chain.ok("config", "show", "--json").stdout)["card_order"]["dispatch"] == (
        "server"
    )
    served = chain.ok("serve", "--once")
    assert "batch B000001: 1 card(s)" in served.stdout
    assert list(chain.vendor.iterdir())
    assert "no card orders due" in chain.ok("serve", "--once").stdout


def test_CO20_serve_once_exits_1_when_a_batch_fails_and_retries_next_time(chain: Chain) -> None:
    add_card_ordering(chain)
    add_templates(chain, ["GOLD"])
    place_yesterday(chain)
    chain.vendor.rmdir()
    failed = chain.run("serve", "--once")
    assert failed.exit_code == 1
    assert error_line(failed.stderr).startswith("amparex: error [delivery.failed]")
    chain.vendor.mkdir()
    waiting = chain.ok("serve", "--once")  # the server waits for the retry's time
    assert "1 attempt(s) failed; next at" in waiting.stdout
    assert "(sent again)" in chain.ok("orders", "dispatch").stdout  # an operator does not


def test_CO20_the_default_is_server_on_a_shared_store_startup_on_a_local_one() -> None:
    assert dispatch_mode(None, "postgresql://amparex@db/amparex") == "server"
    assert dispatch_mode(None, "sqlite:///var/lib/amparex.sqlite") == "startup"
    assert dispatch_mode(None, "memory://") == "startup"
    assert dispatch_mode("startup", "postgresql://db/amparex") == "startup"
    config = structure_config({"storage": {"url": "postgresql://db/amparex"}})
    assert config.card_order_dispatch == "server"
    assert config.claims.lease == 60.0 and config.server.recheck == 300.0


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"card_order": {"dispatch": "sometimes"}}, "card_order.dispatch"),
        ({"claims": {"lease": 0}}, "claims.lease"),
        ({"claims": {"lease": float("nan")}}, "claims.lease"),
        ({"server": {"recheck": 0.1}}, "server.recheck"),
        ({"server": {"retry_first": 600, "retry_max": 60}}, "server.retry_max"),
        ({"server": {"nmae": "x"}}, "server.nmae"),
    ],
)
def test_CO19_CO20_bad_claim_and_server_settings_are_refused_naming_the_key(
    data: dict[str, object], key: str
) -> None:
    with pytest.raises(ConfigInvalid) as refused:
        structure_config(data)
    assert refused.value.key == key


def test_CO20_the_systemd_unit_runs_serve_and_stops_it_with_sigterm_and_ships_in_the_sdist() -> (
    None
):
    import configparser
    import tomllib
    from pathlib import Path

    root = Path(__file__).parents[2]
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(root / "contrib" / "systemd" / "amparex-serve.service", encoding="utf-8")
    service = unit["Service"]
    assert service["ExecStart"].split()[-1] == "serve"
    assert "--config" in service["ExecStart"]
    assert service["KillSignal"] == "SIGTERM" and service["Restart"] == "on-failure"
    assert int(service["TimeoutStopSec"]) >= 60  # the delivery timeout (30 s) fits
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert "contrib" in project["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
