"""Reading the Top Quark Tagging layout: skjet's chunked reader against pandas.read_hdf.

Writes a file in the public layout (pandas fixed format, key "table", 806 columns: float32
E_i/PX_i/PY_i/PZ_i/truth, int64 ttv/is_signal_new) with physics-like random jets, then runs
each method in a fresh subprocess and reports rows/s and the peak resident memory it added
(high-water RSS minus the RSS after imports), with ratios to the baseline:

- ``pandas.read_hdf + reshape``: the usual hand-written route (build the 806-column
  DataFrame, select the 800 constituent columns, reshape to (n, 200, 4));
- ``skjet load_top_tagging``: the same arrays read block-wise into preallocated output;
- ``skjet iter_top_tagging``: streaming chunks, nothing kept (memory independent of n).

Usage: python benchmarks/bench_load_top_tagging.py [--quick] [--n-jets N] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import four_momenta, peak_rss_bytes, rss_bytes, run_worker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

METHODS = ("pandas", "skjet_load", "skjet_iter")
LABELS = {
    "pandas": "pandas.read_hdf + reshape",
    "skjet_load": "skjet load_top_tagging",
    "skjet_iter": "skjet iter_top_tagging",
}


def write_public_file(path: Path, n_jets: int, seed: int = 0, block: int = 20_000) -> None:
    """Physics-like jets in the public layout, written by pandas itself (fixed format)."""
    import pandas as pd

    from skjet.datasets._top_tagging import top_tagging_columns

    rng = np.random.default_rng(seed)
    values = np.zeros((n_jets, 804), dtype=np.float32)
    for a in range(0, n_jets, block):  # fill in blocks to keep temporaries small
        b = min(a + block, n_jets)
        k = b - a
        n_const = np.clip(rng.poisson(45, size=k), 1, 200)
        pt = rng.exponential(12.0, size=(k, 200)) + 0.5
        pt = -np.sort(-pt, axis=1)  # sorted by pT, leading first
        eta = rng.normal(0, 0.3, size=(k, 200))
        phi = rng.uniform(-np.pi, np.pi, size=(k, 1)) + rng.normal(0, 0.3, size=(k, 200))
        four = four_momenta(pt, eta, phi, n_const)
        values[a:b, :800] = four.reshape(k, 800)
        values[a:b, 800:] = four.sum(axis=1)
    frame = pd.DataFrame(values, columns=top_tagging_columns()[:804], copy=False)
    frame["ttv"] = np.zeros(n_jets, dtype=np.int64)
    frame["is_signal_new"] = rng.integers(0, 2, size=n_jets)
    frame.index = rng.permutation(n_jets)  # the public files keep a shuffled index
    frame.to_hdf(path, key="table", format="fixed", mode="w")



def worker(method: str, path: str) -> None:
    """Run one method once; print a JSON line with time, peak memory and a checksum."""
    import pandas as pd
    import tables  # noqa: F401  (imported by both routes; keep it out of the measurement)

    from skjet.datasets import iter_top_tagging, load_top_tagging
    from skjet.datasets._top_tagging import top_tagging_columns

    cols = top_tagging_columns()[:800]
    base = rss_bytes()
    t0 = time.perf_counter()
    if method == "pandas":
        frame = pd.read_hdf(path, key="table")
        X = frame[cols].to_numpy(dtype=np.float32).reshape(-1, 200, 4)
        y = frame["is_signal_new"].to_numpy()
        del frame
        n, checksum = len(y), float(X[:, :, 0].sum(dtype=np.float64)) + float(y.sum())
    elif method == "skjet_load":
        X, y = load_top_tagging(path, return_X_y=True)
        n, checksum = len(y), float(X[:, :, 0].sum(dtype=np.float64)) + float(y.sum())
    elif method == "skjet_iter":
        n, checksum = 0, 0.0
        for Xc, yc in iter_top_tagging(path):
            n += len(yc)
            checksum += float(Xc[:, :, 0].sum(dtype=np.float64)) + float(yc.sum())
    else:
        raise ValueError(method)
    elapsed = time.perf_counter() - t0
    peak = peak_rss_bytes() - base
    print(json.dumps({"n": n, "seconds": elapsed, "peak_bytes": peak, "checksum": checksum}))



def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jets", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="30k jets")
    parser.add_argument("--repeat", type=int, default=3, help="fresh subprocesses per method")
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    n_jets = 30_000 if args.quick else args.n_jets
    repeat = args.repeat

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.h5"
        t0 = time.perf_counter()
        write_public_file(path, n_jets)
        size = path.stat().st_size
        print(
            f"file: {n_jets} jets x 806 columns, {size / 2**20:.0f} MiB, "
            f"written by pandas in {time.perf_counter() - t0:.1f} s"
        )
        path.read_bytes()  # warm the page cache so no method pays the first disk read
        returned = n_jets * (200 * 4 * 4 + 8)  # X float32 + y int64
        results = {}
        for _ in range(repeat):
            for method in METHODS:
                r = run_worker(__file__, method, path)
                best = results.get(method)
                if best is None or r["seconds"] < best["seconds"]:
                    # keep the fastest run; peak memory is the max over runs
                    peak = max(r["peak_bytes"], best["peak_bytes"] if best else 0)
                    results[method] = {**r, "peak_bytes": peak}
                else:
                    best["peak_bytes"] = max(best["peak_bytes"], r["peak_bytes"])
        checks = {round(r["checksum"], 1) for r in results.values()}
        if len(checks) != 1 or {r["n"] for r in results.values()} != {n_jets}:
            print(f"MISMATCH between methods: {results}")
            return 1

    ref = results["pandas"]
    print(f"returned arrays: {returned / 2**20:.0f} MiB; best of {repeat} fresh process(es)\n")
    header = (
        f"{'method':<28}{'rows/s':>12}{'speed-up':>10}{'peak MiB':>10}"
        f"{'peak/returned':>15}{'mem ratio':>11}"
    )
    print(header)
    print("-" * len(header))
    for method in METHODS:
        r = results[method]
        rate = r["n"] / r["seconds"]
        print(
            f"{LABELS[method]:<28}{rate:>12,.0f}{ref['seconds'] / r['seconds']:>9.2f}x"
            f"{r['peak_bytes'] / 2**20:>10.0f}{r['peak_bytes'] / returned:>15.2f}"
            f"{r['peak_bytes'] / ref['peak_bytes']:>11.2f}"
        )
    print(
        "\nspeed-up and mem ratio are relative to pandas.read_hdf + reshape (same file, same output)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
