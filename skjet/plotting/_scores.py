"""Distributions of a classifier's signal score, one histogram per true class."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from ..metrics._projection import signal_score
from ..utils._typing import ArrayLike
from ._style import get_axes


def plot_score_distributions(
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike,
    ax: Axes | None = None,
    *,
    signal: Any = None,
    bins: int | ArrayLike = 50,
    density: bool = True,
    logy: bool = False,
) -> Axes:
    """Histogram of the signal score for each true class.

    Parameters
    ----------
    estimator : fitted classifier
        Binary (the score is the probability of ``classes_[1]``, or the decision function
        when there is no ``predict_proba``), or multiclass with ``signal``.
    X : array-like
        The estimator's input.
    y : array-like of shape (n_samples,)
        True labels: one histogram per class.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    signal : label or list of labels, optional
        Score the summed probability of these classes (needed for multiclass estimators).
    bins : int or array-like, default=50
        Common bins of all histograms (``numpy.histogram_bin_edges`` of all scores).
    density : bool, default=True
        Normalise each histogram to unit area, to compare shapes.
    logy : bool, default=False
        Logarithmic vertical axis.

    Returns
    -------
    ax : matplotlib Axes
        One step histogram (``ax.patches``, a ``StepPatch`` each) per class.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> ax = plot_score_distributions(LogisticRegression().fit(X, y), X, y, bins=10)
    >>> len(ax.patches)
    2
    """
    y = np.asarray(y)
    classes = np.unique(y)
    score = signal_score(estimator, X, signal)
    if score.shape != y.shape:
        raise ValueError(f"y has shape {y.shape} but the estimator scored {score.shape[0]} rows.")
    edges = np.histogram_bin_edges(score[np.isfinite(score)], bins=bins)

    ax = get_axes(ax)
    for label in classes:
        counts, _ = np.histogram(score[y == label], bins=edges, density=density)
        ax.stairs(counts, edges, label=str(label))
    if logy:
        ax.set_yscale("log")
    if signal is None:
        what = f"signal score ({estimator.classes_[1]})"
    elif hasattr(estimator, "predict_proba"):
        what = f"signal score (P({', '.join(map(str, np.atleast_1d(signal)))}))"
    else:
        what = f"signal score ({', '.join(map(str, np.atleast_1d(signal)))})"
    ax.set_xlabel(what)
    ax.set_ylabel("density" if density else "jets")
    ax.legend(title="true class")
    return ax
