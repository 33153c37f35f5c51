"""The figures physicists expect: ROC and rejection curves with their uncertainty,
confusion matrices, loss histories, cut-and-count cuts, feature importances, score
distributions, per-class feature distributions, mean jet images, and the mass sculpting
figures (background mass after cuts, rejection against 1/JSD).

Every function draws with matplotlib, returns its Axes (or Figure) and never calls
``plt.show()``. :func:`use_style` applies skjet's house style (built on mplhep) or any
mplhep experiment style; :func:`sample_label` and :func:`add_sample_label` say which jets
a figure shows; :func:`save_figure` writes PNG and PDF.
"""

from ._confusion import plot_confusion_matrix
from ._cuts import plot_cuts
from ._decorrelation import plot_decorrelation_plane, plot_mass_sculpting
from ._distributions import (
    FEATURE_LABELS,
    feature_label,
    plot_feature_distributions,
    plot_mean_images,
    plot_score_histograms,
)
from ._history import best_epoch, plot_history, plot_training
from ._importances import plot_importances
from ._precision import plot_precision_scan
from ._roc import plot_rejection, plot_roc
from ._scores import plot_score_distributions
from ._style import add_sample_label, sample_label, save_figure, use_style

__all__ = [
    "FEATURE_LABELS",
    "add_sample_label",
    "best_epoch",
    "feature_label",
    "plot_confusion_matrix",
    "plot_cuts",
    "plot_decorrelation_plane",
    "plot_feature_distributions",
    "plot_history",
    "plot_importances",
    "plot_mass_sculpting",
    "plot_mean_images",
    "plot_precision_scan",
    "plot_rejection",
    "plot_roc",
    "plot_score_distributions",
    "plot_score_histograms",
    "plot_training",
    "sample_label",
    "save_figure",
    "use_style",
]
