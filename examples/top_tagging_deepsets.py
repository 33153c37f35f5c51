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
from pathlib import Path

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

FIGURES = ("roc.png", "deepsets_history.png", "latent_pca.png")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="Top Quark Tagging HDF5 file; generated jets if omitted")
    parser.add_argument("--max-jets", type=int, default=None, help="read at most this many jets")
    parser.add_argument("--quick", action="store_true", help="small sample, few epochs")
    parser.add_argument("--out", default="examples-output/top_tagging_deepsets",
                        help="folder for the figures")
    parser.add_argument("--n-jets", type=int, default=None,
                        help="generated jets per class (default 3000, 800 with --quick)")
    parser.add_argument("--random-state", type=int, default=0)
    return parser.parse_args(argv)


def load_jets(args):
    """Constituents (n, 200, 4) and labels "top" / "qcd"."""
    if args.data:
        from skjet.datasets import load_top_tagging

        data = load_top_tagging(args.data, stop=args.max_jets)
        return data.constituents, data.target_names[data.target]
    from skjet.datasets import generate_jets

    # The --quick settings are those of the test-suite fixture, so its cache is reused.
    n_jets = args.n_jets or (800 if args.quick else 3000)
    sample = generate_jets(("top", "qcd"), n_jets=n_jets, random_state=args.random_state,
                           n_jobs=1, progress=False)
    return sample.constituents, sample.target


def main(argv=None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    X, y = load_jets(args)
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
    fig.savefig(out / "roc.png", dpi=100, bbox_inches="tight")
    plt.close(fig)

    fig, ax = plt.subplots()
    plot_history(deepsets, ax=ax)
    fig.savefig(out / "deepsets_history.png", dpi=100, bbox_inches="tight")
    plt.close(fig)

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
    fig.savefig(out / "latent_pca.png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"figures written to {out}/: {', '.join(FIGURES)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
