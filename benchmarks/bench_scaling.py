"""Scaling up: out-of-core features and grid searches on a Dask cluster.

Part 1, out-of-core features. A generated file in the Top Quark Tagging layout (1M jets by
default, 100k with ``--quick``; physics-like random constituents written by
``save_top_tagging``) is turned into jet features (``JetMass`` + ``Multiplicity`` +
``JetKinematics``) two ways, each in a fresh subprocess that reports its time and its
peak resident memory (VmHWM of the child minus its RSS after imports):

- baseline ``load_top_tagging + transform``: the whole file in memory, then transform;
- ``transform_top_tagging``: chunk by chunk, memory bounded by the chunk.

Part 2, a grid search (``XGBoostClassifier``, 8 candidates x 3 folds, on the features of
the first 100k jets) run with ``n_jobs=1`` (the baseline), ``n_jobs=2`` (joblib's local
processes), and under ``joblib.parallel_config(backend="dask")`` on a
``distributed.LocalCluster`` of 2 worker processes; the cluster's start-up is reported
apart. The results of all three are checked to be identical.

Usage: python benchmarks/bench_scaling.py [--quick] [--n-jets N] [--chunk-size C]
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

N_GRID_JETS = 100_000


def write_file(path: Path, n_jets: int, m: int = 80, seed: int = 0, block: int = 50_000) -> None:
    """Physics-like jets (up to ``m`` constituents, zero-padded to 200 in the file).

    The constituents are generated block by block into a memory-mapped scratch array, so
    writing a million jets never holds them all in this process's anonymous memory.
    """
    from skjet.datasets import save_top_tagging

    rng = np.random.default_rng(seed)
    scratch = path.with_suffix(".scratch.npy")
    X = np.lib.format.open_memmap(scratch, mode="w+", dtype=np.float32, shape=(n_jets, m, 4))
    y = rng.integers(0, 2, size=n_jets)
    for a in range(0, n_jets, block):
        b = min(a + block, n_jets)
        k = b - a
        top = y[a:b, None] == 1
        n_const = np.clip(rng.poisson(np.where(top[:, 0], 50, 30)), 1, m)
        pt = -np.sort(-(rng.exponential(12.0, size=(k, m)) + 0.5), axis=1)
        width = np.where(top, 0.35, 0.2)
        eta = rng.normal(0, 1, size=(k, m)) * width
        phi = rng.uniform(-np.pi, np.pi, size=(k, 1)) + rng.normal(0, 1, size=(k, m)) * width
        X[a:b] = four_momenta(pt, eta, phi, n_const)
    X.flush()
    save_top_tagging(path, X, y, chunk_size=20_000)
    del X
    scratch.unlink()



def _features():
    from sklearn.pipeline import FeatureUnion

    from skjet.features import JetKinematics, JetMass, Multiplicity

    return FeatureUnion(
        [("mass", JetMass()), ("multiplicity", Multiplicity()), ("kinematics", JetKinematics())]
    ).set_output(transform="pandas")


def worker(method: str, path: str, chunk_size: int) -> None:
    """Run one method once in this fresh process; print a JSON line."""
    import tables  # noqa: F401  (both routes import it; keep it out of the measurement)

    from skjet.datasets import load_top_tagging, transform_top_tagging

    transformer = _features()
    base = rss_bytes()
    t0 = time.perf_counter()
    if method == "in_memory":
        X, y = load_top_tagging(path, chunk_size=chunk_size, return_X_y=True)
        data = transformer.fit_transform(X)
        del X
    else:
        data, y = transform_top_tagging(path, transformer, chunk_size=chunk_size, return_X_y=True)
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "n": len(y), "seconds": seconds, "peak_bytes": peak_rss_bytes() - base,
        "checksum": float(np.nansum(data.to_numpy(dtype=np.float64))) + float(y.sum()),
        "output_bytes": int(data.memory_usage(index=False).sum()),
    }))



def grid_search_part(path: Path) -> list[tuple[str, float, object]]:
    import joblib
    from distributed import Client, LocalCluster
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from skjet.datasets import transform_top_tagging
    from skjet.models import XGBoostClassifier

    X, y = transform_top_tagging(path, _features(), stop=N_GRID_JETS, return_X_y=True)
    grid = {"max_depth": [3, 5], "learning_rate": [0.1, 0.3], "n_estimators": [100, 200]}

    def search(n_jobs):
        cv = StratifiedKFold(3, shuffle=True, random_state=0)
        est = XGBoostClassifier(n_jobs=1, random_state=0)
        return GridSearchCV(est, grid, cv=cv, scoring="roc_auc", n_jobs=n_jobs).fit(X, y)

    rows = []
    for n_jobs in (1, 2):
        t0 = time.perf_counter()
        result = search(n_jobs)
        rows.append((f"local n_jobs={n_jobs}", time.perf_counter() - t0, result))
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    startup = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        with joblib.parallel_config(backend="dask"):
            result = search(None)
        rows.append(("LocalCluster(2) dask backend", time.perf_counter() - t0, result))
    finally:
        client.close()
        cluster.close()
    rows.append(("  (cluster start-up, once)", startup, None))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jets", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="100k jets")
    parser.add_argument("--skip-grid", action="store_true", help="only the out-of-core part")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], args.worker[1], int(args.worker[2]))
        return 0
    n_jets = 100_000 if args.quick else args.n_jets

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.h5"
        t0 = time.perf_counter()
        write_file(path, n_jets)
        print(
            f"file: {n_jets:,} jets x 806 columns, {path.stat().st_size / 2**30:.2f} GiB, "
            f"written in {time.perf_counter() - t0:.0f} s; features: JetMass + Multiplicity "
            f"+ JetKinematics; chunk_size={args.chunk_size:,}\n"
        )
        results = {m: run_worker(__file__, m, path, args.chunk_size) for m in ("in_memory", "chunked")}
        if len({round(r["checksum"], 3) for r in results.values()}) != 1:
            print(f"MISMATCH between methods: {results}")
            return 1
        ref = results["in_memory"]
        header = f"{'method':<36}{'seconds':>9}{'jets/s':>12}{'peak MiB':>10}{'mem ratio':>11}"
        print(header + "\n" + "-" * len(header))
        labels = {"in_memory": "load_top_tagging + transform", "chunked": "transform_top_tagging"}
        for method, r in results.items():
            print(
                f"{labels[method]:<36}{r['seconds']:>9.1f}{r['n'] / r['seconds']:>12,.0f}"
                f"{r['peak_bytes'] / 2**20:>10.0f}{r['peak_bytes'] / ref['peak_bytes']:>11.3f}"
            )
        print(
            f"(features returned: {ref['output_bytes'] / 2**20:.0f} MiB; constituents in the "
            f"file: {n_jets * 3200 / 2**20:,.0f} MiB; both results identical)\n"
        )

        if not args.skip_grid:
            rows = grid_search_part(path)
            first = rows[0][2]
            for _, _, res in rows:
                if res is not None and not np.array_equal(
                    res.cv_results_["mean_test_score"], first.cv_results_["mean_test_score"]
                ):
                    print("MISMATCH between grid searches")
                    return 1
            header = f"{'GridSearchCV (8 candidates x 3 folds)':<40}{'seconds':>9}{'speed-up':>10}"
            print(header + "\n" + "-" * len(header))
            for name, seconds, res in rows:
                speed = f"{rows[0][1] / seconds:>9.2f}x" if res is not None else ""
                print(f"{name:<40}{seconds:>9.1f}{speed}")
            print(f"(XGBoostClassifier n_jobs=1 per fit, {N_GRID_JETS:,} jets; identical "
                  f"cv_results_; best {first.best_params_})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
