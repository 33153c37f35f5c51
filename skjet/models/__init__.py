"""Classifiers: neural networks through skorch (and weaver-core's reference taggers),
cut-and-count and XGBoost; :class:`NeuralClassifier` is the base for new architectures."""

from ..utils._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "MLPClassifier": "._neural",
        "DeepSetsClassifier": "._neural",
        "CNNClassifier": "._neural",
        "NeuralClassifier": "._neural",
        "ConstituentNeuralClassifier": "._neural",
        "EnergyFlowNetworkClassifier": "._neural",
        "ParticleNetClassifier": "._neural",
        "ParticleTransformerClassifier": "._neural",
        "CutAndCountClassifier": "._cut_and_count",
        "XGBoostClassifier": "._xgboost",
    },
)
