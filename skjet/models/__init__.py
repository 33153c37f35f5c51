"""Classifiers: neural networks through skorch, cut-and-count and XGBoost."""

from ..utils._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "MLPClassifier": "._neural",
        "DeepSetsClassifier": "._neural",
        "CNNClassifier": "._neural",
        "CutAndCountClassifier": "._cut_and_count",
        "XGBoostClassifier": "._xgboost",
    },
)
