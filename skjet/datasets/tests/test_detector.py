"""Tests of the parametrised detector of generate_jets (synthetic particles; small samples)."""

from __future__ import annotations

import dataclasses
import importlib.util
import math

import numpy as np
import pytest

from skjet.datasets import PARTICLE_FEATURES, Detector, _detector, _generate, generate_jets

HAVE_GENERATOR = all(importlib.util.find_spec(m) for m in ("pythia8mc", "fastjet"))
needs_generator = pytest.mark.skipif(
    not HAVE_GENERATOR, reason="pythia8mc and fastjet (skjet[generate]) not installed"
)

# PDG code -> charge of the particles the synthetic events are made of.
_SPECIES = {211: 1.0, -211: -1.0, 321: 1.0, 2112: 0.0, 130: 0.0, 22: 0.0, 11: -1.0, -13: 1.0}


def _particles(n_events=30, per_event=60, seed=0, eta_max=2.8):
    """Synthetic visible final states: (event, p, pdg, charge), events non-decreasing."""
    rng = np.random.default_rng(seed)
    n = n_events * per_event
    event = np.repeat(np.arange(n_events), per_event)
    pdg = rng.choice(list(_SPECIES), size=n)
    charge = np.array([_SPECIES[c] for c in pdg])
    pt = rng.exponential(8.0, size=n) + 0.05
    eta = rng.uniform(-eta_max, eta_max, size=n)
    phi = rng.uniform(-np.pi, np.pi, size=n)
    masses = {
        211: 0.1396,
        321: 0.4937,
        2112: 0.9396,
        130: 0.4976,
        22: 0.0,
        11: 0.000511,
        13: 0.1057,
    }
    m = np.array([masses[abs(c)] for c in pdg])
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    e = np.sqrt(px**2 + py**2 + pz**2 + m**2)
    return event, np.column_stack([e, px, py, pz]), pdg, charge


def _ideal(detector: Detector, **changes) -> Detector:
    """The same cells, without any resolution (and the changes given)."""
    no_track = tuple((*r[:4], 0.0, 0.0) for r in detector.hadron_track_resolution)
    no_calo = tuple((*r[:2], 0.0, 0.0, 0.0, *r[5:]) for r in detector.ecal_resolution)
    no_hcal = tuple((*r[:2], 0.0, 0.0, 0.0, *r[5:]) for r in detector.hcal_resolution)
    return dataclasses.replace(
        detector,
        hadron_track_resolution=no_track,
        electron_track_resolution=tuple(
            (*r[:4], 0.0, 0.0) for r in detector.electron_track_resolution
        ),
        muon_track_resolution=tuple((*r[:4], 0.0, 0.0) for r in detector.muon_track_resolution),
        ecal_resolution=no_calo,
        hcal_resolution=no_hcal,
        **changes,
    )


def _per_event(event, values, n_events):
    return np.bincount(event, weights=values, minlength=n_events)


# --- the Detector description -------------------------------------------------------------


def test_presets_hold_the_cards_values():
    atlas, cms = Detector.preset("atlas"), Detector.preset("cms")
    assert atlas == Detector()
    assert (atlas.bz, atlas.radius, atlas.half_length) == (2.0, 1.15, 3.51)
    assert (cms.bz, cms.radius, cms.half_length) == (3.8, 1.29, 3.0)
    # ATLAS: 0.1 x 10 degree towers in the central region for both calorimeters.
    ring = np.searchsorted(atlas.hcal_eta_edges, 0.05) - 1
    assert atlas.hcal_eta_edges[ring + 1] - atlas.hcal_eta_edges[ring] == pytest.approx(0.1)
    assert atlas.hcal_phi_bins[ring] == 36 and atlas.ecal_phi_bins[ring] == 36
    # CMS: ECAL 0.0174 x 1 degree, HCAL 0.087 x 5 degrees in the barrel.
    ring = np.searchsorted(cms.ecal_eta_edges, 0.01) - 1
    assert cms.ecal_eta_edges[ring + 1] - cms.ecal_eta_edges[ring] == pytest.approx(0.0174)
    assert cms.ecal_phi_bins[ring] == 360
    ring = np.searchsorted(cms.hcal_eta_edges, 0.01) - 1
    assert cms.hcal_eta_edges[ring + 1] - cms.hcal_eta_edges[ring] == pytest.approx(0.087)
    assert cms.hcal_phi_bins[ring] == 72
    assert (cms.ecal_significance_min, atlas.ecal_significance_min) == (2.0, 1.0)
    # JSON-able, inf included, and the grids stay out of the repr.
    import json

    settings = json.loads(json.dumps(atlas.to_dict()))
    assert settings["hadron_track_efficiency"][1][3] == "inf"
    assert "ecal_eta_edges" not in repr(atlas) and "bz=2.0" in repr(atlas)


@pytest.mark.parametrize(
    "changes, match",
    [
        (dict(bz=-1.0), r"Detector.bz must be non-negative"),
        (dict(radius=0.0), r"Detector.radius must be positive"),
        (dict(half_length=math.nan), r"Detector.half_length must be a finite number"),
        (dict(name=""), r"Detector.name must be a non-empty string"),
        (dict(ecal_energy_min=-0.5), r"Detector.ecal_energy_min must be >= 0 GeV"),
        (dict(hcal_significance_min=-1), r"Detector.hcal_significance_min must be >= 0"),
        (dict(hadron_track_efficiency=((0, 2.5, 0.1, math.inf, 1.2),)), r"efficiency in \[0, 1\]"),
        (dict(muon_track_efficiency=((2.5, 1.5, 0.1, 1.0, 0.9),)), r"0 <= low < high"),
        (dict(electron_track_resolution=((0, 2.5, 0.1, 1.0, 0.01),)), r"must have 6 numbers"),
        (dict(hcal_resolution=()), r"hcal_resolution must be a non-empty tuple"),
        (dict(ecal_eta_edges=(0.0, 1.0, 0.5)), r"ecal_eta_edges must be .* strictly increasing"),
        (dict(hcal_phi_bins=(36,)), r"hcal_phi_bins must hold one positive integer per ring"),
        (dict(smear_cell_center="yes"), r"smear_cell_center must be True or False"),
    ],
)
def test_bad_parameters_are_named(changes, match):
    with pytest.raises(ValueError, match=match):
        dataclasses.replace(Detector(), **changes)


def test_bad_detector_arguments(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="Unknown detector preset 'lhcb'"):
        Detector.preset("lhcb")
    monkeypatch.setenv("SKJET_DATA_HOME", str(tmp_path))
    with pytest.raises(ValueError, match=r"detector='delphes' is unknown; use 'hadron'"):
        generate_jets(n_jets=1, detector="delphes", progress=False)
    with pytest.raises(ValueError, match="detector must be .* got dict"):
        generate_jets(n_jets=1, detector={"bz": 2}, progress=False)
    with pytest.raises(ValueError, match=r"'particle_id' parameter of generate_jets must be an "
                       r"instance of 'bool'.* Got 'yes' instead"):
        generate_jets(n_jets=1, particle_id="yes", progress=False)


# --- physics of the simulation ------------------------------------------------------------


def test_cell_energies_sum_to_the_deposits():
    event, p, _, _ = _particles(n_events=12, eta_max=3.5)
    eta = np.arcsinh(p[:, 3] / np.hypot(p[:, 1], p[:, 2]))
    phi = np.arctan2(p[:, 2], p[:, 1])
    det = Detector.preset("cms")
    index, cell_event, ring, phi_bin, energy = _detector.cells(
        det.ecal_eta_edges, det.ecal_phi_bins, event, eta, phi, p[:, 0]
    )
    inside = index >= 0
    assert inside.all()  # the ECAL reaches |eta| = 5
    np.testing.assert_allclose(
        _per_event(cell_event, energy, 12), _per_event(event, p[:, 0], 12), rtol=1e-12
    )
    np.testing.assert_allclose(np.bincount(index, weights=p[:, 0]), energy, rtol=1e-12)
    # Each deposit lies inside its cell, which belongs to its event.
    edges = np.asarray(det.ecal_eta_edges)
    n_phi = np.asarray(det.ecal_phi_bins)[ring[index]]
    assert np.all(edges[ring[index]] <= eta) and np.all(eta < edges[ring[index] + 1])
    low = -np.pi + phi_bin[index] * 2 * np.pi / n_phi
    assert np.all(low <= phi + 1e-12) and np.all(phi < low + 2 * np.pi / n_phi + 1e-12)
    np.testing.assert_array_equal(cell_event[index], event)
    # Deposits outside the coverage go to no cell.
    index, *_, energy = _detector.cells((-1.0, 1.0), (36,), event, eta, phi, p[:, 0])
    assert np.all((index >= 0) == (np.abs(eta) < 1.0))
    assert energy.sum() == pytest.approx(p[np.abs(eta) < 1.0, 0].sum())


@pytest.mark.parametrize("preset", ["atlas", "cms"])
def test_no_energy_is_created(preset):
    event, p, pdg, charge = _particles()
    n = event.max() + 1
    visible = _per_event(event, p[:, 0], n)
    # Without resolutions, thresholds and inefficiency only ever remove energy.
    ideal = _ideal(Detector.preset(preset))
    out_event, out_p, _ = _detector.simulate(ideal, np.random.default_rng(1), event, p, pdg, charge)
    assert np.all(_per_event(out_event, out_p[:, 0], n) <= visible * (1 + 1e-12))
    # Without thresholds, field and inefficiency, energy flow keeps all of it: tracks are
    # massless (E = |p|) and their particles' mass energy stays in the cells, except for
    # muons, which leave no deposit.
    full = tuple((*r[:4], 1.0) for r in ideal.hadron_track_efficiency)
    lossless = dataclasses.replace(
        ideal,
        bz=0.0,
        ecal_energy_min=0.0,
        hcal_energy_min=0.0,
        ecal_significance_min=0.0,
        hcal_significance_min=0.0,
        hadron_track_efficiency=full,
    )
    out_event, out_p, features = _detector.simulate(
        lossless, np.random.default_rng(1), event, p, pdg, charge
    )
    muon = np.abs(pdg) == 13
    tracked_muon = muon & (np.abs(np.arcsinh(p[:, 3] / np.hypot(p[:, 1], p[:, 2]))) < 2.5)
    expected = visible - _per_event(event, np.where(muon, p[:, 0], 0.0), n)
    # Muon tracks: efficiency below 1 in the cards, so count only those reconstructed.
    muon_out = features[:, PARTICLE_FEATURES.index("is_muon")] == 1
    expected += _per_event(out_event[muon_out], out_p[muon_out, 0], n)
    assert tracked_muon.sum() >= muon_out.sum()
    np.testing.assert_allclose(_per_event(out_event, out_p[:, 0], n), expected, rtol=1e-9)


def test_tracks_keep_their_direction_and_charge():
    event, p, pdg, charge = _particles()
    out_event, out_p, features = _detector.simulate(
        Detector(), np.random.default_rng(2), event, p, pdg, charge
    )
    tracks = features[:, 0] != 0
    assert 0.5 * (charge != 0).sum() < tracks.sum() <= (charge != 0).sum()
    unit_in = p[:, 1:] / np.linalg.norm(p[:, 1:], axis=1, keepdims=True)
    for k in np.flatnonzero(tracks):
        same_event = np.flatnonzero(event == out_event[k])
        direction = out_p[k, 1:] / np.linalg.norm(out_p[k, 1:])
        best = same_event[np.argmax(unit_in[same_event] @ direction)]
        assert unit_in[best] @ direction == pytest.approx(1.0, abs=1e-12)
        assert charge[best] == features[k, 0]
        # Massless, with a resolution of a few per cent at most.
        assert out_p[k, 0] == pytest.approx(np.linalg.norm(out_p[k, 1:]), rel=1e-12)
        assert out_p[k, 0] == pytest.approx(np.linalg.norm(p[best, 1:]), rel=0.5)
    # One-hot identification: exactly one flag per object; only tracks are charged.
    flags = features[:, 1:]
    np.testing.assert_array_equal(flags.sum(axis=1), 1)
    neutral = (
        flags[:, PARTICLE_FEATURES.index("is_photon") - 1]
        + flags[:, PARTICLE_FEATURES.index("is_neutral_hadron") - 1]
    )
    np.testing.assert_array_equal(neutral == 1, ~tracks)
    assert np.all(np.diff(out_event) >= 0)


def test_calorimeter_merges_neutral_particles():
    # Two photons in the same 0.1 x 10 degree ATLAS tower become one object; in the CMS
    # ECAL (0.0174 x 1 degree) they stay apart.
    eta = np.array([0.52, 0.58])
    phi = np.array([0.61, 0.66])
    e = np.array([20.0, 30.0])
    p = np.column_stack(
        [e, e / np.cosh(eta) * np.cos(phi), e / np.cosh(eta) * np.sin(phi), e * np.tanh(eta)]
    )
    args = (np.zeros(2, dtype=int), p, np.array([22, 22]), np.zeros(2))
    _, atlas, _ = _detector.simulate(_ideal(Detector()), np.random.default_rng(0), *args)
    _, cms, _ = _detector.simulate(_ideal(Detector.preset("cms")), np.random.default_rng(0), *args)
    assert len(atlas) == 1 and atlas[0, 0] == pytest.approx(50.0)
    assert len(cms) == 2 and cms[:, 0].sum() == pytest.approx(50.0)


def test_propagation_in_the_field():
    det = Detector()
    pt = np.array([100.0, 100.0, 2.0, 2.0, 100.0, 0.2])
    eta = np.array([0.3, 0.3, 0.3, 0.3, 0.3, 0.1])
    phi = np.zeros(6)
    charge = np.array([1.0, -1.0, 1.0, -1.0, 0.0, 1.0])
    out_eta, out_phi, reaches = _detector.propagate(det, pt, pt * np.sinh(eta), eta, phi, charge)
    assert reaches.all()
    # Opposite charges bend opposite ways, softer tracks more; neutral ones fly straight.
    assert out_phi[0] == pytest.approx(-out_phi[1]) and out_phi[0] < 0
    assert abs(out_phi[2]) > 10 * abs(out_phi[0])
    # sin(dphi) = R / (2 r) with r = pT / (0.3 B): about 0.34 rad at 2 GeV in 2 T at 1.15 m.
    assert out_phi[3] == pytest.approx(np.arcsin(1.15 * 0.2998 * 2.0 / (2 * 2.0)), rel=1e-3)
    assert out_phi[4] == 0 and out_eta[4] == pytest.approx(0.3)
    assert out_eta[0] == pytest.approx(0.3, abs=1e-3)
    # 0.2 GeV in 2 T curls up inside the barrel (radius 0.33 m) and ends in an endcap.
    assert abs(out_eta[5]) > 2.5
    # No field: straight lines.
    straight = dataclasses.replace(det, bz=0.0)
    out_eta, out_phi, _ = _detector.propagate(straight, pt, pt * np.sinh(eta), eta, phi, charge)
    np.testing.assert_allclose(out_phi, 0.0)
    np.testing.assert_allclose(out_eta, eta)


def test_simulation_is_deterministic_given_the_stream():
    event, p, pdg, charge = _particles()
    det = Detector.preset("cms")
    one = _detector.simulate(det, _detector.detector_rng(5), event, p, pdg, charge)
    two = _detector.simulate(det, _detector.detector_rng(5), event, p, pdg, charge)
    other = _detector.simulate(det, _detector.detector_rng(6), event, p, pdg, charge)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(one[1]) != len(other[1]) or not np.array_equal(one[1], other[1])


def test_truth_features():
    pdg = np.array([211, -11, 13, 22, 2112, 130])
    charge = np.array([1.0, 1.0, -1.0, 0.0, 0.0, 0.0])
    features = _detector.truth_features(pdg, charge)
    np.testing.assert_array_equal(features[:, 0], charge)
    expected = [
        "is_charged_hadron",
        "is_electron",
        "is_muon",
        "is_photon",
        "is_neutral_hadron",
        "is_neutral_hadron",
    ]
    for row, name in zip(features, expected, strict=True):
        assert row[PARTICLE_FEATURES.index(name)] == 1 and row[1:].sum() == 1


# --- through generate_jets ----------------------------------------------------------------


def test_cache_key_includes_the_detector(monkeypatch, tmp_path):
    from skjet.datasets.tests.test_generate import _fake_chunk

    monkeypatch.setenv("SKJET_DATA_HOME", str(tmp_path))
    monkeypatch.setattr(_generate, "_generate_chunk", _fake_chunk)
    monkeypatch.setattr(_generate, "import_optional", lambda *a, **k: None)
    kwargs = dict(processes="qcd", n_jets=3, random_state=1, progress=False)
    for detector in (None, "atlas", "cms", dataclasses.replace(Detector(), hcal_energy_min=2.0)):
        sample = generate_jets(detector=detector, **kwargs)
        assert (sample.settings["detector"] is None) == (detector is None)
    assert generate_jets(detector="hadron", **kwargs).settings["detector"] is None
    assert len(list((tmp_path / "generated").glob("*.npz"))) == 4
    assert "detector level (atlas)" in generate_jets(detector="atlas", **kwargs).DESCR


@needs_generator
def test_detector_level_sample(tmp_path):
    kwargs = dict(n_jets=30, random_state=3, progress=False, cache=False, data_home=tmp_path)
    hadron = generate_jets(("top", "qcd"), particle_id=True, **kwargs)
    atlas = generate_jets(("top", "qcd"), detector="atlas", particle_id=True, **kwargs)
    for sample in (hadron, atlas):
        X = sample.constituents
        assert X.shape == (60, 200, 10) and X.dtype == np.float32
        assert list(sample.feature_names) == ["E", "px", "py", "pz", *PARTICLE_FEATURES]
        real = np.any(X[..., :4] != 0, axis=-1)
        np.testing.assert_array_equal(X[..., 5:].sum(axis=-1), real)  # one flag per constituent
        assert set(np.unique(X[..., 4])) <= {-1.0, 0.0, 1.0}
        assert sample.jets["pt"].between(550, 650, inclusive="left").all()
    # Cells merge neutral particles and tracks are lost: fewer constituents.
    for process in ("top", "qcd"):
        rows = hadron.target == process
        assert (
            np.median(atlas.jets["n_constituents_total"][rows])
            < np.median(hadron.jets["n_constituents_total"][rows]) - 5
        )
    # Deterministic under random_state; the default layout stays 4 channels.
    again = generate_jets(("top", "qcd"), detector="atlas", **kwargs)
    np.testing.assert_array_equal(again.constituents, atlas.constituents[..., :4])
    assert list(again.feature_names) == ["E", "px", "py", "pz"]


@needs_generator
def test_detector_level_does_not_depend_on_n_jobs(monkeypatch, tmp_path):
    monkeypatch.setattr(_generate, "_CHUNK_SIZE", 8)  # 3 chunks for the workers to share
    kwargs = dict(
        processes="qcd",
        n_jets=24,
        random_state=7,
        detector="cms",
        progress=False,
        cache=False,
        data_home=tmp_path,
    )
    serial = generate_jets(n_jobs=1, **kwargs)
    parallel = generate_jets(n_jobs=2, **kwargs)
    np.testing.assert_array_equal(serial.constituents, parallel.constituents)
    assert serial.jets.equals(parallel.jets)


def test_sample_label_names_the_detector():
    from skjet.plotting import sample_label

    settings = {"processes": ["top", "qcd"], "pythia": {}, "sqrt_s": 14000.0}
    assert "Pythia 8 particle level" in sample_label({**settings, "detector": None})
    detector = Detector.preset("cms").to_dict()
    assert "Pythia 8 + CMS-like detector" in sample_label({**settings, "detector": detector})
