"""Constituent preprocessing: padding jagged input, scaling, coordinates relative to the jet
axis, reshaping and jet images.

Constituents are zero-padded arrays (n_jets, n_constituents, n_features); for four-momenta
the last axis is (E, px, py, pz). Every transformer here keeps padding rows at zero.
"""

from ..utils._coordinates import COORDINATES, from_cartesian, to_cartesian
from ._image import JetImage
from ._pad import PadConstituents
from ._relative import RELATIVE_FEATURE_NAMES, RelativeConstituents
from ._reshape import FOUR_MOMENTUM_NAMES, FlattenConstituents, ReshapeConstituents
from ._scaling import ConstituentScaler

__all__ = [
    "COORDINATES",
    "FOUR_MOMENTUM_NAMES",
    "RELATIVE_FEATURE_NAMES",
    "ConstituentScaler",
    "FlattenConstituents",
    "JetImage",
    "PadConstituents",
    "RelativeConstituents",
    "ReshapeConstituents",
    "from_cartesian",
    "to_cartesian",
]
