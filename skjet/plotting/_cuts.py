"""The cuts of a cut-and-count classifier on the class distributions of each feature."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..utils._typing import ArrayLike
from ._distributions import feature_label

_KEPT_COLOR = "tab:green"
_CUT_COLOR = "tab:red"


def _final_step(model, X):
    """The cut-and-count model and its input: a Pipeline's earlier steps transform ``X``."""
    if hasattr(model, "steps"):
        head = model[:-1]
        return model.steps[-1][1], (head.transform(X) if len(head) else X)
    return model, X


def _column(X, index: int) -> np.ndarray:
    if isinstance(X, pd.DataFrame):
        return X.iloc[:, index].to_numpy(dtype=np.float64)
    return np.asarray(X, dtype=np.float64)[:, index]


def _kept_spans(cut: dict, lo: float, hi: float) -> list[tuple[float, float]]:
    form, low, high = cut["form"], cut["low"], cut["high"]
    if form == "below":
        return [(lo, high)]
    if form == "above":
        return [(low, hi)]
    if form == "window":
        return [(low, high)]
    if form == "outside":
        return [(lo, low), (high, hi)]
    return [(lo, hi)]  # "all"


def _passes(x: np.ndarray, cut: dict) -> np.ndarray:
    """Which values pass a ``cuts_`` record, as documented by CutAndCountClassifier.cuts_."""
    form, low, high = cut["form"], cut["low"], cut["high"]
    if form == "below":
        return x < high
    if form == "above":
        return x >= low
    if form in ("window", "outside"):
        inside = (x >= low) & (x < high)
        return inside if form == "window" else ~inside
    return np.ones(len(x), dtype=bool)  # "all"


def plot_cuts(
    cut_and_count: Any,
    X: ArrayLike,
    y: ArrayLike,
    bins: int | ArrayLike = 50,
    *,
    sequential: bool | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """One panel per cut: class histograms, the cut values and the kept region shaded.

    Parameters
    ----------
    cut_and_count : fitted CutAndCountClassifier, or a Pipeline ending in one
        Reads its ``cuts_`` records (``feature``, ``index``, ``form``, ``low``,
        ``high``, efficiencies).
    X : array-like or DataFrame of shape (n_jets, n_features)
        The jets to histogram (the model's input; a Pipeline's earlier steps transform it).
    y : array-like of shape (n_jets,)
        Their labels: one histogram per class.
    bins : int or array-like, default=50
        Histogram bins of every panel (``numpy.histogram_bin_edges``).
    sequential : bool, optional
        Show in each panel only the jets that pass the earlier cuts, as the sequential
        topology chooses them. Defaults to ``True`` for ``topology="sequential"``.
    figsize : tuple, optional
        Figure size; 4.5 x 4 inches per panel by default.

    Returns
    -------
    fig : matplotlib Figure
        One Axes per cut, in the order the cuts are applied.

    Examples
    --------
    >>> import numpy as np
    >>> from skjet.models import CutAndCountClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = np.c_[np.r_[rng.normal(173, 15, 300), rng.exponential(60, 300)],
    ...           rng.normal(size=600)]
    >>> y = np.r_[np.ones(300), np.zeros(300)]
    >>> fig = plot_cuts(CutAndCountClassifier(n_bins=20).fit(X, y), X, y)
    >>> len(fig.axes)
    2
    """
    model, X = _final_step(cut_and_count, X)
    cuts = getattr(model, "cuts_", None)
    if cuts is None:
        raise ValueError(
            f"{type(model).__name__} has no cuts_: pass a fitted CutAndCountClassifier."
        )
    if not cuts:
        raise ValueError("The model has no cuts to plot.")
    y = np.asarray(y)
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    if y.shape != (n,):
        raise ValueError(f"y has shape {y.shape} but X has {n} rows.")
    if sequential is None:
        sequential = getattr(model, "topology", "parallel") == "sequential"
    classes = np.unique(y)

    if figsize is None:
        figsize = (4.5 * len(cuts), 4.0)
    fig, axes = plt.subplots(1, len(cuts), squeeze=False, figsize=figsize, layout="constrained")
    axes = axes[0]
    passed = np.ones(n, dtype=bool)
    for ax, cut in zip(axes, cuts):
        x = _column(X, cut["index"])
        finite = np.isfinite(x)
        edges = np.histogram_bin_edges(x[finite], bins=bins)
        shown = passed & finite
        for label in classes:
            counts, _ = np.histogram(x[shown & (y == label)], bins=edges)
            ax.stairs(counts, edges, label=str(label))
        lo, hi = edges[0], edges[-1]
        for start, stop in _kept_spans(cut, lo, hi):
            ax.axvspan(start, stop, color=_KEPT_COLOR, alpha=0.15, lw=0)
        bounds = [b for b in (cut["low"], cut["high"]) if b is not None]
        for k, bound in enumerate(bounds):
            ax.axvline(bound, color=_CUT_COLOR, label="cut" if k == 0 else None)
        ax.set_xlim(lo, hi)
        ax.set_xlabel(feature_label(cut["feature"]))
        ax.set_ylabel("jets" + (" passing the earlier cuts" if sequential and ax is not axes[0] else ""))
        ax.set_title(
            f"{cut['form']}: eff. S {cut['signal_efficiency']:.2f}, "
            f"B {cut['background_efficiency']:.3f}",
            fontsize="medium",
        )
        ax.legend(fontsize="small", loc="best")
        if sequential:
            passed &= _passes(x, cut)
    return fig
