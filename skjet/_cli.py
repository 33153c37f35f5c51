"""Sub-commands of the ``skjet`` command line."""

from __future__ import annotations

import argparse

import pandas as pd


def summarize_sample(jets: pd.DataFrame) -> pd.DataFrame:
    """Counts per class and the medians physicists look at first (mass, multiplicity, pt).

    Examples
    --------
    >>> jets = pd.DataFrame({"process": ["top", "qcd", "top"], "mass": [170.0, 40.0, 180.0],
    ...                      "n_constituents": [60, 30, 70], "pt": [600.0, 580.0, 610.0]})
    >>> summarize_sample(jets).loc["top", "n_jets"]
    2
    """
    grouped = jets.groupby("process", sort=True)
    return pd.DataFrame(
        {
            "n_jets": grouped.size(),
            "median_mass": grouped["mass"].median().round(1),
            "median_multiplicity": grouped["n_constituents"].median(),
            "median_pt": grouped["pt"].median().round(1),
        }
    )


def _demo(args: argparse.Namespace) -> int:
    from .datasets import generate_jets

    print(f"Generating {args.n_jets} top and {args.n_jets} QCD jets (Pythia8 + FastJet, cached)...")
    sample = generate_jets(
        processes=("top", "qcd"), n_jets=args.n_jets, random_state=args.random_state,
        n_jobs=args.n_jobs,
    )
    print(f"constituents: {sample.constituents.shape} {sample.constituents.dtype}")
    print(summarize_sample(sample.jets).to_string())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skjet", description="Compare jet-tagging approaches as scikit-learn estimators."
    )
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="generate the default top-vs-QCD sample and summarise it")
    demo.add_argument("--n-jets", type=int, default=2000, help="jets per class (default 2000)")
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument("--n-jobs", type=int, default=None)
    demo.set_defaults(func=_demo)
    return parser


__all__ = ["build_parser", "summarize_sample"]
