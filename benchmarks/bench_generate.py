"""Speed of skjet.datasets.generate_jets against Pythia's bare event loop, and its scaling.

Table 1, one core: for each process, ``generate_jets`` (Pythia8 events read in batches,
FastJet anti-kt, selection and truth matching) produces ``--n-jets`` accepted jets with
``n_jobs=1`` and no cache. Two baselines then run the same number of events with the same
Pythia settings and seed (constructing Pythia and ``Pythia.init`` included): ``bare``, the
loop of ``pythia.next()`` alone; ``read-out``, the same events read with
``Pythia.nextBatch`` and nothing done with them, the floor of any batch read-out; and
``anti-kt``, the bare loop plus anti-kt clustering of every event by Pythia's own
``SlowJet`` (fjcore, in C++), the cost of the clustering itself. Times are
CPU seconds of this process per accepted jet (``time.process_time``, the steadier measure on
a shared machine; the wall-clock ratio is the last column); ``--repeat`` alternates several
runs of each and keeps the fastest. ``skjet+det`` is ``generate_jets(detector="atlas")``
(the same chunk seed; the detector-level jets accepted differ a little) and ``det share`` the
CPU time spent in the detector simulation itself (``_detector.simulate``, timed inside that
run) over the whole run's: the detector's cost relative to generation (target <= 10 %).

Table 2: wall-clock time of ``generate_jets`` with ``n_jobs=1`` and with ``n_jobs=2`` (same
sample, checked equal), over ``--scaling-chunks`` chunks of qcd jets: the first call with
two jobs starts the worker processes, the second finds them running (joblib keeps them).
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


def _initialised_pythia(process: str, pt_range, sqrt_s: float, seed: int):
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    for line in _pythia_settings(_canonical(process), pt_range, sqrt_s, seed):
        pythia.readString(line)
    pythia.init()
    return pythia


def bare_event_loop(process: str, n_events: int, pt_range, sqrt_s: float, seed: int):
    """(wall, cpu) seconds for a new Pythia, its init and n_events successful Pythia.next."""
    wall, cpu = time.perf_counter(), time.process_time()
    pythia = _initialised_pythia(process, pt_range, sqrt_s, seed)
    done = 0
    while done < n_events:
        if pythia.next():
            done += 1
    return time.perf_counter() - wall, time.process_time() - cpu


def clustered_event_loop(process: str, n_events: int, pt_range, sqrt_s: float, seed: int):
    """(wall, cpu) seconds of the bare loop plus anti-kt (R = 0.8) on every event in C++.

    Pythia's own ``SlowJet`` with fjcore clusters the visible final-state particles within
    |eta| < 3, as generate_jets does, straight from the C++ event record: the cost of the
    clustering itself, with no Python or array conversion in between.
    """
    import pythia8mc

    wall, cpu = time.perf_counter(), time.process_time()
    pythia = _initialised_pythia(process, pt_range, sqrt_s, seed)
    # power -1 (anti-kt), R, jet pT min, particle |eta| max, visible final state, true
    # masses, no hook, fjcore
    antikt = pythia8mc.SlowJet(-1, 0.8, pt_range[0], 3.0, 2, 2, None, True)
    done = 0
    while done < n_events:
        if pythia.next():
            antikt.analyze(pythia.event)
            done += 1
    return time.perf_counter() - wall, time.process_time() - cpu


def batch_read_loop(process: str, n_events: int, pt_range, sqrt_s: float, seed: int):
    """(wall, cpu) seconds of the same events read with Pythia.nextBatch and nothing else.

    The floor of any generator built on pythia8mc's batch interface: the conversion of every
    entry of every event record to awkward arrays, without clustering or selection.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    pythia = _initialised_pythia(process, pt_range, sqrt_s, seed)
    done = 0
    while done < n_events:
        done += len(pythia.nextBatch(min(400, n_events - done), "skip"))
    return time.perf_counter() - wall, time.process_time() - cpu


def timed_generate(**kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    data = generate_jets(cache=False, progress=False, **kwargs)
    return data, time.perf_counter() - wall, time.process_time() - cpu


def timed_detector_generate(detector="atlas", **kwargs):
    """timed_generate at detector level, plus the CPU seconds spent in the detector itself."""
    from skjet.datasets import _detector

    spent = [0.0]
    simulate = _detector.simulate

    def timed(*args, **kw):
        start = time.process_time()
        try:
            return simulate(*args, **kw)
        finally:
            spent[0] += time.process_time() - start

    _detector.simulate = timed  # looked up at call time by the chunk (n_jobs=1: this process)
    try:
        data, wall, cpu = timed_generate(detector=detector, **kwargs)
    finally:
        _detector.simulate = simulate
    return data, wall, cpu, spent[0]


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
        "--scaling-chunks", type=int, default=8, help=f"chunks of {_CHUNK_SIZE} qcd jets"
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
        f"{'process':>7} {'jets':>5} {'events':>6} | {'bare':>8} {'read-out':>8} "
        f"{'skjet':>8} | {'read-out/bare':>13} {'anti-kt/bare':>12} {'skjet/bare':>10} "
        f"| {'wall ratio':>10} | {'skjet+det':>9} {'det share':>9}"
    )
    print("\n1 core (n_jobs=1): CPU seconds per accepted jet")
    print(header)
    print("-" * len(header))
    worst = worst_share = 0.0
    for process in args.processes:
        # The seed of skjet's first chunk: the bare loop generates the very same events.
        seed = _chunk_seed(0, process, 0)
        runs, bare_runs, read_runs, clustered_runs, det_runs = [], [], [], [], []
        for _ in range(args.repeat):  # alternated; the fastest of each is the least disturbed
            data, wall, cpu = timed_generate(
                processes=(process,), n_jets=n_jets, n_jobs=1, **settings
            )
            n_events = data.n_events[process]
            runs.append((wall, cpu))
            bare_runs.append(bare_event_loop(process, n_events, pt_range, args.sqrt_s, seed))
            read_runs.append(batch_read_loop(process, n_events, pt_range, args.sqrt_s, seed))
            clustered_runs.append(
                clustered_event_loop(process, n_events, pt_range, args.sqrt_s, seed)
            )
            _, _, det_cpu, det_spent = timed_detector_generate(
                processes=(process,), n_jets=n_jets, n_jobs=1, **settings
            )
            det_runs.append((det_cpu, det_spent))
        (wall, cpu), (bare_wall, bare_cpu) = np.min(runs, axis=0), np.min(bare_runs, axis=0)
        read_cpu = np.min(read_runs, axis=0)[1]
        clustered_cpu = np.min(clustered_runs, axis=0)[1]
        det_cpu, det_spent = min(det_runs)
        worst = max(worst, cpu / bare_cpu)
        worst_share = max(worst_share, det_spent / det_cpu)
        print(
            f"{process:>7} {n_jets:>5} {n_events:>6} | {bare_cpu / n_jets:>8.5f} "
            f"{read_cpu / n_jets:>8.5f} {cpu / n_jets:>8.5f} | {read_cpu / bare_cpu:>13.2f} "
            f"{clustered_cpu / bare_cpu:>12.2f} {cpu / bare_cpu:>10.2f} | "
            f"{wall / bare_wall:>10.2f} | {det_cpu / n_jets:>9.5f} {det_spent / det_cpu:>9.1%}",
            flush=True,
        )
    print(
        f"worst skjet/bare {worst:.2f} (target <= 1.25). bare: Pythia.next alone; read-out: "
        "the same events through Pythia.nextBatch alone (the floor of a batch read-out); "
        "anti-kt: the bare loop plus Pythia's SlowJet (fjcore) anti-kt on every event, in C++ "
        "(the cost of clustering); skjet - read-out: clustering, selection, truth matching"
    )
    print(
        f"worst det share {worst_share:.1%} (target <= 10 %): CPU time of the ATLAS-like "
        "detector simulation within generate_jets(detector='atlas')"
    )

    print(f"\nscaling: {n_scaling} qcd jets ({n_scaling // _CHUNK_SIZE} chunks), wall clock")
    one, one_wall, _ = timed_generate(processes="qcd", n_jets=n_scaling, n_jobs=1, **settings)
    # The first call with n_jobs=2 starts the worker processes (Python, imports, Pythia's data
    # files); joblib keeps them for the next call, which shows the steady-state throughput.
    two, cold_wall, _ = timed_generate(processes="qcd", n_jets=n_scaling, n_jobs=2, **settings)
    again, warm_wall, _ = timed_generate(processes="qcd", n_jets=n_scaling, n_jobs=2, **settings)
    same = np.array_equal(one.constituents, two.constituents) and np.array_equal(
        one.constituents, again.constituents
    )
    print(f"{'n_jobs':>16} {'seconds':>8} {'jets/s':>7} {'speed-up':>8}")
    for name, seconds in (("1", one_wall), ("2, new workers", cold_wall), ("2, warm", warm_wall)):
        print(
            f"{name:>16} {seconds:>8.2f} {n_scaling / seconds:>7.1f} {one_wall / seconds:>8.2f}"
        )
    print(
        f"same sample with 1 and 2 jobs: {same}; load average {os.getloadavg()[0]:.1f} at end "
        "(a speed-up near 2 needs two idle cores)"
    )


if __name__ == "__main__":
    main()
