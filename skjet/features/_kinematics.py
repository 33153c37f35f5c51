"""Jet-level kinematics from constituents: mass, multiplicity and the usual first plots.

Every computation here is vectorised over jets and accumulates in float64 without making a
float64 copy of the (n_jets, n_constituents, 4) input: jet sums use
:func:`skjet.utils._fourvec.jet_four_momentum`, and the per-constituent quantities are
evaluated on slices of a few thousand jets so that temporaries stay O(n_jets).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..utils import ConstituentInputMixin, n_constituents
from ..utils._fourvec import eta, jet_four_momentum, mass, phi, pt
from ..utils._sklearn_compat import StrOptions, _fit_context
from ..utils._typing import ArrayLike

# Jets per slice for per-constituent work: 4096 x 200 x 4 float32 is 13 MB, so a slice and
# its temporaries stay in cache-friendly sizes and never scale with the number of jets.
_CHUNK = 4096


def _constituent_pt_stats(X: np.ndarray, multiplicity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and maximum constituent pT per jet (float64); 0 for a jet without constituents.

    Padding rows have pT = 0, so they add nothing to the sum and never exceed the maximum.
    """
    total = np.empty(len(X), dtype=np.float64)
    leading = np.empty(len(X), dtype=np.float64)
    for start in range(0, len(X), _CHUNK):
        c = X[start : start + _CHUNK]
        pts = np.hypot(c[..., 1], c[..., 2])
        total[start : start + _CHUNK] = pts.sum(axis=1, dtype=np.float64)
        leading[start : start + _CHUNK] = pts.max(axis=1)
    mean_pt = np.divide(total, multiplicity, out=np.zeros_like(total), where=multiplicity > 0)
    return mean_pt, leading


class _JetFeatureTransformer(ConstituentInputMixin, TransformerMixin, BaseEstimator):
    """Base of the transformers from constituents (n, m, 4) to a jet-level table (n, k).

    ``fit`` only validates (these transformers are stateless) and records
    ``n_features_in_ = 4``, the size of the last axis. The output is a float64 array;
    ``set_output(transform="pandas")`` gives a DataFrame with :meth:`get_feature_names_out`
    as columns.
    """

    _parameter_constraints: dict = {}

    # The first four features are read as a four-momentum (see ConstituentInputMixin).
    _physical_input = True

    def _selected_features(self) -> tuple[str, ...]:
        """Output column names for the current parameters; raise ValueError if invalid."""
        raise NotImplementedError

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> _JetFeatureTransformer:
        """Validate the constituents and the parameters; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, 4)
            Zero-padded constituents (E, px, py, pz).
        y : ignored
            Accepted for Pipeline compatibility.

        Returns
        -------
        self : object
        """
        self._validate_fit(X)
        self.features_ = self._selected_features()
        return self

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> np.ndarray:
        """Names of the output columns.

        Parameters
        ----------
        input_features : ignored
            The input is 3-D; its features are not carried to the output.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "features_")
        return np.asarray(self.features_, dtype=object)


def _check_feature_names(features, valid: Sequence[str], who: str) -> tuple[str, ...]:
    """Validate a user list of output names against ``valid``; keep the user's order."""
    if isinstance(features, str):
        features = (features,)
    try:
        names = tuple(features)
    except TypeError:
        raise ValueError(
            f"{who}: features must be a sequence of names among {list(valid)}, got {features!r}."
        ) from None
    if not names:
        raise ValueError(f"{who}: features is empty; choose among {list(valid)}.")
    unknown = [name for name in names if name not in valid]
    if unknown:
        raise ValueError(f"{who}: unknown feature(s) {unknown}; valid names are {list(valid)}.")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"{who}: feature(s) {repeated} listed more than once.")
    return names


class JetMass(_JetFeatureTransformer):
    """Invariant mass of each jet from the summed four-momenta of its constituents.

    The four-momenta are summed in float64 (padding rows are zero and add nothing);
    a squared mass that comes out negative from rounding gives 0, never NaN. A jet
    without constituents has mass 0.

    Attributes
    ----------
    features_ : tuple of str
        ``("mass",)``.
    n_features_in_ : int
        Size of the last input axis, 4.

    See Also
    --------
    JetKinematics : mass together with pT, eta, phi, energy and multiplicity.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((2, 3, 4), dtype=np.float32)
    >>> X[0, :2] = [[50, 30, 40, 0], [50, -30, -40, 0]]
    >>> JetMass().fit_transform(X)
    array([[100.],
           [  0.]])
    """

    def _selected_features(self):
        return ("mass",)

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Jet mass of each jet.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, 4)
            Zero-padded constituents (E, px, py, pz).

        Returns
        -------
        mass : ndarray of shape (n_jets, 1), float64
        """
        X = self._validate_transform(X)
        return mass(jet_four_momentum(X))[:, None]


class Multiplicity(_JetFeatureTransformer):
    """Number of real constituents of each jet (rows that are not all zero).

    Attributes
    ----------
    features_ : tuple of str
        ``("multiplicity",)``.
    n_features_in_ : int
        Size of the last input axis, 4.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((2, 3, 4), dtype=np.float32)
    >>> X[0, :2, 0] = 1.0
    >>> Multiplicity().fit_transform(X)
    array([[2.],
           [0.]])
    """

    # Counting rows that are not all zero holds in any coordinates.
    _physical_input = False

    def _selected_features(self):
        return ("multiplicity",)

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Constituent multiplicity of each jet.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, 4)
            Zero-padded constituents (E, px, py, pz).

        Returns
        -------
        multiplicity : ndarray of shape (n_jets, 1), float64
        """
        X = self._validate_transform(X)
        return n_constituents(X).astype(np.float64)[:, None]


KINEMATIC_FEATURES = (
    "pt",
    "eta",
    "phi",
    "mass",
    "energy",
    "multiplicity",
    "mean_pt",
    "leading_pt_fraction",
)


class JetKinematics(_JetFeatureTransformer):
    """The jet-level kinematics plotted first: pT, eta, phi, mass, energy, multiplicity...

    All quantities come from the constituents: the jet four-momentum is their float64 sum.

    ==========================  =============================================================
    ``"pt"``                    transverse momentum of the jet
    ``"eta"``                   pseudorapidity of the jet (0 when its pT is 0)
    ``"phi"``                   azimuth of the jet in (-pi, pi]
    ``"mass"``                  invariant mass (0 when rounding makes m^2 < 0)
    ``"energy"``                energy of the jet
    ``"multiplicity"``          number of real constituents
    ``"mean_pt"``               mean pT of the real constituents
    ``"leading_pt_fraction"``   pT of the hardest constituent divided by the jet pT
    ==========================  =============================================================

    A jet without constituents gives 0 for every feature.

    Parameters
    ----------
    features : sequence of str, default=all eight names above
        Output columns, in this order. Unknown names raise a ValueError in ``fit``.

    Attributes
    ----------
    features_ : tuple of str
        The validated output columns.
    n_features_in_ : int
        Size of the last input axis, 4.

    See Also
    --------
    JetMass, Multiplicity : the single-column versions.
    Substructure : N-subjettiness, soft-drop mass and energy correlation functions.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((1, 3, 4), dtype=np.float32)
    >>> X[0, :2] = [[50, 30, 40, 0], [10, 6, 8, 0]]
    >>> JetKinematics(features=("pt", "multiplicity", "mean_pt")).fit_transform(X)
    array([[60.,  2., 30.]])
    """

    _parameter_constraints: dict = {
        **_JetFeatureTransformer._parameter_constraints,
        # One name, or a sequence of names (checked against the table in fit).
        "features": [StrOptions(set(KINEMATIC_FEATURES)), "array-like"],
    }

    def __init__(self, features: Sequence[str] | str = KINEMATIC_FEATURES):
        self.features = features

    def _selected_features(self):
        return _check_feature_names(self.features, KINEMATIC_FEATURES, type(self).__name__)

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Compute the selected kinematic features.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, 4)
            Zero-padded constituents (E, px, py, pz).

        Returns
        -------
        features : ndarray of shape (n_jets, len(features_)), float64
        """
        X = self._validate_transform(X)
        wanted = set(self.features_)
        jet = jet_four_momentum(X)
        jet_pt = pt(jet)
        columns = {
            "pt": lambda: jet_pt,
            "eta": lambda: eta(jet),
            # arctan2(0, 0) is 0, so an empty jet has phi 0 without special casing.
            "phi": lambda: phi(jet),
            "mass": lambda: mass(jet),
            "energy": lambda: jet[:, 0],
        }
        out = np.empty((len(X), len(self.features_)), dtype=np.float64)
        if wanted & {"multiplicity", "mean_pt", "leading_pt_fraction"}:
            multiplicity = n_constituents(X)
            columns["multiplicity"] = lambda: multiplicity
            if wanted & {"mean_pt", "leading_pt_fraction"}:
                mean_pt, leading = _constituent_pt_stats(X, multiplicity)
                columns["mean_pt"] = lambda: mean_pt
                columns["leading_pt_fraction"] = lambda: np.divide(
                    leading, jet_pt, out=np.zeros_like(leading), where=jet_pt > 0
                )
        for j, name in enumerate(self.features_):
            out[:, j] = columns[name]()
        return out
