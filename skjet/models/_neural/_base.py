"""The one base class of skjet's neural classifiers.

Design: a plain scikit-learn estimator (``ClassifierMixin, BaseEstimator``) whose ``__init__``
stores explicit parameters, and which builds a skorch ``NeuralNetClassifier`` (``net_``) in
``fit``. Wrapping rather than subclassing skorch keeps ``get_params``/``clone``/``GridSearchCV``
to exactly the documented parameters (no ``module__*`` prefixes, no skorch-only parameters in
the grid), lets skjet own input validation, label encoding and sample weights, and passes
scikit-learn's common checks. skorch still runs the training loop, the callbacks (learning
rate schedules, early stopping with best-weight restoring, logging) and the history.

:class:`NeuralClassifier` is public: a new architecture is a subclass that implements
``validate_input`` and ``build_module`` (and optionally ``module_inputs``); see its docstring
and the docs page "Adding an architecture".
"""

from __future__ import annotations

import contextlib
import math
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)
from skorch.callbacks import EarlyStopping, GradientNormClipping, LRScheduler, ProgressBar
from skorch.dataset import Dataset as SkorchDataset
from skorch.helper import predefined_split

from ...utils._classes import check_labels, class_weight_per_class, encode_labels, format_labels
from ...utils._sklearn_compat import Interval, StrOptions, _fit_context
from .._validation import LogProbaMixin, check_classifier_weights, check_first_output
from ._decorrelation import check_decorrelation_target, disco_callbacks, disco_criterion
from ._training import BatchLoader, SkjetNet, TensorBatches, WeightedCrossEntropy

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

SHARED_PARAMS_DOC = """\
    max_epochs : int, default=20
        Number of passes over the training data in ``fit`` (fewer with early stopping);
        ``partial_fit`` makes one pass per call.
    batch_size : int, default=256
        Jets per mini-batch, for training and for streaming predictions.
    lr : float, default=1e-3
        Initial learning rate.
    optimizer : {"adam", "adamw", "sgd"} or torch.optim.Optimizer class, default="adam"
    optimizer_params : dict, default=None
        Extra keyword arguments of the optimizer, e.g. ``{"weight_decay": 1e-4}``.
    lr_schedule : {None, "exponential", "plateau", "cosine", "warmup_cosine", "flat_decay"}, \
default=None
        Learning-rate schedule (skorch ``LRScheduler``). Stepped once per epoch:
        ``ExponentialLR(gamma=0.9)``, ``ReduceLROnPlateau(factor=0.1, patience=2)`` on the
        validation loss (training loss without validation) or ``CosineAnnealingLR(T_max=
        max_epochs)``. Stepped once per batch over the ``max_epochs`` epochs of ``fit``
        (or ``max_epochs`` calls of ``partial_fit``): ``"warmup_cosine"``, a linear warm-up
        over ``warmup_fraction=0.05`` of the steps then a cosine decay, and ``"flat_decay"``,
        the Particle Transformer recipe: constant for ``flat_fraction=0.7`` of the steps,
        then an exponential decay to ``final_factor=0.01`` times ``lr``. A torch scheduler
        class is also accepted (stepped per epoch).
    lr_schedule_params : dict, default=None
        Overrides of the schedule's keyword arguments.
    early_stopping : bool, default=True
        Stop when the validation loss has not improved for ``patience`` epochs and restore
        the weights of the best epoch. Without ``train_split``, a stratified
        ``validation_fraction`` of the training data is held out. Not used by
        ``partial_fit``.
    validation_fraction : float, default=0.1
        Held-out fraction for early stopping when ``train_split`` is None.
    patience : int, default=5
        Epochs without improvement of the validation loss before stopping.
    train_split : None, (X_val, y_val) tuple or callable, default=None
        A predefined validation set, or a skorch split such as
        ``skorch.helper.predefined_split(skorch.dataset.Dataset(X_val, y_val))`` or
        ``skorch.dataset.ValidSplit(5)``. Its loss and accuracy are recorded every epoch and
        early stopping monitors it.
    class_weight : None, "balanced" or dict, default=None
        Per-class loss weights (``{label: weight}``; "balanced" is ``n / (n_classes *
        count)``), multiplied with ``sample_weight``.
    callbacks : list of skorch callbacks, default=None
        Extra callbacks for the skorch net.
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        "auto" uses CUDA when available.
    warm_start : bool, default=False
        Refitting continues training the fitted network (and optimizer state) for
        ``max_epochs`` more epochs; the architecture and optimizer are kept from the first fit.
    verbose : int, default=0
        0 silent, 1 one line per epoch, 2 also a progress bar per epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling and the validation split: the same
        value gives identical results on CPU. The global torch RNG is left untouched.
    decorrelation : {None, "disco"}, default=None
        "disco": add ``decorrelation_strength`` times the squared weighted distance
        correlation between the background jets' signal score and the decorrelation target
        (the jet mass) to every batch loss (DisCo, Kasieczka and Shih, 2020), so that a cut
        on the score does not sculpt the background mass. The target is passed to ``fit``
        as ``decorrelation_target``; see the user guide page "Mass decorrelation". The
        background is ``classes_[0]`` and the score ``1 - P(classes_[0])``. A warm
        ``fit`` or ``partial_fit`` keeps the loss of the first fit.
    decorrelation_strength : float, default=1.0
        The DisCo weight lambda; 0 trains the plain classifier. ``history_`` gets the
        mean squared distance correlation of the batches per epoch (``train_disco``,
        ``valid_disco``), before the factor lambda.

    Notes
    -----
    The loss is the cross-entropy, each sample's term multiplied by its weight
    ``w_i = class_weight[y_i] * sample_weight_i``, with the weights rescaled to mean 1 over the
    fit data; a batch loss is the mean over its samples of ``w_i * CE_i``. The epoch losses in
    ``history_`` are therefore sums of weighted losses divided by the number of samples (mean
    loss per sample), comparable between training and validation sets of any size.
    Accuracies are unweighted fractions of correct predictions.

    Negative sample weights (NLO generators, sWeights) are used as given: the weighted
    cross-entropy is then the cross-entropy of the signed event distribution, well defined
    while every class has a positive total weight (checked; the weights are rescaled by
    their positive mean). A negative-weight event rewards a wrong prediction for itself,
    so a network flexible enough to single out such events can fit them: keep early
    stopping on, and train on ``np.abs(sample_weight)`` if the loss diverges."""


@contextlib.contextmanager
def _seeded_torch(seed: int, device: str):
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


class NeuralClassifier(LogProbaMixin, ClassifierMixin, BaseEstimator, metaclass=ABCMeta):
    __doc__ = f"""Base class of skjet's neural classifiers, public for new architectures.

    A subclass gets everything the built-in classifiers have (labels of any type, class
    and sample weights, early stopping, learning-rate schedules, ``warm_start``,
    ``partial_fit``, streaming ``predict_proba``, pickling, ``device``, ``history_``) by
    implementing two hooks, and optionally a third:

    ``validate_input(self, X, *, reset)``
        Check and convert the input; return a C-contiguous float32 ndarray of the shape
        it came in (a reshape belongs in the module), whose first axis is the samples. With ``reset=True`` (a fresh fit) store what prediction must
        match, at least ``n_features_in_``; otherwise check it, for example with
        ``check_input_shape``. Validate constituents through
        :func:`skjet.utils.check_constituents`.
    ``build_module(self, X, n_classes)``
        Return the ``torch.nn.Module`` to train, built from the validated training input
        and the number of classes. It runs with the torch random state seeded from
        ``random_state``, so the initial weights are reproducible. Check the
        architecture's parameters here or declare them in ``_parameter_constraints``
        (merged with the base's dict).
    ``module_inputs(self, X_batch)``, optional
        Turn one batch (a float32 tensor on the training device, rows of the validated
        input) into the module's inputs: a tensor, or a tuple of tensors passed as
        positional arguments. The default passes the batch unchanged.

    The contract every skjet classifier keeps, and the one ONNX export relies on:
    ``module_`` maps ``module_inputs`` of the validated float32 input to logits of shape
    (n_samples, n_classes), and ``predict_proba`` is their softmax. The built-in
    classifiers keep the default ``module_inputs``, so their ``module_`` takes the
    validated array itself; computations that belong to a model (such as the hardest-N
    selection and the particle features of ParticleNet and the Particle Transformer, or
    the CNN's channel axis) live inside ``module_``, which ``to_onnx`` exports as it is.

    Set the class attribute ``padded_constituents = True`` for zero-padded
    (n_jets, n_constituents, n_features) input: batches are then trimmed to their longest
    jet, and, when the estimator has a ``bucketing`` parameter ("inference" or True), hold
    jets of similar length (predictions still come back in the input order). ``fit`` is a reset
    followed by the code ``partial_fit`` runs.

    Parameters
    ----------
{SHARED_PARAMS_DOC}

    Examples
    --------
    A linear model on jet-level features:

    >>> import numpy as np
    >>> import torch
    >>> from sklearn.utils.validation import validate_data
    >>> from skjet.models import NeuralClassifier
    >>> class LinearClassifier(NeuralClassifier):
    ...     def validate_input(self, X, *, reset):
    ...         return validate_data(self, X, reset=reset, dtype=np.float32)
    ...     def build_module(self, X, n_classes):
    ...         return torch.nn.Linear(X.shape[1], n_classes)
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = np.where(X[:, 0] > 0, "top", "qcd")
    >>> clf = LinearClassifier(max_epochs=30, lr=0.05, random_state=0).fit(X, y)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    padded_constituents = False

    # Fitted attributes, set by fit / partial_fit (declared for the type checker).
    net_: Any
    classes_: np.ndarray

    _parameter_constraints: dict = {
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        # the names are checked against the table with a message that lists them
        "optimizer": [str, type],
        "optimizer_params": [dict, None],
        "lr_schedule": [str, type, None],
        "lr_schedule_params": [dict, None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "train_split": [tuple, callable, None],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "callbacks": [list, None],
        "device": [str, torch.device],
        "warm_start": ["boolean"],
        "verbose": [Interval(Integral, 0, 2, closed="both"), "boolean"],
        "random_state": ["random_state"],
        "decorrelation": [StrOptions({"disco"}), None],
        "decorrelation_strength": [Interval(Real, 0, None, closed="left")],
    }

    # The weighted cross-entropy takes signed weights (see SHARED_PARAMS_DOC's Notes).
    _negative_weights = "net_positive"

    def __init__(
        self,
        *,
        max_epochs=20,
        batch_size=256,
        lr=1e-3,
        optimizer="adam",
        optimizer_params=None,
        lr_schedule=None,
        lr_schedule_params=None,
        early_stopping=True,
        validation_fraction=0.1,
        patience=5,
        train_split=None,
        class_weight=None,
        callbacks=None,
        device="auto",
        warm_start=False,
        verbose=0,
        random_state=None,
        decorrelation=None,
        decorrelation_strength=1.0,
    ):
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.optimizer_params = optimizer_params
        self.lr_schedule = lr_schedule
        self.lr_schedule_params = lr_schedule_params
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.train_split = train_split
        self.class_weight = class_weight
        self.callbacks = callbacks
        self.device = device
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state
        self.decorrelation = decorrelation
        self.decorrelation_strength = decorrelation_strength

    # -- hooks for subclasses -------------------------------------------------------------
    @abstractmethod
    def validate_input(self, X, *, reset: bool) -> np.ndarray:
        """Validated float32 input; stores ``n_features_in_`` (and the like) when ``reset``."""
        raise NotImplementedError(f"{type(self).__name__} must implement validate_input.")

    @abstractmethod
    def build_module(self, X: np.ndarray, n_classes: int) -> torch.nn.Module:
        """The torch module to train, returning logits of shape (batch, n_classes)."""
        raise NotImplementedError(f"{type(self).__name__} must implement build_module.")

    def module_inputs(self, X_batch: torch.Tensor):
        """The module's inputs for one batch: the batch itself unless overridden."""
        return X_batch

    def _batch_inputs(self):
        """``module_inputs`` where a subclass overrides it, else None (nothing to call)."""
        if type(self).module_inputs is NeuralClassifier.module_inputs:
            return None
        return self.module_inputs

    def _bucketing(self, training: bool = False) -> bool:
        """Whether batches are grouped by length: ``bucketing`` True everywhere, "inference"
        in validation and prediction only (where outputs do not depend on the batches)."""
        value = getattr(self, "bucketing", False)
        if not self.padded_constituents:
            return False
        if isinstance(value, str):  # "inference"
            return not training
        return bool(value)

    def _dataset(self, X, y=None, weight=None, target=None) -> TensorBatches:
        return TensorBatches(X, y, weight, trim=self.padded_constituents, decorrelation=target)

    def _loader(self, dataset, **kwargs) -> BatchLoader:
        return BatchLoader(dataset, self.batch_size, bucket=self._bucketing(), **kwargs)

    def _validate_X_y(self, X, y, *, reset: bool = True):
        """Validate X with ``validate_input`` and y as a finite 1-D target of the same length."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        check_labels(y, estimator=self)  # before numpy sorts or converts them
        X = self.validate_input(X, reset=reset)
        y = column_or_1d(check_array(y, ensure_2d=False, dtype=None, input_name="y"), warn=True)
        check_consistent_length(X, y)
        return X, y

    # -- training options a subclass may declare as parameters ----------------------------
    def _gradient_clip(self):
        return getattr(self, "gradient_clip", None)

    def _mixed_precision(self) -> bool:
        return bool(getattr(self, "mixed_precision", False))

    # -- parameter checks that the constraints cannot express ------------------------------
    def _check_optimizer_params(self, optimizer) -> None:
        """Build the optimizer (and the schedule) once on a dummy parameter, so that bad
        ``optimizer_params`` or ``lr_schedule_params`` raise a ValueError naming them
        before training rather than a bare torch error from inside skorch."""
        name = type(self).__name__
        dummy = [torch.nn.Parameter(torch.zeros(1))]
        try:
            opt = optimizer(dummy, lr=self.lr, **(self.optimizer_params or {}))
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{name}: optimizer_params={self.optimizer_params!r} are not accepted by "
                f"{optimizer.__name__}: {exc}"
            ) from exc
        policy, kwargs = self._schedule(total_steps=1)
        if policy is None:
            return
        cls = getattr(torch.optim.lr_scheduler, policy) if isinstance(policy, str) else policy
        try:
            cls(opt, **kwargs)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{name}: lr_schedule={self.lr_schedule!r} with lr_schedule_params="
                f"{self.lr_schedule_params!r} is not accepted by {cls.__name__}: {exc}"
            ) from exc

    def _optimizer_class(self):
        opt = self.optimizer
        if isinstance(opt, str):
            try:
                return _OPTIMIZERS[opt.lower()]
            except KeyError:
                pass
        elif isinstance(opt, type) and issubclass(opt, torch.optim.Optimizer):
            return opt
        raise ValueError(
            f"{type(self).__name__}: optimizer must be one of {sorted(_OPTIMIZERS)} or a "
            f"torch.optim.Optimizer class, got {opt!r}."
        )

    def _device(self) -> str:
        if isinstance(self.device, torch.device):
            return str(self.device)
        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        try:
            torch.device(self.device)
        except (RuntimeError, TypeError):
            raise ValueError(
                f"{type(self).__name__}: device must be 'auto', 'cpu', 'cuda' or a torch device "
                f"string, got {self.device!r}."
            ) from None
        return self.device

    def _schedule(self, total_steps: int = 1):
        """(policy, keyword arguments) of ``lr_schedule``, or (None, None) without one.

        ``total_steps`` is the number of optimizer steps the per-batch schedules span.
        """
        schedule = self.lr_schedule
        if schedule is None:
            return None, None
        policy: str | type
        kwargs: dict[str, Any]
        if isinstance(schedule, str) and schedule in _SCHEDULES:
            policy, kwargs = _SCHEDULES[schedule]
            kwargs = dict(kwargs)
            if schedule == "cosine":
                kwargs["T_max"] = self.max_epochs
        elif isinstance(schedule, type):
            policy, kwargs = schedule, {}
        else:
            raise ValueError(
                f"{type(self).__name__}: lr_schedule must be None, one of "
                f"{sorted(_SCHEDULES)} or a torch LR scheduler class, got {schedule!r}."
            )
        kwargs.update(self.lr_schedule_params or {})
        if schedule in _PER_BATCH_SCHEDULES:
            factor = WarmupCosine if schedule == "warmup_cosine" else FlatDecay
            try:
                kwargs = {"lr_lambda": factor(total_steps, **kwargs)}
            except TypeError as exc:
                raise ValueError(
                    f"{type(self).__name__}: lr_schedule={schedule!r} with lr_schedule_params="
                    f"{self.lr_schedule_params!r} is not accepted by {factor.__name__}: {exc}"
                ) from exc
        return policy, kwargs

    def _callbacks(self, has_valid: bool, early_stopping: bool = True, n_batches: int = 1):
        callbacks = []
        policy, kwargs = self._schedule(total_steps=self.max_epochs * n_batches)
        if policy is not None:
            monitor = "valid_loss" if has_valid else "train_loss"
            step_every = "batch" if self.lr_schedule in _PER_BATCH_SCHEDULES else "epoch"
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
        if self._gradient_clip() is not None:
            callbacks.append(
                ("gradient_clip", GradientNormClipping(gradient_clip_value=self._gradient_clip()))
            )
        if self.early_stopping and early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(monitor="valid_loss", patience=self.patience, load_best=True),
                )
            )
        if self.verbose == 2:
            callbacks.append(("progress_bar", ProgressBar()))
        return callbacks + disco_callbacks(self) + list(self.callbacks or [])

    # -- labels and weights ---------------------------------------------------------------
    def _encode(self, y, what: str = "y", classes=None, known: str = "seen in fit") -> np.ndarray:
        """Class indices of ``y``; labels outside ``classes`` (default ``classes_``) raise a
        ValueError naming them."""
        classes = self.classes_ if classes is None else classes
        return encode_labels(y, classes, estimator=self, what=what, known=known)[1]

    def _class_weights(self, y_enc: np.ndarray, classes: np.ndarray) -> np.ndarray | None:
        counts = np.bincount(y_enc, minlength=len(classes))
        return class_weight_per_class(self.class_weight, classes, counts, self)

    def _sample_weights(self, sample_weight, X, y_enc, class_weights) -> np.ndarray | None:
        """``class_weights[y_enc] * sample_weight``, None when neither is given."""
        weight = check_classifier_weights(sample_weight, X, self, y_codes=y_enc)
        if class_weights is not None:
            weight = class_weights[y_enc] * (1.0 if weight is None else weight)
        return weight

    # -- fit ------------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, decorrelation_target=None):
        """Train the network.

        Parameters
        ----------
        X : array-like
            Training input; the shape depends on the classifier.
        y : array-like of shape (n_samples,)
            Class labels of any type scikit-learn accepts (strings, ints).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample loss weights, multiplied with ``class_weight``.
        decorrelation_target : array-like of shape (n_samples,), default=None
            With ``decorrelation="disco"``: the variable the background score must not
            depend on, usually the jet mass (in a Pipeline
            ``fit(X, y, <step>__decorrelation_target=m)``, under metadata routing
            ``set_fit_request(decorrelation_target=True)``). None: the jet mass computed
            from X, for a classifier that reads (E, px, py, pz) constituents (ParticleNet,
            ParT). Not used without ``decorrelation``.

        Returns
        -------
        self
        """
        # a warm refit continues the fitted network; otherwise it is rebuilt ("reset")
        warm = self.warm_start and hasattr(self, "net_")
        return self._train(
            X, y, sample_weight, first=not warm, one_epoch=False, target=decorrelation_target
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None, decorrelation_target=None):
        """Train the network for one epoch on one chunk of data.

        For data that does not fit in memory: call it once per chunk (for instance per
        chunk of :func:`skjet.datasets.iter_top_tagging`, or through
        :func:`skjet.datasets.partial_fit_top_tagging`); peak memory is bounded by the
        chunk. The first call builds the network, later calls continue training it with
        the same optimizer state and learning-rate schedule. After ``fit``, ``partial_fit``
        continues training the fitted network.

        Parameters
        ----------
        X : array-like
            One chunk of training input; the shape depends on the classifier. Later calls
            must have the same number of features (``n_features_in_``).
        y : array-like of shape (n_samples,)
            The labels of the chunk; a chunk may hold a single class.
        classes : array-like of shape (n_classes,), default=None
            Every class of the whole data set. Required on the first call (as in
            scikit-learn's ``partial_fit``); later calls may omit it or pass the same.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample loss weights, multiplied with a ``class_weight`` dict. Used as given:
            unlike in ``fit`` they are not rescaled to mean 1 per call, which would change
            the relative weight of the chunks; scale them to mean about 1 over the data set
            so that ``lr`` means the same as in ``fit``.
        decorrelation_target : array-like of shape (n_samples,), default=None
            The chunk's decorrelation target, as in ``fit``.

        Returns
        -------
        self

        Notes
        -----
        Each call is one epoch over the chunk (shuffled batches of ``batch_size``),
        whatever ``max_epochs``; ``history_`` gets one row per call, and an ``lr_schedule``
        steps once per call (``"cosine"`` anneals over ``max_epochs`` calls;
        ``"plateau"`` watches the chunk's training loss unless there is a validation
        set). ``early_stopping`` and ``validation_fraction`` do not apply (the caller
        decides when to stop); a ``train_split`` validation set is evaluated after every
        call. ``class_weight="balanced"`` is refused, as by scikit-learn's
        ``SGDClassifier.partial_fit``, because one chunk does not give the class
        frequencies of the data set: compute them once (e.g.
        ``compute_class_weight("balanced", classes=classes, y=y_sample)``) and pass a
        dict. With an int ``random_state`` the same sequence of calls gives identical
        results on CPU.
        """
        name = type(self).__name__
        first = not hasattr(self, "net_")
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            raise ValueError(
                f"{name}: class_weight='balanced' is not supported by partial_fit: one chunk "
                "does not give the class frequencies of the whole data set. Compute them once, "
                "e.g. dict(zip(classes, sklearn.utils.class_weight.compute_class_weight("
                "'balanced', classes=classes, y=y_sample))) on a large enough sample of the "
                "labels, and pass the dict as class_weight."
            )
        if classes is not None:
            classes = np.unique(column_or_1d(np.asarray(classes), warn=True))
            if not first and not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"{name}: classes={format_labels(classes)} differs from the classes of "
                    f"the first call, {format_labels(self.classes_)}."
                )
        elif first:
            raise ValueError(
                f"{name}: classes must be passed on the first call to partial_fit (every "
                "class of the whole data set, e.g. classes=[0, 1]); a chunk may not hold "
                "them all."
            )
        if first and len(classes) < 2:
            raise ValueError(
                f"{name} needs at least 2 classes; got classes={format_labels(classes)}."
            )
        return self._train(
            X, y, sample_weight, first=first, one_epoch=True, classes=classes,
            target=decorrelation_target,
        )

    def _train(
        self, X, y, sample_weight, *, first: bool, one_epoch: bool, classes=None, target=None
    ):
        """The one training path of ``fit`` and ``partial_fit``.

        ``first`` builds a new network (a cold ``fit``, the first ``partial_fit``), else the
        fitted one continues. ``one_epoch`` is ``partial_fit``: one epoch, weights used as
        given, no early stopping; otherwise ``max_epochs`` epochs with weights rescaled to
        mean 1 and the early-stopping hold-out. Every check comes before any fitted
        attribute is set or replaced.
        """
        if first:
            optimizer = self._optimizer_class()
            device = self._device()
            self._check_optimizer_params(optimizer)
        else:  # the network, its optimizer and its device are kept
            device = str(self.net_.device)
        # a continued fit must match the fitted input shape: it is checked, not replaced
        X, y = self._validate_X_y(X, y, reset=first)
        check_classification_targets(y)
        if one_epoch:
            known = "in classes" if first else "in classes_ (set by the first partial_fit call)"
            classes = classes if first else self.classes_
            y_enc = self._encode(y, classes=classes, known=known)
        elif first:
            classes, y_enc = encode_labels(y, estimator=self)
        else:
            classes, y_enc = self.classes_, self._encode(y)

        class_weights = self._class_weights(y_enc, classes)
        weight = self._sample_weights(sample_weight, X, y_enc, class_weights)
        norm = 1.0
        if weight is not None and not one_epoch:
            norm = weight.mean()
            if not norm > 0:
                raise ValueError(
                    f"{type(self).__name__}: the sample weights (times class weights) are all "
                    "zero; nothing to train on."
                )
            weight = weight / norm
        if weight is not None and np.all(weight == 1.0):
            weight = None  # identical to no weights, and cheaper

        target = check_decorrelation_target(self, target, X, y_enc, weight)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        dataset = self._dataset(X, y_enc, weight, target)
        if one_epoch and self.train_split is None:
            train_ds, valid_ds = dataset, None
        else:
            train_ds, valid_ds = self._split(dataset, y_enc, seed, classes, class_weights, norm)
        if not first:
            self._continue_net(train_ds, valid_ds, seed, device, one_epoch=one_epoch)
            self.net_.train_split = None
            return self
        n_batches = len(self._loader(train_ds, seed=0))
        callbacks = self._callbacks(valid_ds is not None, not one_epoch, n_batches)
        with _seeded_torch(seed, device):
            module = self.build_module(X, len(classes))
            check_first_output(self, module, train_ds, classes)
            self.classes_ = classes
            self.net_ = self._build_net(module, optimizer, device, seed, callbacks, valid_ds)
            if one_epoch:
                self.net_.partial_fit(train_ds, None, epochs=1)
            else:
                self.net_.fit(train_ds, None)
        # the validation data is not part of the fitted model (and not pickled with it)
        self.net_.train_split = None
        return self

    def _continue_net(self, train_ds, valid_ds, seed, device, *, one_epoch: bool) -> None:
        """Continue training the fitted ``net_``: ``max_epochs`` epochs (a warm ``fit``) or
        one epoch with the ``partial_fit`` callbacks."""
        net = self.net_
        # a fresh stream of shuffling and dropout per continuation, reproducible for the
        # sequence of calls (set_params would re-initialise the iterator, so set directly)
        step_seed = seed + len(net.history)
        if one_epoch:
            net.set_params(verbose=int(self.verbose))
        else:
            net.set_params(max_epochs=self.max_epochs, verbose=int(self.verbose))
        net.train_split = None if valid_ds is None else predefined_split(valid_ds)
        net.iterator_train__seed = step_seed
        if one_epoch:
            with _seeded_torch(step_seed, device), _epoch_callbacks(net, valid_ds):
                net.partial_fit(train_ds, None, epochs=1)
        else:
            with _seeded_torch(seed, device):
                net.partial_fit(train_ds, None)

    def _build_net(self, module, optimizer, device, seed, callbacks, valid_ds):
        criterion = disco_criterion(self) or {"criterion": WeightedCrossEntropy}
        net = SkjetNet(
            module,
            **criterion,
            optimizer=optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=BatchLoader,
            iterator_valid=BatchLoader,
            iterator_train__shuffle=True,
            iterator_train__seed=seed,
            iterator_train__bucket=self._bucketing(training=True),
            iterator_valid__bucket=self._bucketing(),
            train_split=None if valid_ds is None else predefined_split(valid_ds),
            callbacks=callbacks,
            classes=list(range(len(self.classes_))),
            verbose=int(self.verbose),
            device=device,
            **{f"optimizer__{k}": v for k, v in (self.optimizer_params or {}).items()},
        )
        net.batch_inputs = self._batch_inputs()
        net.mixed_precision = self._mixed_precision()
        return net

    def _split(self, dataset, y_enc, seed, classes, class_weights, norm):
        """(train, valid) TensorBatches from ``train_split`` or the early-stopping hold-out."""
        split = self.train_split
        if split is None:
            if not self.early_stopping:
                return dataset, None
            index = np.arange(len(dataset))
            counts = np.bincount(y_enc)
            n_valid = int(np.ceil(self.validation_fraction * len(index)))
            stratify = y_enc if counts[counts > 0].min() >= 2 and n_valid >= len(counts) else None
            try:
                train_idx, valid_idx = train_test_split(
                    index,
                    test_size=self.validation_fraction,
                    stratify=stratify,
                    random_state=seed,
                )
            except ValueError as exc:
                raise ValueError(
                    f"{type(self).__name__}: cannot hold out validation_fraction="
                    f"{self.validation_fraction} of {len(index)} samples for early stopping: {exc}"
                ) from exc
            return dataset.subset(train_idx), dataset.subset(valid_idx)
        if isinstance(split, tuple):
            if len(split) != 2:
                raise ValueError(
                    f"{type(self).__name__}: train_split as a tuple must be (X_val, y_val), "
                    f"got a tuple of length {len(split)}."
                )
            return dataset, self._external_valid(*split, classes, class_weights, norm)
        if callable(split):
            train, valid = split(dataset, y_enc)
            return (
                self._coerce_split(train, classes),
                self._coerce_split(valid, classes, class_weights, norm),
            )
        raise ValueError(
            f"{type(self).__name__}: train_split must be None, a (X_val, y_val) tuple or a "
            f"callable such as skorch.helper.predefined_split, got {split!r}."
        )

    def _external_valid(self, X_val, y_val, classes, class_weights, norm) -> TensorBatches:
        X_val, y_val = self._validate_X_y(X_val, y_val, reset=False)
        y_enc = self._encode(y_val, what="the validation labels", classes=classes)
        weight = None if class_weights is None else class_weights[y_enc] / norm
        return self._dataset(X_val, y_enc, weight)

    def _coerce_split(self, part, classes, class_weights=None, norm=1.0):
        """Bring what a skorch-style split returned back to a TensorBatches."""
        if part is None or isinstance(part, TensorBatches):
            return part
        if isinstance(part, torch.utils.data.Subset) and isinstance(part.dataset, TensorBatches):
            return part.dataset.subset(part.indices)
        if isinstance(part, SkorchDataset):
            return self._external_valid(part.X, part.y, classes, class_weights, norm)
        raise TypeError(
            f"{type(self).__name__}: train_split returned a {type(part).__name__}; expected a "
            "subset of the training data or a skorch.dataset.Dataset(X_val, y_val)."
        )

    @property
    def history_(self) -> pd.DataFrame:
        """One row per epoch (see the class docstring), built from ``net_.history`` on read."""
        check_is_fitted(self)
        return self._history_frame()

    def _history_frame(self) -> pd.DataFrame:
        # the standard columns first, then every other epoch-level entry of the skorch
        # history (a user's EpochScoring, ...) in order of appearance; skorch's per-batch
        # records and batch counts stay in net_.history
        columns = list(_HISTORY_COLUMNS)
        for epoch in self.net_.history:
            columns += [key for key in epoch if key not in columns and key not in _SKORCH_ONLY]
        rows = [{key: epoch.get(key, np.nan) for key in columns} for epoch in self.net_.history]
        frame = pd.DataFrame(rows, columns=columns)
        frame["valid_loss_best"] = frame["valid_loss_best"].eq(True)
        return frame

    # -- prediction -----------------------------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "net_")

    @property
    def module_(self) -> torch.nn.Module:
        """The trained torch module."""
        check_is_fitted(self)
        return self.net_.module_

    def _stream(self, X, method: str | None, width: int) -> np.ndarray:
        """Run the module on ``X`` batch by batch into one preallocated float64 array.

        With length bucketing the batches are visited in order of length; each batch's
        rows are written back at their input positions.
        """
        check_is_fitted(self)
        X = self.validate_input(X, reset=False)
        loader = self._loader(self._dataset(X))
        module = self.net_.module_
        fn = module if method is None else getattr(module, method)
        to_inputs = self._batch_inputs()
        out = np.empty((len(X), width), dtype=np.float64)
        module.eval()
        with torch.no_grad():
            for index, (xb, _) in loader.indexed():
                inputs = xb.to(self.net_.device)
                if to_inputs is not None:
                    inputs = to_inputs(inputs)
                res = fn(*inputs) if isinstance(inputs, tuple) else fn(inputs)
                res = res.to("cpu", torch.float64)
                if method is None:
                    res = torch.softmax(res, dim=1)  # in float64: rows sum to 1 tightly
                out[index if isinstance(index, slice) else index.numpy()] = res.numpy()
        return out

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns ordered as ``classes_``.

        Computed batch by batch: memory beyond the output does not grow with ``len(X)``.
        """
        check_is_fitted(self)
        return self._stream(X, None, len(self.classes_))

    def predict(self, X) -> np.ndarray:
        """Most probable class label per sample."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy; labels in ``y`` that were not seen in fit raise a ValueError naming them."""
        check_is_fitted(self)
        X, y = self._validate_X_y(X, y, reset=False)
        self._encode(y)
        return float(accuracy_score(y, self.predict(X), sample_weight=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


def check_input_shape(estimator, shape, *, reset: bool, attribute: str, what: str) -> None:
    """Store (``reset``) or check the per-sample input shape a neural classifier was fitted on.

    The one place of the fitted-width check of the neural classifiers: ``shape`` (an int
    or a tuple) is stored as ``attribute`` on a fresh fit and compared on later calls, with
    a ValueError that names both. ``what`` describes the shape, with ``{}`` where it goes:
    ``what="{} features per constituent"`` gives "X has 2 features per constituent, but
    the classifier was fitted with 3".
    """
    if reset:
        setattr(estimator, attribute, shape)
        return
    fitted = getattr(estimator, attribute)
    if shape != fitted:
        word = "on" if isinstance(fitted, tuple) else "with"
        raise ValueError(
            f"{type(estimator).__name__}: X has {what.format(shape)}, but the classifier was "
            f"fitted {word} {fitted}."
        )
