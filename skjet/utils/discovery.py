"""Find skjet's public estimators, the way :func:`sklearn.utils.all_estimators` does."""

from __future__ import annotations

import importlib
import inspect

from sklearn.base import BaseEstimator

# Subpackages that hold estimators and transformers, one per family.
ESTIMATOR_PACKAGES = (
    "skjet.features",
    "skjet.preprocessing",
    "skjet.decorrelation",
    "skjet.feature_selection",
    "skjet.models",
    "skjet.export",
)


def all_estimators() -> list[tuple[str, type]]:
    """Return ``(name, class)`` for every public estimator of skjet, sorted by name.

    Only names in a family's ``__all__`` count; a family whose optional dependency is
    missing is skipped.

    Examples
    --------
    >>> names = [name for name, _ in all_estimators()]
    >>> names == sorted(names)
    True
    """
    found: dict[str, type] = {}
    for package in ESTIMATOR_PACKAGES:
        try:
            module = importlib.import_module(package)
        except ModuleNotFoundError as exc:
            if exc.name == package:  # family not written yet
                continue
            raise
        for name in getattr(module, "__all__", ()):
            try:
                obj = getattr(module, name)
            except ImportError:  # optional dependency missing
                continue
            # abstract bases (skjet.models.NeuralClassifier) are public but not estimators
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseEstimator)
                and not inspect.isabstract(obj)
            ):
                found[name] = obj
    return sorted(found.items())
