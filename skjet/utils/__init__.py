"""Shared helpers: input validation for the data conventions, optional imports, discovery."""

from ._mixins import ConstituentInputMixin
from ._optional import import_optional
from ._validation import (
    check_constituents,
    check_finite,
    check_physical,
    check_sample_weight,
    constituent_mask,
    n_constituents,
)

__all__ = [
    "ConstituentInputMixin",
    "check_constituents",
    "check_finite",
    "check_physical",
    "check_sample_weight",
    "constituent_mask",
    "import_optional",
    "n_constituents",
]
