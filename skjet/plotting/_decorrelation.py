"""Mass sculpting figures: the background mass after cuts, and R50 against 1/JSD."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from ..metrics._decorrelation import (
    _cut_at_efficiency,
    _histogram_edges,
    jsd_at_efficiency,
)
from ..metrics._rejection import _check_binary_scores, rejection_at_efficiency
from ..utils._typing import ArrayLike
from ._style import get_axes


def plot_mass_sculpting(
    y_true: ArrayLike,
    y_score: ArrayLike,
    target: ArrayLike,
    ax: Axes | None = None,
    *,
    efficiencies: tuple = (0.8, 0.5, 0.3),
    bins: Any = 40,
    pos_label: Any = None,
    sample_weight: ArrayLike | None = None,
    xlabel: str = "jet mass [GeV]",
    title: str | None = None,
) -> Axes:
    """The background target (mass) distribution before and after cuts on a score.

    One normalised histogram of all background jets, then one of the background jets that
    pass the cut keeping each signal efficiency in ``efficiencies``, labelled with the
    efficiency and the JSD between passing and failing jets (see
    :func:`skjet.metrics.jsd_at_efficiency`). A decorrelated tagger keeps the shape; a
    sculpting one moves the background towards the signal's mass.

    Parameters
    ----------
    y_true, y_score, target : array-like of shape (n_samples,)
        Binary labels, tagger scores (larger is more signal-like), the jet mass.
    ax : matplotlib Axes, optional
    efficiencies : tuple of float in (0, 1), default=(0.8, 0.5, 0.3)
        Signal efficiencies of the cuts.
    bins : int or array-like, default=40
        Bins of the target (as in :func:`~skjet.metrics.jsd_at_efficiency`).
    pos_label : label, default=None
        The signal class when ``y_true`` is not {0, 1}.
    sample_weight : array-like, default=None
    xlabel : str, default="jet mass [GeV]"
    title : str, optional
        Axes title, e.g. the approach's name.

    Returns
    -------
    ax : matplotlib Axes
        ``1 + len(efficiencies)`` step histograms (``ax.patches``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 2000)
    >>> mass = rng.exponential(50, 4000)
    >>> ax = plot_mass_sculpting(y, mass + 30 * y, mass)
    >>> len(ax.patches)
    4
    """
    is_signal, score, weight = _check_binary_scores(
        y_true, y_score, pos_label=pos_label, sample_weight=sample_weight
    )
    target = np.asarray(target, dtype=np.float64)
    background = ~is_signal
    values, w = target[background], weight[background]
    edges = _histogram_edges(values, w, bins)
    ax = get_axes(ax)
    hist, _ = np.histogram(values, bins=edges, weights=w, density=True)
    ax.stairs(hist, edges, label="all background", color="black", linewidth=1.5)
    for eff in efficiencies:
        cut = _cut_at_efficiency(is_signal, score, weight, float(eff))
        passes = score[background] >= cut
        if not (w[passes].sum() > 0):
            continue  # no background left at this cut: nothing to draw
        hist, _ = np.histogram(values[passes], bins=edges, weights=w[passes], density=True)
        try:
            jsd = jsd_at_efficiency(is_signal, score, target, float(eff), bins=edges,
                                    sample_weight=weight)
            label = rf"$\varepsilon_S$ = {eff:.0%}, 1/JSD = {1 / jsd:.3g}" if jsd else (
                rf"$\varepsilon_S$ = {eff:.0%}, JSD = 0"
            )
        except ValueError:
            label = rf"$\varepsilon_S$ = {eff:.0%}"
        ax.stairs(hist, edges, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("background jets (normalised)")
    if title:
        ax.set_title(title)
    ax.legend(title="background after the cut")
    return ax


def plot_decorrelation_plane(
    y_true: ArrayLike,
    scores: Mapping[str, ArrayLike],
    target: ArrayLike,
    ax: Axes | None = None,
    *,
    efficiency: float = 0.5,
    bins: Any = 40,
    pos_label: Any = None,
    sample_weight: ArrayLike | None = None,
) -> Axes:
    """Background rejection against 1/JSD at one signal efficiency, one point per approach.

    The standard figure of mass-decorrelation studies: up is better tagging, right is less
    sculpting of the background mass (see :func:`skjet.metrics.jsd_at_efficiency`); both
    axes logarithmic. Compare approaches scored on the same jets with the same ``bins``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    scores : dict {name: array-like of shape (n_samples,)}
        The scores of each approach on the same jets.
    target : array-like of shape (n_samples,)
        The jet mass (or another decorrelation target).
    ax : matplotlib Axes, optional
    efficiency : float in (0, 1), default=0.5
    bins : int or array-like, default=40
    pos_label : label, default=None
    sample_weight : array-like, default=None

    Returns
    -------
    ax : matplotlib Axes
        One marker (a ``Line2D``) per approach.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 2000)
    >>> mass = rng.exponential(50, 4000)
    >>> ax = plot_decorrelation_plane(
    ...     y, {"mass": mass + 30 * y, "flat": rng.normal(size=4000) + y}, mass)
    >>> len(ax.lines)
    2
    """
    if not scores:
        raise ValueError("scores is empty: give at least one {name: score}.")
    ax = get_axes(ax)
    for name, score in scores.items():
        rejection = rejection_at_efficiency(
            y_true, score, efficiency, pos_label=pos_label, sample_weight=sample_weight
        )
        jsd = jsd_at_efficiency(y_true, score, target, efficiency, bins=bins,
                                pos_label=pos_label, sample_weight=sample_weight)
        inv = np.inf if jsd == 0 else 1.0 / jsd
        ax.plot([inv], [rejection], marker="o", linestyle="none", markersize=8, label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    pct = f"{efficiency:.0%}"
    ax.set_xlabel(f"1/JSD of the background mass at $\\varepsilon_S$ = {pct} (less sculpting →)")
    ax.set_ylabel(f"background rejection at $\\varepsilon_S$ = {pct}")
    ax.legend(fontsize="small")
    return ax
