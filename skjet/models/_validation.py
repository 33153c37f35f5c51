"""Input checks and small mixins shared by skjet's classifiers."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..utils import check_finite
from ..utils._typing import ArrayLike


def check_float32_finite(
    X: np.ndarray, estimator: Any, name: str = "X", *, allow_nan: bool = False
) -> np.ndarray:
    """float32 C-contiguous copy-if-needed of ``X``; values overflowing float32 are refused.

    Values beyond the float32 range (about 3.4e38) become infinite in float32, the precision
    the models compute in, and are rejected like infinite values. With ``allow_nan``, NaN is
    kept (a missing value) and only infinite values raise.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow is reported below
        X32 = np.ascontiguousarray(X, dtype=np.float32)
    label = f"{type(estimator).__name__}: {name} (as float32)"
    if not allow_nan:
        check_finite(X32, name=label)
        return X32
    n_inf = int(np.count_nonzero(np.isinf(X32)))
    if n_inf:
        raise ValueError(
            f"{label} contains {n_inf} infinite value(s): infinity, or values beyond the "
            f"float32 range (about {np.finfo(np.float32).max:.1e}) that overflow to it. NaN "
            "is accepted as a missing value, infinite values are not: clean the input first."
        )
    return X32


class LogProbaMixin:
    """``predict_log_proba`` as the logarithm of ``predict_proba`` (log 0 is -inf)."""

    predict_proba: Callable[..., np.ndarray]  # provided by the classifier

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like
            Input as for :meth:`predict_proba`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))
