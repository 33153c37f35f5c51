"""Speed and memory of skjet.features against named baselines, in one run.

1. JetMass + Multiplicity on (n_jets, 200, 4) float32 against one ``np.sum(X, axis=1)`` pass
   over the same array (the least any jet-mass computation must do: read every value once).
   Peak memory (tracemalloc) beyond the input, which is allocated before measuring. JetMass
   runs its input checks on every call, the physical-input check
   (skjet.utils.check_physical: E >= |p| for every constituent) included.
2. JetKinematics and Substructure jets per second against plain per-jet Python loops: numpy
   on one jet's real constituents for the kinematics; the same FastJet computation called
   one jet at a time for the substructure. The outputs are checked to agree first.

Jets are synthetic but physics-like: 200 zero-padded slots (the Top Quark Tagging Reference
layout), 20 to 80 real constituents with exponential pT, spread ~0.1 in eta and phi.

    python benchmarks/bench_features.py            # 1,000,000 jets (3.2 GB), 5,000 for Substructure
    python benchmarks/bench_features.py --quick    # 100,000 jets, 400 for Substructure
"""

from __future__ import annotations

import argparse
import tracemalloc

import numpy as np

from skjet.features import JetKinematics, JetMass, Multiplicity, Substructure

from _common import best_time, four_momenta


def make_jets(
    n_jets: int, n_slots: int = 200, random_state: int = 0, block: int = 20_000
) -> np.ndarray:
    """Built block by block so that generating 1,000,000 jets needs no float64 (n, 200, 4)."""
    rng = np.random.default_rng(random_state)
    X = np.zeros((n_jets, n_slots, 4), dtype=np.float32)
    for start in range(0, n_jets, block):
        n = min(block, n_jets - start)
        mult = rng.integers(20, 81, n)
        pt = np.sort(rng.exponential(15.0, (n, n_slots)).astype(np.float32) + 0.5, axis=1)[:, ::-1]
        eta = rng.uniform(-1.5, 1.5, (n, 1)) + rng.normal(0, 0.1, (n, n_slots))
        phi = rng.uniform(-np.pi, np.pi, (n, 1)) + rng.normal(0, 0.1, (n, n_slots))
        X[start : start + n] = four_momenta(pt, eta, phi, mult)
    return X



def peak_memory(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def loop_kinematics(X: np.ndarray) -> np.ndarray:
    """The hand-written way: one jet at a time, numpy on its real constituents."""
    out = np.zeros((len(X), 8))
    for i in range(len(X)):
        rows = X[i][np.any(X[i] != 0, axis=1)].astype(np.float64)
        if len(rows) == 0:
            continue
        E, px, py, pz = rows.sum(axis=0)
        pt = np.hypot(px, py)
        pts = np.hypot(rows[:, 1], rows[:, 2])
        out[i] = [
            pt,
            np.arcsinh(pz / pt),
            np.arctan2(py, px),
            np.sqrt(max(E**2 - px**2 - py**2 - pz**2, 0.0)),
            E,
            len(rows),
            pts.mean(),
            pts.max() / pt,
        ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a short run")
    args = parser.parse_args()
    n_mass = 100_000 if args.quick else 1_000_000
    n_kin_loop = 2_000 if args.quick else 10_000
    n_sub = 400 if args.quick else 5_000
    rows = []

    # 1. JetMass + Multiplicity against a single np.sum pass.
    X = make_jets(n_mass)
    mass_t, mult_t = JetMass().fit(X[:100]), Multiplicity().fit(X[:100])

    def skjet_mass_mult():
        return mass_t.transform(X), mult_t.transform(X)

    t_sum = best_time(lambda: np.sum(X, axis=1))[0]
    t_mass = best_time(lambda: mass_t.transform(X))[0]
    t_mult = best_time(lambda: mult_t.transform(X))[0]
    peak = peak_memory(skjet_mass_mult)
    peak_sum = peak_memory(lambda: np.sum(X, axis=1))
    size = f"{n_mass:,} x 200 x 4"
    rows.append(
        (
            "np.sum(X, axis=1)  [baseline]",
            size,
            f"{t_sum:.3f} s",
            "1.00",
            f"{peak_sum / 1e6:.1f} MB",
        )
    )
    rows.append(("JetMass.transform", size, f"{t_mass:.3f} s", f"{t_mass / t_sum:.2f}", ""))
    rows.append(("Multiplicity.transform", size, f"{t_mult:.3f} s", f"{t_mult / t_sum:.2f}", ""))
    rows.append(
        (
            "JetMass + Multiplicity",
            size,
            f"{t_mass + t_mult:.3f} s",
            f"{(t_mass + t_mult) / t_sum:.2f}",
            f"{peak / 1e6:.1f} MB",
        )
    )
    input_mb = X.nbytes / 1e6

    # 2a. JetKinematics against a per-jet loop (the loop runs on the first n_kin_loop jets).
    kin = JetKinematics().fit(X[:100])
    small = X[:n_kin_loop]
    np.testing.assert_allclose(kin.transform(small), loop_kinematics(small), rtol=1e-4, atol=1e-4)
    t_kin = best_time(lambda: kin.transform(X), repeat=1)[0]
    t_kin_loop = best_time(lambda: loop_kinematics(small), repeat=1)[0]
    rate_kin, rate_kin_loop = n_mass / t_kin, n_kin_loop / t_kin_loop
    rows.append(
        (
            "per-jet loop, kinematics [baseline]",
            f"{n_kin_loop:,} jets",
            f"{rate_kin_loop:,.0f} jets/s",
            "1.00",
            "",
        )
    )
    rows.append(
        (
            "JetKinematics",
            f"{n_mass:,} jets",
            f"{rate_kin:,.0f} jets/s",
            f"{rate_kin / rate_kin_loop:.1f}x",
            "",
        )
    )

    # 2b. Substructure (all 22 features) against the same computation one jet at a time.
    J = make_jets(n_sub, random_state=1)
    sub = Substructure().fit(J[:10])
    n_loop = min(n_sub, 200)
    looped = np.concatenate([sub.transform(J[i : i + 1]) for i in range(n_loop)])
    np.testing.assert_allclose(sub.transform(J[:n_loop]), looped, rtol=1e-9, atol=1e-12)
    t_sub = best_time(lambda: sub.transform(J), repeat=1)[0]
    t_sub_loop = best_time(lambda: [sub.transform(J[i : i + 1]) for i in range(n_loop)], repeat=1)[0]
    rate_sub, rate_sub_loop = n_sub / t_sub, n_loop / t_sub_loop
    rows.append(
        (
            "per-jet loop, substructure [baseline]",
            f"{n_loop:,} jets",
            f"{rate_sub_loop:,.0f} jets/s",
            "1.00",
            "",
        )
    )
    rows.append(
        (
            "Substructure (22 features)",
            f"{n_sub:,} jets",
            f"{rate_sub:,.0f} jets/s",
            f"{rate_sub / rate_sub_loop:.1f}x",
            "",
        )
    )
    hls = Substructure(features="hls4ml").fit(J[:10])
    t_hls = best_time(lambda: hls.transform(J), repeat=1)[0]
    rows.append(
        ("Substructure('hls4ml')", f"{n_sub:,} jets", f"{n_sub / t_hls:,.0f} jets/s", "", "")
    )
    taus = Substructure(features=("tau1", "tau2", "tau3", "tau21", "tau32")).fit(J[:10])
    t_taus = best_time(lambda: taus.transform(J), repeat=1)[0]
    rows.append(
        ("Substructure(tau1..tau32)", f"{n_sub:,} jets", f"{n_sub / t_taus:,.0f} jets/s", "", "")
    )

    header = ("what", "size", "time / rate", "ratio", "peak extra memory")
    widths = [max(len(str(r[k])) for r in [header, *rows]) for k in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    print(
        f"\nInput: {input_mb:.0f} MB. Time ratios are skjet / np.sum (target <= 2); rate ratios are "
        "skjet / per-jet loop. Peak extra memory is allocated beyond the input during both "
        "transforms (tracemalloc)."
    )


if __name__ == "__main__":
    main()
