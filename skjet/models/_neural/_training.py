"""The trainer of the neural classifiers: the one module that knows skorch.

The estimators (:mod:`._base`) validate the data, encode the labels, weight the samples and
hold out the validation set; :class:`Trainer` turns the training parameters into skorch's
terms (optimizer, learning-rate schedule, callbacks for early stopping, gradient clipping and
the progress bar, the loss), builds the net (:class:`SkjetNet`, with mixed precision and the
batch loaders of :mod:`._batches`, bucketed where asked) and runs its epochs: a new network
(:meth:`Trainer.start`) or more epochs of the fitted one (:meth:`Trainer.resume`). skorch's
private API is reached only through :mod:`._skorch_compat`.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from skorch.callbacks import (
    Callback,
    EarlyStopping,
    EpochTimer,
    GradientNormClipping,
    LRScheduler,
    PassthroughScoring,
    PrintLog,
    ProgressBar,
)
from skorch.dataset import Dataset as SkorchDataset
from skorch.dataset import unpack_data
from skorch.helper import predefined_split
from skorch.utils import TeeGenerator, to_tensor
from torch import nn

from .._validation import check_first_output
from ._batches import BatchLoader, TensorBatches, embedded  # noqa: F401  (the data it takes)
from ._decorrelation import disco_callbacks, disco_criterion, sync_disco
from ._skorch_compat import FencedNet, set_iterator_seed


class WeightedCrossEntropy(nn.Module):
    """Mean over the batch of ``w_i * CE_i``; plain mean cross-entropy without weights.

    The mean (not ``sum(w CE) / sum(w)``) keeps the per-sample normalisation: summing batch
    losses times batch sizes gives the total weighted loss of the epoch.
    """

    def forward(self, logits, target):
        if isinstance(target, list | tuple):
            y, w = target[:2]
            return (F.cross_entropy(logits, y, reduction="none") * w).mean()
        return F.cross_entropy(logits, target)


class EpochMetrics(Callback):
    """Record ``train_accuracy``, ``valid_accuracy`` (unweighted) and ``lr`` per epoch."""

    def on_epoch_begin(self, net, **kwargs):
        self._correct = {True: [], False: []}
        self._count = {True: 0, False: 0}

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        target = batch[1]
        y = target[0] if isinstance(target, list | tuple) else target
        if y.device != y_pred.device:
            y = y.to(y_pred.device)
        # kept as tensors: no device synchronisation per batch
        self._correct[training].append(y_pred.argmax(dim=1).eq(y).sum())
        self._count[training] += len(y)

    def on_epoch_end(self, net, **kwargs):
        for training, prefix in ((True, "train"), (False, "valid")):
            if self._count[training]:
                correct = int(torch.stack(self._correct[training]).sum())
                net.history.record(f"{prefix}_accuracy", correct / self._count[training])
        net.history.record("lr", float(net.optimizer_.param_groups[0]["lr"]))


class SkjetNet(FencedNet):
    """skorch classifier fed by :class:`BatchLoader`; skjet validates the data before.

    Two attributes set after construction extend skorch's step: ``batch_inputs`` (None or
    a callable turning the batch tensor into the module's inputs; a tuple is passed as
    positional arguments) and ``mixed_precision`` (autocast of the forward pass: float16
    with a gradient scaler on CUDA, bfloat16 on CPU).
    """

    batch_inputs = None
    mixed_precision = False
    # skorch pickles the attributes with these prefixes through torch's loader, which maps
    # CUDA tensors to the CPU where there is no GPU. Beyond skorch's module_, optimizer_ and
    # criterion_ (added at initialisation), the module instance given as ``module`` and the
    # callbacks (early stopping keeps the best weights) hold tensors on the training device.
    cuda_dependent_attributes_ = ["module", "callbacks"]

    def default_callbacks(self) -> list:
        return [
            ("epoch_timer", EpochTimer()),
            # no ``train_loss_best`` column: early stopping watches the validation loss
            (
                "train_loss",
                PassthroughScoring(name="train_loss", on_train=True, lower_is_better=None),
            ),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("metrics", EpochMetrics()),
            ("print_log", PrintLog(keys_ignored=["train_loss_best"])),
        ]

    def check_data(self, X, y):
        # The skjet estimator has validated and encoded X and y into a TensorBatches.
        pass

    def infer(self, x, **fit_params):
        x = to_tensor(x, device=self.device)
        if self.batch_inputs is not None:
            x = self.batch_inputs(x)
        if isinstance(x, tuple):
            return self.module_(*x, **fit_params)
        return self.module_(x, **fit_params)

    def _autocast(self):
        device_type = torch.device(self.device).type
        dtype = torch.float16 if device_type == "cuda" else torch.bfloat16
        return torch.autocast(device_type=device_type, dtype=dtype)

    def train_step(self, batch, **fit_params):
        if not self.mixed_precision:
            return super().train_step(batch, **fit_params)
        cuda = torch.device(self.device).type == "cuda"
        if cuda and getattr(self, "grad_scaler_", None) is None:
            self.grad_scaler_ = torch.amp.GradScaler("cuda")
        self.zero_grad_optimizer()
        self.set_training(True)
        Xi, yi = unpack_data(batch)
        with self._autocast():
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred.float(), yi, X=Xi, training=True)
        if cuda:
            self.grad_scaler_.scale(loss).backward()
            self.grad_scaler_.unscale_(self.optimizer_)  # gradient clipping sees true norms
        else:
            loss.backward()
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.get_all_learnable_params()),
            batch=batch,
            training=True,
        )
        if cuda:
            self.grad_scaler_.step(self.optimizer_)
            self.grad_scaler_.update()
        else:
            self.optimizer_.step()
        return {"loss": loss, "y_pred": y_pred.float()}

    def evaluation_step(self, batch, training=False):
        if not self.mixed_precision:
            return super().evaluation_step(batch, training=training)
        with self._autocast():
            return super().evaluation_step(batch, training=training).float()


_OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}
_SCHEDULES = {
    "exponential": ("ExponentialLR", {"gamma": 0.9}),
    "plateau": ("ReduceLROnPlateau", {"factor": 0.1, "patience": 2}),
    "cosine": ("CosineAnnealingLR", {}),
    # stepped every batch: a LambdaLR over the total number of training steps
    "warmup_cosine": ("LambdaLR", {"warmup_fraction": 0.05}),
    "flat_decay": ("LambdaLR", {"flat_fraction": 0.7, "final_factor": 0.01}),
}
_PER_BATCH_SCHEDULES = ("warmup_cosine", "flat_decay")


class WarmupCosine:
    """Learning-rate factor: linear warm-up over ``warmup_fraction`` of the steps, then a
    cosine decay to zero (picklable, unlike a lambda)."""

    def __init__(self, total_steps: int, warmup_fraction: float = 0.05):
        self.total_steps = max(int(total_steps), 1)
        self.warmup = max(int(round(warmup_fraction * self.total_steps)), 1)

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return (step + 1) / self.warmup
        progress = min((step - self.warmup) / max(self.total_steps - self.warmup, 1), 1.0)
        return 0.5 * (1.0 + math.cos(math.pi * progress))


class FlatDecay:
    """Learning-rate factor of the Particle Transformer recipe: constant for
    ``flat_fraction`` of the steps, then an exponential decay to ``final_factor``."""

    def __init__(self, total_steps: int, flat_fraction: float = 0.7, final_factor: float = 0.01):
        self.total_steps = max(int(total_steps), 1)
        self.flat = int(flat_fraction * self.total_steps)
        self.final_factor = final_factor

    def __call__(self, step: int) -> float:
        if step < self.flat:
            return 1.0
        progress = min((step - self.flat) / max(self.total_steps - self.flat, 1), 1.0)
        return self.final_factor**progress


_HISTORY_COLUMNS = [
    "epoch",
    "train_loss",
    "valid_loss",
    "train_accuracy",
    "valid_accuracy",
    "lr",
    "dur",
    "valid_loss_best",
]

_SKORCH_ONLY = {"batches", "train_batch_count", "valid_batch_count"}


@contextlib.contextmanager
def seeded_torch(seed: int, device: str):
    """Seed torch inside a fork of its RNG state, so the caller's global state is unchanged."""
    devices = []
    if torch.device(device).type == "cuda":
        devices = [torch.device(device).index or torch.cuda.current_device()]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


@contextlib.contextmanager
def _epoch_callbacks(net, valid_ds):
    """Callbacks of a net built by ``fit`` adapted to one ``partial_fit`` epoch.

    Early stopping is left out (it needs a validation loss and would restore old weights),
    and a schedule watching the validation loss watches the training loss when this call
    has no validation set.
    """
    saved_callbacks = net.callbacks_
    schedule = dict(saved_callbacks).get("lr_schedule")
    saved_monitor = getattr(schedule, "monitor", None)
    net.callbacks_ = [(n, cb) for n, cb in saved_callbacks if n != "early_stopping"]
    if valid_ds is None and saved_monitor == "valid_loss":
        schedule.monitor = "train_loss"
    try:
        yield
    finally:
        net.callbacks_ = saved_callbacks
        if schedule is not None:
            schedule.monitor = saved_monitor


class Trainer:
    """Trains the network of one neural classifier with skorch.

    Reads the estimator's training parameters, calls its hooks (``build_module``,
    ``module_inputs``) and sets its fitted ``classes_`` and ``net_``; the data comes
    validated, encoded and weighted as :class:`~._batches.TensorBatches`.
    """

    def __init__(self, estimator):
        self.estimator = estimator
        self.name = type(estimator).__name__

    def optimizer_class(self) -> type:
        """The torch optimizer class ``optimizer`` names."""
        opt = self.estimator.optimizer
        if isinstance(opt, str):
            try:
                return _OPTIMIZERS[opt.lower()]
            except KeyError:
                pass
        elif isinstance(opt, type) and issubclass(opt, torch.optim.Optimizer):
            return opt
        raise ValueError(
            f"{self.name}: optimizer must be one of {sorted(_OPTIMIZERS)} or a "
            f"torch.optim.Optimizer class, got {opt!r}."
        )

    def device(self) -> str:
        """The torch device ``device`` names ("auto": CUDA where available)."""
        est = self.estimator
        if isinstance(est.device, torch.device):
            return str(est.device)
        if est.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        try:
            torch.device(est.device)
        except (RuntimeError, TypeError):
            raise ValueError(
                f"{self.name}: device must be 'auto', 'cpu', 'cuda' or a torch device "
                f"string, got {est.device!r}."
            ) from None
        return est.device

    def check_optimizer(self) -> None:
        """Build the optimizer (and the schedule) once on a dummy parameter, so that bad
        ``optimizer_params`` or ``lr_schedule_params`` raise a ValueError naming them
        before training rather than a bare torch error from inside skorch."""
        est = self.estimator
        name = self.name
        optimizer = self.optimizer_class()
        dummy = [torch.nn.Parameter(torch.zeros(1))]
        try:
            opt = optimizer(dummy, lr=est.lr, **(est.optimizer_params or {}))
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{name}: optimizer_params={est.optimizer_params!r} are not accepted by "
                f"{optimizer.__name__}: {exc}"
            ) from exc
        policy, kwargs = self.schedule(total_steps=1)
        if policy is None:
            return
        cls = getattr(torch.optim.lr_scheduler, policy) if isinstance(policy, str) else policy
        try:
            cls(opt, **kwargs)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{name}: lr_schedule={est.lr_schedule!r} with lr_schedule_params="
                f"{est.lr_schedule_params!r} is not accepted by {cls.__name__}: {exc}"
            ) from exc

    def schedule(self, total_steps: int = 1):
        """(policy, keyword arguments) of ``lr_schedule``, or (None, None) without one.

        ``total_steps`` is the number of optimizer steps the per-batch schedules span.
        """
        est = self.estimator
        schedule = est.lr_schedule
        if schedule is None:
            return None, None
        policy: str | type
        kwargs: dict[str, Any]
        if isinstance(schedule, str) and schedule in _SCHEDULES:
            policy, kwargs = _SCHEDULES[schedule]
            kwargs = dict(kwargs)
            if schedule == "cosine":
                kwargs["T_max"] = est.max_epochs
        elif isinstance(schedule, type):
            policy, kwargs = schedule, {}
        else:
            raise ValueError(
                f"{self.name}: lr_schedule must be None, one of "
                f"{sorted(_SCHEDULES)} or a torch LR scheduler class, got {schedule!r}."
            )
        kwargs.update(est.lr_schedule_params or {})
        if schedule in _PER_BATCH_SCHEDULES:
            factor = WarmupCosine if schedule == "warmup_cosine" else FlatDecay
            try:
                kwargs = {"lr_lambda": factor(total_steps, **kwargs)}
            except TypeError as exc:
                raise ValueError(
                    f"{self.name}: lr_schedule={schedule!r} with lr_schedule_params="
                    f"{est.lr_schedule_params!r} is not accepted by {factor.__name__}: {exc}"
                ) from exc
        return policy, kwargs

    def callbacks(self, has_valid: bool, early_stopping: bool, n_batches: int) -> list:
        """The net's callbacks: schedule, gradient clipping, early stopping (where
        ``early_stopping`` allows), progress bar, DisCo's and the user's."""
        est = self.estimator
        callbacks = []
        policy, kwargs = self.schedule(total_steps=est.max_epochs * n_batches)
        if policy is not None:
            monitor = "valid_loss" if has_valid else "train_loss"
            step_every = "batch" if est.lr_schedule in _PER_BATCH_SCHEDULES else "epoch"
            callbacks.append(
                (
                    "lr_schedule",
                    LRScheduler(
                        policy=policy,
                        monitor=monitor,
                        event_name=None,
                        step_every=step_every,
                        **kwargs,
                    ),
                )
            )
        if est.gradient_clip is not None:
            callbacks.append(
                ("gradient_clip", GradientNormClipping(gradient_clip_value=est.gradient_clip))
            )
        if est.early_stopping and early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(monitor="valid_loss", patience=est.patience, load_best=True),
                )
            )
        if est.verbose == 2:
            callbacks.append(("progress_bar", ProgressBar()))
        return callbacks + disco_callbacks(est) + list(est.callbacks or [])

    def build_net(self, module, n_classes, device, seed, callbacks, valid_ds) -> SkjetNet:
        """The skorch net that trains ``module`` (not initialised)."""
        est = self.estimator
        criterion = disco_criterion(est) or {"criterion": WeightedCrossEntropy}
        net = SkjetNet(
            module,
            **criterion,
            optimizer=self.optimizer_class(),
            lr=est.lr,
            max_epochs=est.max_epochs,
            batch_size=est.batch_size,
            iterator_train=BatchLoader,
            iterator_valid=BatchLoader,
            iterator_train__shuffle=True,
            iterator_train__seed=seed,
            iterator_train__bucket=est._bucketing(training=True),
            iterator_valid__bucket=est._bucketing(),
            train_split=None if valid_ds is None else predefined_split(valid_ds),
            callbacks=callbacks,
            classes=list(range(n_classes)),
            verbose=int(est.verbose),
            device=device,
            **{f"optimizer__{k}": v for k, v in (est.optimizer_params or {}).items()},
        )
        net.batch_inputs = est._batch_inputs()
        net.mixed_precision = bool(est.mixed_precision)
        groups = est.optimizer_param_groups()
        if groups:
            net.set_params(optimizer__param_groups=groups)
        return net

    def untrained_net(self, module, n_classes) -> SkjetNet:
        """An initialised net around ``module`` that is not trained (a zero-shot tagger)."""
        return self.build_net(module, n_classes, self.device(), 0, [], None).initialize()

    def start(self, X, classes, train_ds, valid_ds, seed, *, epochs: int | None) -> None:
        """Build the estimator's network and train it: ``classes_`` and ``net_`` are set.

        ``epochs`` None is ``fit``: ``max_epochs`` epochs with early stopping; else that
        many epochs (``partial_fit``: 1) without it.
        """
        est = self.estimator
        device = self.device()
        n_batches = len(BatchLoader(train_ds, est.batch_size))
        callbacks = self.callbacks(valid_ds is not None, epochs is None, n_batches)
        with seeded_torch(seed, device):
            module = est.build_module(X, len(classes))
            check_first_output(est, module, train_ds, classes)
            est.classes_ = classes
            est.net_ = net = self.build_net(
                module, len(classes), device, seed, callbacks, valid_ds
            )
            net.initialize()
            with frozen_body_once(net, train_ds, valid_ds) as (train_ds, valid_ds):
                # partial_fit of an initialised net: fit's epochs without re-initialising
                net.partial_fit(train_ds, None, epochs=epochs)

    def resume(self, train_ds, valid_ds, seed, *, epochs: int | None) -> None:
        """Continue training the fitted ``net_`` on its device: ``epochs`` None is a warm
        ``fit``, ``max_epochs`` epochs with the callbacks of the first fit; else that many
        epochs (``partial_fit``: 1) without early stopping. The loss follows the current
        ``decorrelation`` and ``decorrelation_strength`` (:func:`~._decorrelation.sync_disco`)."""
        est = self.estimator
        net = est.net_
        device = str(net.device)
        # a fresh stream of shuffling and dropout per continuation, reproducible for the
        # sequence of calls
        step_seed = seed + len(net.history)
        if epochs is None:
            net.set_params(max_epochs=est.max_epochs, verbose=int(est.verbose))
        else:
            net.set_params(verbose=int(est.verbose))
        set_iterator_seed(net, step_seed)
        # the loss of the current decorrelation parameters, not those of the first fit
        sync_disco(est, net)
        with frozen_body_once(net, train_ds, valid_ds) as (train_ds, valid_ds):
            if epochs is None:
                with seeded_torch(seed, device):
                    net.partial_fit(train_ds, None)
            else:
                with seeded_torch(step_seed, device), _epoch_callbacks(net, valid_ds):
                    net.partial_fit(train_ds, None, epochs=epochs)


@contextlib.contextmanager
def frozen_body_once(net, train_ds, valid_ds):
    """Point ``net`` at the training (and validation) data, through a frozen body once.

    Yields the datasets to train on. For a module without ``frozen_body()`` (or one that
    returns None) these are ``train_ds`` and ``valid_ds``. Otherwise the body's outputs,
    computed once in evaluation mode without gradients, replace the inputs, and
    ``net.module_`` is the head while the block runs; the whole module is put back after.
    """
    module = net.module_
    split = getattr(module, "frozen_body", None)
    split = split() if callable(split) else None
    if split is None:
        net.train_split = None if valid_ds is None else predefined_split(valid_ds)
        yield train_ds, valid_ds
        return
    embed, head = split
    batch_inputs = net.batch_inputs
    module.eval()
    train_ds, valid_ds = (
        None if ds is None else embedded(ds, embed, net.device, net.batch_size, batch_inputs)
        for ds in (train_ds, valid_ds)
    )
    net.train_split = None if valid_ds is None else predefined_split(valid_ds)
    net.module_, net.batch_inputs = head, None
    try:
        yield train_ds, valid_ds
    finally:
        net.module_, net.batch_inputs = module, batch_inputs


def history_frame(net) -> pd.DataFrame:
    """One row per epoch of ``net.history``: the standard columns first, then every other
    epoch-level entry (a user's EpochScoring, ...) in order of appearance; skorch's
    per-batch records and batch counts stay in ``net.history``."""
    columns = list(_HISTORY_COLUMNS)
    for epoch in net.history:
        columns += [key for key in epoch if key not in columns and key not in _SKORCH_ONLY]
    rows = [{key: epoch.get(key, np.nan) for key in columns} for epoch in net.history]
    frame = pd.DataFrame(rows, columns=columns)
    frame["valid_loss_best"] = frame["valid_loss_best"].eq(True)
    return frame


def validation_data(part) -> tuple[Any, Any] | None:
    """``(X, y)`` of a skorch ``Dataset`` a ``train_split`` returned, else None."""
    if isinstance(part, SkorchDataset):
        return part.X, part.y
    return None
