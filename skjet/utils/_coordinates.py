"""Conversion of padded constituent arrays between four-momentum coordinate systems.

skjet's standard layout is Cartesian (E, px, py, pz) on the first four entries of the last
axis. NanoAOD and most analysis ntuples store (pT, eta, phi, m) or (pT, eta, phi, E); these
functions convert padded arrays in either direction with scikit-hep ``vector``, keep padding
slots (all four momentum entries zero) zero, and carry any extra per-constituent features
(charge, particle-ID flags, ...) after the four-momentum unchanged.

Both directions refuse what has no physical four-vector instead of converting it lossily:
NaN or infinite values (eta = +-inf is a particle along the beam), a negative or zero pT on
a real constituent (its direction is undefined, and a round trip would not give it back), a
negative mass, a negative energy, and an energy below the momentum (a spacelike vector). The
error names the jet and the constituent. One convention: a negative mass whose square is
negligible next to |p|^2 (m^2 <= 2e-4 |p|^2, the rounding tolerance of
:func:`skjet.utils.check_physical`; NanoAOD stores such masses for some jets) is converted
as scikit-hep vector does, E = sqrt(|p|^2 - m^2), and comes back as m = 0. On what passes,
a round trip returns the input to rounding, with phi in [-pi, pi] (an azimuth outside it
comes back wrapped) and a mass that is zero when E and |p| agree to rounding.
"""

from __future__ import annotations

import numpy as np

from ._typing import ArrayLike

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


def _location(index: int, bad_shape: tuple, counts: np.ndarray | None) -> str:
    """'jet i, constituent j' of the flat position ``index`` of a mask of ``bad_shape``;
    ``counts`` (constituents per jet) maps the rows of flat jagged values to their jets."""
    if counts is not None:
        ends = np.cumsum(counts)
        jet = int(np.searchsorted(ends, index, side="right"))
        return f"jet {jet}, constituent {index - (int(ends[jet - 1]) if jet else 0)}"
    where = np.unravel_index(index, bad_shape)
    if len(where) == 2:
        return f"jet {int(where[0])}, constituent {int(where[1])}"
    if len(where) == 1:
        return f"constituent {int(where[0])}"
    return f"index {tuple(int(i) for i in where)}"


def _refuse(
    X: np.ndarray, bad: np.ndarray, who: str, what: str, hint: str, counts=None
) -> None:
    """``counts``: constituents per jet of flat rows, or a callable naming a flat row."""
    if not bad.any():
        return
    first = int(np.flatnonzero(bad.ravel())[0])
    row = X.reshape(-1, X.shape[-1])[first, :4]
    where = counts(first) if callable(counts) else _location(first, bad.shape, counts)
    raise ValueError(
        f"{who}: {int(np.count_nonzero(bad))} real constituent(s) have {what}; first: "
        f"{where} = {row.tolist()}. {hint}"
    )


_NO_FOUR_VECTOR = (
    "They have no physical four-vector, and skjet does not convert them into a wrong one: "
    "fix or remove these constituents"
)


def _check_cylindrical(
    X: np.ndarray, coordinates: str, who: str, counts=None, skip=None
) -> None:
    """Refuse cylindrical four-momenta (..., k) that have no physical Cartesian vector;
    rows where ``skip`` is True (NaN a reader was told to allow) are not checked."""
    from ._validation import PHYSICAL_RTOL

    p = X[..., :4]
    if skip is not None:
        p = np.where(skip[..., None], 0.0, p)  # as padding: nothing to check
    pt, eta, temporal = p[..., 0], p[..., 1], p[..., 3]
    real = np.any(p != 0, axis=-1)  # NaN counts as real
    fourth = "m" if coordinates == "pt_eta_phi_m" else "E"
    cartesian = (
        f"If X already holds (E, px, py, pz), it needs no conversion (coordinates "
        f"'e_px_py_pz'); otherwise {_NO_FOUR_VECTOR[0].lower()}{_NO_FOUR_VECTOR[1:]}."
    )
    _refuse(
        X,
        ~np.isfinite(p).all(axis=-1),
        who,
        f"NaN or infinite (pT, eta, phi, {fourth}) (eta = +-inf is a particle along the beam, "
        "outside any jet)",
        _NO_FOUR_VECTOR + ".",
        counts,
    )
    _refuse(X, pt < 0, who, "a negative pT", cartesian, counts)
    _refuse(
        X,
        real & (pt == 0),
        who,
        "pT = 0 (no direction: eta and phi are undefined, so the conversion would not "
        "return them, and with a zero " + ("mass" if fourth == "m" else "energy")
        + " the constituent would become padding)",
        _NO_FOUR_VECTOR + ".",
        counts,
    )
    with np.errstate(over="ignore"):
        momentum = pt * np.cosh(eta)
    if fourth == "m":
        # NanoAOD stores some small negative masses (lossy compression, corrections); as
        # long as m^2 is negligible next to |p|^2, the four-vector is lightlike to the
        # tolerance of check_physical, and comes back from from_cartesian with m = 0.
        _refuse(
            X,
            (temporal < 0) & (temporal * temporal > 2 * PHYSICAL_RTOL * momentum * momentum),
            who,
            f"a negative mass beyond rounding (m^2 above {2 * PHYSICAL_RTOL:g} |p|^2)",
            cartesian,
            counts,
        )
        return
    _refuse(X, temporal < 0, who, "a negative energy", cartesian, counts)
    _refuse(
        X,
        temporal < (1.0 - PHYSICAL_RTOL) * momentum,
        who,
        f"an energy below their momentum |p| = pT cosh(eta) beyond rounding (relative "
        f"tolerance {PHYSICAL_RTOL:g}), a spacelike four-momentum",
        f"If the fourth column is a mass, convert with coordinates 'pt_eta_phi_m'. {cartesian}",
        counts,
    )


def _check_converted(X: np.ndarray, who: str, counts=None, skip=None) -> None:
    """Refuse a conversion that overflowed the dtype (finite input, infinite output)."""
    from ._validation import is_finite

    if not is_finite(X[..., :4]):
        _refuse(
            X,
            ~np.isfinite(X[..., :4]).all(axis=-1) & (True if skip is None else ~skip),
            who,
            f"a four-momentum that overflows {X.dtype} in the conversion (e.g. a very large "
            "|eta|)",
            "Convert in float64, or fix or remove these constituents.",
            counts,
        )


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

    Raises
    ------
    ValueError
        A real constituent with NaN or infinite values, pT <= 0, a negative mass or energy,
        or (for ``"pt_eta_phi_e"``) an energy below pT cosh(eta); the error names the jet
        and the constituent (see the module docstring).

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
    return _to_cartesian_inplace(out, coordinates, who="to_cartesian")


def _to_cartesian_inplace(
    X: np.ndarray, coordinates: str, *, who: str = "to_cartesian", counts=None,
    allow_nan: bool = False,
) -> np.ndarray:
    """Convert the float array ``X`` (..., k) from cylindrical ``coordinates`` in place.

    Computed in the precision of ``X``: every Cartesian component is a product or a sum of
    positive terms, so float32 input loses nothing to cancellation. Unphysical input is
    refused first (:func:`_check_cylindrical`); ``counts`` (constituents per jet, or a
    callable naming a flat row) names the constituent in the errors. ``allow_nan`` (the
    readers' option) leaves rows holding NaN or infinity unchecked: they convert as they
    are (a NaN mass gives a NaN energy).
    """
    skip = ~np.isfinite(X[..., :4]).all(axis=-1) if allow_nan else None
    _check_cylindrical(X, coordinates, who, counts, skip)
    padding = _padding(X[..., :4])
    v = _vectors(X, ("pt", "eta", "phi", _TEMPORAL[coordinates]), dtype=X.dtype)
    for j, component in enumerate(("E", "px", "py", "pz")):
        X[..., j] = _column(getattr(v, component), X.shape)
    X[..., :4][padding] = 0.0
    _check_converted(X, who, counts, skip)
    return X


def from_cartesian(X: ArrayLike, coordinates: str = "pt_eta_phi_m") -> np.ndarray:
    """Convert constituents from (E, px, py, pz) to ``coordinates``; the inverse of `to_cartesian`.

    Padding stays zero. A mass squared below zero from rounding gives m = 0. What has no
    (pT, eta, phi) is refused, with the jet and constituent named: NaN or infinite values,
    E < 0, |p| above E beyond rounding (:func:`skjet.utils.check_physical`, which also
    refuses input that already looks like (pT, eta, phi, m)), and a real constituent with
    pT = 0, whose pseudorapidity is undefined.

    Examples
    --------
    >>> X = np.array([[[5.0, 3.0, 0.0, 0.0]]])
    >>> from_cartesian(X, "pt_eta_phi_m").round(3)
    array([[[3., 0., 0., 4.]]])
    """
    from ._validation import check_physical

    X = _as_constituents(X, "from_cartesian")
    coordinates = check_coordinates(coordinates)
    out = np.array(X, dtype=_out_dtype(X), copy=True)
    if coordinates == "e_px_py_pz":
        return out
    # As (jets, constituents, k), so that the errors name the jet and the constituent.
    check_physical(X.reshape(-1, *X.shape[-2:]) if X.ndim >= 2 else X.reshape(1, 1, -1),
                   name="from_cartesian: X")
    v = _vectors(X, ("E", "px", "py", "pz"))
    pt = _column(v.pt, X.shape)
    _refuse(
        X,
        ~_padding(X[..., :4]) & (pt == 0),
        "from_cartesian",
        "pT = 0 (along the beam or at rest: the pseudorapidity and azimuth are undefined, "
        "and a round trip would not return the constituent)",
        _NO_FOUR_VECTOR + ".",
    )
    out[..., 1] = _column(v.eta, X.shape)
    out[..., 2] = _column(v.phi, X.shape)
    if coordinates == "pt_eta_phi_m":
        out[..., 3] = np.sqrt(np.maximum(_column(v.tau2, X.shape), 0.0))
    else:
        out[..., 3] = X[..., 0]
    out[..., 0] = pt
    out[..., :4][_padding(X[..., :4])] = 0.0
    return out
