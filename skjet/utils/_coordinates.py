"""Conversion of padded constituent arrays between four-momentum coordinate systems.

skjet's standard layout is Cartesian (E, px, py, pz) on the first four entries of the last
axis. NanoAOD and most analysis ntuples store (pT, eta, phi, m) or (pT, eta, phi, E); these
functions convert padded arrays in either direction with scikit-hep ``vector``, keep padding
slots (all four momentum entries zero) zero, and carry any extra per-constituent features
(charge, particle-ID flags, ...) after the four-momentum unchanged.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ._typing import ArrayLike

Coordinates = Literal["e_px_py_pz", "pt_eta_phi_m", "pt_eta_phi_e"]

#: The coordinate systems skjet converts between; the first is the standard layout.
COORDINATES: tuple[str, ...] = ("e_px_py_pz", "pt_eta_phi_m", "pt_eta_phi_e")

# The name vector gives the fourth coordinate of each cylindrical system.
_TEMPORAL = {"pt_eta_phi_m": "mass", "pt_eta_phi_e": "E"}


def check_coordinates(coordinates: str) -> str:
    """Return ``coordinates`` if it names a known system, else raise a ValueError listing them.

    Examples
    --------
    >>> check_coordinates("pt_eta_phi_m")
    'pt_eta_phi_m'
    """
    if coordinates not in COORDINATES:
        raise ValueError(
            f"coordinates={coordinates!r} is not one of {', '.join(map(repr, COORDINATES))}."
        )
    return coordinates


def _as_constituents(X, who: str) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim < 1 or X.shape[-1] < 4:
        raise ValueError(
            f"{who} needs four-momenta on the last axis (size >= 4), got shape {X.shape}."
        )
    if X.dtype.kind not in "iuf":
        raise ValueError(f"{who} needs a numeric array, got dtype {X.dtype}.")
    return X


def _vectors(X: np.ndarray, names, dtype=np.float64):
    """vector's awkward backend on flat copies of the first four columns of X: it computes
    column by column (no structured-array copy as vector's numpy backend)."""
    import awkward as ak
    import vector

    flat = X.reshape(-1, X.shape[-1])
    return vector.zip({name: ak.Array(flat[:, j].astype(dtype)) for j, name in enumerate(names)})


def _column(values, shape) -> np.ndarray:
    import awkward as ak

    return ak.to_numpy(values).reshape(shape[:-1])


def _padding(p: np.ndarray) -> np.ndarray:
    return ~np.any(p != 0, axis=-1)


def _out_dtype(X: np.ndarray) -> np.dtype:
    return X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)


def to_cartesian(X: ArrayLike, coordinates: str = "pt_eta_phi_m") -> np.ndarray:
    """Convert constituents from ``coordinates`` to skjet's standard (E, px, py, pz).

    Parameters
    ----------
    X : array-like of shape (..., k) with k >= 4
        Four-momenta on the first four entries of the last axis, in ``coordinates``;
        entries after the fourth (charge, PID, ...) are copied unchanged. A slot whose four
        momentum entries are all zero is padding and stays zero.
    coordinates : {"pt_eta_phi_m", "pt_eta_phi_e", "e_px_py_pz"}, default="pt_eta_phi_m"
        The system of ``X``; ``"e_px_py_pz"`` returns a copy.

    Returns
    -------
    ndarray of the same shape, float dtype of ``X`` (float64 for integer input).

    Examples
    --------
    >>> X = np.array([[[3.0, 0.0, 0.0, 4.0], [0.0, 0.0, 0.0, 0.0]]])
    >>> to_cartesian(X, "pt_eta_phi_m").round(3)
    array([[[5., 3., 0., 0.],
            [0., 0., 0., 0.]]])
    """
    X = _as_constituents(X, "to_cartesian")
    coordinates = check_coordinates(coordinates)
    out = np.array(X, dtype=_out_dtype(X), copy=True)
    if coordinates == "e_px_py_pz":
        return out
    return _to_cartesian_inplace(out, coordinates)


def _to_cartesian_inplace(X: np.ndarray, coordinates: str) -> np.ndarray:
    """Convert the float array ``X`` (..., k) from cylindrical ``coordinates`` in place.

    Computed in the precision of ``X``: every Cartesian component is a product or a sum of
    positive terms, so float32 input loses nothing to cancellation.
    """
    padding = _padding(X[..., :4])
    v = _vectors(X, ("pt", "eta", "phi", _TEMPORAL[coordinates]), dtype=X.dtype)
    for j, component in enumerate(("E", "px", "py", "pz")):
        X[..., j] = _column(getattr(v, component), X.shape)
    X[..., :4][padding] = 0.0
    return X


def from_cartesian(X: ArrayLike, coordinates: str = "pt_eta_phi_m") -> np.ndarray:
    """Convert constituents from (E, px, py, pz) to ``coordinates``; the inverse of `to_cartesian`.

    Padding stays zero; a constituent with no transverse momentum gets eta = 0 (pseudorapidity
    is undefined along the beam). A mass squared below zero from rounding gives m = 0.

    Examples
    --------
    >>> X = np.array([[[5.0, 3.0, 0.0, 0.0]]])
    >>> from_cartesian(X, "pt_eta_phi_m").round(3)
    array([[[3., 0., 0., 4.]]])
    """
    X = _as_constituents(X, "from_cartesian")
    coordinates = check_coordinates(coordinates)
    out = np.array(X, dtype=_out_dtype(X), copy=True)
    if coordinates == "e_px_py_pz":
        return out
    v = _vectors(X, ("E", "px", "py", "pz"))
    pt = _column(v.pt, X.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[..., 1] = np.where(pt > 0, _column(v.eta, X.shape), 0.0)
    out[..., 2] = _column(v.phi, X.shape)
    if coordinates == "pt_eta_phi_m":
        out[..., 3] = np.sqrt(np.maximum(_column(v.tau2, X.shape), 0.0))
    else:
        out[..., 3] = X[..., 0]
    out[..., 0] = pt
    out[..., :4][_padding(X[..., :4])] = 0.0
    return out
