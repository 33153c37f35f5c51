"""FastJet prints a banner from C++ on the first clustering of each process; keep it quiet."""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Iterator

_BANNER_SHOWN = False


@contextlib.contextmanager
def stdout_to_devnull() -> Iterator[None]:
    """Redirect file descriptor 1 (C and C++ stdout) to /dev/null for the duration."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    try:
        yield
    finally:
        try:
            ctypes.CDLL(None).fflush(None)  # C stdio buffers C++ cout when not a terminal
        except (OSError, AttributeError):
            pass
        os.dup2(saved, 1)
        os.close(saved)


@contextlib.contextmanager
def no_fastjet_banner() -> Iterator[None]:
    """Swallow FastJet's banner: stdout is redirected only until the first clustering ran."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        yield
        return
    with stdout_to_devnull():
        yield
    _BANNER_SHOWN = True
