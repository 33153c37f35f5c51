import numpy as np
import pytest

from skjet.preprocessing import from_cartesian, to_cartesian


def _cylindrical(rng, n=20, m=8, extra=1):
    X = np.zeros((n, m, 4 + extra))
    k = m - 3  # last three slots are padding
    X[:, :k, 0] = rng.uniform(1, 500, (n, k))
    X[:, :k, 1] = rng.normal(0, 2, (n, k))
    X[:, :k, 2] = rng.uniform(-np.pi, np.pi, (n, k))
    X[:, :k, 3] = rng.uniform(0, 2, (n, k))
    X[:, :k, 4:] = rng.integers(-1, 2, (n, k, extra))
    return X


def test_round_trip_keeps_padding_and_extra_features():
    X = _cylindrical(np.random.default_rng(0))
    C = to_cartesian(X, "pt_eta_phi_m")
    assert C.shape == X.shape
    np.testing.assert_array_equal(C[:, -3:], 0.0)
    np.testing.assert_array_equal(C[..., 4], X[..., 4])
    np.testing.assert_allclose(from_cartesian(C, "pt_eta_phi_m"), X, rtol=1e-6, atol=1e-6)


def test_values_against_formulas():
    X = _cylindrical(np.random.default_rng(1), extra=0)
    pt, eta, phi, m = np.moveaxis(X, -1, 0)
    C = to_cartesian(X, "pt_eta_phi_m")
    real = pt > 0
    np.testing.assert_allclose(C[..., 1][real], (pt * np.cos(phi))[real], rtol=1e-9)
    np.testing.assert_allclose(C[..., 3][real], (pt * np.sinh(eta))[real], rtol=1e-9)
    E = np.sqrt((pt * np.cosh(eta)) ** 2 + m**2)
    np.testing.assert_allclose(C[..., 0][real], E[real], rtol=1e-9)
    # (pT, eta, phi, E) gives the same Cartesian vectors.
    XE = X.copy()
    XE[..., 3] = np.where(real, E, 0.0)
    np.testing.assert_allclose(to_cartesian(XE, "pt_eta_phi_e"), C, rtol=1e-9, atol=1e-9)


def test_unknown_coordinates_and_bad_shape():
    with pytest.raises(ValueError, match="pt_eta_phi_m"):
        to_cartesian(np.zeros((1, 2, 4)), "ptetaphim")
    with pytest.raises(ValueError, match="size >= 4"):
        from_cartesian(np.zeros((1, 2, 3)))
