"""skjet.features: transformers from constituents (n, m, 4) to jet-level tables."""

from skjet.features import JetKinematics, JetMass, Multiplicity, Substructure

INSTANCES = [
    JetMass(),
    Multiplicity(),
    JetKinematics(),
    JetKinematics(features=("mass", "multiplicity", "mean_pt")),
    Substructure(features=("tau21", "tau32", "sd_mass", "d2_b1_mmdt", "multiplicity")),
]

EXPECTED_FAILED_CHECKS: dict = {}
