"""The one place where skjet imports scikit-learn's private API.

scikit-learn's parameter validation (``_fit_context``, and the constraint classes and
``validate_params`` of ``sklearn.utils._param_validation``), its scorer base class and
``_safe_indexing`` have no public equivalent, and a scikit-learn release may move or change
any of them (as ``_check_sample_weight`` once renamed a keyword). Every skjet module imports them from here, so
a release that breaks one is fixed in this file alone; ``pyproject.toml`` bounds scikit-learn
below its next major version, and CI runs the common checks against the oldest version it
allows. What has a public equivalent (sample weights: :func:`skjet.utils.check_sample_weight`,
on :func:`sklearn.utils.check_array`) does not go through here.

The sklearn-compat package, which imbalanced-learn uses for the same purpose, covers
``_fit_context`` but not the constraint classes, the scorer base class or ``_safe_indexing``,
so it would not spare this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from sklearn.base import _fit_context
from sklearn.metrics._scorer import _BaseScorer
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    RealNotInt,
    StrOptions,
    generate_invalid_param_val,
    make_constraint,
)
from sklearn.utils._param_validation import validate_params as _validate_params

_F = TypeVar("_F", bound=Callable[..., Any])


class NumberInterval(Interval):
    """An :class:`Interval` that a bool does not satisfy.

    To Python ``True`` is the int 1, so ``Interval(Real, 0, 1)`` takes it; a threshold or an
    efficiency given as a bool is a mistake to refuse, not a number to use.
    """

    def is_satisfied_by(self, val) -> bool:
        return not isinstance(val, bool | np.bool_) and super().is_satisfied_by(val)


def validate_params(
    parameter_constraints: dict[str, Any], *, prefer_skip_nested_validation: bool
) -> Callable[[_F], _F]:
    """scikit-learn's ``validate_params``, typed so that a decorated function keeps its
    signature for type checkers (scikit-learn's decorator is unannotated: they would see
    ``Any``)."""
    return _validate_params(
        parameter_constraints, prefer_skip_nested_validation=prefer_skip_nested_validation
    )


__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "NumberInterval",
    "RealNotInt",
    "StrOptions",
    "_BaseScorer",
    "_fit_context",
    "_safe_indexing",
    "generate_invalid_param_val",
    "make_constraint",
    "validate_params",
]
