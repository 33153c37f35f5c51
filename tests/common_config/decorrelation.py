"""skjet.decorrelation: the DDT transformer on (score columns..., decorrelation variable)."""

from skjet.decorrelation import DesignedDecorrelatedTagger

INSTANCES = [
    DesignedDecorrelatedTagger(),
    DesignedDecorrelatedTagger(background_efficiency=0.3, direction="less", n_bins=4),
]

EXPECTED_FAILED_CHECKS: dict = {}
