"""Paged listings of the ``amparex`` command: ``--limit`` and ``--after``, and the next page.

A listing command (``orders list``, ``cards list``, ``outbox list``) asks the store for one
item more than ``--limit``: when it comes, there is a next page, and its cursor — the key
of the page's last item — is printed to stderr (``amparex: more: … --after KEY``) and given
as ``"next"`` in ``--json``. Without ``--limit`` and ``--after`` a listing prints every
item and its ``--json`` is the plain list of 0.1.0; with either, ``--json`` is
``{ITEMS: [...], "next": KEY or null}``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from amparex_adapters.i18n import _

__all__ = ["Page", "emit_next", "fetch_page", "page_options", "paged_json"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def page_options(cursor: str) -> Callable[[F], F]:
    """``--limit N`` and ``--after CURSOR`` (*cursor* names the cursor in the help)."""

    def decorate(func: F) -> F:
        func = click.option(
            "--after",
            metavar=cursor,
            help="Start after this cursor (the one the page before printed).",
        )(func)
        return click.option(
            "--limit",
            type=click.IntRange(min=1),
            help="At most this many (a page); the cursor of the next page goes to stderr.",
        )(func)

    return decorate


class Page(list[T]):
    """One page of a listing; :attr:`next` is the cursor of the next page, if there is one."""

    next: str | None = None


def fetch_page(
    fetch: Callable[[int | None], list[T]], limit: int | None, cursor: Callable[[T], str]
) -> Page[T]:
    """The page *fetch(n)* gives, asking for one more than *limit* to know of a next page."""
    found = fetch(None if limit is None else limit + 1)
    page: Page[T] = Page(found if limit is None else found[:limit])
    if limit is not None and len(found) > limit:
        page.next = cursor(page[-1])
    return page


def paged_json(
    items: str, page: Page[Any], shown: Sequence[Any], *, paged: bool
) -> list[Any] | dict[str, Any]:
    """The JSON of a listing: the list, or with *paged* ``{items: [...], "next": …}``."""
    if not paged:
        return list(shown)
    return {items: list(shown), "next": page.next}


def emit_next(command: str, page: Page[Any]) -> None:
    """Tell on stderr how to get the next page, when there is one."""
    if page.next is not None:
        click.echo(
            _("amparex: more: {command} --after {cursor}").format(
                command=command, cursor=page.next
            ),
            err=True,
        )
