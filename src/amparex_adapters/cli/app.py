"""The ``amparex`` command: click commands over :class:`~amparex_adapters.cli.compose.Composition`.

Exit status: 0 done; 1 refused (one line ``amparex: error [CODE]: MESSAGE`` on stderr,
MESSAGE in German with ``--lang de`` or a German ``LC_ALL`` / ``LC_MESSAGES`` / ``LANG``);
2 usage error; 3 ``amparex status``: something is overdue or failing. No traceback
reaches the user unless ``--debug`` is given.

This module is the root only: the global options, and one module per command group in
:mod:`amparex_adapters.cli.commands` registered on it. State, error handling, shared
options and the logging set-up live in :mod:`amparex_adapters.cli.shell`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from amparex_adapters.i18n import N_
from amparex_core._version import __version__

from .shell import (
    LOG_LEVELS,
    AmparexGroup,
    LazyCommands,
    State,
    TranslatedMessage,
    configure_logging,
    detect_lang,
    normalize_token,
)

# Moved to the shell; importable from here as in 0.1.0.
from .shell import _redact_url as _redact_url  # noqa: PLC0414
from .shell import _url_passwords as _url_passwords  # noqa: PLC0414

if TYPE_CHECKING:
    from .commands.outbox import watch_outbox

__all__ = ["cli", "detect_lang", "watch_outbox"]


#: Each command group's module, imported when the group runs (or ``--help`` lists it).
GROUPS = {
    name: f"amparex_adapters.cli.commands.{module}:{attribute}"
    for name, module, attribute in (
        ("interfaces", "interfaces", "interfaces"),
        ("templates", "templates", "templates"),
        ("orders", "orders", "orders"),
        ("startup", "startup", "startup"),
        ("serve", "serve", "serve"),
        ("status", "status", "status"),
        ("outbox", "outbox", "outbox"),
        ("cards", "cards", "cards"),
        ("config", "config", "config_group"),
        ("db", "db", "db"),
        ("masterdata", "masterdata", "masterdata"),
        ("demo", "demo", "demo"),
    )
}


@click.group(
    cls=AmparexGroup,
    commands=LazyCommands(GROUPS),
    context_settings={
        "help_option_names": ["-h", "--help"],
        "token_normalize_func": normalize_token,
    },
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Configuration file (default: $AMPAREX_CONFIG, else ./amparex.toml, else amparex.toml "
    "in the user's, then the system's configuration folder).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "de"]),
    help="Language of messages (default: from LC_ALL / LC_MESSAGES / LANG).",
)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    default="warning",
    envvar="AMPAREX_LOG_LEVEL",
    metavar="LEVEL",
    help="debug, info, warning or error: show the library's log records from this level on, "
    "one line each on stderr (default: $AMPAREX_LOG_LEVEL, else warning).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.version_option(
    __version__,
    prog_name="amparex",
    message=TranslatedMessage(N_("%(prog)s, version %(version)s")),
)
@click.pass_context
def cli(
    ctx: click.Context, config_path: str | None, lang: str | None, log_level: str, debug: bool
) -> None:
    """Customer-card ordering and the Loyalty Lab export of an AMPAREX-style chain."""
    state = State(config_path, detect_lang(lang), debug)
    ctx.obj = state
    ctx.call_on_close(configure_logging(log_level, debug=debug, scrub=state.scrub_log))


def __getattr__(name: str) -> object:
    """``watch_outbox``, importable from here as in 0.1.0 (its group loads on first use)."""
    if name == "watch_outbox":
        from .commands.outbox import watch_outbox

        return watch_outbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _quiet_logging(debug: bool) -> None:
    """Log records as a run of the command shows them by default (or with ``--debug``).

    Kept for callers of 0.1.0; the command calls
    :func:`~amparex_adapters.cli.shell.configure_logging`.
    """
    configure_logging("warning", debug=debug)
