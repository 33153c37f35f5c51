"""Sub-commands of the ``skjet`` command line: ``demo``, ``generate`` and ``compare``."""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

# DisCo strength of "DeepSets DisCo" under --decorrelate (see benchmarks/bench_decorrelation.py)
DISCO_STRENGTH = 2.0
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


# Wall time per stage of a command, printed as each stage ends and summed up at the end.
_STAGE_TIMES: dict[str, float] = {}


@contextlib.contextmanager
def _stage(name: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - start
        _STAGE_TIMES[name] = _STAGE_TIMES.get(name, 0.0) + seconds
        _log(f"{name}: {seconds:.1f} s")


def _log_stage_times() -> None:
    total = sum(_STAGE_TIMES.values())
    lines = [f"  {name:<40} {seconds:7.1f} s" for name, seconds in _STAGE_TIMES.items()]
    _log("time per stage:\n" + "\n".join(lines) + f"\n  {'total':<40} {total:7.1f} s")
    _STAGE_TIMES.clear()


def run_comparison(constituents, y, *, quick, random_state, n_jobs, out: Path, signal=None,
                   extra=None, settings=None, sample=None, taggers=True, from_scratch=None,
                   cnn=None, decorrelate=None):
    """Compare the standard approaches on constituents and write table, figures and report.

    ``signal`` chooses the signal class(es) (default: the second class in sorted order);
    ``extra`` adds approaches on other inputs, as ``{name: (estimator, X)}``; ``taggers``
    includes the reference taggers, pretrained or ``from_scratch``; ``cnn`` the CNN on jet
    images (None: on CUDA only); ``decorrelate="mass"`` adds DisCo DeepSets and scores the
    mass sculpting (1/JSD, the sculpting figures) of every approach.
    """
    from sklearn.base import clone

    from .model_selection import compare, prepare_inputs, standard_approaches

    approaches = standard_approaches(quick=quick, random_state=random_state, taggers=taggers,
                                     from_scratch=from_scratch, classes=np.unique(y), cnn=cnn)
    estimators = {name: est for name, (est, _) in approaches.items()}
    # Fetch (or find) the checkpoints before any training: a missing file fails in a second,
    # not after minutes of training the other approaches.
    checkpoints = {getattr(est, "pretrained", None) for est in estimators.values()} - {None}
    if checkpoints:
        from .models import load_pretrained

        with _stage("pretrained checkpoints (downloaded once)"):
            for checkpoint in checkpoints:
                load_pretrained(checkpoint)
    _log("computing jet features, relative constituents and jet images")
    with _stage("jet features, constituents, images"):
        inputs = prepare_inputs(constituents)
    X = {name: inputs[key] for name, (_, key) in approaches.items()}
    for name, (estimator, X_extra) in (extra or {}).items():
        estimators[name], X[name] = estimator, X_extra
    target = None
    if decorrelate == "mass":
        target = inputs["jet_features"]["mass"].to_numpy()
        if "DeepSets" in estimators:
            estimators["DeepSets DisCo"] = clone(estimators["DeepSets"]).set_params(
                deepsetsclassifier__decorrelation="disco",
                deepsetsclassifier__decorrelation_strength=DISCO_STRENGTH)
            X["DeepSets DisCo"] = X["DeepSets"]
    scoring = ("accuracy", "roc_auc", "r30", "r50", "significance")
    _log(f"comparing {len(estimators)} approaches on {len(y)} jets (held-out 30 %)")
    with _stage(f"training and testing {len(estimators)} approaches"):
        result = compare(
            estimators, X, y, test_size=0.3, scoring=scoring, random_state=random_state,
            n_jobs=n_jobs, return_estimators=True, verbose=1, signal=signal,
            decorrelation_target=target,
        )
    with _stage("table, figures and report"):
        write_outputs(result, out, inputs=inputs, settings=settings, sample=sample)
    _log_stage_times()
    return result


def write_outputs(result, out: Path, *, inputs=None, settings=None, sample=None) -> None:
    """Table (CSV, markdown), every figure (PNG and PDF) and the one-page report.html.

    The figures draw from the predictions the result keeps and from ``inputs`` (those of
    :func:`skjet.model_selection.prepare_inputs`: the jet features, the images).
    """
    import matplotlib

    matplotlib.use("Agg")
    from .model_selection import write_comparison_report

    out.mkdir(parents=True, exist_ok=True)
    result.to_csv(out / "comparison.csv")
    (out / "comparison.md").write_text(result.to_markdown() + "\n")
    result.rejection_intervals().to_csv(out / "rejection_intervals.csv")
    inputs = inputs or {}
    report = write_comparison_report(
        result, out, features=inputs.get("jet_features"),
        images=inputs.get("images"), settings=settings, sample=sample,
    )
    _log(f"wrote the table, figures (PNG, PDF) and {report.name} to {out}/")


def _demo(args: argparse.Namespace) -> int:
    from .datasets import generate_jets

    # --quick uses the size of the test suite's sample, so a machine that ran the tests
    # finds it in the cache.
    n_jets = args.n_jets or (800 if args.quick else 10_000)
    _log(f"generating {n_jets} top and {n_jets} QCD jets (Pythia8 + FastJet; cached)")
    # Generation parallelises perfectly over processes; the sample does not depend on it.
    with _stage("generating jets (or reading the cache)"):
        sample = generate_jets(
            processes=("top", "qcd"), n_jets=n_jets, random_state=args.random_state,
            n_jobs=args.n_jobs or -1, progress=not args.no_progress, detector=args.detector,
        )
    print(summarize_sample(sample.jets).to_string())
    out = Path(args.out)
    from .plotting import sample_label

    settings = {
        "command": "demo", "n_jets_per_class": n_jets, "quick": args.quick,
        "random_state": args.random_state, "taggers": not args.no_taggers,
        "from_scratch": args.from_scratch, "cnn": args.cnn,
        "generator": {k: v for k, v in sample.settings.items() if _jsonable(v)},
    }
    result = run_comparison(
        sample.constituents, sample.target, quick=args.quick, random_state=args.random_state,
        n_jobs=args.n_jobs, out=out, settings=settings, sample=sample_label(sample.settings),
        taggers=not args.no_taggers, from_scratch=args.from_scratch, cnn=args.cnn,
    )
    print(result.to_string())
    settings["evaluation"] = result.description
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
        detector=args.detector,
    )
    # The layout has one flag, is_signal_new: the first process is the signal.
    is_signal = (sample.target == sample.target_names[0]).astype(np.int64)
    # Rows in random order, as in the public files: the first N rows are a fair sample.
    rows = np.random.default_rng(args.random_state).permutation(len(is_signal))
    save_top_tagging(args.out, sample.constituents[rows], is_signal[rows])
    print(summarize_sample(sample.jets).to_string())
    _log(f"wrote {len(sample.target)} jets in the Top Quark Tagging layout to {args.out}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.data]
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"no such file: {path}")
    out = Path(args.out)
    if any(p.suffix.lower() == ".root" for p in paths):
        return _compare_root(paths, args, out)
    if len(paths) > 1:
        raise ValueError(
            f"several files ({len(paths)}) are read only as ROOT files (one per class, with "
            "--labels); give one Top Quark Tagging or hls4ml file."
        )
    path = paths[0]
    if path.suffix.lower() not in HDF5_SUFFIXES:
        return _compare_hls4ml(path, args, out)  # load_hls4ml names the formats it reads
    constituents, labels = _read_top_tagging_sample(path, args.max_jets, args.random_state)
    _log(f"read {len(labels)} jets from {path}")
    result = run_comparison(
        constituents, labels, quick=args.quick, random_state=args.random_state,
        n_jobs=args.n_jobs, out=out, signal=args.signal, from_scratch=args.from_scratch,
        cnn=args.cnn,
        sample=f"{path.name}: top vs QCD jets",
        settings={"command": "compare", "data": str(path), "n_jets": len(labels),
                  "quick": args.quick, "random_state": args.random_state,
                  "signal": args.signal, "decorrelate": args.decorrelate},
        taggers=not args.no_taggers, decorrelate=args.decorrelate,
    )
    print(result.to_string())
    return 0


def _refuse_decorrelation_without_constituents(args: argparse.Namespace) -> None:
    if args.decorrelate:
        raise ValueError(
            "--decorrelate mass needs constituents to compute the jet mass from; this input "
            "has jet features only."
        )


def _compare_hls4ml(path: Path, args: argparse.Namespace, out: Path) -> int:
    """The hls4ml exercise: 5 classes, scored as light (g, q) vs heavy (t, w, z)."""
    _refuse_decorrelation_without_constituents(args)
    from .datasets import load_hls4ml
    from .model_selection import compare, feature_approaches

    X, y = load_hls4ml(path, return_X_y=True)
    rows = stratified_sample(np.asarray(y), args.max_jets, args.random_state)
    X, y = X.iloc[rows], np.asarray(y, dtype=object)[rows]
    estimators = feature_approaches(quick=args.quick, random_state=args.random_state)
    signal = args.signal or ["t", "w", "z"]
    result = compare(
        estimators, X, y, test_size=0.2, signal=signal, random_state=args.random_state,
        n_jobs=args.n_jobs, verbose=1, return_estimators=True,
    )
    write_outputs(
        result, out, inputs={"jet_features": X},
        sample=f"{path.name}: g, q, t, W, Z jets", settings={
            "command": "compare", "data": str(path), "n_jets": len(y), "quick": args.quick,
            "random_state": args.random_state, "signal": ", ".join(signal),
        },
    )
    print(result.to_string())
    return 0


def stratified_sample(y, n: int | None, random_state) -> np.ndarray:
    """Sorted rows of a random sample of ``n`` labels with the class proportions of ``y``.

    All rows when ``n`` is None or at least ``len(y)``: files sorted by class (one class
    after the other) still give every class.

    Examples
    --------
    >>> stratified_sample(np.array(["a"] * 6 + ["b"] * 4), 5, 0).size
    5
    """
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(y))
    if n is None or n >= len(y):
        return rows
    keep, _ = train_test_split(rows, train_size=n, stratify=y, random_state=random_state)
    return np.sort(keep)


def _read_top_tagging_sample(path: Path, max_jets, random_state):
    """Constituents and class names of a stratified sample of a Top Quark Tagging file.

    Two passes, one chunk in memory at a time: the labels, then the chosen rows.
    """
    from .datasets import iter_top_tagging, load_top_tagging

    if max_jets is None:
        data = load_top_tagging(path)
        return data.constituents, np.asarray(data.target_names)[data.target]
    y = np.concatenate([y for _, y in iter_top_tagging(path)])
    keep = np.zeros(len(y), dtype=bool)
    keep[stratified_sample(y, max_jets, random_state)] = True
    parts, start = [], 0
    for X, y_chunk in iter_top_tagging(path):
        parts.append(X[keep[start : start + len(y_chunk)]])
        start += len(y_chunk)
    from .datasets._top_tagging import TARGET_NAMES

    return np.concatenate(parts), np.asarray(TARGET_NAMES)[y[keep]]


def _compare_root(paths: list[Path], args: argparse.Namespace, out: Path) -> int:
    """ROOT files: jets with constituents (PFNano index table or one entry per jet) and/or
    jet-level feature branches; labels from a branch or one per file."""
    from .datasets import load_pfnano, load_root
    from .model_selection import compare, feature_approaches

    if args.labels is not None:
        if len(args.labels) != len(paths):
            raise ValueError(
                f"--labels gives {len(args.labels)} label(s) for {len(paths)} file(s); give one "
                "per file."
            )
        if args.label is not None:
            raise ValueError("give --label (a branch) or --labels (one per file), not both.")
    elif args.label is None:
        raise ValueError(
            "ROOT files need labels: --label BRANCH, or one file per class with --labels."
        )
    features = list(args.features or [])
    if args.constituents:  # one entry per jet; constituents as jagged branches
        parts = [
            load_root(path, args.tree, branches=features, stack=args.constituents,
                      coordinates=args.coordinates, label=args.label,
                      max_constituents=args.max_constituents)
            for path in paths
        ]
        width = max(p.constituents.shape[1] for p in parts)
        constituents = np.concatenate([
            np.pad(p.constituents, ((0, 0), (0, width - p.constituents.shape[1]), (0, 0)))
            for p in parts
        ])
        frame = pd.concat([p.frame for p in parts], ignore_index=True)
        y = np.concatenate([
            p.target if args.labels is None else np.full(len(p.frame), label, dtype=object)
            for p, label in zip(parts, args.labels or [None] * len(parts))
        ])
    else:  # PFNano layout: candidates per event with an index table to the jets
        source = dict(zip(paths, args.labels)) if args.labels is not None else paths
        candidates = None if args.candidates.lower() == "none" else args.candidates
        data = load_pfnano(
            source, args.tree, jets=args.jets, candidates=candidates,
            jet_branches=features or [f"{args.jets}_pt"], coordinates=args.coordinates,
            max_constituents=args.max_constituents or 100, label=args.label,
        )
        constituents, frame, y = data.constituents, data.jets[features], data.target
        _log(f"{data.DESCR}")
    rows = stratified_sample(y, args.max_jets, args.random_state)
    y, frame = np.asarray(y)[rows], frame.iloc[rows].reset_index(drop=True)
    _log(f"read {len(y)} jets of classes {np.unique(y).tolist()} from {len(paths)} file(s)")
    sample = f"{', '.join(p.name for p in paths)}: {', '.join(map(str, np.unique(y)))} jets"
    settings = {
        "command": "compare", "data": [str(p) for p in paths], "tree": args.tree,
        "n_jets": len(y), "quick": args.quick, "random_state": args.random_state,
        "signal": args.signal,
    }
    if constituents is None:
        if not features:
            raise ValueError("nothing to compare: give --features, or jets with constituents.")
        _refuse_decorrelation_without_constituents(args)
        result = compare(
            feature_approaches(quick=args.quick, random_state=args.random_state), frame, y,
            test_size=0.3, signal=args.signal, random_state=args.random_state,
            n_jobs=args.n_jobs, verbose=1, return_estimators=True,
        )
        write_outputs(result, out, inputs={"jet_features": frame}, sample=sample,
                      settings=settings)
    else:
        extra = {}
        if features:
            from .models import XGBoostClassifier

            extra["XGBoost (file features)"] = (
                XGBoostClassifier(n_estimators=300, random_state=args.random_state), frame
            )
        result = run_comparison(
            constituents[rows], y, quick=args.quick, random_state=args.random_state,
            n_jobs=args.n_jobs, out=out, signal=args.signal, extra=extra,
            sample=sample, settings=settings, taggers=not args.no_taggers,
            from_scratch=args.from_scratch, cnn=args.cnn, decorrelate=args.decorrelate,
        )
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


NO_TAGGERS_HELP = "leave out the reference taggers (the slowest approaches on a CPU)"
FROM_SCRATCH_HELP = (
    "train ParticleNet and ParT from scratch instead of fine-tuning JetClass's pretrained "
    "ParticleNet (and listing it zero-shot); default: from scratch on CUDA only"
)
CNN_HELP = "include the CNN on jet images (default: on CUDA only)"
DETECTOR_HELP = ("detector simulation of the generated jets: Delphes-like ATLAS or CMS card, "
                 "or hadron (none) (default atlas)")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="skjet", description="Compare jet-tagging approaches as scikit-learn estimators.",
        epilog="Exit status: 0 on success, 1 for a problem with the input (one line on "
        "stderr), 2 for invalid arguments, 130 when interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"skjet {__version__}")
    sub = parser.add_subparsers(dest="command")

    def common(p, out_default, n_jobs_help="parallel jobs (default 1)"):
        p.add_argument("--out", default=out_default, help=f"output (default {out_default})")
        p.add_argument("--random-state", type=int, default=0,
                       help="seed of the generator, the splits and the models (default 0)")
        p.add_argument("--n-jobs", type=int, default=None, help=n_jobs_help)
        p.add_argument("--debug", action="store_true",
                       help="show the full traceback of an error instead of one line")

    demo = sub.add_parser(
        "demo", help="generate top vs QCD jets and compare every standard approach on them"
    )
    common(demo, "skjet-demo", n_jobs_help="parallel jobs (default: all cores to generate the "
           "jets, 1 to compare)")
    demo.add_argument("--n-jets", type=positive_int, default=None,
                      help="jets per class (default 10000, 800 with --quick)")
    demo.add_argument("--quick", action="store_true", help="small sample, few epochs")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo.add_argument("--no-taggers", action="store_true", help=NO_TAGGERS_HELP)
    demo.add_argument("--from-scratch", action=argparse.BooleanOptionalAction, default=None,
                      help=FROM_SCRATCH_HELP)
    demo.add_argument("--cnn", action=argparse.BooleanOptionalAction, default=None,
                      help=CNN_HELP)
    demo.add_argument("--detector", choices=("atlas", "cms", "hadron"), default="atlas",
                      help=DETECTOR_HELP)
    demo.set_defaults(func=_demo)

    gen = sub.add_parser("generate", help="write a generated sample in the Top Quark Tagging layout")
    common(gen, "skjet-sample.h5")
    gen.add_argument("--processes", nargs=2, default=["top", "qcd"],
                     metavar=("SIGNAL", "BACKGROUND"),
                     help="signal (is_signal_new=1) and background processes (default top qcd)")
    gen.add_argument("--n-jets", type=positive_int, default=1000,
                     help="jets per process (default 1000); rows are written in random order")
    gen.add_argument("--pt-range", type=float, nargs=2, default=[550.0, 650.0],
                     metavar=("LOW", "HIGH"), help="jet pT range in GeV (default 550 650)")
    gen.add_argument("--no-progress", action="store_true", help="no progress bar")
    gen.add_argument("--detector", choices=("atlas", "cms", "hadron"), default="atlas",
                     help=DETECTOR_HELP)
    gen.set_defaults(func=_generate)

    cmp_ = sub.add_parser(
        "compare", help="compare the standard approaches on a Top Quark Tagging HDF5 file "
        "(.h5/.hdf5/.hdf), an hls4ml table (.parquet/.pq/.csv, optionally compressed) or "
        "ROOT files (.root)"
    )
    cmp_.add_argument("data", nargs="+", help="the data file; several .root files with --labels "
                      "(one file per class)")
    common(cmp_, "skjet-compare")
    cmp_.add_argument("--max-jets", type=positive_int, default=None,
                      help="use a random sample of this many jets, stratified by class "
                      "(default all)")
    cmp_.add_argument("--quick", action="store_true", help="fewer epochs")
    cmp_.add_argument("--no-taggers", action="store_true", help=NO_TAGGERS_HELP)
    cmp_.add_argument("--from-scratch", action=argparse.BooleanOptionalAction, default=None,
                      help=FROM_SCRATCH_HELP)
    cmp_.add_argument("--cnn", action=argparse.BooleanOptionalAction, default=None,
                      help=CNN_HELP)
    cmp_.add_argument("--decorrelate", choices=["mass"], default=None,
                      help="score the mass sculpting of every approach (1/JSD at 50%% signal "
                      "efficiency, sculpting figures) and add DeepSets trained with DisCo")
    cmp_.add_argument("--signal", nargs="+", default=None, metavar="CLASS",
                      help="the signal class(es) (default: the second class in sorted order; "
                      "t w z for hls4ml tables)")
    root = cmp_.add_argument_group("ROOT files")
    root.add_argument("--tree", default="Events", help="the TTree (default Events)")
    root.add_argument("--label", default=None, metavar="BRANCH",
                      help="branch holding the class of each event or jet")
    root.add_argument("--labels", nargs="+", default=None, metavar="CLASS",
                      help="one class per file, in the order of the files")
    root.add_argument("--jets", default="FatJet", metavar="PREFIX",
                      help="jet collection of a NanoAOD/PFNano file (default FatJet)")
    root.add_argument("--candidates", default="PFCands", metavar="PREFIX",
                      help="candidate collection, mapped to the jets by the index table "
                      "{jets}{candidates}_jetIdx / _pFCandsIdx (default PFCands; 'none': "
                      "feature branches only)")
    root.add_argument("--constituents", nargs="+", default=None, metavar="BRANCH",
                      help="instead of a candidate collection: jagged branches of a tree with "
                      "one entry per jet, four-momentum first (e.g. part_pt part_eta part_phi "
                      "part_mass)")
    root.add_argument("--coordinates", default="pt_eta_phi_m",
                      choices=("pt_eta_phi_m", "pt_eta_phi_e", "e_px_py_pz"),
                      help="coordinates of the stored constituents (default pt_eta_phi_m)")
    root.add_argument("--features", nargs="+", default=None, metavar="BRANCH",
                      help="jet-level feature branches (e.g. FatJet_msoftdrop FatJet_tau3); "
                      "an XGBoost on them joins the comparison")
    root.add_argument("--max-constituents", type=positive_int, default=None,
                      help="constituents kept per jet, the hardest (default 100 for "
                      "candidates, the longest jet for --constituents)")
    cmp_.set_defaults(func=_compare)
    return parser
