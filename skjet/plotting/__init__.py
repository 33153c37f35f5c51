"""The figures physicists expect: ROC and rejection curves, confusion matrices, loss
histories, cut-and-count cuts, feature importances and score distributions.

Every function draws with matplotlib, returns its Axes (or Figure) and never calls
``plt.show()``. :func:`use_style` applies an mplhep experiment style when the optional
``mplhep`` is installed.
"""

from ._confusion import plot_confusion_matrix
from ._cuts import plot_cuts
from ._history import plot_history
from ._importances import plot_importances
from ._precision import plot_precision_scan
from ._roc import plot_rejection, plot_roc
from ._scores import plot_score_distributions
from ._style import use_style

__all__ = [
    "plot_confusion_matrix",
    "plot_cuts",
    "plot_history",
    "plot_importances",
    "plot_precision_scan",
    "plot_rejection",
    "plot_roc",
    "plot_score_distributions",
    "use_style",
]
