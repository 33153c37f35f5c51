"""Energy Flow Network: the infrared- and collinear-safe Deep Sets."""

from __future__ import annotations

from numbers import Integral, Real

from ...utils._sklearn_compat import Interval
from ._base import NeuralClassifier
from ._deepsets import DeepSetsClassifier
from ._modules import EnergyFlowModule, check_dropout, check_sizes, make_activation


class EnergyFlowNetworkClassifier(DeepSetsClassifier):
    """Energy Flow Network (EFN) classifier on constituents (E, px, py, pz).

    The infrared- and collinear-safe member of the Deep Sets family (Komiske, Metodiev and
    Thaler, 2019): every constituent's latent vector Phi(deta, dphi) is weighted by its
    momentum fraction ``z_i = pT_i / sum_j pT_j`` before the sum over the jet, and a jet
    network F maps the sum to class scores. z_i and the angles (pseudorapidity and azimuth
    relative to the jet axis, the summed four-momentum) are computed inside the network
    from the raw four-momenta, so the output is unchanged when a constituent is split
    collinearly into two or a zero-energy constituent is added, as long as nothing in
    front of the classifier (a scaler, for instance) breaks it: feed the constituents as
    they are. ``transform`` returns the latent observables sum_i z_i Phi(deta_i, dphi_i).

    Parameters
    ----------
    phi_sizes : tuple of int, default=(100, 100, 128)
        Widths of Phi; the last one is the number of latent observables.
    f_sizes : tuple of int, default=(100, 100, 100)
        Widths of the hidden layers of F.
    activation : str or torch.nn.Module class, default="relu"
        Activation after every layer of Phi and F (not the output).
    dropout : float, default=0.0
        Dropout probability after each hidden layer of F.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        Always 4.
    net_ : skorch.NeuralNetClassifier
    module_ : torch.nn.Module
        Maps the validated (n_jets, n_constituents, 4) float32 constituents to logits.
    history_ : pandas.DataFrame
        One row per epoch (see :class:`NeuralClassifier`).

    See Also
    --------
    DeepSetsClassifier : Phi on any per-constituent features, unweighted sum or mean.

    Examples
    --------
    >>> from skjet.models import EnergyFlowNetworkClassifier
    >>> from skjet.utils.estimator_checks import make_constituents
    >>> X, y = make_constituents(n_jets=60)
    >>> efn = EnergyFlowNetworkClassifier(phi_sizes=(16, 8), f_sizes=(16,), max_epochs=2,
    ...                                   random_state=0).fit(X, y)
    >>> efn.transform(X).shape
    (60, 8)
    """

    min_features = 4
    exact_features = True

    _parameter_constraints: dict = {
        **NeuralClassifier._parameter_constraints,
        "phi_sizes": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "f_sizes": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "activation": [str, type],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        phi_sizes=(100, 100, 128),
        f_sizes=(100, 100, 100),
        activation="relu",
        dropout=0.0,
        **training,
    ):
        # Deep Sets' transform, not its parameters (no pooling)
        NeuralClassifier.__init__(self, **training)
        self.phi_sizes = phi_sizes
        self.f_sizes = f_sizes
        self.activation = activation
        self.dropout = dropout

    def build_module(self, X, n_classes):
        make_activation(self.activation)
        return EnergyFlowModule(
            n_classes=n_classes,
            phi_sizes=check_sizes(self.phi_sizes, "phi_sizes", allow_empty=False),
            f_sizes=check_sizes(self.f_sizes, "f_sizes"),
            activation=self.activation,
            dropout=check_dropout(self.dropout, self),
        )
