"""The result of :func:`skjet.model_selection.compare` and its text renderings."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sklearn.metrics import auc, roc_curve

from ..utils._typing import ArrayLike


class RocCurve(NamedTuple):
    """A ROC curve: background efficiency ``fpr``, signal efficiency ``tpr``, ``thresholds``."""

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray

    @property
    def auc(self) -> float:
        """Area under the curve."""
        return float(auc(self.fpr, self.tpr))

    @classmethod
    def from_scores(
        cls,
        is_signal: ArrayLike,
        score: ArrayLike,
        sample_weight: ArrayLike | None = None,
    ) -> RocCurve:
        """The curve of signal scores ``score`` for the boolean truth ``is_signal``."""
        return cls(*roc_curve(np.asarray(is_signal, dtype=bool), score, sample_weight=sample_weight))


@dataclass
class ComparisonResult:
    """What :func:`~skjet.model_selection.compare` returns.

    Attributes
    ----------
    table : DataFrame
        One row per approach (index ``"approach"``, in the order given). For each metric
        ``m``: ``m_mean`` and ``m_std`` over the folds (population std as in
        ``cross_val_score(...).std()``; NaN for a single held-out split), then
        ``fit_time_mean``/``fit_time_std`` and ``predict_time_mean``/``predict_time_std``
        in seconds per fold (``predict_time`` is one pass of ``predict_proba``, or of
        ``decision_function``/``predict`` where there is none, over the test jets).
    folds : DataFrame
        One row per (approach, fold): ``approach``, ``fold``, each metric, ``fit_time``,
        ``predict_time``, ``n_train``, ``n_test``.
    curves : dict of {str: RocCurve}
        Per approach, the ROC curve (``fpr``, ``tpr``, ``thresholds``; ``.auc``) of the
        pooled out-of-fold (or held-out) signal scores. Empty when ``return_curves=False``
        or for a multiclass ``y`` without ``signal``.
    predictions : DataFrame or None
        The pooled test jets, one row each: ``index`` (row in ``X``), ``fold``, ``y``,
        ``is_signal``, ``sample_weight`` (when given), then one column of signal scores per
        approach. None when ``curves`` is empty.
    estimators : dict of {str: list of estimators} or None
        The fitted estimators, one per fold, when ``return_estimators=True``.
    metrics : list of str
        The metric names, in table order.
    signal : list or None
        The signal classes of the projection, when one was asked for.
    splits : list of (train, test) index arrays
        The splits every approach was trained and scored on.
    description : str
        How the approaches were evaluated, e.g. ``"5-fold stratified CV"``.
    """

    table: pd.DataFrame
    folds: pd.DataFrame
    curves: dict[str, RocCurve] = field(default_factory=dict)
    predictions: pd.DataFrame | None = None
    estimators: dict[str, list] | None = None
    metrics: list[str] = field(default_factory=list)
    signal: list | None = None
    splits: list = field(default_factory=list, repr=False)
    description: str = ""

    # -- text renderings -------------------------------------------------------------------
    def _cells(self, digits: int) -> tuple[list[str], list[list[str]]]:
        header = ["approach", *self.metrics, "fit [s]", "predict [s]"]
        rows = []
        for name, row in self.table.iterrows():
            cells = [str(name)]
            for metric in self.metrics:
                cells.append(_format(row[f"{metric}_mean"], row[f"{metric}_std"], f".{digits}f"))
            # Times as the mean per fold only: their spread is noise, not a result.
            for col in ("fit_time", "predict_time"):
                cells.append(_format(row[f"{col}_mean"], None, ".3g"))
            rows.append(cells)
        return header, rows

    @property
    def title(self) -> str:
        spread = ", mean ± std over folds" if self.table.filter(like="_std").notna().any().any() else ""
        projection = f", signal = {', '.join(map(str, self.signal))}" if self.signal else ""
        return f"Approach comparison ({self.description}{projection}{spread})"

    def to_string(self, digits: int = 4) -> str:
        """The table drawn with box characters, as printed on a console.

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skjet.model_selection import compare
        >>> X, y = make_classification(n_samples=200, random_state=0)
        >>> result = compare({"logistic": LogisticRegression()}, X, y, cv=2,
        ...                  scoring="accuracy", random_state=0)
        >>> print(result.to_string().splitlines()[1][:12])
        ┏━━━━━━━━━━┳
        """
        header, rows = self._cells(digits)
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

        def line(left, mid, right, fill):
            return left + mid.join(fill * (w + 2) for w in widths) + right

        def cells(values, sep):
            padded = [
                f" {v:<{w}} " if i == 0 else f" {v:>{w}} "
                for i, (v, w) in enumerate(zip(values, widths))
            ]
            return sep + sep.join(padded) + sep

        out = [self.title.center(sum(widths) + 3 * len(widths) + 1).rstrip()]
        out.append(line("┏", "┳", "┓", "━"))
        out.append(cells(header, "┃"))
        out.append(line("┡", "╇", "┩", "━"))
        out.extend(cells(row, "│") for row in rows)
        out.append(line("└", "┴", "┘", "─"))
        return "\n".join(out)

    def __str__(self) -> str:
        return self.to_string()

    def to_markdown(self, digits: int = 4) -> str:
        """The table as GitHub-flavoured Markdown (``mean ± std`` cells)."""
        header, rows = self._cells(digits)
        align = ["---", *["---:"] * (len(header) - 1)]
        lines = [header, align, *rows]
        return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)

    def to_csv(self, path: str | Path | None = None, **kwargs: Any) -> str | None:
        """Write :attr:`table` (full precision) as CSV to ``path``, or return it as a string.

        Extra keyword arguments go to :meth:`pandas.DataFrame.to_csv`.
        """
        return self.table.to_csv(path, **kwargs)


def _format(mean: float, std: float | None, spec: str) -> str:
    if math.isnan(mean):
        return "nan"
    text = format(mean, spec)
    if std is not None and not math.isnan(std):
        text += " ± " + format(std, spec)
    return text
