"""Vectorised four-momentum helpers on (E, px, py, pz) arrays (last axis of size 4).

Padding rows (all zeros) give pt = 0, eta = 0, rapidity = 0, phi = 0: callers mask them explicitly.
Jet sums accumulate in float64 without materialising a float64 copy of the input.
"""

from __future__ import annotations

import numpy as np


def jet_four_momentum(X: np.ndarray) -> np.ndarray:
    """Sum constituents (n, m, 4) into jet four-momenta (n, 4), accumulating in float64.

    Padding rows are zero, so they do not change the sum.

    Examples
    --------
    >>> X = np.array([[[10, 1, 0, 0], [5, -1, 0, 0]]], dtype=np.float32)
    >>> jet_four_momentum(X)
    array([[15.,  0.,  0.,  0.]])
    """
    return X.sum(axis=1, dtype=np.float64)


def mass(p: np.ndarray) -> np.ndarray:
    """Invariant mass of four-momenta (..., 4); m^2 < 0 from rounding gives 0, never NaN.

    Examples
    --------
    >>> mass(np.array([[5.0, 3.0, 0.0, 0.0]]))
    array([4.])
    """
    m2 = p[..., 0] ** 2 - p[..., 1] ** 2 - p[..., 2] ** 2 - p[..., 3] ** 2
    return np.sqrt(np.maximum(m2, 0.0))


def pt(p: np.ndarray) -> np.ndarray:
    """Transverse momentum sqrt(px^2 + py^2) of four-momenta (..., 4)."""
    return np.hypot(p[..., 1], p[..., 2])


def phi(p: np.ndarray) -> np.ndarray:
    """Azimuth in (-pi, pi]; 0 for a zero transverse momentum."""
    return np.arctan2(p[..., 2], p[..., 1])


def eta(p: np.ndarray) -> np.ndarray:
    """Pseudorapidity asinh(pz / pt); 0 where pt = 0 (padding), never inf or NaN.

    Examples
    --------
    >>> eta(np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]))
    array([0., 0.])
    """
    transverse = pt(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.arcsinh(p[..., 3] / transverse)
    return np.where(transverse > 0, out, 0.0)


# |rapidity| given to a particle with no transverse momentum and no mass (along the beam),
# FastJet's PseudoJet::MaxRap.
MAX_RAPIDITY = 1e5


def rapidity(p: np.ndarray) -> np.ndarray:
    """Rapidity 0.5 log((E + pz) / (E - pz)) of four-momenta (..., 4), as FastJet computes it.

    Evaluated as -0.5 sign(pz) log((pT^2 + m^2) / (E + |pz|)^2) with m^2 clipped at 0,
    which is stable for massless particles. Always finite:

    - along the beam (pT = 0 and m^2 <= 0, e.g. E == |pz|): ``sign(pz) * MAX_RAPIDITY``
      (+-1e5, FastJet's convention);
    - padding (all zeros): 0;
    - E == -|pz| with pT > 0 (unphysical negative energy): ``sign(pz) * MAX_RAPIDITY``,
      0 when pz == 0.

    Examples
    --------
    >>> rapidity(np.array([[5.0, 3.0, 0.0, 0.0], [5.0, 0.0, 0.0, 5.0], [0.0, 0.0, 0.0, 0.0]]))
    array([     0., 100000.,      0.])
    """
    E, px, py, pz = p[..., 0], p[..., 1], p[..., 2], p[..., 3]
    kt2 = px * px + py * py
    m2 = np.maximum(E * E - kt2 - pz * pz, 0.0)
    denominator = (E + np.abs(pz)) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        # + 0.0 turns the -0.0 of pz == 0 into 0.0 and changes nothing else.
        rap = -0.5 * np.sign(pz) * np.log((kt2 + m2) / denominator) + 0.0
    return np.where((kt2 + m2 > 0) & (denominator > 0), rap, np.sign(pz) * MAX_RAPIDITY)


def delta_phi(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Difference a - b of azimuths wrapped to [-pi, pi).

    Examples
    --------
    >>> float(delta_phi(np.array(3.0), np.array(-3.0)))  # doctest: +ELLIPSIS
    -0.283...
    """
    return (a - b + np.pi) % (2 * np.pi) - np.pi
