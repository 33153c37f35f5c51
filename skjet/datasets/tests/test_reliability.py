"""Files that cannot be read in full, values that cannot be stored, and streaming that fails
part-way: each reader and writer names the problem (skjet.datasets._files)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import SGDClassifier

from skjet.datasets import (
    iter_top_tagging,
    load_hls4ml,
    load_root,
    load_top_tagging,
    partial_fit_top_tagging,
    save_top_tagging,
    transform_top_tagging,
)
from skjet.datasets._hls4ml import FEATURE_NAMES
from skjet.features import JetKinematics, JetMass


def _jets(n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.zeros((n, 5, 4), dtype=np.float32)
    pt = rng.uniform(10, 50, (n, 5))
    X[..., 1], X[..., 2] = pt, rng.normal(size=(n, 5))
    X[..., 0] = 1.1 * pt + np.abs(X[..., 2])
    return X, np.arange(n) % 2


@pytest.fixture(scope="module")
def h5_files(tmp_path_factory):
    """A valid file (uncompressed and compressed), cut in half, and with damaged bytes."""
    root = tmp_path_factory.mktemp("h5")
    X, y = _jets(400)
    files = {}
    for level in (0, 5):
        path = root / f"valid{level}.h5"
        save_top_tagging(path, X, y, complevel=level, chunk_size=100)
        data = path.read_bytes()
        files[f"valid{level}"] = path
        files[f"half{level}"] = root / f"half{level}.h5"
        files[f"half{level}"].write_bytes(data[: len(data) // 2])
    data = bytearray(files["valid5"].read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4000] = b"\x07" * 4000  # inside the compressed chunks
    files["damaged"] = root / "damaged.h5"
    files["damaged"].write_bytes(bytes(data))
    return files


READERS = {
    "load_top_tagging": lambda path: load_top_tagging(path),
    "iter_top_tagging": lambda path: list(iter_top_tagging(path, chunk_size=100)),
    "transform_top_tagging": lambda path: transform_top_tagging(path, JetMass(), chunk_size=100),
    "partial_fit_top_tagging": lambda path: partial_fit_top_tagging(
        SGDClassifier(), path, JetMass(), chunk_size=100
    ),
}


@pytest.mark.parametrize("reader", READERS.values(), ids=READERS.keys())
@pytest.mark.parametrize("which", ["half0", "half5", "damaged"])
def test_truncated_or_damaged_hdf5_is_named(reader, which, h5_files):
    path = h5_files[which]
    with pytest.raises(OSError, match=r"is truncated or damaged.*download \(or copy\) it again") as err:
        reader(path)
    assert str(path) in str(err.value)
    assert "back trace" not in str(err.value) and "\n" not in str(err.value)


def test_valid_files_still_read(h5_files):
    for level in (0, 5):
        assert load_top_tagging(h5_files[f"valid{level}"]).constituents.shape == (400, 200, 4)


@pytest.fixture(scope="module")
def root_files(tmp_path_factory):
    uproot = pytest.importorskip("uproot")
    root = tmp_path_factory.mktemp("root")
    path = root / "valid.root"
    rng = np.random.default_rng(0)
    with uproot.recreate(path) as f:
        f["Events"] = {"x": rng.normal(size=20_000), "y": rng.normal(size=20_000)}
    data = path.read_bytes()
    half = root / "half.root"
    half.write_bytes(data[: len(data) // 2])
    damaged = bytearray(data)
    damaged[len(data) // 3 : len(data) // 3 + 2000] = b"\x00" * 2000
    (root / "damaged.root").write_bytes(bytes(damaged))
    return {"valid": path, "half": half, "damaged": root / "damaged.root"}


@pytest.mark.parametrize("which", ["half", "damaged"])
def test_truncated_or_damaged_root_is_named(which, root_files):
    with pytest.raises(OSError, match=r"is truncated or damaged: the ROOT reader") as err:
        load_root(root_files[which], "Events")
    assert str(root_files[which]) in str(err.value)
    assert len(load_root(root_files["valid"], "Events").frame) == 20_000


def test_truncated_gzip_table_is_named(tmp_path):
    table = pd.DataFrame(np.ones((2000, 16)), columns=FEATURE_NAMES)
    table["jet_type"] = "g"
    path = tmp_path / "jets.csv.gz"
    table.to_csv(path, index=False)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(OSError, match="jets.csv.gz is truncated or damaged"):
        load_hls4ml(path)


@pytest.mark.parametrize("dtype", [np.int32, "int64", bool, "U5"])
def test_load_hls4ml_refuses_non_float_dtypes(dtype, tmp_path):
    path = tmp_path / "jets.csv"
    table = pd.DataFrame(np.full((2, 16), 0.5), columns=FEATURE_NAMES)
    table["jet_type"] = ["g", "q"]
    table.to_csv(path, index=False)
    with pytest.raises(ValueError, match="dtype must be a float dtype"):
        load_hls4ml(path, dtype=dtype)
    assert load_hls4ml(path, dtype=np.float32).data.to_numpy().tolist() == [[0.5] * 16] * 2


@pytest.mark.parametrize("where", ["X", "truth"])
def test_save_top_tagging_refuses_float32_overflow_before_writing(where, tmp_path):
    X, y = _jets(4)
    X = X.astype(np.float64)
    truth = np.zeros((4, 4))
    if where == "X":
        X[2, 0, 0] = 1e39
    else:
        truth[2, 0] = -1e39
    path = tmp_path / "jets.h5"
    with pytest.raises(ValueError, match=f"save_top_tagging: {where} has 1 value.*overflow float32"):
        save_top_tagging(path, X, y, truth=truth)
    assert not path.exists()  # nothing written


@pytest.mark.parametrize(
    "make", [lambda: SGDClassifier(random_state=0), lambda: _mlp()], ids=["SGD", "MLP"]
)
@pytest.mark.parametrize("damage", ["nan", "unphysical"])
def test_partial_fit_failing_chunk_restores_the_estimator(make, damage, tmp_path):
    X, y = _jets(60)
    good, bad = tmp_path / "good.h5", tmp_path / "bad.h5"
    save_top_tagging(good, X, y)
    Xb = X.copy()
    Xb[45, 2, 0] = np.nan if damage == "nan" else -5.0
    save_top_tagging(bad, Xb, y) if damage != "nan" else _save_with_nan(bad, Xb, y)
    features = JetKinematics().fit_transform(X)
    est = partial_fit_top_tagging(make(), good, JetKinematics(), chunk_size=20, shuffle=False)
    score = getattr(est, "predict_proba", None) or est.decision_function
    before = score(features)
    state = copy.deepcopy(est)
    with pytest.raises(ValueError, match=r"epoch 1 of 2, chunk 3 of 3 \(rows 40 to 59\).*restored"):
        partial_fit_top_tagging(est, bad, JetKinematics(), chunk_size=20, shuffle=False, epochs=2)
    np.testing.assert_array_equal(score(features), before)
    assert sorted(vars(est)) == sorted(vars(state))


def _mlp():
    from skjet.models import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=(8,), max_epochs=2, random_state=0)


def _save_with_nan(path, X, y):
    """save_top_tagging refuses NaN; write the frame with pandas, as another tool would."""
    from skjet.datasets._top_tagging import top_tagging_columns

    flat = np.zeros((len(X), 804), dtype=np.float32)
    flat[:, : X.shape[1] * 4] = X.reshape(len(X), -1)
    frame = pd.DataFrame(flat, columns=top_tagging_columns()[:804])
    frame["ttv"] = np.zeros(len(X), dtype=np.int64)
    frame["is_signal_new"] = np.asarray(y, dtype=np.int64)
    frame.to_hdf(path, key="table", format="fixed", mode="w")


# -- the PFNano reader checks its index table, wraps truncation, and refuses empty selections --
@pytest.fixture(scope="module")
def pfnano_files(tmp_path_factory):
    from skjet.datasets._pfnano import _write_pfnano
    from skjet.utils.estimator_checks import make_constituents

    root = tmp_path_factory.mktemp("pfnano")
    X, _ = make_constituents(n_jets=200, n_slots=12)
    files = {"valid": _write_pfnano(root / "valid.root", X[:-1], jets_per_event=2)}
    data = files["valid"].read_bytes()
    files["half"] = root / "half.root"
    files["half"].write_bytes(data[: len(data) // 2])
    return files


def _pfnano_readers():
    from skjet.datasets import iter_pfnano, load_pfnano, partial_fit_pfnano

    return {
        "load_pfnano": lambda path: load_pfnano({path: "top"}),
        "iter_pfnano": lambda path: list(iter_pfnano({path: "top"}, chunk_size=20)),
        "partial_fit_pfnano": lambda path: partial_fit_pfnano(
            SGDClassifier(), {path: "top"}, JetMass(), chunk_size=20
        ),
    }


@pytest.mark.parametrize("reader", ["load_pfnano", "iter_pfnano", "partial_fit_pfnano"])
def test_truncated_pfnano_is_named(reader, pfnano_files):
    path = pfnano_files["half"]
    with pytest.raises(OSError, match=r"is truncated or damaged: the ROOT reader.*again") as err:
        _pfnano_readers()[reader](path)
    assert str(path) in str(err.value)


def test_skjet_compare_names_a_truncated_root_file(pfnano_files, capsys):
    from skjet.__main__ import main

    path = str(pfnano_files["half"])
    assert main(["compare", path, path, "--labels", "top", "qcd", "--quick"]) == 1
    assert f"{path} is truncated or damaged: the ROOT reader" in capsys.readouterr().err


def _write_events(path, mass=((0.0, 0.0), (0.0,)), jet_idx=((0, 0), (0,)),
                  cand_idx=((0, 1), (0,))):
    """Two events: jet 0 of entry 0 with candidates of pT 3 and 4, jet 0 of entry 1 with one."""
    import awkward as ak
    import uproot

    events = {
        "FatJet": ak.zip({"pt": [[7.0], [2.0]], "eta": [[0.0], [0.0]]}),
        "PFCands": ak.zip({"pt": [[3.0, 4.0], [2.0]], "eta": [[0.0, 0.0], [0.0]],
                           "phi": [[0.0, 0.0], [0.0]], "mass": [list(m) for m in mass]}),
        "FatJetPFCands": ak.zip({"jetIdx": [list(j) for j in jet_idx],
                                 "pFCandsIdx": [list(c) for c in cand_idx]}),
    }
    with uproot.recreate(path) as f:
        f.mktree("Events", {k: v.type.content for k, v in events.items()})
        f["Events"].extend(events)
    return path


def test_pfnano_candidate_linked_twice_to_a_jet_is_refused(tmp_path):
    from skjet.datasets import load_pfnano

    # entry 1: candidate 0 listed twice for jet 0
    path = _write_events(tmp_path / "twice.root", jet_idx=((0, 0), (0, 0)),
                         cand_idx=((0, 1), (0, 0)))
    with pytest.raises(ValueError, match=r"links a candidate to the same jet more than once \(1 "
                       r"repeated link.*first: entry 1, candidate 0 of jet 0\)"):
        load_pfnano(path)
    # The first entry alone is consistent and reads as before.
    assert load_pfnano(path, entry_stop=1).constituents[0, :2, 0].tolist() == [4.0, 3.0]


def test_partial_fit_pfnano_selection_keeping_no_jet_is_refused(pfnano_files):
    from skjet.datasets import partial_fit_pfnano

    clf = SGDClassifier()
    with pytest.raises(ValueError, match=r"partial_fit_pfnano: the selection pt_range=\(200000.0, "
                       r"1000000.0\), abs_eta_max=None keeps none of the 199 FatJet jets.*pt "
                       r"spans \[.*\].*in MeV while the file stores GeV\? Nothing was trained"):
        partial_fit_pfnano(clf, {pfnano_files["valid"]: "top"}, JetMass(), chunk_size=20,
                           pt_range=(200e3, 1e6), classes=["qcd", "top"], epochs=3)
    assert not hasattr(clf, "coef_")
    # A selection that keeps jets trains as before.
    partial_fit_pfnano(clf, {pfnano_files["valid"]: "top"}, JetMass(), chunk_size=20,
                       pt_range=(1.0, 1e6), classes=["qcd", "top"])
    assert hasattr(clf, "coef_")


def test_pfnano_unphysical_candidate_is_named_by_entry_jet_and_candidate(tmp_path):
    from skjet.datasets import load_pfnano

    path = _write_events(tmp_path / "mass.root", mass=((0.0, -2.0), (0.0,)))
    with pytest.raises(ValueError, match=r"mass.root:Events: candidates: 1 real constituent\(s\) "
                       r"have a negative mass beyond rounding.*first: entry 0, FatJet jet 0, "
                       r"candidate 1 = \[4.0, 0.0, 0.0, -2.0\]"):
        load_pfnano(path)


def test_pfnano_allow_nan_converts_nan_candidates_as_they_are(tmp_path):
    from skjet.datasets import load_pfnano

    path = _write_events(tmp_path / "nan.root", mass=((0.0, np.nan), (0.0,)))
    with pytest.raises(ValueError, match="PFCands_mass.*NaN.*allow_nan=True"):
        load_pfnano(path)
    X = load_pfnano(path, allow_nan=True, max_constituents=3).constituents
    # pT 4 with NaN mass: NaN energy, the momentum as it is; nothing dropped
    assert np.isnan(X[0, 0, 0]) and X[0, 0, 1:].tolist() == [4.0, 0.0, 0.0]
    assert X[0, 1].tolist() == [3.0, 3.0, 0.0, 0.0] and X[1, 0].tolist() == [2.0, 2.0, 0.0, 0.0]
