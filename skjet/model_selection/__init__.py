"""Comparing approaches: every classifier on the same splits, in one table."""

from ..utils._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "compare": "._compare",
        "ComparisonResult": "._result",
        "RocCurve": "._result",
        "ReportFigure": "._report",
        "comparison_figures": "._report",
        "write_comparison_report": "._report",
        "write_report": "._report",
        "standard_approaches": "._standard",
        "reference_taggers": "._standard",
        "feature_approaches": "._standard",
        "prepare_inputs": "._standard",
    },
)
