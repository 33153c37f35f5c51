"""Jet substructure observables computed with FastJet, many jets per call.

Each jet's constituents become one "event" of FastJet's awkward interface
(:class:`fastjet.ClusterSequence` on a jagged array), so clustering, soft-drop grooming and
the energy correlation functions run in C++ over a whole batch of jets; only the
N-subjettiness distances are evaluated here, in numpy, on padded (jets, constituents, axes)
arrays. Nothing loops over jets in Python.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence
from numbers import Real

import numpy as np

from ..utils import constituent_mask, import_optional
from ..utils._fastjet import no_fastjet_banner
from ..utils._fourvec import delta_phi, mass, rapidity
from ..utils._sklearn_compat import Interval, StrOptions
from ..utils._typing import ArrayLike
from ._kinematics import _check_feature_names, _JetFeatureTransformer

NSUBJETTINESS_FEATURES = ("tau1", "tau2", "tau3", "tau21", "tau32")

# The 16 columns of the hls4ml LHC jet dataset (arXiv:1804.06913), in the order of its table.
HLS4ML_FEATURES = (
    "zlogz",
    "c1_b0_mmdt",
    "c1_b1_mmdt",
    "c1_b2_mmdt",
    "c2_b1_mmdt",
    "c2_b2_mmdt",
    "d2_b1_mmdt",
    "d2_b2_mmdt",
    "d2_a1_b1_mmdt",
    "d2_a1_b2_mmdt",
    "m2_b1_mmdt",
    "m2_b2_mmdt",
    "n2_b1_mmdt",
    "n2_b2_mmdt",
    "mass_mmdt",
    "multiplicity",
)

SUBSTRUCTURE_FEATURES = NSUBJETTINESS_FEATURES + ("sd_mass",) + HLS4ML_FEATURES

# Normalised energy correlation functions by kind: (npoint, angles) of FastJet's
# EnergyCorrelatorGeneralized. "e2" and "e3" are the usual 2- and 3-point functions
# (angles=-1: every pairwise angle), "1e3" keeps the smallest of the three angles and "2e3"
# the product of the two smallest (Moult, Necib, Thaler, arXiv:1609.07483).
_ECF_KINDS = {"e2": (2, 1), "e3": (3, -1), "1e3": (3, 1), "2e3": (3, 2)}

# Each ratio as numerator / denominator ** power, both normalised ECFs (kind, beta); the
# definitions of FastJet contrib's EnergyCorrelator C1, C2, D2, generalized D2, M2 and N2.
_ECF_RATIOS = {
    "c1_b0_mmdt": (("e2", 0), None, 0.0),
    "c1_b1_mmdt": (("e2", 1), None, 0.0),
    "c1_b2_mmdt": (("e2", 2), None, 0.0),
    "c2_b1_mmdt": (("e3", 1), ("e2", 1), 2.0),
    "c2_b2_mmdt": (("e3", 2), ("e2", 2), 2.0),
    "d2_b1_mmdt": (("e3", 1), ("e2", 1), 3.0),
    "d2_b2_mmdt": (("e3", 2), ("e2", 2), 3.0),
    # D2^(alpha, beta) = e3^(alpha) / (e2^(beta))^(3 alpha / beta) with alpha = 1.
    "d2_a1_b1_mmdt": (("e3", 1), ("e2", 1), 3.0),
    "d2_a1_b2_mmdt": (("e3", 1), ("e2", 2), 1.5),
    "m2_b1_mmdt": (("1e3", 1), ("e2", 1), 1.0),
    "m2_b2_mmdt": (("1e3", 2), ("e2", 2), 1.0),
    "n2_b1_mmdt": (("2e3", 1), ("e2", 1), 2.0),
    "n2_b2_mmdt": (("2e3", 2), ("e2", 2), 2.0),
}

# The hls4ml features groom with the modified mass-drop tagger: soft drop with these.
_MMDT_BETA, _MMDT_ZCUT = 0.0, 0.1

# Larger than any angular distance inside a jet, so that clustering one jet's constituents
# with kt or C/A ends in a single jet (FastJet's largest allowed radius).
_ALL_IN_ONE_R = 1000.0

# Jets per FastJet call: bounds the float64 copies of the constituents.
_BATCH = 4096

_AXES = ("kt", "wta_kt")


def _fastjet():
    return import_optional("fastjet", purpose="skjet.features.Substructure")


@contextlib.contextmanager
def _quiet_fastjet() -> Iterator[None]:
    """Silence fastjet's exclusive-jets warning, which it raises for kt and C/A too.

    fastjet also replaces ``warnings.formatwarning`` before warning; restore it.
    """
    formatwarning = warnings.formatwarning
    try:
        with warnings.catch_warnings(), no_fastjet_banner():
            warnings.filterwarnings("ignore", message="dcut and exclusive jets")
            yield
    finally:
        warnings.formatwarning = formatwarning


def _safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, and 0 where den is 0 (a jet too small for the observable)."""
    return np.divide(num, den, out=np.zeros_like(num, dtype=np.float64), where=den > 0)


def _as_numpy(array) -> np.ndarray:
    return np.asarray(array, dtype=np.float64)


class _Batch:
    """One batch of non-empty jets and the FastJet objects built from it, computed lazily.

    ``flat`` holds the real constituents of the jets in jet order, (sum(counts), 4) float64,
    and ``counts`` (all > 0) how many belong to each jet.
    """

    def __init__(self, fastjet, flat: np.ndarray, counts: np.ndarray, params: dict):
        import awkward as ak

        self.ak, self.fj, self.params = ak, fastjet, params
        self.counts = counts
        self._cache: dict = {}
        self.flat = flat
        self.E, self.px, self.py, self.pz = flat.T
        self.events = ak.unflatten(
            ak.zip({"px": self.px, "py": self.py, "pz": self.pz, "E": self.E}), counts
        )
        # Positions of each real constituent in a compact (n_jets, max multiplicity) layout.
        starts = np.cumsum(counts) - counts
        self.rows = np.repeat(np.arange(len(counts)), counts)
        self.cols = np.arange(len(flat)) - np.repeat(starts, counts)
        self.width = int(counts.max())

    def _dense(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros((len(self.counts), self.width), dtype=np.float64)
        out[self.rows, self.cols] = values
        return out

    def _cached(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def constituent_pt(self) -> np.ndarray:
        return self._cached("pt", lambda: self._dense(np.hypot(self.px, self.py)))

    def zlogz(self) -> np.ndarray:
        pts = self.constituent_pt()
        # z = 0 for every constituent of a jet with zero total pT: zlogz = 0.
        z = _safe_divide(pts, pts.sum(axis=1, keepdims=True))
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(z > 0, z * np.log(z), 0.0)
        return terms.sum(axis=1)

    def _axes(self, n_axes: int):
        def compute():
            fj = self.fj
            scheme = fj.WTA_pt_scheme if self.params["axes"] == "wta_kt" else fj.E_scheme
            jetdef = fj.JetDefinition(fj.kt_algorithm, _ALL_IN_ONE_R, scheme)
            with _quiet_fastjet():
                cs = self._cached(("kt", scheme), lambda: fj.ClusterSequence(self.events, jetdef))
                return cs.exclusive_jets_up_to(n_axes)

        return self._cached(("axes", n_axes), compute)

    def axis_distance2(self, n_axes: int) -> np.ndarray:
        """Squared (rapidity, azimuth) distance of every constituent to the nearest of its
        jet's N exclusive-kt axes, in the compact (jets, max multiplicity) layout.

        A jet with at most N constituents has each one as its own axis: distance 0.
        """

        def compute():
            ak = self.ak
            axes = self._axes(n_axes)

            def padded(field):
                return ak.to_numpy(ak.fill_none(ak.pad_none(field, n_axes, clip=True), 0.0))

            a_E, a_px, a_py, a_pz = (padded(axes[f]) for f in ("E", "px", "py", "pz"))
            valid = np.arange(n_axes) < ak.to_numpy(ak.num(axes))[:, None]
            a_rap = rapidity(np.stack([a_E, a_px, a_py, a_pz], axis=-1))
            a_phi = np.arctan2(a_py, a_px)
            rap = self._cached("rap", lambda: self._dense(rapidity(self.flat)))
            phi = self._cached("phi", lambda: self._dense(np.arctan2(self.py, self.px)))
            dr2 = (rap[:, :, None] - a_rap[:, None, :]) ** 2 + delta_phi(
                phi[:, :, None], a_phi[:, None, :]
            ) ** 2
            return np.where(valid[:, None, :], dr2, np.inf).min(axis=2)

        return self._cached(("dr2", n_axes), compute)

    def tau(self, n_axes: int) -> np.ndarray:
        """Normalised N-subjettiness: sum_i pT_i min_k dR_ik^beta / (sum_i pT_i R0^beta).

        With at most N constituents each one is its own axis, so tau_N = 0; a jet whose
        constituents have zero total pT (all along the beam) has tau_N = 0 too.
        """

        def compute():
            beta = self.params["nsubjettiness_beta"]
            pts = self.constituent_pt()  # 0 on padding, so padding adds nothing
            numerator = (pts * self.axis_distance2(n_axes) ** (beta / 2)).sum(axis=1)
            return _safe_divide(numerator, pts.sum(axis=1) * self.params["radius"] ** beta)

        return self._cached(("tau", n_axes), compute)

    def groomed(self, beta: float, zcut: float):
        """Soft-drop groomed constituents (C/A declustering, R0 = radius)."""

        def compute():
            fj = self.fj
            jetdef = fj.JetDefinition(fj.cambridge_algorithm, _ALL_IN_ONE_R)
            with _quiet_fastjet():
                cs = self._cached("ca", lambda: fj.ClusterSequence(self.events, jetdef))
                result = cs.exclusive_jets_softdrop_grooming(
                    njets=1,
                    beta=float(beta),
                    symmetry_cut=float(zcut),
                    symmetry_measure="scalar_z",
                    R0=float(self.params["radius"]),
                    recursion_choice="larger_pt",
                )
            return result.constituents

        return self._cached(("groomed", beta, zcut), compute)

    def groomed_mass(self, beta: float, zcut: float) -> np.ndarray:
        """Mass of the groomed jet from its summed constituents (clipped at 0 like JetMass)."""
        ak = self.ak
        g = self.groomed(beta, zcut)
        p = np.stack([ak.to_numpy(ak.sum(g[f], axis=1)) for f in ("E", "px", "py", "pz")], -1)
        return mass(p)

    def mmdt_ecf(self, kind: str, beta: float) -> np.ndarray:
        """Normalised ECF of the mMDT-groomed jet (pT and rapidity-azimuth angles)."""

        def compute():
            fj = self.fj
            jetdef = fj.JetDefinition(fj.cambridge_algorithm, _ALL_IN_ONE_R)
            groomed = self.groomed(_MMDT_BETA, _MMDT_ZCUT)
            npoint, angles = _ECF_KINDS[kind]
            with _quiet_fastjet():
                cs = self._cached("mmdt_cs", lambda: fj.ClusterSequence(groomed, jetdef))
                values = cs.exclusive_jets_energy_correlator(
                    njets=1,
                    func="generalized",
                    npoint=npoint,
                    angles=angles,
                    beta=float(beta),
                    normalized=True,
                )
            return _as_numpy(values)

        return self._cached(("ecf", kind, beta), compute)

    def feature(self, name: str) -> np.ndarray:
        params = self.params
        if name == "multiplicity":
            return self.counts.astype(np.float64)
        if name == "zlogz":
            return self.zlogz()
        if name in ("tau1", "tau2", "tau3"):
            return self.tau(int(name[-1]))
        if name == "tau21":
            return _safe_divide(self.tau(2), self.tau(1))
        if name == "tau32":
            return _safe_divide(self.tau(3), self.tau(2))
        if name == "sd_mass":
            return self.groomed_mass(params["soft_drop_beta"], params["soft_drop_zcut"])
        if name == "mass_mmdt":
            return self.groomed_mass(_MMDT_BETA, _MMDT_ZCUT)
        numerator, denominator, power = _ECF_RATIOS[name]
        num = self.mmdt_ecf(*numerator)
        if denominator is None:
            return num
        # A groomed jet of one constituent has e2 = 0 (and e3 = 0): the ratio is 0.
        return _safe_divide(num, self.mmdt_ecf(*denominator) ** power)


def _batches(X: np.ndarray, params: dict) -> Iterator[tuple[int, np.ndarray, _Batch]]:
    """The non-empty jets of ``X`` in FastJet batches: (start, mask of real constituents of
    the block X[start:start + _BATCH], its _Batch). Jets without constituents are left out:
    FastJet cannot cluster them."""
    fastjet = _fastjet()
    for start in range(0, len(X), _BATCH):
        block = X[start : start + _BATCH]
        mask = constituent_mask(block)
        counts = mask.sum(axis=1, dtype=np.int64)
        if not counts.any():
            continue
        # Real constituents in jet order (padding may sit anywhere in a jet's slots).
        flat = block[mask].astype(np.float64)
        yield start, mask, _Batch(fastjet, flat, counts[counts > 0], params)


def subjet_axis_distances(X: np.ndarray, n_subjets: Sequence[int]) -> np.ndarray:
    """(rapidity, azimuth) distance of every real constituent to the nearest of its jet's N
    exclusive-kt subjet axes (E-scheme: the axes of tau_N), for each N of ``n_subjets``.

    ``X`` is validated (n_jets, n_constituents, >= 4) with (E, px, py, pz) first. Returns
    float64 (n_jets, n_constituents, len(n_subjets)), 0 on padding; with beta = 1,
    sum_i pT_i d_i / (sum_i pT_i R0) is :class:`Substructure`'s tau_N.
    """
    out = np.zeros((*X.shape[:2], len(n_subjets)), dtype=np.float64)
    params = {"axes": "kt"}
    for start, mask, batch in _batches(X, params):
        jets, slots = np.nonzero(mask)  # the order of batch.flat
        for k, n in enumerate(n_subjets):
            out[start + jets, slots, k] = np.sqrt(
                batch.axis_distance2(int(n))[batch.rows, batch.cols])
    return out


class Substructure(_JetFeatureTransformer):
    """Jet substructure observables with FastJet: N-subjettiness, soft drop, hls4ml's 16.

    Each jet's constituents are clustered with FastJet's awkward interface, thousands of
    jets per call. The available features are:

    - ``"tau1"``, ``"tau2"``, ``"tau3"``: normalised N-subjettiness
      :math:`\\tau_N = \\sum_i p_{T,i} \\min_k \\Delta R_{ik}^\\beta / \\sum_i p_{T,i} R_0^\\beta`
      with ``beta = nsubjettiness_beta``, ``R0 = radius`` and exclusive-kt axes (E-scheme,
      or winner-take-all with ``axes="wta_kt"``); ``"tau21"`` and ``"tau32"`` their ratios.
    - ``"sd_mass"``: soft-drop mass with ``soft_drop_beta``, ``soft_drop_zcut``, R0 = radius.
    - The 16 columns of the hls4ml LHC jet dataset (:data:`HLS4ML_FEATURES`, arXiv:1804.06913):
      ``zlogz`` = :math:`\\sum_i z_i \\log z_i` with :math:`z_i = p_{T,i} / \\sum_j p_{T,j}`
      over all constituents; on the jet groomed by the modified mass-drop tagger (soft drop
      with beta = 0, zcut = 0.1, R0 = radius) the energy correlation ratios of FastJet
      contrib's EnergyCorrelator, from the normalised ECFs :math:`e_2^{(\\beta)}`,
      :math:`e_3^{(\\beta)}` and the generalised :math:`{}_1e_3^{(\\beta)}`,
      :math:`{}_2e_3^{(\\beta)}`: ``c1_b{0,1,2}_mmdt`` = :math:`e_2^{(\\beta)}`,
      ``c2_b{1,2}_mmdt`` = :math:`e_3/e_2^2`, ``d2_b{1,2}_mmdt`` = :math:`e_3/e_2^3`,
      ``d2_a1_b{1,2}_mmdt`` = :math:`e_3^{(1)}/(e_2^{(\\beta)})^{3/\\beta}`,
      ``m2_b{1,2}_mmdt`` = :math:`{}_1e_3/e_2`, ``n2_b{1,2}_mmdt`` = :math:`{}_2e_3/e_2^2`;
      ``mass_mmdt``, the groomed mass; ``multiplicity``, the number of constituents.

    Angles are distances in (rapidity, azimuth) and energies are transverse momenta, as in
    FastJet. Values that are undefined for a jet are 0: every feature of a jet without
    constituents, tau_N for a jet with at most N constituents, a ratio whose denominator
    vanishes (e.g. ECF ratios of a groomed jet with one constituent). The output never
    holds NaN.

    Parameters
    ----------
    features : sequence of str, "hls4ml" or None, default=None
        Output columns in this order. ``None``: all of :data:`SUBSTRUCTURE_FEATURES`;
        ``"hls4ml"``: the 16 hls4ml columns in the dataset's order. Only what the selected
        features need is computed.
    radius : float, default=0.8
        Jet radius R0: N-subjettiness normalisation and soft-drop angular reference.
    soft_drop_beta : float, default=0.0
        Angular exponent of soft drop for ``"sd_mass"``.
    soft_drop_zcut : float, default=0.1
        Momentum-fraction cut of soft drop for ``"sd_mass"``.
    nsubjettiness_beta : float, default=1.0
        Angular exponent of N-subjettiness.
    axes : {"kt", "wta_kt"}, default="kt"
        N-subjettiness axes: exclusive kt subjets with E-scheme or winner-take-all
        recombination.

    Attributes
    ----------
    features_ : tuple of str
        The validated output columns.
    n_features_in_ : int
        Size of the last input axis, 4.

    Notes
    -----
    Needs FastJet (``pip install "skjet[generate]"``). The cost is dominated by the
    three-point correlators, O(m^3) in the number m of groomed constituents of a jet; pick
    only the features you need to go faster.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((1, 4, 4), dtype=np.float32)
    >>> X[0, :3] = [[100, 100, 0, 0], [50, 49.5, 7, 0], [20, 19.9, 0, 2]]
    >>> sub = Substructure(features=("tau1", "tau21", "multiplicity")).fit(X)
    >>> sub.get_feature_names_out().tolist()
    ['tau1', 'tau21', 'multiplicity']
    >>> sub.transform(X).shape
    (1, 3)
    """

    # Finite ranges: an infinite radius or exponent has no meaning here.
    _parameter_constraints: dict = {
        **_JetFeatureTransformer._parameter_constraints,
        "features": [StrOptions({"hls4ml", *SUBSTRUCTURE_FEATURES}), "array-like", None],
        "radius": [Interval(Real, 0, np.inf, closed="neither")],
        "soft_drop_beta": [Interval(Real, 0, np.inf, closed="left")],
        "soft_drop_zcut": [Interval(Real, 0, 1, closed="left")],
        "nsubjettiness_beta": [Interval(Real, 0, np.inf, closed="neither")],
        "axes": [StrOptions(set(_AXES))],
    }

    def __init__(
        self,
        features: Sequence[str] | str | None = None,
        radius: float = 0.8,
        soft_drop_beta: float = 0.0,
        soft_drop_zcut: float = 0.1,
        nsubjettiness_beta: float = 1.0,
        axes: str = "kt",
    ):
        self.features = features
        self.radius = radius
        self.soft_drop_beta = soft_drop_beta
        self.soft_drop_zcut = soft_drop_zcut
        self.nsubjettiness_beta = nsubjettiness_beta
        self.axes = axes

    def _selected_features(self):
        who = type(self).__name__
        _fastjet()  # fail at fit, with the extra to install, rather than at transform
        if self.features is None:
            return SUBSTRUCTURE_FEATURES
        if isinstance(self.features, str) and self.features == "hls4ml":
            return HLS4ML_FEATURES
        return _check_feature_names(self.features, SUBSTRUCTURE_FEATURES, who)

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Compute the selected substructure features.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, 4)
            Zero-padded constituents (E, px, py, pz).

        Returns
        -------
        features : ndarray of shape (n_jets, len(features_)), float64
        """
        X = self._validate_transform(X)
        params = {
            "radius": float(self.radius),
            "soft_drop_beta": float(self.soft_drop_beta),
            "soft_drop_zcut": float(self.soft_drop_zcut),
            "nsubjettiness_beta": float(self.nsubjettiness_beta),
            "axes": self.axes,
        }
        # Jets without constituents keep their row of zeros.
        out = np.zeros((len(X), len(self.features_)), dtype=np.float64)
        for start, mask, batch in _batches(X, params):
            keep = start + np.flatnonzero(mask.any(axis=1))
            for j, name in enumerate(self.features_):
                out[keep, j] = batch.feature(name)
        return out
