"""Neural-network classifiers (MLP, Deep Sets, CNN) as scikit-learn estimators on skorch."""

from ._cnn import CNNClassifier
from ._deepsets import DeepSetsClassifier
from ._mlp import MLPClassifier

__all__ = ["CNNClassifier", "DeepSetsClassifier", "MLPClassifier"]
