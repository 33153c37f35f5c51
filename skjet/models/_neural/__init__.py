"""Neural-network classifiers as scikit-learn estimators on skorch: MLP, Deep Sets, EFN, CNN,
ParticleNet and the Particle Transformer, and the public base for new architectures."""

from ._base import NeuralClassifier, check_input_shape
from ._cnn import CNNClassifier
from ._constituents import ConstituentNeuralClassifier
from ._deepsets import DeepSetsClassifier
from ._efn import EnergyFlowNetworkClassifier
from ._mlp import MLPClassifier
from ._taggers import ParticleNetClassifier, ParticleTransformerClassifier

__all__ = [
    "CNNClassifier",
    "ConstituentNeuralClassifier",
    "DeepSetsClassifier",
    "EnergyFlowNetworkClassifier",
    "MLPClassifier",
    "NeuralClassifier",
    "ParticleNetClassifier",
    "ParticleTransformerClassifier",
    "check_input_shape",
]
