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

APPROACHES = ["logistic (mass, mean pT)", "cut-and-count", "XGBoost", "MLP", "DeepSets", "CNN"]
TAGGERS = ["ParticleNet", "ParT"]  # left out of the demo test (--no-taggers): minutes on CI


def test_demo_quick_writes_table_plots_and_settings(tmp_path, top_qcd_sample, capsys):
    # top_qcd_sample has put the --quick sample in the cache.
    out = tmp_path / "demo"
    assert main(["demo", "--quick", "--out", str(out), "--no-progress", "--n-jobs", "1",
                 "--no-taggers"]) == 0
    table = pd.read_csv(out / "comparison.csv", index_col=0)
    assert list(table.index) == APPROACHES
    assert ((table["roc_auc_mean"] > 0.5) & (table["roc_auc_mean"] <= 1)).all()
    # Every tagger beats a random guess by far on top vs QCD.
    assert (table["r30_mean"] > 1 / 0.3).all()
    for name in ("comparison.md", "roc.png", "rejection.png", "cuts.png", "history_mlp.png"):
        assert (out / name).stat().st_size > 0, name
    settings = json.loads((out / "settings.json").read_text())
    assert settings["n_jets_per_class"] == 800 and settings["quick"] is True
    printed = capsys.readouterr().out
    assert "median_mass" in printed and "DeepSets" in printed


def test_generate_writes_the_public_layout_then_compare_reads_it(tmp_path, capsys):
    pytest.importorskip("pythia8mc")
    path = tmp_path / "w_vs_qcd.h5"
    rc = main(["generate", "--processes", "w", "qcd", "--n-jets", "40", "--out", str(path),
               "--no-progress", "--random-state", "3"])
    assert rc == 0
    frame = pd.read_hdf(path, "table")
    assert frame.shape == (80, 806)
    assert frame["is_signal_new"].sum() == 40  # w is the signal
    # Signal jets are W jets: their summed constituents peak near the W mass.
    E, px, py, pz = (frame.filter(regex=f"^{c}_\\d+$").sum(axis=1) for c in ("E", "PX", "PY", "PZ"))
    mass = np.sqrt(np.maximum(E**2 - px**2 - py**2 - pz**2, 0))
    assert 60 < mass[frame["is_signal_new"] == 1].median() < 100

    out = tmp_path / "cmp"
    assert main(["compare", str(path), "--quick", "--out", str(out)]) == 0
    assert list(pd.read_csv(out / "comparison.csv", index_col=0).index) == APPROACHES + TAGGERS


def test_reference_taggers_in_the_standard_approaches():
    from skjet._cli import standard_approaches
    from skjet.models import ParticleNetClassifier, ParticleTransformerClassifier

    approaches = standard_approaches(quick=True, random_state=0)
    assert list(approaches) == APPROACHES + TAGGERS
    assert isinstance(approaches["ParticleNet"][0], ParticleNetClassifier)
    assert isinstance(approaches["ParT"][0], ParticleTransformerClassifier)
    assert approaches["ParT"][1] == "constituents"  # the raw constituents, as they are
    assert approaches["ParT"][0].preset == ("paper" if torch.cuda.is_available() else "small")
    assert list(standard_approaches(quick=True, random_state=0, taggers=False)) == APPROACHES


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
