"""Download a file into the skjet data home, verifying its size and checksum.

The file is streamed to a temporary name beside its destination and renamed only after
every check passed, so the cache never holds a truncated or corrupted copy.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import urllib.request
from pathlib import Path

from ._base import atomic_path

_BLOCK = 1 << 20  # 1 MiB reads keep memory flat however large the file
_ALGORITHMS = ("md5", "sha1", "sha256")


def _parse_checksum(checksum: str | None) -> tuple[str, str] | None:
    """Split ``"md5:abc..."`` (Zenodo's spelling) or a bare hex digest (MD5 assumed)."""
    if checksum is None:
        return None
    algo, sep, digest = checksum.partition(":")
    if not sep:
        algo, digest = "md5", checksum
    algo = algo.lower().strip()
    if algo not in _ALGORITHMS:
        raise ValueError(f"Unsupported checksum algorithm {algo!r}; use one of {_ALGORITHMS}.")
    return algo, digest.lower().strip()


def download(
    url: str,
    path: str | os.PathLike,
    *,
    checksum: str | None = None,
    size: int | None = None,
    timeout: float = 60.0,
    progress: bool = False,
) -> Path:
    """Download ``url`` to ``path`` unless it is already there; return ``path``.

    Parameters
    ----------
    url : str
        Any URL ``urllib`` opens (``https://``, ``file://``).
    path : path-like
        Destination. An existing file is trusted: it can only have been written by a
        download whose checks passed.
    checksum : str, optional
        ``"md5:<hex>"``, ``"sha256:<hex>"`` or a bare MD5 hex digest. Verified after
        the download; a mismatch raises and caches nothing.
    size : int, optional
        Expected size in bytes, verified the same way.
    timeout : float, default=60
        Socket timeout in seconds.
    progress : bool, default=False
        Show a tqdm progress bar.

    Returns
    -------
    path : Path

    Raises
    ------
    OSError
        The download failed, or its size or checksum differs from the expected one.
        The message names the URL, the expected and the received values.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> src = pathlib.Path(tempfile.mkdtemp()) / "a.txt"; _ = src.write_text("jets")
    >>> dst = download(src.as_uri(), src.with_name("b.txt"), checksum="md5:" + hashlib.md5(b"jets").hexdigest())
    >>> dst.read_text()
    'jets'
    """
    path = Path(path)
    if path.is_file():
        return path
    expected = _parse_checksum(checksum)
    hasher = hashlib.new(expected[0]) if expected else None
    with atomic_path(path) as tmp:
        try:
            response = urllib.request.urlopen(url, timeout=timeout)
        except OSError as exc:  # URLError and socket errors both derive from OSError
            raise OSError(f"Could not download {url}: {exc}") from exc
        with response, open(tmp, "wb") as out:
            total = size or int(response.headers.get("Content-Length") or 0) or None
            bar = None
            if progress:
                from tqdm.auto import tqdm

                bar = tqdm(total=total, unit="B", unit_scale=True, desc=path.name)
            n_bytes = 0
            try:
                while block := response.read(_BLOCK):
                    out.write(block)
                    n_bytes += len(block)
                    if hasher is not None:
                        hasher.update(block)
                    if bar is not None:
                        bar.update(len(block))
            # a reset connection or timeout mid-transfer; IncompleteRead is an HTTPException
            except (OSError, http.client.HTTPException) as exc:
                raise OSError(
                    f"Download of {url} failed after {n_bytes} bytes: {exc}; nothing was "
                    f"cached at {path}. Retry."
                ) from exc
            finally:
                if bar is not None:
                    bar.close()
        if size is not None and n_bytes != size:
            raise OSError(
                f"Download of {url} is {n_bytes} bytes, expected {size}; nothing was cached "
                f"at {path}. Retry, or check the URL."
            )
        if hasher is not None and expected is not None and hasher.hexdigest() != expected[1]:
            raise OSError(
                f"{expected[0].upper()} checksum of {url} is {hasher.hexdigest()}, expected "
                f"{expected[1]}; the download is corrupted or the file changed upstream. "
                f"Nothing was cached at {path}."
            )
    return path


def read_json(url: str, *, timeout: float = 60.0) -> dict:
    """Fetch and decode a small JSON document (a Zenodo record's metadata)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except OSError as exc:
        raise OSError(f"Could not read {url}: {exc}") from exc
    except ValueError as exc:
        raise OSError(f"{url} did not return JSON: {exc}") from exc


def zenodo_file_info(record: dict, filename: str) -> tuple[str | None, int | None]:
    """Return (checksum, size) of ``filename`` in a Zenodo record's metadata.

    Accepts the current API (``key``, ``size``, ``checksum="md5:..."``) and the legacy one
    (``filename``, ``filesize``, bare MD5).
    """
    files = record.get("files") or []
    if isinstance(files, dict):  # some API versions nest them under "entries"
        files = list((files.get("entries") or {}).values())
    names = []
    for entry in files:
        name = entry.get("key") or entry.get("filename")
        names.append(name)
        if name == filename:
            return entry.get("checksum"), entry.get("size") or entry.get("filesize")
    raise OSError(f"Zenodo record has no file {filename!r}; it lists {names}.")
