"""Mass decorrelation: background rejection R50 against 1/JSD at 50 % signal efficiency.

Top vs QCD jets from ``skjet.datasets.generate_jets`` (550-650 GeV, cached), split into
``--n-train`` training and ``--n-test`` test jets (stratified, random_state 0). Every
approach is trained on the training jets and scored on the test jets:

- DeepSets (ConstituentScaler + DeepSetsClassifier on relative constituents), plain and with
  DisCo (``decorrelation="disco"``, target the jet mass) at each ``--lambdas`` strength;
- ParticleNet (the "small" preset on the hardest ``--max-constituents``), plain and with
  DisCo (the classifier computes the jet mass itself);
- XGBoost on the jet features of ``skjet compare`` (mass included): plain, trained with
  ``skjet.decorrelation.flat_weights`` (each class flat in (pT, mass)), and with the
  bin-flatness objective (``decorrelation="flatness"``) at each ``--xgb-lambdas`` strength;
- DeepSets trained with the background reweighted to the signal's mass distribution
  (``--matched-lambdas``: one row per DisCo strength, 0 for none; see below);
- DeepSets whose constituents also carry their distances to the N-subjettiness axes
  (``--subjet-lambdas``: one row per DisCo strength, 0 for none; see below);
- tau32 and its DDT (``DesignedDecorrelatedTagger`` on (tau32, rho), fitted on the training
  background at ``--ddt-efficiency``).

The table gives AUC, R50 (background rejection at 50 % signal efficiency) and 1/JSD: the
inverse Jensen-Shannon divergence between the mass histograms (``--mass-bins`` bins over
0-300 GeV) of the test background jets that pass and fail the cut at 50 % signal efficiency,
and the ratios of each decorrelated approach to its plain baseline. The issue's target:
DisCo DeepSets raises 1/JSD at least 5-fold with R50 within a factor 2 of plain DeepSets.

The mass-matched rows train DeepSets with ``sample_weight`` that give the background jets
the signal's mass distribution (the ratio of the two training histograms in
``--mass-bins`` bins over 0-300 GeV, capped at 100 times the background mean): the mass
alone then no longer separates the classes in the loss, so the network has to learn
substructure (mass "planing", Chang, Cohen and Ostdiek 2018), and DisCo has less mass
dependence left to remove. The weights enter the distance correlation too.

The "+subjets" rows give every constituent two more features: its (rapidity, phi) distance
to the nearest of the 2 and of the 3 exclusive-kT subjet axes of its jet (the axes of tau2
and tau3; ``RelativeConstituents(nsubjettiness_axes=(2, 3))``). A sum over constituents of
pT times such a distance is tau_N itself, so the three-prong structure that separates top
from QCD at the same mass is one sum away for the Deep Sets, instead of something it has
to find from (eta, phi) positions; DisCo then removes the mass dependence without removing
all that was learnt. Their ratios are to the "+subjets" row with lambda 0 when it is
there; the column "target" compares every DeepSets row with plain DeepSets: R50 at least
half and 1/JSD at least 5 times.

    python benchmarks/bench_decorrelation.py [--quick] [--n-train 20000] [--n-test 20000]
        [--epochs 10] [--lambdas 1 2 3] [--matched-lambdas 0 0.5 1] [--subjet-lambdas 0 1]
        [--particlenet-epochs 3] [--xgb-lambdas 1 3] [--skip-deepsets] [--skip-particlenet]
        [--skip-xgboost] [--device {auto,cpu,cuda}] [--random-state 0] [--save scores.npz]
        [--figures DIR]

``--lambdas``, ``--matched-lambdas`` and ``--subjet-lambdas`` take no values to skip
those rows.

``--save`` writes the test scores, labels and masses; ``--figures`` draws the sculpting plot
of each approach and the decorrelation plane.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch

from skjet.preprocessing import RelativeConstituents

from _common import top_qcd_inputs

MASS_RANGE = (0.0, 300.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--n-test", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--lambdas", type=float, nargs="*", default=[1.0, 2.0, 3.0],
                        help="DisCo strengths of DeepSets")
    parser.add_argument("--matched-lambdas", type=float, nargs="*", default=[],
                        help="DisCo strengths (0: none) of DeepSets trained with the "
                             "background reweighted to the signal's mass distribution")
    parser.add_argument("--subjet-lambdas", type=float, nargs="*", default=[],
                        help="DisCo strengths (0: none) of DeepSets with the constituents' "
                             "distances to the 2 and 3 kT subjet axes as extra features")
    parser.add_argument("--particlenet-lambda", type=float, default=2.0)
    parser.add_argument("--particlenet-epochs", type=int, default=None,
                        help="epochs of ParticleNet (default: --epochs)")
    parser.add_argument("--max-constituents", type=int, default=64)
    parser.add_argument("--xgb-lambdas", type=float, nargs="*", default=[1.0, 3.0],
                        help="flatness strengths of XGBoost")
    parser.add_argument("--skip-particlenet", action="store_true")
    parser.add_argument("--skip-deepsets", action="store_true")
    parser.add_argument("--skip-xgboost", action="store_true")
    parser.add_argument("--random-state", type=int, default=0,
                        help="random_state of the networks (the jets and the split keep 0)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                        help="the networks' device parameter")
    parser.add_argument("--ddt-efficiency", type=float, default=0.1)
    parser.add_argument("--mass-bins", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--save", default=None, help="npz file for the test scores")
    parser.add_argument("--figures", default=None, help="folder for the figures")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    n_train = args.n_train or (2000 if args.quick else 20_000)
    n_test = args.n_test or (2000 if args.quick else 20_000)
    epochs = args.epochs or (2 if args.quick else 10)

    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    from skjet.decorrelation import DesignedDecorrelatedTagger, flat_weights, rho
    from skjet.metrics import jsd_at_efficiency, rejection_at_efficiency
    from skjet.models import DeepSetsClassifier, ParticleNetClassifier, XGBoostClassifier
    from skjet.preprocessing import ConstituentScaler

    print(f"torch threads: {torch.get_num_threads()}; train {n_train}, test {n_test} jets, "
          f"{epochs} epochs, batch {args.batch_size}, device {args.device}, "
          f"random_state {args.random_state}", flush=True)
    inputs, y = top_qcd_inputs((n_train + n_test + 1) // 2)
    feats = inputs["jet_features"]
    mass, pt = feats["mass"].to_numpy(), feats["pt"].to_numpy()
    train, test = train_test_split(np.arange(len(y)), train_size=n_train, test_size=n_test,
                                   stratify=y, random_state=0)
    is_top = y[test] == "top"
    bins = np.linspace(*MASS_RANGE, args.mass_bins + 1)

    def rows_of(X, index):
        return X.iloc[index] if hasattr(X, "iloc") else X[index]

    neural = dict(max_epochs=epochs, batch_size=args.batch_size, early_stopping=False,
                  random_state=args.random_state, device=args.device)

    def deepsets(**params):
        return make_pipeline(ConstituentScaler(), DeepSetsClassifier(
            phi_sizes=(64, 64, 64), f_sizes=(64, 64), **neural, **params))

    def particlenet(**params):
        return ParticleNetClassifier(preset="small", max_constituents=args.max_constituents,
                                     **{**neural, "max_epochs": args.particlenet_epochs or epochs},
                                     **params)

    models: dict = {}
    for lam in [] if args.skip_deepsets else [0.0, *args.lambdas]:
        if lam == 0:
            models["DeepSets"] = (deepsets(), "relative", {})
            continue
        models[f"DeepSets DisCo λ={lam:g}"] = (
            deepsets(decorrelation="disco", decorrelation_strength=lam), "relative",
            {"deepsetsclassifier__decorrelation_target": mass[train]},
        )
    if args.matched_lambdas and not args.skip_deepsets:
        matched = matched_background_weights(y[train] == "top", mass[train], bins)
    for lam in [] if args.skip_deepsets else args.matched_lambdas:
        disco = dict(decorrelation="disco", decorrelation_strength=lam) if lam > 0 else {}
        models[f"DeepSets mass-matched λ={lam:g}"] = (
            deepsets(**disco), "relative",
            {"deepsetsclassifier__sample_weight": matched,
             **({"deepsetsclassifier__decorrelation_target": mass[train]} if disco else {})},
        )
    if args.subjet_lambdas and not args.skip_deepsets:
        start = time.perf_counter()
        inputs["relative+subjets"] = RelativeConstituents(
            nsubjettiness_axes=(2, 3)).fit_transform(inputs["constituents"])
        print(f"subjet axes: {time.perf_counter() - start:.0f} s", flush=True)
    for lam in [] if args.skip_deepsets else args.subjet_lambdas:
        disco = dict(decorrelation="disco", decorrelation_strength=lam) if lam > 0 else {}
        models[f"DeepSets+subjets λ={lam:g}"] = (
            deepsets(**disco), "relative+subjets",
            {"deepsetsclassifier__decorrelation_target": mass[train]} if disco else {},
        )
    if not args.skip_particlenet:
        models["ParticleNet"] = (particlenet(), "constituents", {})
        models[f"ParticleNet DisCo λ={args.particlenet_lambda:g}"] = (
            particlenet(decorrelation="disco", decorrelation_strength=args.particlenet_lambda),
            "constituents", {},  # the jet mass of its constituents
        )
    xgb = dict(n_estimators=300, random_state=0)
    if not args.skip_xgboost:
        models["XGBoost"] = (XGBoostClassifier(**xgb), "jet_features", {})
        models["XGBoost flat (pT, mass)"] = (
            XGBoostClassifier(**xgb), "jet_features",
            {"sample_weight": flat_weights(y[train], np.c_[pt[train], mass[train]],
                                           bins=[10, 30])},
        )
    for lam in [] if args.skip_xgboost else args.xgb_lambdas:
        models[f"XGBoost flatness λ={lam:g}"] = (
            XGBoostClassifier(**xgb, decorrelation="flatness", decorrelation_strength=lam),
            "jet_features", {"decorrelation_target": mass[train]},
        )

    scores: dict[str, np.ndarray] = {}
    times: dict[str, float] = {}
    for name, (model, key, fit_params) in models.items():
        X = inputs[key]
        start = time.perf_counter()
        model.fit(rows_of(X, train), y[train], **fit_params)
        times[name] = time.perf_counter() - start
        scores[name] = model.predict_proba(rows_of(X, test))[:, list(model.classes_).index("top")]
        print(f"{name}: fit {times[name]:.0f} s", flush=True)

    tau32 = feats["tau32"].to_numpy()
    r = rho(np.maximum(mass, 1e-3), pt)  # a massless jet (one constituent) would give -inf
    scores["tau32"] = -tau32[test]
    ddt = DesignedDecorrelatedTagger(background_efficiency=args.ddt_efficiency,
                                     direction="less")
    ddt.fit(np.c_[tau32, r][train], y[train])
    scores[f"DDT tau32 (eps_B={args.ddt_efficiency:g})"] = ddt.transform(np.c_[tau32, r][test])[:, 0]
    times["tau32"] = times[f"DDT tau32 (eps_B={args.ddt_efficiency:g})"] = 0.0

    rows = []
    for name, score in scores.items():
        rows.append({
            "approach": name,
            "AUC": roc_auc_score(is_top, score),
            "R50": rejection_at_efficiency(is_top, score, 0.5),
            "1/JSD50": 1.0 / jsd_at_efficiency(is_top, score, mass[test], 0.5, bins=bins),
            "fit [s]": times[name],
        })
    table = pd.DataFrame(rows).set_index("approach")
    subjets = "DeepSets+subjets λ=0"
    baseline = {name: (subjets if name.startswith("DeepSets+") and subjets in table.index else
                       "DeepSets" if name.startswith("DeepSets") else
                       "ParticleNet" if name.startswith("ParticleNet") else
                       "XGBoost" if name.startswith("XGBoost") else "tau32")
                for name in table.index}
    table["R50 / plain"] = [table.loc[n, "R50"] / table.loc[baseline[n], "R50"]
                            if baseline[n] in table.index else np.nan for n in table.index]
    table["1/JSD / plain"] = [table.loc[n, "1/JSD50"] / table.loc[baseline[n], "1/JSD50"]
                              if baseline[n] in table.index else np.nan for n in table.index]
    if "DeepSets" in table.index:
        plain = table.loc["DeepSets"]
        table["target"] = [
            ("yes" if table.loc[n, "R50"] >= plain["R50"] / 2
             and table.loc[n, "1/JSD50"] >= 5 * plain["1/JSD50"] else "no")
            if n.startswith("DeepSets") and n != "DeepSets" else "" for n in table.index]
    print()
    print(table.to_string(float_format="%.3f"))
    if args.save:
        np.savez(args.save, y=is_top, mass=mass[test], **scores)
    if args.figures:
        from pathlib import Path

        import matplotlib.pyplot as plt

        from skjet.plotting import (
            plot_decorrelation_plane,
            plot_mass_sculpting,
            save_figure,
            use_style,
        )

        out = Path(args.figures)
        out.mkdir(parents=True, exist_ok=True)
        with use_style():
            ax = plot_decorrelation_plane(is_top, scores, mass[test], bins=bins)
            save_figure(ax.figure, out / "decorrelation_plane")
            plt.close(ax.figure)
            for name, score in scores.items():
                slug = "".join(c if c.isascii() and c.isalnum() else "_" for c in name)
                ax = plot_mass_sculpting(is_top, score, mass[test], bins=bins, title=name)
                save_figure(ax.figure, out / f"sculpting_{slug.strip('_')}")
                plt.close(ax.figure)


def matched_background_weights(is_signal, mass, bins, max_weight=100.0) -> np.ndarray:
    """Sample weights: 1 for signal, and for background the ratio of the signal's to the
    background's normalised mass histogram in its bin (outer bins take the overflow),
    capped at ``max_weight`` times the background mean and rescaled to the background
    count, so that the weighted background has the signal's mass distribution."""
    index = np.clip(np.searchsorted(bins, mass, side="right") - 1, 0, len(bins) - 2)
    n_bins = len(bins) - 1
    sig = np.bincount(index[is_signal], minlength=n_bins) / is_signal.sum()
    bkg = np.bincount(index[~is_signal], minlength=n_bins) / (~is_signal).sum()
    ratio = np.divide(sig, bkg, out=np.zeros(n_bins), where=bkg > 0)
    weight = np.ones(len(mass))
    w = ratio[index[~is_signal]]
    w *= (~is_signal).sum() / w.sum()
    w = np.minimum(w, max_weight)
    weight[~is_signal] = w * (~is_signal).sum() / w.sum()
    return weight


if __name__ == "__main__":
    main()
