"""Every script in examples/ runs in --quick mode and writes its figures.

The scripts generate their jets with the settings of the session fixtures of conftest.py,
so taking those fixtures first makes the scripts read the generator's cache (and skips these
tests where the generator is unavailable). A second group runs the ``--data`` branches on
small files in the public layouts.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run_example(name: str, *args: str) -> int:
    # As `python examples/<name>.py` does, so that the scripts import their _common module.
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    namespace = runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"example_{name}")
    return namespace["main"](["--quick", *args])


def assert_files(out: Path, names) -> None:
    missing = [name for name in names if not (out / name).is_file()]
    assert not missing, f"missing outputs in {out}: {missing}"
    for name in names:
        assert (out / name).stat().st_size > 0, name


def test_every_example_has_a_test():
    scripts = {p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_")}
    assert scripts == {
        "hls4ml_mlp", "top_tagging_deepsets", "ttH_mlp_vs_bdt", "hml_comparison",
        "grid_search_deepsets",
    }


def test_hls4ml_mlp(five_class_sample, tmp_path, capsys):
    assert run_example("hls4ml_mlp", "--out", str(tmp_path)) == 0
    assert_files(tmp_path, ["loss_history.png", "confusion_matrix.png", "projected_roc.png"])
    printed = capsys.readouterr().out
    assert "1500 jets, 16 features" in printed
    assert "[[TP, FP], [FN, TN]]" in printed
    from skjet.export import find_cxx_compiler

    if find_cxx_compiler() is not None and "firmware step skipped" not in printed:
        assert_files(tmp_path, ["confusion_float_vs_firmware.png",
                                "projected_roc_float_vs_firmware.png"])
        assert "ap_fixed<16,6>: accuracy" in printed


def test_top_tagging_deepsets(top_qcd_sample, tmp_path, capsys):
    assert run_example("top_tagging_deepsets", "--out", str(tmp_path)) == 0
    assert_files(tmp_path, ["roc.png", "deepsets_history.png", "latent_pca.png"])
    printed = capsys.readouterr().out
    assert "Deep Sets" in printed and "latent dimension 64" in printed


def test_ttH_mlp_vs_bdt(top_qcd_sample, tmp_path, capsys):
    assert run_example("ttH_mlp_vs_bdt", "--out", str(tmp_path)) == 0
    assert_files(tmp_path, ["generated_events.root", "roc.png", "importances.png"])
    # 14 features, the least important third (4) dropped.
    assert "kept 10 of 14 features" in capsys.readouterr().out


# 630 training jets: R50 of the best approaches can be infinite (no background left), a
# warning the metric rightly gives.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
def test_hml_comparison(five_class_sample, tmp_path, capsys):
    assert run_example("hml_comparison", "--out", str(tmp_path)) == 0
    assert_files(tmp_path, ["roc.png", "rejection.png", "cuts_parallel.png",
                            "cuts_sequential.png", "comparison.md", "bdt.joblib",
                            "cnn__log.joblib"])
    table = (tmp_path / "comparison.md").read_text()
    for column in ("accuracy", "roc_auc", "significance", "r50", "r99"):
        assert column in table
    assert "identical predictions" in capsys.readouterr().out


def test_grid_search_deepsets(top_qcd_sample, tmp_path, capsys):
    assert run_example("grid_search_deepsets", "--out", str(tmp_path)) == 0
    assert_files(tmp_path, ["grid_scores.png", "cv_results.csv"])
    results = pd.read_csv(tmp_path / "cv_results.csv")
    assert len(results) == 4  # 2 phi_sizes x 2 poolings
    assert results["rank_test_score"].min() == 1
    assert np.isfinite(results["mean_test_score"]).all()
    assert "best parameters: {'deepsetsclassifier__phi_sizes'" in capsys.readouterr().out


# --- the --data branches, on small files in the public layouts --------------------------


def test_hls4ml_mlp_reads_a_table(tmp_path, capsys):
    from skjet.features import HLS4ML_FEATURES

    rng = np.random.default_rng(0)
    labels = np.repeat(["g", "q", "t", "w", "z"], 60)
    features = rng.normal(size=(len(labels), 16)) + np.searchsorted(
        ["g", "q", "t", "w", "z"], labels)[:, None]
    table = pd.DataFrame(features, columns=list(HLS4ML_FEATURES))
    table["jet_type"] = labels
    table.to_csv(tmp_path / "jets.csv", index=False)
    out = tmp_path / "out"
    assert run_example("hls4ml_mlp", "--data", str(tmp_path / "jets.csv"), "--out", str(out),
                       "--no-firmware") == 0
    assert_files(out, ["loss_history.png", "confusion_matrix.png", "projected_roc.png"])
    assert "300 jets, 16 features" in capsys.readouterr().out


def test_top_tagging_deepsets_reads_hdf5(top_qcd_sample, tmp_path, capsys):
    from skjet.datasets import save_top_tagging

    rng = np.random.default_rng(0)
    rows = rng.permutation(len(top_qcd_sample.target))[:400]
    path = tmp_path / "val.h5"
    save_top_tagging(path, top_qcd_sample.constituents[rows],
                     (top_qcd_sample.target[rows] == "top").astype(int))
    out = tmp_path / "out"
    assert run_example("top_tagging_deepsets", "--data", str(path), "--max-jets", "300",
                       "--out", str(out)) == 0
    assert_files(out, ["roc.png", "deepsets_history.png", "latent_pca.png"])
    assert "300 jets" in capsys.readouterr().out


def test_ttH_mlp_vs_bdt_reads_a_user_tree(tmp_path, capsys):
    uproot = pytest.importorskip("uproot")
    rng = np.random.default_rng(0)
    n = 400
    process = np.where(np.arange(n) % 4 == 0, 2, 0)  # 2 = ttH (signal), 0 = background
    branches = {f"x{i}": rng.normal(size=n) + (process == 2) * (i < 3) for i in range(6)}
    branches["process"] = process.astype(np.int32)
    path = tmp_path / "ttH.root"
    with uproot.recreate(path) as f:
        f["Events"] = branches
    out = tmp_path / "out"
    rc = run_example("ttH_mlp_vs_bdt", "--data", str(path), "--tree", "Events",
                     "--label-branch", "process", "--signal", "2", "--out", str(out))
    assert rc == 0
    assert_files(out, ["roc.png", "importances.png"])
    printed = capsys.readouterr().out
    assert "signal (process = 2) fraction 25.0%" in printed
    assert "kept 4 of 6 features" in printed


def test_ttH_mlp_vs_bdt_names_a_missing_label_branch(tmp_path):
    uproot = pytest.importorskip("uproot")
    path = tmp_path / "events.root"
    with uproot.recreate(path) as f:
        f["events"] = {"x": np.arange(10.0)}
    with pytest.raises(KeyError, match="label branch 'is_signal'"):
        run_example("ttH_mlp_vs_bdt", "--data", str(path), "--out", str(tmp_path))
