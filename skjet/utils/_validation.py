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


def check_constituents(
    X: ArrayLike,
    *,
    n_features: int | None = 4,
    dtype: DTypeLike = np.float32,
    name: str = "constituents",
    estimator: Any | None = None,
    copy: bool = False,
) -> np.ndarray:
    """Validate a constituent array and return it as a C-contiguous 3-D array.

    Parameters
    ----------
    X : array-like of shape (n_jets, n_constituents, n_features)
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

    Returns
    -------
    X : ndarray of shape (n_jets, n_constituents, n_features)

    Raises
    ------
    ValueError
        Wrong number of dimensions, wrong last axis, no jets, no constituent slots,
        NaN or infinite values, or a non-numeric dtype.

    Examples
    --------
    >>> X = np.zeros((2, 3, 4), dtype=np.float32)
    >>> check_constituents(X).shape
    (2, 3, 4)
    """
    who = f"{type(estimator).__name__}: " if estimator is not None else ""
    if isinstance(X, pd.DataFrame | pd.Series):
        raise ValueError(
            f"{who}{name} must be a 3-D array (n_jets, n_constituents, {n_features or 'n_features'}), "
            f"got a pandas {type(X).__name__} of shape {X.shape}. Flat tables such as the Top "
            "Quark Tagging columns E_0, PX_0, ... reshape with skjet.preprocessing.ReshapeConstituents."
        )
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and similar
        raise ValueError(f"{who}{name} could not be converted to an array: {exc}") from exc
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
    arr = np.array(arr, dtype=dtype, order="C", copy=True) if copy else np.ascontiguousarray(
        arr, dtype=dtype
    )
    check_finite(arr, name=f"{who}{name}")
    return arr


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
