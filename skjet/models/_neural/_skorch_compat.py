"""The one place where skjet uses skorch's private API.

Like :mod:`skjet.utils._sklearn_compat` for scikit-learn: skorch's underscored methods and
the attributes it stores for itself are reached only through the names below, so that a
skorch release that changes them is fixed here. Everything else the trainer uses
(``NeuralNetClassifier``'s constructor, ``fit``/``partial_fit``/``initialize``,
``train_step``, ``evaluation_step``, ``infer``, ``get_loss``, ``notify``, ``set_params``,
``callbacks_``, ``history``, the callbacks) is skorch's public API.
"""

from __future__ import annotations

from skorch import NeuralNetClassifier
from skorch.utils import to_device


class FencedNet(NeuralNetClassifier):
    """skorch's classifier with the private hooks skjet changes behind public names.

    Subclasses override :meth:`default_callbacks` (skorch's ``_default_callbacks``) and call
    :meth:`zero_grad_optimizer` and :meth:`set_training` (``_zero_grad_optimizer``,
    ``_set_training``) in a custom ``train_step``.
    """

    def default_callbacks(self) -> list:
        """The callbacks every net has before the user's (skorch's by default)."""
        return list(super()._default_callbacks)

    @property
    def _default_callbacks(self):
        return self.default_callbacks()

    def _set_training(self, training=True):
        # skorch switches the mode at every batch; walking the module tree each time costs
        # as much as a small network's forward pass, so only switch when it changes
        if self.module_.training != training or self.criterion_.training != training:
            super()._set_training(training)

    def zero_grad_optimizer(self) -> None:
        self._zero_grad_optimizer()

    def set_training(self, training: bool = True) -> None:
        self._set_training(training)


def set_iterator_seed(net: NeuralNetClassifier, seed: int) -> None:
    """Seed the shuffling of the next epochs of a fitted net.

    skorch stores ``iterator_train__*`` keywords as attributes and builds the iterator from
    them at every epoch; ``set_params`` would re-initialise the net, so set it directly.
    """
    net.iterator_train__seed = seed


def replace_criterion(net: NeuralNetClassifier, criterion: type, **params) -> None:
    """Give an initialised net a new loss, ``criterion(**params)``, keeping its optimizer.

    skorch's ``set_params(criterion=...)`` or ``set_params(criterion__x=...)`` re-initialises
    the optimizer as well, which would drop the optimizer state a warm fit continues from;
    a loss without parameters does not need that. The loss is stored as skorch stores its
    constructor arguments (``criterion`` and ``criterion__*`` attributes), so a later
    ``initialize()`` builds the same loss.
    """
    for key in [key for key in vars(net) if key.startswith("criterion__")]:
        delattr(net, key)
    net.criterion = criterion
    for key, value in params.items():
        setattr(net, f"criterion__{key}", value)
    net.criterion_ = to_device(criterion(**params), net.device)
