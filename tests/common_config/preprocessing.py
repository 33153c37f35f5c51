"""skjet.preprocessing instances for tests/test_common.py."""

from skjet.preprocessing import (
    ConstituentScaler,
    FlattenConstituents,
    JetImage,
    PadConstituents,
    RelativeConstituents,
    ReshapeConstituents,
)

INSTANCES = [
    ConstituentScaler(),
    ConstituentScaler(method="minmax"),
    RelativeConstituents(),
    RelativeConstituents(nsubjettiness_axes=(2, 3)),
    FlattenConstituents(),
    JetImage(size=9),
    JetImage(size=8, rotate=False, flip=False, normalize="log"),
    # sklearn's checks feed tables of 1 to 10 arbitrary columns; only n_features=1 divides
    # all of them. The n_features=4 layout and its error for other column counts are covered
    # by skjet/preprocessing/tests/test_reshape.py.
    ReshapeConstituents(n_features=1),
    PadConstituents(),
    PadConstituents(max_constituents=6, sort_by_pt=False),
]

EXPECTED_FAILED_CHECKS: dict = {}

INPUT_KINDS = {
    "ConstituentScaler": "constituents",
    "RelativeConstituents": "constituents",
    "FlattenConstituents": "constituents",
    "JetImage": "constituents",
    "PadConstituents": "constituents",
}
