"""Training a neural classifier from a file: streamed chunk by chunk vs all in memory.

A generated file in the Top Quark Tagging layout (1M jets by default, 100k with ``--quick``;
the physics-like constituents of ``bench_scaling.write_file``) trains a
``DeepSetsClassifier`` (phi (32, 32, 32), F (32,), batch 512) for one pass over all jets but
the last ``--n-test``, two ways, each in a fresh subprocess that reports its time and its
peak resident memory (VmHWM of the child minus its RSS after imports, read right after
training):

- baseline ``load_top_tagging + fit(max_epochs=1)``: every jet's constituents in memory;
- ``partial_fit_top_tagging``: ``partial_fit`` once per chunk of ``--chunk-size`` jets read
  from the file (in a shuffled chunk order), memory bounded by the chunk.

Both models are then scored (ROC AUC) on the held-out last jets. With a CUDA device, both
also run with ``device="cuda"``.

Usage: python benchmarks/bench_neural_stream.py [--quick] [--n-jets N] [--chunk-size C]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from bench_scaling import write_file

from _common import peak_rss_bytes, rss_bytes, run_worker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _classifier(device: str):
    from skjet.models import DeepSetsClassifier

    return DeepSetsClassifier(
        phi_sizes=(32, 32, 32),
        f_sizes=(32,),
        max_epochs=1,
        batch_size=512,
        lr=1e-3,
        device=device,
        random_state=0,
    )


def worker(method: str, path: str, chunk_size: int, stop: int, device: str) -> None:
    """Train once in this fresh process; print a JSON line."""
    import tables  # noqa: F401  (both routes import it; keep it out of the measurement)
    import torch
    from sklearn.metrics import roc_auc_score

    from skjet.datasets import load_top_tagging, partial_fit_top_tagging

    torch.set_num_threads(1)
    clf = _classifier(device)
    if device == "cuda":
        torch.zeros(1, device="cuda")  # CUDA context creation is not training
    base = rss_bytes()
    t0 = time.perf_counter()
    if method == "in_memory":
        X, y = load_top_tagging(path, stop=stop, chunk_size=chunk_size, return_X_y=True)
        clf.fit(X, y)
        del X
    else:
        partial_fit_top_tagging(
            clf, path, chunk_size=chunk_size, stop=stop, shuffle=True, random_state=0
        )
    seconds = time.perf_counter() - t0
    peak = peak_rss_bytes() - base
    X_test, y_test = load_top_tagging(path, start=stop, return_X_y=True)
    auc = roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1])
    print(json.dumps({"n": stop, "seconds": seconds, "peak_bytes": peak, "auc": auc}))



def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jets", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--n-test", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="100k jets")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        method, path, chunk, stop, device = args.worker
        worker(method, path, int(chunk), int(stop), device)
        return 0
    import torch

    n_jets = 100_000 if args.quick else args.n_jets
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if len(devices) == 1:
        print("(no CUDA device: CPU only)")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.h5"
        t0 = time.perf_counter()
        write_file(path, n_jets)
        print(
            f"file: {n_jets:,} jets x 806 columns, {path.stat().st_size / 2**30:.2f} GiB, "
            f"written in {time.perf_counter() - t0:.0f} s; DeepSetsClassifier phi (32, 32, 32) "
            f"F (32,), batch 512, one pass over {n_jets - args.n_test:,} jets, 1 torch thread; "
            f"chunk_size={args.chunk_size:,}; ROC AUC on the last {args.n_test:,} jets\n"
        )
        header = (
            f"{'method':<42}{'device':>7}{'seconds':>9}{'jets/s':>9}{'peak MiB':>10}"
            f"{'mem ratio':>11}{'AUC':>8}"
        )
        print(header + "\n" + "-" * len(header))
        labels = {
            "in_memory": "load_top_tagging + fit(max_epochs=1)",
            "streamed": "partial_fit_top_tagging (per chunk)",
        }
        for device in devices:
            results = {
                m: run_worker(__file__, m, path, args.chunk_size, n_jets - args.n_test, device)
                for m in ("in_memory", "streamed")
            }
            ref = results["in_memory"]
            for method, r in results.items():
                print(
                    f"{labels[method]:<42}{device:>7}{r['seconds']:>9.1f}"
                    f"{r['n'] / r['seconds']:>9,.0f}{r['peak_bytes'] / 2**20:>10.0f}"
                    f"{r['peak_bytes'] / ref['peak_bytes']:>11.3f}{r['auc']:>8.3f}"
                )
        print(
            f"(constituents of the training jets: {(n_jets - args.n_test) * 3200 / 2**20:,.0f}"
            f" MiB; one chunk: {args.chunk_size * 3200 / 2**20:.0f} MiB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
