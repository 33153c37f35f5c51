"""ROC curves: the ML view (TPR vs FPR) and the physicists' view (rejection vs efficiency)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from sklearn.metrics import auc

from ._style import get_axes


def _as_pair(curve, what: str) -> tuple[np.ndarray, np.ndarray]:
    """``(fpr, tpr)`` from a RocCurve, a ``(fpr, tpr[, thresholds])`` tuple or an (n, 2) array."""
    if isinstance(curve, np.ndarray) and curve.ndim == 2 and curve.shape[1] == 2:
        fpr, tpr = curve[:, 0], curve[:, 1]
    else:
        try:
            fpr, tpr = curve[0], curve[1]
        except (TypeError, IndexError, KeyError):
            raise TypeError(
                f"{what} must be a (fpr, tpr) pair, a RocCurve or an (n, 2) array of "
                f"[fpr, tpr] rows, got {type(curve).__name__}."
            ) from None
    fpr, tpr = np.asarray(fpr, dtype=np.float64), np.asarray(tpr, dtype=np.float64)
    if fpr.ndim != 1 or fpr.shape != tpr.shape:
        raise ValueError(
            f"{what}: fpr and tpr must be 1-D arrays of the same length, got shapes "
            f"{fpr.shape} and {tpr.shape}."
        )
    if fpr.size == 0:
        raise ValueError(f"{what} is empty.")
    return fpr, tpr


def _as_curves(curves) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Name -> (fpr, tpr) from a ComparisonResult, a dict of curves or one curve."""
    if hasattr(curves, "curves") and hasattr(curves, "table"):  # a ComparisonResult
        if not curves.curves:
            raise ValueError(
                "The comparison result has no ROC curves: run compare with "
                "return_curves=True, and with signal=... for a multiclass y."
            )
        curves = curves.curves
    if isinstance(curves, Mapping):
        if not curves:
            raise ValueError("No curves to plot: the dict is empty.")
        return {str(name): _as_pair(c, f"curve {name!r}") for name, c in curves.items()}
    return {"": _as_pair(curves, "curve")}


def plot_roc(result_or_curves: Any, expected: Any = None, ax: Axes | None = None) -> Axes:
    """Signal efficiency (TPR) against background efficiency (FPR), AUC in the legend.

    Parameters
    ----------
    result_or_curves : ComparisonResult, dict of {str: curve} or curve
        The curves of :func:`~skjet.model_selection.compare`, or curves by name, or one
        curve; a curve is a :class:`~skjet.model_selection.RocCurve`, a ``(fpr, tpr)`` or
        ``(fpr, tpr, thresholds)`` tuple, or an (n, 2) array of [fpr, tpr] rows.
    expected : curve, optional
        A reference curve drawn dotted, labelled "expected" (e.g. an (n, 2) table of
        [fpr, tpr] rows from a publication).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> ax = plot_roc({"tagger": ([0.0, 0.1, 1.0], [0.0, 0.7, 1.0])},
    ...               expected=np.array([[0.0, 0.0], [0.1, 0.6], [1.0, 1.0]]))
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['tagger (AUC = 0.800)', 'expected', 'random']
    """
    curves = _as_curves(result_or_curves)
    ax = get_axes(ax)
    for name, (fpr, tpr) in curves.items():
        area = f"AUC = {auc(fpr, tpr):.3f}"
        ax.plot(fpr, tpr, label=f"{name} ({area})" if name else area)
    if expected is not None:
        fpr, tpr = _as_pair(expected, "expected")
        ax.plot(fpr, tpr, ls=":", color="black", label="expected")
    ax.plot([0, 1], [0, 1], ls="--", lw=0.8, color="grey", label="random")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(r"background efficiency $\epsilon_B$ (false positive rate)")
    ax.set_ylabel(r"signal efficiency $\epsilon_S$ (true positive rate)")
    ax.grid(True, ls=":")
    ax.legend(loc="lower right")
    return ax


def plot_rejection(result_or_curves: Any, expected: Any = None, ax: Axes | None = None) -> Axes:
    r"""Background rejection :math:`1/\epsilon_B` (log scale) against signal efficiency.

    Points where :math:`\epsilon_B = 0` (infinite rejection) are left out.

    Parameters
    ----------
    result_or_curves : ComparisonResult, dict of {str: curve} or curve
        As for :func:`plot_roc`.
    expected : curve, optional
        A reference ROC curve (fpr, tpr), drawn dotted.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> ax = plot_rejection({"tagger": ([0.0, 0.1, 1.0], [0.0, 0.7, 1.0])})
    >>> ax.get_lines()[0].get_ydata().tolist()
    [10.0, 1.0]
    """
    curves = _as_curves(result_or_curves)
    ax = get_axes(ax)

    def draw(fpr, tpr, **kwargs):
        keep = fpr > 0
        ax.plot(tpr[keep], 1.0 / fpr[keep], **kwargs)

    for name, (fpr, tpr) in curves.items():
        draw(fpr, tpr, label=name or None)
    if expected is not None:
        draw(*_as_pair(expected, "expected"), ls=":", color="black", label="expected")
    eff = np.linspace(0.01, 1.0, 100)
    ax.plot(eff, 1.0 / eff, ls="--", lw=0.8, color="grey", label="random")
    ax.set_yscale("log")
    ax.set_xlim(0, 1)
    ax.set_xlabel(r"signal efficiency $\epsilon_S$")
    ax.set_ylabel(r"background rejection $1/\epsilon_B$")
    ax.grid(True, which="both", ls=":")
    ax.legend(loc="upper right")
    return ax
