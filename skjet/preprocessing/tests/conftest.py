"""Synthetic physics-like jets for the preprocessing tests."""

from __future__ import annotations

import numpy as np
import pytest


def make_jets(n_jets=60, n_slots=24, phi_axis=3.0, spread=0.25, random_state=0):
    """Zero-padded (E, px, py, pz) jets around (eta=0.5, phi=phi_axis), pT-sorted.

    ``phi_axis`` near pi puts constituents on both sides of the phi wrap-around. The
    last jet has no constituents.
    """
    rng = np.random.default_rng(random_state)
    X = np.zeros((n_jets, n_slots, 4), dtype=np.float32)
    for i in range(n_jets - 1):
        mult = rng.integers(2, n_slots + 1)
        pt = np.sort(rng.exponential(20.0, mult) + 0.5)[::-1]
        eta = 0.5 + rng.normal(0.0, spread, mult)
        phi = phi_axis + rng.normal(0.0, spread, mult)
        mass = rng.uniform(0.0, 0.2, mult)
        px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        energy = np.sqrt(px**2 + py**2 + pz**2 + mass**2)
        X[i, :mult] = np.stack([energy, px, py, pz], axis=1)
    return X


@pytest.fixture
def jets():
    return make_jets()
