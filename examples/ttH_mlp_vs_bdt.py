"""An event-level analysis from a ROOT file: MLP against boosted trees, with class weights
and importance-based feature pruning.

Workflow
--------
1. Events from a ROOT TTree with one flat branch per feature and a label branch, read with
   :func:`skjet.datasets.load_root`. With ``--data PATH --tree NAME --label-branch NAME``
   that is your own file (``--signal`` names the signal label when it is not the largest
   label value). Without ``--data``, the script first writes such a file itself: top (signal)
   and QCD (background) jets generated with Pythia8 + FastJet, described by kinematic and
   substructure features, written with uproot as the TTree ``events``; only a quarter of the
   top jets are kept so that signal is rare, as in a search.
2. The classes are imbalanced, so the networks and trees weight them
   (``class_weight="balanced"``): a missed signal event costs as much in total as the far
   more numerous background events.
3. Four approaches on the same split (:func:`skjet.model_selection.compare`): AdaBoost on
   depth-3 trees (the classic baseline), XGBoost, an MLP on standardised features and the
   same MLP behind an :class:`~skjet.feature_selection.ImportancePruner` that drops the least
   important third of the features. The pruner measures permutation importance with a
   boosted tree, which does not depend on the scaling of the features; as a Pipeline step it
   learns its selection from the training jets of each fit only.
4. The comparison table, the ROC curves and the permutation importances.

Run ``python examples/ttH_mlp_vs_bdt.py --quick`` or
``--data ttH.root --tree Events --label-branch is_signal``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.ensemble import AdaBoostClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

from skjet.datasets import load_root  # noqa: E402
from skjet.feature_selection import ImportancePruner  # noqa: E402
from skjet.model_selection import compare  # noqa: E402
from skjet.models import MLPClassifier, XGBoostClassifier  # noqa: E402
from skjet.plotting import plot_importances, plot_roc  # noqa: E402

from _common import example_parser, output_dir, save_figure  # noqa: E402

FIGURES = ("roc.png", "importances.png")


def parse_args(argv=None) -> argparse.Namespace:
    parser = example_parser(
        __doc__, "ttH_mlp_vs_bdt",
        data="ROOT file; one is written from generated jets if omitted",
        out="folder for the figures (and the generated ROOT file)",
        n_jets="generated jets per class (default 4000, 800 with --quick)",
    )
    parser.add_argument("--tree", default="events", help="TTree name (default events)")
    parser.add_argument("--label-branch", default="is_signal", help="branch holding the class")
    parser.add_argument("--signal", default=None,
                        help="signal value of the label branch (default: its largest value)")
    parser.add_argument("--branches", nargs="+", default=None,
                        help="feature branches (default: every flat branch but the label)")
    return parser.parse_args(argv)


def write_generated_root(path: Path, args) -> None:
    """Generated top (signal, 1 in 4 kept) and QCD jets as a flat TTree ``events``."""
    import uproot
    from sklearn.pipeline import make_union

    from skjet.datasets import generate_jets
    from skjet.features import JetKinematics, Substructure

    # The --quick settings are those of the test-suite fixture, so its cache is reused.
    n_jets = args.n_jets or (800 if args.quick else 4000)
    sample = generate_jets(("top", "qcd"), n_jets=n_jets, random_state=args.random_state,
                           n_jobs=1, progress=False)
    rng = np.random.default_rng(args.random_state)
    is_top = sample.target == "top"
    keep = ~is_top | (rng.random(len(is_top)) < 0.25)
    constituents = sample.constituents[keep]
    features = make_union(
        JetKinematics(),
        Substructure(features=("tau1", "tau2", "tau3", "tau21", "tau32", "sd_mass")),
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    table = features.fit_transform(constituents)
    branches = {name: table[name].to_numpy() for name in table.columns}
    branches["is_signal"] = is_top[keep].astype(np.int32)
    with uproot.recreate(path) as f:
        f["events"] = branches


def main(argv=None) -> int:
    args = parse_args(argv)
    out = output_dir(args)

    path = Path(args.data) if args.data else out / "generated_events.root"
    if not args.data:
        write_generated_root(path, args)
        print(f"wrote generated top / QCD jets to {path} (TTree 'events')")
    events = load_root(path, args.tree, branches=args.branches and
                       [*args.branches, args.label_branch])
    frame = events.frame
    if args.label_branch not in frame:
        raise KeyError(f"label branch {args.label_branch!r} is not among the flat branches "
                       f"of {path}: {list(frame.columns)}")
    y = frame.pop(args.label_branch).to_numpy()
    X = frame
    values = np.unique(y)
    signal = values[-1] if args.signal is None else type(values[0])(args.signal)
    print(f"{len(y)} events, {X.shape[1]} features; signal ({args.label_branch} = {signal}) "
          f"fraction {np.mean(y == signal):.1%}")

    epochs = 10 if args.quick else 50
    mlp = dict(hidden_layer_sizes=(64, 64), max_epochs=epochs, lr_schedule="exponential",
               class_weight="balanced", random_state=args.random_state)
    pruner = ImportancePruner(
        XGBoostClassifier(n_estimators=100, max_depth=3, random_state=args.random_state),
        drop_fraction=1 / 3, scoring="roc_auc", random_state=args.random_state)
    estimators = {
        "AdaBoost": AdaBoostClassifier(
            DecisionTreeClassifier(max_depth=3, class_weight="balanced"),
            n_estimators=100, random_state=args.random_state),
        "XGBoost": XGBoostClassifier(
            n_estimators=200, max_depth=4, learning_rate=0.1, class_weight="balanced",
            random_state=args.random_state),
        "MLP": make_pipeline(StandardScaler(), MLPClassifier(**mlp)),
        "MLP, pruned": make_pipeline(pruner, StandardScaler(), MLPClassifier(**mlp)),
    }
    result = compare(
        estimators, X, y, test_size=0.3 if args.quick else None, cv=None if args.quick else 3,
        scoring=("roc_auc", "balanced_accuracy", "r50", "significance"), signal=signal,
        random_state=args.random_state, return_estimators=True,
    )
    print(result)

    fig, ax = plt.subplots(figsize=(6, 6))
    plot_roc(result, ax=ax)
    save_figure(fig, out / "roc.png")

    pruned = result.estimators["MLP, pruned"][0]
    kept = pruned[0].get_feature_names_out()
    print(f"the pruner (first fold) kept {len(kept)} of {X.shape[1]} features: {', '.join(kept)}")
    ax = plot_importances(pruned)
    save_figure(ax.figure, out / "importances.png")
    print(f"figures written to {out}/: {', '.join(FIGURES)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
