import warnings

import numpy as np
import pandas as pd
import pytest

from skjet.utils import check_constituents, check_finite, constituent_mask, n_constituents
from skjet.utils._fourvec import MAX_RAPIDITY, eta, rapidity
from skjet.utils._validation import _CHUNK


class _Named:
    pass


@pytest.mark.parametrize("frame", [pd.DataFrame(np.ones((2, 8))), pd.Series(np.ones(8))])
def test_check_constituents_refuses_pandas(frame):
    with pytest.raises(
        ValueError, match=f"got a pandas {type(frame).__name__}.*ReshapeConstituents"
    ):
        check_constituents(frame)


def test_check_constituents_refuses_non_numeric_and_ragged():
    with pytest.raises(ValueError, match="must be numeric, got dtype <U1"):
        check_constituents(np.full((2, 3, 4), "a"))
    with pytest.raises(ValueError, match="must be numeric, got dtype complex128"):
        check_constituents(np.ones((2, 3, 4), dtype=complex))
    # A ragged list of per-jet constituents is jagged input: padded and pT-sorted.
    ragged = [[[1.0, 2.0, 3.0, 4.0]], [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]]
    np.testing.assert_array_equal(
        check_constituents(ragged),
        [[[1, 2, 3, 4], [0, 0, 0, 0]], [[5, 6, 7, 8], [1, 2, 3, 4]]],
    )
    with pytest.raises(ValueError, match="could not be converted to an array.*PadConstituents"):
        check_constituents([[1.0, 2.0], [3.0]])


def test_check_constituents_shape_errors_name_the_estimator():
    with pytest.raises(ValueError, match=r"^_Named: constituents has 0 constituent slots"):
        check_constituents(np.zeros((3, 0, 4)), estimator=_Named())
    with pytest.raises(ValueError, match=r"is empty: 0 jets \(shape \(0, 5, 4\)\)"):
        check_constituents(np.zeros((0, 5, 4)))
    with pytest.raises(ValueError, match=r"must have 4 features \(E, px, py, pz\).*\(2, 3, 3\)"):
        check_constituents(np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match=r"must have 7 features on the last axis"):
        check_constituents(np.zeros((2, 3, 4)), n_features=7)
    with pytest.raises(ValueError, match="no features on the last axis"):
        check_constituents(np.zeros((2, 3, 0)), n_features=None)
    with pytest.raises(ValueError, match="got 2-D of shape.*ReshapeConstituents"):
        check_constituents(np.zeros((2, 8)))
    with pytest.raises(ValueError, match="got 4-D"):
        check_constituents(np.zeros((2, 3, 4, 1)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_check_constituents_counts_nan_and_inf(dtype):
    X = np.ones((4, 5, 4), dtype=dtype)
    X[0, 1, 2] = np.nan
    X[2, 3, 0] = np.nan
    X[3, 4, 1] = -np.inf
    with pytest.raises(ValueError, match=r"^_Named: jets contains 2 NaN and 1 infinite value"):
        check_constituents(X, name="jets", estimator=_Named())
    with pytest.raises(ValueError, match="X contains 2 NaN and 1 infinite"):
        check_finite(X)


def test_check_finite_large_finite_values_pass_without_warning():
    X = np.full((2, 3, 4), np.finfo(np.float32).max, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_finite(X)  # large but finite: the float64 sum does not overflow
        check_finite(np.array([1e308, 1e308]))  # the float64 sum overflows, entries are finite
    with pytest.raises(ValueError, match="0 NaN and 2 infinite"):
        check_finite(np.array([1e308, np.inf, -np.inf]))


def test_check_constituents_copy_and_conversion():
    X = np.ones((2, 3, 4), dtype=np.float32)
    assert check_constituents(X) is X
    copied = check_constituents(X, copy=True)
    assert copied is not X and not np.shares_memory(copied, X)
    np.testing.assert_array_equal(copied, X)
    copied[0, 0, 0] = 5.0
    assert X[0, 0, 0] == 1.0
    converted = check_constituents(np.ones((2, 3, 4), dtype=np.int64))
    assert converted.dtype == np.float32 and converted.flags.c_contiguous
    view = check_constituents(np.ones((3, 4, 2), dtype=np.float32).transpose(0, 2, 1))
    assert view.flags.c_contiguous and view.shape == (3, 2, 4)


def _random_constituents(shape, rng):
    """Random rows: all zeros (with signed zeros), one non-zero component, or dense."""
    X = rng.normal(size=shape).astype(np.float32)
    kind = rng.integers(0, 4, shape[:-1])
    X[kind == 0] = 0.0
    X[kind == 1] = -0.0
    single = kind == 2
    X[single] = 0.0
    component = rng.integers(0, shape[-1], single.sum())
    X[single, component] = rng.choice([1.0, -1.0, 1e-45, -1e-45], single.sum())
    # Signed zeros mixed into otherwise empty rows.
    signs = rng.random(shape) < 0.5
    X[(kind <= 1)[..., None] & signs] = -0.0
    return X


@pytest.mark.parametrize("n_jets", [1, 50, _CHUNK + 13])
def test_mask_and_count_match_np_any(n_jets):
    rng = np.random.default_rng(n_jets)
    X = _random_constituents((n_jets, 11, 4), rng)
    expected = np.any(X != 0, axis=-1)
    np.testing.assert_array_equal(constituent_mask(X), expected)
    counts = n_constituents(X)
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(counts, expected.sum(axis=1))


@pytest.mark.parametrize(
    "convert",
    [
        lambda X: X.astype(np.float64),  # another dtype
        lambda X: X[:, ::2],  # not C-contiguous
        lambda X: np.asfortranarray(X),
        lambda X: np.concatenate([X, X[..., :1]], axis=-1),  # last axis of 5
        lambda X: X[..., :3],  # last axis of 3, not contiguous
    ],
)
def test_count_fallback_matches_np_any(convert):
    X = convert(_random_constituents((40, 12, 4), np.random.default_rng(0)))
    np.testing.assert_array_equal(n_constituents(X), np.any(X != 0, axis=-1).sum(axis=1))


def test_count_of_nan_row_is_real():
    X = np.zeros((1, 3, 4), dtype=np.float32)
    X[0, 1, 3] = np.nan
    assert n_constituents(X).tolist() == [1] == constituent_mask(X).sum(axis=1).tolist()


def test_rapidity_values_and_edge_cases():
    p = np.array(
        [
            [5.0, 3.0, 0.0, 0.0],  # central: 0
            [5.0, 0.0, 3.0, 4.0],  # massless: 0.5 log(9 / 1)
            [10.0, 1.0, 2.0, -3.0],  # massive, backwards
            [5.0, 0.0, 0.0, 5.0],  # along the beam
            [5.0, 0.0, 0.0, -5.0],
            [3.0, 0.0, 0.0, -4.0],  # E < |pz|, m^2 < 0 clipped: along the beam
            [4.0, 0.0, 0.0, 2.0],  # massive at rest in pT: finite
            [0.0, 0.0, 0.0, 0.0],  # padding
            [0.0, 1.0, 0.0, 0.0],  # E == -|pz| == 0 with pT > 0
            [-2.0, 1.0, 0.0, 2.0],  # E == -|pz| with pT > 0
        ]
    )
    with np.errstate(all="raise"):
        out = rapidity(p)
    E, pz = p[:3, 0], p[:3, 3]
    np.testing.assert_allclose(out[:3], 0.5 * np.log((E + pz) / (E - pz)), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out[6], 0.5 * np.log(6.0 / 2.0), rtol=1e-12)
    assert out[3] == MAX_RAPIDITY and out[4] == out[5] == -MAX_RAPIDITY
    assert out[7] == out[8] == 0.0 and not np.signbit(out[[0, 7, 8]]).any()
    assert out[9] == MAX_RAPIDITY
    assert np.isfinite(out).all()
    # Massless: rapidity equals pseudorapidity.
    np.testing.assert_allclose(out[1], eta(p[1]), rtol=1e-12)
    assert out.shape == (len(p),) and rapidity(p.astype(np.float32)).dtype == np.float32


def test_eta_edge_cases():
    p = np.array(
        [[5.0, 0.0, 3.0, 4.0], [5.0, 0.0, 0.0, 5.0], [0.0, 0.0, 0.0, 0.0], [2.0, 1.0, 0.0, -1e30]]
    )
    with np.errstate(all="raise"):
        out = eta(p)
    np.testing.assert_allclose(out[0], np.arcsinh(4.0 / 3.0), rtol=1e-12)
    assert out[1] == out[2] == 0.0  # pT = 0: 0, not inf or NaN
    assert np.isfinite(out).all() and out[3] < -60


def test_check_sample_weight():
    from skjet.utils import check_sample_weight

    np.testing.assert_array_equal(check_sample_weight(None, 3), np.ones(3))
    np.testing.assert_array_equal(check_sample_weight(2, 2), [2.0, 2.0])
    np.testing.assert_array_equal(check_sample_weight([1, -0.5], 2), [1.0, -0.5])  # NLO weights
    with pytest.raises(ValueError, match=r"shape \(3,\) but y_true has 2 samples"):
        check_sample_weight([1, 2, 3], 2, samples_of="y_true")
    with pytest.raises(ValueError, match="1 NaN"):
        check_sample_weight([1.0, np.nan], 2)
    with pytest.raises(ValueError, match="zero for all 2 samples"):
        check_sample_weight([0.0, 0.0], 2)
    with pytest.raises(ValueError, match="1 negative value"):
        check_sample_weight([1.0, -1.0], 2, ensure_non_negative=True)
    with pytest.raises(ValueError, match="must be numeric"):
        check_sample_weight(["a", "b"], 2)


def _jagged_with_1e39():
    import awkward as ak

    jets = [[[10.0, 1.0, 2.0, 3.0]], [[5.0, 1.0, 0.0, 0.0], [1e39, 0.0, 0.0, 1e39]]]
    return {
        "awkward": ak.Array(jets),
        "list of arrays": [np.array(jet) for jet in jets],
        "records": ak.zip(
            {"E": ak.Array([[j[0] for j in jet] for jet in jets]),
             "px": ak.Array([[j[1] for j in jet] for jet in jets]),
             "py": ak.Array([[j[2] for j in jet] for jet in jets]),
             "pz": ak.Array([[j[3] for j in jet] for jet in jets])}
        ),
    }


@pytest.mark.parametrize("form", ["awkward", "list of arrays", "records"])
def test_jagged_values_beyond_float32_are_named_not_turned_into_inf(form):
    from skjet.preprocessing import PadConstituents

    X = _jagged_with_1e39()[form]
    where = r"jet 1, constituent 1 \(in input order\), feature 'E': 1e\+39"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow warning on the way either
        with pytest.raises(ValueError, match=rf"PadConstituents: the jagged constituents has 2 value\(s\) beyond the float32 range .*first at {where}") as err:
            PadConstituents().fit_transform(X)
        assert "infinite" not in str(err.value)
        with pytest.raises(ValueError, match=rf"_Named: the jagged constituents has 2 .*{where}"):
            check_constituents(X, estimator=_Named())
