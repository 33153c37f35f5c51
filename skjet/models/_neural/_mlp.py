"""Multi-layer perceptron on jet-level features."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import validate_data

from ...utils._sklearn_compat import Interval
from .._validation import check_float32_finite
from ._base import NeuralClassifier
from ._modules import MLPModule, check_dropout, check_sizes, make_activation


class MLPClassifier(NeuralClassifier):
    """Fully connected neural network classifier on jet features, trained with skorch.

    Input and output sizes come from the data: with the defaults, 16 features and 5 classes
    give the hls4ml network 16 -> 32 -> 32 -> 32 -> 5 (ReLU after every hidden layer).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(32, 32, 32)
        Widths of the hidden layers.
    activation : str or torch.nn.Module class, default="relu"
        "relu", "leaky_relu", "elu", "gelu", "silu", "tanh" or "sigmoid".
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    batch_norm : bool, default=False
        Batch normalisation after each hidden linear layer.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Column names, when fitted on a DataFrame.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net (``net_.history`` holds the batch-level history too).
    module_ : torch.nn.Module
        The trained network, ``net_.module_``.
    history_ : pandas.DataFrame
        One row per epoch: ``epoch``, ``train_loss``, ``valid_loss`` (mean loss per sample),
        ``train_accuracy``, ``valid_accuracy``, ``lr``, ``dur`` (seconds) and
        ``valid_loss_best``. Validation columns are NaN without a validation set.

    Examples
    --------
    >>> import numpy as np
    >>> from skjet.models import MLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 16))
    >>> y = np.where(X[:, 0] > 0, "w", "q")
    >>> clf = MLPClassifier(max_epochs=5, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    >>> list(clf.history_.columns[:3])
    ['epoch', 'train_loss', 'valid_loss']
    """

    _parameter_constraints: dict = {
        **NeuralClassifier._parameter_constraints,
        "hidden_layer_sizes": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "activation": [str, type],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(32, 32, 32),
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        **training,
    ):
        super().__init__(**training)
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm

    def validate_input(self, X, *, reset):
        # finiteness is checked once, in float32 (what the network computes in)
        X = validate_data(
            self, X, reset=reset, dtype=[np.float32, np.float64], ensure_all_finite=False
        )
        return check_float32_finite(X, self)

    def build_module(self, X, n_classes):
        make_activation(self.activation)  # fail early with the parameter's name
        return MLPModule(
            n_features=X.shape[1],
            n_classes=n_classes,
            hidden_layer_sizes=check_sizes(self.hidden_layer_sizes, "hidden_layer_sizes"),
            activation=self.activation,
            dropout=check_dropout(self.dropout, self),
            batch_norm=bool(self.batch_norm),
        )
