"""Text and HTML templates with Jinja2, sandboxed: e-mail bodies, notes, README files.

Extra ``jinja`` (or ``pdf``, which includes Jinja2).

Templates run in a :class:`jinja2.sandbox.SandboxedEnvironment` (a template from the master
data cannot reach Python internals) with :class:`jinja2.StrictUndefined` (a misspelt name is
an error, never an empty string). HTML templates are autoescaped: a holder called
``<b>Eve</b>`` is printed, not interpreted. Every failure is a
:class:`~amparex_core.domain.errors.DocumentTemplateInvalid` naming the template and the
name or line at fault, the same error the PDF renderer raises.

>>> texts = JinjaTemplates({"mail.txt": "Kartenbestellung {{ number }}"})
>>> texts.render("mail.txt", {"number": "B000042"})
'Kartenbestellung B000042'
>>> texts.render("Hallo {{ name }}!", {"name": "Erika"})
'Hallo Erika!'
>>> texts.render("<p>{{ name }}</p>", {"name": "<b>Eve</b>"}, html=True)
'<p>&lt;b&gt;Eve&lt;/b&gt;</p>'
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Final

from amparex_adapters._extras import require
from amparex_core.domain.errors import DocumentTemplateInvalid
from amparex_core.domain.masterdata import DocumentTemplate

require("jinja2", "jinja")

import jinja2  # noqa: E402
import jinja2.meta  # noqa: E402
import jinja2.sandbox  # noqa: E402

from amparex_adapters.documents._sandbox import LimitedSandbox  # noqa: E402

__all__ = ["HTML_SUFFIXES", "INLINE", "JinjaTemplates"]

INLINE: Final = "<inline>"
"""The template name that errors give for template text passed directly."""

HTML_SUFFIXES: Final = (".html", ".htm", ".xml")
"""Named templates with these suffixes are autoescaped."""

_HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})


def _invalid(document_id: str, field: str, reason: str) -> DocumentTemplateInvalid:
    facts = {"document_id": document_id, "field": field, "reason": reason}
    return DocumentTemplateInvalid(**facts)


class JinjaTemplates:
    """Renders text and HTML templates, by name or given as text.

    Args:
        templates: Named templates (name -> template text).
        directory: A folder of template files, looked up after *templates*.
        cache_size: How many inline template texts to keep compiled.

    Safe to share between threads.
    """

    def __init__(
        self,
        templates: Mapping[str, str] | None = None,
        *,
        directory: str | os.PathLike[str] | None = None,
        cache_size: int = 128,
    ) -> None:
        loaders: list[jinja2.BaseLoader] = [jinja2.DictLoader(dict(templates or {}))]
        if directory is not None:
            loaders.append(jinja2.FileSystemLoader(os.fspath(directory)))
        loader = jinja2.ChoiceLoader(loaders)
        self._envs = {
            escape: LimitedSandbox(
                loader=loader,
                undefined=jinja2.StrictUndefined,
                autoescape=escape,
                keep_trailing_newline=True,
            )
            for escape in (False, True)
        }
        self._inline: OrderedDict[tuple[str, bool], jinja2.Template] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def _is_named(self, template: str) -> bool:
        try:
            self._envs[False].loader.get_source(self._envs[False], template)  # type: ignore[union-attr]
        except (jinja2.TemplateNotFound, OSError, ValueError):
            return False
        return True

    def _compile(self, template: str, html: bool | None) -> tuple[str, str, jinja2.Template]:
        """``(name for errors, source, compiled)``."""
        if self._is_named(template):
            escape = template.lower().endswith(HTML_SUFFIXES) if html is None else html
            env = self._envs[escape]
            try:
                source, _, _ = env.loader.get_source(env, template)  # type: ignore[union-attr]
                return template, source, env.get_template(template)
            except jinja2.TemplateSyntaxError as exc:
                raise _invalid(template, f"line {exc.lineno}", exc.message or str(exc)) from None
            except jinja2.TemplateError as exc:  # refused while folding constants
                raise _invalid(template, "expression", exc.message or str(exc)) from None
        escape = bool(html)
        key = (template, escape)
        with self._lock:
            compiled = self._inline.get(key)
            if compiled is not None:
                self._inline.move_to_end(key)
                return INLINE, template, compiled
        try:
            compiled = self._envs[escape].from_string(template)
        except jinja2.TemplateSyntaxError as exc:
            raise _invalid(INLINE, f"line {exc.lineno}", exc.message or str(exc)) from None
        except jinja2.TemplateError as exc:
            # Jinja folds constant expressions while compiling: an unsafe attribute of a
            # constant ("''.__class__ ~ 'x'") is refused here, before any rendering.
            raise _invalid(INLINE, "expression", exc.message or str(exc)) from None
        with self._lock:
            self._inline[key] = compiled
            while len(self._inline) > self._cache_size:
                self._inline.popitem(last=False)
        return INLINE, template, compiled

    def _unknown(self, source: str, fields: frozenset[str] | set[str]) -> list[str]:
        ast = self._envs[False].parse(source)
        return sorted(jinja2.meta.find_undeclared_variables(ast) - set(fields))

    def validate(self, template: str, fields: frozenset[str], *, html: bool | None = None) -> None:
        """Check that *template* renders from a context with the keys *fields*.

        Args:
            template: A template name, or template text.
            fields: The context keys that will exist.
            html: Autoescape; by default for names ending in :data:`HTML_SUFFIXES`.

        Raises:
            DocumentTemplateInvalid: A syntax error, or a name not in *fields* (the first
                unknown name is given as the field).
        """
        name, source, compiled = self._compile(template, html)
        unknown = self._unknown(source, fields)
        if unknown:
            raise _invalid(name, unknown[0], f"'{unknown[0]}' is not in the context")
        self._run(name, source, compiled, {field: field for field in fields})

    def render(
        self, template: str, context: Mapping[str, object], *, html: bool | None = None
    ) -> str:
        """Render *template* with *context*.

        Args:
            template: A template name (of *templates* or *directory*), or template text.
            context: The values the template reads.
            html: Autoescape; by default for names ending in :data:`HTML_SUFFIXES`, never
                for template text.

        Returns:
            The rendered text.

        Raises:
            DocumentTemplateInvalid: A syntax error, an unknown name, or an error raised by
                an expression.
        """
        name, source, compiled = self._compile(template, html)
        return self._run(name, source, compiled, context)

    def render_document(self, template: DocumentTemplate, context: Mapping[str, object]) -> str:
        """Render a text or HTML document template of the master data.

        Its content is UTF-8 template text; it is autoescaped when its media type is HTML.

        Raises:
            DocumentTemplateInvalid: Not UTF-8 text, or see :meth:`render`.
        """
        try:
            text = template.content.decode("utf-8")
        except UnicodeDecodeError:
            raise _invalid(template.id, "-", "the content is not UTF-8 text") from None
        html = template.media_type.split(";")[0].strip().lower() in _HTML_TYPES
        try:
            return self.render(text, context, html=html)
        except DocumentTemplateInvalid as exc:
            raise _invalid(template.id, exc.field, exc.reason) from None

    def _run(
        self, name: str, source: str, compiled: jinja2.Template, context: Mapping[str, object]
    ) -> str:
        try:
            return compiled.render(context)
        except jinja2.UndefinedError as exc:
            unknown = self._unknown(source, set(context))
            field = unknown[0] if unknown else "-"
            raise _invalid(name, field, exc.message or str(exc)) from None
        except jinja2.TemplateError as exc:
            raise _invalid(name, "-", str(exc)) from None
        except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as exc:
            raise _invalid(name, "-", f"{type(exc).__name__}: {exc}") from None
