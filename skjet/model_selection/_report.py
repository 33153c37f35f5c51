"""``report.html``: one self-contained page with the settings, the table and every figure."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

# The order a reader follows: what the jets are, what the approaches see, how they
# trained, how well they do.
SECTIONS = ("data", "inputs", "training", "performance")
_SECTION_TITLES = {
    "data": "Data",
    "inputs": "Inputs",
    "training": "Training",
    "performance": "Performance",
}

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #1a1a1a; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; }
table { border-collapse: collapse; margin: 1em 0; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: .4em; }
th, td { border: 1px solid #ccc; padding: .3em .6em; }
td { text-align: right; } tbody th { text-align: left; font-weight: normal; }
thead th { background: #f3f3f3; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; height: auto; }
figcaption { color: #444; font-size: .95em; margin-top: .3em; }
dl.settings { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dl.settings dt { font-weight: 600; } dl.settings dd { margin: 0; font-family: monospace; }
nav a { margin-right: 1em; }
"""


@dataclass
class ReportFigure:
    """One figure of the report: a PNG file, the section it belongs to and its caption."""

    section: str
    path: Path
    caption: str = ""

    def __post_init__(self):
        if self.section not in SECTIONS:
            raise ValueError(f"section must be one of {SECTIONS}, got {self.section!r}.")
        self.path = Path(self.path)


def _data_uri(path: Path) -> str:
    if path.suffix.lower() != ".png":
        raise ValueError(f"The report embeds PNG images; {path} is not one.")
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _settings_html(settings: Mapping) -> str:
    rows = []
    for key, value in settings.items():
        text = html.escape(str(value))
        if isinstance(value, (dict, list, tuple)):
            text = html.escape(json.dumps(value, default=str))
            if len(text) > 100:  # long ones (the Pythia configuration) fold away
                full = html.escape(json.dumps(value, default=str, indent=2))
                text = f"<details><summary>{len(value)} entries</summary><pre>{full}</pre></details>"
        rows.append(f"<dt>{html.escape(str(key))}</dt><dd>{text}</dd>")
    return '<dl class="settings">' + "".join(rows) + "</dl>"


_MATH = {r"\eta": "η", r"\phi": "φ", r"\tau": "τ", r"\Delta": "Δ", r"\sqrt{s}": "√s",
         r"\epsilon": "ε", r"\sum": "∑", r"\log": "log"}


def _plain(label: str) -> str:
    """Matplotlib mathtext as plain text for the page: ``anti-$k_T$`` -> ``anti-kT``."""
    for tex, text in _MATH.items():
        label = label.replace(tex, text)
    return label.replace("$", "").replace("_", "").replace("{", "").replace("}", "")


def write_report(
    path: str | Path,
    result,
    figures: Sequence[ReportFigure] = (),
    *,
    settings: Mapping | None = None,
    title: str = "skjet approach comparison",
    sample: str | None = None,
) -> Path:
    """Write one self-contained HTML page: settings, the comparison table, every figure.

    The figures are embedded as base64 PNG data, so the page can be mailed or attached
    as it is. Sections come in the order data, inputs, training, performance.

    Parameters
    ----------
    path : str or Path
        The HTML file to write.
    result : ComparisonResult
        Its table (with the statistical uncertainties, :meth:`ComparisonResult.to_html`)
        is shown after the settings.
    figures : sequence of ReportFigure
        PNG files with their section and caption; shown in section order, and in the
        given order within a section.
    settings : dict, optional
        Shown as a list of key-value pairs (nested values as JSON).
    title : str, default="skjet approach comparison"
        The page title.
    sample : str, optional
        One line describing the jets (process, √s, R, pT range), under the title.

    Returns
    -------
    path : Path

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skjet.model_selection import compare
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> result = compare({"logistic": LogisticRegression()}, X, y, test_size=0.5,
    ...                  scoring="roc_auc", random_state=0)
    >>> page = write_report(Path(tempfile.mkdtemp()) / "report.html", result,
    ...                     settings={"n_jets": 200})
    >>> "<table" in page.read_text()
    True
    """
    path = Path(path)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if sample:
        parts.append(f'<p class="sample">{html.escape(_plain(sample))}</p>')
    by_section = {s: [f for f in figures if f.section == s] for s in SECTIONS}
    shown = [s for s in SECTIONS if by_section[s]]
    nav = ['<a href="#settings">Settings</a>', '<a href="#table">Table</a>']
    nav += [f'<a href="#{s}">{_SECTION_TITLES[s]}</a>' for s in shown]
    parts.append("<nav>" + "".join(nav) + "</nav>")
    parts.append('<h2 id="settings">Settings</h2>')
    settings = {**(settings or {}), "evaluation": result.description}
    parts.append(_settings_html(settings))
    parts.append('<h2 id="table">Comparison</h2>')
    parts.append(result.to_html())
    for section in shown:
        parts.append(f'<h2 id="{section}">{_SECTION_TITLES[section]}</h2>')
        for figure in by_section[section]:
            alt = html.escape(figure.caption or figure.path.stem)
            parts.append(
                f'<figure><img src="{_data_uri(figure.path)}" alt="{alt}">'
                f"<figcaption>{html.escape(figure.caption)}</figcaption></figure>"
            )
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f"<footer><p>Written by skjet on {stamp}.</p></footer></body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in str(name).lower()).strip("_")


def _cut_input(name, model, X, features):
    """The input of approach ``name``: from ``X``, or the columns of ``features`` that its
    fitted ``model`` was fitted on (``feature_names_in_``); None when neither has it."""
    if X is not None:
        return X[name] if isinstance(X, Mapping) else X
    names = getattr(model, "feature_names_in_", None)
    if features is None or names is None:
        return None
    frame = pd.DataFrame(features)
    return frame[list(names)] if set(names) <= set(frame.columns) else None


def comparison_figures(
    result,
    out: str | Path,
    *,
    X=None,
    y=None,
    features=None,
    images=None,
    image_width: float = 1.6,
    sample: str | None = None,
    sample_weight=None,
    kinematic=("pt", "eta", "mass", "multiplicity", "n_constituents", "mean_pt",
               "leading_pt_fraction"),
    formats=("png", "pdf"),
) -> list[ReportFigure]:
    """Draw and save every figure of a comparison, in skjet's house style.

    Parameters
    ----------
    result : ComparisonResult
        From :func:`~skjet.model_selection.compare`: the curves, score histograms and
        confusion matrices come from its predictions (nothing predicts again); with
        ``return_estimators=True`` the loss histories and cuts are drawn too.
    out : str or Path
        Folder for the figures (``<name>.png`` and ``<name>.pdf``).
    X : array-like or dict of {str: array-like}, optional
        The input that was given to ``compare``, for the cuts of a cut-and-count approach
        on its training jets; without it, the cuts are drawn when ``features`` holds the
        columns the approach was fitted on.
    y : array-like, optional
        The labels of every jet; default: those given to ``compare`` (``result.y``).
    features : DataFrame, optional
        Jet features of every jet, for the per-class distributions: the ``kinematic``
        columns under "data", the others under "inputs".
    images : array-like of shape (n_jets, 1, size, size), optional
        Jet images, for the mean image of each class.
    image_width : float, default=1.6
        Side of the jet images in (eta, phi) units.
    sample : str, optional
        The sample label (:func:`skjet.plotting.sample_label`) written on every figure.
    sample_weight : array-like of shape (n_jets,), optional
        Event weights of every jet, for the feature distributions (the score histograms
        and curves use the weights the comparison had).
    kinematic : sequence of str
        The ``features`` columns shown as the data (the rest are inputs).
    formats : sequence of str, default=("png", "pdf")
        Formats to write; PNG is needed for the report.

    Returns
    -------
    figures : list of ReportFigure
        The PNG of each figure with its section and caption, in reader order.
    """
    import matplotlib.pyplot as plt

    from ..plotting import (
        add_sample_label,
        plot_confusion_matrix,
        plot_cuts,
        plot_feature_distributions,
        plot_mean_images,
        plot_rejection,
        plot_roc,
        plot_score_histograms,
        plot_training,
        save_figure,
        use_style,
    )

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[ReportFigure] = []
    y_all = result.y if y is None else np.asarray(y)

    def keep(section, name, fig, caption):
        if sample:
            add_sample_label(fig, sample)
        paths = save_figure(fig, out / name, formats=formats)
        plt.close(fig)
        png = next((p for p in paths if p.suffix == ".png"), None)
        if png is not None:
            written.append(ReportFigure(section, png, caption))

    with use_style():
        if features is not None and y_all is not None:
            frame = pd.DataFrame(features)
            data_cols = [c for c in frame.columns if c in kinematic]
            input_cols = [c for c in frame.columns if c not in kinematic]
            for section, cols, what in (("data", data_cols, "Jet kinematics"),
                                        ("inputs", input_cols, "Input features")):
                if cols:
                    fig = plot_feature_distributions(
                        frame[cols], y_all, sample_weight=sample_weight,
                        ncols=4 if len(cols) > 6 else 3,
                    )
                    keep(section, f"features_{section}", fig,
                         f"{what} of each class, normalised to unit area.")
        if images is not None and y_all is not None:
            fig = plot_mean_images(images, y_all, width=image_width)
            keep("inputs", "jet_images", fig,
                 "Mean jet image of each class (pT-weighted pixels, centred, rotated and "
                 "flipped), logarithmic colour scale.")
        for name, models in (result.estimators or {}).items():
            final = models[0][-1] if hasattr(models[0], "steps") else models[0]
            Xi = _cut_input(name, models[0], X, features) if hasattr(final, "cuts_") else None
            if Xi is not None and y_all is not None:
                train = result.splits[0][0]
                from ..utils._sklearn_compat import _safe_indexing

                fig = plot_cuts(models[0], _safe_indexing(Xi, train), y_all[train])
                keep("inputs", f"cuts_{_slug(name)}", fig,
                     f"{name}: the cuts on the class distributions of the training jets "
                     "(kept region shaded).")
        for name, models in (result.estimators or {}).items():
            final = models[0][-1] if hasattr(models[0], "steps") else models[0]
            # a zero-shot tagger has no epochs to plot
            if hasattr(final, "history_") and len(final.history_):
                fig = plot_training(final, name=name)
                keep("training", f"history_{_slug(name)}", fig,
                     f"{name}: loss and accuracy per epoch on the training and validation "
                     "jets (first fold); the dashed line marks the epoch whose weights "
                     "early stopping kept.")
        if result.curves:
            keep("performance", "roc", plot_roc(result).figure,
                 "ROC curves of the pooled test jets.")
            keep("performance", "rejection", plot_rejection(result).figure,
                 "Background rejection against signal efficiency with its 68 % "
                 "statistical band; dotted where fewer than 10 background jets pass.")
            keep("performance", "scores", plot_score_histograms(result),
                 "Signal score of signal and background test jets, per approach.")
        if result.predictions is not None and "decorrelation_target" in result.predictions:
            for section, name, fig, caption in _sculpting_figures(result):
                keep(section, name, fig, caption)
        if result.y_pred and result.y is not None:
            truth = result.y[result.test_index]
            fig, axes = _panels(len(result.y_pred))
            for ax, (name, pred) in zip(axes, result.y_pred.items()):
                plot_confusion_matrix(truth, pred, normalize="true", ax=ax)
                ax.set_title(name)
            keep("performance", "confusion", fig,
                 "Confusion matrices of the test jets (fraction of each true class).")
        if result.signal and result.predictions is not None and result.curves:
            pred = result.predictions
            truth = np.where(pred["is_signal"], "signal", "background")
            fig, axes = _panels(len(result.curves))
            for ax, name in zip(axes, result.curves):
                guess = np.where(pred[name] > 0.5, "signal", "background")
                plot_confusion_matrix(truth, guess, labels=["signal", "background"],
                                      normalize="true", ax=ax)
                ax.set_title(name)
            keep("performance", "confusion_projected", fig,
                 f"Signal ({', '.join(map(str, result.signal))}) vs background: confusion "
                 "matrices of the summed signal probability cut at 0.5.")
    return written


def _sculpting_figures(result):
    """The decorrelation plane and one sculpting panel per approach, on the pooled test jets."""
    from ..plotting import plot_decorrelation_plane, plot_mass_sculpting

    pred = result.predictions
    is_signal, target = pred["is_signal"].to_numpy(), pred["decorrelation_target"].to_numpy()
    weight = pred["sample_weight"].to_numpy() if "sample_weight" in pred else None
    background = target[~is_signal]
    # one binning for every approach: 40 bins over the central 99.8 % of the background
    bins = np.linspace(*np.quantile(background, [0.001, 0.999]), 41)
    names = list(result.curves)
    scores = {name: pred[name].to_numpy() for name in names}
    try:
        ax = plot_decorrelation_plane(is_signal, scores, target, bins=bins,
                                      sample_weight=weight)
    except ValueError:  # a perfect tagger at 50 %: no background passes, JSD undefined
        ax = None
    if ax is not None:
        yield ("performance", "decorrelation_plane", ax.figure,
               "Background rejection against 1/JSD at 50 % signal efficiency: up is better "
               "tagging, right is less sculpting of the background decorrelation target "
               "(pooled test jets).")
    fig, axes = _panels(len(names))
    for ax, name in zip(axes, names):
        plot_mass_sculpting(is_signal, scores[name], target, ax=ax, bins=bins,
                            sample_weight=weight, title=name)
    yield ("performance", "sculpting", fig,
           "Background decorrelation target (jet mass) of all test background jets and of "
           "those passing the cuts at 80, 50 and 30 % signal efficiency, per approach: a "
           "decorrelated tagger keeps the shape.")


def _panels(n: int, ncols: int = 3):
    import math

    import matplotlib.pyplot as plt

    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 4.4 * nrows),
                             layout="constrained", squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def write_comparison_report(
    result,
    out: str | Path,
    *,
    settings: Mapping | None = None,
    sample: str | None = None,
    title: str = "skjet approach comparison",
    **figure_kwargs,
) -> Path:
    """Every figure of a comparison (:func:`comparison_figures`) and ``report.html`` in ``out``.

    Parameters
    ----------
    result : ComparisonResult
    out : str or Path
        Output folder.
    settings : dict, optional
        Shown at the top of the report.
    sample : str, optional
        The sample label, on every figure and under the report's title.
    title : str
        The report's title.
    **figure_kwargs
        ``X``, ``y``, ``features``, ``images``, ... for :func:`comparison_figures`.

    Returns
    -------
    path : Path
        Of ``report.html``.
    """
    figures = comparison_figures(result, out, sample=sample, **figure_kwargs)
    return write_report(Path(out) / "report.html", result, figures, settings=settings,
                        title=title, sample=sample)
