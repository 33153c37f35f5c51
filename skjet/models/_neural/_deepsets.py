"""Deep Sets / Particle Flow Network on zero-padded constituents."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ...utils._sklearn_compat import Interval, StrOptions
from ._base import NeuralClassifier
from ._constituents import ConstituentNeuralClassifier
from ._modules import DeepSetsModule, check_dropout, check_sizes, make_activation


class DeepSetsClassifier(TransformerMixin, ConstituentNeuralClassifier):
    """Deep Sets (Particle Flow Network) classifier on constituents, trained with skorch.

    A per-constituent network phi maps every real constituent to a latent vector; the vectors
    are pooled (sum or mean) over the real constituents of each jet, and a jet network F maps
    the pooled vector to class scores. Padding rows (all zeros, at the end of each jet as in the
    pT-sorted convention) are masked, so no separate mask is needed in a Pipeline. Training
    and prediction batches are trimmed to their longest jet and phi runs only on the real
    constituents. A jet with no constituents pools to zeros and gets finite probabilities.

    Parameters
    ----------
    phi_sizes : tuple of int, default=(100, 100, 128)
        Widths of the per-constituent network; the last one is the latent dimension.
    f_sizes : tuple of int, default=(100, 100, 100)
        Widths of the hidden layers of the jet network.
    pooling : {"sum", "mean"}, default="sum"
        Sum (energy-flow style) or mean over the real constituents.
    activation : str or torch.nn.Module class, default="relu"
        Activation after every layer of phi and F (not the output).
    dropout : float, default=0.0
        Dropout probability after each hidden layer of F.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        Features per constituent (size of the last axis of X).
    net_ : skorch.NeuralNetClassifier
    module_ : torch.nn.Module
    history_ : pandas.DataFrame
        One row per epoch: ``epoch``, ``train_loss``, ``valid_loss`` (mean loss per sample),
        ``train_accuracy``, ``valid_accuracy``, ``lr``, ``dur`` (seconds), ``valid_loss_best``.

    Examples
    --------
    >>> import numpy as np
    >>> from skjet.models import DeepSetsClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = np.zeros((100, 20, 3), dtype=np.float32)
    >>> y = np.where(np.arange(100) % 2 == 0, "top", "qcd")
    >>> for i in range(100):
    ...     X[i, : 5 + 10 * (y[i] == "top")] = rng.exponential(size=(5 + 10 * (y[i] == "top"), 3))
    >>> clf = DeepSetsClassifier(phi_sizes=(16, 8), f_sizes=(16,), max_epochs=3,
    ...                          random_state=0).fit(X, y)
    >>> clf.transform(X).shape
    (100, 8)
    """

    _parameter_constraints: dict = {
        **NeuralClassifier._parameter_constraints,
        "phi_sizes": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "f_sizes": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "pooling": [StrOptions({"sum", "mean"})],
        "activation": [str, type],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        phi_sizes=(100, 100, 128),
        f_sizes=(100, 100, 100),
        pooling="sum",
        activation="relu",
        dropout=0.0,
        **training,
    ):
        super().__init__(**training)
        self.phi_sizes = phi_sizes
        self.f_sizes = f_sizes
        self.pooling = pooling
        self.activation = activation
        self.dropout = dropout

    def build_module(self, X, n_classes):
        make_activation(self.activation)
        return DeepSetsModule(
            n_features=X.shape[2],
            n_classes=n_classes,
            phi_sizes=check_sizes(self.phi_sizes, "phi_sizes", allow_empty=False),
            f_sizes=check_sizes(self.f_sizes, "f_sizes"),
            activation=self.activation,
            dropout=check_dropout(self.dropout, self),
            pooling=self.pooling,
        )

    def _latent_dim(self) -> int:
        return int(self.module_.latent_dim)  # type: ignore[arg-type]  # an int attribute

    def transform(self, X) -> np.ndarray:
        """Pooled latent vector of each jet, shape (n_jets, phi_sizes[-1]).

        This is the jet representation F sees, for inspecting the latent space (as in the
        top-tagging notebook).
        """
        check_is_fitted(self)
        return self._stream(X, "latent", self._latent_dim())

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``latent0``, ``latent1``, ... one per latent dimension."""
        check_is_fitted(self)
        return np.asarray([f"latent{i}" for i in range(self._latent_dim())], dtype=object)
