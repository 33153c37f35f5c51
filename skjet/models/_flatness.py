"""A flatness penalty for boosted trees: the background score distribution the same in every
bin of the decorrelation target (the bin-flatness loss of uBoost's authors, Rogozhnikov et
al. 2015), as an xgboost custom objective."""

from __future__ import annotations

import numpy as np
from scipy.special import expit


class BinFlatnessObjective:
    """Binary logistic loss plus ``strength`` times the bin-flatness penalty, for xgboost.

    The penalty is :math:`\\sum_b f_b \\int (F_b(s) - F(s))^2 \\, dF_b(s)` over the
    background jets: :math:`F_b` is the weighted CDF of the margin ``s`` in target bin
    ``b`` (equal-weight quantile bins of the background target), :math:`F` the CDF over all
    background jets and :math:`f_b` the bin's weight fraction. Its gradient moves each
    background jet's margin up where its bin's CDF exceeds the global one and down where it
    falls short, ``-2 (F_b(s_i) - F(s_i)) w_i / \\bar w``, with no curvature term (the
    logistic Hessian alone sets the step, as in gradient boosting with this loss).
    The CDFs only depend on ranks, so the penalty does not care how scores are scaled.

    Called by xgboost as ``objective(y_true, margin, sample_weight=None) -> (grad, hess)``
    with the rows in training order; ``target`` are the training rows' targets.
    """

    def __init__(self, target: np.ndarray, strength: float, n_bins: int = 10):
        self.target = np.asarray(target, dtype=np.float64)
        self.strength = float(strength)
        self.n_bins = int(n_bins)

    def __call__(self, y_true, margin, sample_weight=None):
        y = np.asarray(y_true)
        margin = np.asarray(margin, dtype=np.float64).reshape(-1)
        w = np.ones_like(margin) if sample_weight is None else np.asarray(sample_weight, float)
        p = expit(margin)
        grad = (p - y) * w
        hess = np.maximum(p * (1.0 - p), 1e-16) * w
        if self.strength > 0:
            grad += self.strength * self.flatness_gradient(margin, y == 0, w)
        return grad, hess

    def _bins(self, background: np.ndarray, w: np.ndarray) -> np.ndarray:
        target = self.target[background]
        edges = np.quantile(target, np.linspace(0, 1, self.n_bins + 1)[1:-1])
        return np.searchsorted(edges, target, side="right")

    def flatness_gradient(self, margin, background, w) -> np.ndarray:
        """Gradient of the penalty with respect to each jet's margin (0 for signal jets)."""
        out = np.zeros_like(margin)
        index = np.flatnonzero(background)
        if index.size < 2:
            return out
        s, wb = margin[index], w[index]
        total = wb.sum()
        order = np.argsort(s, kind="mergesort")
        global_cdf = np.empty_like(s)
        global_cdf[order] = np.cumsum(wb[order]) / total
        bins = self._bins(background, w)
        grad = np.zeros_like(s)
        mean_w = total / index.size
        for b in np.unique(bins):
            sel = np.flatnonzero(bins == b)
            o = sel[np.argsort(s[sel], kind="mergesort")]
            bin_cdf = np.cumsum(wb[o]) / wb[o].sum()
            grad[o] = -2.0 * (bin_cdf - global_cdf[o]) * wb[o] / mean_w
        out[index] = grad
        return out
