"""ParticleNet and ParT as estimators: epoch time against a plain PyTorch loop, and quality.

Epoch time. Each wrapper (``ParticleNetClassifier``, ``ParticleTransformerClassifier``, small
presets) trains on the same jets with the same batch size and optimizer as a plain PyTorch
loop that drives the same module (skjet's feature computation followed by weaver-core's
network, built with the same seed): a random permutation, one gather per batch, each batch
trimmed to its longest jet, forward, backward, AdamW step. The wrappers run with length
bucketing of the training batches on (``bucketing=True``) and off (``bucketing=False``, the
training of the default ``"inference"``, which sorts only validation and prediction
batches). Jets: (E, px, py, pz) with 40-130 constituents (the hadron-level range),
pT-sorted and zero-padded to 128 slots. Epoch time is the minimum over the epochs run; on a
CPU it is the process's CPU time, which a shared machine inflates far less than the wall
clock (use ``--threads 1`` then: with more threads, the CPU time of idle OpenMP threads
spinning between operations counts too); on CUDA the wall clock. Targets of the issue:
bucketing on at most 1.0x the plain loop, off at most 1.1x.

Quality. Top vs QCD jets from ``skjet.datasets.generate_jets`` (550-650 GeV, cached), split
into ``--n-train`` training and ``--n-test`` test jets; DeepSets, EFN, ParticleNet and ParT
train for the same ``--epochs`` epochs (no early stopping, ``--bucketing`` for all four),
XGBoost (300 trees) on the jet features of ``skjet compare``. ParticleNet and ParT keep the
``--max-constituents`` hardest constituents (64 on a CPU, 128 on CUDA, as in
``skjet demo``). Printed: test AUC, R30 with its 68% interval, R50 and fit time. The
issue's size is ``--n-train 60000 --n-test 20000`` (generation runs at about 200 jets per
second per core; see bench_generate.py).

With a CUDA device, the epoch-time table gets a GPU column and the quality part uses the
published ("paper") presets.

Usage: python benchmarks/bench_taggers.py [--quick] [--threads N] [--epochs N]
       [--n-jets N] [--n-train N] [--n-test N] [--skip-quality] [--skip-timing]
       [--max-constituents N] [--bucketing {inference,on,off}]
       [--models ParticleNetClassifier ParticleTransformerClassifier]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from skorch.callbacks import Callback

from skjet.models import (
    DeepSetsClassifier,
    EnergyFlowNetworkClassifier,
    ParticleNetClassifier,
    ParticleTransformerClassifier,
    XGBoostClassifier,
)

from _common import top_qcd_inputs, top_quality_row


def hadron_level_jets(n: int, rng, m: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Zero-padded (E, px, py, pz) jets with 40-130 constituents; class 1 has more."""
    y = rng.integers(0, 2, n)
    mult = np.clip(rng.normal(70 + 25 * y, 20), 40, 130).astype(int).clip(max=m)
    X = np.zeros((n, m, 4), dtype=np.float32)
    for i in range(n):
        k = mult[i]
        pt = np.sort(rng.exponential(600.0 / k, k))[::-1] + 0.5
        eta = rng.normal(0.3, 0.25, k)
        phi = rng.normal(1.0, 0.25, k)
        px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        X[i, :k] = np.stack([np.sqrt(px**2 + py**2 + pz**2), px, py, pz], axis=1)
    return X, y


class EpochCPUTime(Callback):
    """Record the process CPU time of every epoch as ``cpu_dur`` (a history_ column)."""

    def on_epoch_begin(self, net, **kwargs):
        self._start = time.process_time()

    def on_epoch_end(self, net, **kwargs):
        net.history.record("cpu_dur", time.process_time() - self._start)


def clock(device: str):
    return time.process_time if device == "cpu" else time.perf_counter


class PlainLoop:
    """The hand-written loop over the wrapper's own module, trimming every batch."""

    def __init__(self, module, X, y, batch_size, lr, device):
        self.model = module.to(device)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=lr)
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
        self.lengths = self.X.ne(0).any(dim=-1).sum(dim=1)  # pT-sorted: real rows first
        self.batch_size = batch_size
        self.device = device
        self.generator = torch.Generator().manual_seed(0)

    def epoch(self) -> float:
        now = clock(self.device)
        start = now()
        self.model.train()
        order = torch.randperm(len(self.X), generator=self.generator)
        for i in range(0, len(self.X), self.batch_size):
            idx = order[i : i + self.batch_size]
            longest = max(int(self.lengths[idx].max()), 1)
            xb = self.X[idx, :longest].to(self.device)
            loss = F.cross_entropy(self.model(xb), self.y[idx].to(self.device))
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
        if self.device != "cpu":
            torch.cuda.synchronize()
        return now() - start


def wrapper_epoch(cls, X, y, *, epochs, batch_size, device, bucketing, **params):
    clf = cls(max_epochs=epochs, batch_size=batch_size, early_stopping=False, device=device,
              bucketing=bucketing, random_state=0, callbacks=[EpochCPUTime()], **params)
    clf.fit(X, y)
    column = "cpu_dur" if device == "cpu" else "dur"
    return float(clf.history_[column].min()), clf


def timing(args) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    X, y = hadron_level_jets(args.n_jets, rng)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = []
    for cls in (ParticleNetClassifier, ParticleTransformerClassifier):
        if cls.__name__ not in args.models:
            continue
        for device in devices:
            on, clf = wrapper_epoch(cls, X, y, epochs=args.epochs, batch_size=256,
                                    device=device, bucketing=True)
            off, _ = wrapper_epoch(cls, X, y, epochs=args.epochs, batch_size=256,
                                   device=device, bucketing=False)
            # the same module, built with the same seed, in the plain loop
            torch.manual_seed(0)
            module = clf.build_module(clf.validate_input(X, reset=False), 2)
            loop = PlainLoop(module, clf.validate_input(X, reset=False), y, 256, 1e-3, device)
            plain = min(loop.epoch() for _ in range(args.epochs))
            rows.append({
                "model": cls.__name__, "device": device, "plain loop [s]": plain,
                "bucketing on [s]": on, "bucketing off [s]": off,
                "on / plain": on / plain, "off / plain": off / plain,
            })
            print(pd.DataFrame(rows[-1:]).to_string(index=False, float_format="%.3f"),
                  flush=True)
    return pd.DataFrame(rows)


def quality(args) -> pd.DataFrame:
    from sklearn.model_selection import train_test_split


    inputs, y = top_qcd_inputs((args.n_train + args.n_test + 1) // 2)
    index = np.arange(len(y))
    train, test = train_test_split(index, train_size=args.n_train, test_size=args.n_test,
                                   stratify=y, random_state=0)
    cuda = torch.cuda.is_available()
    preset = "paper" if cuda else "small"
    bucketing = {"inference": "inference", "on": True, "off": False}[args.bucketing]
    neural = dict(max_epochs=args.epochs, early_stopping=False, random_state=0,
                  bucketing=bucketing)
    # The taggers keep the hardest constituents (as skjet demo does: 64 on a CPU, 128 on
    # CUDA); DeepSets and the EFN see every constituent of the sample.
    taggers = dict(preset=preset, max_constituents=args.max_constituents or (128 if cuda else 64))
    from sklearn.pipeline import make_pipeline

    from skjet.preprocessing import ConstituentScaler

    models = {
        "DeepSets": (make_pipeline(ConstituentScaler(), DeepSetsClassifier(
            phi_sizes=(64, 64, 64), f_sizes=(64, 64), **neural)), "relative"),
        "EFN": (EnergyFlowNetworkClassifier(phi_sizes=(64, 64, 64), f_sizes=(64, 64),
                                            **neural), "constituents"),
        "ParticleNet": (ParticleNetClassifier(**taggers, **neural), "constituents"),
        "ParT": (ParticleTransformerClassifier(**taggers, **neural), "constituents"),
        "XGBoost (jet features)": (XGBoostClassifier(n_estimators=300, random_state=0),
                                   "jet_features"),
    }
    rows = []
    for name, (model, key) in models.items():
        X = inputs[key]
        X_train = X.iloc[train] if hasattr(X, "iloc") else X[train]
        X_test = X.iloc[test] if hasattr(X, "iloc") else X[test]
        start = time.perf_counter()
        model.fit(X_train, y[train])
        fit_time = time.perf_counter() - start
        score = model.predict_proba(X_test)[:, list(model.classes_).index("top")]
        is_top = y[test] == "top"
        # R30 with its 68% Clopper-Pearson interval: at R30 ~ 1000 on 10,000 background
        # jets it rests on about ten of them
        rows.append(top_quality_row(name, is_top, score, **{"fit time [s]": fit_time}))
        print(pd.DataFrame(rows[-1:]).to_string(index=False, float_format="%.3f"), flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--n-jets", type=int, default=None, help="jets of the timing part")
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--n-test", type=int, default=None)
    parser.add_argument("--models", nargs="+", default=["ParticleNetClassifier",
                        "ParticleTransformerClassifier"], help="wrappers of the timing part")
    parser.add_argument("--max-constituents", type=int, default=None,
                        help="constituents the taggers keep in the quality part "
                        "(default 64 on a CPU, 128 on CUDA)")
    parser.add_argument("--bucketing", choices=["inference", "on", "off"], default="inference",
                        help="bucketing of the networks in the quality part: 'inference' (the "
                        "default of the classifiers), 'on' (training batches too), 'off'")
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    args.epochs = args.epochs or (2 if args.quick else 3)
    args.n_jets = args.n_jets or (512 if args.quick else 4096)
    args.n_train = args.n_train or (1000 if args.quick else 60_000)
    args.n_test = args.n_test or (500 if args.quick else 20_000)
    print(f"torch threads: {torch.get_num_threads()}, CUDA: {torch.cuda.is_available()}")
    if not args.skip_timing:
        print(f"\nEpoch time (CPU time on the CPU, wall clock on CUDA), {args.n_jets} jets, "
              f"batch 256, min over {args.epochs} epochs")
        table = timing(args)
        print(table.to_string(index=False, float_format="%.3f"))
    if not args.skip_quality:
        print(f"\nQuality: top vs QCD, {args.n_train} training and {args.n_test} test jets, "
              f"{args.epochs} epochs for every network, bucketing {args.bucketing!r}")
        table = quality(args)
        print(table.to_string(index=False, float_format="%.3f"))


if __name__ == "__main__":
    main()
