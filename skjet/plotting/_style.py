"""Figure style: mplhep's experiment styles when installed, matplotlib's defaults otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.axes import Axes


@contextmanager
def use_style(style: str = "CMS") -> Iterator[None]:
    """Draw with an HEP experiment style inside a ``with`` block.

    Uses ``mplhep.style.use(style)`` when the optional ``mplhep`` (``pip install
    "skjet[plot]"``) is installed and keeps matplotlib's current style otherwise; the
    previous settings come back at the end of the block either way.

    Parameters
    ----------
    style : str, default="CMS"
        An mplhep style name (``"CMS"``, ``"ATLAS"``, ``"LHCb2"``, ``"ALICE"``, ...).

    Examples
    --------
    >>> from skjet.plotting import plot_roc, use_style
    >>> with use_style("ATLAS"):
    ...     ax = plot_roc(([0.0, 0.5, 1.0], [0.0, 0.8, 1.0]))
    """
    with mpl.rc_context():
        try:
            import mplhep
        except ImportError:  # optional: plain matplotlib then
            pass
        else:
            mplhep.style.use(style)
        yield


def get_axes(ax: Axes | None = None) -> Axes:
    """``ax``, or the axes of a new figure."""
    if ax is None:
        _, ax = plt.subplots()
    return ax
