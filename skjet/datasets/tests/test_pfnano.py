"""Tests of load_pfnano: jets and their candidates from PFNano-layout ROOT files."""

from __future__ import annotations

import numpy as np
import pytest

from skjet.datasets import iter_pfnano, load_pfnano, load_root, partial_fit_pfnano
from skjet.datasets.tests.test_readers import _real

awkward = pytest.importorskip("awkward")
uproot = pytest.importorskip("uproot")
ak = awkward

JET_FIELDS = ("pt", "eta", "phi", "mass", "msoftdrop", "tau1", "tau2", "tau3")


def make_events(n_events: int, seed: int, *, label_per_event: bool = True) -> dict:
    """Random physical events in the PFNano layout, as awkward record arrays.

    0-3 fat jets per event, each owning a random disjoint subset of the event's candidates
    (and some candidates in no jet); the index table lists the links in random order.
    """
    rng = np.random.default_rng(seed)
    n_jets = rng.integers(0, 4, size=n_events)
    n_jets[:3] = [0, 1, 2]  # at least one event without jets
    jets, cands, links, labels = [], [], [], []
    for e in range(n_events):
        k = n_jets[e]
        per_jet = rng.integers(0, 40, size=k)
        n_c = int(per_jet.sum()) + int(rng.integers(0, 10))
        cands.append({
            "pt": rng.exponential(5.0, n_c) + 0.5,
            "eta": rng.normal(0, 1.5, n_c),
            "phi": rng.uniform(-np.pi, np.pi, n_c),
            "mass": rng.choice([0.0, 0.000511, 0.1396], n_c),
            "charge": rng.choice([-1, 0, 1], n_c).astype(np.int32),
            "pdgId": rng.choice([22, 211, -211, 130, 11], n_c).astype(np.int32),
        })
        owner = rng.permutation(np.concatenate([np.repeat(np.arange(k), per_jet),
                                                np.full(n_c - per_jet.sum(), -1)]))
        jl, cl = np.nonzero(owner[None, :] == np.arange(k)[:, None])
        order = rng.permutation(len(jl))
        links.append({"jetIdx": jl[order].astype(np.int32), "pFCandsIdx": cl[order].astype(np.int32)})
        jets.append({
            "pt": rng.uniform(200, 900, k), "eta": rng.uniform(-2.5, 2.5, k),
            "phi": rng.uniform(-np.pi, np.pi, k), "mass": rng.uniform(20, 200, k),
            "msoftdrop": rng.uniform(0, 180, k), "tau1": rng.uniform(0.2, 0.5, k),
            "tau2": rng.uniform(0.1, 0.3, k), "tau3": rng.uniform(0.05, 0.2, k),
            "label": rng.integers(0, 2, k).astype(np.int32),
        })
        labels.append(rng.choice(["qcd", "top"]))

    def collection(rows, fields):
        return ak.zip({f: ak.Array([r[f] for r in rows]) for f in fields})

    events = {
        "FatJet": collection(jets, JET_FIELDS),
        "PFCands": collection(cands, ("pt", "eta", "phi", "mass", "charge", "pdgId")),
        "FatJetPFCands": collection(links, ("jetIdx", "pFCandsIdx")),
        "process": np.array(labels),
        "FatJet_label": ak.Array([r["label"].tolist() for r in jets]),
    }
    events["_raw"] = (jets, cands, links)
    return events


def write(path, events, tree="Events"):
    columns = {k: v for k, v in events.items() if not k.startswith("_")}
    types = {k: "string" if k == "process" else v.type.content for k, v in columns.items()}
    with uproot.recreate(path) as f:
        f.mktree(tree, types)
        f[tree].extend(columns)
    return path


def expected(events, m, extras=("charge", "pdgId"), keep=lambda jet: True):
    """The padded (E, px, py, pz, *extras) of each kept jet, computed event by event."""
    jets, cands, links = events["_raw"]
    out, n = [], []
    for jet, cand, link in zip(jets, cands, links):
        for j in range(len(jet["pt"])):
            if not keep({f: jet[f][j] for f in JET_FIELDS}):
                continue
            idx = link["pFCandsIdx"][link["jetIdx"] == j]
            pt, eta, phi, mass = (cand[f][idx] for f in ("pt", "eta", "phi", "mass"))
            px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
            e = np.sqrt(px**2 + py**2 + pz**2 + mass**2)
            rows = np.stack([e, px, py, pz, *(cand[x][idx] for x in extras)], axis=-1)
            rows = rows[np.argsort(-pt, kind="stable")][:m]
            padded = np.zeros((m, 4 + len(extras)))
            padded[: len(rows)] = rows
            out.append(padded)
            n.append(len(idx))
    return np.array(out), np.array(n)


@pytest.fixture(scope="module")
def nano(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pfnano")
    events = [make_events(40, seed) for seed in (1, 2)]
    paths = [write(folder / f"sample{i}.root", ev) for i, ev in enumerate(events)]
    return paths, events


@pytest.mark.parametrize("block", [None, 7])
def test_constituents_match_hand_computation(nano, block, monkeypatch):
    from skjet.datasets import _pfnano

    if block is not None:  # reading and converting in several blocks gives the same arrays
        monkeypatch.setattr(_pfnano, "_CONVERT_BLOCK", block)
        monkeypatch.setattr(_pfnano, "_READ_BLOCK", block)
    (path, _), (events, _) = nano
    data = load_pfnano(path, candidate_fields=("charge", "pdgId"), max_constituents=20)
    X, n = expected(events, 20)
    assert data.constituents.shape == X.shape and data.constituents.dtype == np.float32
    np.testing.assert_allclose(data.constituents, X, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(data.n_constituents, n)
    assert data.feature_names == ["E", "px", "py", "pz", "charge", "pdgId"]
    assert (n > 20).any()  # truncation of the softest is exercised
    # jet branches: one row per jet, in event order
    flat = {f: np.concatenate([j[f] for j in events["_raw"][0]]) for f in JET_FIELDS}
    assert [c for c in data.jets.columns] == [f"FatJet_{f}" for f in JET_FIELDS] + ["FatJet_label"]
    for f in JET_FIELDS:
        np.testing.assert_array_equal(data.jets[f"FatJet_{f}"], flat[f])
    n_per_event = np.array([len(j["pt"]) for j in events["_raw"][0]])
    assert data.counts == {
        "n_events": 40,
        "n_events_without_jets": int((n_per_event == 0).sum()),
        "n_jets": int(n_per_event.sum()),
        "n_jets_selected": int(n_per_event.sum()),
    }
    np.testing.assert_array_equal(data.event, np.repeat(np.arange(40), n_per_event))
    assert data.target is None and data.target_names is None


def test_selection_labels_and_files(nano):
    paths, events = nano
    data = load_pfnano(
        {paths[0]: "top", paths[1]: "qcd"}, pt_range=(300, 800), abs_eta_max=2.0,
        max_constituents=8, jet_branches=["FatJet_pt", "FatJet_msoftdrop"],
    )
    keep = lambda jet: 300 <= jet["pt"] < 800 and abs(jet["eta"]) < 2.0  # noqa: E731
    parts = [expected(ev, 8, extras=(), keep=keep) for ev in events]
    np.testing.assert_allclose(
        data.constituents, np.concatenate([p[0] for p in parts]), rtol=1e-5, atol=1e-4
    )
    sizes = [len(p[0]) for p in parts]
    assert data.target.tolist() == ["top"] * sizes[0] + ["qcd"] * sizes[1]
    assert data.target_names.tolist() == ["qcd", "top"]
    np.testing.assert_array_equal(data.file, np.repeat([0, 1], sizes))
    assert list(data.jets.columns) == ["FatJet_pt", "FatJet_msoftdrop"]
    assert ((data.jets.FatJet_pt >= 300) & (data.jets.FatJet_pt < 800)).all()
    assert data.counts["n_jets_selected"] == sum(sizes) < data.counts["n_jets"]
    X, y = load_pfnano(paths, label="process", return_X_y=True, candidates=None)
    assert X is None  # jets only
    # a per-event label branch gives every jet of the event its value
    per_event = load_pfnano(paths[0], label="process", max_constituents=4)
    np.testing.assert_array_equal(per_event.target, events[0]["process"][per_event.event])
    # a per-jet label branch
    per_jet = load_pfnano(paths[0], label="FatJet_label", max_constituents=4)
    np.testing.assert_array_equal(per_jet.target, per_jet.jets["FatJet_label"])


def test_cartesian_file_and_entry_range(tmp_path, nano):
    (_, _), (events, _) = nano
    X, _ = expected(events, 10, extras=())
    cart = {
        "Cand": ak.zip({"E": [[1.0, 5.0, 2.0]], "px": [[0.0, 3.0, 0.0]], "py": [[1.0, 0.0, 0.0]],
                        "pz": [[0.0, 4.0, 2.0]]}),
        "Jet": ak.zip({"pt": [[100.0]], "eta": [[0.0]]}),
        "Link": ak.zip({"j": [[0, 0, 0]], "c": [[2, 0, 1]]}),
    }
    path = write(tmp_path / "cart.root", cart, tree="t")
    data = load_pfnano(
        path, "t", jets="Jet", candidates="Cand", jet_index="Link_j", candidate_index="Link_c",
        coordinates="e_px_py_pz", momentum=("E", "px", "py", "pz"), max_constituents=4,
    )
    # pT-descending: (5, 3, 0, 4) with pT 3, then (1, 0, 1, 0) with pT 1, then pT 0
    np.testing.assert_allclose(
        data.constituents[0], [[5, 3, 0, 4], [1, 0, 1, 0], [2, 0, 0, 2], [0, 0, 0, 0]]
    )
    part = load_pfnano(write(tmp_path / "s.root", events), entry_start=10, entry_stop=25,
                       max_constituents=10)
    assert part.counts["n_events"] == 15 and part.event.min() >= 10 and part.event.max() < 25
    full = load_pfnano(tmp_path / "s.root", max_constituents=10)
    rows = (full.event >= 10) & (full.event < 25)
    np.testing.assert_array_equal(part.constituents, full.constituents[rows])


def test_errors(tmp_path, nano):
    paths, events = nano
    with pytest.raises(KeyError, match=r"no branch\(es\) \['FatJetPFCand_jetIdx'"):
        load_pfnano(paths[0], jet_index="FatJetPFCand_jetIdx")
    with pytest.raises(KeyError, match="no branch of the jet collection 'AK8'"):
        load_pfnano(paths[0], jets="AK8")
    with pytest.raises(ValueError, match="either as a mapping"):
        load_pfnano({paths[0]: "top"}, label="process")
    with pytest.raises(TypeError, match="mapping"):
        load_pfnano(paths[0], label=["top"])
    with pytest.raises(ValueError, match="max_constituents"):
        load_pfnano(paths[0], max_constituents=0)
    with pytest.raises(ValueError, match="pt_range"):
        load_pfnano(paths[0], pt_range=(500, 100))
    with pytest.raises(ValueError, match="coordinates="):
        load_pfnano(paths[0], coordinates="pt_eta_phi")
    bad = dict(events[0])
    bad["FatJetPFCands"] = ak.zip({"jetIdx": [[5]] * 40, "pFCandsIdx": [[0]] * 40})
    with pytest.raises(ValueError, match=r"bad.root:Events: 'FatJetPFCands_jetIdx' points outside"):
        load_pfnano(write(tmp_path / "bad.root", bad))
    nan = dict(events[0])
    nan["PFCands"] = ak.with_field(nan["PFCands"], nan["PFCands"].eta * np.nan, "eta")
    with pytest.raises(ValueError, match="nan.root:Events: branch 'PFCands_eta' holds"):
        load_pfnano(write(tmp_path / "nan.root", nan))
    with pytest.raises(ValueError, match="label branch 'PFCands_pt' must hold one value"):
        load_pfnano(paths[0], label="PFCands_pt")


def test_real_nanoaod_jets():
    path = _real("nanoAOD_2015_CMS_Open_Data_ttbar.root")
    with pytest.raises(KeyError, match="FatJetPFCands_jetIdx"):
        load_pfnano(path)  # plain NanoAOD: no candidates
    data = load_pfnano(path, candidates=None, jets="Jet", pt_range=(30, np.inf), abs_eta_max=2.4)
    ref = load_root(path, "Events", branches=["nJet", "Jet_pt", "Jet_eta", "Jet_btagDeepB"])
    pt, eta = ref.jagged["Jet_pt"], ref.jagged["Jet_eta"]
    real = np.arange(pt.shape[1])[None, :] < ref.counts["Jet_pt"][:, None]
    keep = real & (pt >= 30) & (np.abs(eta) < 2.4)
    np.testing.assert_array_equal(data.jets["Jet_pt"], pt[keep])
    np.testing.assert_array_equal(data.jets["Jet_btagDeepB"], ref.jagged["Jet_btagDeepB"][keep])
    assert data.counts == {
        "n_events": 200,
        "n_events_without_jets": int((ref.frame["nJet"] == 0).sum()),
        "n_jets": int(ref.frame["nJet"].sum()),
        "n_jets_selected": int(keep.sum()),
    }
    assert len(data.jets.columns) == 40 and data.constituents is None
    fat = load_pfnano(path, candidates=None, jet_branches=["FatJet_pt", "FatJet_tau3"])
    assert fat.counts["n_jets_selected"] == fat.counts["n_jets"] == len(fat.jets)


# ---------------------------------------------------------------- streaming


@pytest.mark.parametrize("chunk_size", [7, 40, 100])
def test_iter_chunks_equal_whole(nano, chunk_size):
    paths, _ = nano
    labels = {paths[0]: "top", paths[1]: "qcd"}
    whole = load_pfnano(labels, max_constituents=12, candidate_fields=["charge"])
    chunks = list(iter_pfnano(labels, chunk_size=chunk_size, max_constituents=12,
                              candidate_fields=["charge"]))
    assert len(chunks) >= 2 * -(-40 // chunk_size) - 1  # chunks of both files (some may be empty)
    for name in ("constituents", "target", "event", "file", "n_constituents"):
        np.testing.assert_array_equal(np.concatenate([c[name] for c in chunks]), whole[name])
    np.testing.assert_array_equal(
        np.concatenate([c.jets.to_numpy() for c in chunks]), whole.jets.to_numpy()
    )
    X, y = next(iter_pfnano(labels, chunk_size=chunk_size, return_X_y=True, max_constituents=12,
                            candidate_fields=["charge"]))
    np.testing.assert_array_equal(X, chunks[0].constituents)
    np.testing.assert_array_equal(y, chunks[0].target)


def test_partial_fit_equals_manual_loop(nano):
    from sklearn.linear_model import SGDClassifier

    from skjet.features import JetMass

    paths, _ = nano
    labels = {paths[0]: "top", paths[1]: "qcd"}
    clf = partial_fit_pfnano(
        SGDClassifier(random_state=0), labels, JetMass(), chunk_size=15, shuffle=False, epochs=2
    )
    manual = SGDClassifier(random_state=0)
    for _ in range(2):
        for X, y in iter_pfnano(labels, chunk_size=15, return_X_y=True):
            manual.partial_fit(JetMass().fit_transform(X), y, classes=["qcd", "top"])
    assert clf.classes_.tolist() == ["qcd", "top"]
    np.testing.assert_array_equal(clf.coef_, manual.coef_)
    # classes found in a per-event label branch before the first chunk
    by_branch = partial_fit_pfnano(
        SGDClassifier(random_state=0), paths, JetMass(), label="process", random_state=0
    )
    assert by_branch.classes_.tolist() == ["qcd", "top"]
    with pytest.raises(ValueError, match="training needs labels"):
        partial_fit_pfnano(SGDClassifier(), paths, JetMass())
    with pytest.raises(TypeError, match="partial_fit method"):
        partial_fit_pfnano(object(), labels)
    with pytest.raises(ValueError, match="nothing to train on"):
        partial_fit_pfnano(SGDClassifier(), labels, entry_start=100)

