"""Common-check instances of skjet's neural classifiers (small, fast configurations).

The MLP goes through scikit-learn's checks; DeepSets (constituents) and the CNN (images)
through skjet's N-D checks. ``random_state`` is fixed because the checks compare refits.
"""

from skjet.models import (
    CNNClassifier,
    DeepSetsClassifier,
    EnergyFlowNetworkClassifier,
    MLPClassifier,
    ParticleNetClassifier,
    ParticleTransformerClassifier,
)

INSTANCES = [
    # check_classifiers_train needs > 83% training accuracy on 3 blobs after a short fit
    MLPClassifier(
        hidden_layer_sizes=(16,),
        max_epochs=12,
        batch_size=32,
        lr=0.05,
        random_state=0,
        device="cpu",
    ),
    DeepSetsClassifier(
        phi_sizes=(8, 8), f_sizes=(8,), max_epochs=3, batch_size=16, random_state=0, device="cpu"
    ),
    CNNClassifier(channels=(4, 4), max_epochs=3, batch_size=16, random_state=0, device="cpu"),
    EnergyFlowNetworkClassifier(
        phi_sizes=(8, 8), f_sizes=(8,), max_epochs=3, batch_size=16, random_state=0, device="cpu"
    ),
    ParticleNetClassifier(
        k=3, conv_channels=((8, 8),), fc_size=8, max_epochs=2, batch_size=16, random_state=0,
        device="cpu",
    ),
    ParticleTransformerClassifier(
        embed_dims=(8,), pair_embed_dims=(4,), num_heads=2, num_layers=1, max_epochs=2,
        batch_size=16, random_state=0, device="cpu",
    ),
]

EXPECTED_FAILED_CHECKS = {
    "MLPClassifier": {
        "check_sample_weight_equivalence_on_dense_data": (
            "mini-batch training in float32: a row repeated k times falls into other batches "
            "than one row with weight k, so the two fits agree only approximately, not to "
            "rtol=1e-7"
        ),
    },
}

INPUT_KINDS = {
    "DeepSetsClassifier": "constituents",
    "CNNClassifier": "images",
    "EnergyFlowNetworkClassifier": "constituents",
    "ParticleNetClassifier": "constituents",
    "ParticleTransformerClassifier": "constituents",
}
