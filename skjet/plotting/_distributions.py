"""Per-class distributions: input features, mean jet images and the scores of a comparison.

Histograms are :class:`hist.Hist` objects with weighted storage (sums of weights and of
squared weights, so negative weights and their errors come out right), drawn with
``mplhep.histplot``.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..utils import check_finite

# Axis labels with units for the jet features skjet computes.
FEATURE_LABELS = {
    "pt": r"jet $p_T$ [GeV]",
    "eta": r"jet $\eta$",
    "phi": r"jet $\phi$ [rad]",
    "mass": r"jet mass $m_J$ [GeV]",
    "sd_mass": r"soft-drop mass $m_{SD}$ [GeV]",
    "multiplicity": "constituent multiplicity",
    "n_constituents": "constituent multiplicity",
    "mean_pt": r"mean constituent $p_T$ [GeV]",
    "leading_pt_fraction": r"leading constituent $p_T$ / jet $p_T$",
    "tau1": r"$\tau_1$",
    "tau2": r"$\tau_2$",
    "tau3": r"$\tau_3$",
    "tau21": r"$\tau_{21} = \tau_2 / \tau_1$",
    "tau32": r"$\tau_{32} = \tau_3 / \tau_2$",
    "mass_mmdt": r"mMDT groomed mass [GeV]",
    "zlogz": r"$\sum z \log z$",
}


def feature_label(name: str) -> str:
    """The axis label of a feature, with its unit (``"jet mass $m_J$ [GeV]"``); the name
    itself for features skjet does not know."""
    return FEATURE_LABELS.get(str(name), str(name))


def _weighted_hist(values, weight, edges):
    import hist

    h = hist.Hist(hist.axis.Variable(edges), storage=hist.storage.Weight())
    h.fill(values, weight=weight)
    return h


def _check_labels(y, n: int, what: str) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y has shape {y.shape} but {what} has {n} rows.")
    return y


def _check_weight(sample_weight, n: int):
    if sample_weight is None:
        return None
    weight = np.asarray(sample_weight, dtype=np.float64)
    if weight.shape != (n,):
        raise ValueError(f"sample_weight has shape {weight.shape}, expected ({n},).")
    return weight


def _check_no_nan(frame: pd.DataFrame) -> None:
    """Refuse NaN features: a histogram would leave those jets out without a word."""
    counts = {
        str(c): int(np.count_nonzero(np.isnan(frame[c].to_numpy(dtype=np.float64))))
        for c in frame.columns
    }
    bad = {c: k for c, k in counts.items() if k}
    if bad:
        raise ValueError(
            f"X holds NaN values in {len(bad)} feature column(s) (NaN jets per column: {bad}) "
            f"of {len(frame)} jets; a histogram would leave those jets out silently. Drop or "
            "fill them first (e.g. X.dropna() with the matching y), or pass features= "
            "without these columns."
        )


def _grid(n_panels: int, ncols: int, panel_size=(4.5, 3.6)):
    ncols = max(1, min(ncols, n_panels))
    nrows = math.ceil(n_panels / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
        layout="constrained", squeeze=False,
    )
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n_panels])


def _draw_classes(ax, values, y, classes, weight, edges, *, density: bool, **kwargs):
    import mplhep

    # Beyond the range into the first and last bins (the upper edge itself included, which
    # a histogram would put in its overflow): no jet is left out of the picture.
    values = np.clip(values, edges[0], np.nextafter(edges[-1], -np.inf))
    for label in classes:
        mask = y == label
        h = _weighted_hist(values[mask], None if weight is None else weight[mask], edges)
        # Values are clipped into the range beforehand: no flow bins to hint at.
        mplhep.histplot(h, ax=ax, density=density, label=str(label), yerr=False, flow="none",
                        **kwargs)


def plot_feature_distributions(
    X, y, *, features=None, sample_weight=None, bins: int = 40, ncols: int = 3,
    density: bool = True,
):
    """One panel per input feature: its histogram for each class, normalised to compare shapes.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_jets, n_features)
        The features (columns of a DataFrame are named on the axes, with units for the
        features skjet computes: :data:`FEATURE_LABELS`).
    y : array-like of shape (n_jets,)
        Class labels: one histogram per class.
    features : list of str or int, optional
        The columns to show; all by default.
    sample_weight : array-like of shape (n_jets,), optional
        Event weights (negative ones included: the histograms are sums of weights).
    bins : int, default=40
        Bins per panel, between the 0.5 and 99.5 percentiles of all jets (long tails
        would squeeze the bulk into a few bins); jets beyond are counted in the first
        and last bins.
    ncols : int, default=3
        Panels per row.
    density : bool, default=True
        Normalise each histogram to unit area.

    Returns
    -------
    fig : matplotlib Figure
        One visible Axes per feature, each with one step histogram per class.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"mass": [170.0, 175.0, 40.0, 60.0], "tau32": [0.5, 0.6, 0.8, 0.9]})
    >>> fig = plot_feature_distributions(X, ["top", "top", "qcd", "qcd"], bins=4)
    >>> fig.axes[0].get_xlabel(), len(fig.axes[0].patches)
    ('jet mass $m_J$ [GeV]', 2)
    """
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    if frame.ndim != 2 or frame.shape[1] == 0:
        raise ValueError(f"X must be a 2-D table of features, got shape {frame.shape}.")
    if features is not None:
        missing = [f for f in features if f not in frame.columns]
        if missing:
            raise ValueError(f"features {missing} are not columns of X: {list(frame.columns)}.")
        frame = frame[list(features)]
    n = len(frame)
    if n == 0:
        raise ValueError(f"X has no jets (shape {frame.shape}): nothing to histogram.")
    y = _check_labels(y, n, "X")
    weight = _check_weight(sample_weight, n)
    _check_no_nan(frame)
    classes = np.unique(y)
    fig, axes = _grid(frame.shape[1], ncols)
    for ax, column in zip(axes, frame.columns):
        values = frame[column].to_numpy(dtype=np.float64)
        finite = np.isfinite(values)
        low, high = np.percentile(values[finite], [0.5, 99.5]) if finite.any() else (0.0, 1.0)
        if not high > low:
            low, high = low - 0.5, high + 0.5
        edges = np.linspace(low, high, bins + 1)
        _draw_classes(ax, values, y, classes, weight, edges, density=density)
        ax.set_xlabel(feature_label(column))
        ax.set_ylabel("normalised" if density else "jets")
        ax.set_ylim(bottom=0)
    # One legend for all panels, outside them: it covers no histogram.
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, title="true class", loc="outside right upper")
    return fig


def plot_mean_images(images, y, *, width: float = 1.6, log: bool = True, ncols: int = 3):
    r"""The mean jet image of each class, side by side with a common colour scale.

    Parameters
    ----------
    images : array-like of shape (n_jets, 1, size, size) or (n_jets, size, size)
        Jet images (:class:`~skjet.preprocessing.JetImage`): rows along
        :math:`\Delta\phi'`, columns along :math:`\Delta\eta'` (after centring, rotation
        and flip).
    y : array-like of shape (n_jets,)
        Class labels.
    width : float, default=1.6
        Side of the images in (eta, phi) units, for the axes (``JetImage``'s width,
        ``2 * radius``).
    log : bool, default=True
        Logarithmic colour scale (the core is orders of magnitude brighter than the rest).
    ncols : int, default=3
        Panels per row.

    Returns
    -------
    fig : matplotlib Figure
        One Axes per class, each with one image (``ax.images[0].get_array()`` the mean),
        and a colour bar.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.zeros((4, 1, 3, 3)); images[:2, 0, 1, 1] = 1.0; images[2:, 0, 0, 0] = 2.0
    >>> fig = plot_mean_images(images, ["top", "top", "qcd", "qcd"], log=False)
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['qcd', 'top']
    """
    from matplotlib.colors import LogNorm, Normalize

    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3:
        raise ValueError(
            f"images must have shape (n_jets, 1, size, size) or (n_jets, size, size), got "
            f"{images.shape}."
        )
    if images.shape[0] == 0:
        raise ValueError(f"images holds no jets (shape {images.shape}): no mean image to draw.")
    check_finite(images, name="images")
    y = _check_labels(y, images.shape[0], "images")
    classes = np.unique(y)
    means = [images[y == label].mean(axis=0) for label in classes]
    top = max(float(m.max()) for m in means)
    positive = [float(m[m > 0].min()) for m in means if (m > 0).any()]
    norm: Normalize
    if log and positive and top > 0:
        norm = LogNorm(vmin=max(min(positive), top * 1e-4), vmax=top)
    else:
        norm = Normalize(vmin=0.0, vmax=top if top > 0 else 1.0)
    fig, axes = _grid(len(classes), ncols, panel_size=(4.6, 4.0))
    half = width / 2
    for ax, label, mean in zip(axes, classes, means):
        shown = np.where(mean > 0, mean, np.nan) if isinstance(norm, LogNorm) else mean
        image = ax.imshow(shown, origin="lower", extent=(-half, half, -half, half), norm=norm,
                          interpolation="nearest")
        ax.set_title(str(label))
        ax.set_xlabel(r"$\Delta\eta'$")
        ax.set_ylabel(r"$\Delta\phi'$ [rad]")
    fig.colorbar(image, ax=axes, label="mean pixel value", shrink=0.9)
    return fig


def plot_score_histograms(result, *, bins: int = 40, ncols: int = 3, logy: bool = True):
    """The signal score of each approach of a comparison, for signal and background jets.

    Drawn from the pooled test jets of :func:`~skjet.model_selection.compare` (weighted
    when it had ``sample_weight``), one panel per approach, normalised to unit area.

    Parameters
    ----------
    result : ComparisonResult
        With :attr:`~skjet.model_selection.ComparisonResult.predictions`.
    bins : int, default=40
        Bins per panel over [0, 1] for probabilities, over the range of that approach's
        scores otherwise.
    ncols : int, default=3
        Panels per row.
    logy : bool, default=True
        Logarithmic vertical axis (the tails decide the rejection).

    Returns
    -------
    fig : matplotlib Figure
        One visible Axes per approach, titled with its name, with two step histograms.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skjet.model_selection import compare
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> result = compare({"logistic": LogisticRegression()}, X, y, test_size=0.5,
    ...                  scoring="roc_auc", random_state=0)
    >>> fig = plot_score_histograms(result, bins=10)
    >>> fig.axes[0].get_title(), len(fig.axes[0].patches)
    ('logistic', 2)
    """
    pred = getattr(result, "predictions", None)
    if pred is None or not getattr(result, "curves", None):
        raise ValueError(
            "The comparison has no pooled scores: run compare with return_curves=True (and "
            "signal=... for a multiclass y)."
        )
    names = list(result.curves)
    is_signal = pred["is_signal"].to_numpy(dtype=bool)
    weight = pred["sample_weight"].to_numpy() if "sample_weight" in pred else None
    kind = np.where(is_signal, "signal", "background")
    signal = ", ".join(map(str, result.signal)) if result.signal else None
    fig, axes = _grid(len(names), ncols)
    for ax, name in zip(axes, names):
        score = pred[name].to_numpy(dtype=np.float64)
        finite = np.isfinite(score)
        low, high = score[finite].min(), score[finite].max()
        if low >= 0 and high <= 1:  # probabilities: the same axis for every approach
            low, high = 0.0, 1.0
        if not high > low:
            low, high = low - 0.5, high + 0.5
        edges = np.linspace(low, high, bins + 1)
        _draw_classes(ax, score, kind, ["signal", "background"], weight, edges, density=True)
        if logy:
            ax.set_yscale("log")
        ax.set_title(name)
        ax.set_xlabel("signal score" + (f" (P({signal}))" if signal else ""))
        ax.set_ylabel("normalised")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper")
    return fig
