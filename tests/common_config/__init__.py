"""Per-family instances and expected failures for tests/test_common.py.

Each module here (one per family) defines::

    INSTANCES = [...]               # small, fast instances of every public class
    EXPECTED_FAILED_CHECKS = {...}  # class name -> {check name: reason}
    def expected_failed_checks(estimator): ...  # optional: per instance, when the
                                                # failures depend on the parameters
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
    """Return (instances, expected_failed_checks, input_kinds) gathered from every family.

    ``expected_failed_checks`` is a function of the instance returning {check: reason}.
    """
    instances, by_instance, kinds = [], {}, {}
    for module in _family_modules():
        table = getattr(module, "EXPECTED_FAILED_CHECKS", {})
        per_instance = getattr(
            module, "expected_failed_checks",
            lambda est, table=table: table.get(type(est).__name__, {}),
        )
        for est in module.INSTANCES:
            instances.append(est)
            by_instance[id(est)] = per_instance(est)
        kinds.update(getattr(module, "INPUT_KINDS", {}))

    def expected_failed_checks(estimator) -> dict:
        return by_instance.get(id(estimator), {})

    return instances, expected_failed_checks, kinds


def all_expected_failures(instances, expected_failed_checks) -> dict:
    """Class name -> {check: reason} over all instances (for the nd-check parametrisation)."""
    merged: dict[str, dict] = {}
    for est in instances:
        merged.setdefault(type(est).__name__, {}).update(expected_failed_checks(est))
    return merged


def takes_2d(estimator) -> bool:
    return get_tags(estimator).input_tags.two_d_array
