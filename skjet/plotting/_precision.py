"""Accuracy and AUC of fixed-point firmware against the total bit width."""

from __future__ import annotations

import pandas as pd

from ..utils._sklearn_compat import validate_params
from ._style import get_axes

_METRICS = {"accuracy": "accuracy", "roc_auc": "AUC"}


@validate_params({"scan": [pd.DataFrame]}, prefer_skip_nested_validation=True)
def plot_precision_scan(scan, ax=None, *, metrics=("accuracy", "roc_auc")):
    """Metrics of the emulated firmware against the total bit width, the float model dashed.

    Parameters
    ----------
    scan : DataFrame
        One row per bit width with a ``width`` column and, per metric, the firmware's value
        (e.g. ``accuracy``) and optionally the float model's (``accuracy_float``), as
        returned by :func:`skjet.export.precision_scan`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    metrics : sequence of str, default=("accuracy", "roc_auc")
        Columns to draw, one line each.

    Returns
    -------
    ax : matplotlib Axes
        One solid line per metric (firmware) and one dashed horizontal line per metric
        with a float reference.

    Examples
    --------
    >>> import pandas as pd
    >>> scan = pd.DataFrame({"width": [8, 12, 16], "accuracy": [0.3, 0.6, 0.7],
    ...                      "roc_auc": [0.6, 0.85, 0.9], "accuracy_float": 0.7,
    ...                      "roc_auc_float": 0.9})
    >>> ax = plot_precision_scan(scan)
    >>> [line.get_label() for line in ax.get_lines()]
    ['accuracy, fixed point', 'accuracy, float', 'AUC, fixed point', 'AUC, float']
    """
    missing = [c for c in ("width", *metrics) if c not in scan.columns]
    if missing:
        raise ValueError(
            f"scan has no column(s) {missing}; it has {list(scan.columns)}. Pass the result "
            "of skjet.export.precision_scan or name the metrics to draw."
        )
    if scan.empty:
        raise ValueError("scan is empty: no bit width was evaluated.")
    ax = get_axes(ax)
    frame = scan.sort_values("width")
    for metric in metrics:
        label = _METRICS.get(metric, metric)
        (line,) = ax.plot(frame["width"], frame[metric], marker="o",
                          label=f"{label}, fixed point")
        if f"{metric}_float" in frame:
            ax.axhline(float(frame[f"{metric}_float"].iloc[0]), color=line.get_color(),
                       ls="--", label=f"{label}, float")
    if "integer_bits" in frame and frame["integer_bits"].nunique() == 1:
        ax.set_xlabel(f"total bits (ap_fixed<W, {int(frame['integer_bits'].iloc[0])}>)")
    else:
        ax.set_xlabel("total bits")
    ax.set_ylabel("metric on the evaluation jets")
    ax.grid(True, axis="y", ls=":")
    ax.legend()
    return ax
