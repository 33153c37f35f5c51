"""Constituent coordinates relative to the jet axis (the inputs of Particle Flow Networks)."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ..utils import ConstituentInputMixin, constituent_mask
from ..utils._fourvec import jet_four_momentum, pt
from ..utils._layers import relative_features
from ..utils._sklearn_compat import _fit_context
from ..utils._typing import ArrayLike
from ._base import _NDOutputTransformer

RELATIVE_FEATURE_NAMES = (
    "log_pt",
    "log_e",
    "log_pt_rel",
    "log_e_rel",
    "delta_eta",
    "delta_phi",
    "delta_r",
)


def _check_defined(rows, rows_pt, jets, slots, pj_pt, who):
    """Refuse real constituents (or jets) whose logarithms or angles are undefined.

    ``rows_pt`` and ``pj_pt`` are the transverse momenta of ``rows`` and of the jets. E < 0
    and spacelike constituents were refused by the shared check
    (:func:`skjet.utils.check_physical`), so a real constituent has E > 0 here.
    """
    bad = rows_pt <= 0
    if bad.any():
        first = np.flatnonzero(bad)[0]
        raise ValueError(
            f"{who}: {int(bad.sum())} real constituent(s) have pT = 0 (along the beam), where "
            f"log pT and eta are undefined; first at jet {jets[first]}, constituent "
            f"{slots[first]}: {rows[first].tolist()}."
        )
    filled = np.zeros(len(pj_pt), dtype=bool)
    filled[jets] = True
    flat = filled & (pj_pt <= 0)
    if flat.any():
        raise ValueError(
            f"{who}: {int(flat.sum())} jet(s) have constituents but zero total pT (first: jet "
            f"{int(np.flatnonzero(flat)[0])}), so the jet axis is undefined."
        )


class RelativeConstituents(ConstituentInputMixin, _NDOutputTransformer):
    """Turn (E, px, py, pz) constituents into features relative to the jet axis.

    For every real constituent the output holds, in this order (see
    :meth:`get_feature_names_out`):

    ========== ==========================================================
    log_pt     log pT
    log_e      log E
    log_pt_rel log(pT / pT_jet)
    log_e_rel  log(E / E_jet)
    delta_eta  eta - eta_jet
    delta_phi  phi - phi_jet, wrapped to [-pi, pi)
    delta_r    sqrt(delta_eta^2 + delta_phi^2)
    ========== ==========================================================

    The jet axis is the direction of the jet four-momentum, the sum of the constituents.
    Padding rows stay exactly zero (no logarithm of zero is taken), and a jet with no
    constituents gives an all-zero block. Energies in GeV give logarithms of GeV.

    Attributes
    ----------
    n_features_in_ : int
        Always 4 (E, px, py, pz).

    See Also
    --------
    ConstituentScaler : scale the seven features before a neural network.
    FlattenConstituents : to a 2-D table; pass ``feature_names=RELATIVE_FEATURE_NAMES``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((1, 3, 4), dtype=np.float32)
    >>> X[0, :2] = [[50, 30, 40, 0], [10, 6, 8, 0]]
    >>> Xt = RelativeConstituents().fit_transform(X)
    >>> Xt.shape
    (1, 3, 7)
    >>> np.round(Xt[0, 0, [0, 4, 5, 6]], 3)
    array([3.912, 0.   , 0.   , 0.   ], dtype=float32)
    >>> bool((Xt[0, 2] == 0).all())
    True
    """

    _physical_input = True

    _parameter_constraints: dict = {}

    def __init__(self):
        pass

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> RelativeConstituents:
        """Check ``X`` and record the number of features per constituent (4).

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, 4)
            Zero-padded (E, px, py, pz) constituents.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._validate_fit(X)
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Compute the seven relative features of every real constituent.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, 4)
            Zero-padded (E, px, py, pz) constituents.

        Returns
        -------
        X_rel : ndarray of shape (n_jets, n_constituents, 7), float32
            Padding rows are zero.

        Raises
        ------
        ValueError
            An unphysical constituent (E < 0 or spacelike, see
            :func:`skjet.utils.check_physical`), a real constituent with pT = 0, or a jet
            with zero total pT.
        """
        X = self._validate_transform(X)
        # the checks work on the real constituents only: padding is most of a 200-slot array
        jets, slots = np.nonzero(constituent_mask(X))
        rows = X[jets, slots]
        pj = jet_four_momentum(X)
        rows_pt, pj_pt = pt(rows), pt(pj)
        _check_defined(rows, rows_pt, jets, slots, pj_pt, type(self).__name__)

        # the computation is the torch function of the layer that to_onnx exports
        with torch.no_grad():
            jet = tuple(torch.from_numpy(pj[:, i]) for i in range(4))
            index = torch.from_numpy(jets)
            features = relative_features(torch.from_numpy(rows), jet, lambda v: v[index])
        out = np.zeros((*X.shape[:2], len(RELATIVE_FEATURE_NAMES)), dtype=np.float32)
        out[jets, slots] = features.numpy()
        return out

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> np.ndarray:
        """Names of the seven features along the last axis of the output.

        The output is 3-D, so these name its last axis, not columns; they are what
        :class:`FlattenConstituents` takes as ``feature_names`` to name a flat table.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str, shape (7,)
        """
        check_is_fitted(self, "n_features_in_")
        return np.asarray(RELATIVE_FEATURE_NAMES, dtype=object)
