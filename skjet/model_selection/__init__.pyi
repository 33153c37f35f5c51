"""Types of the lazily imported public names of skjet.model_selection (see __init__.py).

Type checkers read this file instead of ``__init__.py``, whose ``__getattr__`` they
would see as returning ``Any``; listed in ``__all__``, the imports are re-exported, and
tests/test_stubs.py keeps them equal to the package's ``__all__``.
"""

from ._compare import compare
from ._report import ReportFigure, comparison_figures, write_comparison_report, write_report
from ._result import ComparisonResult, RocCurve
from ._standard import (
    feature_approaches,
    prepare_inputs,
    reference_taggers,
    standard_approaches,
)

__all__ = [
    "ComparisonResult",
    "ReportFigure",
    "RocCurve",
    "compare",
    "comparison_figures",
    "feature_approaches",
    "prepare_inputs",
    "reference_taggers",
    "standard_approaches",
    "write_comparison_report",
    "write_report",
]
