"""Where skjet keeps downloaded and generated samples, and how it writes them safely."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def get_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """Return the skjet data folder, creating it if needed.

    Resolution order: the ``data_home`` argument, the ``SKJET_DATA_HOME`` environment
    variable, then ``~/.cache/skjet``.

    Examples
    --------
    >>> import tempfile
    >>> get_data_home(tempfile.mkdtemp()).is_dir()
    True
    """
    if data_home is None:
        data_home = os.environ.get("SKJET_DATA_HOME") or Path.home() / ".cache" / "skjet"
    path = Path(data_home).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def clear_data_home(data_home: str | os.PathLike | None = None) -> None:
    """Delete everything in the skjet data folder."""
    shutil.rmtree(get_data_home(data_home))


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    An interrupted writer leaves at most a stray ``.tmp`` file, never a truncated
    ``path``, so a cache is either complete or absent.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
