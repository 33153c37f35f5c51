"""Fast data feeding of the neural classifiers (torch only; skorch is the trainer's).

skorch's default ``DataLoader`` collates one sample at a time, which dominates the epoch of a
small network. Here a dataset holds whole tensors and the loader yields each batch with a
single index operation on a (seeded) random permutation; zero-padded constituent batches are
trimmed to their longest jet, and with length bucketing hold jets of similar multiplicity.
"""

from __future__ import annotations

import numpy as np
import torch


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
    decorrelation : ndarray, optional
        Per-sample decorrelation target (DisCo); travels with the weights in the batch
        target ``(y, weight, decorrelation)``, unit weights when there are none.
    """

    def __init__(self, X, y=None, weight=None, *, trim: bool = False, decorrelation=None):
        self.X = X if isinstance(X, torch.Tensor) else as_tensor(X)
        self.y = None if y is None else torch.as_tensor(y, dtype=torch.int64)
        self.weight = None if weight is None else torch.as_tensor(weight, dtype=torch.float32)
        self.decorrelation = (
            None if decorrelation is None else torch.as_tensor(decorrelation, dtype=torch.float32)
        )
        if self.decorrelation is not None and self.weight is None and self.y is not None:
            self.weight = torch.ones(len(self.X), dtype=torch.float32)
        self.lengths = padded_lengths(self.X) if trim else None
        self.rows = None  # a subset is a view: row numbers into the full tensors

    def __len__(self) -> int:
        return len(self.X) if self.rows is None else len(self.rows)

    def _target(self, index):
        if self.y is None:
            return None
        if self.weight is None:
            return self.y[index]
        if getattr(self, "decorrelation", None) is not None:
            return self.y[index], self.weight[index], self.decorrelation[index]
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

    def row_targets(self) -> torch.Tensor | None:
        """Class indices of the rows of this dataset, or None without labels."""
        if self.y is None:
            return None
        return self.y if self.rows is None else self.y[self.rows]

    def row_lengths(self) -> torch.Tensor:
        """Padded length of every row of this dataset (of the subset, for a subset)."""
        assert self.lengths is not None  # set for every dataset whose rows are bucketed
        return self.lengths if self.rows is None else self.lengths[self.rows]

    def subset(self, index) -> TensorBatches:
        """The rows ``index`` of this dataset, sharing its tensors (no copy of X)."""
        index = torch.as_tensor(np.asarray(index), dtype=torch.int64)
        sub = TensorBatches.__new__(TensorBatches)
        vars(sub).update(vars(self))
        sub.rows = index if self.rows is None else self.rows[index]
        return sub


def _rank_within_class(lengths: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Each jet's length quantile within its own class, in (0, 1).

    Sorting a window by it gives batches of similar length that keep the window's class
    proportions: sorted by length alone, a batch of short jets would be mostly of the class
    with fewer constituents, and its gradient biased.
    """
    key = torch.empty_like(lengths)
    for c in torch.unique(y):
        sel = (y == c).nonzero(as_tuple=True)[0]
        rank = torch.argsort(torch.argsort(lengths[sel], stable=True))
        key[sel] = (rank.to(torch.float64) + 0.5) / len(sel)
    return key


class BatchLoader:
    """DataLoader replacement: contiguous slices, or one gather per batch when shuffling.

    Each ``iter`` draws a new permutation from its own ``torch.Generator`` seeded with
    ``seed``, so shuffling is reproducible and independent of the global torch RNG.

    With ``bucket=True`` (zero-padded constituents only) batches hold jets of similar
    length, so that trimming each batch to its longest jet removes most of the padding:
    when shuffling, the permutation is cut into windows of ``bucket_window`` batches,
    each window is sorted by length (by the length's quantile within the jet's class when
    there are labels, so that every batch keeps the window's class mix) and cut into
    batches, and the order of all batches is shuffled; without shuffling (validation, prediction) the jets are taken in order of
    length. :meth:`indexed` yields the row numbers of every batch, so that predictions
    go back to the input order.
    """

    def __init__(
        self,
        dataset: TensorBatches,
        batch_size: int = 256,
        shuffle: bool = False,
        seed: int | None = None,
        bucket: bool = False,
        bucket_window: int = 16,
    ):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.bucket = bool(bucket) and dataset.lengths is not None
        self.bucket_window = bucket_window
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

    def _order(self) -> torch.Tensor | None:
        """Positions into the dataset in batch order, or None for the identity."""
        n = len(self.dataset)
        if not self.bucket:
            return torch.randperm(n, generator=self.generator) if self.shuffle else None
        lengths = self.dataset.row_lengths()
        if not self.shuffle:
            return torch.argsort(lengths, descending=True, stable=True)
        order = torch.randperm(n, generator=self.generator)
        targets = self.dataset.row_targets()
        window = self.batch_size * self.bucket_window
        parts = []
        for start in range(0, n, window):
            chunk = order[start : start + window]
            key = lengths[chunk].to(torch.float64)
            if targets is not None:
                key = _rank_within_class(key, targets[chunk])
            parts.append(chunk[torch.argsort(key, stable=True)])
        return torch.cat(parts)

    def indexed(self):
        """Yield ``(index, (X_batch, target_batch))``; ``index`` is a slice or a tensor of
        positions into the dataset."""
        bounds = self._bounds()
        order = self._order()
        spans = list(zip(bounds[:-1], bounds[1:]))
        if self.bucket and self.shuffle:
            # batches of similar length, visited in random order
            perm = torch.randperm(len(spans), generator=self.generator).tolist()
            spans = [spans[i] for i in perm]
        for start, stop in spans:
            index = slice(start, stop) if order is None else order[start:stop]
            yield index, self.dataset.batch(index)

    def __iter__(self):
        for _, batch in self.indexed():
            yield batch


def embedded(dataset: TensorBatches, embed, device, batch_size: int,
             batch_inputs=None) -> TensorBatches:
    """``dataset`` with every row replaced by ``embed`` of it (computed once, no gradients),
    keeping its labels, weights and decorrelation target.

    ``batch_inputs`` (None or a callable) turns a batch into ``embed``'s inputs. Rows go
    through in order of length, so that zero-padded batches are trimmed the most.
    """
    loader = BatchLoader(dataset, batch_size, bucket=True)
    out: torch.Tensor | None = None
    with torch.no_grad():
        for index, (xb, _) in loader.indexed():
            inputs = xb.to(device)
            if batch_inputs is not None:
                inputs = batch_inputs(inputs)
            z = embed(*inputs) if isinstance(inputs, tuple) else embed(inputs)
            z = z.float().cpu()
            if out is None:
                out = torch.empty((len(dataset), *z.shape[1:]), dtype=torch.float32)
            out[index] = z
    assert out is not None  # a dataset has rows

    def rows(t):
        return t if t is None or dataset.rows is None else t[dataset.rows]

    return TensorBatches(out, rows(dataset.y), rows(dataset.weight),
                         decorrelation=rows(dataset.decorrelation))
