"""How much a tagger sculpts the background: distance correlation and the JSD at a cut.

A tagger used in a bump hunt must not turn the smooth background mass spectrum into a peak
when one cuts on its score. Two numbers measure it:

- :func:`distance_correlation` (Szekely, Rizzo and Bakirov, 2007), 0 if and only if two
  variables are independent, with event weights: the quantity the DisCo loss penalises
  (Kasieczka and Shih, 2020);
- :func:`jsd_at_efficiency` (the "mass sculpting"), the Jensen-Shannon divergence between
  the target (mass) distributions of the background jets that pass and that fail the cut
  keeping a given signal efficiency; its inverse is the x axis of the standard
  decorrelation plane (background rejection against 1/JSD).

The weighted distance covariances are computed in torch by :func:`distance_covariances`,
the one implementation shared by the metric and the DisCo loss of the neural classifiers
(where it runs on a batch, with gradients).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np

from ..utils import check_finite
from ..utils._sklearn_compat import Interval, NumberInterval, validate_params
from ..utils._typing import ArrayLike
from ._rejection import _as_1d, _check_binary_scores

# Rows of the pairwise-distance matrix per block: 2048 x n float64 temporaries stay small
# (160 MB at n = 10^4) and the computation needs O(n) memory overall.
_BLOCK = 2048


def distance_covariances(x, y, weight, *, block: int | None = None):
    """Weighted squared distance covariances ``(dCov²(x, y), dCov²(x, x), dCov²(y, y))``.

    ``x``, ``y``, ``weight``: 1-D torch tensors of one length; the weights are
    non-negative, normalised here to probabilities :math:`p_i`. With
    :math:`a_{ij} = |x_i - x_j|`, its weighted row means :math:`\\bar a_i = \\sum_j p_j a_{ij}`
    and grand mean :math:`\\bar a = \\sum_i p_i \\bar a_i`, the doubly centred distances are
    :math:`A_{ij} = a_{ij} - \\bar a_i - \\bar a_j + \\bar a` (and :math:`B` from ``y``), and
    :math:`\\mathrm{dCov}^2(x, y) = \\sum_{ij} p_i p_j A_{ij} B_{ij}`: for unit weights, the
    V-statistic of Szekely et al. Rows are processed ``block`` at a time (all at once when
    None), so memory is O(block * n); the result is differentiable in ``x`` and ``y``.
    """
    import torch

    n = x.shape[0]
    step = n if block is None else max(int(block), 1)
    p = weight / weight.sum()

    def row_means(v):
        return torch.cat(
            [((v[s : s + step, None] - v[None, :]).abs() * p).sum(dim=1) for s in range(0, n, step)]
        )

    ax, ay = row_means(x), row_means(y)
    gx, gy = (p * ax).sum(), (p * ay).sum()
    xy = xx = yy = x.new_zeros(())
    for s in range(0, n, step):
        A = (x[s : s + step, None] - x[None, :]).abs() - ax[s : s + step, None] - ax[None, :] + gx
        B = (y[s : s + step, None] - y[None, :]).abs() - ay[s : s + step, None] - ay[None, :] + gy
        pp = p[s : s + step, None] * p[None, :]
        xy = xy + (pp * A * B).sum()
        xx = xx + (pp * A * A).sum()
        yy = yy + (pp * B * B).sum()
    return xy, xx, yy


def _check_pair(x, y, sample_weight, names=("x", "y")):
    """Two finite 1-D float64 arrays of one length and non-negative weights."""
    from ..utils import check_sample_weight

    arrays = []
    for value, name in zip((x, y), names):
        array = _as_1d(value, name)
        if array.dtype.kind not in "biuf":
            raise ValueError(f"{name} must be numeric, got dtype {array.dtype}.")
        array = array.astype(np.float64, copy=False)
        check_finite(array, name=name)
        arrays.append(array)
    if arrays[0].shape != arrays[1].shape:
        raise ValueError(
            f"{names[0]} has {arrays[0].shape[0]} samples but {names[1]} has "
            f"{arrays[1].shape[0]}."
        )
    weight = check_sample_weight(
        sample_weight, arrays[0].shape[0], ensure_non_negative=True, samples_of=names[0]
    )
    if (weight < 0).any():
        raise ValueError(
            "sample_weight has negative values: the distance correlation needs non-negative "
            "weights (a probability measure)."
        )
    return arrays[0], arrays[1], weight


def distance_correlation(
    x: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
) -> float:
    r"""Weighted distance correlation of two 1-D samples, in [0, 1].

    :math:`\mathrm{dCor}(x, y) = \mathrm{dCov}(x, y) / \sqrt{\mathrm{dCov}(x, x)\,
    \mathrm{dCov}(y, y)}` (Szekely, Rizzo and Bakirov, 2007), computed from the doubly
    centred pairwise distances with each pair weighted by :math:`w_i w_j`. It is 0 for
    independent variables (up to a positive bias of order :math:`1/\sqrt{n}` for a finite
    sample) and 1 for a linear relation; unlike Pearson's correlation it also sees
    non-monotonic dependence, such as a score peaking at the top mass. With unit weights it
    equals ``dcor.distance_correlation`` (the V-statistic). The DisCo loss of the neural
    classifiers adds its square, on the background jets of each batch.

    O(n²) time and O(n) memory (blocks of rows): about 30 s for 20 000 jets on one CPU
    thread; subsample larger sets.

    Parameters
    ----------
    x, y : array-like of shape (n_samples,)
        The two variables, e.g. the tagger score and the jet mass of background jets.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative event weights.

    Returns
    -------
    dcor : float
        0 when either variable is constant.

    Examples
    --------
    >>> import numpy as np
    >>> from skjet.metrics import distance_correlation
    >>> x = np.arange(10.0)
    >>> round(distance_correlation(x, 3 * x + 1), 6)
    1.0
    >>> round(distance_correlation(x, (x - 4.5) ** 2), 3)
    0.499
    """
    import torch

    x, y, weight = _check_pair(x, y, sample_weight)
    if x.shape[0] < 2:
        raise ValueError(f"distance_correlation needs at least 2 samples, got {x.shape[0]}.")
    # centred first: the distances are translation invariant, and float64 keeps them exact
    xt, yt = (torch.from_numpy(v - np.average(v, weights=weight)) for v in (x, y))
    with torch.no_grad():
        xy, xx, yy = distance_covariances(xt, yt, torch.from_numpy(weight), block=_BLOCK)
    denominator = float(xx) * float(yy)
    if not denominator > 0:
        return 0.0
    return float(np.sqrt(max(float(xy), 0.0) / np.sqrt(denominator)))


def jet_mass_target(X: ArrayLike, *, who: str = "decorrelation_target") -> np.ndarray:
    """Jet mass (float64, shape (n_jets,)) of zero-padded (E, px, py, pz[, ...]) constituents.

    The default decorrelation target where a classifier or scorer sees raw constituents;
    anything else raises a ValueError saying to pass the target explicitly.
    """
    from ..utils import check_constituents
    from ..utils._fourvec import jet_four_momentum, mass

    shape = getattr(X, "shape", None)
    if shape is None or len(shape) != 3 or shape[2] < 4:
        raise ValueError(
            f"{who} was not given and X is not zero-padded (E, px, py, pz) constituents "
            f"(shape {shape}), so the jet mass cannot be computed from it: pass the target "
            "explicitly, e.g. decorrelation_target=jet_mass."
        )
    X = check_constituents(X, n_features=None, name="X")
    return mass(jet_four_momentum(X[..., :4]))


def _cut_at_efficiency(is_signal, score, weight, efficiency: float) -> float:
    """The lowest score threshold at which the passing signal weight reaches ``efficiency``
    (jets pass with ``score >= threshold``)."""
    sig_score, sig_weight = score[is_signal], weight[is_signal]
    order = np.argsort(-sig_score, kind="mergesort")
    passing = np.cumsum(sig_weight[order]) / sig_weight.sum()
    first = int(np.searchsorted(passing, efficiency - 1e-12, side="left"))
    return float(sig_score[order][min(first, len(order) - 1)])


def _histogram_edges(values, weight, bins) -> np.ndarray:
    if isinstance(bins, int | np.integer) and not isinstance(bins, bool):
        if bins < 2:
            raise ValueError(f"bins must be at least 2, got {bins}.")
        lo, hi = float(values.min()), float(values.max())
        if hi <= lo:
            hi = lo + 1.0
        return np.linspace(lo, hi, int(bins) + 1)
    edges = np.asarray(bins, dtype=np.float64)
    if edges.ndim != 1 or edges.size < 3 or not np.all(np.diff(edges) > 0):
        raise ValueError(
            "bins must be an int (number of equal bins over the background range) or an "
            f"increasing 1-D array of at least 3 edges, got {bins!r}."
        )
    return edges


def _jsd(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence in bits (in [0, 1]) of two normalised histograms."""
    from scipy.spatial.distance import jensenshannon

    return float(jensenshannon(p, q, base=2) ** 2)


@validate_params(
    {
        "efficiency": [NumberInterval(Real, 0, 1, closed="neither")],
        "bins": [Interval(Integral, 2, None, closed="left"), "array-like"],
    },
    prefer_skip_nested_validation=True,
)
def jsd_at_efficiency(
    y_true: ArrayLike,
    y_score: ArrayLike,
    target: ArrayLike,
    efficiency: float = 0.5,
    bins: Any = 50,
    *,
    pos_label: Any = None,
    sample_weight: ArrayLike | None = None,
) -> float:
    r"""Mass sculpting: the JSD between background target distributions of passing and
    failing jets at the cut that keeps a signal efficiency.

    The cut on ``y_score`` keeps the fraction ``efficiency`` of the signal weight; the
    background jets are split into those that pass and those that fail it, the weighted
    histograms of their ``target`` (the jet mass, usually) are normalised, and their
    Jensen-Shannon divergence (base 2, so in [0, 1]) is returned. 0 means the cut leaves the
    background mass shape unchanged: a decorrelated tagger. Its inverse, ``1/JSD``, is the
    axis of the decorrelation plane; it grows with the number of background jets even for a
    perfectly decorrelated tagger (statistical fluctuations between the two histograms), so
    compare approaches on the same test set and binning.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_score : array-like of shape (n_samples,)
        Tagger scores, larger means more signal-like.
    target : array-like of shape (n_samples,)
        The variable that must not be sculpted, e.g. the jet mass in GeV.
    efficiency : float in (0, 1), default=0.5
        Signal efficiency of the cut.
    bins : int or array-like of edges, default=50
        Histogram bins of ``target``: a number of equal bins between the smallest and
        largest background values, or the edges (values outside are not counted).
    pos_label : label, default=None
        The signal class; needed unless ``y_true`` is in {0, 1}, {-1, 1} or
        {False, True}.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative event weights, for the efficiency and the histograms.

    Returns
    -------
    jsd : float in [0, 1]

    Raises
    ------
    ValueError
        When the cut leaves no background weight on one side (a perfect tagger at this
        efficiency, or too few background jets): the divergence is then undefined.

    Examples
    --------
    A score that is the mass itself sculpts it completely; an independent score does not:

    >>> import numpy as np
    >>> from skjet.metrics import jsd_at_efficiency
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 20_000)
    >>> mass = rng.exponential(50.0, size=y.size)
    >>> jsd_at_efficiency(y, mass, mass) > 0.9
    True
    >>> jsd_at_efficiency(y, rng.normal(size=y.size) + y, mass) < 0.01
    True
    """
    is_signal, score, weight = _check_binary_scores(
        y_true, y_score, pos_label=pos_label, sample_weight=sample_weight
    )
    target = _as_1d(target, "target")
    if target.dtype.kind not in "biuf":
        raise ValueError(f"target must be numeric, got dtype {target.dtype}.")
    target = target.astype(np.float64, copy=False)
    if target.shape != score.shape:
        raise ValueError(
            f"target has {target.shape[0]} samples but y_score has {score.shape[0]}."
        )
    check_finite(target, name="target")
    eff = float(efficiency)  # below 1: at 1 every jet passes and nothing fails
    threshold = _cut_at_efficiency(is_signal, score, weight, eff)
    background = ~is_signal
    values, w, passes = target[background], weight[background], score[background] >= threshold
    edges = _histogram_edges(values, w, bins)
    hists = []
    for side, name in ((passes, "pass"), (~passes, "fail")):
        hist, _ = np.histogram(values[side], bins=edges, weights=w[side])
        if not hist.sum() > 0:
            raise ValueError(
                f"No background weight {name}es the cut at signal efficiency {eff} "
                f"(threshold {threshold:.6g}) within the bins: the JSD between passing and "
                "failing background jets is undefined. Use more background jets or another "
                "efficiency."
            )
        hists.append(hist / hist.sum())
    return _jsd(*hists)
