"""Epoch time of skjet's neural classifiers against a plain PyTorch loop and skorch defaults.

Contenders train the same torch module on the same data with the same batch size, optimizer
and thread count, in one run:

* plain loop: a hand-written loop that slices whole batches of a random permutation from
  tensors (the fastest simple way to feed a small network);
* skjet: ``MLPClassifier`` / ``DeepSetsClassifier`` (skorch underneath, batch-slicing loader);
* skorch defaults: ``skorch.NeuralNetClassifier`` with its default ``DataLoader``, which
  collates one sample at a time.

MLP: the hls4ml network 16 -> 32 -> 32 -> 32 -> 5 on 664,000 x 16 learnable random data,
batch 1024. DeepSets: phi (100, 100, 128), F (100, 100, 100) on 50,000 jets x 200 slots x 4
features with 20-120 real constituents, batch 256. The DeepSets plain loops feed full 200-slot
batches (untrimmed); one also uses the dense masked network of the top-tagging notebook (phi on every
slot, padding masked in the sum). The time per epoch is the minimum over repeated epochs,
because the machine may be shared. With a CUDA device, every contender also runs on it and
the table gets a GPU column next to the CPU one (the CPU ratios stay the reference).

Usage: python benchmarks/bench_neural.py [--quick] [--threads N] [--epochs N]
       [--devices cpu cuda]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from skorch import NeuralNetClassifier

from skjet.models import DeepSetsClassifier, MLPClassifier
from skjet.models._neural._modules import DeepSetsModule, MLPModule


def mlp_data(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, 16)).astype(np.float32)
    W = rng.normal(size=(16, 5))
    y = np.argmax(X @ W + rng.normal(scale=1.0, size=(n, 5)), axis=1)
    return X, y


def constituent_data(n: int, m: int, f: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Zero-padded jets; class 1 has more, softer constituents. Multiplicity 20-120."""
    y = rng.integers(0, 2, n)
    mult = np.clip(rng.gamma(6.0, 8.0 + 3.0 * y), 20, 120).astype(int)
    X = np.zeros((n, m, f), dtype=np.float32)
    slot = np.arange(m)
    real = slot[None, :] < mult[:, None]
    values = rng.exponential(1.0, size=(n, m, f)).astype(np.float32)
    values[..., 0] *= np.where(y == 1, 0.7, 1.0)[:, None]
    X[real] = values[real] + 0.01  # strictly nonzero: padding stays the only all-zero rows
    return X, y


class PlainLoop:
    """The hand-written loop: a permutation, one gather per batch, forward, backward, step."""

    def __init__(self, module, X, y, batch_size, lr, device="cpu"):
        torch.manual_seed(0)
        self.model = module.to(device)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr)
        # the data lives where skjet keeps it (host memory); batches move to the device
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
        self.batch_size = batch_size
        self.device = device
        self.generator = torch.Generator().manual_seed(0)

    def epoch(self) -> float:
        start = time.perf_counter()
        self.model.train()
        order = torch.randperm(len(self.X), generator=self.generator)
        total = 0.0
        for i in range(0, len(self.X), self.batch_size):
            idx = order[i : i + self.batch_size]
            xb, yb = self.X[idx].to(self.device), self.y[idx].to(self.device)
            loss = F.cross_entropy(self.model(xb), yb)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            total += loss.item() * len(idx)  # per-sample loss bookkeeping, as skjet does
        return time.perf_counter() - start


class DenseDeepSets(DeepSetsModule):
    """phi on every slot and a masked sum, as in the top-tagging notebook's network."""

    def latent(self, x):
        mask = x.ne(0).any(dim=-1, keepdim=True)
        return (self.phi(x) * mask).sum(dim=1)


class SkjetEpochs:
    """A skjet classifier trained one epoch per ``fit`` through ``warm_start``."""

    def __init__(self, estimator, X, y):
        self.estimator = estimator.set_params(max_epochs=1, warm_start=True)
        self.X, self.y = X, y

    def epoch(self) -> float:
        self.estimator.fit(self.X, self.y)
        return float(self.estimator.history_["dur"].iloc[-1])  # the epoch, not the validation


class SkorchEpochs:
    """skorch's NeuralNetClassifier with its defaults (DataLoader), one epoch per call."""

    def __init__(self, module, module_params, X, y, batch_size, lr, device="cpu"):
        torch.manual_seed(0)
        self.net = NeuralNetClassifier(
            module,
            criterion=torch.nn.CrossEntropyLoss,
            optimizer=torch.optim.Adam,
            lr=lr,
            batch_size=batch_size,
            max_epochs=1,
            train_split=None,
            iterator_train__shuffle=True,
            verbose=0,
            device=device,
            **{f"module__{k}": v for k, v in module_params.items()},
        )
        self.net.initialize()
        self.X, self.y = X, y.astype(np.int64)

    def epoch(self) -> float:
        self.net.partial_fit(self.X, self.y)
        return float(self.net.history[-1, "dur"])


def race(contenders: dict, rounds: int) -> dict[str, float]:
    """Interleave epochs of every contender, rotating the order; minimum seconds per epoch."""
    times = {name: [] for name in contenders}
    names = list(contenders)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(contenders[name].epoch())
    return {name: min(t) for name, t in times.items()}


def report(title: str, cpu: dict | None, reference: str, gpu: dict | None) -> None:
    """Seconds per epoch and the ratio to skjet on each device that ran."""
    columns = [(label, t) for label, t in (("CPU", cpu), ("GPU", gpu)) if t]
    print(f"\n{title}")
    header = "".join(f" {label + ' s/epoch':>12} {label + ' / skjet':>11}" for label, _ in columns)
    print(f"{'contender':<44}{header}")
    for name in columns[0][1]:
        cells = "".join(f" {t[name]:>12.3f} {t[name] / t[reference]:>11.2f}" for _, t in columns)
        print(f"{name:<44}{cells}")
    if gpu is None:
        print("(no CUDA device: GPU column skipped)")


def ratio_lines(label: str, cpu: dict | None, gpu: dict | None, skjet: str, plain: str) -> None:
    for device, t in (("CPU", cpu), ("GPU", gpu)):
        if t:
            print(f"{label} on the {device} = {t[skjet] / t[plain]:.2f}")


def race_on_devices(make, rounds: int, devices) -> tuple[dict | None, dict | None]:
    """``race`` the contenders ``make(device)`` builds on each of ``devices`` that exists."""
    cpu = race(make("cpu"), rounds) if "cpu" in devices else None
    cuda = "cuda" in devices and torch.cuda.is_available()
    return cpu, (race(make("cuda"), rounds) if cuda else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, for a smoke run")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for everyone")
    parser.add_argument("--epochs", type=int, default=4, help="interleaved epochs per contender")
    parser.add_argument("--skip-skorch", action="store_true", help="leave out skorch defaults")
    parser.add_argument("--devices", nargs="+", choices=["cpu", "cuda"], default=["cpu", "cuda"],
                        help="where to race (default both; cuda only where there is one)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    lr = 1e-3

    # -- MLP -------------------------------------------------------------------------------
    n_mlp = 66_400 if args.quick else 664_000
    X, y = mlp_data(n_mlp, rng)
    bs = 1024

    def mlp_contenders(device):
        contenders = {
            "plain PyTorch loop": PlainLoop(MLPModule(16, 5), X, y, bs, lr, device),
            "skjet MLPClassifier": SkjetEpochs(
                MLPClassifier(batch_size=bs, lr=lr, random_state=0, device=device), X, y
            ),
        }
        if not args.skip_skorch:
            contenders["skorch defaults (DataLoader)"] = SkorchEpochs(
                MLPModule, {"n_features": 16, "n_classes": 5}, X, y, bs, lr, device
            )
        return contenders

    times, gpu_times = race_on_devices(mlp_contenders, args.epochs, args.devices)
    report(
        f"MLP 16-32-32-32-5, {n_mlp:,} x 16, batch {bs}, {args.threads} thread(s)",
        times,
        "skjet MLPClassifier",
        gpu_times,
    )
    ratio_lines("skjet / plain loop (target <= 1.2)", times, gpu_times, "skjet MLPClassifier",
                "plain PyTorch loop")

    # -- DeepSets --------------------------------------------------------------------------
    n_ds = 5_000 if args.quick else 50_000
    Xc, yc = constituent_data(n_ds, 200, 4, rng)
    bs = 256
    params = {"n_features": 4, "n_classes": 2}
    skjet_name = "skjet DeepSetsClassifier (trimmed)"
    same, dense = "plain loop, untrimmed, same network", "plain loop, untrimmed, dense masked phi"

    def deepsets_contenders(device):
        contenders = {
            same: PlainLoop(DeepSetsModule(**params), Xc, yc, bs, lr, device),
            dense: PlainLoop(DenseDeepSets(**params), Xc, yc, bs, lr, device),
            skjet_name: SkjetEpochs(
                DeepSetsClassifier(batch_size=bs, lr=lr, random_state=0, device=device), Xc, yc
            ),
        }
        if not args.skip_skorch:
            contenders["skorch defaults (DataLoader), same network"] = SkorchEpochs(
                DeepSetsModule, params, Xc, yc, bs, lr, device
            )
        return contenders

    times, gpu_times = race_on_devices(deepsets_contenders, args.epochs, args.devices)
    mult = (Xc != 0).any(-1).sum(1)
    report(
        f"DeepSets phi(100,100,128) F(100,100,100), {n_ds:,} jets x 200 x 4 "
        f"(multiplicity {mult.min()}-{mult.max()}, mean {mult.mean():.0f}), batch {bs}, "
        f"{args.threads} thread(s)",
        times,
        skjet_name,
        gpu_times,
    )
    ratio_lines("skjet / plain loop, same network (target <= 1.2)", times, gpu_times,
                skjet_name, same)
    ratio_lines("skjet / plain loop, dense masked", times, gpu_times, skjet_name, dense)


if __name__ == "__main__":
    main()
