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


# -- the unphysical is refused, naming the jet and the constituent ---------------------------
def _one_bad(coordinates, row):
    X = _cylindrical(np.random.default_rng(2), extra=0)
    if coordinates == "pt_eta_phi_e":
        X = from_cartesian(to_cartesian(X, "pt_eta_phi_m"), "pt_eta_phi_e")
    X[2, 1] = row
    return X


CYLINDRICAL_BAD = {
    "NaN": ("pt_eta_phi_m", [10.0, np.nan, 0.1, 0.0], r"NaN or infinite \(pT, eta, phi, m\)"),
    "eta inf": ("pt_eta_phi_m", [10.0, np.inf, 0.1, 0.0], r"NaN or infinite .*eta = \+-inf is a particle along the beam"),
    "negative mass": ("pt_eta_phi_m", [10.0, 0.5, 0.1, -2.0], "a negative mass beyond rounding.*e_px_py_pz"),
    "negative pT": ("pt_eta_phi_m", [-10.0, 0.5, 0.1, 0.2], "a negative pT"),
    "zero pT": ("pt_eta_phi_m", [0.0, 0.5, 0.1, 0.0], "pT = 0 .*would become padding"),
    "negative E": ("pt_eta_phi_e", [10.0, 0.5, 0.1, -20.0], "a negative energy"),
    "spacelike E": ("pt_eta_phi_e", [10.0, 0.5, 0.1, 10.0], r"an energy below their momentum \|p\| = pT cosh\(eta\).*spacelike"),
}


@pytest.mark.parametrize("coordinates, row, match", CYLINDRICAL_BAD.values(), ids=CYLINDRICAL_BAD)
def test_to_cartesian_refuses_the_unphysical_naming_jet_and_constituent(coordinates, row, match):
    import awkward as ak

    from skjet.preprocessing import PadConstituents

    X = _one_bad(coordinates, row)
    with pytest.raises(ValueError, match=rf"to_cartesian: 1 real constituent\(s\) have {match}") as err:
        to_cartesian(X, coordinates)
    assert "first: jet 2, constituent 1 = " in str(err.value)
    # The same check where jagged and padded input is converted, with the same jet named
    # (padded input with NaN is refused before, by check_constituents).
    if np.isfinite(row).all():
        with pytest.raises(ValueError, match=rf"PadConstituents: 1 real .*{match}") as err:
            PadConstituents(coordinates=coordinates).fit(X)
        assert "first: jet 2, constituent 1 = " in str(err.value)
    jagged = ak.Array([x[np.any(x != 0, axis=1)].tolist() for x in X])
    with pytest.raises(ValueError, match=rf"PadConstituents: 1 real .*{match}") as err:
        PadConstituents(coordinates=coordinates).fit(jagged)
    assert "first: jet 2, constituent 1 = " in str(err.value)


CARTESIAN_BAD = {
    "NaN": ([np.nan, 1.0, 0.0, 0.0], "NaN"),
    "negative E": ([-5.0, 3.0, 0.0, 0.0], r"unphysical for \(E, px, py, pz\).*jet 2, constituent 1"),
    "spacelike": ([1.0, 3.0, 0.0, 0.0], r"unphysical .*spacelike.*jet 2, constituent 1"),
    "along the beam": ([5.0, 0.0, 0.0, 5.0], r"1 real constituent\(s\) have pT = 0 \(along the beam.*jet 2, constituent 1"),
    "at rest": ([5.0, 0.0, 0.0, 0.0], r"pT = 0 .*jet 2, constituent 1"),
}


@pytest.mark.parametrize("row, match", CARTESIAN_BAD.values(), ids=CARTESIAN_BAD)
def test_from_cartesian_refuses_the_unphysical_naming_jet_and_constituent(row, match):
    C = to_cartesian(_cylindrical(np.random.default_rng(3), extra=0), "pt_eta_phi_m")
    C[2, 1] = row
    with pytest.raises(ValueError, match=rf"from_cartesian.*{match}"):
        from_cartesian(C, "pt_eta_phi_m")


def test_from_cartesian_refuses_input_already_cylindrical():
    X = _cylindrical(np.random.default_rng(4), extra=0)
    with pytest.raises(ValueError, match=r"look like \(pT, eta, phi, m\)"):
        from_cartesian(X, "pt_eta_phi_m")


@pytest.mark.parametrize("coordinates", ["pt_eta_phi_m", "pt_eta_phi_e"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trips_are_exact_on_physical_input(coordinates, dtype):
    C = to_cartesian(_cylindrical(np.random.default_rng(5), extra=1), "pt_eta_phi_m").astype(dtype)
    back = to_cartesian(from_cartesian(C, coordinates), coordinates)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(back, C, rtol=rtol, atol=rtol * np.abs(C).max())
    X = from_cartesian(C, coordinates)
    again = from_cartesian(to_cartesian(X, coordinates), coordinates)
    np.testing.assert_allclose(again[..., :3], X[..., :3], rtol=rtol, atol=rtol * 10)
    np.testing.assert_array_equal(again[..., 4:], X[..., 4:])
    if coordinates == "pt_eta_phi_e":
        np.testing.assert_allclose(again[..., 3], X[..., 3], rtol=rtol)
    else:  # a mass from E^2 - |p|^2 is known to the rounding of E^2
        E2 = C[..., 0].astype(np.float64) ** 2
        eps = np.finfo(dtype).eps
        assert (np.abs(again[..., 3].astype(np.float64) ** 2 - X[..., 3] ** 2) <= 8 * eps * E2).all()


def test_overflow_in_the_conversion_is_named():
    X = np.zeros((1, 2, 4), dtype=np.float32)
    X[0, 1] = [1e30, 60.0, 0.0, 0.0]  # pT sinh(60) overflows float32
    with pytest.raises(ValueError, match=r"overflows float32 in the conversion.*jet 0, constituent 1"):
        to_cartesian(X, "pt_eta_phi_m")


def test_negative_mass_within_rounding_is_lightlike():
    # NanoAOD stores small negative jet masses; m^2 negligible next to |p|^2 passes as m = 0.
    X = np.array([[[25.125, 1.0, 0.3, -0.0195]]])
    C = to_cartesian(X, "pt_eta_phi_m")
    p = 25.125 * np.cosh(1.0)
    np.testing.assert_allclose(C[0, 0, 0], np.sqrt(p**2 - 0.0195**2), rtol=1e-12)
    back = from_cartesian(C, "pt_eta_phi_m")
    np.testing.assert_allclose(back[0, 0, :3], X[0, 0, :3], rtol=1e-12)
    assert back[0, 0, 3] == 0.0
