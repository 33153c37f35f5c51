"""Out-of-core work, chunk by chunk: features and training on files larger than memory.

One mechanism serves every reader: ``_ChunkTransform`` (the transformer of every chunk,
fitted on the first when that is exact) and ``_partial_fit_stream`` (the training loop over
chunks in a shuffled order). The Top Quark Tagging HDF5 helpers and the PFNano ROOT ones
(``iter_pfnano``, ``partial_fit_pfnano``) only say how to list and read their chunks.

The public training file holds 1.2M jets (3.9 GB of constituents as float32); the
jet-level features computed from it are a few hundred bytes per jet. Reading the file
``chunk_size`` rows at a time into one reused buffer, transforming each chunk and copying
the result into a preallocated output keeps peak memory at one chunk plus the output,
whatever the size of the file. With ``output="features.npy"`` the output itself is a
memory-mapped file, so even per-constituent outputs (images, relative features) of the
whole file never have to fit in memory. ``partial_fit_top_tagging`` feeds the same chunks
to an estimator's ``partial_fit`` instead.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn_compat import validate_params
from ..utils._typing import DatasetReturn
from ._base import atomic_path
from ._files import restored_on_error
from ._top_tagging import CHUNK_SIZE, DEFAULT_CHUNK_SIZE, TARGET_NAMES, _Reader


def _learns_nothing(transformer) -> bool:
    """Whether ``fit`` only validates its input, so fitting on any chunk is exact.

    True for a transformer whose class sets ``_stateless = True`` (skjet's jet-feature
    transformers and its constituent preprocessing other than ``ConstituentScaler``), for
    :class:`~sklearn.preprocessing.FunctionTransformer`, and for a Pipeline or
    FeatureUnion made only of those. Anything else may learn statistics of its training
    data (``ConstituentScaler``, ``StandardScaler``, ...) and must be fitted beforehand.
    """
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.preprocessing import FunctionTransformer

    if isinstance(transformer, str) and transformer in ("drop", "passthrough"):
        return True
    if isinstance(transformer, Pipeline | FeatureUnion):
        steps = (
            transformer.steps if isinstance(transformer, Pipeline) else transformer.transformer_list
        )
        return all(_learns_nothing(step) for _, step in steps if step is not None)
    if isinstance(transformer, FunctionTransformer):
        return True
    return bool(getattr(type(transformer), "_stateless", False))


def _is_fitted(transformer) -> bool:
    try:
        check_is_fitted(transformer)
    except NotFittedError:
        return False
    return True


def _feature_names(transformer, n_columns: int) -> list[str] | None:
    if not hasattr(transformer, "get_feature_names_out"):
        return None
    try:
        names = [str(n) for n in transformer.get_feature_names_out()]
    except (AttributeError, NotFittedError, ValueError, TypeError):
        return None  # e.g. a FunctionTransformer without feature_names_out
    return names if len(names) == n_columns else None


def _needs_fit(transformer, caller: str) -> bool:
    """Whether a clone of ``transformer`` is to be fitted on the first chunk.

    Always for one that learns nothing: that is exact, and ``check_is_fitted`` cannot tell
    for a Pipeline of those (it only looks at the last step). An unfitted transformer that
    learns from its data is refused.
    """
    if _learns_nothing(transformer):
        return True
    if not _is_fitted(transformer):
        raise NotFittedError(
            f"{type(transformer).__name__} is not fitted and learns from its training data, "
            f"so {caller} cannot fit it chunk by chunk. Fit it first, e.g. on "
            "the first chunk: X0, _ = next(iter_top_tagging(path)); transformer.fit(X0)."
        )
    return False


class _ChunkTransform:
    """The transformer applied to every chunk of a stream, fitted on the first if it learns
    nothing from the data (a clone: the argument is left untouched); None passes X through."""

    def __init__(self, transformer, caller: str):
        self.transformer = transformer
        self.pending_fit = False
        if transformer is None:
            return
        if not hasattr(transformer, "transform"):
            raise TypeError(
                f"transformer must have a transform method, got {type(transformer).__name__}."
            )
        if _needs_fit(transformer, caller):
            self.transformer = clone(transformer)
            self.pending_fit = True

    def __call__(self, X):
        if self.transformer is None:
            return X
        if self.pending_fit:
            self.transformer.fit(X)
            self.pending_fit = False
        return self.transformer.transform(X)


def _check_partial_fit(estimator, epochs, caller: str) -> None:
    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}.")
    if not hasattr(estimator, "partial_fit"):
        raise TypeError(
            f"estimator must have a partial_fit method, got {type(estimator).__name__}; "
            f"for one without, read the data in memory and call fit ({caller} streams chunks "
            "into partial_fit)."
        )


def _partial_fit_stream(estimator, keys, read, transform: _ChunkTransform, *, classes, epochs,
                        shuffle, random_state, caller: str, describe, nothing_read=None):
    """The one streaming training loop, shared by every reader.

    ``keys`` lists the chunks of the data (row ranges of an HDF5 file, entry ranges of ROOT
    files: an array, one chunk per row); ``read(keys)`` yields ``(X, y)`` for those chunks in
    that order, one in memory at a time. Every pass visits the chunks in a new random order
    with ``shuffle``, so that a file sorted by class does not bias the last updates.

    A chunk that fails (bad values, refused by the transformer or the estimator) after
    others trained the estimator would leave it half-trained: the estimator is restored to
    its state before the call and the error names the chunk: ``describe(key)`` gives its
    file and its rows or entries. A first pass in which no chunk gave data (a selection
    that keeps nothing) raises a ValueError with ``nothing_read()``, rather than returning an
    estimator that was never trained.
    """
    rng = check_random_state(random_state)
    keys = np.asarray(keys)
    trained = False
    with restored_on_error(estimator, caller) as where:
        for epoch in range(epochs):
            if epoch == 1 and not trained:
                break
            order = keys[rng.permutation(len(keys))] if shuffle else keys
            for position in range(len(order)):
                source, rows = describe(order[position])
                where.update(
                    f"{source}: epoch {epoch + 1} of {epochs}, chunk {position + 1} of "
                    f"{len(order)} ({rows})"
                )
                for X, y in read(order[position : position + 1]):
                    estimator.partial_fit(transform(X), y, classes=classes)
                    trained = True
    if not trained:
        reason = nothing_read() if nothing_read is not None else "no chunk held any data."
        raise ValueError(f"{caller}: {reason}")
    return estimator


class _Output:
    """The preallocated result, filled chunk by chunk: in memory or a ``.npy`` memmap."""

    def __init__(self, first, n_rows: int, file: Path | None, names: list[str] | None):
        self.n_rows = n_rows
        self.file = file
        self.frame_dtypes = None
        self.names = names
        if isinstance(first, pd.DataFrame) and file is None:
            # keep each column's dtype (an int column stays int)
            self.names = [str(c) for c in first.columns]
            self.frame_dtypes = first.dtypes.to_dict()
            self.columns = [np.empty(n_rows, dtype=first[c].dtype) for c in first.columns]
            self.shape = (n_rows, first.shape[1])
            self.dtype = None
            return
        first = np.asarray(first)
        self.shape = (n_rows,) + first.shape[1:]
        self.dtype = first.dtype
        if first.dtype.kind not in "biufc":
            raise ValueError(
                f"the transformer returned dtype {first.dtype}; only numeric outputs can be "
                "collected chunk by chunk."
            )
        if file is None:
            self.array: Any = np.empty(self.shape, dtype=self.dtype)  # or a memmap
        else:
            self.array = np.lib.format.open_memmap(
                file, mode="w+", dtype=self.dtype, shape=self.shape
            )

    def write(self, a: int, b: int, chunk, rows: tuple[int, int]) -> None:
        where = f"rows {rows[0]} to {rows[1]} of the file"
        if len(chunk) != b - a:
            raise ValueError(
                f"the transformer returned {len(chunk)} rows for {b - a} jets ({where}); "
                "transform_top_tagging needs one output row per jet."
            )
        if self.dtype is None:
            if not isinstance(chunk, pd.DataFrame) or [str(c) for c in chunk.columns] != self.names:
                raise ValueError(
                    f"the transformer's output changed between chunks ({where}): expected a "
                    f"DataFrame with columns {self.names}."
                )
            for out, col in zip(self.columns, chunk.columns):
                out[a:b] = chunk[col].to_numpy()
            return
        chunk = np.asarray(chunk)
        if chunk.shape[1:] != self.shape[1:]:
            raise ValueError(
                f"the transformer returned shape {chunk.shape} for {where}; earlier chunks gave "
                f"(n, {', '.join(map(str, self.shape[1:]))})."
            )
        self.array[a:b] = chunk

    def result(self, start: int):
        index = pd.RangeIndex(start, start + self.n_rows)
        if self.dtype is None:
            assert self.names is not None  # a DataFrame output always has its names
            # copy=False: the columns become the frame, not a second copy of the output
            return pd.DataFrame(dict(zip(self.names, self.columns)), index=index, copy=False)
        if self.names is not None and self.array.ndim == 2:
            return pd.DataFrame(self.array, columns=self.names, index=index, copy=False)
        return self.array


@validate_params({"chunk_size": [CHUNK_SIZE]}, prefer_skip_nested_validation=True)
def transform_top_tagging(
    path: str | os.PathLike,
    transformer: Any,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    start: int | None = None,
    stop: int | None = None,
    output: str | os.PathLike | None = None,
    key: str = "table",
    allow_nan: bool = False,
    return_X_y: bool = False,
) -> DatasetReturn:
    """Transform the jets of a Top Quark Tagging layout file, chunk by chunk.

    Streams the constituents ``chunk_size`` jets at a time (as
    :func:`iter_top_tagging`), applies ``transformer.transform`` to each chunk and
    collects the results in one preallocated output. Peak memory is one chunk (about
    3.2 kB per jet in the buffer plus the transformer's temporaries) plus the output,
    never the whole file; with ``output`` set to a ``.npy`` path the output is a
    memory-mapped file and memory is bounded by the chunk alone.

    Parameters
    ----------
    path : path-like
        An HDF5 file in the Top Quark Tagging layout (see :func:`load_top_tagging`).
    transformer : transformer
        Any object with ``transform`` taking (n_jets, n_constituents, 4) constituents and
        returning one row per jet (2-D features, or an N-D array such as images).
        It must be fitted, unless its ``fit`` learns nothing from the data: skjet's
        ``JetMass``, ``Multiplicity``, ``JetKinematics``, ``Substructure``,
        ``RelativeConstituents``, ``JetImage``, ``FlattenConstituents``,
        ``ReshapeConstituents``, scikit-learn's ``FunctionTransformer``
        and Pipelines or FeatureUnions of those; an unfitted one of these is cloned and
        fitted on the first chunk (the argument itself is left untouched). A transformer
        that learns statistics (``ConstituentScaler``, a Pipeline ending in a scaler)
        must be fitted beforehand, e.g. on the first chunk of :func:`iter_top_tagging`
        or a random subset; chunk-wise fitting would silently change its result.
    chunk_size : int, default=10000
        Jets read and transformed per step. Only memory and speed depend on it.
    start, stop : int, optional
        Row range, with Python slice semantics.
    output : path-like, optional
        A ``.npy`` file to write the features to, as a memory-mapped array; it appears
        only once complete. By default the result is kept in memory.
    key : str, default="table"
        The key of the frame in the file.
    allow_nan : bool, default=False
        As in :func:`load_top_tagging`.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    result : Bunch
        - ``data``: the features. A DataFrame indexed by file row when the output is
          2-D and the transformer names its columns (``get_feature_names_out``, or a
          transformer set to pandas output); else an ndarray (a read-only memmap
          with ``output``).
        - ``target``: int64 ``is_signal_new`` (1 top, 0 QCD); ``target_names``.
        - ``feature_names``: the column names, or None.
        - ``transformer``: the transformer used (the fitted clone, if it was fitted here).
        - ``filename``, ``output``.
    (data, target) : tuple if ``return_X_y``.

    Raises
    ------
    FileNotFoundError, KeyError, ValueError
        As :func:`load_top_tagging` for the file; ValueError also for an empty row range
        or an output whose length or shape varies between chunks.
    sklearn.exceptions.NotFittedError
        An unfitted transformer that learns from its training data.

    See Also
    --------
    iter_top_tagging : the underlying stream of (constituents, target) chunks.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> from skjet.datasets import save_top_tagging
    >>> from skjet.features import JetMass
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "jets.h5"
    >>> X = np.zeros((5, 3, 4), dtype=np.float32)
    >>> X[:, 0] = [100.0, 80.0, 60.0, 0.0]; X[:, 1] = [100.0, 80.0, -60.0, 0.0]
    >>> save_top_tagging(path, X, [0, 1, 0, 1, 1])
    >>> jets = transform_top_tagging(path, JetMass(), chunk_size=2)
    >>> jets.data.round(1)
        mass
    0  120.0
    1  120.0
    2  120.0
    3  120.0
    4  120.0
    >>> jets.target.tolist()
    [0, 1, 0, 1, 1]
    """
    chunk_size = int(chunk_size)
    if transformer is None or not hasattr(transformer, "transform"):
        raise TypeError(
            f"transformer must have a transform method, got {type(transformer).__name__}."
        )
    file = None
    if output is not None:
        file = Path(output)
        if file.suffix != ".npy":
            raise ValueError(f"output must be a .npy file, got {str(output)!r}.")
    transform = _ChunkTransform(transformer, "transform_top_tagging")

    with _Reader(path, key) as reader:
        lo, hi, _ = slice(start, stop).indices(reader.frame.n_rows)
        n = max(hi - lo, 0)
        if n == 0:
            raise ValueError(
                f"{reader.path}: no jets in rows start={start}, stop={stop} of "
                f"{reader.frame.n_rows}; nothing to transform."
            )
        buffer = reader.allocate(min(chunk_size, n))  # reused for every chunk
        chunks = reader.chunks(range(lo, hi, chunk_size), hi, chunk_size, allow_nan, buffer)
        transformer = transform.transformer
        with atomic_path(file) if file is not None else nullcontext() as tmp:
            out = None
            for a, b, X, y in chunks:
                Xt = transform(X)
                if out is None:
                    names = _feature_names(transformer, Xt.shape[1]) if np.ndim(Xt) == 2 else None
                    out = _Output(Xt, n, tmp, names)
                    target = np.empty(n, dtype=np.int64)
                out.write(a - lo, b - lo, Xt, (a, b))
                target[a - lo : b - lo] = y
            assert out is not None  # n > 0 jets, so at least one chunk was written
            if tmp is not None:  # close the memmap on the temporary name; reopened below
                out.array.flush()
                del out.array
        data = np.load(file, mmap_mode="r") if file is not None else out.result(lo)
        filename = str(reader.path)

    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        target_names=np.array(TARGET_NAMES),
        feature_names=out.names if data.ndim == 2 else None,
        transformer=transformer,
        filename=filename,
        output=str(file) if file is not None else None,
    )


@validate_params({"chunk_size": [CHUNK_SIZE]}, prefer_skip_nested_validation=True)
def partial_fit_top_tagging(
    estimator: Any,
    path: str | os.PathLike,
    transformer: Any = None,
    *,
    epochs: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    shuffle: bool = True,
    random_state: int | np.random.RandomState | None = None,
    start: int | None = None,
    stop: int | None = None,
    key: str = "table",
    allow_nan: bool = False,
) -> Any:
    """Train an estimator on a Top Quark Tagging layout file, chunk by chunk.

    Reads ``chunk_size`` jets at a time into one reused buffer, applies
    ``transformer.transform`` (if given) and calls
    ``estimator.partial_fit(X_chunk, y_chunk, classes=[0, 1])``, for ``epochs`` passes
    over the file. Peak memory is one chunk, its transform and the estimator's work on it,
    whatever the size of the file. Equivalent to the loop::

        for epoch in range(epochs):
            for X, y in iter_top_tagging(path, chunk_size):   # (in a shuffled chunk order)
                estimator.partial_fit(transformer.transform(X), y, classes=[0, 1])

    Parameters
    ----------
    estimator : classifier with ``partial_fit``
        skjet's ``MLPClassifier``, ``DeepSetsClassifier`` and ``CNNClassifier`` (one epoch
        per chunk), or any scikit-learn incremental classifier (``SGDClassifier``, ...).
        It is trained in place: a fitted one continues from its current state.
    path : path-like
        An HDF5 file in the Top Quark Tagging layout (see :func:`load_top_tagging`).
    transformer : transformer, optional
        Applied to each chunk of (n_jets, n_constituents, 4) constituents, e.g.
        ``JetImage`` for a ``CNNClassifier`` or jet features for an ``MLPClassifier``.
        The same rules as in :func:`transform_top_tagging`: fitted, or one whose ``fit``
        learns nothing (a clone is then fitted on the first chunk).
    epochs : int, default=1
        Passes over the file.
    chunk_size : int, default=10000
        Jets per ``partial_fit`` call. Bounds memory; for a neural network it is also the
        data of one epoch of ``history_``.
    shuffle : bool, default=True
        Visit the chunks in a new random order in every pass, so that a file sorted by
        class or by any other property does not bias the last updates. Jets within a chunk
        are shuffled by the estimator (skjet's neural classifiers do).
    random_state : int, RandomState instance or None, default=None
        Seeds the chunk order.
    start, stop : int, optional
        Row range of the file, with Python slice semantics (e.g. keep the last rows for
        testing).
    key : str, default="table"
        The key of the frame in the file.
    allow_nan : bool, default=False
        As in :func:`load_top_tagging`.

    Returns
    -------
    estimator
        The estimator passed, trained; its labels are the file's ``is_signal_new``
        (0 QCD, 1 top).

    Raises
    ------
    TypeError
        An estimator without ``partial_fit`` or a transformer without ``transform``.
    FileNotFoundError, KeyError, ValueError
        As :func:`load_top_tagging`; ValueError also for an empty row range or a
        non-positive ``epochs``.
    sklearn.exceptions.NotFittedError
        An unfitted transformer that learns from its training data.

    If a chunk fails (NaN in the file, constituents the transformer refuses, labels or
    values the estimator refuses), the estimator is restored to its state before the call
    and the error (ValueError or OSError) names the epoch, the chunk and its rows.

    See Also
    --------
    iter_top_tagging : the stream of chunks, for a hand-written loop.
    transform_top_tagging : a file to features, chunk by chunk.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skjet.datasets import save_top_tagging
    >>> from skjet.features import JetMass
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "jets.h5"
    >>> X = np.zeros((6, 3, 4), dtype=np.float32)
    >>> X[:, 0] = [100.0, 80.0, 60.0, 0.0]; X[:, 1] = [100.0, 80.0, -60.0, 0.0]
    >>> save_top_tagging(path, X, [0, 1, 0, 1, 1, 0])
    >>> clf = partial_fit_top_tagging(SGDClassifier(random_state=0), path, JetMass(),
    ...                               chunk_size=2, epochs=2, random_state=0)
    >>> clf.classes_.tolist()
    [0, 1]
    """
    chunk_size = int(chunk_size)
    _check_partial_fit(estimator, epochs, "partial_fit_top_tagging")
    transform = _ChunkTransform(transformer, "partial_fit_top_tagging")

    with _Reader(path, key) as reader:
        lo, hi, _ = slice(start, stop).indices(reader.frame.n_rows)
        if hi <= lo:
            raise ValueError(
                f"{reader.path}: no jets in rows start={start}, stop={stop} of "
                f"{reader.frame.n_rows}; nothing to train on."
            )
        buffer = reader.allocate(min(chunk_size, hi - lo))  # reused for every chunk

        def read(starts):
            for _, _, X, y in reader.chunks(starts, hi, chunk_size, allow_nan, buffer):
                yield X, y

        def describe(a) -> tuple[str, str]:
            return str(reader.path), f"rows {int(a)} to {min(int(a) + chunk_size, hi) - 1}"

        return _partial_fit_stream(
            estimator, np.arange(lo, hi, chunk_size), read, transform,
            classes=np.arange(len(TARGET_NAMES)), epochs=epochs, shuffle=shuffle,
            random_state=random_state, caller="partial_fit_top_tagging", describe=describe,
        )


#: Events (entries) per chunk when streaming ROOT files.
DEFAULT_ROOT_CHUNK_SIZE = 10_000


def _root_stream(paths, tree, chunk_size, entry_start, entry_stop, options):
    from . import _pfnano

    chunk_size = int(chunk_size)
    spec = _pfnano._spec(tree, **options)
    files, file_labels = _pfnano._files(paths, spec)
    keys = _pfnano._plan(files, tree, chunk_size, entry_start, entry_stop)
    return spec, files, file_labels, keys


@validate_params({"chunk_size": [CHUNK_SIZE]}, prefer_skip_nested_validation=True)
def iter_pfnano(
    paths,
    tree: str = "Events",
    chunk_size: int = DEFAULT_ROOT_CHUNK_SIZE,
    *,
    entry_start: int | None = None,
    entry_stop: int | None = None,
    return_X_y: bool = False,
    **options,
):
    """Stream jets and their candidates from PFNano-layout ROOT files, ``chunk_size`` events
    at a time.

    Each chunk is read with uproot from one file's entry range (as ``uproot.iterate`` does)
    and turned into exactly what :func:`load_pfnano` returns for it, so memory is bounded by
    one chunk of events whatever the size or number of the files. Chunks come in file and
    entry order; a chunk without a selected jet is skipped.

    Parameters
    ----------
    paths : path-like, sequence of path-like, or mapping {path: label}
        As in :func:`load_pfnano`.
    tree : str, default="Events"
        The TTree.
    chunk_size : int, default=10000
        Events (entries) per chunk; the number of jets per chunk follows from the data.
    entry_start, entry_stop : int, optional
        Entry range of each file.
    return_X_y : bool, default=False
        Yield ``(constituents, target)`` (the jets DataFrame instead of the constituents
        with ``candidates=None``) instead of a Bunch.
    **options
        Every other keyword of :func:`load_pfnano` (``jets``, ``candidates``,
        ``jet_branches``, ``candidate_fields``, ``coordinates``, ``max_constituents``,
        ``pt_range``, ``abs_eta_max``, ``label``, ...).

    Yields
    ------
    chunk : Bunch or tuple
        The Bunch of :func:`load_pfnano` for the chunk; ``event`` holds entry numbers in the
        file, ``file`` indexes ``filenames``.

    Examples
    --------
    >>> import tempfile, pathlib, awkward as ak, uproot
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "nano.root"
    >>> events = {"FatJet": ak.zip({"pt": [[500.0], [], [400.0, 300.0]],
    ...                             "eta": [[0.1], [], [0.2, -1.0]]})}
    >>> with uproot.recreate(path) as f:
    ...     _ = f.mktree("Events", {k: v.type.content for k, v in events.items()})
    ...     f["Events"].extend(events)
    >>> [len(c.jets) for c in iter_pfnano(path, chunk_size=2, candidates=None)]
    [1, 2]
    """
    spec, files, file_labels, keys = _root_stream(
        paths, tree, chunk_size, entry_start, entry_stop, options
    )
    from ._pfnano import _read_chunks

    for bunch in _read_chunks(files, file_labels, spec, keys):
        if return_X_y:
            X = bunch.constituents if spec.candidates is not None else bunch.jets
            yield X, bunch.target
        else:
            yield bunch


@validate_params({"chunk_size": [CHUNK_SIZE]}, prefer_skip_nested_validation=True)
def partial_fit_pfnano(
    estimator,
    paths,
    transformer=None,
    *,
    tree: str = "Events",
    classes=None,
    epochs: int = 1,
    chunk_size: int = DEFAULT_ROOT_CHUNK_SIZE,
    shuffle: bool = True,
    random_state=None,
    entry_start: int | None = None,
    entry_stop: int | None = None,
    **options,
):
    """Train an estimator on PFNano-layout ROOT files, chunk by chunk.

    The ROOT counterpart of :func:`partial_fit_top_tagging`, on the same streaming
    mechanism: ``chunk_size`` events at a time are read (as :func:`iter_pfnano`), their
    jets' constituents transformed (if ``transformer`` is given) and passed to
    ``estimator.partial_fit(X, y, classes=classes)``, for ``epochs`` passes. Peak memory
    is one chunk, its transform and the estimator's work on it.

    Parameters
    ----------
    estimator : classifier with ``partial_fit``
        skjet's neural classifiers or any scikit-learn incremental classifier; trained in
        place.
    paths : path-like, sequence of path-like, or mapping {path: label}
        As in :func:`load_pfnano`; the labels come from the mapping or from ``label=``.
    transformer : transformer, optional
        Applied to each chunk's constituents (its jets DataFrame with ``candidates=None``);
        fitted, or one whose ``fit`` learns nothing (a clone is fitted on the first chunk),
        as in :func:`transform_top_tagging`.
    tree : str, default="Events"
        The TTree.
    classes : array-like, optional
        Every class; by default the mapping's labels, or the distinct values of the
        ``label`` branch over all files (read before training; one branch, cheap).
    epochs : int, default=1
        Passes over the files.
    chunk_size : int, default=10000
        Events per chunk.
    shuffle : bool, default=True
        Visit the chunks (of all files) in a new random order in every pass: with one file
        per process, an ordered pass would train on one class after the other.
    random_state : int, RandomState instance or None, default=None
        Seeds the chunk order.
    entry_start, entry_stop : int, optional
        Entry range of each file.
    **options
        Every other keyword of :func:`load_pfnano`.

    Returns
    -------
    estimator
        The estimator passed, trained.

    Raises
    ------
    TypeError
        An estimator without ``partial_fit`` or a transformer without ``transform``.
    ValueError
        No labels, an empty entry range, non-positive ``epochs``, a selection
        (``pt_range``, ``abs_eta_max``) that keeps no jet (the error gives the jets' pT
        span); and the errors of :func:`load_pfnano`.

    Examples
    --------
    >>> import tempfile, pathlib, awkward as ak, uproot
    >>> from sklearn.linear_model import SGDClassifier
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> files = {}
    >>> for name, mass in (("top", 175.0), ("qcd", 40.0)):
    ...     events = {"FatJet": ak.zip({"pt": [[500.0]] * 4, "eta": [[0.0]] * 4,
    ...                                 "mass": [[mass]] * 4})}
    ...     files[folder / f"{name}.root"] = name
    ...     with uproot.recreate(folder / f"{name}.root") as f:
    ...         _ = f.mktree("Events", {k: v.type.content for k, v in events.items()})
    ...         f["Events"].extend(events)
    >>> clf = partial_fit_pfnano(SGDClassifier(random_state=0), files, candidates=None,
    ...                          jet_branches=["FatJet_mass"], chunk_size=2, random_state=0)
    >>> clf.classes_.tolist()
    ['qcd', 'top']
    """
    from ._pfnano import _classes, _nothing_selected, _read_chunks

    _check_partial_fit(estimator, epochs, "partial_fit_pfnano")
    transform = _ChunkTransform(transformer, "partial_fit_pfnano")
    spec, files, file_labels, keys = _root_stream(
        paths, tree, chunk_size, entry_start, entry_stop, options
    )
    if len(keys) == 0:
        raise ValueError(
            f"no events in entry_start={entry_start}, entry_stop={entry_stop} of "
            f"{[str(f) for f in files]}; nothing to train on."
        )
    if classes is None:
        classes = _classes(files, file_labels, spec, entry_start, entry_stop)

    seen: list[dict] = []  # every chunk read, for the error if the selection keeps no jet

    def read(order):
        for bunch in _read_chunks(files, file_labels, spec, order, seen):
            yield (bunch.constituents if spec.candidates is not None else bunch.jets), bunch.target

    def describe(key) -> tuple[str, str]:
        i, a, b = (int(v) for v in key)
        return str(files[i]), f"entries {a} to {b - 1}"

    return _partial_fit_stream(
        estimator, keys, read, transform, classes=np.asarray(classes), epochs=epochs,
        shuffle=shuffle, random_state=random_state, caller="partial_fit_pfnano",
        describe=describe, nothing_read=lambda: _nothing_selected(seen, files, spec),
    )
