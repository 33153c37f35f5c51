"""Physics metrics and scorers.

- background rejection at a signal efficiency (:func:`rejection_at_efficiency`, the R50 /
  R99 of tagging comparisons) and its inverse;
- expected significance, and its best value over the thresholds of a classifier score
  (:func:`max_significance`);
- projection of multiclass probabilities onto signal-vs-background (heavy t, w, z vs
  light g, q): :func:`project_proba` and the projected ROC curve, AUC and 2x2 confusion
  matrix;
- mass sculpting: the :func:`distance_correlation` of a score with the jet mass and the
  :func:`jsd_at_efficiency` of the background mass shapes passing and failing a cut, with
  its scorer :func:`make_jsd_scorer` (1/JSD);
- scorers for ``GridSearchCV`` / ``cross_validate`` and a name registry
  (:func:`get_scorer`: ``"r30"``, ``"r50"``, ``"r99"``, ``"significance"``,
  ``"inv_jsd50"`` and every scikit-learn name).
"""

from sklearn.exceptions import UndefinedMetricWarning

from ._decorrelation import distance_correlation, jsd_at_efficiency
from ._projection import (
    project_proba,
    projected_confusion_matrix,
    projected_roc_auc,
    projected_roc_curve,
)
from ._rejection import RejectionInterval, efficiency_at_rejection, rejection_at_efficiency
from ._scorers import (
    get_scorer,
    get_scorer_names,
    make_jsd_scorer,
    make_projected_auc_scorer,
    make_rejection_scorer,
    make_significance_scorer,
)
from ._significance import (
    SIGNIFICANCE_FORMULAS,
    SignificanceResult,
    max_significance,
    significance,
)

__all__ = [
    "SIGNIFICANCE_FORMULAS",
    "RejectionInterval",
    "SignificanceResult",
    "UndefinedMetricWarning",
    "distance_correlation",
    "efficiency_at_rejection",
    "get_scorer",
    "get_scorer_names",
    "jsd_at_efficiency",
    "make_jsd_scorer",
    "make_projected_auc_scorer",
    "make_rejection_scorer",
    "make_significance_scorer",
    "max_significance",
    "project_proba",
    "projected_confusion_matrix",
    "projected_roc_auc",
    "projected_roc_curve",
    "rejection_at_efficiency",
    "significance",
]
