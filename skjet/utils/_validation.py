"""Validation of the data conventions shared by every estimator.

Constituents are float32 arrays of shape ``(n_jets, n_constituents, n_features)``;
for four-momenta ``n_features == 4`` in the order (E, px, py, pz). Rows are sorted by
pT descending and zero-padded: a constituent row that is all zeros is padding.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import DTypeLike

from ._awkward import check_not_split_jet_by_jet, flatten_jagged, is_jagged, is_ragged_list
from ._typing import ArrayLike

_FOUR_MOMENTUM = "(E, px, py, pz)"


def is_finite(X: np.ndarray) -> bool:
    """Whether ``X`` holds no NaN or infinity; O(1) extra memory when it holds none.

    Examples
    --------
    >>> is_finite(np.ones(3)), is_finite(np.array([1.0, np.nan]))
    (True, False)
    """
    X = np.asarray(X)
    if X.dtype.kind not in "fc":
        return True
    # A float64 sum is finite exactly when every float32 entry is, and needs O(1) memory
    # where np.isfinite(X) makes a boolean copy of X. A non-finite sum (or float64 input
    # that overflowed) falls through to the exact check.
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is handled below
        total = X.sum(dtype=np.float64)
    return bool(np.isfinite(total)) or bool(np.isfinite(X).all())


def check_finite(X: np.ndarray, *, name: str = "X") -> None:
    """Raise ValueError naming how many entries of ``X`` are NaN or infinite.

    Examples
    --------
    >>> check_finite(np.ones((2, 3)))
    """
    if not is_finite(X):
        n_nan = int(np.isnan(X).sum())
        n_inf = int(np.isinf(X).sum())
        raise ValueError(
            f"{name} contains {n_nan} NaN and {n_inf} infinite value(s); "
            "skjet does not drop or impute them silently: clean the input first."
        )


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_float32_range(X, *, name: str = "X", locate=None) -> None:
    """Refuse finite values that overflow float32 (``|x| > 3.4e38``), before a cast to float32.

    A cast would turn them into infinity silently (numpy only warns), and the error would
    then speak of infinite values the input does not hold. Input of float32 or narrower,
    or without such values, passes; NaN and infinity are left to :func:`check_finite`.
    ``locate``, if given, turns the index of the first such value into the words that name
    it (e.g. its jet and constituent in flat jagged values).

    Examples
    --------
    >>> check_float32_range(np.array([1.0, 1e300]), name="X")
    Traceback (most recent call last):
    ...
    ValueError: X has 1 value(s) beyond the float32 range (|x| > 3.4e+38), first at index (1,): 1e+300; they overflow float32, the precision skjet computes and stores in. Rescale the input (e.g. MeV to GeV) or clean it.
    """
    X = np.asarray(X)
    if X.dtype.kind != "f" or X.dtype.itemsize <= 4 or X.size == 0:
        return
    with np.errstate(invalid="ignore"):
        beyond = X.max() > _FLOAT32_MAX or X.min() < -_FLOAT32_MAX  # NaN compares False
    if not beyond:
        return
    over = np.isfinite(X) & (np.abs(X) > _FLOAT32_MAX)
    if not over.any():
        return  # only infinite values: check_finite names them
    first = tuple(int(i) for i in np.argwhere(over)[0])
    where = locate(first) if locate is not None else f"index {first}"
    raise ValueError(
        f"{name} has {int(over.sum())} value(s) beyond the float32 range "
        f"(|x| > {_FLOAT32_MAX:.1e}), first at {where}: {X[first]:.6g}; they overflow "
        "float32, the precision skjet computes and stores in. Rescale the input (e.g. MeV to "
        "GeV) or clean it."
    )


def check_constituents(
    X: ArrayLike,
    *,
    n_features: int | None = 4,
    dtype: DTypeLike = np.float32,
    name: str = "constituents",
    estimator: Any | None = None,
    copy: bool = False,
    physical: bool = False,
    n_constituents: int | None = None,
) -> np.ndarray:
    """Validate a constituent array and return it as a C-contiguous 3-D array.

    Jagged input (an awkward array, a scikit-hep ``vector`` Momentum4D array, or a list of
    per-jet ``(n_i, k)`` arrays) is converted on entry to the padded layout: (E, px, py, pz)
    first (cylindrical ``pt/eta/phi/mass`` fields converted), extra per-constituent fields
    after them in the record's field order, constituents sorted by pT (hardest first) and
    zero-padded. Plain numeric jagged lists are taken as Cartesian (E, px, py, pz, ...).
    See :class:`skjet.preprocessing.PadConstituents` for the explicit transformer.

    Parameters
    ----------
    X : array-like of shape (n_jets, n_constituents, n_features), or jagged
        Zero-padded constituents. For four-momenta, ``n_features == 4`` in the order
        (E, px, py, pz).
    n_features : int or None, default=4
        Required size of the last axis; ``None`` accepts any size >= 1.
    dtype : numpy dtype, default=np.float32
        Output dtype. float64 input is converted.
    name : str, default="constituents"
        Used in error messages.
    estimator : estimator instance, optional
        Its class name prefixes error messages.
    copy : bool, default=False
        Force a copy even when no conversion is needed.
    physical : bool, default=False
        Also refuse unphysical four-momenta and (pT, eta, phi, m) input passed as
        (E, px, py, pz): see :func:`check_physical`. For the estimators that interpret the
        first four features as a four-momentum (jet mass, kinematics, substructure, the jet
        axis).
    n_constituents : int or None, default=None
        Required number of constituent slots (the width an estimator was fitted on).
        Jagged input is padded to it, and a jet with more constituents raises a ValueError
        (truncation is the explicit choice of ``PadConstituents``); padded input of another
        width raises. ``None``: any width, and jagged input is padded to its longest jet.

    Returns
    -------
    X : ndarray of shape (n_jets, n_constituents, n_features)

    Raises
    ------
    ValueError
        Wrong number of dimensions, wrong last axis, no jets, no constituent slots,
        NaN or infinite values, or a non-numeric dtype; with ``physical``, what
        :func:`check_physical` refuses.

    Examples
    --------
    >>> X = np.zeros((2, 3, 4), dtype=np.float32)
    >>> check_constituents(X).shape
    (2, 3, 4)
    """
    who = f"{type(estimator).__name__}: " if estimator is not None else ""
    check_not_split_jet_by_jet(X, who.rstrip(": "))
    # Told by the type's module name, so that plain arrays never import awkward.
    if is_jagged(X) or is_ragged_list(X):
        X = _pad_jagged(X, n_features, n_constituents, dtype, who)
        copy = False  # a new array already
    if isinstance(X, pd.DataFrame | pd.Series):
        raise ValueError(
            f"{who}{name} must be a 3-D array (n_jets, n_constituents, {n_features or 'n_features'}), "
            f"got a pandas {type(X).__name__} of shape {X.shape}. Flat tables such as the Top "
            "Quark Tagging columns E_0, PX_0, ... reshape with skjet.preprocessing.ReshapeConstituents."
        )
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and similar
        raise ValueError(
            f"{who}{name} could not be converted to an array: {exc}. Jagged constituents "
            "(one list per jet) convert with skjet.preprocessing.PadConstituents, or pass them "
            "as an awkward array."
        ) from exc
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{who}{name} must be numeric, got dtype {arr.dtype}.")
    if arr.ndim != 3:
        hint = ""
        if arr.ndim == 2 and (n_features is None or arr.shape[1] % n_features == 0):
            hint = (
                " A flat (n_jets, n_constituents * n_features) table reshapes with "
                "skjet.preprocessing.ReshapeConstituents."
            )
        raise ValueError(
            f"{who}{name} must be a 3-D array of shape (n_jets, n_constituents, "
            f"{n_features or 'n_features'}), got {arr.ndim}-D of shape {arr.shape}.{hint}"
        )
    if n_features is not None and arr.shape[2] != n_features:
        what = f" {_FOUR_MOMENTUM}" if n_features == 4 else ""
        raise ValueError(
            f"{who}{name} must have {n_features} features{what} on the last axis, "
            f"got shape {arr.shape}."
        )
    if arr.shape[2] < 1:
        raise ValueError(f"{who}{name} has no features on the last axis: shape {arr.shape}.")
    if arr.shape[0] == 0:
        raise ValueError(f"{who}{name} is empty: 0 jets (shape {arr.shape}); at least 1 is required.")
    if arr.shape[1] == 0:
        raise ValueError(
            f"{who}{name} has 0 constituent slots (shape {arr.shape}); at least 1 is required."
        )
    if np.dtype(dtype).itemsize < arr.dtype.itemsize:
        check_float32_range(arr, name=f"{who}{name}")
    if n_constituents is not None and arr.shape[1] != n_constituents:
        raise ValueError(
            f"{who}fitted on {n_constituents} constituent slots, got {arr.shape[1]} "
            f"(shape {arr.shape})."
        )
    arr = np.array(arr, dtype=dtype, order="C", copy=True) if copy else np.ascontiguousarray(
        arr, dtype=dtype
    )
    if physical and arr.shape[2] >= 4:
        check_physical(arr, name=name, estimator=estimator)  # also checks finiteness
    else:
        check_finite(arr, name=f"{who}{name}")
    return arr


# A real constituent is unphysical when E < 0 or |p| > E by more than this fraction of |p|.
# float32 stores each entry to a relative 6e-8, so a massless constituent comes out with |p|
# above E by a few 1e-7 at most; 1e-4 is far above rounding and far below any physics.
PHYSICAL_RTOL = 1e-4

# Jets per slice of check_physical: a 64 x 200 x 4 float32 slice and its square stay in cache.
_PHYSICAL_CHUNK = 64

# (pT, eta, phi, m) passed as (E, px, py, pz) puts eta in px, phi in py and m in pz: px within
# this |eta| (any detector), py within [-pi, pi], pz >= 0. Only batches with at least this many
# real constituents in at least two jets are judged, so that a toy jet is never mistaken.
_MAX_ABS_ETA = 6.0
_MIN_CONSTITUENTS_FOR_LAYOUT = 10

_TO_CARTESIAN = (
    'skjet.preprocessing.to_cartesian(X, "pt_eta_phi_m") (or "pt_eta_phi_e" when the '
    "fourth column is the energy)"
)


def check_physical(
    X: np.ndarray, *, name: str = "constituents", estimator=None, rtol: float = PHYSICAL_RTOL
) -> None:
    """Refuse unphysical four-momenta, and (pT, eta, phi, m) passed as (E, px, py, pz).

    A real constituent (a row that is not all zero) is unphysical when E < 0 or when its
    momentum exceeds its energy beyond rounding, ``|p| > (1 + rtol) E`` (a spacelike
    four-momentum). Such input would give a jet mass of 0 or a meaningless substructure
    without any warning, so it raises a ValueError naming the jets and the first offending
    constituent. Input whose columns look like (pT, eta, phi, m) (second column within
    ``|eta| <= 6``, third within [-pi, pi] with both signs, fourth never negative, across at
    least 10 constituents in 2 or more jets) is refused too, naming the conversion
    :func:`skjet.preprocessing.to_cartesian`.

    NaN and infinite values are refused as by :func:`check_finite`. The check reads the
    array once, a few dozen jets at a time (O(1) extra memory), and only looks closer when
    something fails.

    Parameters
    ----------
    X : ndarray of shape (n_jets, n_constituents, n_features), n_features >= 4
        Validated constituents; the first four features are (E, px, py, pz).
    name : str, default="constituents"
        Used in error messages.
    estimator : estimator instance, optional
        Its class name prefixes error messages.
    rtol : float, default=1e-4
        Relative tolerance of ``|p| <= E`` for rounding.

    Raises
    ------
    ValueError
        NaN or infinite values, unphysical constituents, or (pT, eta, phi, m) layout.

    Examples
    --------
    >>> X = np.zeros((1, 2, 4), dtype=np.float32)
    >>> X[0, 0] = [5, 3, 0, 4]
    >>> check_physical(X)
    >>> X[0, 1] = [1, 3, 0, 0]
    >>> check_physical(X)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: constituents: 1 of 2 real constituent(s), in 1 jet(s), are unphysical ...
    """
    who = f"{type(estimator).__name__}: " if estimator is not None else ""
    X = np.asarray(X)
    if X.size == 0:
        return
    dtype = np.result_type(X.dtype, np.float32)  # float32, or float64 for float64 input
    # q = E^2 - (1 - 2 rtol) |p|^2 < 0 is |p| > (1 + rtol) E to first order.
    metric = np.array([1.0] + [-(1.0 - 2.0 * rtol)] * 3, dtype=dtype)
    chunk = min(_PHYSICAL_CHUNK, len(X))
    square = np.empty((chunk, X.shape[1], 4), dtype=dtype)
    lowest_q, highest_q, lowest_e = np.inf, -np.inf, np.inf
    layout = True  # still looks like (pT, eta, phi, m); genuine data stops it at once
    eta_phi_bound = np.array([_MAX_ABS_ETA, np.pi * (1 + 1e-6)], dtype=np.float32)
    phi_signs = [False, False]
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is handled below
        for start in range(0, len(X), chunk):
            c = X[start : start + chunk, :, :4]
            sq = np.multiply(c, c, out=square[: len(c)])
            q = sq.reshape(-1, 4) @ metric
            # np.minimum propagates NaN; Python's min would drop it depending on order.
            lowest_q = np.minimum(lowest_q, q.min())
            highest_q = np.maximum(highest_q, q.max())
            lowest_e = np.minimum(lowest_e, c[..., 0].min())
            if layout:
                layout = bool(
                    (np.abs(c[..., 1:3]).max(axis=(0, 1)) <= eta_phi_bound).all()
                    and c[..., 3].min() >= 0
                )
                phi_signs[0] |= bool(c[..., 2].min() < 0)
                phi_signs[1] |= bool(c[..., 2].max() > 0)
    if X.shape[2] > 4:
        check_finite(X[..., 4:], name=f"{who}{name} (features after the four-momentum)")
    if not (np.isfinite(lowest_q) and np.isfinite(highest_q)):
        check_finite(X, name=f"{who}{name}")  # raises unless the squares overflowed float32
    cylindrical = ""
    if layout and all(phi_signs):
        counts = n_constituents(X)
        n_real, n_jets = int(counts.sum()), int(np.count_nonzero(counts))
        if n_real >= _MIN_CONSTITUENTS_FOR_LAYOUT and n_jets >= 2:
            cylindrical = (
                f"{who}{name} look like (pT, eta, phi, m), not skjet's (E, px, py, pz): over "
                f"{n_real} real constituents in {n_jets} jets the second column stays within "
                f"|x| <= {_MAX_ABS_ETA:g} (a pseudorapidity), the third within [-pi, pi] (an "
                "azimuth) and the fourth is never negative (a mass or energy). Convert with "
                f"{_TO_CARTESIAN} first."
            )
    if lowest_q < 0 or lowest_e < 0 or not np.isfinite(highest_q):
        _raise_unphysical(X, who + name, rtol, cylindrical)
    if cylindrical:
        raise ValueError(cylindrical)


def _raise_unphysical(X: np.ndarray, what: str, rtol: float, cylindrical: str) -> None:
    """The exact (float64) check on the real constituents; raise naming the jets if any fail."""
    jets, slots = np.nonzero(constituent_mask(X[..., :4]))
    rows = X[jets, slots, :4].astype(np.float64)
    momentum = np.sqrt((rows[:, 1:] ** 2).sum(axis=1))
    bad = (rows[:, 0] < 0) | (momentum > (1.0 + rtol) * rows[:, 0])
    if not bad.any():
        return
    bad_jets = np.unique(jets[bad])
    first = np.flatnonzero(bad)[0]
    shown = ", ".join(str(j) for j in bad_jets[:5]) + (", ..." if len(bad_jets) > 5 else "")
    n_bad = int(bad.sum())
    if cylindrical:
        raise ValueError(f"{cylindrical} ({n_bad} of them are unphysical as (E, px, py, pz).)")
    if n_bad > len(rows) // 2:
        hint = (
            f"Most constituents fail, as when (pT, eta, phi, m) is passed where skjet expects "
            f"(E, px, py, pz): convert with {_TO_CARTESIAN}."
        )
    else:
        hint = (
            f"If the array holds (pT, eta, phi, m), convert it with {_TO_CARTESIAN}; "
            "otherwise fix or remove these constituents."
        )
    raise ValueError(
        f"{what}: {n_bad} of {len(rows)} real constituent(s), in {len(bad_jets)} jet(s), are "
        f"unphysical for (E, px, py, pz): E < 0, or |p| above E beyond rounding (relative "
        f"tolerance {rtol:g}), a spacelike four-momentum. Jets {shown}; first: jet "
        f"{jets[first]}, constituent {slots[first]} = {rows[first].tolist()} with "
        f"|p| = {momentum[first]:.6g}. Jet mass, substructure and the jet axis would be "
        f"meaningless. {hint}"
    )
def _pad_jagged(X, n_features, n_constituents, dtype, who) -> np.ndarray:
    """Jagged constituents to the padded layout; the width is ``n_constituents`` if given
    (a longer jet raises), else the longest jet (at least one slot)."""
    jagged = flatten_jagged(X, who=who.rstrip(": "))
    k = len(jagged.feature_names)
    if n_features is not None and k != n_features:
        what = f" {_FOUR_MOMENTUM}" if n_features == 4 else ""
        raise ValueError(
            f"{who}constituents must have {n_features} features{what}; the jagged input gives "
            f"{k}: {', '.join(jagged.feature_names)}. Select the fields to use, e.g. "
            "X[['pt', 'eta', 'phi', 'mass']] for the four-momentum only."
        )
    longest = jagged.max_count
    if n_constituents is not None and longest > n_constituents:
        raise ValueError(
            f"{who}fitted on {n_constituents} constituent slots, but the jagged input has a jet "
            f"with {longest} constituents. skjet does not drop constituents silently: put "
            f"skjet.preprocessing.PadConstituents(max_constituents={n_constituents}) first, "
            "which keeps the hardest."
        )
    width = n_constituents if n_constituents is not None else max(longest, 1)
    return jagged.pad(width, dtype=dtype, who=who.rstrip(": "))


def constituent_mask(X: np.ndarray) -> np.ndarray:
    """Boolean mask of real (non-padding) constituents, shape (n_jets, n_constituents).

    Examples
    --------
    >>> X = np.zeros((1, 3, 4), dtype=np.float32); X[0, 0] = [10, 1, 2, 3]
    >>> constituent_mask(X)
    array([[ True, False, False]])
    """
    # OR-ing one feature slice at a time is ~5x faster than np.any(X != 0, axis=-1),
    # which materialises a boolean copy of the whole (n, m, f) array.
    mask = X[..., 0] != 0
    for k in range(1, X.shape[-1]):
        mask |= X[..., k] != 0
    return mask


# Jets per slice of the fast path of n_constituents: temporaries stay O(_CHUNK * m).
_CHUNK = 4096

# Clears the two sign bits of a pair of float32 stored in one uint64: a float32 equals zero
# exactly when its bits other than the sign are zero (+0.0 and -0.0 both count as zero).
_NOT_SIGN_BITS = np.uint64(0x7FFFFFFF7FFFFFFF)


def n_constituents(X: np.ndarray) -> np.ndarray:
    """Number of real constituents per jet (int64, shape (n_jets,)).

    The same count as ``constituent_mask(X).sum(axis=1)``: a row is real when any entry
    is non-zero (-0.0 counts as zero, a denormal or NaN does not). For the validated
    layout, a C-contiguous float32 (n, m, 4) array, each constituent's four float32 are
    read as two uint64 words and tested for a non-sign bit, a few thousand jets at a
    time: 3-4x faster than the mask and without an (n, m) boolean temporary. Other
    input (another dtype or last axis, or a non-contiguous view) uses the mask.

    Examples
    --------
    >>> X = np.zeros((2, 3, 4), dtype=np.float32); X[0, :2, 0] = 1.0
    >>> n_constituents(X)
    array([2, 0])
    """
    X = np.asarray(X)
    if not (
        X.ndim == 3
        and X.shape[-1] == 4
        and X.dtype == np.float32
        and X.flags.c_contiguous
        and X.size > 0
    ):
        return constituent_mask(X).sum(axis=1, dtype=np.int64)
    words = X.view(np.uint64)  # (n, m, 2): (E, px) and (py, pz) of each constituent
    out = np.empty(len(X), dtype=np.int64)
    for start in range(0, len(X), _CHUNK):
        w = words[start : start + _CHUNK]
        out[start : start + _CHUNK] = np.count_nonzero(
            (w[..., 0] | w[..., 1]) & _NOT_SIGN_BITS, axis=1
        )
    return out


def check_sample_weight(
    sample_weight: ArrayLike,
    n_samples: int,
    *,
    ensure_non_negative: bool = False,
    samples_of: str = "X",
    estimator: Any | None = None,
) -> np.ndarray:
    """Validate sample weights: a finite float64 array of shape ``(n_samples,)``.

    ``None`` gives unit weights and a single number is the weight of every sample. Built
    on scikit-learn's public :func:`~sklearn.utils.check_array` rather than its private
    ``_check_sample_weight``, whose keywords and checks change between releases. Negative
    weights (events of NLO generators) are kept unless ``ensure_non_negative``; weights that
    are all zero are refused, as scikit-learn refuses them: nothing would be learned or
    measured.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), float or None
        The weights.
    n_samples : int
        Number of samples the weights belong to.
    ensure_non_negative : bool, default=False
        Raise when a weight is negative.
    samples_of : str, default="X"
        What holds the samples, for the error message (e.g. ``"y_true"``).
    estimator : estimator instance, optional
        Its class name prefixes error messages.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,), float64

    Examples
    --------
    >>> check_sample_weight(None, 3)
    array([1., 1., 1.])
    >>> check_sample_weight([0.5, 2.0], 2)
    array([0.5, 2. ])
    """
    from sklearn.utils import check_array

    who = f"{type(estimator).__name__}: " if estimator is not None else ""
    if sample_weight is None:
        return np.ones(n_samples, dtype=np.float64)
    if isinstance(sample_weight, int | float | np.number) and not isinstance(sample_weight, bool):
        weight = np.full(n_samples, sample_weight, dtype=np.float64)
    else:
        try:
            weight = check_array(
                sample_weight,
                ensure_2d=False,
                ensure_all_finite=False,  # counted below, with a clearer message
                ensure_min_samples=0,
                dtype=np.float64,
                input_name="sample_weight",
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{who}sample_weight must be numeric: {exc}") from exc
    if weight.shape != (n_samples,):
        raise ValueError(
            f"{who}sample_weight has shape {weight.shape} but {samples_of} has {n_samples} "
            f"samples; expected shape ({n_samples},)."
        )
    check_finite(weight, name=f"{who}sample_weight")
    if n_samples and not weight.any():
        raise ValueError(
            f"{who}sample_weight is zero for all {n_samples} samples; at least one weight "
            "must be non-zero."
        )
    if ensure_non_negative and (weight < 0).any():
        raise ValueError(
            f"{who}sample_weight has {int((weight < 0).sum())} negative value(s); "
            "non-negative weights are required here."
        )
    return weight
