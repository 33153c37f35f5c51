"""ROC curves: the ML view (TPR vs FPR) and the physicists' view (rejection vs efficiency)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from ..metrics._rejection import curve_auc
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
    for name, values in (("fpr", fpr), ("tpr", tpr)):
        n_bad = int(np.count_nonzero(~np.isfinite(values)))
        if n_bad:
            raise ValueError(
                f"{what}: {name} holds {n_bad} NaN or infinite value(s) of {values.size}; the "
                "curve and its AUC would be meaningless (NaN scores or weights upstream?)."
            )
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
        # negative event weights make the curve non-monotonic: the area along it
        area = f"AUC = {curve_auc(fpr, tpr):.3f}"
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


def _pooled_scores(result):
    """``(is_signal, weight, {name: score})`` of a ComparisonResult's pooled test jets."""
    pred = getattr(result, "predictions", None)
    if pred is None or not getattr(result, "curves", None):
        return None
    weight = pred["sample_weight"].to_numpy() if "sample_weight" in pred else None
    return pred["is_signal"].to_numpy(dtype=bool), weight, {
        name: pred[name].to_numpy() for name in result.curves
    }


def plot_rejection(
    result_or_curves: Any,
    expected: Any = None,
    ax: Axes | None = None,
    *,
    band: bool = True,
    min_efficiency: float = 0.1,
    stat_limit: float = 10,
    confidence_level: float = 0.6827,
) -> Axes:
    r"""Background rejection :math:`1/\epsilon_B` (log scale) against signal efficiency.

    Given a :class:`~skjet.model_selection.ComparisonResult`, each curve comes with the
    band of its statistical uncertainty
    (:func:`~skjet.metrics.rejection_at_efficiency` with ``return_interval=True`` on the
    pooled test jets), and its statistically limited part, where fewer than
    ``stat_limit`` background jets pass, is drawn dotted. Points where
    :math:`\epsilon_B = 0` (infinite rejection) are left out, and so are those where
    negative event weights make the passing background's weight negative (the rejection
    is undefined there: :func:`~skjet.metrics.rejection_at_efficiency` refuses it).

    Parameters
    ----------
    result_or_curves : ComparisonResult, dict of {str: curve} or curve
        As for :func:`plot_roc`; the band needs a ComparisonResult (the jets' scores).
    expected : curve, optional
        A reference ROC curve (fpr, tpr), drawn dotted.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    band : bool, default=True
        Draw the uncertainty bands (ComparisonResult only).
    min_efficiency : float, default=0.1
        Lower edge of the efficiency axis: below it the rejection rests on a handful of
        background jets in any sample of usual size.
    stat_limit : float, default=10
        Fewer (effective) background jets than this passing: drawn dotted.
    confidence_level : float, default=0.6827
        Of the bands.

    Returns
    -------
    ax : matplotlib Axes
        Per curve one line (and with the band, one ``PolyCollection`` in
        ``ax.collections`` and one dotted line for the statistically limited part).

    Examples
    --------
    >>> ax = plot_rejection({"tagger": ([0.0, 0.1, 1.0], [0.0, 0.7, 1.0])})
    >>> ax.get_lines()[0].get_ydata().tolist()
    [10.0, 1.0]
    """
    curves = _as_curves(result_or_curves)
    pooled = _pooled_scores(result_or_curves) if band else None
    ax = get_axes(ax)

    def draw(fpr, tpr, **kwargs):
        keep = fpr > 0
        return ax.plot(tpr[keep], 1.0 / fpr[keep], **kwargs)[0]

    limited_shown = False
    for name, (fpr, tpr) in curves.items():
        if pooled is None:
            draw(fpr, tpr, label=name or None)
            continue
        is_signal, weight, scores = pooled
        line, limited = _draw_with_band(
            ax, is_signal, scores[name], weight, name, min_efficiency, stat_limit,
            confidence_level,
        )
        limited_shown |= limited
    if expected is not None:
        draw(*_as_pair(expected, "expected"), ls=":", color="black", label="expected")
    eff = np.linspace(min_efficiency, 1.0, 100)
    ax.plot(eff, 1.0 / eff, ls="--", lw=0.8, color="grey", label="random")
    if limited_shown:
        ax.plot([], [], ls=":", color="black",
                label=f"< {stat_limit:g} background jets pass")
    ax.set_yscale("log")
    ax.set_xlim(min_efficiency, 1)
    ax.set_xlabel(r"signal efficiency $\epsilon_S$")
    ax.set_ylabel(r"background rejection $1/\epsilon_B$")
    ax.grid(True, which="major", ls=":")
    if pooled is not None:
        # The bands of tiny passing counts reach far up: keep the curves readable.
        tops = [np.nanmax(line.get_ydata()) for line in ax.get_lines()
                if np.size(line.get_ydata()) and np.isfinite(line.get_ydata()).any()]
        if tops:
            ax.set_ylim(top=3 * max(tops))
    # Beside the axes: bands and curves fill the plot, a legend inside would cover them.
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    return ax


def _draw_with_band(ax, is_signal, score, weight, name, min_efficiency, stat_limit, cl):
    import warnings

    from ..metrics import UndefinedMetricWarning, rejection_at_efficiency
    from ..metrics._rejection import _background_efficiency

    eff = np.linspace(min_efficiency, 1.0, 181)
    # Where negative weights outweigh the positive ones among the passing background, the
    # rejection is undefined (rejection_at_efficiency refuses it): those points are left out.
    defined = _background_efficiency(is_signal, score, eff, weight) >= 0
    rejection, low, high = (np.full(eff.shape, np.nan) for _ in range(3))
    n_passing = np.full(eff.shape, np.inf)
    if defined.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            r = rejection_at_efficiency(is_signal, score, eff[defined], sample_weight=weight,
                                        return_interval=True, confidence_level=cl)
        rejection[defined], low[defined], high[defined] = r.rejection, r.low, r.high
        n_passing[defined] = r.n_passing
    finite = np.isfinite(rejection)
    value = np.where(finite, rejection, np.nan)
    limited = n_passing < stat_limit
    # Solid where enough background passes, dotted (same colour) below: the two overlap
    # by one point so the curve is continuous.
    solid = np.where(~limited, value, np.nan)
    line = ax.plot(eff, solid, label=name or None)[0]
    color = line.get_color()
    dotted = np.where(limited | np.r_[limited[1:], False] | np.r_[False, limited[:-1]],
                      value, np.nan)
    if limited.any():
        ax.plot(eff, dotted, ls=":", color=color)
    high = np.where(np.isfinite(high), high, np.nan)
    ax.fill_between(eff, low, high, where=finite, color=color, alpha=0.25, lw=0)
    return line, bool(limited.any())
