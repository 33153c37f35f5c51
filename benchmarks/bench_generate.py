"""Speed of skjet.datasets.generate_jets against Pythia's bare event loop, on one core.

For each process, ``generate_jets`` (Pythia8 + particle extraction + FastJet anti-kt +
selection and truth matching) produces ``--n-jets`` accepted jets with ``n_jobs=1`` and no
cache; the baseline then runs ``pythia.next()`` alone, with the same Pythia settings, for
the same number of events (``Pythia.init`` included in both). The ratio is the cost of
everything skjet adds on top of event generation.

    python benchmarks/bench_generate.py --quick
    python benchmarks/bench_generate.py --n-jets 2000 --processes top qcd w z q g
"""

from __future__ import annotations

import argparse
import functools
import time

from skjet.datasets import generate_jets
from skjet.datasets._generate import _canonical, _pythia_settings


def bare_event_loop(process: str, n_events: int, pt_range, sqrt_s: float, seed: int) -> float:
    """Seconds for Pythia.init plus n_events calls of Pythia.next with the generator's settings."""
    import pythia8mc

    start = time.perf_counter()
    pythia = pythia8mc.Pythia("", False)
    for line in _pythia_settings(_canonical(process), pt_range, sqrt_s, seed):
        pythia.readString(line)
    pythia.init()
    done = 0
    while done < n_events:
        if pythia.next():
            done += 1
    return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jets", type=int, default=1000, help="accepted jets per process")
    parser.add_argument("--quick", action="store_true", help="100 jets per process")
    parser.add_argument("--processes", nargs="+", default=["top", "qcd"])
    parser.add_argument("--pt-range", nargs=2, type=float, default=[550.0, 650.0])
    parser.add_argument("--sqrt-s", type=float, default=14000.0)
    args = parser.parse_args(argv)
    n_jets = 100 if args.quick else args.n_jets
    pt_range = tuple(args.pt_range)

    header = (
        f"{'process':>7} {'jets':>6} {'events':>7} {'skjet s':>8} {'jets/s':>7} "
        f"{'events/s':>9} {'bare s':>7} {'bare ev/s':>9} {'ratio':>6}"
    )
    print(
        f"generate_jets vs bare pythia.next(), 1 core, pT {pt_range} GeV, sqrt(s) {args.sqrt_s} GeV"
    )
    generate = functools.partial(
        generate_jets, pt_range=pt_range, sqrt_s=args.sqrt_s, random_state=0, n_jobs=1,
        progress=False, cache=False,
    )
    # Warm up imports (awkward, FastJet, Pythia's data files) outside the timings.
    generate("qcd", n_jets=1)
    bare_event_loop("qcd", 1, pt_range, args.sqrt_s, seed=1)
    print(header)
    print("-" * len(header))
    for process in args.processes:
        start = time.perf_counter()
        data = generate((process,), n_jets=n_jets)
        seconds = time.perf_counter() - start
        n_events = data.n_events[process]
        bare = bare_event_loop(process, n_events, pt_range, args.sqrt_s, seed=1)
        print(
            f"{process:>7} {n_jets:>6} {n_events:>7} {seconds:>8.2f} {n_jets / seconds:>7.1f} "
            f"{n_events / seconds:>9.1f} {bare:>7.2f} {n_events / bare:>9.1f} "
            f"{seconds / bare:>6.2f}"
        )
    print("ratio = skjet seconds / bare-loop seconds for the same number of events")


if __name__ == "__main__":
    main()
