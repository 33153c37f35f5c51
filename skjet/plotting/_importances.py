"""Feature importances as a horizontal bar chart."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ._style import get_axes

_KEPT_COLOR = "tab:blue"
_DROPPED_COLOR = "tab:gray"


def _importances_frame(obj) -> pd.DataFrame:
    if hasattr(obj, "steps"):  # a Pipeline: its pruning step
        steps = [step for _, step in obj.steps if hasattr(step, "importances_")]
        if not steps:
            raise ValueError("No step of the Pipeline has importances_ (an ImportancePruner).")
        obj = steps[0]
    frame = getattr(obj, "importances_", obj)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            "Expected a fitted ImportancePruner or a DataFrame with columns feature, mean, "
            f"std; got {type(obj).__name__}."
        )
    missing = [col for col in ("feature", "mean") if col not in frame.columns]
    if missing:
        raise ValueError(
            f"The importances table lacks column(s) {missing}; it has {list(frame.columns)}."
        )
    if frame.empty:
        raise ValueError("The importances table is empty.")
    return frame


def plot_importances(
    pruner_or_importances: Any,
    ax: Axes | None = None,
    *,
    top_n: int | None = None,
) -> Axes:
    """Horizontal bars of the mean importance with its std, most important on top.

    Parameters
    ----------
    pruner_or_importances : ImportancePruner, Pipeline or DataFrame
        A fitted :class:`~skjet.feature_selection.ImportancePruner` (or a Pipeline holding
        one), or a table with columns ``feature``, ``mean``, optional ``std`` and optional
        ``selected`` (bool). Selected features are drawn in colour, pruned ones in grey.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    top_n : int, optional
        Show only the ``top_n`` most important features.

    Returns
    -------
    ax : matplotlib Axes
        One bar per feature; ``ax.patches[i].get_width()`` is its mean importance.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"feature": ["mass", "tau32", "pt"], "mean": [0.2, 0.1, 0.0],
    ...                       "std": [0.01, 0.02, 0.005], "selected": [True, True, False]})
    >>> ax = plot_importances(table)
    >>> [float(round(p.get_width(), 3)) for p in ax.patches]
    [0.2, 0.1, 0.0]
    """
    frame = _importances_frame(pruner_or_importances)
    frame = frame.sort_values("mean", ascending=False, kind="stable")
    if top_n is not None:
        frame = frame.head(top_n)
    means = frame["mean"].to_numpy(dtype=np.float64)
    stds = frame["std"].to_numpy(dtype=np.float64) if "std" in frame else None
    selected = frame["selected"].to_numpy(dtype=bool) if "selected" in frame else None
    colors = (
        _KEPT_COLOR
        if selected is None
        else [_KEPT_COLOR if keep else _DROPPED_COLOR for keep in selected]
    )

    ax = get_axes(ax)
    positions = np.arange(len(frame))
    ax.barh(positions, means, xerr=stds, color=colors, capsize=2)
    ax.set_yticks(positions, [str(f) for f in frame["feature"]])
    ax.invert_yaxis()  # most important on top
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_xlabel("importance (mean ± std)")
    if selected is not None:
        from matplotlib.patches import Patch

        ax.legend(
            handles=[Patch(color=_KEPT_COLOR, label="kept"),
                     Patch(color=_DROPPED_COLOR, label="pruned")],
            loc="lower right",
        )
    return ax
