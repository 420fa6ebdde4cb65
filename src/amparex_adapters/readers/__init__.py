"""Adapters of the readers port, and :func:`open_reader` to pick one by its spec.

* :mod:`.pcsc` — :class:`~.pcsc.PcscReader`: PC/SC readers through pyscard and pcscd
  (extra ``pcsc``).
* :mod:`.nfc` — :class:`~.nfc.NfcReader`: NFC front-ends through nfcpy (extra ``nfc``).
* :mod:`.scripted` — :class:`~.scripted.ScriptedReader`: cards given in code, for tests,
  demos and training.

A reader spec is ``KIND`` or ``KIND:ARG``; the kind is looked up in the ``amparex.readers``
entry points (:mod:`amparex_adapters.registry`), whose factory gets ``ARG``. amparex-core
registers ``pcsc`` (``pcsc`` or ``pcsc:NAME``, part of the reader's name), ``nfc``
(``nfc:PATH``, an nfcpy device path) and ``scripted``
(:func:`~.scripted.scripted_reader`, options ``uid`` and ``card_number``):

>>> from amparex_adapters.readers import open_reader
>>> reader = open_reader("scripted", uid="04:A2:2B:9C")
>>> reader.wait_for_card(0.1).raw_uid
'04A22B9C'

Importing this package loads no third-party library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from amparex_core.ports.readers import CardReader

__all__ = ["open_reader"]


def open_reader(spec: str, /, **options: Any) -> CardReader:
    """The card reader *spec* names: ``pcsc``, ``pcsc:NAME``, ``nfc:PATH``, ``scripted``.

    Args:
        spec: ``KIND`` or ``KIND:ARG``; the kind's factory gets ``ARG`` (``None`` when
            the spec has none or it is empty).
        **options: Passed to the kind's factory.

    Returns:
        The reader (PC/SC and NFC readers have ``close()``). Most are
        :class:`~amparex_core.ports.readers.CardWriter` s too.

    Raises:
        AdapterUnknown: No installed adapter has the kind.
        MissingExtraError: The kind's extra is not installed.
        ValueError: *options* have a bad value.
        TypeError: An option is unknown to the kind.
    """
    from amparex_adapters.registry import READERS, ReaderFactory

    kind, _, arg = spec.partition(":")
    factory: ReaderFactory = READERS.load(kind)
    return factory(arg or None, **options)
