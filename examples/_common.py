"""What the example scripts share: their command-line options, the top / QCD jets, figures.

Not an example itself: each script in this folder imports it (``python examples/<name>.py``
puts this folder on the import path).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt


def example_parser(
    doc: str, name: str, *, data: str, out: str, n_jets: str
) -> argparse.ArgumentParser:
    """The options of every example: --data, --quick, --out, --n-jets and --random-state.

    ``doc`` is the script's docstring (its first line describes the script), ``name`` names
    the default output folder ``examples-output/<name>``; the other arguments are the help
    texts of --data, --out and --n-jets. A script adds its own options to the parser.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--data", help=data)
    parser.add_argument("--quick", action="store_true", help="small sample, few epochs")
    parser.add_argument("--out", default=f"examples-output/{name}", help=out)
    parser.add_argument("--n-jets", type=int, default=None, help=n_jets)
    parser.add_argument("--random-state", type=int, default=0)
    return parser


def top_tagging_parser(
    doc: str, name: str, *, out: str, n_jets: str,
    data: str = "Top Quark Tagging HDF5 file; generated jets if omitted",
) -> argparse.ArgumentParser:
    """:func:`example_parser` and --max-jets, for the scripts that read a Top Quark Tagging
    file with --data."""
    parser = example_parser(doc, name, data=data, out=out, n_jets=n_jets)
    parser.add_argument("--max-jets", type=int, default=None, help="read at most this many jets")
    return parser


def output_dir(args: argparse.Namespace) -> Path:
    """The --out folder, created if needed."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def read_top_tagging(args: argparse.Namespace):
    """Constituents and "top" / "qcd" labels of the --data file (at most --max-jets jets)."""
    from skjet.datasets import load_top_tagging

    data = load_top_tagging(args.data, stop=args.max_jets)
    return data.constituents, data.target_names[data.target]


def load_top_qcd(args: argparse.Namespace):
    """Constituents (n, 200, 4) and labels "top" / "qcd": the --data file or generated jets."""
    if args.data:
        return read_top_tagging(args)
    from skjet.datasets import generate_jets

    # The --quick settings are those of the test-suite fixture, so its cache is reused.
    n_jets = args.n_jets or (800 if args.quick else 3000)
    sample = generate_jets(("top", "qcd"), n_jets=n_jets, random_state=args.random_state,
                           n_jobs=1, progress=False)
    return sample.constituents, sample.target


def save_figure(fig, path: Path) -> None:
    """Write ``fig`` as a PNG and close it."""
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
