"""The estimator face of skjet's neural classifiers.

Design: a plain scikit-learn estimator (``ClassifierMixin, BaseEstimator``) whose ``__init__``
stores explicit parameters, and which trains a skorch ``NeuralNetClassifier`` (``net_``)
through the trainer of :mod:`._training`, the one module that knows skorch. Wrapping rather
than subclassing skorch keeps ``get_params``/``clone``/``GridSearchCV`` to exactly the
documented parameters (no ``module__*`` prefixes, no skorch-only parameters in the grid),
lets skjet own input validation, label encoding and sample weights, and passes
scikit-learn's common checks. Here: the parameters (the training ones declared once in
:mod:`._parameters`), the hooks, validation, labels, weights, the validation split, and
prediction; ``fit`` and ``partial_fit`` share one training path.

:class:`NeuralClassifier` is public: a new architecture is a subclass that implements
``validate_input`` and ``build_module`` (and optionally ``module_inputs``); see its docstring
and the docs page "Adding an architecture".
"""

from __future__ import annotations

import inspect
from abc import ABCMeta, abstractmethod
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

from ...utils._classes import check_labels, class_weight_per_class, encode_labels, format_labels
from ...utils._sklearn_compat import _fit_context
from .._validation import LogProbaMixin, check_classifier_weights
from ._batches import BatchLoader, TensorBatches
from ._decorrelation import check_decorrelation_target, check_validation_target
from ._parameters import TRAINING_PARAMETERS, compose_doc, compose_signature
from ._training import Trainer, history_frame, validation_data


class NeuralClassifier(LogProbaMixin, ClassifierMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of skjet's neural classifiers, public for new architectures.

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

    A module with a frozen body (a pretrained network fine-tuned with ``freeze_body``)
    can say so with a method ``frozen_body()`` returning ``(embed, head)``: ``embed``
    maps a batch to what ``head`` reads and has no trainable parameters, ``head`` is the
    ``nn.Module`` that trains, and ``module(x)`` equals ``head(embed(x))``. Training then
    runs ``embed`` once per sample, with the module in evaluation mode and no gradients,
    and trains ``head`` on the stored outputs, so every further epoch costs only the head.

    Set the class attribute ``padded_constituents = True`` for zero-padded
    (n_jets, n_constituents, n_features) input: batches are then trimmed to their longest
    jet, and, with ``bucketing`` ("inference" or True), hold jets of similar length
    (predictions still come back in the input order). ``fit`` is a reset followed by the
    code ``partial_fit`` runs.

    A subclass declares only its own parameters and takes the training parameters below as
    ``**training``, passed on to ``super().__init__`` (with a default of its own where it
    names one, e.g. ``optimizer="adamw"``); its ``__init__`` then has the full signature
    scikit-learn reads, and its docstring the training parameters' entries.

    Parameters
    ----------

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
        name: param.constraint for name, param in TRAINING_PARAMETERS.items()
    }

    # The weighted cross-entropy takes signed weights (see TRAINING_NOTES).
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
        bucketing="inference",
        gradient_clip=None,
        mixed_precision=False,
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
        self.bucketing = bucketing
        self.gradient_clip = gradient_clip
        self.mixed_precision = mixed_precision
        self.decorrelation = decorrelation
        self.decorrelation_strength = decorrelation_strength

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:
            signature = compose_signature(init, super(cls, cls).__init__)  # type: ignore[misc]
            if signature is not None:
                init.__signature__ = signature
        cls.__doc__ = compose_doc(cls.__dict__.get("__doc__"), inspect.signature(cls.__init__))

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

    def optimizer_param_groups(self) -> list | None:
        """The optimizer's parameter groups: ``[(pattern, {"lr": ...}), ...]`` where
        ``pattern`` matches parameter names of the module (``fnmatch`` style, as skorch's
        ``optimizer__param_groups``), or None for one group at ``lr``. The fine-tuned
        pretrained taggers train their body at a rate of its own."""
        return None

    def _bucketing(self, training: bool = False) -> bool:
        """Whether batches are grouped by length: ``bucketing`` True everywhere, "inference"
        in validation and prediction only (where outputs do not depend on the batches)."""
        value = self.bucketing
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
        # a reset (unless a warm refit continues the fitted network), then the partial_fit
        # path for max_epochs epochs with early stopping
        warm = self.warm_start and hasattr(self, "net_")
        return self._train(
            X, y, sample_weight, epochs=None, target=decorrelation_target, reset=not warm
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
            X, y, sample_weight, epochs=1, classes=classes, target=decorrelation_target
        )

    def _train(self, X, y, sample_weight, *, epochs, classes=None, target=None, reset=False):
        """The one training path of ``fit`` and ``partial_fit``.

        The fitted network continues, unless ``reset`` (a cold ``fit``) or there is none:
        then a new one is built for ``classes`` (the first ``partial_fit``) or the classes
        of ``y`` (``fit``). ``epochs`` None is ``fit``: ``max_epochs`` epochs with the
        early-stopping hold-out and the weights rescaled to mean 1; otherwise that many
        epochs (``partial_fit``: one) with the weights as given. Every check comes before
        any fitted attribute is set or replaced; the :class:`~._training.Trainer` runs
        the epochs.
        """
        trainer = Trainer(self)
        fitted = hasattr(self, "net_") and not reset
        if not fitted:  # the network, its optimizer and its device are kept
            trainer.check_optimizer()
        # a continued fit must match the fitted input shape: it is checked, not replaced
        X, y = self._validate_X_y(X, y, reset=not fitted)
        check_classification_targets(y)
        if fitted:
            known = "seen in fit" if epochs is None else (
                "in classes_ (set by the first partial_fit call)"
            )
            classes, y_enc = self.classes_, self._encode(y, known=known)
        elif classes is None:
            classes, y_enc = encode_labels(y, estimator=self)
        else:
            y_enc = self._encode(y, classes=classes, known="in classes")

        class_weights = self._class_weights(y_enc, classes)
        weight = self._sample_weights(sample_weight, X, y_enc, class_weights)
        norm = 1.0
        if weight is not None and epochs is None:
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
        hold_out = epochs is None and self.early_stopping
        train_ds, valid_ds = self._split(
            dataset, y_enc, seed, classes, class_weights, norm, hold_out=hold_out
        )
        if fitted:
            trainer.resume(train_ds, valid_ds, seed, epochs=epochs)
        else:
            trainer.start(X, classes, train_ds, valid_ds, seed, epochs=epochs)
        # the validation data is not part of the fitted model (and not pickled with it)
        self.net_.train_split = None
        return self

    def _split(self, dataset, y_enc, seed, classes, class_weights, norm, *, hold_out: bool):
        """(train, valid) TensorBatches from ``train_split`` or, with ``hold_out``, the
        early-stopping hold-out."""
        split = self.train_split
        if split is None:
            if not hold_out:
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
            if len(split) not in (2, 3):
                raise ValueError(
                    f"{type(self).__name__}: train_split as a tuple must be (X_val, y_val) or "
                    f"(X_val, y_val, decorrelation_target_val), got a tuple of length "
                    f"{len(split)}."
                )
            X_val, y_val, *target = split
            return dataset, self._external_valid(
                X_val, y_val, classes, class_weights, norm, target=target[0] if target else None
            )
        if callable(split):
            train, valid = split(dataset, y_enc)
            return (
                self._coerce_split(train, classes),
                self._coerce_split(valid, classes, class_weights, norm),
            )
        raise ValueError(
            f"{type(self).__name__}: train_split must be None, a (X_val, y_val) or (X_val, "
            "y_val, decorrelation_target_val) tuple or a callable such as "
            f"skorch.helper.predefined_split, got {split!r}."
        )

    def _external_valid(
        self, X_val, y_val, classes, class_weights, norm, target=None
    ) -> TensorBatches:
        """The validation set of a ``train_split`` tuple or skorch Dataset, with its
        decorrelation target under DisCo (given, or the jet mass of ``X_val``)."""
        X_val, y_val = self._validate_X_y(X_val, y_val, reset=False)
        y_enc = self._encode(y_val, what="the validation labels", classes=classes)
        weight = None if class_weights is None else class_weights[y_enc] / norm
        target = check_validation_target(self, target, X_val)
        return self._dataset(X_val, y_enc, weight, target)

    def _coerce_split(self, part, classes, class_weights=None, norm=1.0):
        """Bring what a skorch-style split returned back to a TensorBatches."""
        if part is None or isinstance(part, TensorBatches):
            return part
        if isinstance(part, torch.utils.data.Subset) and isinstance(part.dataset, TensorBatches):
            return part.dataset.subset(part.indices)
        data = validation_data(part)
        if data is not None:  # a skorch Dataset(X_val, y_val)
            return self._external_valid(*data, classes, class_weights, norm)
        raise TypeError(
            f"{type(self).__name__}: train_split returned a {type(part).__name__}; expected a "
            "subset of the training data or a skorch.dataset.Dataset(X_val, y_val)."
        )

    @property
    def history_(self) -> pd.DataFrame:
        """One row per epoch (see the class docstring), built from ``net_.history`` on read."""
        check_is_fitted(self)
        return history_frame(self.net_)

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


NeuralClassifier.__doc__ = compose_doc(
    NeuralClassifier.__doc__, inspect.signature(NeuralClassifier.__init__)
)


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
