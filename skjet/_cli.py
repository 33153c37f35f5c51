"""Sub-commands of the ``skjet`` command line: ``demo``, ``generate`` and ``compare``."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

# Jet-level features every feature-based approach of the demo eats.
JET_FEATURES_KINEMATIC = ("pt", "eta", "mass", "multiplicity", "mean_pt", "leading_pt_fraction")
JET_FEATURES_SUBSTRUCTURE = ("tau1", "tau2", "tau3", "tau21", "tau32", "sd_mass")
# ``compare`` reads these (any case) as Top Quark Tagging HDF5, everything else as hls4ml.
HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf")


def summarize_sample(jets: pd.DataFrame) -> pd.DataFrame:
    """Counts per class and the medians physicists look at first (mass, multiplicity, pt).

    Examples
    --------
    >>> jets = pd.DataFrame({"process": ["top", "qcd", "top"], "mass": [170.0, 40.0, 180.0],
    ...                      "n_constituents": [60, 30, 70], "pt": [600.0, 580.0, 610.0]})
    >>> int(summarize_sample(jets).loc["top", "n_jets"])
    2
    """
    grouped = jets.groupby("process", sort=True)
    return pd.DataFrame(
        {
            "n_jets": grouped.size(),
            "median_mass": grouped["mass"].median().round(1),
            "median_multiplicity": grouped["n_constituents"].median(),
            "median_pt": grouped["pt"].median().round(1),
        }
    )


def _log(message: str) -> None:
    print(f"[skjet {time.strftime('%H:%M:%S')}] {message}", flush=True)


def standard_approaches(*, quick: bool, random_state: int, taggers: bool = True):
    """The approaches of the main job and the input each one takes.

    Returns ``{name: (estimator, input_name)}`` with input names ``"mass_mean_pt"``,
    ``"cut_features"``, ``"jet_features"``, ``"relative"``, ``"images"`` and, with
    ``taggers`` (ParticleNet and ParT), ``"constituents"``.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .models import (
        CNNClassifier,
        CutAndCountClassifier,
        DeepSetsClassifier,
        MLPClassifier,
        XGBoostClassifier,
    )
    from .preprocessing import ConstituentScaler

    # Early stopping (the default) ends training when the validation loss stalls.
    epochs = 20 if quick else 60
    neural = dict(max_epochs=epochs, random_state=random_state, verbose=0)
    approaches = {
        "logistic (mass, mean pT)": (
            make_pipeline(StandardScaler(), LogisticRegression()),
            "mass_mean_pt",
        ),
        "cut-and-count": (CutAndCountClassifier(topology="sequential"), "cut_features"),
        "XGBoost": (
            XGBoostClassifier(n_estimators=300, early_stopping_rounds=20, random_state=random_state),
            "jet_features",
        ),
        "MLP": (make_pipeline(StandardScaler(), MLPClassifier(**neural)), "jet_features"),
        "DeepSets": (
            make_pipeline(ConstituentScaler(), DeepSetsClassifier(
                phi_sizes=(64, 64, 64), f_sizes=(64, 64), **neural)),
            "relative",
        ),
        "CNN": (CNNClassifier(**neural), "images"),
    }
    if taggers:
        approaches.update(reference_taggers(quick=quick, random_state=random_state))
    return approaches


def reference_taggers(*, quick: bool, random_state: int) -> dict:
    """ParticleNet and ParT on the raw constituents: the published top-tagging sizes on
    CUDA; on a CPU the small presets, fewer epochs and, with ``quick``, the 64 hardest
    constituents (they take most of the demo's time: ``--no-taggers`` leaves them out)."""
    import torch

    from .models import ParticleNetClassifier, ParticleTransformerClassifier

    cuda = torch.cuda.is_available()
    params = dict(
        preset="paper" if cuda else "small",
        max_epochs=(10 if quick else 30) if cuda else (5 if quick else 15),
        max_constituents=64 if quick and not cuda else 128,
        random_state=random_state,
    )
    return {
        "ParticleNet": (ParticleNetClassifier(**params), "constituents"),
        "ParT": (ParticleTransformerClassifier(**params), "constituents"),
    }


def prepare_inputs(constituents: np.ndarray) -> dict:
    """Stateless views of the jets that the standard approaches take.

    These transformers learn nothing from the data, so computing them once before the
    splits is equivalent to computing them inside every fold, and much cheaper.
    """
    from sklearn.pipeline import make_union

    from .features import JetKinematics, Substructure
    from .preprocessing import JetImage, RelativeConstituents

    feats = make_union(
        JetKinematics(features=JET_FEATURES_KINEMATIC),
        Substructure(features=JET_FEATURES_SUBSTRUCTURE),
        verbose_feature_names_out=False,
    ).set_output(transform="pandas").fit_transform(constituents)
    return {
        "jet_features": feats,
        "mass_mean_pt": feats[["mass", "mean_pt"]],
        "cut_features": feats[["mass", "tau32", "multiplicity"]],
        "relative": RelativeConstituents().fit_transform(constituents),
        "constituents": constituents,
        # log(1 + pT) pixels keep the soft structure visible to the CNN (seed 004's choice).
        "images": JetImage(size=33, normalize="log").fit_transform(constituents),
    }


def run_comparison(constituents, y, *, quick, random_state, n_jobs, out: Path, taggers=True):
    """Compare the standard approaches on constituents and write table, plots and settings."""
    from .model_selection import compare

    _log("computing jet features, relative constituents and jet images")
    inputs = prepare_inputs(constituents)
    approaches = standard_approaches(quick=quick, random_state=random_state, taggers=taggers)
    estimators = {name: est for name, (est, _) in approaches.items()}
    X = {name: inputs[key] for name, (_, key) in approaches.items()}
    scoring = ("accuracy", "roc_auc", "r30", "r50", "significance")
    _log(f"comparing {len(estimators)} approaches on {len(y)} jets (held-out 30 %)")
    result = compare(
        estimators, X, y, test_size=0.3, scoring=scoring, random_state=random_state,
        n_jobs=n_jobs, return_estimators=True, verbose=1,
    )
    write_outputs(result, out, inputs=inputs, y=y)
    return result


def write_outputs(result, out: Path, *, inputs=None, y=None) -> None:
    """Table (CSV, markdown), ROC and rejection plots, and per-approach figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import plot_cuts, plot_history, plot_rejection, plot_roc

    out.mkdir(parents=True, exist_ok=True)
    result.to_csv(out / "comparison.csv")
    (out / "comparison.md").write_text(result.to_markdown() + "\n")
    figures = {}
    if result.curves:
        figures["roc.png"] = plot_roc(result).figure
        figures["rejection.png"] = plot_rejection(result).figure
    fitted = result.estimators or {}
    for name, models in fitted.items():
        model = models[0]
        final = model[-1] if hasattr(model, "steps") else model
        slug = "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")
        if hasattr(final, "history_"):
            figures[f"history_{slug}.png"] = plot_history(final).figure
        if hasattr(final, "cuts_") and inputs is not None and y is not None:
            train = result.splits[0][0]
            cut_X = inputs["cut_features"].iloc[train]
            figures["cuts.png"] = plot_cuts(final, cut_X, np.asarray(y)[train])
    for filename, fig in figures.items():
        fig.savefig(out / filename, dpi=100, bbox_inches="tight")
        plt.close(fig)
    _log(f"wrote {', '.join(['comparison.csv', 'comparison.md', *figures])} to {out}/")


def _demo(args: argparse.Namespace) -> int:
    from .datasets import generate_jets

    # --quick uses the size of the test suite's sample, so a machine that ran the tests
    # finds it in the cache.
    n_jets = args.n_jets or (800 if args.quick else 10_000)
    _log(f"generating {n_jets} top and {n_jets} QCD jets (Pythia8 + FastJet; cached)")
    # Generation parallelises perfectly over processes; the sample does not depend on it.
    sample = generate_jets(
        processes=("top", "qcd"), n_jets=n_jets, random_state=args.random_state,
        n_jobs=args.n_jobs or -1, progress=not args.no_progress,
    )
    print(summarize_sample(sample.jets).to_string())
    out = Path(args.out)
    result = run_comparison(
        sample.constituents, sample.target, quick=args.quick, random_state=args.random_state,
        n_jobs=args.n_jobs, out=out, taggers=not args.no_taggers,
    )
    print(result.to_string())
    settings = {
        "command": "demo", "n_jets_per_class": n_jets, "quick": args.quick,
        "random_state": args.random_state, "evaluation": result.description,
        "generator": {k: v for k, v in sample.settings.items() if _jsonable(v)},
    }
    (out / "settings.json").write_text(json.dumps(settings, indent=2, default=str) + "\n")
    return 0


def _jsonable(value) -> bool:
    try:
        json.dumps(value)
    except TypeError:
        return False
    return True


def _generate(args: argparse.Namespace) -> int:
    from .datasets import generate_jets, save_top_tagging

    sample = generate_jets(
        processes=tuple(args.processes), n_jets=args.n_jets, random_state=args.random_state,
        n_jobs=args.n_jobs, pt_range=tuple(args.pt_range), progress=not args.no_progress,
    )
    # The layout has one flag, is_signal_new: the first process is the signal.
    is_signal = (sample.target == sample.target_names[0]).astype(np.int64)
    save_top_tagging(args.out, sample.constituents, is_signal)
    print(summarize_sample(sample.jets).to_string())
    _log(f"wrote {len(sample.target)} jets in the Top Quark Tagging layout to {args.out}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    path = Path(args.data)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    out = Path(args.out)
    if path.suffix.lower() not in HDF5_SUFFIXES:
        return _compare_hls4ml(path, args, out)  # load_hls4ml names the formats it reads
    from .datasets import load_top_tagging

    data = load_top_tagging(path, stop=args.max_jets)
    labels = np.asarray(data.target_names)[data.target]
    _log(f"read {len(labels)} jets from {path}")
    result = run_comparison(
        data.constituents, labels, quick=args.quick, random_state=args.random_state,
        n_jobs=args.n_jobs, out=out, taggers=not args.no_taggers,
    )
    print(result.to_string())
    return 0


def _compare_hls4ml(path: Path, args: argparse.Namespace, out: Path) -> int:
    """The hls4ml exercise: 5 classes, scored as light (g, q) vs heavy (t, w, z)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .datasets import load_hls4ml
    from .model_selection import compare
    from .models import MLPClassifier, XGBoostClassifier

    X, y = load_hls4ml(path, return_X_y=True)
    X, y = X.iloc[: args.max_jets], y.iloc[: args.max_jets]
    y = np.asarray(y, dtype=object)
    estimators = {
        "logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
        "XGBoost": XGBoostClassifier(n_estimators=200, random_state=args.random_state),
        "MLP": make_pipeline(StandardScaler(), MLPClassifier(
            max_epochs=5 if args.quick else 20, random_state=args.random_state)),
    }
    result = compare(
        estimators, X, y, test_size=0.2, signal=["t", "w", "z"],
        random_state=args.random_state, n_jobs=args.n_jobs, verbose=1,
    )
    write_outputs(result, out)
    print(result.to_string())
    return 0


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1.

    Examples
    --------
    >>> positive_int("20")
    20
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


NO_TAGGERS_HELP = "leave out ParticleNet and ParT (the slowest approaches on a CPU)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skjet", description="Compare jet-tagging approaches as scikit-learn estimators."
    )
    sub = parser.add_subparsers(dest="command")

    def common(p, out_default, n_jobs_help="parallel jobs (default 1)"):
        p.add_argument("--out", default=out_default, help=f"output (default {out_default})")
        p.add_argument("--random-state", type=int, default=0)
        p.add_argument("--n-jobs", type=int, default=None, help=n_jobs_help)

    demo = sub.add_parser(
        "demo", help="generate top vs QCD jets and compare every standard approach on them"
    )
    common(demo, "skjet-demo", n_jobs_help="parallel jobs (default: all cores to generate the "
           "jets, 1 to compare)")
    demo.add_argument("--n-jets", type=int, default=None,
                      help="jets per class (default 10000, 800 with --quick)")
    demo.add_argument("--quick", action="store_true", help="small sample, few epochs")
    demo.add_argument("--no-progress", action="store_true")
    demo.add_argument("--no-taggers", action="store_true", help=NO_TAGGERS_HELP)
    demo.set_defaults(func=_demo)

    gen = sub.add_parser("generate", help="write a generated sample in the Top Quark Tagging layout")
    common(gen, "skjet-sample.h5")
    gen.add_argument("--processes", nargs=2, default=["top", "qcd"],
                     metavar=("SIGNAL", "BACKGROUND"),
                     help="signal (is_signal_new=1) and background processes (default top qcd)")
    gen.add_argument("--n-jets", type=int, default=1000, help="jets per process")
    gen.add_argument("--pt-range", type=float, nargs=2, default=[550.0, 650.0])
    gen.add_argument("--no-progress", action="store_true")
    gen.set_defaults(func=_generate)

    cmp_ = sub.add_parser(
        "compare", help="compare the standard approaches on a Top Quark Tagging HDF5 file "
        "(.h5/.hdf5/.hdf) or an hls4ml table (.parquet/.pq/.csv, optionally compressed)"
    )
    cmp_.add_argument("data", help="path to the data file")
    common(cmp_, "skjet-compare")
    cmp_.add_argument("--max-jets", type=positive_int, default=None,
                      help="read at most this many jets (default all)")
    cmp_.add_argument("--quick", action="store_true")
    cmp_.add_argument("--no-taggers", action="store_true", help=NO_TAGGERS_HELP)
    cmp_.set_defaults(func=_compare)
    return parser
