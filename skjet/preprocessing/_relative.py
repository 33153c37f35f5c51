"""Constituent coordinates relative to the jet axis (the inputs of Particle Flow Networks)."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ..utils import ConstituentInputMixin, constituent_mask, import_optional
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

    With ``nsubjettiness_axes=(2, 3)`` every constituent also gets its (rapidity, azimuth)
    distance to the nearest of the 2 and of the 3 exclusive-kt subjet axes of its jet, the
    axes of N-subjettiness (features ``delta_r_tau2_axes``, ``delta_r_tau3_axes``): tau_N is
    then a pT-weighted sum over the constituents, which a Deep Sets network computes
    directly instead of having to find the prongs from (eta, phi) positions. This helps a
    network trained not to use the jet mass (DisCo, see the decorrelation guide). The axes
    are FastJet's (``pip install "skjet[generate]"``), so such a step cannot be exported to
    ONNX.

    Parameters
    ----------
    nsubjettiness_axes : tuple of int, default=()
        For each N, add the distance to the nearest of the jet's N subjet axes (E-scheme
        exclusive kt, as :class:`~skjet.features.Substructure`'s tau_N). A jet with at
        most N constituents has each as its own axis: distance 0.

    Attributes
    ----------
    n_features_in_ : int
        Always 4 (E, px, py, pz).
    nsubjettiness_axes_ : tuple of int
        The validated ``nsubjettiness_axes``.
    n_features_out_ : int
        7 plus one per entry of ``nsubjettiness_axes``.

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

    _parameter_constraints: dict = {"nsubjettiness_axes": [tuple, list]}

    def __init__(self, nsubjettiness_axes: tuple[int, ...] = ()):
        self.nsubjettiness_axes = nsubjettiness_axes

    def _axes(self) -> tuple[int, ...]:
        axes = tuple(self.nsubjettiness_axes)
        if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1
                   for n in axes) or len(set(axes)) != len(axes):
            raise ValueError(
                f"{type(self).__name__}: nsubjettiness_axes must hold distinct integers >= 1 "
                f"(numbers of subjet axes, e.g. (2, 3)); got {self.nsubjettiness_axes!r}.")
        return tuple(int(n) for n in axes)

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
        axes = self._axes()
        if axes:
            import_optional("fastjet", purpose="RelativeConstituents(nsubjettiness_axes=...)")
        self._validate_fit(X)
        self.nsubjettiness_axes_ = axes
        self.n_features_out_ = len(RELATIVE_FEATURE_NAMES) + len(axes)
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Compute the seven relative features of every real constituent.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, 4)
            Zero-padded (E, px, py, pz) constituents.

        Returns
        -------
        X_rel : ndarray of shape (n_jets, n_constituents, n_features_out_), float32
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
        out = np.zeros((*X.shape[:2], self.n_features_out_), dtype=np.float32)
        out[jets, slots, : len(RELATIVE_FEATURE_NAMES)] = features.numpy()
        if self.nsubjettiness_axes_:
            from ..features._substructure import subjet_axis_distances

            out[..., len(RELATIVE_FEATURE_NAMES) :] = subjet_axis_distances(
                X, self.nsubjettiness_axes_)
        return out

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> np.ndarray:
        """Names of the features along the last axis of the output.

        The output is 3-D, so these name its last axis, not columns; they are what
        :class:`FlattenConstituents` takes as ``feature_names`` to name a flat table.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str, shape (n_features_out_,)
        """
        check_is_fitted(self, "n_features_in_")
        extra = tuple(f"delta_r_tau{n}_axes" for n in self.nsubjettiness_axes_)
        return np.asarray(RELATIVE_FEATURE_NAMES + extra, dtype=object)
