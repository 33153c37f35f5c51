"""The training parameters of every neural classifier, declared once.

:data:`TRAINING_PARAMETERS` holds each parameter's constraint and documentation; its default
is the one of :class:`~skjet.models.NeuralClassifier`'s ``__init__``. A subclass writes only
its own parameters and takes the training ones as ``**training``, passed on to
``super().__init__``:

    def __init__(self, width=32, *, optimizer="adamw", **training):
        super().__init__(optimizer=optimizer, **training)
        self.width = width

:func:`compose_signature` then gives that ``__init__`` the explicit signature scikit-learn
reads (``get_params``, ``clone``, ``GridSearchCV``): its own parameters followed by the
inherited ones, keyword-only, with their defaults (here ``optimizer`` with the subclass's).
:func:`compose_doc` appends the training parameters' entries, with those defaults, to the
class docstring's Parameters section, and their notes to its Notes section.
"""

from __future__ import annotations

import inspect
from numbers import Integral, Real
from typing import Any, NamedTuple

import torch

from ...utils._sklearn_compat import Interval, StrOptions


class TrainingParameter(NamedTuple):
    """The constraint and the numpydoc entry (type and description) of one parameter."""

    constraint: list
    type: str
    doc: str


TRAINING_PARAMETERS: dict[str, TrainingParameter] = {
    "max_epochs": TrainingParameter(
        [Interval(Integral, 1, None, closed="left")],
        "int",
        """Number of passes over the training data in ``fit`` (fewer with early stopping);
        ``partial_fit`` makes one pass per call.""",
    ),
    "batch_size": TrainingParameter(
        [Interval(Integral, 1, None, closed="left")],
        "int",
        "Jets per mini-batch, for training and for streaming predictions.",
    ),
    "lr": TrainingParameter(
        [Interval(Real, 0, None, closed="neither")], "float", "Initial learning rate."
    ),
    "optimizer": TrainingParameter(
        # the names are checked against the table with a message that lists them
        [str, type],
        '{"adam", "adamw", "sgd"} or torch.optim.Optimizer class',
        "The optimizer.",
    ),
    "optimizer_params": TrainingParameter(
        [dict, None],
        "dict",
        'Extra keyword arguments of the optimizer, e.g. ``{"weight_decay": 1e-4}``.',
    ),
    "lr_schedule": TrainingParameter(
        [str, type, None],
        '{None, "exponential", "plateau", "cosine", "warmup_cosine", "flat_decay"}',
        """Learning-rate schedule (skorch ``LRScheduler``). Stepped once per epoch:
        ``ExponentialLR(gamma=0.9)``, ``ReduceLROnPlateau(factor=0.1, patience=2)`` on the
        validation loss (training loss without validation) or ``CosineAnnealingLR(T_max=
        max_epochs)``. Stepped once per batch over the ``max_epochs`` epochs of ``fit``
        (or ``max_epochs`` calls of ``partial_fit``): ``"warmup_cosine"``, a linear warm-up
        over ``warmup_fraction=0.05`` of the steps then a cosine decay, and ``"flat_decay"``,
        the Particle Transformer recipe: constant for ``flat_fraction=0.7`` of the steps,
        then an exponential decay to ``final_factor=0.01`` times ``lr``. A torch scheduler
        class is also accepted (stepped per epoch).""",
    ),
    "lr_schedule_params": TrainingParameter(
        [dict, None], "dict", "Overrides of the schedule's keyword arguments."
    ),
    "early_stopping": TrainingParameter(
        ["boolean"],
        "bool",
        """Stop when the validation loss has not improved for ``patience`` epochs and restore
        the weights of the best epoch. Without ``train_split``, a stratified
        ``validation_fraction`` of the training data is held out. Not used by
        ``partial_fit``.""",
    ),
    "validation_fraction": TrainingParameter(
        [Interval(Real, 0, 1, closed="neither")],
        "float",
        "Held-out fraction for early stopping when ``train_split`` is None.",
    ),
    "patience": TrainingParameter(
        [Interval(Integral, 1, None, closed="left")],
        "int",
        "Epochs without improvement of the validation loss before stopping.",
    ),
    "train_split": TrainingParameter(
        [tuple, callable, None],
        "None, (X_val, y_val) or (X_val, y_val, decorrelation_target_val) tuple, or callable",
        """A predefined validation set, or a skorch split such as
        ``skorch.helper.predefined_split(skorch.dataset.Dataset(X_val, y_val))`` or
        ``skorch.dataset.ValidSplit(5)``. Its loss and accuracy are recorded every epoch and
        early stopping monitors it. With ``decorrelation="disco"`` the third entry of the
        tuple is the validation jets' decorrelation target (shape (n_val,)), so that the
        validation loss has the DisCo term and ``history_`` gets ``valid_disco``; without
        it, a classifier that reads (E, px, py, pz) constituents computes the jet mass of
        the validation jets, and the others warn that the validation loss is the
        cross-entropy alone. A split of the training data keeps its target.""",
    ),
    "class_weight": TrainingParameter(
        [StrOptions({"balanced"}), dict, None],
        'None, "balanced" or dict',
        """Per-class loss weights (``{label: weight}``; "balanced" is ``n / (n_classes *
        count)``), multiplied with ``sample_weight``.""",
    ),
    "callbacks": TrainingParameter(
        [list, None], "list of skorch callbacks", "Extra callbacks for the skorch net."
    ),
    "device": TrainingParameter(
        [str, torch.device],
        '{"auto", "cpu", "cuda"} or str',
        '"auto" uses CUDA when available.',
    ),
    "warm_start": TrainingParameter(
        ["boolean"],
        "bool",
        """Refitting continues training the fitted network (and optimizer state) for
        ``max_epochs`` more epochs; the architecture and optimizer are kept from the first fit.""",
    ),
    "verbose": TrainingParameter(
        [Interval(Integral, 0, 2, closed="both"), "boolean"],
        "int",
        "0 silent, 1 one line per epoch, 2 also a progress bar per epoch.",
    ),
    "random_state": TrainingParameter(
        ["random_state"],
        "int, RandomState instance or None",
        """Seeds weight initialisation, dropout, shuffling and the validation split: the same
        value gives identical results on CPU. The global torch RNG is left untouched.""",
    ),
    "bucketing": TrainingParameter(
        [StrOptions({"inference"}), "boolean"],
        '{"inference", True, False}',
        """For zero-padded constituents (``padded_constituents``; ignored otherwise): batches
        of jets of similar multiplicity, so that trimming each batch to its longest jet
        removes most of the padding. "inference": in validation and prediction only, where
        the outputs do not depend on the batches (rows still come back in the input order),
        so it is speed for free. True: in training too, where shuffled jets are grouped by
        multiplicity within windows of 16 batches (by its quantile within each class, so
        that every batch keeps the class mix), deterministic under ``random_state``. An
        epoch is then faster, but such batches are not random samples of the data: on top
        vs QCD jets, where multiplicity separates the classes, the networks reached a lower
        AUC after the same epochs (see the model guide). False: never.""",
    ),
    "gradient_clip": TrainingParameter(
        [Interval(Real, 0, None, closed="neither"), None],
        "float or None",
        "Clip the gradient norm to this value before every step.",
    ),
    "mixed_precision": TrainingParameter(
        ["boolean"],
        "bool",
        """Autocast the forward pass: float16 with a gradient scaler on CUDA, bfloat16 on CPU
        (slower than float32 on most CPUs; meant for CUDA).""",
    ),
    "decorrelation": TrainingParameter(
        [StrOptions({"disco"}), None],
        '{None, "disco"}',
        """"disco": add ``decorrelation_strength`` times the squared weighted distance
        correlation between the background jets' signal score and the decorrelation target
        (the jet mass) to every batch loss (DisCo, Kasieczka and Shih, 2020), so that a cut
        on the score does not sculpt the background mass. The target is passed to ``fit``
        as ``decorrelation_target``; see the user guide page "Mass decorrelation". The
        background is ``classes_[0]`` and the score ``1 - P(classes_[0])``. A warm
        ``fit`` or a ``partial_fit`` that continues a fitted network trains with the
        current ``decorrelation`` and ``decorrelation_strength`` (the optimizer state is
        kept).""",
    ),
    "decorrelation_strength": TrainingParameter(
        [Interval(Real, 0, None, closed="left")],
        "float",
        """The DisCo weight lambda; 0 trains the plain classifier. ``history_`` gets the
        mean squared distance correlation of the batches per epoch (``train_disco``,
        ``valid_disco``), before the factor lambda.""",
    ),
}

TRAINING_NOTES = """\
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


def compose_signature(init, inherited_init) -> inspect.Signature | None:
    """The signature of an ``__init__(self, ..., **training)``: its own parameters, then
    the keyword-only ones of ``inherited_init`` (the parent's) that it does not declare;
    None for an ``__init__`` without ``**`` (it declares all of its parameters itself).

    A parent's positional parameters are its architecture and are not inherited: the
    Energy Flow Network subclasses Deep Sets for its ``transform`` but has no ``pooling``
    (its ``__init__`` calls ``NeuralClassifier.__init__``)."""
    own = inspect.signature(init)
    params = [p for p in own.parameters.values() if p.kind is not p.VAR_KEYWORD]
    if len(params) == len(own.parameters):
        return None
    names = {p.name for p in params}
    inherited = list(inspect.signature(inherited_init).parameters.values())[1:]  # no self
    params += [p for p in inherited if p.kind is p.KEYWORD_ONLY and p.name not in names]
    return own.replace(parameters=params)


_LATER_SECTIONS = ("Returns", "Attributes", "Methods", "See Also", "Notes", "References",
                   "Examples")


def _format_default(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _section_starts(lines: list[str]) -> dict[str, int]:
    """Line number of each numpydoc section title (a title line underlined by dashes)."""
    return {
        lines[i].strip(): i
        for i in range(len(lines) - 1)
        if lines[i].strip() and set(lines[i + 1].strip()) == {"-"}
    }


def compose_doc(doc: str | None, signature: inspect.Signature) -> str | None:
    """``doc`` with an entry per training parameter of ``signature`` (its default from
    there) at the end of the Parameters section, and the training notes at the end of the
    Notes section (a new one before References or Examples when there is none)."""
    if not doc:
        return doc
    entries = [
        f"    {name} : {TRAINING_PARAMETERS[name].type}, "
        f"default={_format_default(param.default)}\n        {TRAINING_PARAMETERS[name].doc}"
        for name, param in signature.parameters.items()
        # a subclass may document a training parameter itself
        if name in TRAINING_PARAMETERS and f"\n    {name} :" not in doc
    ]
    lines = doc.rstrip().split("\n")
    starts = _section_starts(lines)
    if "Parameters" not in starts:
        return doc
    # the Notes first: the Parameters section comes before it
    if "Notes" in starts:
        end = min([i for t, i in starts.items() if i > starts["Notes"]], default=len(lines))
        lines[end:end] = ["", TRAINING_NOTES, ""] if end < len(lines) else ["", TRAINING_NOTES]
    else:
        after = [starts[t] for t in ("References", "Examples") if t in starts]
        at = min(after, default=len(lines))
        lines[at:at] = ["    Notes", "    -----", TRAINING_NOTES, ""]
    starts = _section_starts(lines)
    end = min(
        [i for t, i in starts.items() if t in _LATER_SECTIONS and i > starts["Parameters"]],
        default=len(lines),
    )
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    lines[end:end] = entries
    return "\n".join(lines) + "\n    "
