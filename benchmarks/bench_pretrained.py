"""JetClass's pretrained ParticleNet on generated top vs QCD: zero-shot, fine-tuned,
frozen-body, against ParticleNet from scratch and XGBoost, and the epoch cost of fine-tuning.

Quality. Top vs QCD jets from ``skjet.datasets.generate_jets`` (550-650 GeV, cached), split
into ``--n-train`` training and ``--n-test`` test jets. Five approaches on the same split:

- zero-shot: ``ParticleNetClassifier(pretrained="ParticleNet-JetClass-kin",
  zero_shot={"top": "Tbqq", "qcd": "QCD"})``, no training;
- fine-tuned: the same checkpoint, new head, whole network trained (body at
  ``body_lr_scale=0.1`` times ``lr``), the new head random or started from the
  checkpoint's Tbqq and QCD outputs (``head_init``, so from the zero-shot tagger);
- frozen body: the same, ``freeze_body=True`` (the new head only);
- from scratch: ``ParticleNetClassifier(preset="paper")``, the published top-tagging size;
- XGBoost (300 trees) on the jet features of ``skjet compare``.

The networks train for the same ``--epochs`` epochs without early stopping and see the
``--max-constituents`` hardest constituents. Printed: test AUC, R30 with its 68%
Clopper-Pearson interval, R50, fit and predict time (wall clock).

Epoch cost. Fine-tuning (``fit``) against a plain PyTorch loop (``bench_taggers.PlainLoop``:
a random permutation, one gather per batch, each batch trimmed to its longest jet, forward,
backward, AdamW step) over the same module (the checkpoint with the new head, built with the
same seed) on the same ``--timing-jets`` training jets, batch 256. Epoch time is the minimum
over the epochs of the process's CPU time (on CUDA, the wall clock); use ``--threads 1`` on a
shared machine. Targets of the issue: fine-tuned beats from scratch and XGBoost on R30 at
equal epochs, and its epoch costs at most 1.05x the plain loop.

The checkpoint is read from ``$SKJET_PRETRAINED_DIR`` (set it to ../shared/data/pretrained
on a machine without internet) or downloaded into the skjet data home.

Usage: python benchmarks/bench_pretrained.py [--quick] [--threads N] [--epochs N]
       [--n-train N] [--n-test N] [--jets-per-class N] [--max-constituents N]
       [--timing-jets N]
       [--models NAME ...] [--skip-quality] [--skip-timing]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch
from bench_taggers import EpochCPUTime, PlainLoop

from skjet.models import ParticleNetClassifier, XGBoostClassifier

from _common import top_qcd_inputs, top_quality_row

CHECKPOINT = "ParticleNet-JetClass-kin"


def sample(args):
    """(inputs, y, train rows, test rows) of the generated top vs QCD jets."""
    from sklearn.model_selection import train_test_split


    # a larger cached sample serves smaller splits
    per_class = max(args.jets_per_class or 0, (args.n_train + args.n_test + 1) // 2)
    inputs, y = top_qcd_inputs(per_class)
    train, test = train_test_split(np.arange(len(y)), train_size=args.n_train,
                                   test_size=args.n_test, stratify=y, random_state=0)
    return inputs, y, train, test


def quality(args, inputs, y, train, test) -> pd.DataFrame:


    neural = dict(max_epochs=args.epochs, early_stopping=False, random_state=0,
                  max_constituents=args.max_constituents)
    pretrained = dict(pretrained=CHECKPOINT, **neural)
    models = {
        "zero-shot": (ParticleNetClassifier(zero_shot={"top": "Tbqq", "qcd": "QCD"},
                                            **pretrained), "four_momenta"),
        "fine-tuned": (ParticleNetClassifier(**pretrained), "four_momenta"),
        "fine-tuned, head from Tbqq/QCD": (ParticleNetClassifier(
            head_init={"top": "Tbqq", "qcd": "QCD"}, **pretrained), "four_momenta"),
        "frozen body": (ParticleNetClassifier(freeze_body=True, **pretrained), "four_momenta"),
        "from scratch (paper)": (ParticleNetClassifier(preset="paper", **neural),
                                 "constituents"),
        "XGBoost (jet features)": (XGBoostClassifier(n_estimators=300, random_state=0),
                                   "jet_features"),
    }
    rows = []
    for name, (model, key) in models.items():
        if args.models and name not in args.models:
            continue
        X = inputs[key]
        X_train = X.iloc[train] if hasattr(X, "iloc") else X[train]
        X_test = X.iloc[test] if hasattr(X, "iloc") else X[test]
        start = time.perf_counter()
        model.fit(X_train, y[train])
        fit_time = time.perf_counter() - start
        start = time.perf_counter()
        score = model.predict_proba(X_test)[:, list(model.classes_).index("top")]
        predict_time = time.perf_counter() - start
        is_top = y[test] == "top"
        rows.append(top_quality_row(name, is_top, score, **{
            "fit time [s]": fit_time, "predict time [s]": predict_time}))
        print(pd.DataFrame(rows[-1:]).to_string(index=False, float_format="%.3f"), flush=True)
    return pd.DataFrame(rows)


def timing(args, inputs, y, train) -> pd.DataFrame:
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rows = train[: args.timing_jets]
    X, labels = inputs["four_momenta"][rows], y[rows]
    clf = ParticleNetClassifier(
        pretrained=CHECKPOINT, max_epochs=args.timing_epochs, early_stopping=False,
        max_constituents=args.max_constituents, batch_size=256, device=device,
        random_state=0, callbacks=[EpochCPUTime()],
    ).fit(X, labels)
    column = "cpu_dur" if device == "cpu" else "dur"
    wrapper = float(clf.history_[column].min())
    # the same module (checkpoint and new head), built with the same seed, in the plain loop
    Xv = clf.validate_input(X, reset=False)
    torch.manual_seed(0)
    module = clf.build_module(Xv, 2)
    y_enc = (labels == clf.classes_[1]).astype(np.int64)
    loop = PlainLoop(module, Xv, y_enc, 256, 1e-3, device)
    plain = min(loop.epoch() for _ in range(args.timing_epochs))
    table = pd.DataFrame([{
        "device": device, "jets": len(rows), "plain loop [s]": plain,
        "fine-tuning fit [s]": wrapper, "fit / plain": wrapper / plain,
    }])
    print(table.to_string(index=False, float_format="%.3f"), flush=True)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--n-train", type=int, default=None, help="default 10000")
    parser.add_argument("--n-test", type=int, default=None, help="default 20000")
    parser.add_argument("--max-constituents", type=int, default=None,
                        help="default 128 on CUDA, 64 on a CPU")
    parser.add_argument("--jets-per-class", type=int, default=None,
                        help="generate (or read from the cache) this many jets per class and "
                        "split n-train and n-test off them (default: just enough)")
    parser.add_argument("--timing-jets", type=int, default=None, help="default 2000")
    parser.add_argument("--timing-epochs", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=None,
                        help="run only these rows of the quality table (default all)")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-timing", action="store_true")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    args.n_train = args.n_train or (400 if args.quick else 10_000)
    args.n_test = args.n_test or (400 if args.quick else 20_000)
    args.timing_jets = args.timing_jets or (200 if args.quick else 2000)
    if args.max_constituents is None:
        args.max_constituents = 128 if torch.cuda.is_available() else 64
    if args.quick:
        args.epochs, args.timing_epochs = 1, 1
    print(f"settings: {vars(args)}, torch threads {torch.get_num_threads()}", flush=True)
    inputs, y, train, test = sample(args)
    if not args.skip_quality:
        print(quality(args, inputs, y, train, test).to_string(index=False,
                                                             float_format="%.3f"))
    if not args.skip_timing:
        timing(args, inputs, y, train)


if __name__ == "__main__":
    main()
