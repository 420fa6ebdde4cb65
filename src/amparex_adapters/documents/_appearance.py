"""Drawing a filled text field straight into page content (flattening), with cached metrics.

pypdf's own form filling builds a new font object and an appearance XObject for every field
of every page: 0.25–0.3 ms of CPU per field with pypdf 7.1, measured in the careful loop of
``benchmarks/documents.py`` on a 2-core machine; a batch of a thousand cards with letters
has ten thousand fields. Here each field's layout (rectangle, font, size, colour,
alignment, wrapping) is worked out once per template, and a filled field costs the text
measurement and a few content-stream operators.

The font metrics come from pypdf's ``Font`` class, which lives in a private module
(``pypdf.generic._font``); ``check_font_api()`` tells whether this pypdf still has it in
the shape used here (the renderer falls back to pypdf's public form filling otherwise).

Supported: simple fonts (Type1, including the standard 14 without embedded metrics, and
TrueType) with a single-byte encoding; ``/DA`` font, size (0 = fit) and grey/RGB/CMYK fill
colour; ``/Q`` left/centre/right; multi-line fields (word wrap; size 0 shrinks to fit).
Characters the font cannot encode print as ``?``. Not supported: comb fields (printed as
ordinary text), rotated widgets (``/MK /R``), rich text (``/RV``).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from typing import Any, Final

import attrs
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

from amparex_core.domain._records import frozen

__all__ = ["FieldFont", "FieldLayout", "UnsupportedField", "check_font_api"]

#: Where pypdf keeps its font metrics (a private module: it changed in recent releases).
FONT_MODULE: Final = "pypdf.generic._font"

MULTILINE: Final = 1 << 12
HIDDEN_FLAGS: Final = 2 | 32  # annotation flags Hidden, NoView
DEFAULT_MULTILINE_SIZE: Final = 12.0
MIN_SIZE: Final = 4.0
PADDING: Final = 2.0

_TF = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+([-+\d.]+)\s+Tf")
_COLOR = re.compile(rb"((?:[-+]?[\d.]+\s+){1,4})(g|rg|k)\b")


class UnsupportedField(ValueError):
    """The field uses something this flattener does not draw."""


def _font_class() -> Any:
    return importlib.import_module(FONT_MODULE).Font


def check_font_api() -> None:
    """Check that pypdf's font metrics have the shape :class:`FieldFont` reads.

    Loads a standard font and a small TrueType-style font dictionary with widths, and
    reads every attribute :meth:`FieldFont.from_resource` uses.

    Raises:
        Exception: Whatever goes wrong (a missing module, class, method or attribute, a
            value of another type); the message says what.
    """
    core = FieldFont.from_resource(None, "/Helvetica")
    if not core.widths or core.width("A", 10.0) <= 0 or not core.encode("A").startswith(b"("):
        raise TypeError("the metrics of Helvetica came back empty")
    simple = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/TrueType"),
            NameObject("/BaseFont"): NameObject("/Arial"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            NameObject("/FirstChar"): NumberObject(65),
            NameObject("/LastChar"): NumberObject(65),
            NameObject("/Widths"): ArrayObject([NumberObject(667)]),
        }
    )
    font = FieldFont.from_resource(simple, "/Arial")
    if abs(font.widths.get("A", 0.0) - 667.0) > 0.5:
        raise TypeError(f"the width of 'A' read from /Widths is {font.widths.get('A')}, not 667")


@frozen
class FieldFont:
    """A font's metrics and single-byte encoder, from the font dictionary once."""

    base_name: str
    widths: dict[str, float] = attrs.field(eq=False, repr=False)
    encoder: dict[str, int] = attrs.field(eq=False, repr=False)
    default_width: float
    ascent: float
    descent: float
    leading: float

    @classmethod
    def from_resource(cls, resource: DictionaryObject | None, name: str) -> FieldFont:
        """Metrics of the font dictionary *resource* (a standard 14 font by *name* if None).

        Raises:
            UnsupportedField: A composite (Type0/CID) or otherwise unusable font.
        """
        font_class = _font_class()
        try:
            if resource is None:
                font = font_class.from_core_font_name(name)
            else:
                if resource.get("/Subtype") not in ("/Type1", "/TrueType", "/MMType1"):
                    raise UnsupportedField(
                        f"the font {name} is a {resource.get('/Subtype')} font; "
                        "form fields need a simple (Type1 or TrueType) font"
                    )
                font = font_class.from_font_resource(resource)
        except UnsupportedField:
            raise
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise UnsupportedField(f"the font {name} cannot be used: {exc}") from None
        if not isinstance(font.encoding, dict):
            raise UnsupportedField(f"the font {name} has no single-byte encoding")
        unicode_of: dict[str, str] = dict(font.character_map or {})
        encoder: dict[str, int] = {}
        widths: dict[str, float] = {}
        raw_widths: Mapping[str, Any] = dict(font.character_widths)
        default = float(raw_widths.get("default", 500) or 500)
        encoding: dict[int, str] = font.encoding
        for code, raw in sorted(encoding.items()):
            if not 0 <= code < 256:
                continue
            char = unicode_of.get(raw, raw)
            if char in encoder:
                continue
            encoder[char] = code
            width = raw_widths.get(raw)
            widths[char] = float(width) if width is not None else default
        descriptor = font.font_descriptor
        bbox = descriptor.bbox
        return cls(
            base_name=str(font.name),
            widths=widths,
            encoder=encoder,
            default_width=default,
            ascent=float(descriptor.ascent or 718.0),
            descent=float(descriptor.descent or -207.0),
            leading=max(float(bbox[3] - bbox[1]), 1000.0),
        )

    def width(self, text: str, size: float) -> float:
        """The width of *text* at *size* points."""
        widths, default = self.widths, self.default_width
        return sum(widths.get(ch, default) for ch in text) * size / 1000.0

    def encode(self, text: str) -> bytes:
        """*text* as a PDF literal string (with the parentheses), in the font's encoding."""
        encoder = self.encoder
        question = encoder.get("?", 63)
        out = bytearray(b"(")
        for ch in text:
            code = encoder.get(ch, question)
            if code in (0x28, 0x29, 0x5C):
                out += b"\\" + bytes((code,))
            elif code < 32 or code == 127:
                out += b"\\%03o" % code
            else:
                out.append(code)
        out += b")"
        return bytes(out)


def _number(value: float) -> bytes:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode()


@frozen
class FieldLayout:
    """Where and how one text field is drawn; :meth:`draw` makes its content operators."""

    x: float
    y: float
    width: float
    height: float
    font_name: str
    font: FieldFont = attrs.field(eq=False)
    size: float
    color: bytes
    quadding: int
    multiline: bool
    hidden: bool

    @classmethod
    def from_widget(
        cls,
        *,
        rect: Any,
        default_appearance: bytes,
        quadding: int,
        field_flags: int,
        annotation_flags: int,
        fonts: dict[str, FieldFont],
    ) -> FieldLayout:
        """The layout of a widget from its ``/Rect``, ``/DA``, ``/Q``, ``/Ff`` and ``/F``.

        Raises:
            UnsupportedField: No ``Tf`` in ``/DA``, a font not in *fonts*, or a bad rect.
        """
        try:
            x1, y1, x2, y2 = (float(v) for v in rect)
        except (TypeError, ValueError):
            raise UnsupportedField(f"the field rectangle {rect!r} is not four numbers") from None
        matches = list(_TF.finditer(default_appearance))
        if not matches:
            raise UnsupportedField("the default appearance (/DA) names no font (Tf)")
        match = matches[-1]
        font_name = "/" + match.group(1).decode("latin-1")
        if font_name not in fonts:
            raise UnsupportedField(f"the font {font_name} is not in the form's resources (/DR)")
        color = b"0 g"
        for color_match in _COLOR.finditer(default_appearance):
            color = color_match.group(1).strip() + b" " + color_match.group(2)
        return cls(
            x=min(x1, x2),
            y=min(y1, y2),
            width=abs(x2 - x1),
            height=abs(y2 - y1),
            font_name=font_name,
            font=fonts[font_name],
            size=float(match.group(2)),
            color=color,
            quadding=quadding if quadding in (0, 1, 2) else 0,
            multiline=bool(field_flags & MULTILINE),
            hidden=bool(annotation_flags & HIDDEN_FLAGS),
        )

    def _wrap(self, text: str, size: float, width: float) -> list[str]:
        lines: list[str] = []
        for paragraph in text.split("\n"):
            words = paragraph.split(" ")
            line = ""
            for word in words:
                candidate = word if not line else f"{line} {word}"
                if line and self.font.width(candidate, size) > width:
                    lines.append(line)
                    line = word
                else:
                    line = candidate
            lines.append(line)
        return lines

    def draw(self, text: str, resource_name: str) -> bytes:
        """Content-stream operators that draw *text* in the field, in page coordinates.

        Args:
            text: The filled value.
            resource_name: The page's resource name of the field's font (``/AmxF0``).
        """
        if self.hidden or not text:
            return b""
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        font = self.font
        inner_w = max(self.width - 2 * PADDING, 1.0)
        inner_h = max(self.height - 2 * PADDING, 1.0)
        span = (font.ascent - font.descent) / 1000.0
        if self.multiline:
            size = self.size or DEFAULT_MULTILINE_SIZE
            leading_factor = font.leading / 1000.0
            lines = self._wrap(text, size, inner_w)
            if not self.size:
                while size > MIN_SIZE and (
                    size * span + (len(lines) - 1) * size * leading_factor > inner_h
                ):
                    size = max(size - 0.5, MIN_SIZE)
                    lines = self._wrap(text, size, inner_w)
            leading = size * leading_factor
            first = self.height - PADDING - size * font.ascent / 1000.0
        else:
            lines = [text.replace("\n", " ")]
            size = self.size
            if not size:
                size = min(DEFAULT_MULTILINE_SIZE, inner_h / span)
                text_w = font.width(lines[0], 1.0)
                if text_w > 0:
                    size = min(size, inner_w / text_w)
                size = max(size, MIN_SIZE)
            leading = 0.0
            first = (self.height - size * span) / 2 - size * font.descent / 1000.0
        parts = [
            b"q 1 0 0 1 ",
            _number(self.x),
            b" ",
            _number(self.y),
            b" cm 0 0 ",
            _number(self.width),
            b" ",
            _number(self.height),
            b" re W n BT ",
            resource_name.encode("latin-1"),
            b" ",
            _number(size),
            b" Tf ",
            self.color,
            b"\n",
        ]
        x_prev, y_prev = 0.0, 0.0
        for index, line in enumerate(lines):
            y = first - index * leading
            if self.quadding == 0:
                x = PADDING
            else:
                line_w = font.width(line, size)
                free = self.width - 2 * PADDING - line_w
                x = PADDING + (free / 2 if self.quadding == 1 else free)
            if line:
                parts += [_number(x - x_prev), b" ", _number(y - y_prev), b" Td "]
                parts += [font.encode(line), b" Tj\n"]
                x_prev, y_prev = x, y
        parts.append(b"ET Q\n")
        return b"".join(parts)
