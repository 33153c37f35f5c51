"""What the neural classifiers on zero-padded constituents share."""

from __future__ import annotations

from ...utils import check_constituents
from ._base import NeuralClassifier, check_input_shape


class ConstituentNeuralClassifier(NeuralClassifier):
    """Base of the classifiers on (n_jets, n_constituents, n_features) zero-padded input.

    Input goes through :func:`skjet.utils.check_constituents`; ``min_features`` is the
    number of leading features the model reads, (E, px, py, pz) when it is 4, and
    ``exact_features`` refuses more. A model that reads the four-momentum (``min_features``
    of 4 or more) also gets :func:`skjet.utils.check_physical`, as every other skjet
    estimator on four-momenta: unphysical constituents and (pT, eta, phi, m) passed as
    (E, px, py, pz) are refused rather than trained on.
    """

    padded_constituents = True
    min_features: int | None = None
    exact_features = False

    def validate_input(self, X, *, reset):
        n_features = self.min_features if self.exact_features else None
        # Only a model that reads a four-momentum can be fed the wrong coordinates.
        physical = self.min_features is not None and self.min_features >= 4
        X = check_constituents(
            X, n_features=n_features, name="X", estimator=self, physical=physical
        )
        if self.min_features is not None and X.shape[2] < self.min_features:
            raise ValueError(
                f"{type(self).__name__}: X must have at least {self.min_features} features "
                f"per constituent, (E, px, py, pz) first, got shape {X.shape}."
            )
        check_input_shape(
            self,
            int(X.shape[2]),
            reset=reset,
            attribute="n_features_in_",
            what="{} features per constituent",
        )
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags
