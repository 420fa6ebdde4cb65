"""Build-time pages of the amparex-core docs.

When the build starts (``builder-inited``) this extension writes include files into
``docs/_generated/`` from the code itself, so the docs cannot drift from it:

- ``error_table.rst``: every error class of
  :func:`amparex_core.domain.errors.all_error_classes` with its code, class and the English
  and German message templates;
- ``samples.md`` plus PNG pictures: the sample card face and cover letter, filled by the
  real PDF renderer from the shipped sample templates and rasterised with ``pdftoppm``.
  Written only when the ``pdf`` adapter and its samples exist; otherwise the file says
  nothing, and no picture is faked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_RST_SPECIAL = re.compile(r"([\\*`_|<>\[\]])")


def _rst_message(template: str) -> str:
    """A message template as reST: placeholders as literals, the rest escaped."""
    parts: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(_RST_SPECIAL.sub(r"\\\1", template[last : match.start()]))
        parts.append(f"``{{{match.group(1)}}}``")
        last = match.end()
    parts.append(_RST_SPECIAL.sub(r"\\\1", template[last:]))
    # A literal directly followed by a letter needs an escaped space to end it.
    return re.sub(r"``(?=\w)", r"``\\ ", "".join(parts)).replace("\\ ``{", "``{")


_ERROR_MODULES = ("amparex_adapters.cli.errors",)
"""Modules outside the domain that define error classes, imported before listing."""


def error_table() -> str:
    """The error-code table as reST: one section and ``list-table`` per family of errors."""
    import importlib

    from amparex_core.domain.errors import AmparexError, all_error_classes

    # The command's own refusals (configuration, secrets) live with the command.
    for module in _ERROR_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            continue
    families: dict[type[AmparexError], list[type[AmparexError]]] = {}
    for cls in all_error_classes():
        family = next(b for b in reversed(cls.__mro__) if b in AmparexError.__subclasses__())
        families.setdefault(family, []).append(cls)
    lines: list[str] = []
    for family, members in families.items():
        prefixes = sorted({cls.code.partition(".")[0] for cls in members})
        title = " ".join(f"``{prefix}.*``" for prefix in prefixes)
        title += f" — :class:`~{family.__module__}.{family.__qualname__}`"
        lines += [title, "-" * len(title), ""]
        lines += [
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 38 62",
            "   :class: error-codes",
            "",
            "   * - Code and class",
            "     - Message (English, then German)",
        ]
        for cls in members:
            builtins = [
                b.__name__
                for b in cls.__mro__[1:]
                if b.__module__ == "builtins" and b not in {Exception, BaseException, object}
            ]
            kind = f" ({', '.join(builtins)})" if builtins else ""
            lines += [
                f"   * - ``{cls.code}``",
                "",
                f"       :class:`~{cls.__module__}.{cls.__qualname__}`{kind}",
                f"     - {_rst_message(cls.en)}",
                "",
                f"       {_rst_message(cls.de)}",
            ]
        lines.append("")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the hexagon

# Port modules of amparex_core.ports, in drawing order, with the protocols they hold.
_PORTS = {
    "storage": "Storage\nInterfaceStore · TemplateStore\nOrderStore · CardStore · UploadLedger",
    "masterdata": "MasterData",
    "statistics": "StatisticSource",
    "exports": "ExportTarget",
    "documents": "DocumentRenderer",
    "delivery": "FileDelivery · ParcelDelivery",
    "readers": "CardReader · CardWriter",
    "clock": "Clock",
    "processes": "ProcessTable",
}


def adapter_modules() -> dict[str, list[str]]:
    """The adapter modules that exist in this checkout, by port folder.

    Read from the installed package, so the picture shows what the code has: a private
    module (``_sql``) or a data package (``samples``) is not an adapter.
    """
    import importlib
    import pkgutil

    found: dict[str, list[str]] = {}
    for port in _PORTS:
        package = importlib.import_module(f"amparex_adapters.{port}")
        found[port] = sorted(
            info.name
            for info in pkgutil.iter_modules(package.__path__)
            if not info.name.startswith("_") and not info.ispkg
        )
    return found


def hexagon_dot() -> str:
    """The hexagon as a Graphviz graph: drivers, the core, its ports and their adapters."""
    import importlib.util

    has_cli = importlib.util.find_spec("amparex_adapters.cli") is not None
    cli_note = "" if has_cli else "\\n— pending —"
    cli_style = "" if has_cli else ', style="rounded,dashed"'
    lines = [
        "digraph hexagon {",
        '  graph [rankdir=LR, nodesep=0.18, ranksep=0.55, bgcolor="transparent",'
        ' fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled",'
        ' fillcolor="#ffffff", color="#5b6770"];',
        '  edge [color="#5b6770", arrowsize=0.7];',
        '  host [label="host application\n(composition root)", fillcolor="#e8eef7"];',
        f'  cli [label="amparex command\\n(TOML config){cli_note}", fillcolor="#e8eef7"'
        f"{cli_style}];",
        '  core [shape=hexagon, style=filled, fillcolor="#fdf3d0", color="#b58900",'
        ' fontsize=12, margin="0.3,0.25", label=<<b>amparex_core</b><br/><br/>'
        "services: use cases<br/>domain: objects and rules<br/>(no I/O)>];",
        "  host -> core; cli -> core;",
    ]
    modules = adapter_modules()
    for port, protocols in _PORTS.items():
        lines.append(
            f'  port_{port} [shape=cds, fillcolor="#f4f1e8", color="#b58900",'
            f' label="ports.{port}\n{protocols}"];'
        )
        lines.append(f"  core -> port_{port} [arrowhead=none];")
        label = " · ".join(modules[port]) or "—"
        lines.append(
            f'  adapters_{port} [label="amparex_adapters.{port}\n{label}", fillcolor="#eef6ee"];'
        )
        lines.append(f"  port_{port} -> adapters_{port} [dir=back, style=dashed, arrowtail=empty];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def context_fields() -> str:
    """The names of an order's document context, as a MyST list."""
    from amparex_core.domain.batches import ORDER_CONTEXT_FIELDS

    return ", ".join(f"`{name}`" for name in sorted(ORDER_CONTEXT_FIELDS)) + "\n"


def _write_if_changed(path: Path, text: str) -> None:
    # Rewriting an unchanged file would make Sphinx re-read every page that includes it.
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def generate(app: Sphinx) -> None:
    """Write the generated include files (``builder-inited``)."""
    out = Path(app.srcdir) / "_generated"
    out.mkdir(exist_ok=True)
    _write_if_changed(out / "error_table.rst", error_table())
    _write_if_changed(out / "hexagon.dot", hexagon_dot())
    _write_if_changed(out / "context_fields.md", context_fields())
    from samples import write_samples

    _write_if_changed(out / "samples.md", write_samples(out))


# ---------------------------------------------------------------- docstrings

_PROSE = re.compile(r"^[A-Z][\w']*\s")


def _keep_original(  # noqa: PLR0917 - the signature of the Sphinx event
    app: Sphinx, what: str, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    """Remember an attribute's docstring before napoleon reads it (priority 400)."""
    if what in {"attribute", "data", "property"}:
        app.env.temp_data.setdefault("amparex_original_lines", {})[name] = list(lines)


def _undo_prose_type(  # noqa: PLR0917 - the signature of the Sphinx event
    app: Sphinx, what: str, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    """Undo napoleon's reading of prose as a type (priority 600).

    Napoleon reads the text before the first colon of an attribute's or property's
    docstring as its type (``int: The count``). The house style writes prose there
    (``The canonical text form: upper-case hex``); such a "type" starts with a capitalised
    word and a space and has no type syntax, and then the original docstring is kept.
    """
    original = app.env.temp_data.get("amparex_original_lines", {}).pop(name, None)
    if original is None:
        return
    for line in lines:
        if line.startswith(":type: "):
            guessed = line.removeprefix(":type: ")
            if _PROSE.match(guessed) and not set(guessed) & set("|[]"):
                lines[:] = original
            return


# ---------------------------------------------------------------- references

_ALIASES = {
    "concurrent.futures._base.Future": "concurrent.futures.Future",
}


def _canonical(target: str) -> str | None:
    """Where a re-exported name is defined: ``amparex_core.services.OrderService`` is
    documented as ``amparex_core.services.orders.OrderService``."""
    import importlib

    parts = target.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        rest = parts[cut:]
        try:
            owner = getattr(obj, rest[0])
        except AttributeError:
            return None
        module = getattr(owner, "__module__", None)
        qualname = getattr(owner, "__qualname__", None)
        if not isinstance(module, str) or not isinstance(qualname, str):
            return None
        return ".".join([module, qualname, *rest[1:]])
    return None


def _owner_class(env: Any, node: Any, target: str) -> list[Any]:
    """The documented class that owns an undocumented attribute.

    attrs fields and attributes set in ``__init__`` have no entry of their own; they are
    described in their class's docstring (*Args*), so a reference goes to the class.
    """
    owner, _, name = target.rpartition(".")
    if not owner:
        module, cls = node.get("py:module"), node.get("py:class")
        if not cls:
            return []
        owner = f"{module}.{cls}" if module else cls
    domain = env.domains["py"]
    found = domain.find_obj(env, node.get("py:module"), node.get("py:class"), owner, "class", 1)
    return found if name else []


def _resolve_missing(app: Sphinx, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve private paths of public names, and short names that have one target.

    Docstrings may name a function of another module by its bare name
    (``:func:`name_key```); when exactly one documented object has that name, the
    reference goes there. Anything else stays unresolved, and the nitpicky build fails.
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"]
    if target in _ALIASES:
        node["reftarget"] = _ALIASES[target]
        from sphinx.ext import intersphinx

        return intersphinx.missing_reference(app, env, node, contnode)
    domain = env.domains["py"]
    canonical = _canonical(target)
    matches = []
    if canonical is not None:
        matches = domain.find_obj(env, None, None, canonical, node.get("reftype"), 0)
    if not matches:
        matches = domain.find_obj(
            env, node.get("py:module"), node.get("py:class"), target, node.get("reftype"), 1
        )
    if not matches and node.get("reftype") == "attr":
        matches = _owner_class(env, node, canonical or target)
    if len(matches) != 1:
        return None
    (full_name, obj_entry) = matches[0]
    from sphinx.util.nodes import make_refnode

    return make_refnode(
        app.builder, node["refdoc"], obj_entry.docname, obj_entry.node_id, contnode, full_name
    )


def _keep_enum_members(  # noqa: PLR0917 - the signature of the Sphinx event
    app: Sphinx, what: str, name: str, obj: object, skip: bool, options: Any
) -> bool | None:
    """Show every member of an enum, documented or not: they are the closed sets of the
    manual (``ShipTo.CUSTOMER`` …) and the targets of references."""
    import enum

    if what == "class" and isinstance(obj, enum.Enum) and not name.startswith("_"):
        return False
    return None


#: Modules that import some names for type checkers only, so that a program start loads
#: no more than it uses (issue 16): the docs import those names too, so signatures show
#: and link them as everywhere else.
TYPE_CHECKING_ONLY = (
    # Modules that import the names of their annotations only for the type checker, so
    # that a program start does not load them (issue 16): the docs resolve them here.
    "amparex_core.domain.paging",
    "amparex_core.ports.alerts",
    "amparex_core.ports.delivery",
    "amparex_core.ports.documents",
    "amparex_core.ports.exports",
    "amparex_core.ports.masterdata",
    "amparex_core.ports.processes",
    "amparex_core.ports.readers",
    "amparex_core.ports.statistics",
    "amparex_core.ports.storage",
    "amparex_core.services.claims",
    "amparex_core.services.interfaces",
    "amparex_core.services.loyalty_lab",
    "amparex_core.services.outbox",
    "amparex_core.services.runlog",
    "amparex_core.services.startup",
    "amparex_adapters.cli._compose_operations",
    "amparex_adapters.cli.compose",
    "amparex_adapters.converters.base",
    "amparex_adapters.delivery.folder",
    "amparex_adapters.exports.folder",
    "amparex_adapters.storage.sql.cards",
    "amparex_adapters.storage.sql.deliveries",
    "amparex_adapters.storage.sql.orders",
    "amparex_adapters.storage.sql.templates",
)


def _import_type_checking_names(_app: Sphinx) -> None:
    """Run the ``if TYPE_CHECKING:`` imports of :data:`TYPE_CHECKING_ONLY` in their modules."""
    import ast
    import importlib
    import inspect

    for name in TYPE_CHECKING_ONLY:
        module = importlib.import_module(name)
        namespace = vars(module)
        before = set(namespace)
        tree = ast.parse(inspect.getsource(module))
        for node in tree.body:
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
                code = compile(ast.Module(body=node.body, type_ignores=[]), name, "exec")
                exec(code, namespace)  # noqa: S102 - the module's own import statements
        added = {key: namespace[key] for key in set(namespace) - before}
        # attrs made each class's __init__ with a copy of the module's names of then.
        for value in list(namespace.values()):
            init = getattr(value, "__init__", None) if hasattr(value, "__attrs_attrs__") else None
            scope = getattr(init, "__globals__", None)
            if isinstance(scope, dict) and scope is not namespace:
                scope.update(added)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the build-time steps."""
    app.connect("builder-inited", _import_type_checking_names)
    app.connect("builder-inited", generate)
    app.connect("autodoc-process-docstring", _keep_original, priority=400)
    app.connect("autodoc-process-docstring", _undo_prose_type, priority=600)
    app.connect("missing-reference", _resolve_missing, priority=600)
    app.connect("autodoc-skip-member", _keep_enum_members)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
