"""A fast parametrised detector for ``generate_jets``, in the spirit of Delphes' cards.

Applied to the visible final-state particles of a batch of events before clustering:

1. charged particles are propagated in the solenoid field to the calorimeter surface
   (a helix from the origin: the azimuth and pseudorapidity where they deposit differ from
   those of their momentum; particles that curl up before reaching the barrel end in the
   endcap);
2. charged hadrons, electrons and muons become tracks with an efficiency and a relative
   pT resolution that depend on |eta| and pT (piecewise, as the cards' formulas); a track
   keeps the direction of its particle and is massless (E = |p|, as Delphes'
   ``MomentumSmearing``);
3. every particle but muons (and neutrinos, removed before) deposits its energy in one cell
   of the electromagnetic (electrons, photons) or hadronic (hadrons) calorimeter, each an
   eta-phi grid with its own granularity; a cell's energy is smeared log-normally with
   sigma(E) = k(eta) sqrt((a E)^2 + b^2 E + c^2) and set to zero below the cell thresholds;
4. energy flow, per calorimeter and cell (Delphes' ``SimpleCalorimeter``): the cell's
   energy minus that of its tracks is a neutral object (photon in the ECAL, neutral hadron
   in the HCAL) when it exceeds the energy threshold and its significance exceeds the
   significance threshold; otherwise the cell's tracks are rescaled to the resolution-
   weighted mean of the track and calorimeter measurements. Neutral objects are massless,
   at a point drawn uniformly in the cell (or its centre).

Everything is vectorised over the whole batch (numpy on flat arrays with an event index).
This module imports numpy only: it runs in the generator's worker processes.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Names of the per-constituent features that ``generate_jets(..., particle_id=True)`` puts
#: after the four-momentum (E, px, py, pz), in this order: the electric charge and five
#: exclusive particle-ID flags (JetClass' convention).
PARTICLE_FEATURES: tuple[str, ...] = (
    "charge",
    "is_charged_hadron",
    "is_neutral_hadron",
    "is_photon",
    "is_electron",
    "is_muon",
)

_INF = math.inf
# pT = 0.2998 * Bz * R: GeV, tesla, metre.
_C_GEV_PER_TESLA_METRE = 0.299792458


def _card_grid(*blocks: tuple[list[float], int]) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Cell rings from a card's ``add EtaPhiBins eta PhiBins`` lines.

    Each block is (eta edges, number of phi bins over 2 pi). As in Delphes, the edges of all
    blocks form one sorted list (a later block overrides an edge given twice) and the ring
    between two consecutive edges takes the phi binning of its upper edge.
    """
    bins: dict[float, int] = {}
    for edges, n_phi in blocks:
        for edge in edges:
            bins[round(float(edge), 4)] = int(n_phi)
    edges = sorted(bins)
    return tuple(edges), tuple(bins[e] for e in edges[1:])


def _steps(start: float, step: float, first: int, last: int) -> list[float]:
    return [start + i * step for i in range(first, last + 1)]


# --- ATLAS: delphes_card_ATLAS.tcl as Delphes 3.4 shipped it (taken to be the card of the
# public top-tagging sample): one calorimeter module, ECAL and HCAL on the same 0.1 x 10
# degree towers. Today's card has a separate 0.0174 x 1 degree ECAL, as CMS.
_ATLAS_TOWERS = _card_grid(
    ([-3.2, *[x / 10 for x in range(-25, 26)], 2.6, 3.3], 36),
    (
        [-4.9, -4.7, -4.5, -4.3, -4.1, -3.9, -3.7, -3.5, -3.3, -3.0, -2.8, -2.6]
        + [2.8, 3.0, 3.2, 3.5, 3.7, 3.9, 4.1, 4.3, 4.5, 4.7, 4.9],
        18,
    ),
)
# --- CMS: delphes_card_CMS.tcl: ECAL 0.0174 x 1 degree up to |eta| = 3, HF beyond; HCAL
# 0.087 x 5 degrees in the barrel, 10 degrees in the endcaps, 20 degrees forward.
_CMS_ECAL = _card_grid(
    (_steps(0.0, 0.0174, -85, 86), 360),
    (_steps(-2.958, 0.0174, 1, 84), 360),
    (_steps(1.4964, 0.0174, 1, 84), 360),
    (
        [-5, -4.7, -4.525, -4.35, -4.175, -4, -3.825, -3.65, -3.475, -3.3, -3.125, -2.958]
        + [3.125, 3.3, 3.475, 3.65, 3.825, 4, 4.175, 4.35, 4.525, 4.7, 5],
        18,
    ),
)
_CMS_HCAL = _card_grid(
    (_steps(0.0, 0.087, -18, 19), 72),
    (
        [-4.35, -4.175, -4, -3.825, -3.65, -3.475, -3.3, -3.125, -2.95, -2.868, -2.65, -2.5]
        + [-2.322, -2.172, -2.043, -1.93, -1.83, -1.74, -1.653, 1.74, 1.83, 1.93, 2.043]
        + [2.172, 2.322, 2.5, 2.65, 2.868, 2.95, 3.125, 3.3, 3.475, 3.65, 3.825, 4, 4.175]
        + [4.35, 4.525],
        36,
    ),
    ([-5, -4.7, -4.525, 4.7, 5], 18),
)

# Rows (|eta| low, |eta| high, pT low, pT high, efficiency): lo <= |eta| < hi, lo < pT <= hi.
_EFFICIENCY_HADRONS = (
    (0.0, 1.5, 0.1, 1.0, 0.70),
    (0.0, 1.5, 1.0, _INF, 0.95),
    (1.5, 2.5, 0.1, 1.0, 0.60),
    (1.5, 2.5, 1.0, _INF, 0.85),
)
_EFFICIENCY_ELECTRONS = (
    (0.0, 1.5, 0.1, 1.0, 0.73),
    (0.0, 1.5, 1.0, 100.0, 0.95),
    (0.0, 1.5, 100.0, _INF, 0.99),
    (1.5, 2.5, 0.1, 1.0, 0.50),
    (1.5, 2.5, 1.0, 100.0, 0.83),
    (1.5, 2.5, 100.0, _INF, 0.90),
)
_EFFICIENCY_MUONS = (
    (0.0, 1.5, 0.1, 1.0, 0.75),
    (0.0, 1.5, 1.0, _INF, 0.99),
    (1.5, 2.5, 0.1, 1.0, 0.70),
    (1.5, 2.5, 1.0, _INF, 0.98),
)
# Rows (|eta| low, |eta| high, pT low, pT high, a, b): sigma(pT) / pT = sqrt(a^2 + (b pT)^2).
_RESOLUTION_HADRONS_ATLAS = (
    (0.0, 1.5, 0.1, 1.0, 0.02, 0.0),
    (0.0, 1.5, 1.0, 10.0, 0.01, 0.0),
    (0.0, 1.5, 10.0, 200.0, 0.03, 0.0),
    (0.0, 1.5, 200.0, _INF, 0.05, 0.0),
    (1.5, 2.5, 0.1, 1.0, 0.03, 0.0),
    (1.5, 2.5, 1.0, 10.0, 0.02, 0.0),
    (1.5, 2.5, 10.0, 200.0, 0.04, 0.0),
    (1.5, 2.5, 200.0, _INF, 0.05, 0.0),
)
_RESOLUTION_HADRONS_CMS = (
    (0.0, 0.5, 0.1, _INF, 0.01, 1.5e-4),
    (0.5, 1.5, 0.1, _INF, 0.015, 2.5e-4),
    (1.5, 2.5, 0.1, _INF, 0.025, 5.5e-4),
)
_RESOLUTION_ELECTRONS = (
    (0.0, 0.5, 0.1, _INF, 0.03, 1.3e-3),
    (0.5, 1.5, 0.1, _INF, 0.05, 1.7e-3),
    (1.5, 2.5, 0.1, _INF, 0.15, 3.1e-3),
)
_RESOLUTION_MUONS = (
    (0.0, 0.5, 0.1, _INF, 0.01, 1.0e-4),
    (0.5, 1.5, 0.1, _INF, 0.015, 1.5e-4),
    (1.5, 2.5, 0.1, _INF, 0.025, 3.5e-4),
)
# Rows (|eta| low, |eta| high, a, b, c, k0, k2, eta0): sigma(E) = (k0 + k2 (|eta| - eta0)^2)
# * sqrt((a E)^2 + b^2 E + c^2), E in GeV.
_ECAL_ATLAS = ((0.0, 3.2, 0.0017, 0.101, 0.0, 1, 0, 0), (3.2, 4.9, 0.035, 0.285, 0.0, 1, 0, 0))
_HCAL_ATLAS = (
    (0.0, 1.7, 0.0302, 0.5205, 1.59, 1, 0, 0),
    (1.7, 3.2, 0.05, 0.706, 0.0, 1, 0, 0),
    (3.2, 4.9, 0.0942, 1.0, 0.0, 1, 0, 0),
)
_ECAL_CMS = (
    (0.0, 1.5, 0.008, 0.11, 0.40, 1.0, 0.64, 0.0),
    (1.5, 2.5, 0.008, 0.11, 0.40, 2.16, 5.6, 2.0),
    (2.5, 5.0, 0.107, 2.08, 0.0, 1, 0, 0),
)
_HCAL_CMS = ((0.0, 3.0, 0.05, 1.5, 0.0, 1, 0, 0), (3.0, 5.0, 0.13, 2.7, 0.0, 1, 0, 0))


@dataclass(frozen=True)
class Detector:
    """A parametrised detector: tracker, ECAL and HCAL cells, and energy flow.

    Every number has the value of Delphes' ATLAS card by default (``Detector()`` is
    ``Detector.preset("atlas")``); ``Detector.preset("cms")`` takes those of the CMS card.
    Change any of them with :func:`dataclasses.replace`. Piecewise tables are tuples of
    rows, like the terms of the cards' formulas; ``inf`` stands for no upper limit. What
    each step does is described in :func:`~skjet.datasets.generate_jets` and the user guide
    (``docs/detector.md``).

    Parameters
    ----------
    name : str, default="atlas"
        A label (shown in the sample's settings and description).
    bz : float, default=2.0
        Solenoid field in tesla (ATLAS 2.0, CMS 3.8); 0 means straight lines.
    radius, half_length : float, default=1.15, 3.51
        Radius and half-length in metres of the cylinder the field fills, whose surface the
        calorimeters start at (ATLAS 1.15 and 3.51, CMS 1.29 and 3.0).
    hadron_track_efficiency, electron_track_efficiency, muon_track_efficiency : tuple of rows
        Rows ``(eta_lo, eta_hi, pt_lo, pt_hi, efficiency)``: the probability that a charged
        hadron / electron / muon with ``eta_lo <= |eta| < eta_hi`` and ``pt_lo < pT <=
        pt_hi`` (GeV) is reconstructed as a track; 0 outside every row. The cards' values:
        no track at pT <= 0.1 GeV or |eta| >= 2.5, 70-95 % (hadrons) in the barrel.
    hadron_track_resolution, electron_track_resolution, muon_track_resolution : tuple of rows
        Rows ``(eta_lo, eta_hi, pt_lo, pt_hi, a, b)``: relative pT resolution
        ``sqrt(a^2 + (b pT)^2)`` (log-normal smearing); 0 outside every row. ATLAS (Delphes
        3.4 card): 1-5 % by pT range; CMS: ``a`` 1-2.5 %, ``b`` 1.5e-4-5.5e-4 / GeV.
    ecal_eta_edges, hcal_eta_edges : tuple of float
        Increasing eta edges of the cell rings; particles outside deposit nothing.
    ecal_phi_bins, hcal_phi_bins : tuple of int
        Number of equal phi cells over 2 pi in each ring (one per pair of edges). ATLAS:
        0.1 x 10 degrees up to |eta| = 2.5 for both; CMS: ECAL 0.0174 x 1 degree, HCAL
        0.087 x 5 degrees in the barrel.
    ecal_resolution, hcal_resolution : tuple of rows
        Rows ``(eta_lo, eta_hi, a, b, c, k0, k2, eta0)``: energy resolution
        ``(k0 + k2 (|eta| - eta0)^2) sqrt((a E)^2 + b^2 E + c^2)`` in GeV (constant term
        ``a``, stochastic term ``b``, noise ``c``), e.g. ATLAS ECAL 10.1 % / sqrt(E) and
        0.17 %, HCAL 52 % / sqrt(E), 3 % and 1.59 GeV.
    ecal_energy_min, hcal_energy_min : float, default=0.5, 1.0
        Cell energy thresholds in GeV, applied to the measured cell energy and to the neutral
        excess over the tracks.
    ecal_significance_min, hcal_significance_min : float, default=1.0, 1.0
        Minimum significance (in units of the resolution) of the same (ATLAS 1.0 in the
        Delphes 3.4 card, CMS 2.0).
    smear_cell_center : bool, default=True
        Place a neutral object at a point drawn uniformly in its cell rather than at the
        centre (Delphes' ``SmearTowerCenter``).

    Raises
    ------
    ValueError
        When a number or a table is invalid; the message names the field and the problem.

    Examples
    --------
    >>> import dataclasses
    >>> from skjet.datasets import Detector
    >>> cms = Detector.preset("cms")
    >>> cms.bz
    3.8
    >>> coarse = dataclasses.replace(cms, hcal_energy_min=2.0, name="cms-coarse")
    >>> coarse.hcal_energy_min
    2.0
    """

    name: str = "atlas"
    bz: float = 2.0
    radius: float = 1.15
    half_length: float = 3.51
    hadron_track_efficiency: tuple = field(default=_EFFICIENCY_HADRONS, repr=False)
    electron_track_efficiency: tuple = field(default=_EFFICIENCY_ELECTRONS, repr=False)
    muon_track_efficiency: tuple = field(default=_EFFICIENCY_MUONS, repr=False)
    hadron_track_resolution: tuple = field(default=_RESOLUTION_HADRONS_ATLAS, repr=False)
    electron_track_resolution: tuple = field(default=_RESOLUTION_ELECTRONS, repr=False)
    muon_track_resolution: tuple = field(default=_RESOLUTION_MUONS, repr=False)
    ecal_eta_edges: tuple = field(default=_ATLAS_TOWERS[0], repr=False)
    ecal_phi_bins: tuple = field(default=_ATLAS_TOWERS[1], repr=False)
    hcal_eta_edges: tuple = field(default=_ATLAS_TOWERS[0], repr=False)
    hcal_phi_bins: tuple = field(default=_ATLAS_TOWERS[1], repr=False)
    ecal_resolution: tuple = field(default=_ECAL_ATLAS, repr=False)
    hcal_resolution: tuple = field(default=_HCAL_ATLAS, repr=False)
    ecal_energy_min: float = 0.5
    hcal_energy_min: float = 1.0
    ecal_significance_min: float = 1.0
    hcal_significance_min: float = 1.0
    smear_cell_center: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Detector.name must be a non-empty string, got {self.name!r}.")
        for name in ("bz", "radius", "half_length"):
            value = _number(self, name)
            if value < 0 or (value == 0 and name != "bz"):
                limit = "non-negative" if name == "bz" else "positive"
                raise ValueError(f"Detector.{name} must be {limit}, got {value!r}.")
        for name in ("ecal_energy_min", "hcal_energy_min"):
            if _number(self, name) < 0:
                raise ValueError(f"Detector.{name} must be >= 0 GeV, got {getattr(self, name)!r}.")
        for name in ("ecal_significance_min", "hcal_significance_min"):
            if _number(self, name) < 0:
                raise ValueError(f"Detector.{name} must be >= 0, got {getattr(self, name)!r}.")
        if not isinstance(self.smear_cell_center, bool | np.bool_):
            raise ValueError(
                f"Detector.smear_cell_center must be True or False, got {self.smear_cell_center!r}."
            )
        for species in ("hadron", "electron", "muon"):
            _table(self, f"{species}_track_efficiency", 5, ranges=(0, 2), values=(4,), unit=True)
            _table(self, f"{species}_track_resolution", 6, ranges=(0, 2), values=(4, 5))
        for calo in ("ecal", "hcal"):
            _table(self, f"{calo}_resolution", 8, ranges=(0,), values=(2, 3, 4, 5, 6))
            _grid(self, calo)

    @classmethod
    def preset(cls, name: str) -> Detector:
        """The detector of a Delphes card: ``"atlas"`` or ``"cms"``.

        ``"atlas"``: delphes_card_ATLAS.tcl as in Delphes 3.4, taken to be the card of the
        public top-tagging sample (one calorimeter module, ECAL and HCAL on 0.1 x 10 degree
        towers, cell thresholds 0.5 / 1.0 GeV at significance 1). ``"cms"``: delphes_card_CMS.tcl
        (ECAL 0.0174 x 1 degree, HCAL 0.087 x 5 degrees, significance 2, 3.8 T).
        """
        if name == "atlas":
            return cls()
        if name == "cms":
            return cls(
                name="cms",
                bz=3.8,
                radius=1.29,
                half_length=3.0,
                hadron_track_resolution=_RESOLUTION_HADRONS_CMS,
                ecal_eta_edges=_CMS_ECAL[0],
                ecal_phi_bins=_CMS_ECAL[1],
                hcal_eta_edges=_CMS_HCAL[0],
                hcal_phi_bins=_CMS_HCAL[1],
                ecal_resolution=_ECAL_CMS,
                hcal_resolution=_HCAL_CMS,
                ecal_significance_min=2.0,
                hcal_significance_min=2.0,
            )
        raise ValueError(f"Unknown detector preset {name!r}; choose 'atlas' or 'cms'.")

    def to_dict(self) -> dict[str, Any]:
        """Every parameter as plain JSON-able values (tuples as lists, ``inf`` as a string)."""

        def plain(value):
            if isinstance(value, tuple | list):
                return [plain(v) for v in value]
            if isinstance(value, float) and math.isinf(value):
                return "inf"
            return value

        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _number(detector: Detector, name: str) -> float:
    value = getattr(detector, name)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"Detector.{name} must be a finite number, got {value!r}.")
    return float(value)


def _table(detector, name, width, *, ranges, values, unit=False) -> None:
    rows = getattr(detector, name)
    where = f"Detector.{name}"
    if not isinstance(rows, tuple | list) or not rows:
        raise ValueError(f"{where} must be a non-empty tuple of rows, got {rows!r}.")
    for i, row in enumerate(rows):
        if not isinstance(row, tuple | list) or len(row) != width:
            raise ValueError(f"{where}[{i}] must have {width} numbers, got {row!r}.")
        if any(
            isinstance(v, bool) or not isinstance(v, numbers.Real) or math.isnan(v) for v in row
        ):
            raise ValueError(f"{where}[{i}] must hold numbers only, got {row!r}.")
        for lo in ranges:
            if not 0 <= row[lo] < row[lo + 1]:
                raise ValueError(
                    f"{where}[{i}]: the range ({row[lo]}, {row[lo + 1]}) must satisfy "
                    f"0 <= low < high, got {row!r}."
                )
        for j in values:
            if not (0 <= row[j] < _INF) or (unit and row[j] > 1):
                what = "an efficiency in [0, 1]" if unit else "finite and >= 0"
                raise ValueError(f"{where}[{i}][{j}] must be {what}, got {row[j]!r}.")


def _grid(detector, calo: str) -> None:
    edges, bins = getattr(detector, f"{calo}_eta_edges"), getattr(detector, f"{calo}_phi_bins")
    e = np.asarray(edges, dtype=float)
    if e.ndim != 1 or len(e) < 2 or not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
        raise ValueError(
            f"Detector.{calo}_eta_edges must be at least two finite, strictly increasing "
            f"edges, got {edges!r}."
        )
    if len(bins) != len(e) - 1 or any(
        isinstance(b, bool) or not isinstance(b, numbers.Integral) or b < 1 for b in bins
    ):
        raise ValueError(
            f"Detector.{calo}_phi_bins must hold one positive integer per ring "
            f"({len(e) - 1} for {len(e)} edges), got {len(bins)} values."
        )


def resolve_detector(detector) -> Detector | None:
    """``None`` or ``"hadron"`` -> None; a preset name -> its Detector; a Detector as is."""
    if detector is None or (isinstance(detector, str) and detector == "hadron"):
        return None
    if isinstance(detector, str):
        if detector not in ("atlas", "cms"):
            raise ValueError(
                f"detector={detector!r} is unknown; use 'hadron' (no detector), 'atlas', 'cms' "
                "or a skjet.datasets.Detector."
            )
        return Detector.preset(detector)
    if isinstance(detector, Detector):
        return detector
    raise ValueError(
        f"detector must be 'hadron', 'atlas', 'cms', None or a skjet.datasets.Detector, got "
        f"{type(detector).__name__}."
    )


def detector_rng(seed: int) -> np.random.Generator:
    """The detector's random stream of one generator chunk, derived from its Pythia seed."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(0xDE7EC7,)))


# --- simulation ---------------------------------------------------------------------------


def _piecewise(rows, abs_eta, pt, column: int) -> np.ndarray:
    out = np.zeros(len(abs_eta))
    for row in rows:
        inside = (abs_eta >= row[0]) & (abs_eta < row[1]) & (pt > row[2]) & (pt <= row[3])
        out[inside] = row[column]
    return out


def _track_resolution(rows, abs_eta, pt) -> np.ndarray:
    a, b = _piecewise(rows, abs_eta, pt, 4), _piecewise(rows, abs_eta, pt, 5)
    return np.sqrt(a * a + (b * pt) ** 2)


def _calo_resolution(rows, abs_eta, energy) -> np.ndarray:
    out = np.zeros(len(abs_eta))
    for lo, hi, a, b, c, k0, k2, eta0 in rows:
        inside = (abs_eta >= lo) & (abs_eta < hi)
        e = energy[inside]
        shape = k0 + k2 * (abs_eta[inside] - eta0) ** 2
        out[inside] = shape * np.sqrt((a * e) ** 2 + b * b * e + c * c)
    return out


def _log_normal(rng: np.random.Generator, mean: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Log-normal values of the given mean and standard deviation (mean where sigma = 0).

    Delphes smears energies and momenta this way: the result is never negative.
    """
    mean = np.asarray(mean, dtype=float)
    normal = rng.standard_normal(len(mean))
    with np.errstate(divide="ignore", invalid="ignore"):
        b2 = np.log1p((sigma / mean) ** 2)
        out = mean * np.exp(np.sqrt(b2) * normal - 0.5 * b2)
    return np.where((mean > 0) & (sigma > 0), out, mean)


def propagate(detector: Detector, pt, pz, eta, phi, charge):
    """Pseudorapidity and azimuth where each particle reaches the calorimeters.

    A charged particle follows a helix from the origin in the field ``bz`` until it
    crosses the barrel (radius ``radius``) or an endcap (``|z| = half_length``), whichever
    comes first; neutral particles fly straight. Returns ``(eta, phi, reaches)``;
    ``reaches`` is False for a charged particle parallel to the beam that curls up forever.
    """
    k = _C_GEV_PER_TESLA_METRE * detector.bz * np.abs(charge) / pt  # curvature, 1/m
    apz = np.abs(pz)
    with np.errstate(divide="ignore", invalid="ignore"):
        half_chord = detector.radius * k / 2
        alpha_barrel = np.where(half_chord <= 1, 2 * np.arcsin(np.minimum(half_chord, 1)), _INF)
        alpha_end = np.where(apz > 0, detector.half_length * k * pt / apz, _INF)
        barrel = alpha_barrel <= alpha_end
        alpha = np.where(barrel, alpha_barrel, alpha_end)
        reaches = np.isfinite(alpha)
        alpha = np.where(reaches, alpha, 0.0)
        curved = k > 0
        # Transverse path length to the barrel, and transverse distance at the endcap.
        arc = np.where(curved, alpha / np.where(curved, k, 1), detector.radius)
        rho_end = np.where(
            curved,
            2 * np.sin(alpha / 2) / np.where(curved, k, 1),
            detector.half_length * pt / np.where(apz > 0, apz, 1),
        )
        z_barrel = pz / pt * arc
        out_eta = np.where(
            barrel,
            np.arcsinh(z_barrel / detector.radius),
            np.arcsinh(np.sign(pz) * detector.half_length / rho_end),
        )
    # A positive particle in a field along +z turns clockwise: its azimuth decreases.
    out_phi = phi - np.sign(charge) * alpha / 2
    out_phi = (out_phi + np.pi) % (2 * np.pi) - np.pi
    out_eta = np.where(k > 0, out_eta, eta)  # straight lines: exactly the momentum's eta
    return out_eta, out_phi, reaches


def cells(edges, phi_bins, event, eta, phi, energy):
    """Sum deposits into the cells of one calorimeter, per event.

    Returns ``(index, cell_event, ring, phi_bin, cell_energy)``: ``index`` gives each
    deposit's cell (-1 outside the eta coverage, those deposit nothing), and the cells
    with at least one deposit, sorted by event, with their summed energy.
    """
    edges = np.asarray(edges, dtype=float)
    n_phi = np.asarray(phi_bins, dtype=np.int64)
    ring = np.searchsorted(edges, eta, side="right") - 1
    inside = (ring >= 0) & (ring < len(n_phi))
    ring_c = np.where(inside, ring, 0)
    n = n_phi[ring_c]
    phi_bin = np.minimum(((phi + np.pi) / (2 * np.pi) * n).astype(np.int64), n - 1)
    start = np.concatenate([[0], np.cumsum(n_phi)])
    key = event.astype(np.int64) * int(start[-1]) + start[ring_c] + phi_bin
    index = np.full(len(eta), -1, dtype=np.int64)
    keys, index_inside = np.unique(key[inside], return_inverse=True)
    index[inside] = index_inside
    cell_energy = np.bincount(index_inside, weights=energy[inside], minlength=len(keys))
    cell_event = keys // int(start[-1])
    local = keys % int(start[-1])
    cell_ring = np.searchsorted(start, local, side="right") - 1
    return index, cell_event, cell_ring, local - start[cell_ring], cell_energy


def _cell_direction(rng, detector, edges, phi_bins, ring, phi_bin):
    edges = np.asarray(edges, dtype=float)
    n = np.asarray(phi_bins, dtype=np.int64)[ring]
    width = 2 * np.pi / n
    if detector.smear_cell_center:
        u = rng.random((2, len(ring)))
    else:
        u = np.full((2, len(ring)), 0.5)
    eta = edges[ring] + u[0] * (edges[ring + 1] - edges[ring])
    phi = -np.pi + (phi_bin + u[1]) * width
    return eta, phi


def _massless(energy, eta, phi) -> np.ndarray:
    pt = energy / np.cosh(eta)
    return np.stack([energy, pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], axis=-1)


def _energy_flow(rng, detector, calo, event, eta, phi, energy, track_cell_of, track_e, track_var):
    """One calorimeter: cells, smeared energies, neutral excesses and track rescaling.

    ``track_cell_of`` is, for each track that points to this calorimeter, the deposit (row
    of ``event``/``eta``/...) of its particle. Returns the neutral objects (event, p4) and a
    rescaling factor per track.
    """
    edges, bins = getattr(detector, f"{calo}_eta_edges"), getattr(detector, f"{calo}_phi_bins")
    resolution = getattr(detector, f"{calo}_resolution")
    e_min = getattr(detector, f"{calo}_energy_min")
    s_min = getattr(detector, f"{calo}_significance_min")
    index, cell_event, ring, phi_bin, true_e = cells(edges, bins, event, eta, phi, energy)
    n_cells = len(true_e)
    edges_a = np.asarray(edges, dtype=float)
    abs_eta = np.abs(0.5 * (edges_a[ring] + edges_a[ring + 1]))
    measured = _log_normal(rng, true_e, _calo_resolution(resolution, abs_eta, true_e))
    sigma = _calo_resolution(resolution, abs_eta, measured)
    measured = np.where((measured < e_min) | (measured < s_min * sigma), 0.0, measured)

    cell_of_track = index[track_cell_of]
    tracked = cell_of_track >= 0
    trk_cells = cell_of_track[tracked]
    track_energy = np.bincount(trk_cells, weights=track_e[tracked], minlength=n_cells)
    track_variance = np.bincount(trk_cells, weights=track_var[tracked], minlength=n_cells)
    excess = np.maximum(measured - track_energy, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        significance = excess / np.sqrt(track_variance + sigma * sigma)
    significance = np.where(excess > 0, significance, 0.0)  # 0 / 0: nothing in excess
    neutral = (excess > e_min) & (significance > s_min)
    # Not significant: the cell's tracks take the resolution-weighted mean of both
    # measurements (tracks without resolution, or a cell without one, keep their own).
    with np.errstate(divide="ignore", invalid="ignore"):
        w_track = 1 / track_variance
        w_calo = 1 / (sigma * sigma)
        best = (w_track * track_energy + w_calo * measured) / (w_track + w_calo)
        factor = best / track_energy
    ok = ~neutral & (track_energy > 0) & (track_variance > 0) & np.isfinite(factor)
    factor = np.where(ok, factor, 1.0)
    track_factor = np.ones(len(track_cell_of))
    track_factor[tracked] = factor[trk_cells]

    rows = np.flatnonzero(neutral)
    n_eta, n_phi = _cell_direction(rng, detector, edges, bins, ring[rows], phi_bin[rows])
    return cell_event[rows], _massless(excess[rows], n_eta, n_phi), track_factor


def simulate(detector: Detector, rng: np.random.Generator, event, p, pdg, charge):
    """Energy-flow objects of the particles of a batch of events.

    Parameters
    ----------
    detector : Detector
    rng : numpy Generator
    event : int array (n,)
        Event of each particle, non-decreasing.
    p : float array (n, 4)
        (E, px, py, pz) of the visible final-state particles (pT > 0).
    pdg, charge : arrays (n,)
        PDG code and electric charge.

    Returns
    -------
    event : int array (m,), non-decreasing
    p : float64 array (m, 4)
    features : float32 array (m, 6), the columns of ``PARTICLE_FEATURES``
    """
    e_true, px, py, pz = p[:, 0], p[:, 1], p[:, 2], p[:, 3]
    pt = np.hypot(px, py)
    eta = np.arcsinh(pz / pt)
    phi = np.arctan2(py, px)
    abs_pdg = np.abs(pdg)
    is_muon, is_electron = abs_pdg == 13, abs_pdg == 11
    charged = charge != 0
    abs_eta = np.abs(eta)

    # Tracks: efficiency, then log-normal pT smearing; massless, same direction.
    candidates = np.flatnonzero(charged)
    c_eta, c_pt = abs_eta[candidates], pt[candidates]
    efficiency = np.where(
        is_muon[candidates],
        _piecewise(detector.muon_track_efficiency, c_eta, c_pt, 4),
        np.where(
            is_electron[candidates],
            _piecewise(detector.electron_track_efficiency, c_eta, c_pt, 4),
            _piecewise(detector.hadron_track_efficiency, c_eta, c_pt, 4),
        ),
    )
    tracks = candidates[rng.random(len(candidates)) < efficiency]
    t_eta, t_pt = abs_eta[tracks], pt[tracks]
    relative = np.where(
        is_muon[tracks],
        _track_resolution(detector.muon_track_resolution, t_eta, t_pt),
        np.where(
            is_electron[tracks],
            _track_resolution(detector.electron_track_resolution, t_eta, t_pt),
            _track_resolution(detector.hadron_track_resolution, t_eta, t_pt),
        ),
    )
    scale = _log_normal(rng, np.ones(len(tracks)), relative)
    track_p3 = p[tracks, 1:] * scale[:, None]
    track_e = np.linalg.norm(track_p3, axis=1)
    track_var = (relative * track_e) ** 2

    # Deposits: where each particle reaches the calorimeters; muons deposit nothing.
    d_eta, d_phi, reaches = propagate(detector, pt, pz, eta, phi, charge)
    electromagnetic = is_electron | (abs_pdg == 22)
    factor = np.ones(len(tracks))
    out_event, out_p, out_kind = [], [], []
    for calo, in_calo, kind in (
        ("ecal", electromagnetic, 3),
        ("hcal", ~electromagnetic & ~is_muon, 2),
    ):
        rows = np.flatnonzero(in_calo & reaches)
        where = np.full(len(p), -1, dtype=np.int64)
        where[rows] = np.arange(len(rows))
        own = where[tracks] >= 0  # tracks whose particle deposits in this calorimeter
        n_event, n_p, track_factor = _energy_flow(
            rng,
            detector,
            calo,
            event[rows],
            d_eta[rows],
            d_phi[rows],
            e_true[rows],
            where[tracks[own]],
            track_e[own],
            track_var[own],
        )
        factor[own] = track_factor
        out_event.append(n_event)
        out_p.append(n_p)
        out_kind.append(np.full(len(n_event), kind))
    track_p3 = track_p3 * factor[:, None]
    track_p = np.column_stack([np.linalg.norm(track_p3, axis=1), track_p3])
    track_kind = np.where(is_muon[tracks], 5, np.where(is_electron[tracks], 4, 1))

    all_event = np.concatenate([event[tracks], *out_event])
    all_p = np.concatenate([track_p, *out_p])
    kinds = np.concatenate([track_kind, *out_kind])
    all_charge = np.concatenate([charge[tracks], np.zeros(len(all_event) - len(tracks))])
    order = np.argsort(all_event, kind="stable")
    features = np.zeros((len(order), len(PARTICLE_FEATURES)), dtype=np.float32)
    features[:, 0] = all_charge[order]
    features[np.arange(len(order)), kinds[order]] = 1
    return all_event[order], all_p[order], features


def truth_features(pdg, charge) -> np.ndarray:
    """``PARTICLE_FEATURES`` of hadron-level particles, from their PDG code and charge."""
    abs_pdg = np.abs(pdg)
    kind = np.where(
        abs_pdg == 13,
        5,
        np.where(abs_pdg == 11, 4, np.where(abs_pdg == 22, 3, np.where(charge != 0, 1, 2))),
    )
    features = np.zeros((len(pdg), len(PARTICLE_FEATURES)), dtype=np.float32)
    features[:, 0] = charge
    features[np.arange(len(pdg)), kind] = 1
    return features


class ChargeTable:
    """Electric charge of PDG codes from Pythia's particle data, memoised per code."""

    def __init__(self, particle_data):
        self._data = particle_data
        self._codes = np.zeros(0, dtype=np.int64)
        self._charges = np.zeros(0)

    def __call__(self, pdg: np.ndarray) -> np.ndarray:
        new = np.setdiff1d(np.unique(pdg), self._codes)
        if len(new):
            codes = np.concatenate([self._codes, new])
            charges = np.concatenate([self._charges, [self._data.charge(int(c)) for c in new]])
            order = np.argsort(codes)
            self._codes, self._charges = codes[order], charges[order]
        return self._charges[np.searchsorted(self._codes, pdg)]
