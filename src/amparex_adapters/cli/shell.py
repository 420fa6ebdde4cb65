"""The shell of the ``amparex`` command: state, error handling, shared options, logging.

Every command group (:mod:`amparex_adapters.cli.commands`) builds on this module and
never on the root (:mod:`amparex_adapters.cli.app`):

* :class:`State` holds what the global options set up and builds the
  :class:`~amparex_adapters.cli.compose.Composition` on first use;
* :class:`AmparexGroup` turns every refusal into the one line
  ``amparex: error [CODE]: MESSAGE`` (:func:`report_error`) and exit status 1;
* :func:`configure_logging` sends the library's log records to stderr, one scrubbed line
  each (``amparex: warning: MESSAGE``), from ``--log-level`` / ``AMPAREX_LOG_LEVEL`` on;
* :class:`HelpCommand` and :class:`HelpGroup` show help in the active language
  (:mod:`amparex_adapters.i18n`), which the root (:meth:`AmparexGroup.main`) chooses
  from ``--lang`` or the locale before click parses anything;
* :data:`UNATTENDED` names the commands that never run without a configuration file
  (OP4) and :data:`READ_ONLY` those that never create a store.

The prefixes ``amparex: error [CODE]:`` and ``amparex: LEVEL:`` stay English in every
language, like the codes: scripts match them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import click

from amparex_adapters import i18n
from amparex_adapters._extras import MissingExtraError
from amparex_adapters.storage import split_login
from amparex_core.domain.errors import AmparexError
from amparex_core.domain.secret import redact
from amparex_core.services.startup import REFUSAL_ATTRIBUTE

from .errors import ConfigInvalid, ExtraMissing

if TYPE_CHECKING:
    from amparex_core.ports.clock import Clock

    from .compose import Composition

__all__ = [
    "LOG_LEVELS",
    "READ_ONLY",
    "UNATTENDED",
    "AmparexGroup",
    "HelpCommand",
    "HelpGroup",
    "LazyCommands",
    "State",
    "TranslatedMessage",
    "configure_logging",
    "detect_lang",
    "lang_argument",
    "normalize_token",
    "report_error",
    "word",
]


UNATTENDED: Final = frozenset(
    {"startup", "serve", "outbox upload", "outbox watch", "outbox purge", "orders dispatch"}
)
"""The commands that run unattended (a service, a scheduled job, the program start).

They refuse to run without a configuration file found (``config.not_found``, OP4): a
service started in the wrong folder must not work on a new, empty store. A command is
named by its path below ``amparex`` (``"outbox upload"``); a group module adds its own
unattended command here.
"""

READ_ONLY: Final = frozenset(
    {
        "interfaces list",
        "templates list",
        "orders list",
        "cards list",
        "cards identify",
        "config show",
        "masterdata list",
        "status",
    }
)
"""The commands that only read: they never create a store (OP4).

On a SQLite store whose file does not exist they see an empty store and say so in one
line on stderr.
"""


def command_name(ctx: click.Context) -> str:
    """The path of the running command below the root: ``"outbox upload"``."""
    return " ".join(ctx.command_path.split()[1:])


def detect_lang(option: str | None, environ: dict[str, str] | None = None) -> str:
    """``"de"`` or ``"en"``: the option, else the locale (LC_ALL, LC_MESSAGES, LANG)."""
    if option:
        return option
    env = os.environ if environ is None else environ
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable)
        if value:
            return "de" if value.lower().startswith("de") else "en"
    return "en"


def lang_argument(args: Sequence[str]) -> str | None:
    """The value of ``--lang`` among the command line's *args*, if one is given.

    Read before click parses (help and usage errors come out during parsing, before the
    option's own value is known); the last one counts, as with click. Nothing after
    ``--`` is an option.

    >>> lang_argument(["--config", "a.toml", "--lang=de", "templates", "--help"])
    'de'
    """
    found = None
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(args):
            found = args[index + 1]
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    return found if found in i18n.LANGUAGES else None


class State:
    """What the global options set up, and the composition built on first use."""

    def __init__(self, config_path: str | None, lang: str, debug: bool) -> None:
        self.config_path = config_path
        self.lang = lang
        self.debug = debug
        self._app: Composition | None = None
        self.secret_values: list[str] = []
        self.clock: Clock | None = None
        self.reported: set[str] = set()
        """The error lines printed in this run: a problem is printed once."""

    def app(self, ctx: click.Context) -> Composition:
        """The :class:`~amparex_adapters.cli.compose.Composition`, built on first use."""
        if self._app is None:
            from .compose import Composition
            from .config import Secrets, load_config, secrets_file_values

            # Known before the configuration is read: a refused configuration may quote a
            # value that is a secret pasted into the wrong key.
            self.secret_values = _environment_secrets()
            name = command_name(ctx)
            try:
                config = load_config(self.config_path, required=name in UNATTENDED)
            except ConfigInvalid:
                self.secret_values += secrets_file_values(self.config_path)
                raise
            secrets = Secrets(config)
            self.secret_values += secrets.values() + _url_passwords(
                config.storage_url, config.statistics_url
            )
            self._app = Composition(
                config,
                secrets,
                clock=self.clock,
                read_only=name in READ_ONLY,
                report_at_rest=name != "interfaces move-keys",
            )
            ctx.call_on_close(self._app.close)
        return self._app

    def scrub(self, text: str) -> str:
        """*text* with every known secret value replaced by ``********``.

        Quoted forms count too; see :func:`~amparex_core.domain.secret.redact`.
        """
        return redact(text, self.secret_values)

    def scrub_log(self, text: str) -> str:
        """Like :meth:`scrub`; before the configuration is read, the environment's secrets."""
        return redact(text, self.secret_values or _environment_secrets())


def _environment_secrets() -> list[str]:
    """The secret values the environment holds, PostgreSQL's ``PGPASSWORD`` too."""
    from .config import SECRET_VARIABLES

    variables = [*SECRET_VARIABLES.values(), "PGPASSWORD"]
    return [os.environ[v] for v in variables if len(os.environ.get(v, "")) >= 3]


_QUERY_PASSWORD = re.compile(r"(?i)(^|&)((?:ssl)?password=)([^&]*)")


def _url_passwords(*urls: str) -> list[str]:
    """Passwords written into URLs (discouraged), to scrub them from messages too.

    Both the login part (``user:password@``) and a ``password=`` query parameter count,
    also in a malformed URL, each as written and percent-decoded.
    """
    import urllib.parse

    found = []
    for url in urls:
        _start, _user, password, _host, query = split_login(url)
        values = [password] if password else []
        values += [m[3] for m in _QUERY_PASSWORD.finditer(query) if m[3]]
        for value in values:
            found += [value, urllib.parse.unquote(value), urllib.parse.unquote_plus(value)]
    return found


def _state(ctx: click.Context) -> State:
    state = ctx.find_object(State)
    if state is None:  # pragma: no cover - the group always sets it
        state = State(None, detect_lang(None), debug=False)
        ctx.obj = state
    return state


def report_error(state: State, exc: AmparexError) -> None:
    """Print *exc* as the one line ``amparex: error [CODE]: MESSAGE`` to stderr.

    One problem, one line: a line printed before in this run is not printed again (a
    folder that fails every export, a destination that refused every file).
    """
    message = state.scrub(" ".join(exc.message(state.lang).split()))
    line = f"amparex: error [{exc.code}]: {message}"
    if line in state.reported:
        return
    state.reported.add(line)
    click.echo(line, err=True)


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands by name, each imported from its module on first use.

    ``amparex startup`` imports the ``startup`` group only; ``amparex --help`` (which
    lists every name and its short help) and iteration over the items import them all.

    Args:
        where: Command name -> ``"module:attribute"`` of the command object.
    """

    def __init__(self, where: Mapping[str, str]) -> None:
        self._where = dict(where)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        command = self._loaded.get(name)
        if command is None:
            module, _, attribute = self._where[name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            self._loaded[name] = command
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command
        self._where.setdefault(name, "")

    def __delitem__(self, name: str) -> None:
        del self._where[name]
        self._loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._where

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


@contextlib.contextmanager
def _help_in_language(command: click.Command, ctx: click.Context | None) -> Iterator[None]:
    """*command*'s help texts (its own, its options') in the active language, for a while.

    The code holds them in English (the message ids, as click shows them:
    :func:`inspect.cleandoc`); in English nothing changes.
    """
    if i18n.language() == "en":
        yield
        return
    import inspect

    params = command.get_params(ctx) if ctx is not None else []
    saved: list[tuple[Any, str, Any]] = []
    for target, attribute in [(command, "help"), (command, "short_help"), (command, "epilog")] + [
        (param, "help") for param in params
    ]:
        text = getattr(target, attribute, None)
        if isinstance(text, str) and text:
            saved.append((target, attribute, text))
            setattr(target, attribute, i18n.gettext(inspect.cleandoc(text)))
    try:
        yield
    finally:
        for target, attribute, text in saved:
            setattr(target, attribute, text)


class HelpCommand(click.Command):
    """A command whose help (``--help``, its line in a group's list) is in the active language."""

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the help in the active language."""
        with _help_in_language(self, ctx):
            super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        """The line of this command in its group's help, in the active language."""
        with _help_in_language(self, None):
            return super().get_short_help_str(limit)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """Click's ``--help`` option, its help kept as the English message id."""
        option = super().get_help_option(ctx)
        if option is not None:  # click made it in the language of its first use
            option.help = i18n.gettext("Show this message and exit.")
        return option


class HelpGroup(HelpCommand, click.Group):
    """A group whose help, and that of the commands made with it, is in the active language."""

    command_class = HelpCommand
    group_class = type  # subgroups are HelpGroups too


class TranslatedMessage(str):
    """A ``%``-template click formats late (``--version``'s message), in the active language.

    click's ``version_option`` takes its message when the command is defined; formatting
    it (``message % values``) looks the text up at that moment instead.
    """

    __slots__ = ()

    def __mod__(self, values: Any) -> str:
        """The message in the active language, formatted with *values*."""
        text: str = i18n.gettext(str(self)) % values
        return text


class AmparexGroup(HelpGroup):
    """The root: refusals become one line and exit status 1; the language comes first."""

    def main(self, args: Sequence[str] | None = None, *extra: Any, **kwargs: Any) -> Any:
        """Run the command in the language of ``--lang`` or the locale.

        The language is set before click parses, so help and usage errors are in it
        too; click's own messages go through :mod:`amparex_adapters.i18n`. The previous
        language is restored afterwards (a caller in the same process keeps its own).
        """
        argv = list(sys.argv[1:] if args is None else args)
        previous = i18n.set_language(detect_lang(lang_argument(argv)))
        i18n.install_for_click()
        try:
            return super().main(argv, *extra, **kwargs)
        finally:
            i18n.set_language(previous)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; report refusals and unexpected errors in one line."""
        try:
            return super().invoke(ctx)
        except AmparexError as exc:
            state = _state(ctx)
            if state.debug:
                click.echo(state.scrub(traceback.format_exc()).rstrip(), err=True)
            report_error(state, exc)
            ctx.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except MissingExtraError as exc:  # an adapter imported its library late
            state = _state(ctx)
            if state.debug:
                click.echo(state.scrub(traceback.format_exc()).rstrip(), err=True)
            found = re.search(r"amparex-core\[(\w+)\]", str(exc))
            report_error(
                state,
                ExtraMissing(
                    feature=i18n.gettext("this adapter"), extra=found[1] if found else "all"
                ),
            )
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo(i18n.gettext("amparex: interrupted"), err=True)
            ctx.exit(130)
        except BrokenPipeError:  # `amparex orders list | head`: the reader has enough
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(141)
        except Exception as exc:  # noqa: BLE001 - the user never sees a traceback
            state = _state(ctx)
            if state.debug:
                click.echo(state.scrub(traceback.format_exc()).rstrip(), err=True)
            text = state.scrub(" ".join(str(exc).split())) or type(exc).__name__
            hint = "" if state.debug else i18n.gettext(" (run with --debug for details)")
            click.echo(f"amparex: error [internal]: {type(exc).__name__}: {text}{hint}", err=True)
            ctx.exit(1)


def _app(ctx: click.Context) -> Composition:
    return _state(ctx).app(ctx)


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            i18n.gettext("{value!r} is not a date YYYY-MM-DD").format(value=value)
        ) from None


def _instant(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            i18n.gettext("{value!r} is not an ISO date-time").format(value=value)
        ) from None
    if instant.tzinfo is None:
        raise click.BadParameter(
            i18n.gettext("give a time zone offset, e.g. 2026-12-01T08:00+01:00")
        )
    return instant


def normalize_token(token: str) -> str:
    """How the command reads a command name, an option name or a choice.

    Case does not matter and ``_`` is read as ``-``: ``--kind card_order`` (as ``--json``
    prints it), ``--kind CARD-ORDER`` and ``--kind card-order`` are the same (the
    command's vocabulary, :func:`word`, is the hyphenated form).

    >>> normalize_token("CARD_ORDER"), normalize_token("nfc-rfid")
    ('card-order', 'nfc-rfid')
    """
    return token.lower().replace("_", "-")


def word(member: Any) -> str:
    """The command's word for an enum member: its value, hyphenated (``card-order``).

    What listings print is what options accept; ``--json`` keeps the API's values
    (``card_order``), which the options accept too (:func:`normalize_token`).

    >>> from amparex_core.domain.templates import ShipTo
    >>> word(ShipTo.ORDERING_BRANCH)
    'ordering-branch'
    """
    return str(member.value).replace("_", "-")


def _choice(enum_type: Any) -> click.Choice[str]:
    return click.Choice([word(m) for m in enum_type], case_sensitive=False)


def _enum(enum_type: Any, value: str) -> Any:
    return enum_type(value.lower().replace("-", "_"))


def _json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (stable keys).")(func)


def interactive(stream: Any) -> bool:
    """Whether progress bars go to *stream*: a terminal, and not under CI."""
    if os.environ.get("CI"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _progress_enabled() -> bool:
    return interactive(sys.stdout)


def _table(headers: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for index, header in enumerate(headers):  # the headers are message ids (N_)
        table.add_column(i18n.gettext(header), no_wrap=index == 0)
    for row in rows:
        table.add_row(*row)
    # In a pipe, rows stay whole lines instead of wrapping at 80 columns.
    Console(width=None if interactive(sys.stdout) else 1000).print(table)


def _redact_url(url: str) -> str:
    """*url* without a password (``postgresql://user:pw@host`` → ``user:********@host``).

    A ``password=`` query parameter is masked too, and a malformed URL is no exception.
    """
    start, user, password, rest, query = split_login(url)
    if password is not None:
        rest = f"{start}{user}:********@{rest}"
    elif user is not None:
        rest = f"{start}{user}@{rest}"
    if not query:
        return rest
    return rest + "?" + _QUERY_PASSWORD.sub(r"\1\2********", query)


# ================================================================== logging

LOG_LEVELS: Final = ("debug", "info", "warning", "error")
"""The choices of ``--log-level`` and ``AMPAREX_LOG_LEVEL``."""

LIBRARY_LOGGERS: Final = ("amparex_core", "amparex_adapters")
"""The loggers whose records the command shows (those of every module of the library)."""

_DEBUG_FORMAT: Final = "amparex: debug: %(name)s: %(message)s"


def _message(record: logging.LogRecord) -> str:
    """The message of *record* in the active language (its format string is a message id)."""
    if isinstance(record.msg, str) and i18n.language() != "en":
        text = i18n.gettext(record.msg)
        if text != record.msg:
            args = record.args
            if isinstance(args, tuple):  # words the library marked (N_), such as a folder's
                args = tuple(i18n.gettext(a) if isinstance(a, str) else a for a in args)
            try:
                return text % args if args else text
            except (TypeError, ValueError, KeyError):  # a translation that does not fit
                pass
    return record.getMessage()


class _StderrLines(logging.Handler):
    """Log records on stderr: one scrubbed line each, or with ``--debug`` the full record.

    Without ``--debug`` a record becomes ``amparex: LEVEL: MESSAGE`` on one line, without
    traceback; a record that only repeats a refusal the command reports itself (it
    carries :data:`~amparex_core.services.startup.REFUSAL_ATTRIBUTE`) is left out, so a
    refusal stays one line. Every line goes through *scrub*, so no secret the command
    knows reaches stderr.
    """

    _amparex = True  # marks the command's own handlers

    def __init__(self, level: int, *, scrub: Callable[[str], str], debug: bool) -> None:
        super().__init__(level)
        self._scrub = scrub
        self._debug = debug
        if debug:
            self.setFormatter(logging.Formatter(_DEBUG_FORMAT))

    def filter(self, record: logging.LogRecord) -> bool:
        """Leave out records that repeat a refusal the command reports itself."""
        if not self._debug and getattr(record, REFUSAL_ATTRIBUTE, None) is not None:
            return False
        return bool(super().filter(record))

    def emit(self, record: logging.LogRecord) -> None:
        """Write *record* to the current stderr."""
        try:
            if self._debug:
                text = self.format(record)
            else:
                message = " ".join(_message(record).split())
                text = f"amparex: {record.levelname.lower()}: {message}"
            click.echo(self._scrub(text), err=True)
        except Exception:  # noqa: BLE001 - logging never breaks the command
            self.handleError(record)


def configure_logging(
    level: str = "warning",
    *,
    debug: bool = False,
    scrub: Callable[[str], str] | None = None,
) -> Callable[[], None]:
    """Show log records on stderr for one run of the command; nothing else configures them.

    Without *debug*, records of the library (:data:`LIBRARY_LOGGERS`) at *level* or above
    go to stderr as one line each, ``amparex: warning: MESSAGE``; other libraries' records
    are not shown. With *debug* every record of every logger is shown, with its logger's
    name and traceback (``amparex: debug: NAME: MESSAGE``). The lines are scrubbed of
    secrets by *scrub* (by default: the secrets in the environment).

    Args:
        level: One of :data:`LOG_LEVELS`; ignored with *debug*.
        debug: Show every record at DEBUG and above, with tracebacks.
        scrub: Masks secrets in a line.

    Returns:
        A function that removes the handlers and restores the levels it changed.
    """
    scrub = scrub or (lambda text: redact(text, _environment_secrets()))
    root = logging.getLogger()
    undo: list[Callable[[], None]] = []
    if debug:
        targets = [root]
        wanted = logging.DEBUG
    else:
        targets = [logging.getLogger(name) for name in LIBRARY_LOGGERS]
        wanted = logging.getLevelNamesMapping()[level.upper()]
        if not root.handlers:  # other libraries' records stay hidden (no last resort)
            quiet = logging.NullHandler()
            root.addHandler(quiet)
            undo.append(lambda: root.removeHandler(quiet))
    for logger in targets:
        for old in [h for h in logger.handlers if getattr(h, "_amparex", False)]:
            logger.removeHandler(old)
        handler = _StderrLines(wanted, scrub=scrub, debug=debug)
        logger.addHandler(handler)
        undo.append(functools.partial(logger.removeHandler, handler))
        if logger.getEffectiveLevel() > wanted:
            undo.append(functools.partial(logger.setLevel, logger.level))
            logger.setLevel(wanted)

    def restore() -> None:
        while undo:
            undo.pop()()

    return restore
