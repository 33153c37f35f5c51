"""Throughput of RelativeConstituents and JetImage against plain per-jet Python loops.

Both sides compute the same thing on the same jets; the script checks the outputs agree
before timing. Jets are synthetic but physics-like: 200 zero-padded slots (the Top Quark
Tagging Reference layout), 20 to 80 real constituents with exponential pT, spread ~0.2 in
eta and phi around a random axis.

    python benchmarks/bench_preprocessing.py            # 20,000 jets
    python benchmarks/bench_preprocessing.py --quick    # 2,000 jets
"""

from __future__ import annotations

import argparse

import numpy as np

from skjet.preprocessing import JetImage, RelativeConstituents

from _common import best_time, four_momenta


def make_jets(n_jets: int, n_slots: int = 200, random_state: int = 0) -> np.ndarray:
    rng = np.random.default_rng(random_state)
    mult = rng.integers(20, 81, n_jets)
    pt = np.sort(rng.exponential(15.0, (n_jets, n_slots)) + 0.5, axis=1)[:, ::-1]
    eta = rng.uniform(-1.5, 1.5, (n_jets, 1)) + rng.normal(0, 0.2, (n_jets, n_slots))
    phi = rng.uniform(-np.pi, np.pi, (n_jets, 1)) + rng.normal(0, 0.2, (n_jets, n_slots))
    return four_momenta(pt, eta, phi, mult).astype(np.float32)


def _each_jet(X: np.ndarray):
    """The hand-written per-jet loop: for each jet with constituents, its index, its real
    rows (float64), their pT and (delta eta, delta phi) from the jet axis, and the jet's sum."""
    for i in range(len(X)):
        jet = X[i].astype(np.float64)
        rows = jet[np.any(jet != 0, axis=1)]
        if len(rows) == 0:
            continue
        total = rows.sum(axis=0)
        axis_eta = np.arcsinh(total[3] / np.hypot(total[1], total[2]))
        axis_phi = np.arctan2(total[2], total[1])
        pt = np.hypot(rows[:, 1], rows[:, 2])
        deta = np.arcsinh(rows[:, 3] / pt) - axis_eta
        dphi = (np.arctan2(rows[:, 2], rows[:, 1]) - axis_phi + np.pi) % (2 * np.pi) - np.pi
        yield i, rows, pt, deta, dphi, total


def loop_relative(X: np.ndarray) -> np.ndarray:
    """The hand-written way: one jet at a time, numpy on its real constituents."""
    out = np.zeros((*X.shape[:2], 7), dtype=np.float32)
    for i, rows, pt, deta, dphi, total in _each_jet(X):
        out[i, : len(rows)] = np.stack(
            [
                np.log(pt),
                np.log(rows[:, 0]),
                np.log(pt / np.hypot(total[1], total[2])),
                np.log(rows[:, 0] / total[0]),
                deta,
                dphi,
                np.hypot(deta, dphi),
            ],
            axis=1,
        )
    return out


def loop_image(X: np.ndarray, size: int = 33, width: float = 1.6) -> np.ndarray:
    """Per-jet centring, rotation, flip and np.histogram2d, then sum normalisation."""
    edges = np.linspace(-width / 2, width / 2, size + 1)
    out = np.zeros((len(X), 1, size, size), dtype=np.float32)
    for i, _, w, x, y, _ in _each_jet(X):
        x, y = x - np.average(x, weights=w), y - np.average(y, weights=w)
        cxx, cyy, cxy = (
            np.average(x * x, weights=w),
            np.average(y * y, weights=w),
            np.average(x * y, weights=w),
        )
        turn = np.pi / 2 - 0.5 * np.arctan2(2 * cxy, cxx - cyy)
        x, y = x * np.cos(turn) - y * np.sin(turn), x * np.sin(turn) + y * np.cos(turn)
        if w[x < 0].sum() > w[x > 0].sum():
            x = -x
        if w[y < 0].sum() > w[y > 0].sum():
            y = -y
        hist, _, _ = np.histogram2d(y, x, bins=[edges, edges], weights=w)
        if hist.sum() > 0:
            hist /= hist.sum()
        out[i, 0] = hist
    return out



def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 jets instead of 20,000")
    parser.add_argument("--n-jets", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    n_jets = args.n_jets or (2_000 if args.quick else 20_000)
    X = make_jets(n_jets)
    n_real = int(np.any(X != 0, axis=-1).sum())
    print(f"{n_jets} jets x {X.shape[1]} slots, {n_real / n_jets:.1f} real constituents per jet")

    cases = [
        ("RelativeConstituents", RelativeConstituents().fit(X[:1]).transform, loop_relative, 2e-4),
        ("JetImage(size=33)", JetImage(size=33).fit(X[:1]).transform, loop_image, 1e-3),
    ]
    header = f"{'transformer':<22}{'skjet jets/s':>14}{'loop jets/s':>14}{'speed-up':>10}{'pixels/values agree':>22}"
    print(header)
    print("-" * len(header))
    for name, vectorised, loop, atol in cases:
        t_vec, out_vec = best_time(lambda v=vectorised: v(X), args.repeats)
        t_loop, out_loop = best_time(lambda f=loop: f(X), 1)
        agree = np.isclose(out_vec, out_loop, rtol=1e-3, atol=atol).mean()
        print(
            f"{name:<22}{n_jets / t_vec:>14,.0f}{n_jets / t_loop:>14,.0f}"
            f"{t_loop / t_vec:>9.1f}x{agree:>21.4%}"
        )


if __name__ == "__main__":
    main()
