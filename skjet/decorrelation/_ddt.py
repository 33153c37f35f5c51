"""Designed decorrelated taggers (DDT): a score shifted by its background quantile."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import check_sample_weight
from ..utils._classes import check_labels
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ..utils._typing import ArrayLike


def rho(mass: ArrayLike, pt: ArrayLike) -> np.ndarray:
    """The scaling variable rho = log(m² / pT²) of jets (float64).

    The QCD jet mass scales with pT, so a decorrelation in rho holds across pT bins, where
    one in the mass would not. A jet of zero mass gets -inf: give such jets another
    variable or drop them explicitly.

    Examples
    --------
    >>> import numpy as np
    >>> from skjet.decorrelation import rho
    >>> rho([100.0], [500.0]).round(4)
    array([-3.2189])
    """
    mass, pt = np.asarray(mass, dtype=np.float64), np.asarray(pt, dtype=np.float64)
    if mass.shape != pt.shape:
        raise ValueError(f"mass has shape {mass.shape} but pt has shape {pt.shape}.")
    if (pt <= 0).any():
        raise ValueError(f"pt must be positive; {int((pt <= 0).sum())} value(s) are not.")
    if (mass < 0).any():
        raise ValueError(f"mass must be non-negative; {int((mass < 0).sum())} value(s) are not.")
    with np.errstate(divide="ignore"):
        return 2.0 * np.log(mass / pt)


def _weighted_quantiles(values: np.ndarray, weight: np.ndarray, q) -> np.ndarray:
    """The smallest values at which the cumulative weight fraction reaches ``q`` (the
    inverted CDF: a jet of weight k counts as k copies of it)."""
    order = np.argsort(values, kind="mergesort")
    cum = np.cumsum(weight[order])
    index = np.searchsorted(cum, np.asarray(q) * cum[-1] * (1 - 1e-12), side="left")
    return values[order][np.minimum(index, len(values) - 1)]


class DesignedDecorrelatedTagger(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Designed decorrelated tagger: each score minus its background cut as a function of
    rho (or the mass).

    In bins of the decorrelation variable (the last column of ``X``: rho = log(m²/pT²) from
    :func:`rho`, or the jet mass) ``fit`` finds, on background jets, the score value that
    keeps the fraction ``background_efficiency`` of them; ``transform`` subtracts that
    threshold, interpolated linearly between the bin centres, from each jet's score. A cut
    at 0 on the output then keeps the same background fraction at every rho, so it does
    not sculpt the background mass, at the price of some signal efficiency. This is the
    quantile ("varying cut") form of the DDT of CMS and ATLAS; for tau21 or tau32 (small
    means signal-like) use ``direction="less"``.

    Parameters
    ----------
    background_efficiency : float in (0, 1), default=0.05
        Background fraction kept by the cut at 0 in every bin.
    direction : {"greater", "less"}, default="greater"
        Which side of the score is signal-like: "greater" for a classifier probability,
        "less" for tau21 or tau32. The output is always larger for more signal-like jets:
        ``score - threshold`` or ``threshold - score``.
    n_bins : int, default=20
        Bins of the decorrelation variable, each with the same background weight
        (fewer when the variable takes fewer distinct values).

    Attributes
    ----------
    bin_edges_ : ndarray of shape (n_bins_ + 1,)
        Edges of the decorrelation variable's bins (background quantiles).
    bin_centers_ : ndarray of shape (n_bins_,)
        Weighted mean of the decorrelation variable of the background in each bin.
    thresholds_ : ndarray of shape (n_bins_, n_features_in_ - 1)
        The cut on each score in each bin.
    n_features_in_ : int
        Number of score columns plus one.
    feature_names_in_ : ndarray of str
        Defined when ``X`` is a DataFrame with string column names.

    Examples
    --------
    A tau32 that falls with rho: the DDT removes the trend.

    >>> import numpy as np
    >>> from skjet.decorrelation import DesignedDecorrelatedTagger
    >>> rng = np.random.default_rng(0)
    >>> r = rng.uniform(-6, -2, 20000)
    >>> tau32 = 0.8 + 0.05 * r + rng.normal(0, 0.1, 20000)
    >>> ddt = DesignedDecorrelatedTagger(background_efficiency=0.1, direction="less")
    >>> out = ddt.fit_transform(np.c_[tau32, r])[:, 0]
    >>> [round(float((out[(r > lo) & (r < lo + 1)] > 0).mean()), 2) for lo in (-6, -5, -4, -3)]
    [0.1, 0.1, 0.1, 0.1]
    """

    _parameter_constraints: dict = {
        "background_efficiency": [Interval(Real, 0, 1, closed="neither")],
        "direction": [StrOptions({"greater", "less"})],
        "n_bins": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, background_efficiency=0.05, direction="greater", n_bins=20):
        self.background_efficiency = background_efficiency
        self.direction = direction
        self.n_bins = n_bins

    def _check_width(self, X) -> None:
        if X.shape[1] < 2:
            raise ValueError(
                f"{type(self).__name__}: X has {X.shape[1]} feature(s); expected the score "
                "column(s) followed by the decorrelation variable (rho or the mass) last, "
                "e.g. np.c_[tau32, rho(mass, pt)]."
            )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None, sample_weight: ArrayLike | None = None,
            background: Any = None):
        """Fit the background thresholds in bins of the decorrelation variable.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_scores + 1)
            The score column(s) then the decorrelation variable.
        y : array-like of shape (n_jets,), default=None
            Labels; only the background jets are used. None: every jet is background.
        sample_weight : array-like of shape (n_jets,), default=None
            Non-negative event weights of the quantiles.
        background : label, default=None
            The background label in ``y``; None takes the smallest label (``"qcd"`` of
            ``{"qcd", "top"}``, 0 of {0, 1}).

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype=np.float64)
        self._check_width(X)
        weight = check_sample_weight(
            sample_weight, X.shape[0], ensure_non_negative=True, estimator=self
        )
        if y is not None:
            check_labels(y, estimator=self)
            y = np.asarray(y)
            if y.shape != (X.shape[0],):
                raise ValueError(
                    f"{type(self).__name__}: y has shape {y.shape}, expected ({X.shape[0]},)."
                )
            labels = np.unique(y[weight > 0])
            if background is None:
                background = labels[0]
            elif background not in labels.tolist():
                raise ValueError(
                    f"{type(self).__name__}: background={background!r} is not a label of y "
                    f"{labels.tolist()}."
                )
            keep = y == background
            X, weight = X[keep], weight[keep]
        keep = weight > 0
        X, weight = X[keep], weight[keep]
        if X.shape[0] == 0:
            raise ValueError(
                f"{type(self).__name__}: no background jet with positive weight to fit on."
            )
        variable, scores = X[:, -1], X[:, :-1]
        quantiles = np.linspace(0.0, 1.0, self.n_bins + 1)[1:-1]
        edges = np.unique(
            np.r_[variable.min(), _weighted_quantiles(variable, weight, quantiles),
                  variable.max()]
        )
        if edges.size < 2:  # a constant variable: one bin
            edges = np.array([edges[0], edges[0]])
        index = np.clip(np.searchsorted(edges, variable, side="right") - 1, 0, edges.size - 2)
        q = 1.0 - self.background_efficiency if self.direction == "greater" else (
            self.background_efficiency
        )
        centers, thresholds = [], []
        for b in range(edges.size - 1):
            sel = index == b
            if not sel.any():
                continue
            centers.append(np.average(variable[sel], weights=weight[sel]))
            thresholds.append(
                [_weighted_quantiles(s[sel], weight[sel], q) for s in scores.T]
            )
        self.bin_edges_ = edges
        self.bin_centers_ = np.asarray(centers)
        self.thresholds_ = np.asarray(thresholds).reshape(len(centers), scores.shape[1])
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """The shifted scores, shape (n_jets, n_scores): larger is more signal-like, and a
        cut at 0 keeps ``background_efficiency`` of the background at every rho."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        variable = X[:, -1]
        out = np.empty((X.shape[0], X.shape[1] - 1))
        for j in range(X.shape[1] - 1):
            cut = np.interp(variable, self.bin_centers_, self.thresholds_[:, j])
            out[:, j] = X[:, j] - cut if self.direction == "greater" else cut - X[:, j]
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``<score>_ddt`` for each score column (the last input column is consumed)."""
        names = super().get_feature_names_out(input_features)
        return np.asarray([f"{name}_ddt" for name in names[:-1]], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
