"""Significance formulas shared by the metrics and the cut-and-count classifier."""

from __future__ import annotations

import numpy as np

SIGNIFICANCE_FORMULAS = ("s/sqrt(s+b)", "s/sqrt(b)", "asimov")


def significance(s, b, formula: str = "s/sqrt(s+b)"):
    """Expected significance of ``s`` signal over ``b`` background events (vectorised).

    Parameters
    ----------
    s, b : float or array-like
        Signal and background yields (weighted event counts), broadcastable.
    formula : {"s/sqrt(s+b)", "s/sqrt(b)", "asimov"}, default="s/sqrt(s+b)"
        ``asimov`` is the median discovery significance
        ``sqrt(2 ((s + b) ln(1 + s/b) - s))``.

    Returns
    -------
    Z : ndarray or float
        0 where the formula's denominator vanishes with no signal; ``inf`` for a positive
        signal over zero background under ``s/sqrt(b)`` and ``asimov``.

    Examples
    --------
    >>> float(significance(10.0, 90.0))
    1.0
    """
    if formula not in SIGNIFICANCE_FORMULAS:
        raise ValueError(f"formula must be one of {SIGNIFICANCE_FORMULAS}, got {formula!r}.")
    s = np.asarray(s, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if formula == "s/sqrt(s+b)":
            z = s / np.sqrt(s + b)
        elif formula == "s/sqrt(b)":
            z = s / np.sqrt(b)
        else:
            z = np.sqrt(2.0 * ((s + b) * np.log1p(s / b) - s))
    z = np.where(s <= 0, 0.0, z)
    z = np.where(np.isnan(z), 0.0, z)
    return z[()] if z.ndim == 0 else z
