"""Speed of skjet.datasets.generate_jets against Pythia's bare event loop, and its scaling.

Table 1, one core: for each process, ``generate_jets`` (Pythia8 events read in batches,
FastJet anti-kt, selection and truth matching) produces ``--n-jets`` accepted jets with
``n_jobs=1`` and no cache; the baseline then runs ``pythia.next()`` alone, with the same
Pythia settings and seed, for the same number of events (constructing Pythia and ``Pythia.init``
included in both). Times are given per accepted jet, in wall-clock seconds and in CPU
seconds of this process (``time.process_time``): on a shared machine the CPU ratio is the
steadier one; ``--repeat`` alternates several runs of each and keeps the fastest.
``ratio`` = skjet / bare loop.

Table 2: wall-clock time of one ``generate_jets`` call with ``n_jobs=1`` and with
``n_jobs=2`` (same sample, checked equal), over ``--scaling-chunks`` chunks of qcd jets.
It only means something on a machine with two idle cores; the load average is printed.

    python benchmarks/bench_generate.py --quick
    python benchmarks/bench_generate.py --n-jets 1000
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from skjet.datasets import generate_jets
from skjet.datasets._generate import _CHUNK_SIZE, _canonical, _chunk_seed
from skjet.datasets._pythia import _pythia_settings

ALL = ["top", "qcd", "w", "z", "q", "g"]


def bare_event_loop(process: str, n_events: int, pt_range, sqrt_s: float, seed: int):
    """(wall, cpu) seconds for a new Pythia, its init and n_events successful Pythia.next."""
    import pythia8mc

    wall, cpu = time.perf_counter(), time.process_time()
    pythia = pythia8mc.Pythia("", False)
    for line in _pythia_settings(_canonical(process), pt_range, sqrt_s, seed):
        pythia.readString(line)
    pythia.init()
    done = 0
    while done < n_events:
        if pythia.next():
            done += 1
    return time.perf_counter() - wall, time.process_time() - cpu


def timed_generate(**kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    data = generate_jets(cache=False, progress=False, **kwargs)
    return data, time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jets", type=int, default=1000, help="accepted jets per process")
    parser.add_argument("--quick", action="store_true", help="200 jets per process, 2 chunks")
    parser.add_argument("--processes", nargs="+", default=ALL, choices=ALL)
    parser.add_argument("--pt-range", nargs=2, type=float, default=[550.0, 650.0])
    parser.add_argument("--sqrt-s", type=float, default=14000.0)
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each side; the fastest is shown"
    )
    parser.add_argument(
        "--scaling-chunks", type=int, default=4, help=f"chunks of {_CHUNK_SIZE} qcd jets"
    )
    args = parser.parse_args(argv)
    n_jets = 200 if args.quick else args.n_jets
    n_scaling = (2 if args.quick else args.scaling_chunks) * _CHUNK_SIZE
    pt_range = tuple(args.pt_range)
    settings = dict(pt_range=pt_range, sqrt_s=args.sqrt_s, random_state=0)

    print(
        f"generate_jets vs the bare Pythia loop, pT {pt_range} GeV, sqrt(s) {args.sqrt_s} GeV; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start"
    )
    # Warm up imports (awkward, FastJet, Pythia's data files) outside the timings.
    generate_jets("qcd", n_jets=1, n_jobs=1, progress=False, cache=False, **settings)
    bare_event_loop("qcd", 1, pt_range, args.sqrt_s, seed=1)

    header = (
        f"{'process':>7} {'jets':>5} {'events':>6} | {'bare s/jet':>10} {'skjet s/jet':>11} "
        f"{'ratio':>5} | {'bare cpu/jet':>12} {'skjet cpu/jet':>13} {'ratio':>5}"
    )
    print("\n1 core (n_jobs=1): seconds per accepted jet")
    print(header)
    print("-" * len(header))
    worst = 0.0
    for process in args.processes:
        # The seed of skjet's first chunk: the bare loop generates the very same events.
        seed = _chunk_seed(0, process, 0)
        runs, bare_runs = [], []
        for _ in range(args.repeat):  # alternated; the fastest of each is the least disturbed
            data, wall, cpu = timed_generate(
                processes=(process,), n_jets=n_jets, n_jobs=1, **settings
            )
            n_events = data.n_events[process]
            runs.append((wall, cpu))
            bare_runs.append(bare_event_loop(process, n_events, pt_range, args.sqrt_s, seed))
        (wall, cpu), (bare_wall, bare_cpu) = np.min(runs, axis=0), np.min(bare_runs, axis=0)
        worst = max(worst, cpu / bare_cpu)
        print(
            f"{process:>7} {n_jets:>5} {n_events:>6} | {bare_wall / n_jets:>10.5f} "
            f"{wall / n_jets:>11.5f} {wall / bare_wall:>5.2f} | {bare_cpu / n_jets:>12.5f} "
            f"{cpu / n_jets:>13.5f} {cpu / bare_cpu:>5.2f}",
            flush=True,
        )
    print(f"worst CPU ratio {worst:.2f} (target <= 1.25)")

    print(f"\nscaling: {n_scaling} qcd jets ({n_scaling // _CHUNK_SIZE} chunks), wall clock")
    one, one_wall, _ = timed_generate(processes="qcd", n_jets=n_scaling, n_jobs=1, **settings)
    two, two_wall, _ = timed_generate(processes="qcd", n_jets=n_scaling, n_jobs=2, **settings)
    same = np.array_equal(one.constituents, two.constituents)
    print(f"{'n_jobs':>6} {'seconds':>8} {'jets/s':>7} {'speed-up':>8}")
    print(f"{1:>6} {one_wall:>8.2f} {n_scaling / one_wall:>7.1f} {1.0:>8.2f}")
    print(f"{2:>6} {two_wall:>8.2f} {n_scaling / two_wall:>7.1f} {one_wall / two_wall:>8.2f}")
    print(
        f"same sample with 1 and 2 jobs: {same}; load average {os.getloadavg()[0]:.1f} at end "
        "(a speed-up near 2 needs two idle cores)"
    )


if __name__ == "__main__":
    main()
