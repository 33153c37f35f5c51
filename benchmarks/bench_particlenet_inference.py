"""Inference of JetClass's pretrained ParticleNet: skjet's evaluation-mode forward against
weaver's own ``ParticleNet.forward``, ms per jet.

The module of ``load_pretrained("ParticleNet-JetClass-kin", max_constituents=128)``
(k=16, EdgeConv channels (64, 64, 64), (128, 128, 128), (256, 256, 256), fc 256, no fusion)
in evaluation mode without gradients, on random jets: 128 constituent slots, 40-60 real
massless constituents per jet (pT exponential around 10 GeV, eta and phi Gaussian with
width 0.3 around the axis); ``generate_jets`` would be slow and the speed depends only on
the multiplicities. The network's inputs (``module.features``) are computed once; timed is
the network on them, batch by batch (``--batch`` jets, as ``predict_proba`` does), best of
``--repeat`` passes over ``--n-jets`` jets, ``--threads`` torch threads:

- weaver: ``module.net(points, features, mask)``, weaver-core's forward (what skjet ran
  before, and still runs in training, with gradients, and in exports);
- skjet: ``particlenet_forward`` (``skjet/models/_neural/_particlenet_inference.py``), what
  ``module(x)`` and ``predict_proba`` now run: batch norms folded into the convolutions,
  channels last, the first EdgeConv layer per point, edges of real constituents only, in
  chunks of ``CHUNK_SIZE`` jets; with ``--chunk-sizes`` also other chunk sizes.

Printed: ms per jet, the ratio to weaver, and the largest |difference| of the logits.

Measured on the 2-core development machine (AMD EPYC, shared), torch 2.13 CPU:
``python benchmarks/bench_particlenet_inference.py --chunk-sizes 16 32 64``
(1024 jets, batch 256, 2 threads, 49.9 real constituents per jet, load average about 2.5
from other work)::

                               forward chunk  ms_per_jet  ratio  max_abs_diff
            weaver ParticleNet.forward              53.1      1             0
   skjet particlenet_forward (default)     8        2.47   21.5      4.77e-06
             skjet particlenet_forward    16        2.43   21.9      4.77e-06
             skjet particlenet_forward    32        3.06   17.4      4.77e-06
             skjet particlenet_forward    64        3.44   15.5      4.77e-06

weaver's forward suffers most from the other work on the machine (its (batch, channels,
128, 16) edge tensors do not stay in cache): in a quieter run (512 jets, load about 1)
weaver took 27.6 ms per jet and skjet 2.40 (chunks of 8), 11.5x. 20k jets take about
50 s instead of 9-18 min.

The checkpoint is read from ``$SKJET_PRETRAINED_DIR`` (../shared/data/pretrained on a
machine without internet) or downloaded into the skjet data home.

Usage: python benchmarks/bench_particlenet_inference.py [--quick] [--threads N]
       [--n-jets N] [--batch N] [--repeat N] [--chunk-sizes N ...]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch

from skjet.models import load_pretrained
from skjet.models._neural._particlenet_inference import CHUNK_SIZE, particlenet_forward

from _common import four_momenta

CHECKPOINT = "ParticleNet-JetClass-kin"


def random_jets(n_jets: int, n_slots: int = 128, seed: int = 0) -> torch.Tensor:
    """Zero-padded (E, px, py, pz) of 40-60 massless constituents per jet."""
    rng = np.random.default_rng(seed)
    shape = (n_jets, n_slots)
    pt = rng.exponential(10.0, shape) + 0.5
    eta = rng.normal(0.0, 0.3, shape)
    phi = rng.normal(0.0, 0.3, shape)
    n_real = rng.integers(40, 61, n_jets)
    return torch.from_numpy(four_momenta(pt, eta, phi, n_real).astype(np.float32))


def timed(forward, batches, repeat: int):
    """Best wall time of ``repeat`` passes over ``batches`` and the outputs of the last."""
    best, outputs = np.inf, []
    with torch.no_grad():
        forward(*batches[0])  # warm-up
        for _ in range(repeat):
            start = time.perf_counter()
            outputs = [forward(*batch) for batch in batches]
            best = min(best, time.perf_counter() - start)
    return best, torch.cat(outputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--n-jets", type=int, default=None)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--chunk-sizes", type=int, nargs="*", default=[])
    args = parser.parse_args()
    n_jets = args.n_jets or (128 if args.quick else 1024)
    repeat = args.repeat or (1 if args.quick else 3)
    torch.set_num_threads(args.threads)
    print(f"torch threads: {torch.get_num_threads()}, {n_jets} jets, batch {args.batch}, "
          f"best of {repeat}")

    module = load_pretrained(CHECKPOINT, max_constituents=128).eval()
    net = module.net
    x = random_jets(n_jets)
    with torch.no_grad():
        batches = [
            tuple(t for i, t in enumerate(module.features(x[s:s + args.batch])) if i != 2)
            for s in range(0, n_jets, args.batch)
        ]
    n_real = float(sum(b[2].sum() for b in batches)) / n_jets
    print(f"real constituents per jet: {n_real:.1f} of 128 slots")

    base, reference = timed(net, batches, repeat)
    rows = [dict(forward="weaver ParticleNet.forward", chunk="", ms_per_jet=1e3 * base / n_jets,
                 ratio=1.0, max_abs_diff=0.0)]
    for chunk in [CHUNK_SIZE] + [c for c in args.chunk_sizes if c != CHUNK_SIZE]:
        seconds, out = timed(
            lambda p, f, m, c=chunk: particlenet_forward(net, p, f, m, chunk_size=c),
            batches, repeat,
        )
        rows.append(dict(
            forward="skjet particlenet_forward" + (" (default)" if chunk == CHUNK_SIZE else ""),
            chunk=chunk, ms_per_jet=1e3 * seconds / n_jets, ratio=base / seconds,
            max_abs_diff=float((out - reference).abs().max()),
        ))
        print(pd.DataFrame(rows[-1:]).to_string(index=False, float_format="%.3g"), flush=True)
    print()
    print(pd.DataFrame(rows).to_string(index=False, float_format="%.3g"))


if __name__ == "__main__":
    main()
