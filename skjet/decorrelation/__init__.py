"""Mass decorrelation after training: taggers whose cut does not sculpt the background mass.

- :class:`DesignedDecorrelatedTagger` (DDT): shifts a score (or tau21, tau32) by its
  background quantile at a fixed background efficiency as a function of
  rho = log(m^2 / pT^2) or of the mass, so that a cut at 0 keeps the same background
  fraction everywhere;
- :func:`flat_weights`: per-class sample weights flat in (pT, mass), the training weights of
  the CMS taggers, usable as ``sample_weight`` by any estimator;
- :func:`rho`: the scaling variable log(m^2 / pT^2).

The decorrelation done *during* training lives with the estimators it changes (DisCo:
``decorrelation="disco"`` of every neural classifier); the metrics that measure sculpting in
:mod:`skjet.metrics` (:func:`~skjet.metrics.jsd_at_efficiency`,
:func:`~skjet.metrics.distance_correlation`).
"""

from ._ddt import DesignedDecorrelatedTagger, rho
from ._reweighting import flat_weights

__all__ = ["DesignedDecorrelatedTagger", "flat_weights", "rho"]
