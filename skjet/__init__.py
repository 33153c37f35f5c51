"""skjet: jet and event classification for particle physics as scikit-learn estimators.

Every approach physicists compare on a tagging problem (cut-and-count, boosted trees,
neural networks on jet features, constituents or images) is a scikit-learn estimator or
transformer, so they compose in ``Pipeline``, ``GridSearchCV`` and ``cross_validate``.

Families live in subpackages:

- :mod:`skjet.datasets` -- the Pythia8 + FastJet generator and readers of public formats;
- :mod:`skjet.features` -- constituents -> jet-level features;
- :mod:`skjet.preprocessing` -- constituent scaling, relative coordinates, jet images;
- :mod:`skjet.feature_selection` -- importance-based pruning;
- :mod:`skjet.models` -- neural, cut-and-count and boosted-tree classifiers;
- :mod:`skjet.decorrelation` -- DDT and flat reweighting against mass sculpting;
- :mod:`skjet.metrics` -- rejection, significance and multiclass projection;
- :mod:`skjet.model_selection` -- comparing approaches;
- :mod:`skjet.plotting` -- the figures physicists expect.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
