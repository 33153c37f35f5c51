"""Convolutional network on jet images."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd

from ...utils._sklearn_compat import Interval
from .._validation import check_float32_finite
from ._base import NeuralClassifier, check_input_shape
from ._modules import CNNModule, check_dropout, check_sizes, make_activation


class CNNClassifier(NeuralClassifier):
    """Convolutional neural network classifier on jet images, trained with skorch.

    Images are (n, height, width) (one channel) or (n, channels, height, width). Each entry of
    ``channels`` is a same-padded convolution + activation, followed by 2x2 max pooling while
    the image is at least 2x2; then global average pooling, dropout and a linear layer.
    Normalise images beforehand (e.g. divide by each image's maximum, or log(1 + x)).

    Parameters
    ----------
    channels : tuple of int, default=(8, 16, 32)
        Output channels of the convolution blocks.
    kernel_size : int, default=3
        Odd convolution kernel size.
    activation : str or torch.nn.Module class, default="relu"
    dropout : float, default=0.5
        Dropout probability before the output layer.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        Number of image channels (1 for (n, height, width) input).
    image_shape_ : tuple of int
        (channels, height, width) seen in fit; prediction requires the same.
    net_ : skorch.NeuralNetClassifier
    module_ : torch.nn.Module
    history_ : pandas.DataFrame
        One row per epoch: ``epoch``, ``train_loss``, ``valid_loss`` (mean loss per sample),
        ``train_accuracy``, ``valid_accuracy``, ``lr``, ``dur`` (seconds), ``valid_loss_best``.

    Examples
    --------
    >>> import numpy as np
    >>> from skjet.models import CNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.exponential(size=(60, 12, 12)).astype(np.float32)
    >>> y = np.where(np.arange(60) % 2 == 0, "w", "qcd")
    >>> X[y == "w", 4:8, 4:8] *= 4
    >>> clf = CNNClassifier(channels=(4, 8), max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (60, 2)
    """

    _parameter_constraints: dict = {
        **NeuralClassifier._parameter_constraints,
        "channels": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "activation": [str, type],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        channels=(8, 16, 32),
        kernel_size=3,
        activation="relu",
        dropout=0.5,
        **training,
    ):
        super().__init__(**training)
        self.channels = channels
        self.kernel_size = kernel_size
        self.activation = activation
        self.dropout = dropout

    def validate_input(self, X, *, reset):
        name = type(self).__name__
        if isinstance(X, pd.DataFrame | pd.Series):
            raise ValueError(
                f"{name}: X must be images, a 3-D (n_images, height, width) or 4-D (n_images, "
                f"channels, height, width) array, got a pandas {type(X).__name__}."
            )
        X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise ValueError(f"{name}: X must be numeric, got dtype {X.dtype}.")
        if X.ndim not in (3, 4):
            raise ValueError(
                f"{name}: X must be a 3-D (n_images, height, width) or 4-D (n_images, channels, "
                f"height, width) array, got {X.ndim}-D of shape {X.shape}."
            )
        if X.shape[0] == 0 or 0 in X.shape[1:]:
            raise ValueError(f"{name}: X is empty: images of shape {X.shape}.")
        X = check_float32_finite(X, self)
        # (n, height, width) is one channel; the module adds the channel axis itself
        image_shape = tuple(int(s) for s in X.shape[1:])
        check_input_shape(
            self,
            (1, *image_shape) if X.ndim == 3 else image_shape,
            reset=reset,
            attribute="image_shape_",
            what="images of shape (channels, height, width) = {}",
        )
        if reset:
            self.n_features_in_ = self.image_shape_[0]
        return X

    def build_module(self, X, n_classes):
        k = self.kernel_size
        if k % 2 == 0:  # the range is a parameter constraint; odd sizes keep "same" padding
            raise ValueError(
                f"{type(self).__name__}: kernel_size must be an odd positive int, got {k!r}."
            )
        make_activation(self.activation)
        return CNNModule(
            image_shape=self.image_shape_,
            n_classes=n_classes,
            channels=check_sizes(self.channels, "channels", allow_empty=False),
            kernel_size=int(k),
            activation=self.activation,
            dropout=check_dropout(self.dropout, self),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags
