"""ParticleNet and the Particle Transformer: weaver-core's reference modules as estimators.

weaver-core (the ``taggers`` extra) is imported when a network is built. Everything the
published top-tagging configurations feed these models is computed per batch, on the
training device, by :class:`ParticleFeatures` inside ``module_``: one torch module maps
raw zero-padded (E, px, py, pz[, extra...]) constituents to logits.
"""

from __future__ import annotations

import importlib
import importlib.util
from numbers import Integral, Real

import numpy as np
import torch
from torch import nn

from ...utils._layers import HardestConstituents, _norm2, relative_coordinates
from ...utils._optional import import_optional
from ...utils._sklearn_compat import HasMethods, Interval, StrOptions, _fit_context
from ._base import NeuralClassifier
from ._constituents import ConstituentNeuralClassifier
from ._modules import check_sizes
from ._particlenet_inference import particlenet_body

# The published standardisation of the top-tagging configurations of ParticleNet and
# ParT: (value - centre) * scale, clipped to [-5, 5]; deta and dphi enter unscaled.
_STANDARDISATION = (
    ("log pT", 1.7, 0.7),
    ("log E", 2.0, 0.7),
    ("log pT/pT_jet", -4.7, 0.7),
    ("log E/E_jet", -4.7, 0.7),
    ("Delta R", 0.2, 4.0),
)
N_KINEMATIC_FEATURES = 7


def _weaver_model(name: str, estimator_name: str):
    """``weaver.nn.model.<name>``, or an ImportError naming the ``taggers`` extra."""
    import_optional("weaver", purpose=estimator_name)
    return importlib.import_module(f"weaver.nn.model.{name}")


def _require_weaver(estimator) -> None:
    # cheap check at construction; the modules are imported when the network is built
    if importlib.util.find_spec("weaver") is None:
        import_optional("weaver", purpose=type(estimator).__name__)


class ParticleFeatures(nn.Module):
    """The inputs of ParticleNet and ParT from zero-padded (E, px, py, pz[, extra]) rows.

    ``forward(x)`` with ``x`` of shape (batch, n_constituents, 4 + n_extra) returns
    ``points`` (batch, 2, P): (deta, dphi); ``features`` (batch, 7 + n_extra, P): log pT,
    log E, log pT/pT_jet, log E/E_jet, Delta R (standardised and clipped as published),
    deta, dphi, then the extra features unchanged; ``vectors`` (batch, 4, P):
    (px, py, pz, E); ``mask`` (batch, 1, P) bool, True for real constituents. deta is
    the pseudorapidity difference to the jet axis times the sign of the jet's
    pseudorapidity, dphi the azimuth difference. Padding rows get zeros everywhere. A jet
    without constituents gets one zero "constituent" unmasked so that attention and
    pooling stay finite (with the four-vector of a 1 GeV massless particle along x, so that
    the pairwise features are finite too). ``max_constituents``: only the hardest ones of
    every jet are used (:class:`HardestConstituents`; None: all). ``min_length`` then pads
    the constituent axis (ParticleNet's k nearest neighbours need k + 1 points).
    """

    def __init__(self, min_length: int = 1, eps: float = 1e-8,
                 max_constituents: int | None = None):
        super().__init__()
        self.min_length = int(min_length)
        self.eps = eps
        self.hardest = None if max_constituents is None else HardestConstituents(max_constituents)

    def forward(self, x: torch.Tensor):
        if self.hardest is not None:
            x = self.hardest(x)
        if x.shape[1] < self.min_length:
            x = nn.functional.pad(x, (0, 0, 0, self.min_length - x.shape[1]))
        mask = x.ne(0).any(dim=-1)
        kin = relative_coordinates(x, self.eps)
        sign = torch.where(kin["jet_eta"] < 0, -1.0, 1.0).to(x.dtype)
        deta = kin["deta"] * sign[:, None]
        dphi = kin["dphi"]
        log_pt = torch.log(kin["pt"].clamp(min=self.eps))
        log_e = torch.log(kin["E"].clamp(min=self.eps))
        raw = (
            log_pt,
            log_e,
            log_pt - torch.log(kin["jet_pt"].clamp(min=self.eps))[:, None],
            log_e - torch.log(kin["jet_E"].clamp(min=self.eps))[:, None],
            _norm2(deta, dphi),
        )
        scaled = [
            ((value - centre) * scale).clamp(-5.0, 5.0)
            for value, (_, centre, scale) in zip(raw, _STANDARDISATION)
        ]
        # where(), not a product with the mask: a padding row's angles may be NaN in ONNX
        # runtimes (atan2(0, 0)), and NaN * 0 is NaN
        keep = mask[:, None, :]
        zero = torch.zeros((), dtype=x.dtype, device=x.device)
        features = torch.cat(
            [torch.stack([*scaled, deta, dphi], dim=1), x[..., 4:].transpose(1, 2)], dim=1
        )
        features = torch.where(keep, features, zero)
        points = torch.where(keep, torch.stack([deta, dphi], dim=1), zero)
        vectors = torch.where(keep, x[..., [1, 2, 3, 0]].transpose(1, 2), zero)
        empty = ~mask.any(dim=1, keepdim=True)
        first = torch.zeros_like(mask)
        first[:, 0] = True
        stand_in = empty & first
        # its four-vector is a 1 GeV massless particle along x rather than zero, whose
        # azimuth atan2(0, 0) is NaN in ONNX runtimes
        unit = torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=x.dtype, device=x.device)
        vectors = torch.where(stand_in[:, None, :], unit[None, :, None], vectors)
        return points, features, vectors, (mask | stand_in)[:, None, :]


class ParticleNetModule(nn.Module):
    """:class:`ParticleFeatures` followed by weaver-core's ``ParticleNet``; returns logits."""

    def __init__(self, n_features, n_classes, k, conv_channels, fc_size, fc_dropout,
                 max_constituents=None):
        super().__init__()
        weaver = _weaver_model("ParticleNet", "ParticleNetClassifier")
        self.features = ParticleFeatures(min_length=k + 1, max_constituents=max_constituents)
        self.net = weaver.ParticleNet(
            input_dims=N_KINEMATIC_FEATURES + n_features - 4,
            num_classes=n_classes,
            conv_params=[(k, tuple(c)) for c in conv_channels],
            fc_params=[(fc_size, fc_dropout)],
            use_fusion=True,
            use_fts_bn=True,
            use_counts=True,
            trim=False,  # skjet trims every batch to its longest jet
            for_inference=False,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        points, features, _, mask = self.features(x)
        # weaver's forward, or in evaluation without gradients the same, computed faster
        return particlenet_body(self.net, points, features, mask)


class ParticleTransformerModule(nn.Module):
    """:class:`ParticleFeatures` followed by weaver-core's ``ParticleTransformer``, with
    the pairwise features (ln Delta, ln kT, ln z, ln m^2) from the four-vectors; returns
    logits."""

    def __init__(
        self,
        n_features,
        n_classes,
        embed_dims,
        pair_embed_dims,
        num_heads,
        num_layers,
        num_cls_layers,
        dropout,
        max_constituents=None,
    ):
        super().__init__()
        weaver = _weaver_model("ParticleTransformer", "ParticleTransformerClassifier")
        self.features = ParticleFeatures(max_constituents=max_constituents)
        block = dict(dropout=dropout, attn_dropout=dropout, activation_dropout=dropout)
        self.net = weaver.ParticleTransformer(
            input_dim=N_KINEMATIC_FEATURES + n_features - 4,
            num_classes=n_classes,
            pair_input_dim=4,
            embed_dims=tuple(embed_dims),
            pair_embed_dims=tuple(pair_embed_dims),
            num_heads=num_heads,
            num_layers=num_layers,
            num_cls_layers=num_cls_layers,
            block_params=block,
            fc_params=[],
            activation="gelu",
            trim=False,  # skjet trims every batch to its longest jet
            for_inference=False,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, features, vectors, mask = self.features(x)
        return self.net(features, v=vectors, mask=mask)


_TAGGER_PARAMS_DOC = """\
    max_constituents : int, default=128
        Constituents per jet the network sees; jets with more keep the hardest (highest
        pT) ones, chosen per batch by the first layer of ``module_`` (so the exported
        ONNX graph chooses them alike)."""

_PRETRAINED_DOC = """\
    pretrained : str, PretrainedModel or None, default=None
        Start from a pretrained network: a name of ``skjet.models.PRETRAINED_MODELS``
        (``"ParticleNet-JetClass-kin"``, ``"-kinpid"``, ``"-full"``: ParticleNet trained on
        the 100M JetClass jets) or a :class:`~skjet.models.PretrainedModel` describing a
        checkpoint of your own (see :func:`~skjet.models.load_pretrained` for where files are
        found). The architecture and the input features follow the checkpoint: ``preset``
        and the size parameters must stay unset, and X must hold exactly the extra
        per-particle features it reads, in its order. ``fit`` replaces the last layer by one
        for your classes and trains the whole network (fine-tuning).
    zero_shot : dict or None, default=None
        With ``pretrained``: no training. ``{your class: checkpoint class or list of
        them}``, e.g. ``{"top": "Tbqq", "qcd": "QCD"}``; the probability of a class is the
        summed probability of its checkpoint classes renormalised over all mapped ones
        (P(Tbqq) / (P(Tbqq) + P(QCD)) for top). ``fit`` only checks that y holds these
        classes.
    body_lr_scale : float, default=0.1
        Fine-tuning: the pretrained layers learn at ``body_lr_scale * lr``, the new last
        layer at ``lr``.
    freeze_body : bool, default=False
        Fine-tuning: train the new last layer only. The pretrained layers' batch
        normalisation always keeps the checkpoint's statistics.
    head_init : dict or None, default=None
        Fine-tuning: ``{your class: checkpoint class}`` for every class of the fit, e.g.
        ``{"top": "Tbqq", "qcd": "QCD"}``: the new last layer starts as those outputs of
        the checkpoint's, so training starts from the zero-shot tagger. None: a random
        start."""


class _TaggerClassifier(ConstituentNeuralClassifier):
    """Shared input handling, presets and recipe parameters of the weaver taggers."""

    min_features = 4
    _PRESETS: dict = {}

    _parameter_constraints: dict = {
        **NeuralClassifier._parameter_constraints,
        "preset": [StrOptions({"small", "paper"}), None],
        "max_constituents": [Interval(Integral, 1, None, closed="left")],
        # a registry name, a PretrainedModel (has with_path) or a dict of its fields
        "pretrained": [str, dict, HasMethods(["with_path"]), None],
        "zero_shot": [dict, None],
        "body_lr_scale": [Interval(Real, 0, None, closed="left")],
        "freeze_body": ["boolean"],
        "head_init": [dict, None],
    }

    def __init__(
        self,
        *,
        pretrained=None,
        zero_shot=None,
        body_lr_scale=0.1,
        freeze_body=False,
        head_init=None,
        max_constituents=128,
        optimizer="adamw",  # the papers' AdamW
        **training,
    ):
        super().__init__(optimizer=optimizer, **training)
        self.pretrained = pretrained
        self.zero_shot = zero_shot
        self.body_lr_scale = body_lr_scale
        self.freeze_body = freeze_body
        self.head_init = head_init
        self.max_constituents = max_constituents
        _require_weaver(self)

    # -- pretrained checkpoints -------------------------------------------------------------
    _ARCHITECTURE = ""

    def _pretrained_model(self):
        """The checked description of ``pretrained``, or a ValueError saying what conflicts."""
        from ._pretrained import describe_pretrained

        name = type(self).__name__
        model = describe_pretrained(self.pretrained)
        if model.architecture != self._ARCHITECTURE:
            other = "ParticleNet" if model.architecture == "ParticleNet" else "ParticleTransformer"
            raise ValueError(
                f"{name}: pretrained={model.name!r} is a {model.architecture}; use "
                f"{other}Classifier(pretrained=...)."
            )
        given = [k for k in ("preset", *self._PRESETS["small"]) if getattr(self, k) is not None]
        if given:
            raise ValueError(
                f"{name}: pretrained={model.name!r} fixes the architecture "
                f"({dict(model.config)}); the size parameters {given} conflict with it. Leave "
                "preset and the size parameters unset with a pretrained network."
            )
        return model

    def validate_input(self, X, *, reset):
        X = super().validate_input(X, reset=reset)
        if reset and self.pretrained is not None:
            model = self._pretrained_model()
            expected = list(model.extra_features)
            n_extra = X.shape[2] - 4
            if n_extra != len(expected):
                missing = expected[n_extra:] if n_extra < len(expected) else []
                reads = (
                    f"reads {len(expected)} per-particle features after (E, px, py, pz), in "
                    f"this order: {', '.join(expected)}" if expected
                    else "reads the four-momentum (E, px, py, pz) only"
                )
                problem = (
                    f"missing: {', '.join(missing)}" if missing
                    else f"{n_extra - len(expected)} more than it reads; pass "
                    f"X[..., :{4 + len(expected)}] if the first ones are these"
                )
                raise ValueError(
                    f"{type(self).__name__}: pretrained={model.name!r} {reads}; X has "
                    f"{X.shape[2]} features per constituent ({problem})."
                )
        return X

    def _build_pretrained(self, n_classes: int):
        """The checkpoint's network with a new head of ``n_classes`` outputs (fine-tuning)."""
        from ._pretrained import load_pretrained

        model = self._pretrained_model()
        rows = None
        if self.head_init is not None:
            rows = [list(model.class_names).index(self.head_init[k])
                    for k in _sorted_keys(self.head_init)]
        module = load_pretrained(model, max_constituents=self.max_constituents).replace_head(
            n_classes, freeze_body=self.freeze_body, init_rows=rows
        )
        self.config_ = {"pretrained": model.name, **dict(model.config)}
        return module

    def optimizer_param_groups(self) -> list | None:
        if self.pretrained is not None and self.zero_shot is None and not self.freeze_body:
            # the pretrained body ("net.*") learns at body_lr_scale * lr, the new head at lr;
            # a schedule scales both groups alike
            return [("net.*", {"lr": self.lr * self.body_lr_scale})]
        return None

    def _check_head_init(self, y, classes) -> None:
        """``head_init`` maps every class of the fit onto one class of the checkpoint."""
        name = type(self).__name__
        if self.pretrained is None or self.zero_shot is not None:
            raise ValueError(
                f"{name}: head_init starts the new last layer of a fine-tuned pretrained "
                "network from the checkpoint's; set pretrained (and no zero_shot)."
            )
        model = self._pretrained_model()
        keys = _sorted_keys(self.head_init)
        for key in keys:
            target = self.head_init[key]
            if not isinstance(target, str) or target not in model.class_names:
                raise ValueError(
                    f"{name}: head_init[{key!r}] = {target!r} is not one class of "
                    f"{model.name!r}: {list(model.class_names)}."
                )
        labels = np.unique(np.asarray(classes if classes is not None else y))
        if labels.tolist() != keys:
            raise ValueError(
                f"{name}: head_init maps the classes {keys}, but the fit has the classes "
                f"{labels.tolist()}; map each of them."
            )

    # fit and partial_fit: a zero-shot tagger only checks the labels; a new head started
    # from the checkpoint's (head_init) is checked before a network is built
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, decorrelation_target=None):
        if self.zero_shot is not None:
            return self._fit_zero_shot(X, y, sample_weight, None)
        if self.head_init is not None and not (self.warm_start and hasattr(self, "net_")):
            self._check_head_init(y, None)
        return super().fit(X, y, sample_weight=sample_weight,
                           decorrelation_target=decorrelation_target)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None, decorrelation_target=None):
        if self.zero_shot is not None:
            return self._fit_zero_shot(X, y, sample_weight, classes)
        if self.head_init is not None and not hasattr(self, "net_"):
            self._check_head_init(y, classes)
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight,
                                   decorrelation_target=decorrelation_target)

    fit.__doc__ = NeuralClassifier.fit.__doc__
    partial_fit.__doc__ = NeuralClassifier.partial_fit.__doc__

    def _fit_zero_shot(self, X, y, sample_weight, classes):
        """No training: check the labels against ``zero_shot`` and build the network whose
        logits are the checkpoint's, grouped onto the user's classes."""
        from sklearn.utils.multiclass import check_classification_targets

        from ...utils._classes import encode_labels
        from .._validation import check_classifier_weights
        from ._pretrained import ZeroShotHead, load_pretrained
        from ._training import Trainer

        name = type(self).__name__
        if self.pretrained is None:
            raise ValueError(
                f"{name}: zero_shot maps the classes of a pretrained network onto yours; "
                "set pretrained as well."
            )
        if self.decorrelation is not None:
            raise ValueError(
                f"{name}: a zero-shot tagger is not trained, so decorrelation="
                f"{self.decorrelation!r} cannot act on it; fine-tune (zero_shot=None) to "
                "decorrelate, or decorrelate its score afterwards (DesignedDecorrelatedTagger)."
            )
        model = self._pretrained_model()
        keys = np.unique(np.asarray(list(self.zero_shot)))
        groups, seen = [], {}
        for key in keys:
            targets = self.zero_shot[key.item() if hasattr(key, "item") else key]
            targets = [targets] if isinstance(targets, str) else list(targets)
            unknown = [t for t in targets if t not in model.class_names]
            if unknown or not targets:
                raise ValueError(
                    f"{name}: zero_shot[{key!r}] = {targets!r}: {unknown or 'no classes'}; "
                    f"the classes of {model.name!r} are {list(model.class_names)}."
                )
            for t in targets:
                if t in seen:
                    raise ValueError(
                        f"{name}: zero_shot maps {t!r} onto both {seen[t]!r} and {key!r}."
                    )
                seen[t] = key
            groups.append([list(model.class_names).index(t) for t in targets])
        if len(keys) < 2:
            raise ValueError(f"{name}: zero_shot needs at least 2 classes, got {self.zero_shot!r}.")
        if classes is not None and not np.array_equal(np.unique(classes), keys):
            raise ValueError(
                f"{name}: classes={list(classes)} differ from the classes of zero_shot, "
                f"{keys.tolist()}."
            )
        X, y = self._validate_X_y(X, y, reset=True)
        check_classification_targets(y)
        encode_labels(y, keys, estimator=self, known="in zero_shot")
        check_classifier_weights(sample_weight, X, self)
        trainer = Trainer(self)
        trainer.device()  # a bad device fails before the checkpoint is read
        module = load_pretrained(model, max_constituents=self.max_constituents)
        module.head = ZeroShotHead(groups)
        self.config_ = {"pretrained": model.name, "zero_shot": dict(self.zero_shot),
                        **dict(model.config)}
        self.classes_ = keys
        self.net_ = trainer.untrained_net(module.eval(), len(keys))
        self.net_.module_.eval()
        return self

    def _config(self) -> dict:
        """The preset's sizes with every parameter that is not None put over them."""
        config = dict(self._PRESETS[self.preset or "small"])
        for key in config:
            value = getattr(self, key)
            if value is not None:
                config[key] = value
        return config


def _sorted_keys(mapping: dict) -> list:
    """The keys of a class mapping in the order of ``classes_`` (sorted)."""
    return np.unique(np.asarray(list(mapping))).tolist()


class ParticleNetClassifier(_TaggerClassifier):
    __doc__ = f"""ParticleNet (Qu and Gouskos, 2020) on constituents, weaver-core's module.

    Takes the standard zero-padded, pT-sorted constituents (n_jets, n_constituents, 4) of
    (E, px, py, pz), optionally followed on the last axis by extra per-particle features
    (charge, particle-ID flags, ...) that are appended, unscaled, to the kinematic ones.
    Per batch and on the training device the network computes what the published
    top-tagging configuration feeds ParticleNet: the 7 particle features (deta, dphi,
    log pT, log E, log pT/pT_jet, log E/E_jet, Delta R) with the published
    standardisation and clipping, the (deta, dphi) coordinates of the first k-nearest-
    neighbour graph, and the padding mask. ``module_`` maps the raw constituents to logits.
    Needs the ``taggers`` extra (``pip install "skjet[taggers]"``).

    Parameters
    ----------
    preset : {{"small", "paper"}} or None, default=None
        None is "small" (or the checkpoint's sizes with ``pretrained``).
        "paper": the published top-tagging ParticleNet (k=16, EdgeConv channels
        (64, 64, 64), (128, 128, 128), (256, 256, 256), a 256-unit dense layer with dropout
        0.1). "small": ParticleNet-Lite (k=7, channels (32, 32, 32), (64, 64, 64), 128
        units, dropout 0.1), which trains 10k jets for a few epochs on a laptop CPU in
        minutes. The size parameters below override the preset.
    k : int, default=None
        Nearest neighbours of every EdgeConv block.
    conv_channels : tuple of tuple of int, default=None
        Channels of the EdgeConv blocks, one tuple per block.
    fc_size : int, default=None
        Units of the dense layer.
    fc_dropout : float, default=None
        Dropout after the dense layer.
{_PRETRAINED_DOC}
{_TAGGER_PARAMS_DOC}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        Features per constituent (4 plus the extra ones).
    config_ : dict
        The sizes used: the preset with the parameters that override it.
    net_ : skorch.NeuralNetClassifier
    module_ : torch.nn.Module
        Feature computation and weaver's ``ParticleNet``: raw constituents to logits.
    history_ : pandas.DataFrame
        One row per epoch (see :class:`NeuralClassifier`).

    Examples
    --------
    >>> from skjet.models import ParticleNetClassifier
    >>> from skjet.utils.estimator_checks import make_constituents
    >>> X, y = make_constituents(n_jets=40)
    >>> clf = ParticleNetClassifier(k=4, conv_channels=((8, 8),), fc_size=8, max_epochs=1,
    ...                             random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (40, 2)
    """

    _ARCHITECTURE = "ParticleNet"
    _PRESETS = {
        "small": dict(k=7, conv_channels=((32, 32, 32), (64, 64, 64)), fc_size=128,
                      fc_dropout=0.1),
        "paper": dict(k=16, conv_channels=((64, 64, 64), (128, 128, 128), (256, 256, 256)),
                      fc_size=256, fc_dropout=0.1),
    }

    _parameter_constraints: dict = {
        **_TaggerClassifier._parameter_constraints,
        "k": [Interval(Integral, 1, None, closed="left"), None],
        "conv_channels": ["array-like", None],
        "fc_size": [Interval(Integral, 1, None, closed="left"), None],
        "fc_dropout": [Interval(Real, 0, 1, closed="left"), None],
    }

    def __init__(
        self,
        preset=None,
        *,
        k=None,
        conv_channels=None,
        fc_size=None,
        fc_dropout=None,
        **training,
    ):
        super().__init__(**training)
        self.preset = preset
        self.k = k
        self.conv_channels = conv_channels
        self.fc_size = fc_size
        self.fc_dropout = fc_dropout

    def build_module(self, X, n_classes):
        if self.pretrained is not None:
            return self._build_pretrained(n_classes)
        config = self._config()
        channels = config["conv_channels"]
        try:
            channels = tuple(check_sizes(c, "conv_channels", allow_empty=False) for c in channels)
        except TypeError:
            channels = ()
        if not channels:
            raise ValueError(
                f"{type(self).__name__}: conv_channels must be a non-empty tuple of tuples of "
                f"positive ints, one per EdgeConv block, got {self.conv_channels!r}."
            )
        config["conv_channels"] = channels
        self.config_ = config
        return ParticleNetModule(X.shape[2], n_classes, **config,
                                 max_constituents=self.max_constituents)


class ParticleTransformerClassifier(_TaggerClassifier):
    __doc__ = f"""Particle Transformer, ParT (Qu, Li and Qian, 2022), weaver-core's module.

    Takes the standard zero-padded, pT-sorted constituents (n_jets, n_constituents, 4) of
    (E, px, py, pz), optionally followed on the last axis by extra per-particle features
    (charge, particle-ID flags, ...) that are appended, unscaled, to the kinematic ones.
    Per batch and on the training device the network computes what the published
    top-tagging configuration feeds ParT: the 7 particle features (deta, dphi, log pT,
    log E, log pT/pT_jet, log E/E_jet, Delta R) with the published standardisation and
    clipping, the four-vectors (px, py, pz, E) from which weaver computes the pairwise
    features (ln Delta, ln kT, ln z, ln m^2) that bias the attention, and the padding
    mask. ``module_`` maps the raw constituents to logits. Needs the ``taggers`` extra
    (``pip install "skjet[taggers]"``).

    The papers' recipe is reachable by parameters: ``optimizer="adamw"`` (the default
    here) with ``optimizer_params={{"weight_decay": 0.01}}``, ``lr_schedule="flat_decay"``
    or ``"warmup_cosine"``, ``gradient_clip`` and ``mixed_precision`` on CUDA.

    Parameters
    ----------
    preset : {{"small", "paper"}} or None, default=None
        None is "small" (or the checkpoint's sizes with ``pretrained``).
        "paper": the published top-tagging ParT (particle embedding (128, 512, 128), pair
        embedding (64, 64, 64), 8 heads, 8 particle-attention and 2 class-attention
        blocks, dropout 0.1). "small": embedding (64, 64), pair embedding (32, 32), 4
        heads, 2 particle-attention blocks and 1 class-attention block, dropout 0.1, for a
        CPU. The size parameters below override the preset.
    embed_dims : tuple of int, default=None
        Widths of the particle embedding; the last one is the attention width.
    pair_embed_dims : tuple of int, default=None
        Widths of the pairwise-feature embedding.
    num_heads : int, default=None
        Attention heads; must divide ``embed_dims[-1]``.
    num_layers : int, default=None
        Particle-attention blocks.
    num_cls_layers : int, default=None
        Class-attention blocks.
    dropout : float, default=None
        Dropout in the particle-attention blocks.
{_PRETRAINED_DOC}
{_TAGGER_PARAMS_DOC}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        Features per constituent (4 plus the extra ones).
    config_ : dict
        The sizes used: the preset with the parameters that override it.
    net_ : skorch.NeuralNetClassifier
    module_ : torch.nn.Module
        Feature computation and weaver's ``ParticleTransformer``: raw constituents to
        logits.
    history_ : pandas.DataFrame
        One row per epoch (see :class:`NeuralClassifier`).

    Examples
    --------
    >>> from skjet.models import ParticleTransformerClassifier
    >>> from skjet.utils.estimator_checks import make_constituents
    >>> X, y = make_constituents(n_jets=40)
    >>> clf = ParticleTransformerClassifier(embed_dims=(8,), pair_embed_dims=(4,),
    ...     num_heads=2, num_layers=1, max_epochs=1, random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (40, 2)
    """

    _ARCHITECTURE = "ParticleTransformer"
    _PRESETS = {
        "small": dict(embed_dims=(64, 64), pair_embed_dims=(32, 32), num_heads=4,
                      num_layers=2, num_cls_layers=1, dropout=0.1),
        "paper": dict(embed_dims=(128, 512, 128), pair_embed_dims=(64, 64, 64), num_heads=8,
                      num_layers=8, num_cls_layers=2, dropout=0.1),
    }

    _parameter_constraints: dict = {
        **_TaggerClassifier._parameter_constraints,
        "embed_dims": [Interval(Integral, 1, None, closed="left"), "array-like", None],
        "pair_embed_dims": [Interval(Integral, 1, None, closed="left"), "array-like", None],
        "num_heads": [Interval(Integral, 1, None, closed="left"), None],
        "num_layers": [Interval(Integral, 0, None, closed="left"), None],
        "num_cls_layers": [Interval(Integral, 1, None, closed="left"), None],
        "dropout": [Interval(Real, 0, 1, closed="left"), None],
    }

    def __init__(
        self,
        preset=None,
        *,
        embed_dims=None,
        pair_embed_dims=None,
        num_heads=None,
        num_layers=None,
        num_cls_layers=None,
        dropout=None,
        **training,
    ):
        super().__init__(**training)
        self.preset = preset
        self.embed_dims = embed_dims
        self.pair_embed_dims = pair_embed_dims
        self.num_heads = num_heads
        self.num_layers = num_layers
        self.num_cls_layers = num_cls_layers
        self.dropout = dropout

    def build_module(self, X, n_classes):
        if self.pretrained is not None:
            return self._build_pretrained(n_classes)
        config = self._config()
        config["embed_dims"] = check_sizes(config["embed_dims"], "embed_dims", allow_empty=False)
        config["pair_embed_dims"] = check_sizes(
            config["pair_embed_dims"], "pair_embed_dims", allow_empty=False
        )
        if config["embed_dims"][-1] % config["num_heads"]:
            raise ValueError(
                f"{type(self).__name__}: num_heads={config['num_heads']} must divide the "
                f"attention width embed_dims[-1]={config['embed_dims'][-1]}."
            )
        self.config_ = config
        return ParticleTransformerModule(X.shape[2], n_classes, **config,
                                         max_constituents=self.max_constituents)
