"""Types of the lazily imported public names of skjet.models (see __init__.py).

Type checkers read this file instead of ``__init__.py``, whose ``__getattr__`` they
would see as returning ``Any``; listed in ``__all__``, the imports are re-exported, and
tests/test_stubs.py keeps them equal to the package's ``__all__``.
"""

from ._cut_and_count import CutAndCountClassifier
from ._neural import (
    CNNClassifier,
    ConstituentNeuralClassifier,
    DeepSetsClassifier,
    EnergyFlowNetworkClassifier,
    MLPClassifier,
    NeuralClassifier,
    ParticleNetClassifier,
    ParticleTransformerClassifier,
)
from ._neural._pretrained import PRETRAINED_MODELS, PretrainedModel, load_pretrained
from ._xgboost import XGBoostClassifier

__all__ = [
    "CNNClassifier",
    "ConstituentNeuralClassifier",
    "CutAndCountClassifier",
    "DeepSetsClassifier",
    "EnergyFlowNetworkClassifier",
    "MLPClassifier",
    "NeuralClassifier",
    "ParticleNetClassifier",
    "ParticleTransformerClassifier",
    "PRETRAINED_MODELS",
    "PretrainedModel",
    "XGBoostClassifier",
    "load_pretrained",
]
