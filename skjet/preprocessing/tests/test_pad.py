"""Jagged (awkward, vector, ragged-list) constituents: PadConstituents and direct input."""

import subprocess
import sys

import awkward as ak
import numpy as np
import pytest
import vector
from sklearn.pipeline import make_pipeline

from skjet.features import JetKinematics
from skjet.models import DeepSetsClassifier
from skjet.preprocessing import (
    ConstituentScaler,
    FlattenConstituents,
    PadConstituents,
    RelativeConstituents,
)
from skjet.utils import check_constituents


def _sample(n_jets=30, max_mult=12, seed=0):
    """Unsorted jagged (pt, eta, phi, m, charge, pdgId) per jet, and the last jet empty."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, max_mult + 1, n_jets)
    counts[-1] = 0
    n = counts.sum()
    cols = {
        "pt": rng.exponential(20.0, n) + 0.5,
        "eta": rng.normal(0.0, 1.0, n),
        "phi": rng.uniform(-np.pi, np.pi, n),
        "mass": rng.uniform(0.0, 0.5, n),
        "charge": rng.integers(-1, 2, n),
        "pdgId": rng.choice([22, 211, -211, 130], n),
    }
    return counts, cols


def _reference(counts, cols, width, extras=("charge", "pdgId")):
    """Per-jet numpy loop: Cartesian from the formulas, sorted by pT, truncated, padded."""
    pt, eta, phi, m = (cols[k] for k in ("pt", "eta", "phi", "mass"))
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    E = np.sqrt(px**2 + py**2 + pz**2 + m**2)
    rows = np.stack([E, px, py, pz, *(cols[e] for e in extras)], axis=1)
    out = np.zeros((len(counts), width, rows.shape[1]))
    start = 0
    for i, c in enumerate(counts):
        jet = rows[start : start + c]
        jet = jet[np.argsort(-np.hypot(jet[:, 1], jet[:, 2]), kind="stable")][:width]
        out[i, : len(jet)] = jet
        start += c
    return out, rows


def _jagged(counts, cols, names=None):
    names = names or {k: k for k in cols}
    return ak.zip({names[k]: ak.unflatten(v, counts) for k, v in cols.items() if k in names})


@pytest.fixture(scope="module")
def sample():
    return _sample()


def test_cylindrical_records_match_numpy_reference(sample):
    counts, cols = sample
    expected, _ = _reference(counts, cols, 12)
    pad = PadConstituents().fit(_jagged(counts, cols))
    out = pad.transform(_jagged(counts, cols))
    assert out.dtype == np.float32 and out.shape == (30, 12, 6)
    assert pad.coordinates_ == "pt_eta_phi_m"
    assert list(pad.feature_names_) == ["E", "PX", "PY", "PZ", "charge", "pdgId"]
    np.testing.assert_allclose(out, expected, rtol=2e-6, atol=1e-4)
    np.testing.assert_array_equal(out[-1], 0.0)  # the empty jet is all padding


@pytest.mark.parametrize(
    "names",
    [
        {"E": "E", "px": "px", "py": "py", "pz": "pz"},
        {"E": "t", "px": "x", "py": "y", "pz": "z"},
        {"E": "Energy", "px": "PX", "py": "Py", "pz": "PZ"},
        {"E": "part_energy", "px": "part_px", "py": "part_py", "pz": "part_pz"},
    ],
    ids=["E_px", "t_x", "case", "prefix"],
)
def test_cartesian_records_and_aliases(sample, names):
    counts, cols = sample
    expected, rows = _reference(counts, cols, 12)
    cart = dict(zip(("E", "px", "py", "pz"), rows[:, :4].T))
    cart.update(charge=cols["charge"], pdgId=cols["pdgId"])
    names = {**names, "charge": "charge", "pdgId": "pdgId"}
    # Field order puts an extra first: extras keep the record's order, after the momentum.
    order = ["charge", "E", "px", "py", "pz", "pdgId"]
    jets = ak.zip({names[k]: ak.unflatten(cart[k], counts) for k in order})
    pad = PadConstituents(coordinates="auto").fit(jets)
    assert pad.coordinates_ == "e_px_py_pz"
    assert list(pad.feature_names_) == ["E", "PX", "PY", "PZ", "charge", "pdgId"]
    np.testing.assert_allclose(pad.transform(jets), expected, rtol=1e-6, atol=1e-4)


def test_vector_momentum4d_and_pt_eta_phi_e(sample):
    counts, cols = sample
    expected, rows = _reference(counts, cols, 12)
    v = vector.zip({k: ak.unflatten(val, counts) for k, val in cols.items()})
    assert type(v).__name__ == "MomentumArray4D"  # stores rho, phi, eta, tau
    np.testing.assert_allclose(PadConstituents().fit_transform(v), expected, rtol=2e-6, atol=1e-4)
    # (pt, eta, phi, E) records
    with_e = {k: cols[k] for k in ("pt", "eta", "phi", "charge", "pdgId")}
    with_e["E"] = rows[:, 0]
    out = PadConstituents().fit(_jagged(counts, with_e))
    assert out.coordinates_ == "pt_eta_phi_e"
    np.testing.assert_allclose(
        out.transform(_jagged(counts, with_e)), expected, rtol=2e-6, atol=1e-4
    )


@pytest.mark.parametrize("k", [4, 6])
def test_numeric_lists_are_cartesian_with_extras(sample, k):
    counts, cols = sample
    expected, rows = _reference(counts, cols, 12)
    jets = ak.unflatten(rows[:, :k], counts)  # (n, var, k)
    pad = PadConstituents().fit(jets)
    assert list(pad.feature_names_) == ["E", "PX", "PY", "PZ", "x4", "x5"][:k]
    np.testing.assert_allclose(pad.transform(jets), expected[..., :k], rtol=1e-6, atol=1e-4)
    # a list of per-jet arrays is the same, and so is the padded array
    ragged = [rows[s : s + c, :k] for s, c in zip(np.cumsum(counts) - counts, counts)]
    np.testing.assert_allclose(pad.transform(ragged), expected[..., :k], rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(pad.transform(expected[..., :k]), expected[..., :k], rtol=1e-6)
    # numbers in (pt, eta, phi, m) need the explicit coordinates
    cyl = np.stack([cols[c] for c in ("pt", "eta", "phi", "mass")], axis=1)
    jagged_cyl = ak.unflatten(cyl.copy(), counts)
    out = PadConstituents(coordinates="pt_eta_phi_m").fit_transform(jagged_cyl)
    np.testing.assert_allclose(out, expected[..., :4], rtol=2e-6, atol=1e-4)
    # converted in a copy: the caller's buffers are untouched
    np.testing.assert_array_equal(ak.to_numpy(ak.flatten(jagged_cyl, axis=1)), cyl)


def test_truncation_keeps_the_hardest_and_padding_stays_zero(sample):
    counts, cols = sample
    jets = _jagged(counts, cols)
    out = PadConstituents(max_constituents=3).fit_transform(jets)
    full = PadConstituents(max_constituents=20).fit_transform(jets)
    assert out.shape == (30, 3, 6) and full.shape == (30, 20, 6)
    np.testing.assert_array_equal(out, full[:, :3])
    pt = np.hypot(full[..., 1], full[..., 2])
    assert (np.diff(pt, axis=1) <= 0).all()  # sorted, padding (pT 0) last
    real = np.arange(20)[None, :] < counts[:, None]
    np.testing.assert_array_equal(full[~real], 0.0)
    assert (np.abs(full[real][:, 0]) > 0).all()
    # without sorting, truncation keeps the first constituents in the input order
    first = PadConstituents(max_constituents=2, sort_by_pt=False).fit_transform(jets)
    np.testing.assert_allclose(first[0, :, 4], cols["charge"][:2])


def test_feature_names_match_flatten(sample):
    counts, cols = sample
    jets = _jagged(counts, cols)
    pad = PadConstituents(max_constituents=4).fit(jets)
    flat = FlattenConstituents(feature_names=pad.feature_names_).fit(pad.transform(jets))
    assert list(pad.get_feature_names_out()) == list(flat.get_feature_names_out())
    assert list(pad.get_feature_names_out()[:7]) == [
        "E_0", "PX_0", "PY_0", "PZ_0", "charge_0", "pdgId_0", "E_1"
    ]


def test_pipeline_and_direct_jagged_input_match_padded(sample):
    counts, cols = sample
    y = np.where(counts % 2 == 0, "top", "qcd")
    momentum = {k: cols[k] for k in ("pt", "eta", "phi", "mass")}
    jets = _jagged(counts, momentum)
    padded = PadConstituents().fit_transform(jets)

    def model():
        return DeepSetsClassifier(
            phi_sizes=(8,), f_sizes=(), max_epochs=2, early_stopping=False, random_state=0
        )

    pipe = make_pipeline(PadConstituents(), RelativeConstituents(), model()).fit(jets, y)
    ref = make_pipeline(RelativeConstituents(), model()).fit(padded, y)
    np.testing.assert_allclose(pipe.predict_proba(jets), ref.predict_proba(padded), rtol=1e-5)
    # jagged straight into the consumers, cylindrical fields converted on entry
    direct = make_pipeline(RelativeConstituents(), model()).fit(jets, y)
    np.testing.assert_allclose(direct.predict_proba(jets), ref.predict_proba(padded), rtol=1e-5)
    np.testing.assert_allclose(
        JetKinematics().fit_transform(jets), JetKinematics().fit_transform(padded), rtol=1e-6
    )
    scaler = ConstituentScaler().fit(padded)
    np.testing.assert_allclose(scaler.transform(jets), scaler.transform(padded), rtol=1e-6)


def test_fitted_width_pads_to_it_or_refuses(sample):
    counts, cols = sample
    momentum = {k: cols[k] for k in ("pt", "eta", "phi", "mass")}
    jets = _jagged(counts, momentum)
    padded = PadConstituents(max_constituents=200).fit_transform(jets)
    flat = FlattenConstituents().fit(padded)  # fitted on 200 slots
    np.testing.assert_array_equal(flat.transform(jets), flat.transform(padded))
    assert flat.transform(jets[:3]).shape == (3, 800)  # not the batch's longest jet
    narrow = FlattenConstituents().fit(padded[:, :5])
    with pytest.raises(ValueError, match=r"fitted on 5 constituent slots.*PadConstituents"):
        narrow.transform(jets)
    with pytest.raises(ValueError, match="fitted on 5 constituent slots, got 200"):
        narrow.transform(padded)
    # PadConstituents without max_constituents keeps the width of fit
    pad = PadConstituents().fit(jets[:3])
    with pytest.raises(ValueError, match="Set max_constituents"):
        pad.transform(jets)


def test_clear_errors(sample):
    counts, cols = sample
    with pytest.raises(ValueError, match=r"no four-momentum recognised.*\['a', 'b'\].*PadConst"):
        check_constituents(ak.zip({"a": [[1.0]], "b": [[2.0]]}))
    with pytest.raises(ValueError, match=r"mixed or unexpected nesting.*PadConstituents"):
        check_constituents(ak.Array([[1.0, 2.0], [[1.0, 2.0, 3.0, 4.0]]]))
    with pytest.raises(ValueError, match=r"different numbers of features \[3, 4\]"):
        check_constituents(ak.Array([[[1.0, 2, 3, 4], [1.0, 2, 3, 4]], [[1.0, 2, 3]]]))
    with pytest.raises(ValueError, match=r"4 features.*gives 6: E, PX, PY, PZ, charge, pdgId"):
        JetKinematics().fit(_jagged(counts, cols))
    with pytest.raises(ValueError, match="missing"):
        check_constituents(ak.Array([[[1.0, 2, 3, 4], None]]))
    with pytest.raises(ValueError, match="same four-momentum component 'px'"):
        check_constituents(ak.zip({"px": [[1.0]], "x": [[1.0]], "py": [[1.0]], "pz": [[1.0]],
                                   "E": [[2.0]]}))
    with pytest.raises(ValueError, match=r"coordinates='pt_eta_phi_e' needs"):
        PadConstituents(coordinates="pt_eta_phi_e").fit(_jagged(counts, cols))
    pad = PadConstituents().fit(_jagged(counts, cols))
    with pytest.raises(ValueError, match="fitted on"):
        pad.transform(_jagged(counts, {k: cols[k] for k in ("pt", "eta", "phi", "mass")}))
    nan = dict(cols, pt=np.where(np.arange(len(cols["pt"])) == 3, np.nan, cols["pt"]))
    with pytest.raises(ValueError, match="NaN"):
        PadConstituents().fit(_jagged(counts, nan))


def test_jet_by_jet_split_gets_the_pad_first_advice(sample):
    # scikit-learn indexes objects without .shape one item at a time: cross_validate on an
    # awkward array hands each fold a list of per-jet arrays.
    from skjet.utils._sklearn_compat import _safe_indexing

    counts, cols = sample
    jets = _jagged(counts, cols)
    with pytest.raises(ValueError, match=r"(?s)per-jet awkward arrays.*Pad first, then split"):
        JetKinematics().fit(_safe_indexing(jets, [0, 1, 2]))


def test_plain_arrays_do_not_import_awkward():
    code = (
        "import sys, numpy as np; import skjet.preprocessing, skjet.features;"
        "from skjet.utils import check_constituents;"
        "check_constituents(np.ones((2, 3, 4)));"
        "assert 'awkward' not in sys.modules and 'vector' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_user_guide_example_runs(capsys):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "preprocessing.md").read_text()
    section = text.split("## Jagged input", 1)[1]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(block, "docs/preprocessing.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "(200, 30, 4) ['E_0', 'PX_0', 'PY_0', 'PZ_0']"
    assert out[1].split() == ["[5.", "3.", "0.", "0.]"]


def test_hardest_slots_is_a_stable_pt_sort_cut_at_the_width():
    # the one truncation of PadConstituents and the readers, against a per-jet reference
    from skjet.utils._awkward import hardest_slots

    rng = np.random.default_rng(4)
    counts = rng.integers(0, 9, 50)
    pt = np.round(rng.exponential(5.0, counts.sum()))  # rounded: many ties
    source, target = hardest_slots(pt, counts, 4)
    expected_source, expected_target, start = [], [], 0
    for jet, n in enumerate(counts):
        order = start + np.argsort(-pt[start:start + n], kind="stable")[:4]
        expected_source += order.tolist()
        expected_target += [jet * 4 + slot for slot in range(len(order))]
        start += n
    assert source.tolist() == expected_source
    assert target.tolist() == expected_target
    # pt=None: the input order, cut at the width; nothing cut: no gather at all
    starts = np.cumsum(counts) - counts
    source, target = hardest_slots(None, counts, 4)
    assert source.tolist() == [s + i for s, n in zip(starts, counts) for i in range(min(n, 4))]
    assert target.tolist() == expected_target
    assert hardest_slots(None, counts, 9)[0] is None
