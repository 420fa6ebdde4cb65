"""Codes on the card: Code 128 bar codes and QR codes, drawn as vectors into a PDF page.

A text field of a PDF form template becomes a code when its value is one Jinja2
expression ending in the filter ``code128`` or ``qr``::

    {{ card_number | code128 }}        a Code 128 bar code (code sets B and C)
    {{ card_number | qr }}             a QR code (byte mode, error correction M)

The field's rectangle is where the code is drawn, in the colour of its default
appearance (``/DA``); the code is centred in it and as large as fits, quiet zones
included (10 modules beside a bar code, 4 around a QR code). Codes are PDF path
operators (filled rectangles), no raster images, so they print sharp at any resolution.
:class:`~amparex_adapters.documents.pdf.PdfFormRenderer` draws them; the text renderer
prints no codes.

Code 128 is encoded here (``code128_values``, ``code128_widths``): code set C
packs digit pairs, code set B takes the printable ASCII characters, and the encoder
switches between them where that makes the code shorter. The QR matrix comes from
`segno <https://segno.readthedocs.io>`_ (in the ``pdf`` extra).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import jinja2
import jinja2.nodes

from amparex_adapters._extras import require

__all__ = [
    "CODE_FILTERS",
    "CODE_KINDS",
    "code128_values",
    "code128_widths",
    "code_kind",
    "draw_code",
    "qr_matrix",
]

#: The filter names that make a field a code.
CODE_KINDS: Final = ("code128", "qr")

START_B: Final = 104
START_C: Final = 105
SWITCH_B: Final = 100
SWITCH_C: Final = 99
STOP: Final = 106

# The bar and space widths (in modules) of the Code 128 symbols 0 to 106, ISO/IEC 15417
# table 1: each a bar, a space, a bar, a space, a bar, a space (11 modules); the stop
# symbol has a final bar (13 modules).
# fmt: off
PATTERNS: Final = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312",
    "132212", "221213", "221312", "231212", "112232", "122132", "122231", "113222",
    "123122", "123221", "223211", "221132", "221231", "213212", "223112", "312131",
    "311222", "321122", "321221", "312212", "322112", "322211", "212123", "212321",
    "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121",
    "313121", "211331", "231131", "213113", "213311", "213131", "311123", "311321",
    "331121", "312113", "312311", "332111", "314111", "221411", "431111", "111224",
    "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112",
    "421211", "212141", "214121", "412121", "111143", "111341", "131141", "114113",
    "114311", "411113", "411311", "113141", "114131", "311141", "411131", "211412",
    "211214", "211232", "2331112",
)
# fmt: on

BAR_QUIET: Final = 10
"""Modules of quiet zone on each side of a bar code."""

QR_QUIET: Final = 4
"""Modules of quiet zone around a QR code."""


def _identity(value: Any) -> str:
    return "" if value is None else str(value)


#: The filters a template environment offers for codes: they only mark the field.
CODE_FILTERS: Final[dict[str, Callable[[Any], str]]] = dict.fromkeys(CODE_KINDS, _identity)


def code_kind(env: jinja2.Environment, source: str) -> str | None:
    """``"code128"`` or ``"qr"`` when *source* is one expression ending in that filter.

    Anything else (plain text, a code filter inside other text) is a text field.
    """
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError:
        return None  # compiling the field reports it
    if len(tree.body) != 1 or not isinstance(tree.body[0], jinja2.nodes.Output):
        return None
    nodes = tree.body[0].nodes
    if len(nodes) != 1 or not isinstance(nodes[0], jinja2.nodes.Filter):
        return None
    name = nodes[0].name
    return name if name in CODE_KINDS else None


# ------------------------------------------------------------------ Code 128


def _digits_ahead(text: str, at: int) -> int:
    count = 0
    while at + count < len(text) and text[at + count] in "0123456789":
        count += 1
    return count


def code128_values(text: str) -> list[int]:
    """The symbol values of *text* in Code 128: start, data, check symbol, stop.

    Code set C (two digits a symbol) is used for runs of at least four digits at the
    start or end, at least six in between, and for a text of two digits; code set B for
    the rest.

    >>> code128_values("927600000016")
    [105, 92, 76, 0, 0, 0, 16, 33, 106]

    Raises:
        ValueError: *text* is empty or has a character outside printable ASCII.
    """
    if not text:
        raise ValueError("a bar code needs a text")
    bad = sorted({c for c in text if not " " <= c <= "~"})
    if bad:
        raise ValueError(f"Code 128 (sets B and C) cannot encode {''.join(bad)!r}")
    values: list[int] = []
    at = 0
    code: str | None = None
    while at < len(text):
        run = _digits_ahead(text, at)
        at_start, at_end = at == 0, at + run == len(text)
        worth_c = run >= 4 if (at_start or at_end) else run >= 6
        if at_start and at_end and run == 2:  # two digits alone: one symbol in code set C
            worth_c = True
        if code == "C" and run >= 2:
            worth_c = True
        if worth_c and run >= 2:
            if run % 2 and code != "C" and not at_start:
                # An odd run: its first digit in set B, the rest in pairs.
                values.append(ord(text[at]) - 32)
                at += 1
                run -= 1
            if run % 2 and at_start:
                # At the start an odd run ends its pairs before its last digit.
                run -= 1
            if code != "C":
                values.append(START_C if code is None else SWITCH_C)
                code = "C"
            for _ in range(run // 2):
                values.append(int(text[at : at + 2]))
                at += 2
            continue
        if code != "B":
            values.append(START_B if code is None else SWITCH_B)
            code = "B"
        values.append(ord(text[at]) - 32)
        at += 1
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    return [*values, check, STOP]


def code128_widths(text: str) -> list[int]:
    """The bar and space widths (in modules) of *text*'s Code 128, bar first.

    Raises:
        ValueError: See :func:`code128_values`.
    """
    return [int(width) for value in code128_values(text) for width in PATTERNS[value]]


# ------------------------------------------------------------------ QR


def qr_matrix(text: str) -> Sequence[Sequence[int]]:
    """The modules of *text*'s QR code, byte mode, error correction M (1 = dark).

    Raises:
        ValueError: *text* is empty or too long for a QR code.
    """
    if not text:
        raise ValueError("a QR code needs a text")
    segno = require("segno", "pdf")
    try:
        qr = segno.make(text, error="m", mode="byte", micro=False, boost_error=False)
    except segno.DataOverflowError as exc:
        raise ValueError(f"too long for a QR code: {exc}") from None
    matrix: Sequence[Sequence[int]] = qr.matrix
    return matrix


# ------------------------------------------------------------------ drawing


def _number(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _rect(x: float, y: float, width: float, height: float) -> str:
    return f"{_number(x)} {_number(y)} {_number(width)} {_number(height)} re"


def _bars(text: str, x: float, y: float, width: float, height: float) -> list[str]:
    widths = code128_widths(text)
    module = width / (sum(widths) + 2 * BAR_QUIET)
    at = x + BAR_QUIET * module
    out = []
    for index, modules in enumerate(widths):
        if index % 2 == 0:  # bars at even places, spaces between
            out.append(_rect(at, y, modules * module, height))
        at += modules * module
    return out


def _squares(text: str, x: float, y: float, width: float, height: float) -> list[str]:
    matrix = qr_matrix(text)
    size = len(matrix)
    module = min(width, height) / (size + 2 * QR_QUIET)
    left = x + (width - size * module) / 2
    top = y + (height + size * module) / 2
    out = []
    for row, cells in enumerate(matrix):
        column = 0
        while column < size:
            if not cells[column]:
                column += 1
                continue
            run = 1
            while column + run < size and cells[column + run]:
                run += 1
            bottom = top - (row + 1) * module
            out.append(_rect(left + column * module, bottom, run * module, module))
            column += run
    return out


def draw_code(kind: str, text: str, box: tuple[float, float, float, float], color: bytes) -> bytes:
    """Content-stream operators that draw *text* as a *kind* code in *box*.

    Args:
        kind: ``"code128"`` or ``"qr"``.
        text: What the code holds (the filled field).
        box: ``(x, y, width, height)`` of the field in page coordinates.
        color: The fill colour operator of the field (``b"0 g"``).

    Raises:
        ValueError: *text* cannot be encoded as *kind*.
    """
    x, y, width, height = box
    if not text:
        return b""
    shapes = (
        _bars(text, x, y, width, height)
        if kind == "code128"
        else _squares(text, x, y, width, height)
    )
    return ("q " + color.decode("latin-1") + "\n" + "\n".join(shapes) + " f\nQ\n").encode("latin-1")
