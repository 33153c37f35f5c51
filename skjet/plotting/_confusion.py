"""Confusion matrices (5x5 for the hls4ml classes, 2x2 after a projection)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from sklearn.metrics import confusion_matrix

from ..utils._sklearn_compat import StrOptions, validate_params
from ..utils._typing import ArrayLike
from ._style import get_axes


@validate_params(
    {"normalize": [StrOptions({"true", "pred", "all"}), None], "ax": [Axes, None]},
    prefer_skip_nested_validation=True,
)
def plot_confusion_matrix(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    normalize: str | None = None,
    sample_weight: ArrayLike | None = None,
    cmap: str = "viridis",
    ax: Axes | None = None,
) -> Axes:
    """Image of the confusion matrix with a colour bar and the value written in each cell.

    Rows are true classes, columns predicted classes (sklearn's layout).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : array-like, optional
        Classes to show, in this order; all labels present otherwise (sorted).
    normalize : {None, "true", "pred", "all"}, default=None
        Counts (None), or fractions over each true class (rows), each predicted class
        (columns) or all jets.
    sample_weight : array-like of shape (n_samples,), optional
        Weights: the cells are then sums of weights.
    cmap : str, default="viridis"
        Colour map.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        ``ax.images[0].get_array()`` holds the matrix.

    Examples
    --------
    >>> ax = plot_confusion_matrix(["t", "q", "t", "g"], ["t", "t", "t", "g"])
    >>> ax.images[0].get_array().tolist()
    [[1, 0, 0], [0, 0, 1], [0, 0, 2]]
    """
    if labels is None:
        labels = np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_pred)]))
    labels = np.asarray(labels)
    matrix = confusion_matrix(
        y_true, y_pred, labels=labels, sample_weight=sample_weight, normalize=normalize
    )

    ax = get_axes(ax)
    image = ax.imshow(matrix, cmap=cmap, vmin=0, interpolation="nearest")
    what = "jets" if normalize is None else "fraction of jets"
    ax.figure.colorbar(image, ax=ax, label=what, shrink=0.8)

    integer = np.issubdtype(matrix.dtype, np.integer)
    light = image.cmap(1.0)
    dark = image.cmap(0.0)
    middle = (matrix.max() + matrix.min()) / 2.0
    for (i, j), value in np.ndenumerate(matrix):
        text = f"{value:d}" if integer else f"{value:.2f}"
        # Dark text on the light end of the colour map, light text on the dark end.
        color = dark if value > middle else light
        ax.text(j, i, text, ha="center", va="center", color=color)

    names = [str(label) for label in labels]
    ax.set_xticks(range(len(names)), names)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return ax
