"""Figure style: skjet's house style built on mplhep, sample labels and figure output."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
from cycler import cycler
from matplotlib.axes import Axes

# Slide-sized (4:3, 8 x 6 inches) with labels readable when the figure fills half a slide.
# Built on mplhep's experiment-neutral ROOT style (ticks inside on all four sides, axis
# labels at the ends, frameless legends); sizes scaled down from its 10 x 10 in, 26 pt page.
_HOUSE_OVERRIDES = {
    "figure.figsize": (8.0, 6.0),
    "font.size": 16,
    "axes.titlesize": "medium",
    "axes.linewidth": 1.2,
    "xtick.major.size": 8,
    "xtick.minor.size": 4,
    "ytick.major.size": 8,
    "ytick.minor.size": 4,
    "xtick.major.pad": 5,
    "legend.fontsize": "small",
    "lines.linewidth": 2.0,
    "image.cmap": "viridis",
    # Petroff's 10 colours (matplotlib's "petroff10", the CMS palette): distinct for colour-
    # blind readers, and enough that the demo's 8 approaches never share a colour.
    "axes.prop_cycle": cycler(color=[
        "#3f90da", "#ffa90e", "#bd1f01", "#94a4a2", "#832db6",
        "#a96b59", "#e76300", "#b9ac70", "#717581", "#92dadd",
    ]),
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.1,
}
HOUSE_STYLE = "skjet"
# Figure output formats: PNG for the report and the slides, PDF (vector) for papers.
FORMATS = ("png", "pdf")


def _house_style() -> list:
    import mplhep

    return [mplhep.style.ROOT, _HOUSE_OVERRIDES]


@contextmanager
def use_style(style: str | Mapping = HOUSE_STYLE) -> Iterator[None]:
    """Draw with skjet's house style, or an mplhep experiment style, inside a ``with`` block.

    The previous settings come back at the end of the block.

    Parameters
    ----------
    style : str or dict, default="skjet"
        ``"skjet"``: the house style of every skjet figure, mplhep's experiment-neutral
        ``ROOT`` style at slide size (8 x 6 in, 16 pt). Any mplhep style by name
        (``"CMS"``, ``"ATLAS"``, ``"LHCb2"``, ``"ALICE"``, ``"ROOT"``, ...), or a dict of
        matplotlib rc settings.

    Examples
    --------
    >>> from skjet.plotting import plot_roc, use_style
    >>> with use_style("ATLAS"):
    ...     ax = plot_roc(([0.0, 0.5, 1.0], [0.0, 0.8, 1.0]))
    >>> with use_style():
    ...     import matplotlib as mpl
    ...     mpl.rcParams["figure.figsize"]
    [8.0, 6.0]
    """
    import mplhep

    if isinstance(style, Mapping):
        chosen: Any = dict(style)
    elif style == HOUSE_STYLE:
        chosen = _house_style()
    elif isinstance(style, str):
        if not hasattr(mplhep.style, style):
            names = sorted(n for n in dir(mplhep.style) if n[:1].isupper())
            raise ValueError(
                f"Unknown style {style!r}: use {HOUSE_STYLE!r} or an mplhep style "
                f"({', '.join(names)})."
            )
        chosen = getattr(mplhep.style, style)
    else:
        raise TypeError(f"style must be a style name or a dict, got {type(style).__name__}.")
    with mpl.rc_context():
        mplhep.style.use(chosen)
        yield


def get_axes(ax: Axes | None = None) -> Axes:
    """``ax``, or the axes of a new figure."""
    if ax is None:
        _, ax = plt.subplots()
    return ax


def sample_label(settings: Mapping | None = None, *, process: str | None = None) -> str:
    r"""The line that says which jets a figure shows: process, generator level, √s, R, pT.

    Parameters
    ----------
    settings : dict, optional
        The ``settings`` of :func:`skjet.datasets.generate_jets` (``processes``,
        ``sqrt_s`` in GeV, ``radius``, ``pt_range`` in GeV, ``eta_max``), or any dict
        with some of these keys, plus optionally ``"level"`` (default: "particle level"
        for generated jets) and ``"generator"``.
    process : str, optional
        The process, e.g. ``"top vs QCD"``; defaults to the ``processes`` joined by
        "vs".

    Returns
    -------
    label : str
        Matplotlib mathtext, e.g. ``"top vs QCD, Pythia 8 particle level, √s =
        14 TeV, anti-$k_T$ R = 0.8, 550 < $p_T$ < 650 GeV"``.

    Examples
    --------
    >>> sample_label({"processes": ["top", "qcd"], "sqrt_s": 14000.0, "radius": 0.8,
    ...               "pt_range": [550.0, 650.0], "eta_max": 2.0, "generator": "Pythia 8",
    ...               "level": "particle level"})
    'top vs QCD, Pythia 8 particle level, √s = 14 TeV, anti-$k_T$ R = 0.8, 550 < $p_T$ < 650 GeV, $|\\eta|$ < 2'
    """
    settings = dict(settings or {})
    parts = []
    if process is None and settings.get("processes"):
        process = " vs ".join(_PROCESS_NAMES.get(str(p), str(p)) for p in settings["processes"])
    if process:
        parts.append(process)
    generator = settings.get("generator", "Pythia 8" if "pythia" in settings else None)
    level = settings.get("level", "particle level" if "pythia" in settings else None)
    if "level" not in settings and isinstance(settings.get("detector"), Mapping):
        # A detector-level sample of generate_jets(detector=...): name the detector.
        level = f"+ {str(settings['detector'].get('name', '')).upper()}-like detector".strip()
    if generator or level:
        parts.append(" ".join(p for p in (generator, level) if p))
    if settings.get("sqrt_s"):
        parts.append(f"√s = {float(settings['sqrt_s']) / 1000:g} TeV")
    if settings.get("radius"):
        parts.append(f"anti-$k_T$ R = {float(settings['radius']):g}")
    if settings.get("pt_range"):
        low, high = settings["pt_range"]
        parts.append(f"{float(low):g} < $p_T$ < {float(high):g} GeV")
    if settings.get("eta_max"):
        parts.append(rf"$|\eta|$ < {float(settings['eta_max']):g}")
    return ", ".join(parts)


_PROCESS_NAMES = {"qcd": "QCD", "top": "top", "w": "W", "z": "Z", "h": "H", "g": "g", "q": "q"}


def add_sample_label(fig_or_ax, label: str) -> None:
    """Write ``label`` above the plot: over the axes (left-aligned), or over a figure of
    several panels.

    Examples
    --------
    >>> ax = get_axes()
    >>> add_sample_label(ax, "top vs QCD, 550 < $p_T$ < 650 GeV")
    >>> ax.get_title(loc="left")
    'top vs QCD, 550 < $p_T$ < 650 GeV'
    """
    if not label:
        return
    if isinstance(fig_or_ax, mpl.figure.Figure):
        fig_or_ax.suptitle(label, x=0.01, ha="left", fontsize="small")
    else:
        fig_or_ax.set_title(label, loc="left", fontsize="small")


def save_figure(fig, path: str | Path, formats=FORMATS) -> list[Path]:
    """Save ``fig`` as ``path`` with each suffix of ``formats`` (PNG and PDF by default).

    Returns the paths written.
    """
    path = Path(path)
    written = []
    for fmt in formats:
        target = path.with_suffix(f".{fmt}")
        fig.savefig(target)
        written.append(target)
    return written
