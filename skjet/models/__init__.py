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
        "load_pretrained": "._neural._pretrained",
        "PretrainedModel": "._neural._pretrained",
        "PRETRAINED_MODELS": "._neural._pretrained",
        "CutAndCountClassifier": "._cut_and_count",
        "XGBoostClassifier": "._xgboost",
    },
)
