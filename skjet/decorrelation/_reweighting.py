"""Per-class sample weights flat in (pT, mass)."""

from __future__ import annotations

import numpy as np

from ..utils import check_finite, check_sample_weight
from ..utils._classes import check_labels
from ..utils._typing import ArrayLike


def flat_weights(
    y: ArrayLike,
    variables: ArrayLike,
    *,
    bins: int | list = 20,
    sample_weight: ArrayLike | None = None,
    max_weight: float | None = 100.0,
) -> np.ndarray:
    """Sample weights that make every class flat in (pT, mass), or any other variables.

    Each class's (weighted) jets are histogrammed in ``variables``; a jet's weight is its
    input weight divided by its class's weight in its bin, so every occupied bin carries the
    same weight for every class. A classifier trained with them cannot separate the
    classes by the variables' distributions alone (the training recipe of the CMS
    mass-decorrelated taggers, and the "flat XGBoost" of skjet's decorrelation benchmark).
    The weights of each class are rescaled to sum to the class's input weight, so class
    proportions are unchanged. Pass them as ``sample_weight`` to any estimator.

    Parameters
    ----------
    y : array-like of shape (n_jets,)
        Class labels.
    variables : array-like of shape (n_jets,) or (n_jets, n_variables)
        The variables to flatten in, e.g. ``np.c_[pt, mass]``.
    bins : int or list, default=20
        Bins per variable: a number of equal bins over the range of all jets, or a list with
        one entry (a number or an array of edges) per variable, as ``numpy.histogramdd``.
        Jets beyond the outer edges count in the outer bins (none is left without a weight).
    sample_weight : array-like of shape (n_jets,), default=None
        Non-negative input weights, multiplied in.
    max_weight : float or None, default=100.0
        Cap on a jet's weight relative to its class's mean, so that a nearly empty bin does
        not dominate training; None: no cap.

    Returns
    -------
    weight : ndarray of shape (n_jets,), float64
        Zero only for jets of zero input weight.

    Examples
    --------
    >>> import numpy as np
    >>> from skjet.decorrelation import flat_weights
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> mass = np.array([10.0, 10.0, 90.0, 90.0, 90.0, 10.0])
    >>> flat_weights(y, mass, bins=2)
    array([0.75, 0.75, 1.5 , 0.75, 0.75, 1.5 ])
    """
    check_labels(y, estimator="flat_weights")
    y = np.asarray(y)
    values = np.asarray(variables, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or values.shape[0] != y.shape[0]:
        raise ValueError(
            f"variables must have shape ({y.shape[0]},) or ({y.shape[0]}, n_variables), one "
            f"row per label, got shape {np.shape(variables)}."
        )
    check_finite(values, name="variables")
    weight = check_sample_weight(sample_weight, y.shape[0], ensure_non_negative=True)
    if max_weight is not None and not max_weight > 0:
        raise ValueError(f"max_weight must be positive or None, got {max_weight!r}.")
    # common edges for every class: the flat shape is the same everywhere
    _, edges = np.histogramdd(values, bins=bins)
    index = tuple(
        np.clip(np.searchsorted(e, values[:, d], side="right") - 1, 0, len(e) - 2)
        for d, e in enumerate(edges)
    )
    out = np.zeros_like(weight)
    for label in np.unique(y):
        sel = y == label
        total = weight[sel].sum()
        if not total > 0:
            continue
        hist = np.zeros([len(e) - 1 for e in edges])
        np.add.at(hist, tuple(i[sel] for i in index), weight[sel])
        content = hist[tuple(i[sel] for i in index)]
        w = np.divide(weight[sel], content, out=np.zeros(int(sel.sum())), where=content > 0)
        w *= total / w.sum()
        if max_weight is not None:
            mean = total / sel.sum()
            w = np.minimum(w, max_weight * mean)
            w *= total / w.sum()
        out[sel] = w
    return out
