"""load_jetclass on files written in the JetClass / weaver layout."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

from skjet.datasets import load_jetclass

uproot = pytest.importorskip("uproot")

CLASSES = ["QCD", "Hbb", "Hcc", "Hgg", "H4q", "Hqql", "Zqq", "Wqq", "Tbqq", "Tbl"]
PID = ["part_charge", "part_isChargedHadron", "part_isNeutralHadron", "part_isPhoton",
       "part_isElectron", "part_isMuon"]
TRACKS = ["part_d0val", "part_d0err", "part_dzval", "part_dzerr"]


def _write(path, n_jets=6, seed=0, classes=CLASSES, labels=None, drop=()):
    """A JetClass-like tree: particles in random pT order, one-hot labels, observers."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 9, n_jets)
    pt = rng.exponential(50, counts.sum()) + 1
    eta, phi = rng.normal(0, 0.3, counts.sum()), rng.normal(0, 0.3, counts.sum())
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    energy = np.sqrt(px**2 + py**2 + pz**2)
    flat = {"part_px": px, "part_py": py, "part_pz": pz, "part_energy": energy,
            "part_deta": eta, "part_dphi": phi}
    for i, name in enumerate(PID + TRACKS):
        flat[name] = rng.integers(0, 2, counts.sum()).astype(np.float32) + 10 * i
    branches = {k: ak.unflatten(v, counts) for k, v in flat.items() if k not in drop}
    labels = rng.integers(0, len(classes), n_jets) if labels is None else np.asarray(labels)
    for i, c in enumerate(classes):
        branches[f"label_{c}"] = (labels == i).astype(bool)
    branches["jet_pt"] = rng.normal(600, 50, n_jets)
    branches["jet_sdmass"] = rng.normal(100, 30, n_jets)
    with uproot.recreate(path) as f:
        f["tree"] = branches
    return branches, labels


def test_reads_constituents_labels_and_observers(tmp_path):
    path = tmp_path / "jets.root"
    branches, labels = _write(path)
    data = load_jetclass(path, features="full", max_constituents=10)
    assert data.constituents.shape == (6, 10, 14) and data.constituents.dtype == np.float32
    assert data.feature_names[:5] == ["E", "PX", "PY", "PZ", "charge"]
    assert data.feature_names[-4:] == ["d0val", "d0err", "dzval", "dzerr"]
    assert data.target.tolist() == [CLASSES[i] for i in labels]
    assert data.target_names.tolist() == CLASSES
    assert data.jets.columns.tolist() == ["jet_pt", "jet_sdmass"]
    np.testing.assert_allclose(data.jets["jet_pt"], branches["jet_pt"])
    for jet in range(6):
        n = len(branches["part_px"][jet])
        order = np.argsort(-np.hypot(branches["part_px"][jet], branches["part_py"][jet]),
                           kind="stable")
        stored = np.column_stack([np.asarray(branches[b][jet]) for b in
                                  ["part_energy", "part_px", "part_py", "part_pz", *PID,
                                   *TRACKS]])
        np.testing.assert_allclose(data.constituents[jet, :n], stored[order], rtol=1e-6)
        assert not data.constituents[jet, n:].any()
    pt = np.hypot(data.constituents[..., 1], data.constituents[..., 2])
    assert (np.diff(pt, axis=1) <= 0).all()  # hardest first, padding last
    kin = load_jetclass(path)
    assert kin.constituents.shape == (6, 128, 4) and kin.feature_names == ["E", "PX", "PY", "PZ"]
    np.testing.assert_array_equal(kin.constituents[:, :10], data.constituents[..., :4])
    pid = load_jetclass(path, features="kinpid", max_constituents=None)
    assert pid.constituents.shape[2] == 10 and pid.constituents.shape[1] == max(
        len(j) for j in branches["part_px"])


def test_several_files_are_concatenated(tmp_path):
    a, b = tmp_path / "a.root", tmp_path / "b.root"
    _write(a, labels=[8, 8, 8, 8, 8, 8])
    _write(b, seed=1, labels=[0, 0, 0, 0, 0, 0])
    data = load_jetclass([a, b], max_constituents=8, entry_stop=4)
    assert data.target.tolist() == ["Tbqq"] * 4 + ["QCD"] * 4 and len(data.jets) == 8
    assert data.filenames == [str(a), str(b)]


def test_bad_files_are_refused_with_what_is_wrong(tmp_path):
    path = tmp_path / "jets.root"
    _write(path, drop=("part_isMuon",))
    assert load_jetclass(path).constituents.shape[2] == 4  # kin needs no PID
    with pytest.raises(KeyError, match="part_isMuon"):
        load_jetclass(path, features="kinpid")
    with pytest.raises(ValueError, match="features must be one of"):
        load_jetclass(path, features="pid")
    with pytest.raises(ValueError, match="features must be one of"):
        load_jetclass(path, features=["charge", "pdgId"])
    twice = tmp_path / "twice.root"
    branches, _ = _write(tmp_path / "x.root", classes=["QCD", "Tbqq"], labels=[0, 1, 0, 1, 0, 1])
    branches["label_Tbqq"] = np.ones(6, dtype=bool)  # jets 0, 2, 4 have two labels
    with uproot.recreate(twice) as f:
        f["tree"] = branches
    with pytest.raises(ValueError, match=r"not one-hot in 3 jets \(entries \[0, 2, 4\]"):
        load_jetclass(twice)
    with pytest.raises(ValueError, match="label branches .* differ"):
        load_jetclass([path, tmp_path / "x.root"])
    with pytest.raises(KeyError, match="no tree 'Events'"):
        load_jetclass(path, tree="Events")
