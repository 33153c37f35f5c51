"""Comparing approaches: every classifier on the same splits, in one table."""

from ._compare import compare
from ._report import ReportFigure, comparison_figures, write_comparison_report, write_report
from ._result import ComparisonResult, RocCurve

__all__ = [
    "ComparisonResult",
    "ReportFigure",
    "RocCurve",
    "compare",
    "comparison_figures",
    "write_comparison_report",
    "write_report",
]
