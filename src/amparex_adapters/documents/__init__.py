"""Adapters of the documents port, and :func:`open_renderer` to pick a renderer by kind.

* :mod:`.pdf` — :class:`~.pdf.PdfFormRenderer`: AcroForm PDF templates filled with pypdf
  (extra ``pdf``).
* :mod:`.text` — :class:`~.text.TextPdfRenderer`: text templates to a plain PDF, with the
  standard library only.
* :mod:`.jinja` — sandboxed Jinja text and HTML templates (extra ``jinja``).

:func:`open_renderer` looks the kind up in the ``amparex.documents`` entry points
(:mod:`amparex_adapters.registry`); amparex-core registers ``pdf`` and ``text``:

>>> from amparex_adapters.documents import open_renderer
>>> type(open_renderer("text")).__name__
'TextPdfRenderer'

Importing this package loads no third-party library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from amparex_core.ports.documents import DocumentRenderer

__all__ = ["open_renderer"]


def open_renderer(kind: str, /, **options: Any) -> DocumentRenderer:
    """A document renderer of *kind* (``pdf``, ``text`` or another one installed).

    Raises:
        AdapterUnknown: No installed adapter has *kind*.
        MissingExtraError: The kind's extra is not installed (``pdf``).
        ValueError: *options* have a bad value.
        TypeError: An option is unknown to the kind.
    """
    from amparex_adapters.registry import DOCUMENTS, RendererFactory

    factory: RendererFactory = DOCUMENTS.load(kind)
    return factory(**options)
