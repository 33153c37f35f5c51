"""The evaluation-mode forward of weaver's ParticleNet equals weaver's own forward."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from skjet.models import ParticleNetClassifier, load_pretrained
from skjet.models._neural import _particlenet_inference as inference
from skjet.models._neural._particlenet_inference import (
    fast_forward_applies,
    particlenet_forward,
)
from skjet.models.tests.test_pretrained import KIN, TOP_QCD, _checkpoint_folder
from skjet.utils.estimator_checks import make_constituents

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ATOL = 1e-5  # float32 logits
RTOL = 1e-5  # float32 logits far from zero
ATOL64 = 1e-10  # float64: the same function, only the rounding differs


def random_jets(n_jets, n_slots=128, n_min=40, n_max=60, seed=0):
    """Zero-padded (E, px, py, pz) jets of ``n_min``-``n_max`` constituents, pT ordered
    at random, around a common axis."""
    rng = np.random.default_rng(seed)
    n_max = min(n_max, n_slots)
    n_min = min(n_min, n_max)
    X = np.zeros((n_jets, n_slots, 4), dtype=np.float32)
    for i in range(n_jets):
        m = int(rng.integers(n_min, n_max + 1))
        pt = rng.exponential(10.0, m) + 0.5
        eta = rng.normal(0.5, 0.3, m)
        phi = rng.normal(1.0, 0.3, m)
        px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        X[i, :m] = np.stack([np.sqrt(px**2 + py**2 + pz**2), px, py, pz], axis=1)
    return torch.from_numpy(X)


def awkward_jets(n_slots=24, seed=1):
    """A padded batch with the cases the neighbour search must get right."""
    X = random_jets(8, n_slots=n_slots, n_min=5, n_max=n_slots, seed=seed).numpy().copy()
    X[0] = 0  # no constituents
    X[1, 1:] = 0  # one
    X[2, 3:] = 0  # fewer than k + 1
    X[3, 6:12] = X[3, 0]  # duplicates of one constituent: ties in every distance
    X[4, 1:] = X[4, 0]  # only duplicates
    X[5, 10:14] = X[5, 2:6]  # duplicate pairs
    return torch.from_numpy(X)


def body_inputs(module, x):
    """``(points, features, mask)`` of a module's ParticleNet."""
    out = module.features(x)
    return out[0], out[1], out[3]


def compare(net, points, features, mask, atol, rtol=0.0, **kwargs):
    """Max |fast - weaver| after asserting it is within ``atol + rtol |weaver|``."""
    with torch.no_grad():
        assert fast_forward_applies(net, points, features, mask)
        expected = net(points, features, mask)
        got = particlenet_forward(net, points, features, mask, **kwargs)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=rtol, atol=atol)
    return float((got - expected).abs().max())


def randomise_batch_norms(module, seed=0):
    """Non-trivial running statistics and affine parameters in every batch norm."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=g) * 0.5)
                m.running_var.copy_(torch.rand(n, generator=g) * 2 + 0.2)
                m.weight.copy_(1 + 0.3 * torch.randn(n, generator=g))
                m.bias.copy_(0.3 * torch.randn(n, generator=g))
    return module


@pytest.fixture(scope="module")
def jetclass_module():
    _checkpoint_folder()
    return load_pretrained(KIN, max_constituents=128)


@pytest.fixture(scope="module", params=["small", "paper"])
def preset_module(request):
    X = random_jets(4, n_slots=32)
    torch.manual_seed(0)
    module = ParticleNetClassifier(preset=request.param).build_module(X.numpy(), 3)
    return randomise_batch_norms(module).eval()


# -- equality -------------------------------------------------------------------------------
def test_jetclass_checkpoint_equals_weaver(jetclass_module):
    module = jetclass_module
    x = random_jets(64)
    diff = compare(module.net, *body_inputs(module, x), atol=ATOL)
    assert diff < ATOL
    # whole-module output: PretrainedModule.forward takes the fast path in evaluation
    with torch.no_grad():
        expected = module.net(*body_inputs(module, x))
        np.testing.assert_allclose(module(x).numpy(), expected.numpy(), rtol=0, atol=ATOL)


def test_jetclass_checkpoint_equals_weaver_in_float64(jetclass_module):
    # in float64 near-ties of later kNN searches cannot flip: equal to rounding
    net = copy.deepcopy(jetclass_module.net).double()
    points, features, mask = body_inputs(jetclass_module, random_jets(48, seed=3).double())
    compare(net, points, features, mask, atol=ATOL64)


def test_jetclass_checkpoint_awkward_jets(jetclass_module):
    module = jetclass_module
    x = awkward_jets()
    # logits up to about 30 for these unphysical jets: float32 rounding is relative
    compare(module.net, *body_inputs(module, x), atol=ATOL, rtol=RTOL)
    net = copy.deepcopy(module.net).double()
    compare(net, *body_inputs(module, x.double()), atol=ATOL64)


def test_presets_equal_weaver(preset_module):
    # fusion block, shortcut convolutions with and without, k = 7 and 16
    module = preset_module
    x = torch.cat([random_jets(40, n_slots=64, seed=5), awkward_jets(n_slots=64)])
    compare(module.net, *body_inputs(module, x), atol=ATOL)
    net = copy.deepcopy(module.net).double()
    compare(net, *body_inputs(module, x.double()), atol=ATOL64)


def test_chunks_and_mask_variants(preset_module):
    net = preset_module.net
    points, features, mask = body_inputs(preset_module, awkward_jets(n_slots=40))
    with torch.no_grad():
        whole = particlenet_forward(net, points, features, mask)
        for chunk_size in (1, 3, 100):
            np.testing.assert_allclose(
                particlenet_forward(net, points, features, mask, chunk_size=chunk_size),
                whole, rtol=0, atol=ATOL,
            )
    # float masks, no mask, and a jet whose every slot is masked out (weaver's own inputs)
    compare(net, points, features, mask.float(), atol=ATOL)
    compare(net, points, features, None, atol=ATOL)
    empty = mask.clone()
    empty[0] = False
    compare(net, points, features, empty, atol=ATOL)


def test_too_few_slots_raises_as_weaver(preset_module):
    net = preset_module.net
    k = net.edge_convs[0].k
    points, features, mask = torch.zeros(2, 2, k), torch.zeros(2, features_width(net), k), None
    with pytest.raises(RuntimeError) as weaver_error, torch.no_grad():
        net(points, features, mask)
    with pytest.raises(RuntimeError) as fast_error, torch.no_grad():
        particlenet_forward(net, points, features, mask)
    assert str(fast_error.value) == str(weaver_error.value)


def features_width(net):
    return net.bn_fts.num_features


def test_follows_changed_weights(preset_module):
    # nothing is cached: after a change of weights or statistics the result follows
    module = copy.deepcopy(preset_module)
    inputs = body_inputs(module, random_jets(6, n_slots=40, seed=9))
    before = compare(module.net, *inputs, atol=ATOL)
    randomise_batch_norms(module, seed=1)
    with torch.no_grad():
        for p in module.net.parameters():
            p.mul_(1.1)
    after = compare(module.net, *inputs, atol=ATOL)
    assert before < ATOL and after < ATOL


# -- when the fast path is taken ----------------------------------------------------------
@pytest.fixture
def spy(monkeypatch):
    calls = []
    original = inference.particlenet_forward

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(inference, "particlenet_forward", counting)
    return calls


def test_taken_in_evaluation_only(preset_module, spy):
    module = copy.deepcopy(preset_module)
    x = random_jets(6, n_slots=40, seed=2)
    with torch.no_grad():
        module(x)
    assert len(spy) == 1
    # evaluation mode, gradients enabled and required by the parameters: weaver
    module(x)
    assert len(spy) == 1
    # ... unless nothing requires a gradient
    for p in module.parameters():
        p.requires_grad_(False)
    module(x)
    assert len(spy) == 2
    # an input that requires a gradient: weaver
    points, features, mask = body_inputs(module, x)
    inference.particlenet_body(module.net, points, features.requires_grad_(), mask)
    assert len(spy) == 2
    # not on the CPU: weaver (the path is written and measured for CPUs)
    with torch.no_grad():
        assert fast_forward_applies(module.net, points, features, mask)
        assert not fast_forward_applies(module.net, points.to("meta"), features, mask)
    # one submodule in training mode: weaver
    for p in module.parameters():
        p.requires_grad_(True)
    module.net.bn_fts.train()
    with torch.no_grad():
        module(x)
    assert len(spy) == 2


def test_training_with_gradients_is_weavers(preset_module, spy):
    module = copy.deepcopy(preset_module).train()
    x = random_jets(6, n_slots=40, seed=2)
    torch.manual_seed(0)
    out = module(x)
    torch.manual_seed(0)
    expected = copy.deepcopy(module).net(*body_inputs(module, x))
    assert len(spy) == 0
    torch.testing.assert_close(out, expected, rtol=0, atol=0)
    out.sum().backward()
    grads = [p.grad for p in module.net.parameters()]
    assert all(g is not None for g in grads) and any(g.abs().sum() > 0 for g in grads)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning")
def test_not_taken_while_tracing(preset_module, spy):
    module = preset_module
    x = random_jets(4, n_slots=24, seed=2)
    with torch.no_grad():
        traced = torch.jit.trace(module, (x,), check_trace=False)
    assert len(spy) == 0
    # the traced graph is weaver's: its topk runs on every slot of the padded batch
    assert "aten::topk" in str(traced.inlined_graph)
    assert "aten::nonzero" not in str(traced.inlined_graph)


def test_frozen_body_takes_it_while_the_head_trains(jetclass_module, spy):
    module = copy.deepcopy(jetclass_module).replace_head(2, freeze_body=True).train()
    assert not module.net.training
    x = random_jets(4, seed=4)
    out = module(x)
    assert len(spy) == 1
    out.sum().backward()
    assert module.head.weight.grad is not None and module.head.weight.grad.abs().sum() > 0
    with torch.no_grad():
        expected = module.head(module.net(*body_inputs(module, x)))
    np.testing.assert_allclose(out.detach().numpy(), expected.numpy(), rtol=0, atol=ATOL)


def test_predict_proba_of_pretrained_classifier_unchanged(jetclass, monkeypatch):
    X, y = make_constituents(n_jets=40, n_slots=30, random_state=2)
    clf = ParticleNetClassifier(pretrained=KIN, zero_shot=TOP_QCD).fit(X[:10], y[:10])
    fast = clf.predict_proba(X)
    monkeypatch.setattr(inference, "fast_forward_applies", lambda *args: False)
    np.testing.assert_allclose(fast, clf.predict_proba(X), rtol=0, atol=1e-6)


@pytest.fixture(scope="module")
def jetclass():
    return _checkpoint_folder()
