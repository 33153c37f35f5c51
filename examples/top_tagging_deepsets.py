"""Top tagging: a logistic-regression baseline and a Deep Sets network on constituents.

Workflow
--------
1. Top and QCD jets in the layout of the Top Quark Tagging Reference Dataset: up to 200
   constituents (E, px, py, pz) per jet, pT-ordered and zero-padded. With ``--data`` an
   HDF5 file of that dataset (``train.h5``, ``val.h5`` or ``test.h5``) is read in chunks
   with :func:`skjet.datasets.load_top_tagging`; without it, top and QCD jets are generated
   with Pythia8 + FastJet in the same pT window.
2. Baseline: logistic regression on the jet mass and the mean constituent pT, computed
   from the constituents by :class:`skjet.features.JetKinematics` inside the Pipeline.
3. Deep Sets (Particle Flow Network): ``RelativeConstituents`` (coordinates relative to
   the jet axis) -> ``ConstituentScaler`` (statistics of real constituents only) ->
   ``DeepSetsClassifier`` (padding is masked in the pooling).
4. :func:`skjet.model_selection.compare` fits both on the same training jets and gives the
   AUC and the background rejection at 30 % signal efficiency on the same test jets, and
   the ROC curves; then the training loss, and the latent space: ``DeepSetsClassifier.transform`` gives each jet's
   pooled latent vector, projected on its first two principal components and coloured by
   class.

Run ``python examples/top_tagging_deepsets.py --quick`` or ``--data val.h5 --max-jets 50000``.
"""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skjet.features import JetKinematics  # noqa: E402
from skjet.model_selection import compare  # noqa: E402
from skjet.models import DeepSetsClassifier  # noqa: E402
from skjet.plotting import plot_history, plot_roc  # noqa: E402
from skjet.preprocessing import ConstituentScaler, RelativeConstituents  # noqa: E402

from _common import load_top_qcd, output_dir, save_figure, top_tagging_parser  # noqa: E402

FIGURES = ("roc.png", "deepsets_history.png", "latent_pca.png")


def parse_args(argv=None) -> argparse.Namespace:
    parser = top_tagging_parser(
        __doc__, "top_tagging_deepsets", out="folder for the figures",
        n_jets="generated jets per class (default 3000, 800 with --quick)",
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    out = output_dir(args)

    X, y = load_top_qcd(args)
    print(f"{len(y)} jets with up to {X.shape[1]} constituents")
    baseline = make_pipeline(
        JetKinematics(features=("mass", "mean_pt")), StandardScaler(), LogisticRegression())
    deepsets = make_pipeline(
        RelativeConstituents(),
        ConstituentScaler(),
        DeepSetsClassifier(phi_sizes=(64, 64, 64), f_sizes=(64, 64), pooling="mean",
                           max_epochs=6 if args.quick else 30, random_state=args.random_state),
    )
    # Both approaches on the same held-out quarter; "top" (classes_[1]) is the signal.
    result = compare(
        {"logistic (mass, mean pT)": baseline, "Deep Sets": deepsets}, X, y, test_size=0.25,
        scoring=["roc_auc", "r30"], random_state=args.random_state, return_estimators=True,
    )
    for name, row in result.table.iterrows():
        print(f"{name:26s} AUC {row['roc_auc_mean']:.3f}   R30 {row['r30_mean']:8.1f}")
    deepsets = result.estimators["Deep Sets"][0]  # the fitted clone
    test = result.splits[0][1]
    X_test, y_test = X[test], y[test]

    fig, ax = plt.subplots(figsize=(6, 6))
    plot_roc(result.curves, ax=ax)
    save_figure(fig, out / "roc.png")

    fig, ax = plt.subplots()
    plot_history(deepsets, ax=ax)
    save_figure(fig, out / "deepsets_history.png")

    # Latent space: the pooled per-jet vector that the jet network F classifies.
    latent = deepsets[-1].transform(deepsets[:-1].transform(X_test))
    pca = PCA(n_components=2).fit(latent)
    projected = pca.transform(latent)
    print(f"latent dimension {latent.shape[1]}; first two principal components explain "
          f"{pca.explained_variance_ratio_.sum():.0%} of its variance")
    fig, ax = plt.subplots(figsize=(6, 5))
    for label, color in (("qcd", "tab:blue"), ("top", "tab:red")):
        sel = y_test == label
        ax.scatter(projected[sel, 0], projected[sel, 1], s=6, alpha=0.5, color=color, label=label)
    ax.set_xlabel("latent PC 1")
    ax.set_ylabel("latent PC 2")
    ax.legend()
    save_figure(fig, out / "latent_pca.png")
    print(f"figures written to {out}/: {', '.join(FIGURES)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
