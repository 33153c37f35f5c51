"""Cut-and-count search and XGBoost wrapper overhead, each against a named baseline.

1. ``CutAndCountClassifier(topology="parallel")`` fit (cumulative weighted histograms,
   every candidate cut of the four forms at once) against a brute-force scan of the same
   candidate cuts (one boolean mask over the events per candidate); both must find the same
   best objective per feature.
2. ``XGBoostClassifier`` fit and predict_proba against plain ``xgboost.XGBClassifier`` on
   the same data and parameters (integer labels for the baseline): the wrapper's overhead
   (label encoding, validation, device and thread resolution) should be a ratio near 1.

Usage::

    PYTHONPATH=. python benchmarks/bench_trees.py [--quick]
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from _common import best_time


def _best_times_interleaved(fn_a, fn_b, repeat: int):
    """Best-of-``repeat`` times of two functions run alternately, so that load from other
    processes on a shared machine hits both alike."""
    t_a, t_b, out_a, out_b = np.inf, np.inf, None, None
    for _ in range(repeat):
        t, out_a = best_time(fn_a, 1)
        t_a = min(t_a, t)
        t, out_b = best_time(fn_b, 1)
        t_b = min(t_b, t)
    return t_a, out_a, t_b, out_b


def _jet_features(n: int, n_extra: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    sig = rng.random(n) < 0.5
    cols = [
        np.where(sig, rng.normal(173, 20, n), 20 + rng.exponential(80, n)),  # mass
        np.where(sig, rng.beta(3, 4, n), rng.beta(4, 3, n)),  # tau32
        np.where(sig, rng.poisson(55, n), rng.poisson(45, n)).astype(float),  # multiplicity
    ]
    cols += [rng.normal(size=n) + 0.2 * sig for _ in range(n_extra)]
    return np.column_stack(cols), sig.astype(int)


def brute_force_parallel(X, is_sig, n_bins: int, objective: str) -> list[float]:
    """Best objective per feature by evaluating every candidate cut with an explicit mask."""
    from skjet.models._cut_and_count import _objective_values

    s_tot, b_tot = float(is_sig.sum()), float((~is_sig).sum())
    best = []
    for x in X.T:
        edges = np.linspace(x.min(), x.max(), n_bins + 1)[1:-1]

        def value(keep, x=x):
            s = float(np.count_nonzero(keep & is_sig))
            return float(_objective_values(objective, s, np.count_nonzero(keep) - s, s_tot, b_tot))

        values = [value(np.ones(len(x), dtype=bool))]
        values += [value(x < e) for e in edges] + [value(x >= e) for e in edges]
        for lo, hi in itertools.combinations(edges, 2):
            inside = (x >= lo) & (x < hi)
            values += [value(inside), value(~inside)]
        best.append(max(values))
    return best


def bench_cut_and_count(n: int, n_bins: int, repeat: int) -> dict:
    from skjet.models import CutAndCountClassifier

    X, y = _jet_features(n, n_extra=0)
    model = CutAndCountClassifier(topology="parallel", n_bins=n_bins)
    t_skjet, fitted = best_time(lambda: model.fit(X, y), repeat)
    t_brute, brute = best_time(
        lambda: brute_force_parallel(X, y == 1, n_bins, "accuracy"), max(1, repeat // 2)
    )
    # Same optimum per feature: each parallel cut is chosen alone on the full sample.
    found = [
        CutAndCountClassifier(n_bins=n_bins, features=[j]).fit(X, y).objective_
        for j in range(X.shape[1])
    ]
    assert np.allclose(found, brute, rtol=1e-12), (found, brute)
    n_cand = 1 + 2 * (n_bins - 1) + (n_bins - 1) * (n_bins - 2)
    return {
        "task": f"cut-and-count fit, {n} jets x 3 features, {n_cand} cuts/feature",
        "skjet": t_skjet,
        "baseline": t_brute,
        "baseline_name": "brute-force mask scan",
        "check": "same optimum" if fitted.cuts_ else "",
    }


def bench_xgboost(n: int, n_features: int, n_estimators: int, n_jobs: int, repeat: int) -> list[dict]:
    import xgboost

    from skjet.models import XGBoostClassifier

    X, y = _jet_features(n, n_extra=n_features - 3, seed=1)
    labels = np.where(y == 1, "top", "qcd")
    params = {"n_estimators": n_estimators, "max_depth": 6, "learning_rate": 0.1,
              "tree_method": "hist", "n_jobs": n_jobs, "random_state": 0}
    ours = XGBoostClassifier(**params, device="cpu")
    plain = xgboost.XGBClassifier(**params, device="cpu")
    t_ours, _, t_plain, _ = _best_times_interleaved(
        lambda: ours.fit(X, labels), lambda: plain.fit(X, y), repeat
    )
    p_ours_t, p_ours, p_plain_t, p_plain = _best_times_interleaved(
        lambda: ours.predict_proba(X), lambda: plain.predict_proba(X), 3 * repeat
    )
    assert np.allclose(p_ours, p_plain), "wrapper and plain xgboost disagree"
    what = f"{n} jets x {n_features} features, {n_estimators} trees, n_jobs={n_jobs}"
    return [
        {"task": f"XGBoost fit, {what}", "skjet": t_ours, "baseline": t_plain,
         "baseline_name": "xgboost.XGBClassifier", "check": "same proba"},
        {"task": f"XGBoost predict_proba, {n} jets", "skjet": p_ours_t, "baseline": p_plain_t,
         "baseline_name": "xgboost.XGBClassifier", "check": "same proba"},
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    args = parser.parse_args(argv)
    if args.quick:
        rows = [bench_cut_and_count(n=5_000, n_bins=20, repeat=3)]
        rows += bench_xgboost(n=5_000, n_features=10, n_estimators=30, n_jobs=1, repeat=5)
    else:
        rows = [bench_cut_and_count(n=100_000, n_bins=50, repeat=3)]
        rows += bench_xgboost(n=100_000, n_features=20, n_estimators=100, n_jobs=1, repeat=5)
    header = f"{'task':<62} {'skjet [s]':>10} {'baseline [s]':>12} {'ratio':>7}  baseline / check"
    print(header)
    print("-" * len(header))
    for r in rows:
        ratio = r["skjet"] / r["baseline"]
        print(f"{r['task']:<62} {r['skjet']:>10.4f} {r['baseline']:>12.4f} {ratio:>7.3f}  "
              f"{r['baseline_name']} / {r['check']}")
    print("ratio = skjet time / baseline time (best of repeats; < 1 means skjet is faster)")


if __name__ == "__main__":
    main()
