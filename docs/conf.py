"""Sphinx configuration of the amparex-core documentation.

Built by ``nox -s docs`` with ``sphinx-build -n -W`` (every cross-reference must resolve)
and the doctest builder (the tutorial's code runs against the in-memory adapters).
"""

from __future__ import annotations

import glob
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "_ext"))

from amparex_core import __version__  # noqa: E402

project = "amparex-core"
author = "amparex-core developers"
copyright = "2026, amparex-core developers"
release = __version__
version = ".".join(__version__.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.doctest",
    "sphinx.ext.graphviz",
    "sphinx.ext.viewcode",
    "sphinx_click",
    "amparex_docs",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "_generated", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

myst_enable_extensions = ["colon_fence", "deflist", "fieldlist"]
myst_heading_anchors = 3

# ---------------------------------------------------------------- HTML

html_theme = "furo"
html_title = f"amparex-core {release}"
html_static_path = ["_static"]
html_css_files = ["amparex.css"]

# ---------------------------------------------------------------- autodoc and napoleon

autodoc_member_order = "bysource"
add_module_names = False
autodoc_typehints = "signature"
autodoc_default_options = {"members": True}
autodoc_preserve_defaults = True
autodoc_type_aliases: dict[str, str] = {}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# "Attributes:" sections become :ivar: fields, so they do not clash with the attribute
# entries autodoc makes for the same attrs fields.
napoleon_use_ivar = False
napoleon_use_rtype = False

# ---------------------------------------------------------------- cross-references

nitpicky = True


def _inventory(*patterns: str) -> str | None:
    """A local copy of an inventory (Debian's doc packages), else fetch from the web.

    The build machines reach no documentation site, so scripts/system-packages.txt
    installs the doc packages; a machine without them falls back to the web.
    """
    for pattern in patterns:
        for candidate in sorted(glob.glob(pattern), reverse=True):
            if Path(candidate).is_file():
                return candidate
    return None


intersphinx_mapping = {
    "python": (
        "https://docs.python.org/3",
        _inventory(
            "/usr/share/doc/python3/html/objects.inv",
            "/usr/share/doc/python3.1[0-9]/html/objects.inv",
        ),
    ),
    "attrs": (
        "https://www.attrs.org/en/stable",
        _inventory("/usr/share/doc/python-attr-doc/html/objects.inv"),
    ),
    "jinja2": (
        "https://jinja.palletsprojects.com/en/stable",
        _inventory("/usr/share/doc/python-jinja2-doc/html/objects.inv"),
    ),
}
intersphinx_timeout = 10

# Third-party and private names that have no inventory to resolve against.
nitpick_ignore: list[tuple[str, str]] = [
    # attrs' inventory lists its functions and classes but not the module itself.
    ("py:mod", "attrs"),
    # hypothesis (the contract kit's signatures) has no inventory on the build machines.
    ("py:class", "hypothesis._settings.settings"),
    ("py:class", "hypothesis.strategies.SearchStrategy"),
    # cattrs has no inventory: the converters of amparex_adapters.converters are its own.
    ("py:class", "cattrs.Converter"),
    ("py:class", "cattrs.converters.Converter"),
    # error_class's type variable (the class it decorates comes back).
    ("py:class", "amparex_core.domain.errors._base._T"),
]

# ---------------------------------------------------------------- doctest

# Plain ``>>>`` blocks (docstring examples shown on the API pages) run in this group; each
# API page sets it up with the namespace of the modules it documents. The tutorial uses
# explicit ``doctest`` directives in its own group and imports everything it uses.
doctest_test_doctest_blocks = "docstrings"

# ---------------------------------------------------------------- graphviz

graphviz_output_format = "svg"
