"""The Jinja2 sandbox of the document adapters, with limits on what an expression may build.

:class:`jinja2.sandbox.SandboxedEnvironment` keeps a template from Python internals
(``__class__``, ``__globals__``, ``_``-names) and caps ``range()`` at 100,000 items, but an
expression such as ``{{ 'x' * 10**9 }}`` or ``{{ 9**9**9 }}`` still makes the process build
a gigabyte string or compute for hours. :class:`LimitedSandbox` refuses, with
:class:`jinja2.exceptions.SecurityError`, a repetition of more than :data:`MAX_ITEMS` items, an
integer of more than :data:`MAX_INT_BITS` bits made by ``*`` or ``**``, an integer
argument above :data:`MAX_ITEMS` to a method or filter call (``'x'.ljust(10**9)``,
``x|center(10**9)``), and a field width above it in ``%`` and ``str.format`` formatting
(``'%999999s' % x``). ``lipsum`` (a text generator with a size argument) is not offered
to templates.

Not bounded: the CPU time of loops (``range`` is capped, but loops can nest), and the
size of what ``replace`` and ``join`` make of values that are each within the limits
(``('x' * 100000)|replace('x', 'y' * 100000)``). These limits stop the accidents and the
obvious attacks, not a determined template author: a template is written by the
practice's administrator, and master-data values are never evaluated.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, Final

import jinja2
import jinja2.nodes
import jinja2.runtime
import jinja2.sandbox
from jinja2.exceptions import SecurityError

__all__ = ["MAX_INT_BITS", "MAX_ITEMS", "LimitedSandbox"]

MAX_ITEMS: Final = 100_000
"""Most items (characters, list entries) a ``*`` may make, and the largest int argument."""

MAX_INT_BITS: Final = 4096
"""Largest integer (in bits) that ``*`` and ``**`` may make."""


_PERCENT_WIDTH: Final = re.compile(r"%(\([^)]*\))?[-#0 +]*(\d{6,}|\*)|%[-#0 +]*\d*\.\d{6,}")
_FORMAT_WIDTH: Final = re.compile(r"\{[^{}]*:[^{}]*\d{6,}[^{}]*\}")


def _check_arguments(values: Any) -> None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and value > MAX_ITEMS:
            raise SecurityError(f"the argument {value} is too large")


def _check_format(text: object, pattern: re.Pattern[str]) -> None:
    if isinstance(text, str) and pattern.search(text):
        raise SecurityError("a field width or precision in the format is too large")


#: What Jinja passes before the value to a filter marked ``pass_context``,
#: ``pass_eval_context`` or ``pass_environment`` (public classes; no template can make one).
_PASSED_FIRST: Final = (jinja2.runtime.Context, jinja2.nodes.EvalContext, jinja2.Environment)


def _limited_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """*func* (a filter), refusing integer arguments above :data:`MAX_ITEMS`."""

    @functools.wraps(func)
    def limited(*args: Any, **kwargs: Any) -> Any:
        skip = 1 if args and isinstance(args[0], _PASSED_FIRST) else 0  # context/env first
        if name == "format" and len(args) > skip:
            _check_format(args[skip], _PERCENT_WIDTH)
        _check_arguments((*args[skip + 1 :], *kwargs.values()))
        return func(*args, **kwargs)

    return limited


def _bits(value: object) -> int:
    return abs(value).bit_length() if isinstance(value, int) else 0


def _check_power(left: object, right: object) -> None:
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and right > 0
        and _bits(left) * right > MAX_INT_BITS
    ):
        raise SecurityError(f"the power {left} ** {right} is too large")


def _check_product(left: object, right: object) -> None:
    for seq, times in ((left, right), (right, left)):
        if (
            isinstance(seq, str | list | tuple)
            and isinstance(times, int)
            and len(seq) * times > MAX_ITEMS
        ):
            raise SecurityError(f"repeating {len(seq)} items {times} times is too large")
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and _bits(left) + _bits(right) > (MAX_INT_BITS)
    ):
        raise SecurityError("the product is too large")


class LimitedSandbox(jinja2.sandbox.SandboxedEnvironment):
    """A sandboxed environment that also refuses the usual expressions building huge values.

    The module's description says what is not bounded.
    """

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals.pop("lipsum", None)
        self.filters = {name: _limited_filter(name, f) for name, f in self.filters.items()}

    def getattr(self, obj: Any, attribute: str) -> Any:
        """No attribute of a class.

        ``dict.x`` would fall back to ``dict['x']``, a generic alias that renders the name
        given.
        """
        if isinstance(obj, type):
            return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """No item of a class (``dict['x']`` makes a generic alias, not a value)."""
        if isinstance(obj, type):
            return self.undefined(obj=obj, name=argument)
        return super().getitem(obj, argument)

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        """Check ``*`` and ``**`` before computing them."""
        if operator == "**":
            _check_power(left, right)
        elif operator == "*":
            _check_product(left, right)
        elif operator == "%":
            _check_format(left, _PERCENT_WIDTH)
            _check_arguments(right if isinstance(right, tuple) else (right,))
        return super().call_binop(context, operator, left, right)

    def call(
        __self,  # noqa: N805 - the name jinja2 uses, so a keyword "self" can be passed on
        __context: jinja2.runtime.Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """Refuse an integer argument above :data:`MAX_ITEMS` (a width, a count)."""
        _check_arguments((*args, *kwargs.values()))
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        if getattr(method, "__name__", None) in ("format", "format_map"):
            _check_format(getattr(method, "__self__", None), _FORMAT_WIDTH)
        return super().call(__context, __obj, *args, **kwargs)
