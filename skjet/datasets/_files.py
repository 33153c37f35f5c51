"""One wording for data files that cannot be read in full (truncated downloads, damaged
data), and streaming that leaves the estimator as it was when a chunk fails.

Every reader of skjet.datasets opens and reads its files inside :func:`reading`, so an
interrupted download or a damaged block gives ``OSError("<file> is truncated or damaged ...")``
with what to do, instead of a C library's back trace or a bare decompression error.
"""

from __future__ import annotations

import contextlib
import functools
import struct
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

# Raised by the operating system with their own clear meaning: never re-worded as damage.
_NOT_DAMAGE = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


def _damage_types() -> tuple[type[BaseException], ...]:
    """What the libraries raise for a file cut short or with damaged bytes."""
    types: list[type[BaseException]] = [OSError, EOFError, zlib.error, struct.error]
    tables = sys.modules.get("tables")  # only present once a reader imported it
    if tables is not None:
        types.append(tables.HDF5ExtError)
    uproot = sys.modules.get("uproot")
    if uproot is not None:
        types.append(uproot.deserialization.DeserializationError)
    return tuple(types)


def _summary(exc: BaseException) -> str:
    """The last non-empty line of the message: HDF5 puts its reason after a back trace."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[-1]}" if lines else type(exc).__name__


def damaged_file_error(path, kind: str, exc: BaseException) -> OSError:
    """The OSError that names ``path`` as truncated or damaged and says what to do."""
    return OSError(
        f"{path} is truncated or damaged: the {kind} reader could not read it in full "
        f"({_summary(exc)}). An interrupted download or copy leaves such a file: download "
        "(or copy) it again; a file in skjet's data home (skjet.datasets.get_data_home()) "
        "can be deleted and fetched again."
    )


@contextlib.contextmanager
def reading(path, kind: str) -> Iterator[None]:
    """Turn the errors of a file cut short or damaged into one clear OSError.

    Parameters
    ----------
    path : path-like
        The file being opened or read, named in the message.
    kind : str
        Its format ("HDF5", "ROOT", ...), named in the message.

    Examples
    --------
    >>> import zlib
    >>> with reading("jets.h5", "HDF5"):  # doctest: +ELLIPSIS
    ...     zlib.decompress(b"not zlib")
    Traceback (most recent call last):
    ...
    OSError: jets.h5 is truncated or damaged: the HDF5 reader could not read it in full ...
    """
    try:
        yield
    except _NOT_DAMAGE:
        raise
    except Exception as exc:
        if not isinstance(exc, _damage_types()) or "is truncated or damaged" in str(exc):
            raise
        # The library's back trace (20 lines of HDF5 C frames) helps nobody: keep its reason.
        raise damaged_file_error(path, kind, exc) from None


def reads_file(kind: str) -> Callable:
    """Decorator: run a reader whose first argument is the path inside :func:`reading`."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(path, *args, **kwargs):
            with reading(Path(path) if isinstance(path, str) else path, kind):
                return func(path, *args, **kwargs)

        return wrapper

    return decorate


class _Where:
    """The step a :func:`restored_on_error` block is at, named in its error."""

    def __init__(self) -> None:
        self.text = ""

    def update(self, text: str) -> None:
        self.text = text


@contextlib.contextmanager
def restored_on_error(estimator, caller: str) -> Iterator[_Where]:
    """Restore ``estimator`` to its state at entry if the block raises; name where it failed.

    A deep copy is taken at entry (for a neural network, its weights and optimizer state)
    and put back in place, so the caller's object is left as it was. A ValueError or
    OSError is raised again with where the block was (set with ``where.update(...)``);
    other exceptions are raised unchanged after the restore.
    """
    import copy

    snapshot = copy.deepcopy(estimator)
    where = _Where()
    try:
        yield where
    except BaseException as exc:
        estimator.__dict__.clear()
        estimator.__dict__.update(snapshot.__dict__)
        if not isinstance(exc, ValueError | OSError) or isinstance(exc, _NOT_DAMAGE):
            raise
        kind = ValueError if isinstance(exc, ValueError) else OSError
        raise kind(
            f"{caller}: {where.text}: {exc} The estimator was restored to its state before "
            "the call: no chunk of this call is in it."
        ) from exc
