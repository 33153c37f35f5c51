"""What the benchmark scripts share: timing, memory, worker processes, synthetic jets.

Not a benchmark itself: ``python benchmarks/bench_<name>.py`` puts this folder on the import
path, and ``run_all.py`` runs only the ``bench_*.py`` scripts.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def best_time(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Shortest wall time of ``repeat`` calls of ``fn`` (the machine may be shared) and the
    result of the last call."""
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def rss_bytes() -> int:
    """This process's resident memory now."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    """This process's high-water RSS (VmHWM). Unlike ru_maxrss it is not inherited from
    the parent at fork, so the parent's own memory does not leak into the numbers."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_worker(script: str, *args: object) -> dict:
    """Run ``script --worker *args`` in a fresh process (one OpenMP thread) and return the
    JSON object it prints last: each measurement starts from a clean memory state."""
    out = subprocess.run(
        [sys.executable, script, "--worker", *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def four_momenta(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, n_real: np.ndarray) -> np.ndarray:
    """(E, px, py, pz) of massless constituents, (n_jets, n_slots, 4); the slots past each
    jet's ``n_real`` are zero padding."""
    four = np.stack(
        [pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], axis=-1
    )
    four[np.arange(pt.shape[1])[None, :] >= np.asarray(n_real)[:, None]] = 0.0
    return four


def top_qcd_inputs(per_class: int) -> tuple[dict, np.ndarray]:
    """Generated top and QCD jets (cached, hadron level, seed 0) as the demo's inputs.

    Returns ``(inputs, y)``: :func:`skjet.model_selection.prepare_inputs` of the constituents and the
    process names; the quality benchmarks split them themselves.
    """
    from skjet.datasets import generate_jets
    from skjet.model_selection import prepare_inputs

    start = time.perf_counter()
    sample = generate_jets(processes=("top", "qcd"), n_jets=per_class, random_state=0,
                           n_jobs=-1, progress=False, cache=True)
    print(f"generated/loaded {2 * per_class} jets in {time.perf_counter() - start:.0f} s",
          flush=True)
    return prepare_inputs(sample.constituents), np.asarray(sample.target)


def top_quality_row(name: str, is_top: np.ndarray, score: np.ndarray, **extra) -> dict:
    """AUC, R30 with its 68 % Clopper-Pearson interval, and R50 of one top-tagging score."""
    from sklearn.metrics import roc_auc_score

    from skjet.metrics import rejection_at_efficiency

    r30 = rejection_at_efficiency(is_top, score, 0.3, return_interval=True)
    return {
        "model": name, "AUC": roc_auc_score(is_top, score),
        "R30": r30.rejection, "R30 68% CL": f"{r30.low:.0f}-{r30.high:.0f}",
        "R50": rejection_at_efficiency(is_top, score, 0.5), **extra,
    }
