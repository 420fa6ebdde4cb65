"""The stored format: the JSON documents the SQL stores keep (``data`` columns).

The stores keep every object whole as one JSON document next to the columns their
indexes and queries need. A document is the object's attributes under their own names,
written by the base rules (:mod:`amparex_adapters.converters.base`). A secret's value is
never written (OP6): the card-contract key is kept as a reference to the secret that
holds it (``{"secret": "card_key"}``, a :class:`~amparex_core.domain.secret.SecretRef`),
and a :class:`~amparex_core.domain.secret.Secret` is refused (``TypeError``; the stores
refuse such a configuration before, with ``interface.key_in_clear``). Documents of 0.1.0
that kept the key as text still read back, as a
:class:`~amparex_core.domain.secret.Secret`, until ``amparex interfaces move-keys``
replaces it by a reference.

>>> from amparex_adapters.converters import stored
>>> from amparex_core.domain.templates import CardTemplate
>>> text = stored.encode(CardTemplate(name="GOLD", document_template="DOC-CARD"))
>>> text[:60]
'{"card_type":"chip","comment":null,"cover_letter":null,"docu'
>>> stored.decode(text, CardTemplate).name
'GOLD'

The text is compact, with sorted keys and without ASCII escapes, so the same object is
always the same text. The format of 0.1.0 is pinned by ``tests/golden/0.1.0/stored/``;
attributes added since (an upload claim's ``holder`` and ``lease_until``, a batch's
``shipping``, an order's ``addressee`` and ``sender``, a Loyalty Lab configuration's
``fixed_names`` and ``destination``) are left out while they have their default, so an
object of 0.1.0 is still written byte for byte as it was.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any, Final

from amparex_core.domain.interfaces import LoyaltyLabSettings
from amparex_core.domain.secret import Secret
from amparex_core.domain.uploads import UploadRecord

from . import _quick
from ._stored_text import written as _written
from .base import T, make_base_converter

if TYPE_CHECKING:
    import cattrs

__all__ = ["converter", "decode", "dump", "encode", "load", "make_converter"]

_encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _never(_secret: Secret) -> Any:
    raise TypeError("a secret's value is never stored (OP6): store a SecretRef to it")


def _added_since_0_1() -> dict[type, tuple[str, ...]]:
    """Attributes added after 0.1.0, by class: written only when they are not the default.

    So a document of an object without them is the 0.1.0 document, byte for byte, and
    0.1.0 code reads every document it can understand.
    """
    from amparex_core.domain.orders import Batch, CardOrder

    return {
        Batch: ("shipping",),
        CardOrder: ("addressee", "sender"),
        LoyaltyLabSettings: ("fixed_names", "destination"),
        UploadRecord: ("holder", "lease_until"),
    }


#: :func:`_added_since_0_1` by class name, for the generated writers (it imports no class).
_OMITTED: Final[dict[str, tuple[str, ...]]] = {
    "amparex_core.domain.orders.Batch": ("shipping",),
    "amparex_core.domain.orders.CardOrder": ("addressee", "sender"),
    "amparex_core.domain.interfaces.LoyaltyLabSettings": ("fixed_names", "destination"),
    "amparex_core.domain.uploads.UploadRecord": ("holder", "lease_until"),
}


def make_converter() -> cattrs.Converter:
    """A new converter of the stored format (a secret only as a reference)."""
    from cattrs.gen import make_dict_unstructure_fn, override

    converter = make_base_converter(detailed_validation=False)
    converter.register_unstructure_hook(Secret, _never)
    # Keys added after 0.1.0 appear only when they hold something.
    make_unstructure: Any = make_dict_unstructure_fn  # (keyword overrides confuse mypy)
    for cls, names in _added_since_0_1().items():
        omitted = {name: override(omit_if_default=True) for name in names}
        converter.register_unstructure_hook(cls, make_unstructure(cls, converter, **omitted))
    return converter


@functools.cache
def converter() -> cattrs.Converter:
    """The stored format's converter, made on first use."""
    return make_converter()


def dump(data: Any) -> str:
    """Compact, deterministic JSON text (sorted keys, no ASCII escapes)."""
    return _encoder.encode(data)


def load(text: str | bytes) -> dict[str, Any]:
    """Parse a stored JSON document.

    Raises:
        ValueError: The text is not a JSON object.
    """
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("a stored document is a JSON object")
    return value


def encode(obj: object) -> str:
    """The stored document of *obj*."""
    text = _written(obj)  # a generated writer: the converter's text, faster
    return _converted(obj) if text is None else text


def _converted(obj: object) -> str:
    """The stored document of *obj* as the converter writes it (what the writers match)."""
    return _encoder.encode(converter().unstructure(obj))


def decode(text: str | bytes, cls: type[T]) -> T:
    """The *cls* object a stored document holds.

    Raises:
        ValueError: The text is not a stored document of *cls*.
    """
    data = load(text)
    try:  # what the format writes is read directly; anything else by the converter
        found: T = _quick.structure(data, cls)
    except _quick.Unsure:
        return converter().structure(data, cls)
    return found
