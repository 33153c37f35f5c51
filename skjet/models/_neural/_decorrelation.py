"""DisCo: the distance-correlation penalty of the neural classifiers (``decorrelation="disco"``).

The batch target of a DisCo fit is ``(y, weight, decorrelation_target)``: the target rides
with the sample weights through :class:`TensorBatches`, the loaders, the early-stopping
hold-out and skorch, and :class:`DisCoLoss` adds the penalty to the weighted cross-entropy.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils.validation import check_array
from skorch.callbacks import Callback
from torch import nn

from ...metrics._decorrelation import distance_covariances, jet_mass_target
from ...utils import check_finite
from ._skorch_compat import replace_criterion

# Below this many background jets per batch, the distance correlation of a batch is mostly
# noise (its finite-sample bias alone is ~1/sqrt(n)): warn.
MIN_BACKGROUND_PER_BATCH = 64


class DisCoLoss(nn.Module):
    """Weighted cross-entropy plus ``strength`` times the squared weighted distance
    correlation, over the batch's background jets (class index 0), between the signal score
    ``1 - softmax(logits)[:, 0]`` and the decorrelation target.

    A batch target without a decorrelation column (a ``train_split`` validation set) gets
    the cross-entropy alone; so does a batch with fewer than two background jets.
    """

    def __init__(self, strength: float = 1.0, eps: float = 1e-12):
        super().__init__()
        self.strength = float(strength)
        self.eps = eps
        self.last_dcor2: torch.Tensor | None = None  # of the last batch, for DisCoHistory

    def forward(self, logits, target):
        if not isinstance(target, list | tuple):
            return F.cross_entropy(logits, target)
        y, w = target[0], target[1]
        loss = (F.cross_entropy(logits, y, reduction="none") * w).mean()
        if len(target) < 3 or self.strength == 0:
            return loss
        background = y == 0
        if int(background.sum()) < 2:
            return loss
        score = 1.0 - torch.softmax(logits[background].float(), dim=1)[:, 0]
        xy, xx, yy = distance_covariances(
            score, target[2][background].float(), w[background].float()
        )
        dcor2 = xy / torch.sqrt(xx * yy + self.eps)
        self.last_dcor2 = dcor2.detach()
        return loss + self.strength * dcor2


class DisCoHistory(Callback):
    """Record ``train_disco`` and ``valid_disco`` per epoch: the mean over batches of the
    squared distance correlation the DisCo term penalises (before the factor lambda)."""

    def on_epoch_begin(self, net, **kwargs):
        self._values: dict[bool, list] = {True: [], False: []}

    def on_batch_end(self, net, training=False, **kwargs):
        value = getattr(net.criterion_, "last_dcor2", None)
        if value is not None:
            self._values[training].append(value)
            net.criterion_.last_dcor2 = None

    def on_epoch_end(self, net, **kwargs):
        for training, prefix in ((True, "train"), (False, "valid")):
            if self._values[training]:
                net.history.record(
                    f"{prefix}_disco", float(torch.stack(self._values[training]).mean())
                )


_DISCO_NAMES = ("disco_history",)


def disco_callbacks(estimator) -> list:
    """The callbacks a DisCo fit adds: the per-epoch distance correlation in ``history_``."""
    if getattr(estimator, "decorrelation", None) != "disco":
        return []
    return [("disco_history", DisCoHistory())]


def disco_criterion(estimator) -> dict | None:
    """The skorch ``criterion`` keywords of a DisCo fit, or None for the plain loss."""
    if getattr(estimator, "decorrelation", None) != "disco":
        return None
    return {"criterion": DisCoLoss, "criterion__strength": float(estimator.decorrelation_strength)}


def sync_disco(estimator, net) -> None:
    """Bring the loss and the DisCo callbacks of a fitted ``net`` to the estimator's current
    ``decorrelation`` and ``decorrelation_strength``, before a warm ``fit`` or a
    ``partial_fit`` continues it.

    The loss is rebuilt without touching the optimizer state (neither loss has
    parameters); :class:`DisCoHistory` is added (before the user's callbacks) or removed
    with DisCo, in ``net.callbacks`` and in the initialised ``net.callbacks_`` alike.
    """
    from ._training import WeightedCrossEntropy  # here: _training imports this module

    params = disco_criterion(estimator) or {"criterion": WeightedCrossEntropy}
    criterion = params.pop("criterion")
    replace_criterion(net, criterion, **{key.split("__", 1)[1]: v for key, v in params.items()})

    wanted = [(name, cb.initialize()) for name, cb in disco_callbacks(estimator)]
    user = {id(_callback(item)) for item in estimator.callbacks or []}
    # net.callbacks holds (name, callback) tuples and the user's entries as given
    for attribute in ("callbacks", "callbacks_"):
        callbacks = [
            item for item in getattr(net, attribute) or []
            if not (isinstance(item, tuple) and item[0] in _DISCO_NAMES)
        ]
        # where build_net puts them: after skjet's callbacks, before the user's
        at = next(
            (i for i, item in enumerate(callbacks) if id(_callback(item)) in user),
            len(callbacks),
        )
        callbacks[at:at] = wanted
        setattr(net, attribute, callbacks)


def _callback(item):
    """The callback of a ``callbacks`` entry, a callback or a (name, callback) tuple."""
    return item[1] if isinstance(item, tuple) else item


def _reads_four_momenta(estimator) -> bool:
    # the constituent classifiers whose first four features are (E, px, py, pz) by contract
    return bool(estimator.padded_constituents) and getattr(estimator, "min_features", None) == 4


def check_decorrelation_target(estimator, target, X, y_enc, weight) -> np.ndarray | None:
    """The validated float32 decorrelation target of a DisCo fit, or None without DisCo.

    ``X`` is the validated input (the jet mass is computed from it for the classifiers that
    read four-momenta when no target is given); ``y_enc`` the class indices (0 is the
    background); ``weight`` the training weights or None.
    """
    if getattr(estimator, "decorrelation", None) != "disco":
        return None
    name = type(estimator).__name__
    if target is None:
        if not _reads_four_momenta(estimator):
            raise ValueError(
                f"{name}: decorrelation='disco' needs the decorrelation target: pass "
                "fit(X, y, decorrelation_target=jet_mass) (in a Pipeline "
                "'<step>__decorrelation_target'); only the classifiers that read "
                "(E, px, py, pz) constituents compute the jet mass themselves."
            )
        target = jet_mass_target(X)
    else:
        target = _check_values(estimator, target, len(y_enc), "decorrelation_target")
    if weight is not None and (weight < 0).any():
        raise ValueError(
            f"{name}: decorrelation='disco' needs non-negative sample weights (the distance "
            f"correlation weights pairs of jets by w_i w_j); {int((weight < 0).sum())} are "
            "negative. Train on np.abs(sample_weight) or reweight first."
        )
    background = y_enc == 0
    n_background = int(background.sum())
    if n_background < 2:
        raise ValueError(
            f"{name}: decorrelation='disco' needs background jets (the first class, "
            f"classes_[0]); this data has {n_background}."
        )
    per_batch = estimator.batch_size * n_background / len(y_enc)
    if per_batch < MIN_BACKGROUND_PER_BATCH:
        warnings.warn(
            f"{name}: batches of batch_size={estimator.batch_size} hold about {per_batch:.0f} "
            f"background jets; the DisCo term of a batch is noisy below "
            f"{MIN_BACKGROUND_PER_BATCH}. Increase batch_size (e.g. to "
            f"{int(np.ceil(MIN_BACKGROUND_PER_BATCH * len(y_enc) / n_background))}).",
            UserWarning,
            stacklevel=4,
        )
    return target.astype(np.float32)


def check_validation_target(estimator, target, X_val) -> np.ndarray | None:
    """The float32 decorrelation target of a ``train_split`` validation set, or None.

    None without DisCo, and (with a warning) when the validation set has no target and
    the classifier cannot compute the jet mass from ``X_val`` (the validated validation
    input): its loss is then the cross-entropy alone.
    """
    if getattr(estimator, "decorrelation", None) != "disco":
        return None  # as fit ignores decorrelation_target without DisCo
    if target is not None:
        return _check_values(
            estimator, target, len(X_val), "decorrelation_target_val"
        ).astype(np.float32)
    if _reads_four_momenta(estimator):
        return jet_mass_target(X_val).astype(np.float32)
    warnings.warn(
        f"{type(estimator).__name__}: the train_split validation set has no decorrelation "
        "target, so its loss (which early stopping watches) is the cross-entropy without "
        "the DisCo term, and history_ gets no valid_disco. Pass train_split=(X_val, y_val, "
        "decorrelation_target_val).",
        UserWarning,
        stacklevel=7,  # the caller of fit or partial_fit
    )
    return None


def _check_values(estimator, target, n_jets: int, what: str) -> np.ndarray:
    """``target`` as a finite float64 array of shape (n_jets,); errors name ``what``."""
    name = type(estimator).__name__
    target = check_array(
        target, ensure_2d=False, dtype=np.float64, ensure_all_finite=False, input_name=what
    )
    if target.ndim != 1 or target.shape[0] != n_jets:
        raise ValueError(
            f"{name}: {what} must have shape ({n_jets},), one value per jet, got shape "
            f"{target.shape}."
        )
    check_finite(target, name=f"{name}: {what}")
    return target
