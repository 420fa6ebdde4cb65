"""Babel's extraction method for the command: gettext marks plus click's help texts.

``babel.cfg`` maps every module to :func:`extract`. It yields

* the first argument of ``_()``, ``gettext()``, ``N_()`` and the library's ``said()``
  (:func:`amparex_core.domain.text.said`), and both of ``ngettext()``;
* the message of a log record at WARNING or above (``logger.warning("... %s", x)``, also
  ``error``, ``exception``, ``critical`` on a name ``logger``/``log``/``_log``): the command
  shows those on stderr, translated (``amparex_adapters.cli.shell.configure_logging``);
* in click code, each string given as ``help=``, ``short_help=`` or ``epilog=`` of a call
  (options, arguments, commands, groups), and the docstring of each function decorated
  with a click ``command``/``group`` (its help), both as click shows them
  (``inspect.cleandoc``), which is the key ``amparex_adapters.cli.shell`` looks up.

Standard library only (``ast``): Babel imports this while extracting; nothing imports it
at run time.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["HELP_KEYWORDS", "LOG_METHODS", "MARKS", "extract", "extract_source"]

MARKS = {"_": 1, "gettext": 1, "N_": 1, "said": 1, "ngettext": 2}
"""Function names that mark a message id, and how many leading arguments are ids."""

HELP_KEYWORDS = ("help", "short_help", "epilog")
"""Keyword arguments of click calls whose string is a help text."""

_DECORATORS = ("command", "group")
LOG_METHODS = ("warning", "error", "exception", "critical")
"""The levels of log records the command shows by default (``--log-level warning``)."""
_LOGGERS = ("logger", "log", "_log", "_logger", "LOG")


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _string(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _is_click_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return _name(target) in _DECORATORS


def extract_source(source: str) -> Iterator[tuple[int, str, str | tuple[str, ...]]]:
    """``(line, funcname, message)`` of every message id in *source* (funcname ``""``: help)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            count = MARKS.get(name or "")
            if count:
                ids = [_string(arg) for arg in node.args[:count]]
                if len(ids) == count and all(ids):
                    messages = tuple(i for i in ids if i)
                    # Babel knows its own keywords only: said() reports as a help text does.
                    funcname = "" if name == "said" else name or ""
                    yield node.lineno, funcname, messages[0] if count == 1 else messages
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in LOG_METHODS
                and isinstance(func.value, ast.Name)
                and func.value.id in _LOGGERS
                and node.args
                and (text := _string(node.args[0]))
            ):
                yield node.lineno, "", text
            for keyword in node.keywords:
                value = _string(keyword.value) if keyword.arg in HELP_KEYWORDS else None
                if value and value.strip():
                    yield keyword.value.lineno, "", inspect.cleandoc(value)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc and any(_is_click_decorator(d) for d in node.decorator_list):
                yield node.body[0].lineno, "", inspect.cleandoc(doc)


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, str | tuple[str, ...], list[str]]]:
    """Babel's extraction method (``[extractors]`` in ``babel.cfg``)."""
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    for line, funcname, message in extract_source(source):
        yield line, funcname, message, []
