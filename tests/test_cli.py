"""The ``skjet`` command: demo, generate and compare, and its one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from skjet.__main__ import main

# Tiny test sets: a perfect tagger leaves no background at 30 % efficiency (R30 = inf).
pytestmark = pytest.mark.filterwarnings("ignore:The background efficiency is zero")

WITH_CNN = ["logistic (mass, mean pT)", "cut-and-count", "XGBoost", "MLP", "DeepSets", "CNN"]
# the CNN on jet images joins on CUDA (or with --cnn)
APPROACHES = WITH_CNN if torch.cuda.is_available() else WITH_CNN[:-1]
TAGGERS = ["ParticleNet", "ParT"]  # left out of the demo test (--no-taggers): minutes on CI
PRETRAINED = ["ParticleNet (JetClass, head fine-tuned)", "ParticleNet (JetClass, zero-shot)"]


def test_detector_level_is_the_default_of_demo_and_generate():
    from skjet._cli import build_parser

    parser = build_parser()
    for command in ("demo", "generate"):
        assert parser.parse_args([command]).detector == "atlas"
        assert parser.parse_args([command, "--detector", "hadron"]).detector == "hadron"


def test_a_missing_checkpoint_fails_before_any_training(tmp_path, monkeypatch):
    import skjet.datasets._download as download_module
    import skjet.model_selection as model_selection
    from skjet._cli import run_comparison
    from skjet.utils.estimator_checks import make_constituents

    if torch.cuda.is_available():
        pytest.skip("on CUDA the demo trains the taggers from scratch: no checkpoint to fetch")

    def no_network(url, *args, **kwargs):
        raise OSError(f"Could not download {url}: no network in this test")

    def no_training(*args, **kwargs):
        raise AssertionError("compare ran although the checkpoint is missing")

    monkeypatch.setenv("SKJET_PRETRAINED_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("SKJET_DATA_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(download_module, "download", no_network)
    monkeypatch.setattr(model_selection, "compare", no_training)
    X, _ = make_constituents(n_jets=20, n_slots=10)
    y = np.where(np.arange(20) % 2, "top", "qcd")
    with pytest.raises(OSError, match="ParticleNet_kin.pt.*SKJET_PRETRAINED_DIR"):
        run_comparison(X, y, quick=True, random_state=0, n_jobs=1, out=tmp_path / "out")


def test_demo_quick_writes_table_plots_and_settings(tmp_path, capsys):
    # The demo generates its detector-level (ATLAS-like) sample, cached for the next run.
    out = tmp_path / "demo"
    # --cnn: the CNN's outputs (its history, the mean jet images) are tested on a CPU too
    assert main(["demo", "--quick", "--out", str(out), "--no-progress", "--n-jobs", "1",
                 "--no-taggers", "--cnn"]) == 0
    table = pd.read_csv(out / "comparison.csv", index_col=0)
    assert list(table.index) == WITH_CNN
    assert ((table["roc_auc_mean"] > 0.5) & (table["roc_auc_mean"] <= 1)).all()
    # Every tagger beats a random guess by far on top vs QCD.
    assert (table["r30_mean"] > 1 / 0.3).all()
    for name in ("comparison.md", "rejection_intervals.csv", "report.html"):
        assert (out / name).stat().st_size > 0, name
    # Every figure in PNG (slides, the report) and PDF (vector), in the report in order.
    figures = ["features_data", "features_inputs", "jet_images", "cuts_cut_and_count",
               "history_mlp", "history_deepsets", "history_cnn", "roc", "rejection", "scores",
               "confusion"]
    for name in figures:
        assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG", name
        assert (out / f"{name}.pdf").read_bytes()[:4] == b"%PDF", name
    page = (out / "report.html").read_text()
    assert page.count('<img src="data:image/png;base64,') == len(figures)
    assert "√s = 14 TeV" in page and 'class="skjet-comparison"' in page
    intervals = pd.read_csv(out / "rejection_intervals.csv", index_col=0)
    assert list(intervals.index) == WITH_CNN
    finite = np.isfinite(intervals["r50_high"])
    assert (intervals["r50_low"] <= intervals["r50"]).all()
    assert (intervals.loc[finite, "r50"] <= intervals.loc[finite, "r50_high"]).all()
    settings = json.loads((out / "settings.json").read_text())
    assert settings["n_jets_per_class"] == 800 and settings["quick"] is True
    assert settings["generator"]["detector"]["name"] == "atlas"
    assert "ATLAS-like detector" in page
    printed = capsys.readouterr().out
    assert "median_mass" in printed and "DeepSets" in printed
    assert "time per stage" in printed and "generating jets (or reading the cache)" in printed


def test_generate_writes_the_public_layout_then_compare_reads_it(tmp_path, capsys):
    pytest.importorskip("pythia8mc")
    path = tmp_path / "w_vs_qcd.h5"
    rc = main(["generate", "--processes", "w", "qcd", "--n-jets", "40", "--out", str(path),
               "--no-progress", "--random-state", "3"])
    assert rc == 0
    frame = pd.read_hdf(path, "table")
    assert frame.shape == (80, 806)
    assert frame["is_signal_new"].sum() == 40  # w is the signal
    # rows in random order, as in the public files: both classes among the first rows
    assert 0 < frame["is_signal_new"].iloc[:20].sum() < 20
    # Signal jets are W jets: their summed constituents peak near the W mass.
    E, px, py, pz = (frame.filter(regex=f"^{c}_\\d+$").sum(axis=1) for c in ("E", "PX", "PY", "PZ"))
    mass = np.sqrt(np.maximum(E**2 - px**2 - py**2 - pz**2, 0))
    assert 60 < mass[frame["is_signal_new"] == 1].median() < 100

    out = tmp_path / "cmp"
    assert main(["compare", str(path), "--quick", "--out", str(out), "--max-jets", "60",
                 "--from-scratch"]) == 0
    assert list(pd.read_csv(out / "comparison.csv", index_col=0).index) == APPROACHES + TAGGERS


def test_reference_taggers_in_the_standard_approaches():
    from skjet.model_selection import standard_approaches
    from skjet.models import ParticleNetClassifier, ParticleTransformerClassifier

    approaches = standard_approaches(quick=True, random_state=0, from_scratch=True)
    assert list(approaches) == APPROACHES + TAGGERS
    assert isinstance(approaches["ParticleNet"][0], ParticleNetClassifier)
    assert isinstance(approaches["ParT"][0], ParticleTransformerClassifier)
    assert approaches["ParT"][1] == "constituents"  # the raw constituents, as they are
    assert approaches["ParT"][0].preset == ("paper" if torch.cuda.is_available() else "small")
    assert list(standard_approaches(quick=True, random_state=0, taggers=False)) == APPROACHES


def test_pretrained_taggers_are_the_default_on_a_cpu():
    from skjet.model_selection import standard_approaches
    from skjet.model_selection._standard import PRETRAINED_TAGGER

    cuda = torch.cuda.is_available()
    approaches = standard_approaches(quick=True, random_state=0, classes=["qcd", "top"])
    names = APPROACHES + (TAGGERS if cuda else PRETRAINED)
    assert list(approaches) == names
    if cuda:
        return
    tuned, key = approaches["ParticleNet (JetClass, head fine-tuned)"]
    assert key == "four_momenta" and tuned.pretrained == PRETRAINED_TAGGER
    assert tuned.zero_shot is None and tuned.freeze_body and tuned.early_stopping
    assert tuned.max_epochs == 20 and tuned.max_constituents == 128  # as JetClass's training
    zero_shot, key = approaches["ParticleNet (JetClass, zero-shot)"]
    assert key == "four_momenta" and zero_shot.zero_shot == {"top": "Tbqq", "qcd": "QCD"}
    assert tuned.head_init == {"top": "Tbqq", "qcd": "QCD"}
    # classes other than top and QCD: no zero-shot mapping to guess
    other = standard_approaches(quick=False, random_state=0, classes=["w", "qcd"])
    assert list(other) == APPROACHES + PRETRAINED[:1]
    assert other["ParticleNet (JetClass, head fine-tuned)"][0].max_epochs == 60
    assert other["ParticleNet (JetClass, head fine-tuned)"][0].head_init is None
    from skjet._cli import build_parser

    assert build_parser().parse_args(["demo", "--from-scratch"]).from_scratch is True


def test_the_cnn_joins_on_cuda_or_when_asked():
    from skjet._cli import build_parser
    from skjet.model_selection import standard_approaches
    from skjet.models import CNNClassifier

    with_cnn = standard_approaches(quick=True, random_state=0, taggers=False, cnn=True)
    assert isinstance(with_cnn["CNN"][0], CNNClassifier) and with_cnn["CNN"][1] == "images"
    assert "CNN" not in standard_approaches(quick=True, random_state=0, taggers=False,
                                            cnn=False)
    default = standard_approaches(quick=True, random_state=0, taggers=False)
    assert ("CNN" in default) == torch.cuda.is_available()
    for command in (["demo"], ["compare", "file.h5"]):
        assert build_parser().parse_args([*command, "--cnn"]).cnn is True
        assert build_parser().parse_args([*command, "--no-cnn"]).cnn is False
        assert build_parser().parse_args(command).cnn is None
    assert build_parser().parse_args(["demo"]).from_scratch is None


def test_compare_hls4ml_table(tmp_path, five_class_sample):
    from skjet.features import HLS4ML_FEATURES, Substructure

    features = Substructure(features=HLS4ML_FEATURES).set_output(transform="pandas")
    table = features.fit_transform(five_class_sample.constituents)
    table["jet_type"] = five_class_sample.target
    path = tmp_path / "hls4ml.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "cmp"
    assert main(["compare", str(path), "--quick", "--out", str(out)]) == 0
    result = pd.read_csv(out / "comparison.csv", index_col=0)
    assert list(result.index) == ["logistic", "XGBoost", "MLP"]
    # Heavy (t, w, z) vs light (g, q) from substructure is far from random.
    assert (result["roc_auc_mean"] > 0.75).all()
    # The 5x5 matrices and the projected 2x2 ones, and the report.
    for name in ("confusion.png", "confusion_projected.png", "features_inputs.png", "report.html"):
        assert (out / name).stat().st_size > 0, name


def test_compare_routes_any_table_suffix_to_hls4ml(tmp_path, monkeypatch):
    # A parquet file named .PQ (neither .parquet nor lower case) is an hls4ml table.
    import skjet.model_selection
    from skjet.features import HLS4ML_FEATURES

    rng = np.random.default_rng(0)
    labels = np.array(["g", "q", "t", "w", "z"])[np.arange(300) % 5]
    table = pd.DataFrame(rng.normal(size=(300, len(HLS4ML_FEATURES))), columns=HLS4ML_FEATURES)
    table["zlogz"] += 2.0 * np.isin(labels, ["t", "w", "z"])
    table["jet_type"] = labels
    path = tmp_path / "hls4ml.PQ"
    table.to_parquet(path)
    seen = {}
    real_compare = skjet.model_selection.compare

    def spy(estimators, X, y, **kwargs):
        seen["n_jets"] = len(y)
        return real_compare(estimators, X, y, **kwargs)

    monkeypatch.setattr(skjet.model_selection, "compare", spy)
    out = tmp_path / "cmp"
    assert main(["compare", str(path), "--quick", "--max-jets", "200", "--out", str(out)]) == 0
    assert seen["n_jets"] == 200
    result = pd.read_csv(out / "comparison.csv", index_col=0)
    assert list(result.index) == ["logistic", "XGBoost", "MLP"]


@pytest.mark.parametrize("value", ["0", "-5", "ten"])
def test_max_jets_must_be_positive(value, capsys):
    with pytest.raises(SystemExit) as info:
        main(["compare", "jets.h5", "--max-jets", value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    # argparse prints the usage, then the error on one line.
    assert err.strip().splitlines()[-1] == (
        f"skjet compare: error: argument --max-jets: must be a positive integer, got {value!r}"
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["compare", "does-not-exist.h5"], "no such file"),
        (["generate", "--processes", "top", "photon", "--n-jets", "5"], "photon"),
    ],
)
def test_errors_are_one_line_without_traceback(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0


def test_compare_on_a_file_of_the_wrong_layout(tmp_path, capsys):
    path = tmp_path / "wrong.h5"
    pd.DataFrame({"a": [1.0, 2.0]}).to_hdf(path, key="other")
    assert main(["compare", str(path)]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


# ---------------------------------------------------------------- options and ROOT files


def test_version(capsys):
    from skjet import __version__

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"skjet {__version__}"


@pytest.mark.parametrize("command", ["demo", "generate"])
@pytest.mark.parametrize("value", ["0", "-3"])
def test_n_jets_must_be_positive(command, value, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--n-jets", value])
    assert info.value.code == 2
    assert "--n-jets: must be a positive integer" in capsys.readouterr().err


def test_every_option_has_help():
    import argparse

    from skjet._cli import build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for name, command in [("skjet", parser), *sub.choices.items()]:
        for action in command._actions:
            if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                assert action.help, (name, action.dest)


def test_stratified_sample_keeps_the_class_proportions():
    from skjet._cli import stratified_sample

    y = np.array(["top"] * 300 + ["qcd"] * 100)  # sorted by class, as generated files were
    rows = stratified_sample(y, 40, 0)
    assert len(rows) == 40 and (np.diff(rows) > 0).all()
    assert (y[rows] == "qcd").sum() == 10
    np.testing.assert_array_equal(stratified_sample(y, None, 0), np.arange(400))
    np.testing.assert_array_equal(stratified_sample(y, 1000, 0), np.arange(400))


@pytest.fixture(scope="module")
def root_files(top_qcd_sample, tmp_path_factory):
    """The test sample as PFNano files, one per class, with jet-level feature branches."""
    from skjet.datasets._pfnano import _write_pfnano
    from skjet.features import Substructure

    folder = tmp_path_factory.mktemp("root")
    taus = Substructure(features=("tau2", "tau3")).fit_transform(top_qcd_sample.constituents)
    paths = {}
    for name in ("top", "qcd"):
        rows = np.flatnonzero(top_qcd_sample.target == name)[:150]
        paths[name] = _write_pfnano(
            folder / f"{name}.root", top_qcd_sample.constituents[rows], jets_per_event=2,
            jet_branches={"tau2": taus[rows, 0], "tau3": taus[rows, 1]},
            event_branches={"process": np.array([name] * 75)},
        )
    return paths


def _spy_compare(monkeypatch):
    import skjet.model_selection

    seen = {}
    real_compare = skjet.model_selection.compare

    def spy(estimators, X, y, **kwargs):
        seen.update(kwargs, y=np.asarray(y), names=list(estimators))
        return real_compare(estimators, X, y, **kwargs)

    monkeypatch.setattr(skjet.model_selection, "compare", spy)
    return seen


def test_compare_root_one_file_per_class(root_files, tmp_path, monkeypatch):
    seen = _spy_compare(monkeypatch)
    out = tmp_path / "cmp"
    argv = ["compare", str(root_files["top"]), str(root_files["qcd"]), "--labels", "top", "qcd",
            "--features", "FatJet_tau2", "FatJet_tau3", "--max-jets", "160", "--quick",
            "--signal", "top", "--max-constituents", "60", "--no-taggers", "--out", str(out)]
    assert main(argv) == 0
    assert seen["signal"] == ["top"] and len(seen["y"]) == 160
    assert (seen["y"] == "top").sum() == 80  # stratified
    table = pd.read_csv(out / "comparison.csv", index_col=0)
    assert list(table.index) == [*APPROACHES, "XGBoost (file features)"]
    assert (table["roc_auc_mean"] > 0.7).all()
    assert (out / "roc.png").stat().st_size > 0


def test_compare_root_label_branch_and_features_only(root_files, tmp_path, monkeypatch):
    seen = _spy_compare(monkeypatch)
    out = tmp_path / "cmp"
    argv = ["compare", str(root_files["top"]), str(root_files["qcd"]), "--label", "process",
            "--candidates", "none", "--features", "FatJet_mass", "FatJet_tau2", "FatJet_tau3",
            "--signal", "qcd", "--quick", "--out", str(out)]
    assert main(argv) == 0
    assert seen["signal"] == ["qcd"] and seen["names"] == ["logistic", "XGBoost", "MLP"]
    assert sorted(set(seen["y"])) == ["qcd", "top"] and len(seen["y"]) == 300
    table = pd.read_csv(out / "comparison.csv", index_col=0)
    assert (table["roc_auc_mean"] > 0.7).all()


def test_compare_root_one_entry_per_jet(top_qcd_sample, tmp_path, monkeypatch):
    # A flat ntuple: one entry per jet, constituents as jagged (pt, eta, phi, m) branches.
    import awkward as ak
    import uproot

    from skjet.preprocessing import from_cartesian

    rows = np.concatenate([np.flatnonzero(top_qcd_sample.target == c)[:50] for c in ("top", "qcd")])
    X = from_cartesian(top_qcd_sample.constituents[rows], "pt_eta_phi_m")
    n = (top_qcd_sample.constituents[rows] != 0).any(-1).sum(1)
    branches = {f"part_{f}": ak.unflatten(X[..., i][X[..., 0] > 0], n)
                for i, f in enumerate(("pt", "eta", "phi", "mass"))}
    branches["is_top"] = (top_qcd_sample.target[rows] == "top").astype(np.int32)
    path = tmp_path / "ntuple.root"
    with uproot.recreate(path) as f:
        f.mktree("jets", {k: getattr(v, "type", None) and v.type.content if isinstance(v, ak.Array)
                          else v.dtype for k, v in branches.items()})
        f["jets"].extend(branches)
    seen = _spy_compare(monkeypatch)
    # The reading is under test here; one approach of the standard table is enough.
    import skjet.model_selection

    full = skjet.model_selection.standard_approaches
    monkeypatch.setattr(skjet.model_selection, "standard_approaches", lambda **kw: {
        k: v for k, v in full(**kw).items() if k == "logistic (mass, mean pT)"})
    argv = ["compare", str(path), "--tree", "jets", "--label", "is_top", "--constituents",
            "part_pt", "part_eta", "part_phi", "part_mass", "--quick", "--out",
            str(tmp_path / "cmp")]
    assert main(argv) == 0
    assert sorted(set(seen["y"])) == [0, 1] and seen["signal"] is None
    assert seen["names"] == ["logistic (mass, mean pT)"] and len(seen["y"]) == 100
    table = pd.read_csv(tmp_path / "cmp" / "comparison.csv", index_col=0)
    assert table.loc["logistic (mass, mean pT)", "roc_auc_mean"] > 0.7


@pytest.mark.parametrize(
    "extra, message",
    [
        ([], "ROOT files need labels"),
        (["--labels", "top"], "1 label(s) for 2 file(s)"),
        (["--labels", "top", "qcd", "--label", "process"], "not both"),
        (["--labels", "top", "qcd", "--jets", "AK8"], "jet collection 'AK8'"),
    ],
)
def test_compare_root_errors(root_files, extra, message, capsys):
    argv = ["compare", str(root_files["top"]), str(root_files["qcd"]), *extra]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_compare_decorrelate_mass_adds_disco_and_sculpting(tmp_path, top_qcd_sample,
                                                          monkeypatch):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import skjet.model_selection
    from skjet.datasets import save_top_tagging
    from skjet.models import DeepSetsClassifier
    from skjet.preprocessing import ConstituentScaler

    # two small approaches instead of the full list: the option is what is tested here
    def small(*, quick, random_state, taggers=True, from_scratch=None, classes=None,
              cnn=None):
        return {
            "logistic (mass, mean pT)": (
                make_pipeline(StandardScaler(), LogisticRegression()), "mass_mean_pt"),
            "DeepSets": (make_pipeline(ConstituentScaler(), DeepSetsClassifier(
                phi_sizes=(16,), f_sizes=(16,), max_epochs=2, batch_size=128,
                random_state=0, device="cpu")), "relative"),
        }

    monkeypatch.setattr(skjet.model_selection, "standard_approaches", small)
    path = tmp_path / "top_qcd.h5"
    is_top = (top_qcd_sample.target == "top").astype(np.int64)
    save_top_tagging(path, top_qcd_sample.constituents, is_top)
    out = tmp_path / "cmp"
    assert main(["compare", str(path), "--out", str(out), "--decorrelate", "mass",
                 "--n-jobs", "1", "--max-jets", "400"]) == 0
    table = pd.read_csv(out / "comparison.csv", index_col=0)
    assert list(table.index) == ["logistic (mass, mean pT)", "DeepSets", "DeepSets DisCo"]
    assert (table["inv_jsd50_mean"] > 0).all()
    for name in ("decorrelation_plane", "sculpting"):
        assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG", name
    settings_page = (out / "report.html").read_text()
    assert "decorrelate" in settings_page
