"""Jet-level features from constituents: kinematics and substructure observables.

Every transformer here takes zero-padded constituents of shape (n_jets, n_constituents, 4)
in the order (E, px, py, pz) and returns a float64 table (n_jets, n_features) with named
columns, ready for any scikit-learn estimator.
"""

from ._kinematics import KINEMATIC_FEATURES, JetKinematics, JetMass, Multiplicity
from ._substructure import (
    HLS4ML_FEATURES,
    NSUBJETTINESS_FEATURES,
    SUBSTRUCTURE_FEATURES,
    Substructure,
)

__all__ = [
    "HLS4ML_FEATURES",
    "KINEMATIC_FEATURES",
    "NSUBJETTINESS_FEATURES",
    "SUBSTRUCTURE_FEATURES",
    "JetKinematics",
    "JetMass",
    "Multiplicity",
    "Substructure",
]
