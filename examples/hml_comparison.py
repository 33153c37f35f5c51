"""Every approach on one tagging problem, in one table: cut-and-count, boosted trees, an MLP
and CNNs on jet images.

Workflow
--------
1. Boosted W jets against QCD jets. Without ``--data`` they are generated with Pythia8 +
   FastJet (``--quick`` reuses the cached 1 TeV five-class sample of the test suite: W jets
   against its light-quark and gluon jets, the QCD background). ``--data`` reads a file in
   the Top Quark Tagging Reference Dataset layout instead (top against QCD).
2. Jet-level observables (mass, groomed mass, multiplicity, N-subjettiness ratios, ...) for
   the feature-based approaches; the constituents themselves for the CNNs, which turn them
   into 33x33 jet images inside their Pipeline (:class:`skjet.preprocessing.JetImage`), each
   image divided by its maximum pixel or mapped through log(1 + x).
3. The approaches: rectangular cuts on three observables with the parallel and the sequential
   topology (:class:`skjet.models.CutAndCountClassifier`), a boosted decision tree
   (:class:`skjet.models.XGBoostClassifier`), an MLP 32-64-32 on min-max-scaled observables
   and the two CNNs.
4. :func:`skjet.model_selection.compare` fits each on the same training jets and tabulates
   accuracy, AUC, the best expected significance and the background rejections R50 and R99
   on the same test jets; then the ROC and rejection curves and one panel per cut.
5. Every fitted approach is saved with joblib, loaded back, and checked to predict exactly
   as before.

Run ``python examples/hml_comparison.py --quick`` or ``--data test.h5 --max-jets 20000``.
"""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")
import joblib  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.pipeline import make_pipeline, make_union  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

from skjet.features import JetKinematics, Substructure  # noqa: E402
from skjet.model_selection import compare  # noqa: E402
from skjet.models import (  # noqa: E402
    CNNClassifier,
    CutAndCountClassifier,
    MLPClassifier,
    XGBoostClassifier,
)
from skjet.plotting import plot_cuts, plot_rejection, plot_roc  # noqa: E402
from skjet.preprocessing import JetImage  # noqa: E402

from _common import output_dir, read_top_tagging, save_figure, top_tagging_parser  # noqa: E402

CUT_OBSERVABLES = ["sd_mass", "tau21", "multiplicity"]
FIGURES = ("roc.png", "rejection.png", "cuts_parallel.png", "cuts_sequential.png")


def parse_args(argv=None) -> argparse.Namespace:
    parser = top_tagging_parser(
        __doc__, "hml_comparison", out="folder for the table, the figures and the saved models",
        n_jets="generated jets per class (default 3000; --quick: 300 W jets)",
        data="Top Quark Tagging HDF5 file; generated W / QCD jets if omitted",
    )
    return parser.parse_args(argv)


def load_jets(args):
    """Constituents, labels and the signal label."""
    from skjet.datasets import generate_jets

    if args.data:
        return (*read_top_tagging(args), "top")
    if args.quick and not args.n_jets:
        # The test-suite fixture's sample: its cache makes this instantaneous.
        sample = generate_jets(("g", "q", "t", "w", "z"), n_jets=300, pt_range=(900, 1100),
                               random_state=args.random_state, n_jobs=1, progress=False)
        keep = np.isin(sample.target, ["w", "g", "q"])
        y = np.where(sample.target[keep] == "w", "w", "qcd")
        return sample.constituents[keep], y, "w"
    sample = generate_jets(("w", "qcd"), n_jets=args.n_jets or 3000,
                           random_state=args.random_state, n_jobs=1, progress=False)
    return sample.constituents, sample.target, "w"


def observables(constituents) -> pd.DataFrame:
    """Kinematic and substructure observables of each jet, as one DataFrame."""
    return make_union(
        JetKinematics(features=("pt", "mass", "multiplicity", "mean_pt")),
        Substructure(features=("tau21", "tau32", "sd_mass")),
        verbose_feature_names_out=False,
    ).set_output(transform="pandas").fit_transform(constituents)


def main(argv=None) -> int:
    args = parse_args(argv)
    out = output_dir(args)

    constituents, y, signal = load_jets(args)
    features = observables(constituents)
    print(f"{len(y)} jets ({np.sum(y == signal)} {signal}); observables {list(features.columns)}")

    epochs = 25 if args.quick else 50
    neural = dict(max_epochs=epochs, batch_size=64, lr=3e-3, random_state=args.random_state)
    estimators = {
        "cut-and-count (parallel)": CutAndCountClassifier(
            topology="parallel", features=CUT_OBSERVABLES),
        "cut-and-count (sequential)": CutAndCountClassifier(
            topology="sequential", features=CUT_OBSERVABLES),
        "BDT": XGBoostClassifier(n_estimators=200, max_depth=3, random_state=args.random_state),
        "MLP": make_pipeline(MinMaxScaler(), MLPClassifier(
            hidden_layer_sizes=(32, 64, 32), **neural)),
        "CNN (max)": make_pipeline(JetImage(size=33, normalize="max"), CNNClassifier(**neural)),
        "CNN (log)": make_pipeline(JetImage(size=33, normalize="log"), CNNClassifier(**neural)),
    }
    # Each approach gets its own input; all hold the same jets in the same order.
    X = {name: constituents if name.startswith("CNN") else features for name in estimators}
    result = compare(
        estimators, X, y, test_size=0.3, signal=signal,
        scoring=("accuracy", "roc_auc", "significance", "r50", "r99"),
        random_state=args.random_state, return_estimators=True,
    )
    print(result)
    (out / "comparison.md").write_text(result.to_markdown() + "\n")

    for name, plot in (("roc.png", plot_roc), ("rejection.png", plot_rejection)):
        fig, ax = plt.subplots(figsize=(6, 6))
        plot(result, ax=ax)
        save_figure(fig, out / name)

    train, test = result.splits[0]
    for topology in ("parallel", "sequential"):
        model = result.estimators[f"cut-and-count ({topology})"][0]
        print(f"cuts, {topology}:\n{model}")
        fig = plot_cuts(model, features.iloc[train], y[train])
        save_figure(fig, out / f"cuts_{topology}.png")

    # Save and load: every approach is an ordinary picklable scikit-learn object.
    for name, (model,) in result.estimators.items():
        slug = "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")
        path = out / f"{slug}.joblib"
        joblib.dump(model, path)
        test_X = X[name][test] if isinstance(X[name], np.ndarray) else X[name].iloc[test]
        reloaded = joblib.load(path)
        if not np.array_equal(reloaded.predict_proba(test_X), model.predict_proba(test_X)):
            raise RuntimeError(f"{name}: the reloaded model predicts differently")
    print(f"saved and reloaded {len(result.estimators)} approaches (identical predictions)")
    print(f"table, figures ({', '.join(FIGURES)}) and models written to {out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
