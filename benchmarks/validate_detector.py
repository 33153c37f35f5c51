"""Validate generate_jets' detector against the public Delphes-level top-tagging data.

Generates top and QCD jets (pT 550-650 GeV, |eta| < 2, anti-kt R = 0.8, 14 TeV) at hadron
level and with ``--detector`` (the same random_state, so the same Pythia events), and prints
per class and level the medians of the constituent multiplicity and of the leading
constituent's share of the jet pT, the top-mass peak (a Gaussian fitted around the mode)
and its relative width, next to the targets quoted for the public top-tagging sample
(Delphes with the ATLAS card): multiplicity medians 53 (top) and 41 (QCD), leading-
constituent fraction medians 19 % and 27 %. A figure of the distributions of the
multiplicity, the leading fraction, the jet mass, tau21 and tau32 (skjet.features) goes to
``--figure`` (PNG).

    python benchmarks/validate_detector.py --n-jets 3000
    python benchmarks/validate_detector.py --n-jets 300 --figure /tmp/detector.png  # quick
"""

from __future__ import annotations

import argparse
import io
import time

import numpy as np

from skjet.datasets import generate_jets
from skjet.features import Substructure
from skjet.utils._fourvec import pt

# Medians of the public top-tagging sample (Delphes, ATLAS card), as quoted in issue 22.
TARGETS = {
    ("top", "multiplicity"): 53.0,
    ("qcd", "multiplicity"): 41.0,
    ("top", "leading_fraction"): 0.19,
    ("qcd", "leading_fraction"): 0.27,
}
TOLERANCE = 0.10
TOP_MASS = 173.0


def observables(sample) -> dict[str, np.ndarray]:
    """Per-jet multiplicity, leading-constituent pT fraction, mass, tau21, tau32."""
    X = sample.constituents[..., :4]
    jets = sample.jets
    taus = Substructure(features=("tau21", "tau32")).fit_transform(X)
    return {
        "multiplicity": jets["n_constituents_total"].to_numpy(dtype=float),
        "leading_fraction": pt(X[:, 0].astype(np.float64)) / jets["pt"].to_numpy(),
        "mass": jets["mass"].to_numpy(),
        "tau21": taus[:, 0],
        "tau32": taus[:, 1],
    }


def mass_peak(mass: np.ndarray) -> tuple[float, float]:
    """(mean, sigma) of a Gaussian fitted to the histogram within +-25 GeV of its mode."""
    from scipy.optimize import curve_fit

    counts, edges = np.histogram(mass, bins=np.arange(100.0, 250.0, 2.5))
    centres = 0.5 * (edges[1:] + edges[:-1])
    smooth = np.convolve(counts, np.ones(5) / 5, mode="same")
    mode = centres[np.argmax(smooth)]
    window = np.abs(centres - mode) < 25
    (_, mean, sigma), _ = curve_fit(
        lambda x, a, m, s: a * np.exp(-0.5 * ((x - m) / s) ** 2),
        centres[window],
        counts[window],
        p0=(counts[window].max(), mode, 15.0),
    )
    return float(mean), abs(float(sigma))


def plot(values, settings, path) -> None:
    import matplotlib.pyplot as plt

    from skjet.plotting import add_sample_label, feature_label, sample_label, use_style

    names = {
        "multiplicity": "constituent multiplicity",
        "leading_fraction": r"leading constituent $p_T$ / jet $p_T$",
    }
    ranges = {
        "multiplicity": (0, 140),
        "leading_fraction": (0, 0.8),
        "mass": (0, 300),
        "tau21": (0, 1),
        "tau32": (0, 1),
    }
    colours = {"top": "#bd1f01", "qcd": "#3f90da"}
    with use_style():
        fig, axes = plt.subplots(2, 3, figsize=(13, 8), layout="constrained")
        for ax, name in zip(axes.flat, ranges, strict=False):
            # Integer bins for the multiplicity: equal-width real bins would alias.
            edges = (
                np.arange(-0.5, ranges[name][1], 4.0)
                if name == "multiplicity"
                else np.linspace(*ranges[name], 41)
            )
            for (level, process), obs in values.items():
                ax.hist(
                    np.clip(obs[name], edges[0], edges[-1]),
                    bins=edges,
                    density=True,
                    histtype="step",
                    color=colours[process],
                    linestyle="--" if level == "hadron" else "-",
                    label=f"{'QCD' if process == 'qcd' else process}, "
                    + ("hadron level" if level == "hadron" else f"{level.upper()}-like detector"),
                )
            ax.set_xlabel(names.get(name, feature_label(name)))
            ax.set_ylabel("normalised")
            ax.set_ylim(bottom=0)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        axes.flat[-1].axis("off")
        axes.flat[-1].legend(handles, labels, loc="center")
        add_sample_label(fig, sample_label(settings))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    # A 64-colour palette PNG: the step lines need no more, and the docs stay small.
    from PIL import Image

    buffer.seek(0)
    Image.open(buffer).convert("RGB").quantize(colors=64).save(path, optimize=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jets", type=int, default=3000, help="jets per class and level")
    parser.add_argument("--detector", default="atlas", choices=("atlas", "cms"))
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--figure", default="docs/images/detector_validation.png")
    args = parser.parse_args(argv)

    values, seconds, samples = {}, {}, {}
    for level in ("hadron", args.detector):
        start = time.perf_counter()
        sample = generate_jets(
            ("top", "qcd"),
            n_jets=args.n_jets,
            detector=level,
            random_state=args.random_state,
            n_jobs=args.n_jobs,
            progress=False,
        )
        seconds[level] = time.perf_counter() - start
        samples[level] = sample
        obs = observables(sample)
        for process in ("top", "qcd"):
            rows = sample.target == process
            values[(level, process)] = {k: v[rows] for k, v in obs.items()}

    print(
        f"{args.n_jets} jets per class, pT 550-650 GeV, |eta| < 2, R = 0.8; detector "
        f"{args.detector!r} (generation {seconds[args.detector]:.0f} s, hadron level "
        f"{seconds['hadron']:.0f} s, cache included)"
    )
    header = f"{'median':<22} {'class':>5} {'hadron':>8} {args.detector:>8} {'target':>8} {'det/target':>10}"
    print(header)
    print("-" * len(header))
    ok = True
    for name in ("multiplicity", "leading_fraction", "mass", "tau21", "tau32"):
        for process in ("top", "qcd"):
            hadron = np.median(values[("hadron", process)][name])
            detector = np.median(values[(args.detector, process)][name])
            target = TARGETS.get((process, name))
            ratio = "" if target is None else f"{detector / target:>10.3f}"
            if target is not None:
                ok &= abs(detector / target - 1) <= TOLERANCE
            target_text = "" if target is None else f"{target:>8.3g}"
            print(
                f"{name:<22} {process:>5} {hadron:>8.3g} {detector:>8.3g} {target_text:>8} {ratio}"
            )
    for level in ("hadron", args.detector):
        mass = values[(level, "top")]["mass"]
        mean, sigma = mass_peak(mass)
        # A second measure of the width that does not assume a Gaussian core: half the
        # 16-84 % range of the top jets within 140-210 GeV.
        q16, q84 = np.percentile(mass[(mass > 140) & (mass < 210)], [16, 84])
        print(
            f"top mass peak, {level:>6} level: {mean:.1f} GeV, Gaussian sigma {sigma:.1f} GeV "
            f"({sigma / mean:.1%}), half 16-84 % range in 140-210 GeV {(q84 - q16) / 2:.1f} GeV "
            f"({(q84 - q16) / 2 / mean:.1%}); target near {TOP_MASS:.0f} GeV, about 10 %"
        )
    print(f"multiplicity and leading-fraction medians within {TOLERANCE:.0%} of the targets: {ok}")
    if args.figure:
        plot(values, samples[args.detector].settings, args.figure)
        print(f"figure: {args.figure}")


if __name__ == "__main__":
    main()
