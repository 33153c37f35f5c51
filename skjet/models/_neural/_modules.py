"""The torch modules behind the neural classifiers.

Every module returns logits of shape (batch, n_classes); the estimators apply the softmax.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ...utils._layers import exporting, relative_coordinates

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}


def make_activation(activation) -> nn.Module:
    """A fresh activation module from a name in ``_ACTIVATIONS`` or an ``nn.Module`` class."""
    if isinstance(activation, str):
        try:
            return _ACTIVATIONS[activation]()
        except KeyError:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)} or a torch.nn.Module class, "
                f"got {activation!r}."
            ) from None
    if isinstance(activation, type) and issubclass(activation, nn.Module):
        return activation()
    raise ValueError(
        f"activation must be one of {sorted(_ACTIVATIONS)} or a torch.nn.Module class, "
        f"got {activation!r}."
    )


def check_dropout(dropout, estimator) -> float:
    """Dropout probability as a float in [0, 1), or a ValueError naming the estimator."""
    if not (isinstance(dropout, int | float) and 0 <= dropout < 1):
        raise ValueError(f"{type(estimator).__name__}: dropout must be in [0, 1), got {dropout!r}.")
    return float(dropout)


def check_sizes(sizes, name: str, *, allow_empty: bool = True) -> tuple[int, ...]:
    """Layer widths as a tuple of positive ints, or a ValueError naming the parameter."""
    if isinstance(sizes, int | float) and not isinstance(sizes, bool):
        sizes = (sizes,)
    try:
        out = tuple(int(s) for s in sizes)
    except TypeError:
        raise ValueError(f"{name} must be a sequence of positive ints, got {sizes!r}.") from None
    if any(s < 1 for s in out) or any(int(s) != s for s in sizes):
        raise ValueError(f"{name} must contain positive ints, got {sizes!r}.")
    if not out and not allow_empty:
        raise ValueError(f"{name} must contain at least one layer size, got {sizes!r}.")
    return out


def dense_stack(
    n_in: int,
    sizes: Sequence[int],
    activation,
    *,
    dropout: float = 0.0,
    batch_norm: bool = False,
) -> nn.Sequential:
    """Linear [-> BatchNorm] -> activation [-> Dropout] for each width in ``sizes``."""
    layers: list[nn.Module] = []
    for size in sizes:
        layers.append(nn.Linear(n_in, size))
        if batch_norm:
            layers.append(nn.BatchNorm1d(size))
        layers.append(make_activation(activation))
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        n_in = size
    return nn.Sequential(*layers)


class MLPModule(nn.Module):
    """Fully connected network on jet-level features (batch, n_features)."""

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        hidden_layer_sizes: Sequence[int] = (32, 32, 32),
        activation="relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
    ):
        super().__init__()
        self.hidden = dense_stack(
            n_features, hidden_layer_sizes, activation, dropout=dropout, batch_norm=batch_norm
        )
        width = hidden_layer_sizes[-1] if len(hidden_layer_sizes) else n_features
        self.output = nn.Linear(width, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.hidden(x))


class DeepSetsModule(nn.Module):
    """Deep Sets / Particle Flow Network: F(pool_i phi(x_i)) over the real constituents.

    A constituent row that is all zeros is padding. phi only runs on the real constituents
    (they are gathered into one flat batch), so the cost follows the actual multiplicity, not
    the padded width; the per-jet pooling is an ``index_add_`` of those rows. A jet without
    constituents pools to the zero vector and still gets finite logits.
    """

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        phi_sizes: Sequence[int] = (100, 100, 128),
        f_sizes: Sequence[int] = (100, 100, 100),
        activation="relu",
        dropout: float = 0.0,
        pooling: str = "sum",
    ):
        super().__init__()
        self.pooling = pooling
        self.latent_dim = phi_sizes[-1]
        self.phi = dense_stack(n_features, phi_sizes, activation)
        self.f = dense_stack(self.latent_dim, f_sizes, activation, dropout=dropout)
        width = f_sizes[-1] if len(f_sizes) else self.latent_dim
        self.output = nn.Linear(width, n_classes)

    def latent(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled per-jet representation, shape (batch, phi_sizes[-1])."""
        mask = x.ne(0).any(dim=-1)
        if exporting():
            # index_add_ becomes ScatterND(reduction="add") with repeated indices, which
            # ONNX Runtime sums racily across threads (outputs off by up to 0.06 in some
            # runs): the exported graph sums phi over every slot, padding masked, instead
            h = self.phi(x)
            pooled = torch.where(mask.unsqueeze(-1), h, torch.zeros_like(h)).sum(dim=1)
        else:
            jet, slot = mask.nonzero(as_tuple=True)
            h = self.phi(x[jet, slot])
            pooled = h.new_zeros(x.shape[0], self.latent_dim).index_add_(0, jet, h)
        if self.pooling == "mean":
            counts = mask.sum(dim=1, keepdim=True).clamp_(min=1)
            pooled = pooled / counts.to(pooled.dtype)
        return pooled

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.f(self.latent(x)))


class EnergyFlowModule(DeepSetsModule):
    """Energy Flow Network: F(sum_i z_i Phi(deta_i, dphi_i)) on (E, px, py, pz) rows.

    ``z_i = pT_i / sum_j pT_j`` and (deta, dphi) relative to the jet axis (the summed
    four-momentum) are computed here from the raw constituents, so the latent sum is
    infrared and collinear safe by construction: a constituent split collinearly into two
    gives the same sum, and one of zero energy adds nothing.
    """

    def __init__(
        self,
        n_classes: int,
        phi_sizes: Sequence[int] = (100, 100, 128),
        f_sizes: Sequence[int] = (100, 100, 100),
        activation="relu",
        dropout: float = 0.0,
    ):
        super().__init__(2, n_classes, phi_sizes, f_sizes, activation, dropout, pooling="sum")

    def latent(self, x: torch.Tensor) -> torch.Tensor:
        """The latent observables sum_i z_i Phi(deta_i, dphi_i), shape (batch, latent)."""
        kin = relative_coordinates(x)
        z = kin["pt"] / kin["pt"].sum(dim=1, keepdim=True).clamp(min=1e-12)
        mask = x.ne(0).any(dim=-1, keepdim=True)
        # dense over the (trimmed) slots, masked with where(): exports to ONNX as it runs
        h = self.phi(torch.stack([kin["deta"], kin["dphi"]], dim=-1)) * z[..., None]
        return torch.where(mask, h, torch.zeros((), dtype=h.dtype, device=h.device)).sum(dim=1)


class CNNModule(nn.Module):
    """Convolutional network on jet images (batch, channels, height, width), or
    (batch, height, width) for one channel.

    Each block is a same-padded convolution and the activation, followed by 2x2 max pooling
    while the image is at least 2x2; a global average pool, dropout and a linear layer give
    the logits.
    """

    def __init__(
        self,
        image_shape: Sequence[int],
        n_classes: int,
        channels: Sequence[int] = (8, 16, 32),
        kernel_size: int = 3,
        activation="relu",
        dropout: float = 0.5,
    ):
        super().__init__()
        n_in, height, width = image_shape
        layers: list[nn.Module] = []
        for c in channels:
            layers += [
                nn.Conv2d(n_in, c, kernel_size, padding=kernel_size // 2),
                make_activation(activation),
            ]
            if height >= 2 and width >= 2:
                layers.append(nn.MaxPool2d(2))
                height, width = height // 2, width // 2
            n_in = c
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        self.features = nn.Sequential(*layers)
        self.output = nn.Linear(n_in, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:
            x = x.unsqueeze(1)
        return self.output(self.features(x))
