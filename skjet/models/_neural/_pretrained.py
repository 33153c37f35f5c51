"""Pretrained taggers: a registry of named checkpoints and the one loader behind them.

A checkpoint is a ``state_dict`` of weaver-core's ``ParticleNet`` or ``ParticleTransformer``
plus a :class:`PretrainedModel` that says how to rebuild it: the architecture's keyword
arguments, the per-particle input features in the network's order, and the class names.
The published JetClass ParticleNet checkpoints are registered by name; a user's own
checkpoint loads through the same path with a description of its own.

Files are found, in order: the description's ``path``; ``$SKJET_PRETRAINED_DIR/<filename>``;
``<skjet data home>/pretrained/<filename>``; else downloaded there from the description's
URL (the checksummed, atomic downloader of :mod:`skjet.datasets`). Every file with a
registered sha256 is hashed before it is read, and the weights go into a freshly built
module with ``strict=True``: a wrong or damaged file is refused whole.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ...datasets._detector import PARTICLE_FEATURES
from ._particlenet_inference import particlenet_body
from ._taggers import N_KINEMATIC_FEATURES, ParticleFeatures, _weaver_model

# The features ParticleFeatures computes, in its output order: the five standardised ones
# (see _taggers._STANDARDISATION), then deta, dphi; extra input channels follow.
KINEMATIC_FEATURES = ("log_pt", "log_e", "log_pt_rel", "log_e_rel", "delta_r", "deta", "dphi")
assert len(KINEMATIC_FEATURES) == N_KINEMATIC_FEATURES

ENV_DIR = "SKJET_PRETRAINED_DIR"

# The ten JetClass classes in the checkpoints' output order.
JETCLASS_CLASSES = ("QCD", "Hbb", "Hcc", "Hgg", "H4q", "Hqql", "Zqq", "Wqq", "Tbqq", "Tbl")
# JetClass's particle-identification channels, in the order of its configurations: the
# extra channels that generate_jets(..., particle_id=True) appends.
JETCLASS_PID = PARTICLE_FEATURES
JETCLASS_TRACKS = ("d0val", "d0err", "dzval", "dzerr")

_UPSTREAM = (
    "https://raw.githubusercontent.com/jet-universe/particle_transformer/"
    "2925bdb249e8ef78560cc2b9b651eda3615da8c7/models/"
)
_JETCLASS_PARTICLENET = dict(
    conv_params=[(16, (64, 64, 64)), (16, (128, 128, 128)), (16, (256, 256, 256))],
    fc_params=[(256, 0.1)],
    use_fusion=False,
    use_fts_bn=True,
    use_counts=True,
)
_SCALED = KINEMATIC_FEATURES[:5]
_ANGLES = KINEMATIC_FEATURES[5:]


@dataclasses.dataclass(frozen=True)
class PretrainedModel:
    """How to rebuild a pretrained tagger from its ``state_dict``.

    Parameters
    ----------
    name : str
        A name for messages (the registry key for registered checkpoints).
    architecture : {"ParticleNet", "ParticleTransformer"}
        The weaver-core module.
    config : dict
        Its keyword arguments other than the input width and ``num_classes`` (for example
        ``conv_params``, ``fc_params``, ``use_fusion`` for ParticleNet; ``embed_dims``,
        ``pair_embed_dims``, ``num_heads``, ... for ParT, whose pairwise features are always
        the four of weaver, ``pair_input_dim=4``).
    class_names : sequence of str
        The network's outputs, in order.
    extra_features : sequence of str, default=()
        Per-particle channels the input has after (E, px, py, pz), in order.
    features : sequence of str, default=None
        The network's particle features in its input order: names from
        ``KINEMATIC_FEATURES`` (``log_pt``, ``log_e``, ``log_pt_rel``, ``log_e_rel``,
        ``delta_r`` standardised as published, ``deta``, ``dphi``) and from
        ``extra_features``. None: the kinematic ones, then the extra ones (the order of
        skjet's own ParticleNet and ParT).
    transforms : dict, default=None
        ``{extra feature: "tanh" or (low, high)}``: applied to that channel before it enters
        the network (a clip for a pair).
    path : path-like, default=None
        A local copy of the file; it wins over every other location.
    filename, url, sha256 : str, default=None
        The file's name in the search folders, where to download it, and its SHA-256. A
        file with a known hash is refused when its hash differs.
    key_prefix : str, default=None
        Prefix of the ``state_dict`` keys before the weaver module's own names (weaver's
        training wrappers store ``"mod."``). None strips ``"mod."`` or ``"module."`` when
        every key has it.
    description : str, default=""
        What the network was trained on, and its licence.

    Examples
    --------
    >>> from skjet.models import PRETRAINED_MODELS
    >>> PRETRAINED_MODELS["ParticleNet-JetClass-kinpid"].extra_features[:2]
    ('charge', 'is_charged_hadron')
    """

    name: str
    architecture: str
    config: Mapping[str, Any]
    class_names: Sequence[str]
    extra_features: Sequence[str] = ()
    features: Sequence[str] | None = None
    transforms: Mapping[str, Any] | None = None
    path: str | os.PathLike | None = None
    filename: str | None = None
    url: str | None = None
    sha256: str | None = None
    key_prefix: str | None = None
    description: str = ""

    def with_path(self, path: str | os.PathLike) -> PretrainedModel:
        """The same description, read from a local file."""
        return dataclasses.replace(self, path=path)

    @property
    def input_features(self) -> tuple[str, ...]:
        """The network's particle features, in its input order."""
        if self.features is None:
            return KINEMATIC_FEATURES + tuple(self.extra_features)
        return tuple(self.features)

    def check(self) -> PretrainedModel:
        """Raise a ValueError naming what is inconsistent in the description."""
        where = f"pretrained model {self.name!r}"
        if self.architecture not in ("ParticleNet", "ParticleTransformer"):
            raise ValueError(
                f"{where}: architecture must be 'ParticleNet' or 'ParticleTransformer', got "
                f"{self.architecture!r}."
            )
        names = KINEMATIC_FEATURES + tuple(self.extra_features)
        unknown = [f for f in self.input_features if f not in names]
        if unknown:
            raise ValueError(
                f"{where}: features {unknown} are neither kinematic ({list(KINEMATIC_FEATURES)}) "
                f"nor extra input channels ({list(self.extra_features)})."
            )
        for name, transform in (self.transforms or {}).items():
            if name not in self.extra_features:
                raise ValueError(
                    f"{where}: transforms apply to extra features only; {name!r} is not one of "
                    f"{list(self.extra_features)}."
                )
            if transform != "tanh" and not (
                isinstance(transform, Sequence) and len(transform) == 2
            ):
                raise ValueError(
                    f"{where}: the transform of {name!r} must be 'tanh' or a (low, high) clip, "
                    f"got {transform!r}."
                )
        if len(self.class_names) < 2:
            raise ValueError(f"{where}: needs at least 2 class names, got {self.class_names!r}.")
        return self


def _jetclass(flavour: str, extra: tuple, sha256: str, transforms=None) -> PretrainedModel:
    return PretrainedModel(
        name=f"ParticleNet-JetClass-{flavour}",
        architecture="ParticleNet",
        config=_JETCLASS_PARTICLENET,
        class_names=JETCLASS_CLASSES,
        extra_features=extra,
        features=_SCALED + extra + _ANGLES,
        transforms=transforms,
        filename=f"ParticleNet_{flavour}.pt",
        url=_UPSTREAM + f"ParticleNet_{flavour}.pt",
        sha256=sha256,
        key_prefix="mod.",
        description=(
            "ParticleNet trained on the 100M-jet JetClass set (Delphes; Qu, Li, Qian 2022), "
            "published by the Particle Transformer authors under the MIT licence."
        ),
    )


PRETRAINED_MODELS: dict[str, PretrainedModel] = {
    m.name: m
    for m in (
        _jetclass("kin", (), "73aff244c657db0f7b62abe9ad13ec007c17cf10057ff1ad54c320f3bd4a4f26"),
        _jetclass(
            "kinpid",
            JETCLASS_PID,
            "f56876afb26a7f0782407fc4fde2502ac23656b47a970ad912e58502a0b8839b",
        ),
        _jetclass(
            "full",
            JETCLASS_PID + JETCLASS_TRACKS,
            "375b81543769f4a0bd2de9818c5885a04c735b5462a64dcadc2a088edaf3d1d2",
            # as JetClass's configuration: tanh of the impact parameters, errors in [0, 1]
            transforms={"d0val": "tanh", "dzval": "tanh", "d0err": (0.0, 1.0),
                        "dzerr": (0.0, 1.0)},
        ),
    )
}


def describe_pretrained(pretrained) -> PretrainedModel:
    """The :class:`PretrainedModel` of a registry name or a description (checked)."""
    if isinstance(pretrained, PretrainedModel):
        return pretrained.check()
    if isinstance(pretrained, Mapping):
        return PretrainedModel(**pretrained).check()
    if isinstance(pretrained, str) and pretrained in PRETRAINED_MODELS:
        return PRETRAINED_MODELS[pretrained]
    raise ValueError(
        f"pretrained={pretrained!r} is not a registered checkpoint ({sorted(PRETRAINED_MODELS)}) "
        "nor a skjet.models.PretrainedModel describing a file of your own."
    )


# -- finding and checking the file ----------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _locate(model: PretrainedModel, data_home) -> Path:
    """The file of ``model``: its path, the environment folder, the cache, or a download."""
    if model.path is not None:
        path = Path(model.path).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"pretrained model {model.name!r}: no file at {path}.")
        return path
    if model.filename is None:
        raise ValueError(
            f"pretrained model {model.name!r} has neither a path nor a filename to look for."
        )
    folder = os.environ.get(ENV_DIR)
    if folder and (Path(folder).expanduser() / model.filename).is_file():
        return Path(folder).expanduser() / model.filename
    from ...datasets._base import get_data_home
    from ...datasets._download import download

    target = get_data_home(data_home) / "pretrained" / model.filename
    if target.is_file():
        return target
    if model.url is None:
        raise FileNotFoundError(
            f"pretrained model {model.name!r}: {model.filename} is not in ${ENV_DIR} "
            f"({folder or 'unset'}) nor at {target}, and has no URL to download it from."
        )
    checksum = None if model.sha256 is None else f"sha256:{model.sha256}"
    try:
        return download(model.url, target, checksum=checksum)
    except OSError as exc:
        raise OSError(
            f"pretrained model {model.name!r}: {exc}. Without internet, put {model.filename} "
            f"into a folder named by ${ENV_DIR}, or pass PretrainedModel.with_path(<file>)."
        ) from exc


def _read_state_dict(model: PretrainedModel, path: Path) -> dict:
    if model.sha256 is not None:
        actual = _sha256(path)
        if actual != model.sha256.lower():
            raise ValueError(
                f"pretrained model {model.name!r}: {path} has SHA-256 {actual}, expected "
                f"{model.sha256}; the file is damaged or not this checkpoint. Nothing was "
                "loaded; replace the file (delete a cached copy to download it again)."
            )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for unreadable files
        raise ValueError(
            f"pretrained model {model.name!r}: cannot read {path} as a torch state_dict: {exc}"
        ) from exc
    if not isinstance(state, Mapping) or not all(
        isinstance(v, torch.Tensor) for v in state.values()
    ):
        raise ValueError(
            f"pretrained model {model.name!r}: {path} holds a {type(state).__name__}, not a "
            "state_dict (a mapping of parameter names to tensors)."
        )
    prefix = model.key_prefix
    if prefix is None:
        prefix = next((p for p in ("mod.", "module.") if all(k.startswith(p) for k in state)), "")
    if not all(k.startswith(prefix) for k in state):
        other = next(k for k in state if not k.startswith(prefix))
        raise ValueError(
            f"pretrained model {model.name!r}: {path} has key {other!r} without the prefix "
            f"{prefix!r}."
        )
    return {k[len(prefix):]: v for k, v in state.items()}


# -- the modules ----------------------------------------------------------------------------
class CheckpointFeatures(nn.Module):
    """:class:`ParticleFeatures` put into a checkpoint's feature order, with its transforms.

    Returns ``(points, features, vectors, mask)`` as :class:`ParticleFeatures` does, with
    ``features`` holding ``input_features`` of the description, in that order.
    """

    def __init__(self, model: PretrainedModel, min_length: int = 1,
                 max_constituents: int | None = None):
        super().__init__()
        self.particle_features = ParticleFeatures(
            min_length=min_length, max_constituents=max_constituents
        )
        names = KINEMATIC_FEATURES + tuple(model.extra_features)
        order = [names.index(f) for f in model.input_features]
        self.register_buffer("order", torch.tensor(order, dtype=torch.int64), persistent=False)
        transforms = dict(model.transforms or {})
        features = model.input_features
        self.tanh = [features.index(f) for f, t in transforms.items() if t == "tanh"]
        self.clip = [
            (features.index(f), float(t[0]), float(t[1]))
            for f, t in transforms.items()
            if t != "tanh"
        ]

    def forward(self, x: torch.Tensor):
        points, features, vectors, mask = self.particle_features(x)
        features = features.index_select(1, self.order)
        if self.tanh or self.clip:
            # tanh(0) = 0 and clips that contain 0 keep the padding zero
            channels = list(features.unbind(1))
            for i in self.tanh:
                channels[i] = torch.tanh(channels[i])
            for i, low, high in self.clip:
                channels[i] = channels[i].clamp(low, high)
            features = torch.stack(channels, dim=1)
        return points, features, vectors, mask


class ZeroShotHead(nn.Module):
    """Logits of the user's classes from the checkpoint's: each class's logit is the
    log-sum-exp of the logits of the checkpoint classes mapped onto it, so that its softmax
    is the sum of their probabilities renormalised over the mapped classes (for top vs QCD
    from Tbqq and QCD: P(Tbqq) / (P(Tbqq) + P(QCD)))."""

    def __init__(self, groups: Sequence[Sequence[int]]):
        super().__init__()
        self.n_groups = len(groups)
        for i, group in enumerate(groups):
            self.register_buffer(
                f"group{i}", torch.tensor(list(group), dtype=torch.int64), persistent=False
            )

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        columns = [
            torch.logsumexp(logits.index_select(1, getattr(self, f"group{i}")), dim=1)
            for i in range(self.n_groups)
        ]
        return torch.stack(columns, dim=1)


class PretrainedModule(nn.Module):
    """A checkpoint's network on raw zero-padded (E, px, py, pz[, extra]) constituents.

    ``features`` computes the checkpoint's inputs, ``net`` is the weaver module, ``head``
    maps its outputs to logits: the identity (the checkpoint's classes), a
    :class:`ZeroShotHead`, or, for fine-tuning, a new linear layer in place of the last one
    of ``net`` (:meth:`replace_head`).

    In training mode the batch-normalisation layers of ``net`` stay in evaluation mode:
    they keep normalising with the checkpoint's statistics, the ones its weights were
    trained with, rather than with the statistics of small zero-padded batches. With
    ``freeze_body``, all of ``net`` stays in evaluation mode without gradients and only
    the head trains.
    """

    def __init__(self, model: PretrainedModel, n_outputs: int | None = None,
                 max_constituents: int | None = None):
        super().__init__()
        model.check()
        self.model = model
        n_outputs = len(model.class_names) if n_outputs is None else n_outputs
        config = dict(model.config)
        input_width = len(model.input_features)
        if model.architecture == "ParticleNet":
            weaver = _weaver_model("ParticleNet", "ParticleNetClassifier")
            k = max(int(k) for k, _ in config.get("conv_params", [(7, ())]))
            self.features = CheckpointFeatures(
                model, min_length=k + 1, max_constituents=max_constituents
            )
            self.net = weaver.ParticleNet(
                input_dims=input_width, num_classes=n_outputs,
                **{**config, "trim": False, "for_inference": False},
            )
        else:
            weaver = _weaver_model("ParticleTransformer", "ParticleTransformerClassifier")
            self.features = CheckpointFeatures(model, max_constituents=max_constituents)
            self.net = weaver.ParticleTransformer(
                input_dim=input_width, num_classes=n_outputs,
                **{"pair_input_dim": 4, **config, "trim": False, "for_inference": False},
            )
        self.head: nn.Module = nn.Identity()
        self.freeze_body = False

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """What ``head`` reads: the output of ``net`` (with a new head, of its last hidden
        layer)."""
        points, features, vectors, mask = self.features(x)
        if self.model.architecture == "ParticleNet":
            # the fast path serves a frozen body too (evaluation mode, no gradients)
            return particlenet_body(self.net, points, features, mask)
        return self.net(features, v=vectors, mask=mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))

    def frozen_body(self) -> tuple[Callable[[torch.Tensor], torch.Tensor], nn.Module] | None:
        """``(embed, head)`` when the body is frozen, else None.

        The trainer then runs the body once per jet and trains ``head`` on its outputs
        (see :class:`~skjet.models.NeuralClassifier`, "frozen bodies"): a frozen body in
        evaluation mode gives the same output every epoch.
        """
        return (self.embed, self.head) if self.freeze_body else None

    def replace_head(self, n_classes: int, *, freeze_body: bool = False,
                     init_rows: Sequence[int] | None = None) -> PretrainedModule:
        """A new last linear layer with ``n_classes`` outputs: randomly initialised, or
        with ``init_rows`` a copy of those output rows of the checkpoint's last layer."""
        last = self.net.fc[-1]
        self.net.fc[-1] = nn.Identity()
        self.head = nn.Linear(last.in_features, n_classes)
        if init_rows is not None:
            rows = torch.as_tensor(list(init_rows), dtype=torch.int64)
            with torch.no_grad():
                self.head.weight.copy_(last.weight[rows])
                self.head.bias.copy_(last.bias[rows])
        self.freeze_body = freeze_body
        for p in self.net.parameters():
            p.requires_grad_(not freeze_body)
        return self

    def train(self, mode: bool = True):
        super().train(mode)
        if mode:
            body = [self.net] if self.freeze_body else [
                m for m in self.net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
            ]
            for m in body:
                m.eval()
        return self


def load_pretrained(pretrained, *, data_home=None, max_constituents=None) -> PretrainedModule:
    """Build a pretrained tagger and load its weights, verified.

    Parameters
    ----------
    pretrained : str or PretrainedModel
        A registered name (the keys of ``skjet.models.PRETRAINED_MODELS``:
        ``"ParticleNet-JetClass-kin"``, ``"-kinpid"``, ``"-full"``), or the description
        of a checkpoint of your own (a :class:`PretrainedModel` or a dict of its fields).
    data_home : path-like, default=None
        The skjet data folder where downloads are cached (see
        :func:`skjet.datasets.get_data_home`).
    max_constituents : int, default=None
        The module keeps the hardest (highest pT) constituents of every jet, at most this
        many (the JetClass checkpoints were trained on up to 128); None: all of them.

    Returns
    -------
    module : PretrainedModule
        In evaluation mode; ``module(x)`` maps a float32 tensor of zero-padded
        constituents (n_jets, n_constituents, 4 + n_extra), (E, px, py, pz) first, to the
        logits of ``module.model.class_names``.

    Raises
    ------
    ValueError
        The file's SHA-256 differs from the registered one (the message names the file,
        the expected and the actual hash), or its keys or shapes do not match the
        architecture. Nothing is returned half-loaded.

    Notes
    -----
    The file is looked up as the module docstring says: ``path``, then
    ``$SKJET_PRETRAINED_DIR``, then the data home, then downloaded from the registered URL.

    Examples
    --------
    >>> import torch
    >>> from skjet.models import load_pretrained
    >>> net = load_pretrained("ParticleNet-JetClass-kin")  # doctest: +SKIP
    >>> jets = torch.zeros(2, 30, 4)  # (E, px, py, pz) of real jets go here
    >>> net(jets).softmax(dim=1).shape  # doctest: +SKIP
    torch.Size([2, 10])
    """
    model = describe_pretrained(pretrained)
    path = _locate(model, data_home)
    state = _read_state_dict(model, path)
    module = PretrainedModule(model, max_constituents=max_constituents)
    try:
        module.net.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ValueError(
            f"pretrained model {model.name!r}: the weights in {path} do not fit a "
            f"{model.architecture} with input features {list(model.input_features)}, "
            f"{len(model.class_names)} classes and config {dict(model.config)}: {exc}"
        ) from exc
    return module.eval()
