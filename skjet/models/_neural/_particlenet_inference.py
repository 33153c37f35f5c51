"""A faster evaluation-mode forward of weaver-core's ``ParticleNet``, with its results.

weaver's ``ParticleNet`` computes every EdgeConv on all ``P`` constituent slots of a jet,
padding included, and on the ``2 C``-wide edge features ``[x_i, x_j - x_i]`` of all
``P k`` edges, with ``Conv2d`` 1x1 layers followed by batch normalisation. In evaluation
mode, without gradients, on the CPU, the same function is computed here with far less work:

- every batch normalisation is folded into the 1x1 convolution before it (weights scaled
  per output channel, the shift as bias), from the current parameters and running
  statistics at every call (so it follows fine-tuning; folding costs microseconds);
- channels last (points, channels) and ``F.linear`` instead of ``Conv2d``/``Conv1d``;
- the first layer of an EdgeConv is linear in the edge feature:
  ``W [x_i; x_j - x_i] = (W_a - W_b) x_i + W_b x_j``, so both terms are computed once per
  point and the second gathered at the k neighbours, instead of once per edge;
- edges only for the real (unmasked) constituents: the outputs at padding slots are set
  to zero by weaver anyway, and a padding slot that is the neighbour of a real one
  contributes its (zero) features as in weaver;
- the batch in chunks of :data:`CHUNK_SIZE` jets, so that the per-edge activations stay
  in cache.

The nearest neighbours are found with weaver's own distance function on the same
(padded, ``coord_shift``-shifted) coordinates, and the same ``topk`` over the same rows,
so the neighbour sets are weaver's. Results equal weaver's up to float rounding (about
1e-6 relative). :func:`fast_forward_applies` says when this path may be taken;
:func:`particlenet_body` takes it then and calls weaver's forward otherwise (training,
gradients, exports and traces see weaver's own graph).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

# Jets per chunk: 8 keeps the edge activations of the paper-size network (about
# 50 x 16 x 256 floats per jet) within about 1.6 MB; 8 and 16 measured fastest on 2 CPU
# cores, 32 and 64 up to 1.5x slower (benchmarks/bench_particlenet_inference.py).
CHUNK_SIZE = 8


def _weaver_particlenet():
    import weaver.nn.model.ParticleNet as module

    return module


def _tracing() -> bool:
    """Whether the call is part of an export, a trace, a script or a compilation."""
    if torch.jit.is_scripting() or torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
        return True
    compiler = getattr(torch, "compiler", None)
    for name in ("is_compiling", "is_exporting", "is_dynamo_compiling"):
        check = getattr(compiler, name, None)
        if check is not None and check():
            return True
    return False


def fast_forward_applies(net: Any, *inputs: torch.Tensor | None) -> bool:
    """Whether :func:`particlenet_forward` may stand in for ``net(*inputs)``.

    Parameters
    ----------
    net : nn.Module
        The network, a weaver ``ParticleNet`` for the fast path to apply.
    *inputs : Tensor or None
        ``points, features, mask`` as given to ``net``.

    Returns
    -------
    applies : bool
        True when ``net`` is weaver's ``ParticleNet`` (not a subclass) on the CPU (the
        path is written and measured for CPUs), classifies jets
        (not ``for_segmentation``), every submodule is in evaluation mode, its batch
        normalisations use running statistics, no gradient is needed through it (grad
        mode off, or no parameter and no input requires one), and no export, trace or
        compilation is under way.
    """
    try:
        module = _weaver_particlenet()
    except ImportError:  # pragma: no cover - no weaver, no ParticleNet
        return False
    if type(net) is not module.ParticleNet or net.for_segmentation or _tracing():
        return False
    if any(t is not None and t.device.type != "cpu" for t in inputs):
        return False
    if any(m.training for m in net.modules()):
        return False
    if torch.is_grad_enabled() and (
        any(p.requires_grad for p in net.parameters())
        or any(t is not None and t.requires_grad for t in inputs)
    ):
        return False
    for block in net.edge_convs:
        if type(block) is not module.EdgeConvBlock or not (block.batch_norm and block.activation):
            return False
    return all(
        m.running_mean is not None and m.running_var is not None
        for m in net.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
    )


def particlenet_body(net: nn.Module, points: torch.Tensor, features: torch.Tensor,
                     mask: torch.Tensor | None = None) -> torch.Tensor:
    """``net(points, features, mask)``, by :func:`particlenet_forward` where it applies.

    Parameters
    ----------
    net : nn.Module
        A weaver ``ParticleNet`` (or any module taking ``points, features, mask``).
    points, features, mask : Tensor
        As for weaver's ``ParticleNet.forward``.

    Returns
    -------
    output : Tensor
        The outputs of ``net``.
    """
    if fast_forward_applies(net, points, features, mask):
        return particlenet_forward(net, points, features, mask)
    return net(points, features, mask)


def _fold(weight: torch.Tensor, bn: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """A 1x1 convolution without bias then batch normalisation as ``(W, b)`` of F.linear."""
    scale = torch.rsqrt(bn.running_var + bn.eps)
    if bn.weight is not None:
        scale = scale * bn.weight
    shift = -bn.running_mean * scale
    if bn.bias is not None:
        shift = shift + bn.bias
    return weight.reshape(weight.shape[0], -1) * scale[:, None], shift


def particlenet_forward(net: Any, points: torch.Tensor, features: torch.Tensor,
                        mask: torch.Tensor | None = None,
                        chunk_size: int = CHUNK_SIZE) -> torch.Tensor:
    """weaver's ``ParticleNet.forward`` in evaluation mode, computed faster.

    Only valid where :func:`fast_forward_applies` holds (use :func:`particlenet_body`).

    Parameters
    ----------
    net : nn.Module
        A weaver ``ParticleNet`` in evaluation mode.
    points : Tensor of shape (batch, n_coordinates, P)
        The coordinates of the k-nearest-neighbour search of the first EdgeConv.
    features : Tensor of shape (batch, n_features, P)
        The per-constituent features.
    mask : Tensor of shape (batch, 1, P), default=None
        True (or non-zero) for real constituents; None: all of them.
    chunk_size : int, default=CHUNK_SIZE
        Jets computed together.

    Returns
    -------
    output : Tensor of shape (batch, n_outputs)
        What ``net(points, features, mask)`` returns (up to float rounding).
    """
    with torch.no_grad():
        points, features, mask, _ = net.trimmer(points, features, mask=mask)
        k_max = max(block.k for block in net.edge_convs)
        if points.shape[-1] <= k_max:
            # too few slots for the neighbour search: weaver's own error
            return net(points, features, mask)
        blocks = [_block_weights(block) for block in net.edge_convs]
        fusion = None
        if net.use_fusion:
            fusion = _fold(net.fusion_block[0].weight, net.fusion_block[1])
        pooled = [
            _pooled(net, blocks, fusion, points[i:i + chunk_size],
                    features[i:i + chunk_size], mask[i:i + chunk_size])
            for i in range(0, points.shape[0], chunk_size)
        ]
        x = torch.cat(pooled) if pooled else features.new_zeros((0, _pooled_width(net)))
        output = net.fc(x)
        if net.for_inference:
            output = torch.softmax(output, dim=1)
        return output


def _pooled_width(net: Any) -> int:
    if net.use_fusion:
        return net.fusion_block[0].out_channels
    return net.edge_convs[-1].convs[-1].out_channels


def _block_weights(block: Any) -> dict:
    """The folded weights of one EdgeConv: the first layer split into its per-point parts."""
    layers = [_fold(conv.weight, bn) for conv, bn in zip(block.convs, block.bns)]
    w1, b1 = layers[0]
    c_in = w1.shape[1] // 2
    w_centre, w_diff = w1[:, :c_in], w1[:, c_in:]
    # rows [:C]: the x_i part (W_a - W_b), rows [C:]: the x_j part (W_b)
    first = torch.cat([w_centre - w_diff, w_diff])
    shortcut = None if block.sc is None else _fold(block.sc.weight, block.sc_bn)
    return {"k": block.k, "first": first, "bias": b1, "rest": layers[1:],
            "shortcut": shortcut}


def _pooled(net: Any, blocks: list[dict], fusion: tuple | None, points: torch.Tensor,
            features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The pooled jet features (the input of ``net.fc``) of one chunk of jets."""
    module = _weaver_particlenet()
    n, _, size = points.shape
    padding = ~mask  # (n, 1, P)
    real = mask.reshape(-1).nonzero().squeeze(1)  # flat (jet * P + slot) of the real ones
    base = (real // size * size)[:, None]
    if net.use_fts_bn:
        fts = net.bn_fts(features).masked_fill(padding, 0)
    else:
        fts = features
    # channels last, all slots: the x_j of a padding neighbour is what weaver gathers
    dense = fts.transpose(1, 2).reshape(n * size, -1)
    x = dense.index_select(0, real)
    outputs = []
    for i, block in enumerate(blocks):
        if i == 0:
            pts = points.masked_fill(padding, net.coord_shift)  # as weaver, bit for bit
        else:
            pts = dense.view(n, size, -1).transpose(1, 2).masked_fill(padding, net.coord_shift)
        k = block["k"]
        # weaver's knn, on the real rows only (topk works row by row)
        distance = module.pairwise_distance(pts).reshape(n * size, size).index_select(0, real)
        neighbours = distance.topk(k=k + 1, dim=-1, largest=False, sorted=True)[1][:, 1:]
        neighbours = (neighbours + base).reshape(-1)
        width = block["bias"].shape[0]
        per_point = F.linear(dense, block["first"])  # (n P, 2 C)
        centre = per_point.index_select(0, real)[:, :width] + block["bias"]
        edges = per_point[:, width:].index_select(0, neighbours).view(-1, k, width)
        edges = edges.add_(centre[:, None, :]).relu_()
        for weight, bias in block["rest"]:
            edges = F.linear(edges, weight, bias).relu_()
        out = edges.mean(dim=1)
        if block["shortcut"] is None:
            out = out.add_(x)
        else:
            out = out.add_(F.linear(x, *block["shortcut"]))
        x = out.relu_()
        dense = x.new_zeros((n * size, x.shape[1])).index_copy_(0, real, x)
        if fusion is not None:
            outputs.append(x)
    if fusion is not None:
        x = F.linear(torch.cat(outputs, dim=1), *fusion).relu_()
    jets = real // size
    pooled = x.new_zeros((n, x.shape[1])).index_add_(0, jets, x)
    if net.use_counts:
        counts = mask.float().sum(dim=-1)  # (n, 1)
        return pooled / torch.max(counts, torch.ones_like(counts))
    return pooled / size
