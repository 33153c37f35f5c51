"""The result of :func:`skjet.model_selection.compare` and its text renderings."""

from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sklearn.metrics import roc_curve

from ..metrics import UndefinedMetricWarning, get_scorer, rejection_at_efficiency
from ..metrics._rejection import curve_auc
from ..utils._typing import ArrayLike

# The confidence level of the statistical intervals of the tables: one standard deviation.
STAT_CONFIDENCE_LEVEL = 0.6827


class RocCurve(NamedTuple):
    """A ROC curve: background efficiency ``fpr``, signal efficiency ``tpr``, ``thresholds``."""

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray

    @property
    def auc(self) -> float:
        """Area under the curve."""
        # The trapezoidal rule along the thresholds: sklearn's ``auc`` would refuse the
        # non-monotonic curves of negative event weights.
        return curve_auc(self.fpr, self.tpr)

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
    classes : ndarray or None
        The sorted class labels of ``y``: the columns of :attr:`y_proba`.
    y : ndarray or None
        The labels of every jet, as given to ``compare``.
    y_pred : dict of {str: ndarray of shape (n_test,)}
        Per approach, ``predict`` on the pooled test jets (the rows of :attr:`test_index`,
        the same as those of :attr:`predictions`), not projected: for the confusion
        matrices.
    y_proba : dict of {str: ndarray of shape (n_test, n_classes)}
        Per approach with a ``predict_proba``, its class probabilities on the pooled test
        jets, columns in the order of :attr:`classes` (0 for a class that a fold's training
        jets lacked). The report draws from these and :attr:`y_pred`, never predicting
        again.

    Notes
    -----
    The rejection metrics (``"r30"``, ``"r50"``, ``"r99"``) also carry their statistical
    uncertainty, from the number of (weighted) test jets:
    :meth:`rejection_intervals` on the pooled test jets. On a held-out split the
    rendered tables show it with the value (``"240 +110/-60"``, or ``"> 180"`` when no
    background jet passes); with cross-validation the metric column keeps the mean ±
    std over folds and a column ``"<metric> pooled"`` shows the value on all out-of-fold
    jets with its statistical interval.
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
    classes: np.ndarray | None = field(default=None, repr=False, compare=False)
    y: np.ndarray | None = field(default=None, repr=False, compare=False)
    y_pred: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    y_proba: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    _intervals: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def test_index(self) -> np.ndarray:
        """The rows of ``X`` of the pooled test jets, fold after fold: the rows of
        :attr:`predictions`, :attr:`y_pred` and :attr:`y_proba`; the true labels of the
        pooled test jets are ``y[test_index]``."""
        if not self.splits:
            return np.zeros(0, dtype=np.intp)
        return np.concatenate([np.asarray(test) for _, test in self.splits])

    # -- statistical uncertainty -----------------------------------------------------------
    def rejection_intervals(self, confidence_level: float = STAT_CONFIDENCE_LEVEL) -> pd.DataFrame:
        """Each rejection metric on the pooled test jets, with its statistical interval.

        The pooled test jets are the held-out ones, or all out-of-fold jets of a
        cross-validation; the interval is that of
        :func:`~skjet.metrics.rejection_at_efficiency` (``return_interval=True``), with
        the event weights when they were given.

        Returns
        -------
        intervals : DataFrame
            One row per approach; for each rejection metric ``m`` (a name that
            :func:`~skjet.metrics.get_scorer` knows as a rejection, such as ``"r50"``):
            ``m`` (the value), ``m_low``, ``m_high`` (``inf`` where no background jet
            passes) and ``m_n_passing`` (the effective number of background jets that
            pass). No columns without rejection metrics or without :attr:`predictions`.

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skjet.model_selection import compare
        >>> X, y = make_classification(n_samples=400, random_state=0)
        >>> result = compare({"logistic": LogisticRegression()}, X, y, test_size=0.5,
        ...                  scoring=["r50"], random_state=0)
        >>> list(result.rejection_intervals().columns)
        ['r50', 'r50_low', 'r50_high', 'r50_n_passing']
        """
        if confidence_level in self._intervals:  # the renderings ask more than once
            return self._intervals[confidence_level].copy()
        names = list(self.table.index)
        columns: dict[str, list[float]] = {}
        efficiencies = self._rejection_metrics()
        if self.predictions is not None and efficiencies:
            truth = self.predictions["is_signal"].to_numpy(dtype=bool)
            weight = (
                self.predictions["sample_weight"].to_numpy()
                if "sample_weight" in self.predictions
                else None
            )
            for metric, efficiency in efficiencies.items():
                values = []
                for name in names:
                    with warnings.catch_warnings():  # an infinite value is reported as a limit
                        warnings.simplefilter("ignore", UndefinedMetricWarning)
                        values.append(rejection_at_efficiency(
                            truth, self.predictions[name].to_numpy(), efficiency,
                            sample_weight=weight, return_interval=True,
                            confidence_level=confidence_level,
                        ))
                columns[metric] = [v.rejection for v in values]
                columns[f"{metric}_low"] = [v.low for v in values]
                columns[f"{metric}_high"] = [v.high for v in values]
                columns[f"{metric}_n_passing"] = [v.n_passing for v in values]
        frame = pd.DataFrame(columns, index=pd.Index(names, name="approach"))
        self._intervals[confidence_level] = frame
        return frame.copy()

    def _rejection_metrics(self) -> dict[str, float]:
        """``{metric: signal efficiency}`` of the metrics that are background rejections."""
        found = {}
        for metric in self.metrics:
            try:
                scorer = get_scorer(metric)
            except (ValueError, KeyError, TypeError):
                continue
            if getattr(scorer, "_score_func", None) is rejection_at_efficiency:
                found[metric] = float(scorer._kwargs["efficiency"])  # type: ignore[attr-defined]
        return found

    @property
    def _held_out(self) -> bool:
        return len(self.splits) == 1

    # -- text renderings -------------------------------------------------------------------
    def _cells(self, digits: int) -> tuple[list[str], list[list[str]]]:
        intervals = self.rejection_intervals()
        pooled = [m for m in self.metrics if m in intervals and not self._held_out]
        header = ["approach", *self.metrics, *(f"{m} pooled" for m in pooled),
                  "fit [s]", "predict [s]"]
        rows = []
        for name, row in self.table.iterrows():
            cells = [str(name)]
            for metric in self.metrics:
                if metric in intervals and self._held_out:
                    stat = intervals.loc[name]
                    cells.append(_format_interval(
                        stat[metric], stat[f"{metric}_low"], stat[f"{metric}_high"]))
                    continue
                # Rejections are counts of order 10-1000: one decimal says enough.
                spec = ".1f" if metric in intervals else f".{digits}f"
                cells.append(_format(row[f"{metric}_mean"], row[f"{metric}_std"], spec))
            for metric in pooled:
                stat = intervals.loc[name]
                cells.append(_format_interval(
                    stat[metric], stat[f"{metric}_low"], stat[f"{metric}_high"]))
            # Times as the mean per fold only: their spread is noise, not a result.
            for col in ("fit_time", "predict_time"):
                cells.append(_format(row[f"{col}_mean"], None, ".3g"))
            rows.append(cells)
        return header, rows

    @property
    def title(self) -> str:
        spread = ", mean ± std over folds" if self.table.filter(like="_std").notna().any().any() else ""
        projection = f", signal = {', '.join(map(str, self.signal))}" if self.signal else ""
        stat = ""
        rejections = [m for m in self.metrics if m in self.rejection_intervals()]
        if rejections:
            where = "" if self._held_out else f"; {', '.join(rejections)} pooled over folds"
            stat = f"{where}; {'/'.join(rejections)}: 68 % stat. interval"
        return f"Approach comparison ({self.description}{projection}{spread}{stat})"

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

    def to_html(self, digits: int = 4) -> str:
        """The table as an HTML ``<table>`` with its title as caption (the cells of
        :meth:`to_string`)."""
        header, rows = self._cells(digits)
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(
                f"<th>{html.escape(c)}</th>" if i == 0 else f"<td>{html.escape(c)}</td>"
                for i, c in enumerate(cells)
            ) + "</tr>"
            for cells in rows
        )
        return (
            '<table class="skjet-comparison">'
            f"<caption>{html.escape(self.title)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

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


def _significant(x: float, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits as ``format(x, ".3g")``, but without an
    exponent from 1000 to a million (``1634.2`` -> ``"1630"``): tables are read in talks."""
    text = format(x, f".{digits}g")
    if "e+" in text and abs(x) < 1e6:
        return str(int(float(text)))
    return text


def _format_interval(value: float, low: float, high: float) -> str:
    """``"240 +110/-60"`` rounded to two significant digits of the smaller error,
    ``"6.3 ± 0.4"`` when both round alike, ``"> 180"`` for a lower limit."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return f"> {_significant(low)}" if low > 0 and math.isfinite(low) else "inf"
    up, down = high - value, value - low
    smallest = min(e for e in (up, down) if e > 0) if max(up, down) > 0 else 0.0
    if smallest <= 0 or not math.isfinite(smallest):
        return _significant(value)
    decimals = max(0, 1 - math.floor(math.log10(smallest)))
    up_text = "inf" if math.isinf(up) else f"{up:.{decimals}f}"
    down_text = f"{down:.{decimals}f}"
    if up_text == down_text:
        return f"{value:.{decimals}f} ± {up_text}"
    return f"{value:.{decimals}f} +{up_text}/-{down_text}"
