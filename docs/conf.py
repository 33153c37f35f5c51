"""Sphinx configuration of the skjet documentation (``make docs``).

The build needs no network: no intersphinx, no remote images.
"""

import os
import re
import sys

# Document the checkout, whether or not skjet is installed.
sys.path.insert(0, os.path.abspath(".."))

import skjet  # noqa: E402

project = "skjet"
author = "The skjet developers"
copyright = "The skjet developers"  # noqa: A001
version = release = skjet.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "README.md"]

# Markdown: ``:::`` fences, ``$math$`` and heading anchors for cross-page links.
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

# API reference: one automodule page per family, members in source order.
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc Parameters sections describe the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "alabaster"
html_title = f"skjet {release}"
html_static_path = []


def _skip_metadata_requests(app, what, name, obj, skip, options):
    # scikit-learn adds set_fit_request & co. to every estimator class; their docstrings
    # point into scikit-learn's own documentation and are not skjet's API.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


# Docstrings write shapes the scikit-learn way, "(n_features_in_,)" or
# "(n_jets, n_constituents_ * n_features)": in reST a word ending in "_" is a link. Escape
# the underscore of such fitted-attribute names inside shapes, outside any literal.
_LITERAL = re.compile(r"(``.*?``|`[^`]*`)")
_TRAILING_UNDERSCORE = re.compile(r"\b([A-Za-z]\w*?)_(?=,|\)| \*)")


def _process_docstring(app, what, name, obj, options, lines):
    # A module constant (a tuple of names) has no docstring of its own: drop the one of
    # its type; the text comes from the autodata directive.
    type_doc = type(obj).__doc__ if what == "data" else None
    # (numpydoc has already appended its marker comment to the lines).
    if isinstance(type_doc, str) and " ".join(" ".join(lines).split()).startswith(
        " ".join(type_doc.split())
    ):
        lines.clear()
    for i, line in enumerate(lines):
        if line.lstrip().startswith((">>>", "...")):
            continue
        parts = _LITERAL.split(line)
        parts[::2] = [_TRAILING_UNDERSCORE.sub(r"\1\\_", part) for part in parts[::2]]
        lines[i] = "".join(parts)


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)
    app.connect("autodoc-process-docstring", _process_docstring)
