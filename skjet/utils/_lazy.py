"""Lazy re-export of a subpackage's public API (PEP 562).

Importing ``skjet.models`` must not import torch, xgboost and fastjet all at once: each
name is imported from its private module on first access.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def attach(package: str, names: dict[str, str]) -> tuple[Callable, Callable, list[str]]:
    """Return ``__getattr__``, ``__dir__`` and ``__all__`` for ``package``.

    ``names`` maps each public name to the private module (relative to ``package``)
    that defines it.
    """

    def __getattr__(name: str):
        try:
            module = names[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        return getattr(importlib.import_module(module, package), name)

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__, sorted(names)
