"""A user-defined architecture on the public base gets the whole estimator contract."""

from __future__ import annotations

import inspect
import pickle
import re
from numbers import Integral
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from torch import nn

from skjet.models import ConstituentNeuralClassifier, NeuralClassifier
from skjet.models._neural._parameters import TRAINING_PARAMETERS
from skjet.utils._sklearn_compat import Interval
from skjet.utils.estimator_checks import make_constituents, parametrize_with_nd_checks


# -- the model of docs/custom_models.md -------------------------------------------------------
class MeanMaxSet(nn.Module):
    """phi on every constituent, mean and max over the real ones, a linear layer on both."""

    def __init__(self, n_features: int, width: int, n_classes: int):
        super().__init__()
        self.phi = nn.Sequential(nn.Linear(n_features, width), nn.ReLU())
        self.output = nn.Linear(2 * width, n_classes)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.phi(x) * mask[..., None]  # phi >= 0: zeroed padding never wins the max
        n = mask.sum(dim=1, keepdim=True).clamp(min=1)
        return self.output(torch.cat([h.sum(dim=1) / n, h.amax(dim=1)], dim=1))


class MeanMaxSetClassifier(ConstituentNeuralClassifier):
    """Deep Sets with mean and max pooling, on the log of the constituents' four-momenta."""

    _parameter_constraints = {
        **ConstituentNeuralClassifier._parameter_constraints,
        "width": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, width=32, *, bucketing=True, max_epochs=10, lr=1e-2, **training):
        super().__init__(bucketing=bucketing, max_epochs=max_epochs, lr=lr, **training)
        self.width = width

    def build_module(self, X, n_classes):
        return MeanMaxSet(X.shape[2], self.width, n_classes)

    def module_inputs(self, X_batch):
        mask = X_batch.ne(0).any(dim=-1)
        return torch.sign(X_batch) * torch.log1p(X_batch.abs()), mask


@parametrize_with_nd_checks([MeanMaxSetClassifier(width=8, max_epochs=2, random_state=0)])
def test_user_model_passes_the_common_checks(estimator, check):
    check(estimator)


def test_user_model_trains_streams_and_reports():
    X, y = make_constituents(n_jets=200, n_slots=20)
    clf = MeanMaxSetClassifier(max_epochs=15, random_state=0).fit(X, y)
    assert roc_auc_score(y == "top", clf.predict_proba(X)[:, 1]) > 0.8
    assert list(clf.history_.columns[:3]) == ["epoch", "train_loss", "valid_loss"]
    # its own parameter, then every training parameter: its defaults, else the base's
    params = clf.get_params()
    assert set(params) == {"width", *TRAINING_PARAMETERS}
    assert {k: params[k] for k in ("width", "bucketing", "max_epochs", "lr", "random_state")} == (
        dict(width=32, bucketing=True, max_epochs=15, lr=1e-2, random_state=0)
    )
    assert params["batch_size"] == 256 and params["optimizer"] == "adam"
    clf.partial_fit(X, y)  # continues training the fitted network
    assert len(clf.history_) == len(clf.net_.history)


def test_base_is_abstract():
    try:
        NeuralClassifier()
    except TypeError as exc:
        assert "abstract" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("NeuralClassifier must not be instantiable")


def test_fit_and_partial_fit_share_one_path():
    # one partial_fit call on a fresh estimator equals a one-epoch fit without early stopping
    X, y = make_constituents(n_jets=64)
    a = MeanMaxSetClassifier(max_epochs=1, random_state=0)
    a.set_params(max_epochs=1)
    a.early_stopping = False
    a.fit(X, y)
    b = MeanMaxSetClassifier(max_epochs=1, random_state=0)
    b.partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-6)


def test_training_parameters_are_declared_once_for_every_subclass():
    from skjet.models import EnergyFlowNetworkClassifier, MLPClassifier, ParticleNetClassifier

    # the composed signature: own parameters first, then the training ones, keyword-only,
    # with the subclass's defaults where it names one (the taggers' AdamW)
    signature = inspect.signature(ParticleNetClassifier)
    assert list(signature.parameters)[:2] == ["preset", "k"]
    assert signature.parameters["optimizer"].default == "adamw"
    assert inspect.signature(MLPClassifier).parameters["optimizer"].default == "adam"
    assert set(inspect.signature(MLPClassifier).parameters) >= set(TRAINING_PARAMETERS)
    # a parent's architecture parameters are not inherited (the EFN has no pooling)
    assert "pooling" not in inspect.signature(EnergyFlowNetworkClassifier).parameters
    assert "pooling" not in EnergyFlowNetworkClassifier().get_params()
    # the docstring entries carry each class's default
    optimizer_doc = 'optimizer : {"adam", "adamw", "sgd"} or torch.optim.Optimizer class'
    assert f'{optimizer_doc}, default="adamw"' in ParticleNetClassifier.__doc__
    assert f'{optimizer_doc}, default="adam"' in MLPClassifier.__doc__
    with pytest.raises(TypeError, match="max_epoch"):
        MLPClassifier(max_epoch=3)  # a misspelt training parameter is refused
    clf = MeanMaxSetClassifier(gradient_clip=1.0, optimizer="sgd")
    assert (clf.gradient_clip, clf.optimizer, clf.bucketing) == (1.0, "sgd", True)
    restored = pickle.loads(pickle.dumps(clone(clf)))
    assert restored.get_params() == clf.get_params()


def test_only_the_trainer_imports_skorch():
    """The estimators reach skorch through the trainer; its private API through the fence."""
    root = Path(inspect.getfile(NeuralClassifier)).parent
    uses_skorch = {
        path.name
        for path in root.glob("*.py")
        if re.search(r"^\s*(from|import) skorch\b", path.read_text(), re.MULTILINE)
    }
    # DisCo's per-epoch distance correlation is a skorch callback
    assert {"_training.py", "_skorch_compat.py"} <= uses_skorch
    assert uses_skorch <= {"_training.py", "_skorch_compat.py", "_decorrelation.py"}
    private = re.compile(r"\._(zero_grad_optimizer|set_training|default_callbacks)\b")
    outside = [p.name for p in root.glob("*.py") if p.name != "_skorch_compat.py"
               and private.search(p.read_text())]
    assert not outside, f"skorch's private API used outside _skorch_compat: {outside}"


def test_built_in_classifiers_use_the_public_hooks_only():
    """A user's subclass can do what the built-in ones do: they override no private method
    of the base (input checks, the constituent selection and the particle features go
    through validate_input and module_)."""
    import skjet.models._neural as neural

    private = {
        name for cls in NeuralClassifier.__mro__ for name in vars(cls)
        if name.startswith("_") and not name.startswith("__")
        and callable(getattr(NeuralClassifier, name, None))
    }
    overridden = {
        (cls.__name__, name)
        for cls in map(vars(neural).get, neural.__all__)
        if isinstance(cls, type) and issubclass(cls, NeuralClassifier)
        for klass in cls.__mro__[: cls.__mro__.index(NeuralClassifier)]
        for name in vars(klass) if name in private
    }
    assert not overridden, sorted(overridden)
