"""Types of the lazily imported public names of skjet.utils (see __init__.py).

Type checkers read this file instead of ``__init__.py``, whose ``__getattr__`` they
would see as returning ``Any``; listed in ``__all__``, the imports are re-exported, and
tests/test_stubs.py keeps them equal to the package's ``__all__``.
"""

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
