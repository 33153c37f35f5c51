"""Torch layers of the constituent physics that skjet's models and transformers share.

The hardest-N selection and the coordinates relative to the jet axis, written once in
torch: the networks run them inside ``module_`` (in training, prediction and the ONNX
export alike), :class:`~skjet.preprocessing.RelativeConstituents` runs the same
computation on CPU and is exported to ONNX through torch's exporter.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def exporting() -> bool:
    """Whether the module is being traced for ONNX (torch.export or TorchScript)."""
    return torch.onnx.is_in_onnx_export() or torch.compiler.is_exporting()


class HardestConstituents(nn.Module):
    """Keep the ``n`` hardest (highest pT) constituents of every jet, hardest first.

    ``forward(x)`` takes zero-padded (batch, n_constituents, >= 3) rows with px, py at
    positions 1 and 2 (the (E, px, py, pz) layout) and returns (batch, min(n_constituents,
    n), ...). A batch no wider than ``n`` comes back unchanged; a wider one has the rows of
    every jet put in order of decreasing pT (a stable sort: equal pT keep their order),
    padding last, and cut after ``n``. In a traced graph (ONNX export) there is no branch
    on the width: the input gets ``n`` padding rows and the ``n`` hardest rows of that are
    kept, so any width works and the output is always ``n`` wide (padding rows are
    masked downstream).
    """

    def __init__(self, n: int):
        super().__init__()
        self.n = int(n)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.n
        real = x.ne(0).any(dim=-1)
        if exporting():
            x = torch.cat([x, torch.zeros_like(x[:, :1]).expand(-1, n, -1)], dim=1)
            real = torch.cat([real, torch.zeros_like(real[:, :1]).expand(-1, n)], dim=1)
            pt2 = x[..., 1] * x[..., 1] + x[..., 2] * x[..., 2]
            index = torch.topk(torch.where(real, pt2, torch.full_like(pt2, -1.0)), n,
                               dim=1, sorted=True).indices
        elif x.shape[1] <= n:
            return x
        else:
            pt2 = x[..., 1] * x[..., 1] + x[..., 2] * x[..., 2]
            key = torch.where(real, -pt2, torch.full_like(pt2, math.inf))
            index = torch.sort(key, dim=1, stable=True).indices[:, :n]
        return torch.gather(x, 1, index.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


def _norm2(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    # sqrt(a^2 + b^2) rather than torch.hypot, which ONNX export does not support
    return torch.sqrt(a * a + b * b)


def _asinh(z: torch.Tensor) -> torch.Tensor:
    # sign(z) log(|z| + sqrt(z^2 + 1)): torch.asinh has no ONNX export; the odd form
    # avoids the cancellation of log(z + sqrt(z^2 + 1)) for negative z
    a = z.abs()
    return torch.sign(z) * torch.log(a + torch.sqrt(a * a + 1.0))


def _atan2(y: torch.Tensor, x: torch.Tensor, dtype, precise: bool) -> torch.Tensor:
    """atan2 in ``dtype``; ``precise``: computed in float64 and rounded, except in a traced
    graph (ONNX Runtime's Atan has no float64 kernel). torch's float32 atan2 rounds an
    element differently depending on where it falls in the array (vectorised body, scalar
    tail), so only the float64 detour gives the same value for a row in any batch."""
    if precise and not exporting():
        return torch.atan2(y.to(torch.float64), x.to(torch.float64)).to(dtype)
    return torch.atan2(y.to(dtype), x.to(dtype))


def _relative(rows: torch.Tensor, jet, to_rows, eps: float, precise: bool = False):
    """:func:`relative_coordinates` of ``rows`` (..., >= 4) to their jets: ``jet`` holds
    the jets' (E, px, py, pz), four tensors with one entry per jet (in the jets' dtype),
    ``to_rows`` puts a per-jet tensor onto the rows. The jet quantities are returned per
    jet. ``precise``: the azimuths through :func:`_atan2`'s float64 detour."""
    E, px, py, pz = rows[..., 0], rows[..., 1], rows[..., 2], rows[..., 3]
    pt = _norm2(px, py)
    jet_E, jet_px, jet_py, jet_pz = jet
    jet_pt = _norm2(jet_px, jet_py)
    eta = _asinh(pz / pt.clamp(min=eps))
    jet_eta = _asinh(jet_pz / jet_pt.clamp(min=eps))
    jet_phi = _atan2(jet_py, jet_px, rows.dtype, precise)
    dphi = _atan2(py, px, rows.dtype, precise) - to_rows(jet_phi)
    dphi = torch.remainder(dphi + math.pi, 2 * math.pi) - math.pi
    return dict(
        pt=pt, E=E, deta=eta - to_rows(jet_eta.to(rows.dtype)), dphi=dphi,
        jet_pt=jet_pt, jet_E=jet_E, jet_eta=jet_eta,
    )


def _per_slot(values: torch.Tensor) -> torch.Tensor:
    """A per-jet (batch,) tensor against the (batch, n_constituents) slots."""
    return values[:, None]


def _jet_sum(x: torch.Tensor, dtype=None) -> tuple[torch.Tensor, ...]:
    """The jets' (E, px, py, pz): the sums over the constituent axis, in ``dtype``."""
    dtype = x.dtype if dtype is None else dtype
    return tuple(x[..., i].to(dtype).sum(1) for i in range(4))


def relative_coordinates(x: torch.Tensor, eps: float = 1e-8, jet_dtype=None):
    """Per-constituent kinematics relative to the jet, from (E, px, py, pz) rows.

    ``x`` is (batch, n_constituents, >= 4), zero-padded. The jet is the sum of the
    constituents' four-momenta, in ``jet_dtype`` (None: the dtype of ``x``). Returns a dict
    of (batch, n_constituents) tensors ``pt``, ``E``, ``deta`` (pseudorapidity
    difference), ``dphi`` (azimuth difference wrapped to [-pi, pi)), in the dtype of
    ``x``, and of (batch,) tensors ``jet_pt``, ``jet_E``, ``jet_eta`` in ``jet_dtype``.
    Padding rows get finite values; the caller masks them.
    """
    return _relative(x, _jet_sum(x, jet_dtype), _per_slot, eps)


def relative_features(rows: torch.Tensor, jet, to_rows, real=None) -> torch.Tensor:
    """The seven features of :class:`~skjet.preprocessing.RelativeConstituents` of
    ``rows`` (..., >= 4) relative to their jets (``jet`` and ``to_rows`` as for
    :func:`_relative`, the jets in float64): (..., 7) of log pT, log E, log(pT / pT_jet),
    log(E / E_jet), delta eta, delta phi, delta R, in the dtype of ``rows``. ``real``
    (...) marks the real rows where padding rows are among them (they get harmless
    values, to be masked by the caller); real constituents are expected with pT > 0 and
    jets with pT_jet > 0.
    """
    kin = _relative(rows, jet, to_rows, torch.finfo(rows.dtype).tiny, precise=True)
    pt, E = kin["pt"], kin["E"]
    one = torch.ones((), dtype=rows.dtype)
    if real is not None:
        pt, E = torch.where(real, pt, one), torch.where(real, E, one)
    log_pt, log_e = torch.log(pt), torch.log(E)
    one64 = one.to(torch.float64)
    jet_pt, jet_e = kin["jet_pt"], kin["jet_E"]
    log_jet_pt = to_rows(torch.log(torch.where(jet_pt > 0, jet_pt, one64)))
    log_jet_e = to_rows(torch.log(torch.where(jet_e > 0, jet_e, one64)))
    deta, dphi = kin["deta"], kin["dphi"]
    return torch.stack([
        log_pt,
        log_e,
        (log_pt.to(torch.float64) - log_jet_pt).to(rows.dtype),
        (log_e.to(torch.float64) - log_jet_e).to(rows.dtype),
        deta,
        dphi,
        _norm2(deta, dphi),
    ]).movedim(0, -1)  # stacked feature by feature: contiguous writes


class RelativeFeatures(nn.Module):
    """:func:`relative_features` of zero-padded (batch, n_constituents, 4) (E, px, py, pz)
    rows relative to their jet (the sum of the constituents, in float64):
    (batch, n_constituents, 7), zero for padding rows. The graph
    :class:`~skjet.preprocessing.RelativeConstituents` exports to ONNX.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        real = x.ne(0).any(dim=-1)
        features = relative_features(x, _jet_sum(x, torch.float64), _per_slot, real)
        return torch.where(real[..., None], features, torch.zeros((), dtype=x.dtype))
