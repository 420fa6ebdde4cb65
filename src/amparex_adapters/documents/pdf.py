"""Print documents from PDF form templates: fill AcroForm fields with Jinja2, flatten, merge.

Extra ``pdf`` (pypdf and Jinja2).

What a template is
    A :class:`~amparex_core.domain.masterdata.DocumentTemplate` whose ``content`` is a PDF
    (``media_type`` ``application/pdf``) with AcroForm text fields, as a practice designs it
    in any PDF editor and imports into its master data. Each text field's **value** (``/V``,
    what the editor shows as the field's default value) is a Jinja2 template over the order
    context, for example ``{{ holder_name }}`` or
    ``{% if valid_until %}gültig bis {{ valid_until }}{% endif %}``. A field without a value
    is filled with the context entry named like the field (a field ``card_number`` means
    ``{{ card_number }}``). The tooltip (``/TU``) stays free for a description. A field whose
    value is ``{{ card_number | code128 }}`` or ``{{ card_number | qr }}`` is drawn as a
    Code 128 bar code or a QR code over its rectangle, as vectors
    (``amparex_adapters.documents._codes``).

    Expressions run in a :class:`jinja2.sandbox.SandboxedEnvironment` with
    :class:`jinja2.StrictUndefined`: a misspelt name is an error, never an empty string.
    :meth:`PdfFormRenderer.validate` finds it when a card template starts using the
    document (CO8): it raises :class:`~amparex_core.domain.errors.DocumentTemplateInvalid`
    naming the document template and the field.

What a render is
    Every part is filled with its context and flattened: each field's text is drawn into
    the page content with the field's own font, size, colour and alignment (``/DA``,
    ``/Q``; multi-line fields wrap, size 0 shrinks to fit; see
    :mod:`amparex_adapters.documents._appearance` for what is supported), and the form
    itself is dropped, so the result is print-ready and cannot be edited by accident. All
    parts are merged into one PDF in part order (CO16). Annotations that are not text
    fields (check boxes, signatures, links) are not printed. Fields need a simple font
    (Type1, including the standard 14, or TrueType); a composite (CID) font is refused by
    :meth:`PdfFormRenderer.validate`.

Speed
    pypdf reads the templates, copies their pages, merges and writes the batch. A parsed
    template — pages, compiled field expressions, field layouts and font metrics — is
    cached by document ID and content, and a template's page content, fonts and images are
    copied into a batch once and shared by all of its pages, so a filled page costs its
    expressions and one small content stream. pypdf's own form filling
    (``update_page_form_field_values``) builds a font and an appearance object for every
    field of every page instead: 0.25–0.3 ms of CPU per field with pypdf 7.1 (measured in
    the careful loop of ``benchmarks/documents.py`` on a 2-core machine), where a whole
    card of four fields costs about 0.2 ms here. The benchmark compares the two on whole
    batches.

When pypdf changes
    The fast path uses two names pypdf keeps private: the font metrics of
    ``pypdf.generic._font`` and ``PdfWriter._add_object``. They are checked once, at the
    first template a renderer prepares in this process. When either is missing or has
    changed shape, one warning is logged (this module's logger) and every render goes
    through pypdf's public form filling instead (``PdfWriter.append`` and
    ``update_page_form_field_values(..., flatten=True)``): the same pages and texts,
    slower, never broken. :meth:`PdfFormRenderer.validate` then checks the expressions
    but no longer refuses fields whose font this module could not draw.

The output is deterministic: the same parts give the same bytes, so a batch rendered again
after a crash is the same document (CO16).
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

import attrs

from amparex_adapters._extras import require
from amparex_core.domain._records import define, frozen
from amparex_core.domain.errors import DocumentTemplateInvalid
from amparex_core.domain.masterdata import DocumentTemplate
from amparex_core.ports.documents import DocumentPart

require("pypdf", "pdf")
require("jinja2", "pdf")

import jinja2  # noqa: E402
import jinja2.meta  # noqa: E402
import jinja2.sandbox  # noqa: E402
import pypdf  # noqa: E402
import pypdf.errors  # noqa: E402
from pypdf import PdfReader, PdfWriter  # noqa: E402
from pypdf.generic import (  # noqa: E402
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
)

from amparex_adapters.documents._appearance import (  # noqa: E402
    FieldFont,
    FieldLayout,
    UnsupportedField,
    check_font_api,
)
from amparex_adapters.documents._codes import CODE_FILTERS, code_kind, draw_code  # noqa: E402
from amparex_adapters.documents._sandbox import LimitedSandbox  # noqa: E402

__all__ = ["PDF_MEDIA_TYPE", "PdfFormRenderer"]

logger = logging.getLogger(__name__)

PDF_MEDIA_TYPE: Final = "application/pdf"

_WHOLE_DOCUMENT: Final = "-"
"""The ``field`` of an error that concerns the document as a whole."""

# Abbreviated names of standard fonts that form authoring tools put in /DA (PDF 32000-1,
# 12.7.3.3): a /DA font missing from /DR is one of these or a standard 14 font name.
_STANDARD_FONTS: Final = {
    "/Helv": "/Helvetica",
    "/HeBo": "/Helvetica-Bold",
    "/TiRo": "/Times-Roman",
    "/TiBo": "/Times-Bold",
    "/Cour": "/Courier",
    "/CoBo": "/Courier-Bold",
}
_CORE_FONTS: Final = frozenset(
    {
        "/Helvetica",
        "/Helvetica-Bold",
        "/Helvetica-Oblique",
        "/Helvetica-BoldOblique",
        "/Times-Roman",
        "/Times-Bold",
        "/Times-Italic",
        "/Times-BoldItalic",
        "/Courier",
        "/Courier-Bold",
        "/Courier-Oblique",
        "/Courier-BoldOblique",
    }
)


def _private_api_problem() -> str | None:
    """What keeps the fast path from working with the installed pypdf, or ``None``."""
    try:
        check_font_api()
    except Exception as exc:  # noqa: BLE001 - any failure means: use the public path
        return f"its font metrics ({type(exc).__name__}: {exc})"
    add_object = getattr(PdfWriter, "_add_object", None)
    if not callable(add_object):
        return "PdfWriter._add_object is missing"
    try:
        writer = PdfWriter()
        probe = DictionaryObject()
        reference = add_object(writer, probe)
        if not isinstance(reference, IndirectObject) or reference.get_object() is not probe:
            return f"PdfWriter._add_object returned {type(reference).__name__}"
    except Exception as exc:  # noqa: BLE001 - any failure means: use the public path
        return f"PdfWriter._add_object ({type(exc).__name__}: {exc})"
    return None


@functools.cache
def _fast_path() -> bool:
    """Whether pypdf's private names the fast path needs are there (checked once)."""
    problem = _private_api_problem()
    if problem is None:
        return True
    logger.warning(
        "pypdf %s changed %s; PDF forms are filled through pypdf's public form filling"
        " instead (slower, the same texts; bar and QR codes printed as text)",
        getattr(pypdf, "__version__", "?"),
        problem,
    )
    return False


def _sandbox() -> jinja2.sandbox.SandboxedEnvironment:
    env = LimitedSandbox(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
    )
    env.filters.update(CODE_FILTERS)  # {{ card_number | code128 }}: see _codes
    return env


def _invalid(template: DocumentTemplate | str, field: str, reason: str) -> DocumentTemplateInvalid:
    facts = {
        "document_id": template if isinstance(template, str) else template.id,
        "field": field,
        "reason": reason,
    }
    return DocumentTemplateInvalid(**facts)


@frozen
class _Field:
    """One text field of a template page: its expression and where it is drawn."""

    name: str
    source: str
    expression: jinja2.Template = attrs.field(eq=False, repr=False)
    layout: FieldLayout | None = attrs.field(eq=False, repr=False)
    """Where the fast path draws it (``None`` on pypdf's public path)."""
    code: str | None = None
    """``code128`` or ``qr`` when the field is drawn as a code (see ``documents._codes``)."""

    def draw(self, document_id: str, value: str, font: NameObject) -> bytes:
        """The field's content operators on the fast path: its text, or its code."""
        layout = self.layout
        if layout is None:  # pragma: no cover - the public path never draws
            return b""
        if self.code is None:
            return layout.draw(value, font)
        if layout.hidden:
            return b""
        box = (layout.x, layout.y, layout.width, layout.height)
        try:
            return draw_code(self.code, value, box, layout.color)
        except ValueError as exc:
            raise _invalid(document_id, self.name, str(exc)) from None


@frozen
class _Page:
    """One page of a template: the page object and its text fields in widget order."""

    index: int
    fields: tuple[_Field, ...]


@define(eq=False)
class _Prepared:
    """A parsed template: its reader, pages and compiled field expressions."""

    document_id: str
    reader: PdfReader
    pages: tuple[_Page, ...]
    fonts: dict[str, DictionaryObject | None]
    """The fonts the fields use, by ``/DA`` name: the ``/DR`` entry, or None (standard)."""
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    def variables(self) -> Iterator[tuple[_Field, frozenset[str]]]:
        """Each field with the context names its expression reads."""
        env = _sandbox()
        for page in self.pages:
            for field in page.fields:
                ast = env.parse(field.source)
                yield field, frozenset(jinja2.meta.find_undeclared_variables(ast))


def _text(value: object) -> str:
    return value if isinstance(value, str) else str(value)


def _qualified_name(field: DictionaryObject) -> str:
    names: list[str] = []
    node: DictionaryObject | None = field
    seen = 0
    while node is not None and seen < 32:
        if "/T" in node:
            names.append(_text(node["/T"]))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
        seen += 1
    return ".".join(reversed(names))


def _inherited(field: DictionaryObject, key: str) -> Any:
    node: DictionaryObject | None = field
    seen = 0
    while node is not None and seen < 32:
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
        seen += 1
    return None


def _compile_field(
    env: jinja2.sandbox.SandboxedEnvironment, template: DocumentTemplate, name: str, source: str
) -> jinja2.Template:
    """The field's expression, compiled.

    A syntax error, or an expression the sandbox refuses while Jinja folds constants, is
    ``template.document_invalid`` naming the field.
    """
    try:
        return env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise _invalid(template, name, f"line {exc.lineno}: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise _invalid(template, name, exc.message or str(exc)) from None


def _prepare(template: DocumentTemplate, env: jinja2.sandbox.SandboxedEnvironment) -> _Prepared:
    """Parse *template* and compile its field expressions.

    Raises:
        DocumentTemplateInvalid: Not a PDF, no page, or a field expression does not compile.
    """
    if template.media_type != PDF_MEDIA_TYPE:
        raise _invalid(
            template, _WHOLE_DOCUMENT, f"the media type is {template.media_type}, not a PDF"
        )
    fast = _fast_path()
    try:
        reader = PdfReader(io.BytesIO(template.content), strict=False)
        pages = list(reader.pages)
        if not pages:
            raise _invalid(template, _WHOLE_DOCUMENT, "the PDF has no page")
        acro_form = reader.root_object.get("/AcroForm")
        acro_form = acro_form.get_object() if acro_form is not None else None
        form_da = acro_form.get("/DA") if acro_form is not None else None
        form_dr = acro_form.get("/DR") if acro_form is not None else None
        form_dr = form_dr.get_object() if form_dr is not None else None
        dr_fonts = form_dr.get("/Font") if isinstance(form_dr, DictionaryObject) else None
        dr_fonts = dr_fonts.get_object() if dr_fonts is not None else None
        if not isinstance(dr_fonts, DictionaryObject):
            dr_fonts = DictionaryObject()
        metrics: dict[str, FieldFont] = {}
        resources: dict[str, DictionaryObject | None] = {}
        prepared_pages: list[_Page] = []
        for index, page in enumerate(pages):
            fields: list[_Field] = []
            for ref in page.get("/Annots", None) or ():
                annotation = ref.get_object()
                if annotation.get("/Subtype") != "/Widget":
                    continue
                if _inherited(annotation, "/FT") != "/Tx":
                    continue  # only text fields are filled; see the module docstring
                name = _qualified_name(annotation)
                if not name:
                    raise _invalid(template, f"page {index + 1}", "a text field has no name")
                value = _inherited(annotation, "/V")
                source = _text(value) if value not in (None, "") else "{{ " + name + " }}"
                expression = _compile_field(env, template, name, source)
                if not fast:
                    fields.append(_Field(name, source, expression, None))
                    continue
                da = _inherited(annotation, "/DA") or form_da or "/Helv 0 Tf 0 g"
                da_bytes = da.encode("latin-1", "replace") if isinstance(da, str) else bytes(da)
                try:
                    _load_fonts(da_bytes, dr_fonts, metrics, resources)
                    layout = FieldLayout.from_widget(
                        rect=annotation.get("/Rect"),
                        default_appearance=da_bytes,
                        quadding=int(_inherited(annotation, "/Q") or 0),
                        field_flags=int(_inherited(annotation, "/Ff") or 0),
                        annotation_flags=int(annotation.get("/F", 0) or 0),
                        fonts=metrics,
                    )
                except UnsupportedField as exc:
                    raise _invalid(template, name, str(exc)) from None
                fields.append(_Field(name, source, expression, layout, code_kind(env, source)))
            prepared_pages.append(_Page(index, tuple(fields)))
    except DocumentTemplateInvalid:
        raise
    except (pypdf.errors.PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _invalid(template, _WHOLE_DOCUMENT, f"not a readable PDF form ({exc})") from None
    return _Prepared(template.id, reader, tuple(prepared_pages), resources)


def _load_fonts(
    default_appearance: bytes,
    dr_fonts: DictionaryObject,
    metrics: dict[str, FieldFont],
    resources: dict[str, DictionaryObject | None],
) -> None:
    """Load the metrics of every font named in *default_appearance* into *metrics*."""
    for raw in re.findall(rb"/([^\s/\[\]()<>{}%]+)\s+[-+\d.]+\s+Tf", default_appearance):
        name = "/" + raw.decode("latin-1")
        if name in metrics:
            continue
        entry = dr_fonts.get(name)
        resource = entry.get_object() if entry is not None else None
        if isinstance(resource, DictionaryObject):
            metrics[name] = FieldFont.from_resource(resource, name)
            resources[name] = resource
            continue
        core = _STANDARD_FONTS.get(name, name)
        if core not in _CORE_FONTS:
            raise UnsupportedField(f"the font {name} is not in the form's resources (/DR)")
        metrics[name] = FieldFont.from_resource(None, core)
        resources[name] = None


class PdfFormRenderer:
    """A :class:`~amparex_core.ports.documents.DocumentRenderer` for PDF form templates.

    See the module documentation for what a template is. Instances are safe to share
    between threads; they cache up to *cache_size* parsed templates.

    Example:
        >>> from amparex_adapters.documents.samples import sample_card_face
        >>> renderer = PdfFormRenderer()
        >>> renderer.validate(sample_card_face(), frozenset({"holder_name"}))
        Traceback (most recent call last):
        ...
        amparex_core.domain.errors.DocumentTemplateInvalid: The document template \
'sample-card-face' is invalid (template_name): 'template_name' is not in the order context.
    """

    media_type: str = PDF_MEDIA_TYPE

    def __init__(self, *, cache_size: int = 64) -> None:
        """Create a renderer.

        Args:
            cache_size: How many parsed templates to keep.
        """
        self._env = _sandbox()
        self._cache: OrderedDict[tuple[str, bytes], _Prepared] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def _prepared(self, template: DocumentTemplate) -> _Prepared:
        key = (template.id, hashlib.sha256(template.content).digest())
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        prepared = _prepare(template, self._env)
        with self._lock:
            self._cache[key] = prepared
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return prepared

    def validate(self, template: DocumentTemplate, fields: frozenset[str]) -> None:
        """Check that *template* can be filled from a context with keys *fields* (CO8).

        Every field expression must compile, read only names in *fields*, and render
        with a context of those names.

        Raises:
            DocumentTemplateInvalid: Not a PDF form, a field expression that does not
                compile, reads an unknown name (the first such field is named), or fails.
        """
        prepared = self._prepared(template)
        for field, names in prepared.variables():
            unknown = sorted(names - fields)
            if unknown:
                listed = ", ".join(f"'{name}'" for name in unknown)
                verb = "is" if len(unknown) == 1 else "are"
                raise _invalid(template, field.name, f"{listed} {verb} not in the order context")
        sample = {name: name for name in fields}
        for page in prepared.pages:
            for field in page.fields:
                self._fill(template.id, field, sample)

    def render(self, parts: Sequence[DocumentPart]) -> bytes:
        """Fill every part, flatten it and merge all into one PDF, in part order (CO16).

        Raises:
            DocumentTemplateInvalid: A template is not a PDF form, or a field expression
                fails on its part's context (an unknown name, an error in the expression).
        """
        if not _fast_path():
            return self._render_public(parts)
        writer = PdfWriter()
        batch: dict[int, _Copied] = {}
        for part in parts:
            prepared = self._prepared(part.template)
            copied = batch.get(id(prepared))
            if copied is None:
                copied = batch[id(prepared)] = _Copied.make(prepared, writer)
            for page in prepared.pages:
                values = {
                    field.name: self._fill(part.template.id, field, part.context)
                    for field in page.fields
                }
                copied.add_page(writer, page, values)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    def _render_public(self, parts: Sequence[DocumentPart]) -> bytes:
        """:meth:`render` through pypdf's public form filling (see the module docstring)."""
        writer = PdfWriter()
        for part in parts:
            prepared = self._prepared(part.template)
            first = len(writer.pages)
            with prepared.lock:
                writer.append(prepared.reader, import_outline=False)
            for page in prepared.pages:
                out = writer.pages[first + page.index]
                values = {
                    field.name: self._fill(part.template.id, field, part.context)
                    for field in page.fields
                }
                # Copies of one template share their resources and widgets in a writer:
                # this copy gets resources of its own, and its widgets lose the appearance
                # flattening drew, so that the next copy draws a new one instead of
                # replacing this one.
                resources = out.get("/Resources")
                resources = resources.get_object() if resources is not None else None
                out[NameObject("/Resources")] = DictionaryObject(
                    resources.items() if isinstance(resources, DictionaryObject) else ()
                )
                if values:
                    writer.update_page_form_field_values(
                        out, values, auto_regenerate=False, flatten=True
                    )
                for ref in out.get("/Annots", None) or ():
                    ref.get_object().pop("/AP", None)
        writer.remove_annotations(subtypes=None)  # not printed: see the module docstring
        writer.root_object.pop("/AcroForm", None)
        out_file = io.BytesIO()
        writer.write(out_file)
        return out_file.getvalue()

    def _fill(self, document_id: str, field: _Field, context: Mapping[str, str]) -> str:
        try:
            return field.expression.render(context)
        except jinja2.UndefinedError as exc:
            raise _invalid(document_id, field.name, exc.message or str(exc)) from None
        except jinja2.TemplateError as exc:
            raise _invalid(document_id, field.name, str(exc)) from None
        except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as exc:
            raise _invalid(document_id, field.name, f"{type(exc).__name__}: {exc}") from None


@define(eq=False)
class _Copied:
    """A template copied into one batch's writer: pages, resources and fonts, once."""

    prepared: _Prepared
    fonts: dict[str, tuple[NameObject, IndirectObject]]
    """``/DA`` font name -> (resource name on the filled pages, the font in the writer)."""

    @classmethod
    def make(cls, prepared: _Prepared, writer: PdfWriter) -> _Copied:
        fonts: dict[str, tuple[NameObject, IndirectObject]] = {}
        with prepared.lock:
            for number, (name, found) in enumerate(sorted(prepared.fonts.items())):
                if found is None:
                    core = _STANDARD_FONTS.get(name, name)
                    resource = DictionaryObject(
                        {
                            NameObject("/Type"): NameObject("/Font"),
                            NameObject("/Subtype"): NameObject("/Type1"),
                            NameObject("/BaseFont"): NameObject(core),
                            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
                        }
                    )
                    ref = writer._add_object(resource)
                else:
                    cloned = found.clone(writer)
                    ref = cloned.indirect_reference or writer._add_object(cloned)
                fonts[name] = (NameObject(f"/AmxF{number}"), ref)
        return cls(prepared, fonts)

    def add_page(self, writer: PdfWriter, page: _Page, values: dict[str, str]) -> None:
        """Append a copy of template page *page* with its fields drawn in, to *writer*."""
        with self.prepared.lock:
            # Page dictionary copied; content, fonts and images are shared by every copy.
            out = writer.add_page(
                self.prepared.reader.pages[page.index], excluded_keys=("/Annots", "/B")
            )
        if not page.fields:
            return
        resources = out.get("/Resources")
        resources = resources.get_object() if resources is not None else None
        own = DictionaryObject(resources.items() if isinstance(resources, DictionaryObject) else ())
        shared = own.get("/Font")
        shared = shared.get_object() if shared is not None else None
        fonts = DictionaryObject(shared.items() if isinstance(shared, DictionaryObject) else ())
        for resource_name, ref in self.fonts.values():
            fonts[resource_name] = ref
        own[NameObject("/Font")] = fonts
        out[NameObject("/Resources")] = own
        drawing = b"".join(
            field.draw(
                self.prepared.document_id,
                values[field.name],
                self.fonts[field.layout.font_name][0],
            )
            for field in page.fields
            if field.layout is not None
        )
        stream = DecodedStreamObject()
        stream.set_data(drawing)
        stream[NameObject("/Length")] = NumberObject(len(drawing))
        streams = ArrayObject()
        contents = out.get("/Contents")
        if contents is not None:
            resolved = contents.get_object()
            if isinstance(resolved, ArrayObject):
                streams.extend(resolved)
            else:
                streams.append(out.raw_get("/Contents"))
        streams.append(writer._add_object(stream))
        out[NameObject("/Contents")] = streams
