"""Comparing approaches: every classifier on the same splits, in one table."""

from ._compare import compare
from ._result import ComparisonResult, RocCurve

__all__ = ["ComparisonResult", "RocCurve", "compare"]
