"""The bundle format: master-data records as a bundle file holds them (TOML/JSON import).

A record is the object's attributes under their own names, written by the base rules
(:mod:`amparex_adapters.converters.base`), with two differences:

* an attribute whose default is ``None`` is left out while it is ``None`` (a branch
  without e-mail has no ``email`` key; an address keeps ``country`` even when it is the
  default ``"DE"``);
* a document template's content is ``content_base64``, and its ``language`` is left out
  while it is the default ``"de"``.

>>> from amparex_adapters.converters import bundle
>>> from amparex_core.domain.masterdata import Branch
>>> bundle.converter().unstructure(Branch(id="F01", name="Stuttgart"))
{'id': 'F01', 'name': 'Stuttgart'}

The same records are the documents of :class:`~amparex_adapters.masterdata.sql.SqlMasterData`
(without ``content_base64``: the content has a column of its own). Records read from a
bundle *file* are checked field by field by :mod:`amparex_adapters.masterdata.bundle`, which
names every problem with its line; this converter reads records the library wrote itself.
Both are pinned by ``tests/golden/0.1.0/bundle/`` and ``…/masterdata/``.
"""

from __future__ import annotations

import base64
import functools
from typing import TYPE_CHECKING, Any

import attrs

from amparex_core.domain.masterdata import (
    Branch,
    Customer,
    DocumentTemplate,
    Employee,
    PostalAddress,
)

from .base import make_base_converter

if TYPE_CHECKING:
    import cattrs

__all__ = ["converter", "make_converter"]


def _content(value: Any, _: type) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):  # from the store's content column
        return bytes(value)
    return base64.b64decode(value, validate=True)


def make_converter() -> cattrs.Converter:
    """A new converter of the bundle format."""
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    converter = make_base_converter()
    make_unstructure: Any = make_dict_unstructure_fn  # (keyword overrides confuse mypy)
    for cls in (PostalAddress, Branch, Customer, Employee):
        optional = {
            field.name: override(omit_if_default=True)
            for field in attrs.fields(cls)
            if field.default is None
        }
        converter.register_unstructure_hook(cls, make_unstructure(cls, converter, **optional))
    renamed = override(
        rename="content_base64",
        unstruct_hook=lambda content: base64.b64encode(content).decode("ascii"),
        struct_hook=_content,
    )
    converter.register_unstructure_hook(
        DocumentTemplate,
        make_unstructure(
            DocumentTemplate,
            converter,
            content=renamed,
            language=override(omit_if_default=True),
        ),
    )
    converter.register_structure_hook(
        DocumentTemplate, make_dict_structure_fn(DocumentTemplate, converter, content=renamed)
    )
    return converter


@functools.cache
def converter() -> cattrs.Converter:
    """The bundle format's converter, made on first use."""
    return make_converter()
