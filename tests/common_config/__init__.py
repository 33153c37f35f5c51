"""Per-family instances and expected failures for tests/test_common.py.

Each module here (one per family) defines::

    INSTANCES = [...]               # small, fast instances of every public class
    EXPECTED_FAILED_CHECKS = {...}  # class name -> {check name: reason}
    INPUT_KINDS = {...}             # optional: class name -> "constituents" | "images"
"""

from __future__ import annotations

import importlib
import pkgutil

from sklearn.utils import get_tags


def _family_modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        yield importlib.import_module(f"{__name__}.{info.name}")


def collect():
    """Return (instances, expected_failed_checks, input_kinds) gathered from every family."""
    instances, expected, kinds = [], {}, {}
    for module in _family_modules():
        instances += list(module.INSTANCES)
        expected.update(getattr(module, "EXPECTED_FAILED_CHECKS", {}))
        kinds.update(getattr(module, "INPUT_KINDS", {}))
    return instances, expected, kinds


def takes_2d(estimator) -> bool:
    return get_tags(estimator).input_tags.two_d_array
