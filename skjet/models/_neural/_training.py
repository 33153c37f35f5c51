"""Fast data feeding, the weighted loss and the skorch net the estimators drive.

skorch's default ``DataLoader`` collates one sample at a time, which dominates the epoch of a
small network. Here a dataset holds whole tensors and the loader yields each batch with a
single index operation on a (seeded) random permutation; zero-padded constituent batches are
trimmed to their longest jet.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback, EpochTimer, PassthroughScoring, PrintLog
from torch import nn


def as_tensor(X: np.ndarray) -> torch.Tensor:
    """Share memory with a writeable array (nothing writes to it), else copy."""
    if not X.flags.writeable:
        X = X.copy()
    return torch.from_numpy(X)


def padded_lengths(X: torch.Tensor, chunk: int = 1 << 15) -> torch.Tensor:
    """Index of the last real constituent + 1 per jet (0 for a jet without constituents)."""
    m = X.shape[1]
    out = torch.empty(X.shape[0], dtype=torch.int64)
    for start in range(0, X.shape[0], chunk):
        mask = X[start : start + chunk].ne(0).any(dim=-1)
        # position of the first real row counted from the end
        last = torch.argmax(mask.flip(1).to(torch.int8), dim=1)
        out[start : start + chunk] = torch.where(mask.any(dim=1), m - last, 0)
    return out


class TensorBatches(torch.utils.data.Dataset):
    """Validated arrays as tensors, served a whole batch at a time.

    Parameters
    ----------
    X : ndarray, float32
    y : ndarray of int, optional
        Encoded class indices.
    weight : ndarray, optional
        Per-sample loss weights.
    trim : bool
        ``X`` is (n, m, f) zero-padded at the end: cut each batch to its longest jet.
    """

    def __init__(self, X, y=None, weight=None, *, trim: bool = False):
        self.X = X if isinstance(X, torch.Tensor) else as_tensor(X)
        self.y = None if y is None else torch.as_tensor(y, dtype=torch.int64)
        self.weight = None if weight is None else torch.as_tensor(weight, dtype=torch.float32)
        self.lengths = padded_lengths(self.X) if trim else None
        self.rows = None  # a subset is a view: row numbers into the full tensors

    def __len__(self) -> int:
        return len(self.X) if self.rows is None else len(self.rows)

    def _target(self, index):
        if self.y is None:
            return None
        if self.weight is None:
            return self.y[index]
        return self.y[index], self.weight[index]

    def __getitem__(self, i):
        # single samples, for any torch DataLoader; skjet's loader uses ``batch``
        i = i if self.rows is None else self.rows[i]
        return self.X[i], self._target(i)

    def batch(self, index):
        """``(X[index], target[index])`` for a slice or an index tensor."""
        if self.rows is not None:
            index = self.rows[index]
        X = self.X
        if self.lengths is not None:
            longest = int(self.lengths[index].max())
            X = X[:, : max(longest, 1)]
        Xb = X[index]
        if not Xb.is_contiguous():
            Xb = Xb.contiguous()
        return Xb, self._target(index)

    def subset(self, index) -> TensorBatches:
        """The rows ``index`` of this dataset, sharing its tensors (no copy of X)."""
        index = torch.as_tensor(np.asarray(index), dtype=torch.int64)
        sub = TensorBatches.__new__(TensorBatches)
        vars(sub).update(vars(self))
        sub.rows = index if self.rows is None else self.rows[index]
        return sub


class BatchLoader:
    """DataLoader replacement: contiguous slices, or one gather per batch when shuffling.

    Each ``iter`` draws a new permutation from its own ``torch.Generator`` seeded with
    ``seed``, so shuffling is reproducible and independent of the global torch RNG.
    """

    def __init__(
        self,
        dataset: TensorBatches,
        batch_size: int = 256,
        shuffle: bool = False,
        seed: int | None = None,
    ):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = torch.Generator()
        if seed is not None:
            self.generator.manual_seed(int(seed))
        else:
            self.generator.seed()

    def _bounds(self) -> list[int]:
        n, bs = len(self.dataset), self.batch_size
        bounds = list(range(0, n, bs)) + [n]
        if len(bounds) > 2 and n - bounds[-2] == 1:
            # a last batch of one sample would break batch normalisation: merge it
            del bounds[-2]
        return bounds

    def __len__(self) -> int:
        return len(self._bounds()) - 1

    def __iter__(self):
        bounds = self._bounds()
        if self.shuffle:
            order = torch.randperm(len(self.dataset), generator=self.generator)
            for start, stop in zip(bounds[:-1], bounds[1:]):
                yield self.dataset.batch(order[start:stop])
        else:
            for start, stop in zip(bounds[:-1], bounds[1:]):
                yield self.dataset.batch(slice(start, stop))


class WeightedCrossEntropy(nn.Module):
    """Mean over the batch of ``w_i * CE_i``; plain mean cross-entropy without weights.

    The mean (not ``sum(w CE) / sum(w)``) keeps the per-sample normalisation: summing batch
    losses times batch sizes gives the total weighted loss of the epoch.
    """

    def forward(self, logits, target):
        if isinstance(target, list | tuple):
            y, w = target
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


class SkjetNet(NeuralNetClassifier):
    """skorch classifier fed by :class:`BatchLoader`; skjet validates the data before."""

    @property
    def _default_callbacks(self):
        return [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("metrics", EpochMetrics()),
            ("print_log", PrintLog(keys_ignored=["train_loss_best"])),
        ]

    def _set_training(self, training=True):
        # skorch switches the mode at every batch; walking the module tree each time costs
        # as much as a small network's forward pass, so only switch when it changes
        if self.module_.training != training or self.criterion_.training != training:
            super()._set_training(training)

    def check_data(self, X, y):
        # The skjet estimator has validated and encoded X and y into a TensorBatches.
        pass
