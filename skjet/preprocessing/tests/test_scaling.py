import numpy as np
import pytest

from skjet.preprocessing import ConstituentScaler, RelativeConstituents
from skjet.utils import constituent_mask
from skjet.utils._sklearn_compat import InvalidParameterError

from .conftest import make_jets


def _real(X):
    return X[constituent_mask(X)].astype(np.float64)


@pytest.mark.parametrize("method", ["standard", "maxabs", "minmax"])
def test_statistics_over_real_constituents_only(jets, method):
    scaler = ConstituentScaler(method=method).fit(jets)
    real = _real(jets)
    np.testing.assert_allclose(scaler.mean_, real.mean(axis=0), rtol=1e-6)
    assert scaler.n_constituents_seen_ == len(real) < jets.shape[0] * jets.shape[1]
    expected = {
        "standard": (real.mean(axis=0), real.std(axis=0)),
        "maxabs": (np.zeros(4), np.abs(real).max(axis=0)),
        "minmax": (real.min(axis=0), real.max(axis=0) - real.min(axis=0)),
    }[method]
    np.testing.assert_allclose(scaler.center_, expected[0], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(scaler.scale_, expected[1], rtol=1e-6)
    # Padding would have pulled the energy mean well below the real one.
    assert scaler.mean_[0] > jets[..., 0].mean() * 1.2


@pytest.mark.parametrize("method", ["standard", "maxabs", "minmax"])
def test_padding_stays_zero_and_real_rows_scaled(jets, method):
    Xt = ConstituentScaler(method=method).fit_transform(jets)
    assert Xt.dtype == np.float32 and Xt.shape == jets.shape
    mask = constituent_mask(jets)
    assert np.all(Xt[~mask] == 0.0)
    np.testing.assert_array_equal(constituent_mask(Xt), mask)
    real = Xt[mask]
    if method == "standard":
        np.testing.assert_allclose(real.mean(axis=0), 0.0, atol=1e-4)
        np.testing.assert_allclose(real.std(axis=0), 1.0, rtol=1e-4)
    elif method == "maxabs":
        np.testing.assert_allclose(np.abs(real).max(axis=0), 1.0, rtol=1e-6)
    else:
        np.testing.assert_allclose(real.min(axis=0), 0.0, atol=1e-6)
        np.testing.assert_allclose(real.max(axis=0), 1.0, rtol=1e-6)


def test_transform_uses_training_statistics(jets):
    train, test = jets, make_jets(n_jets=30, random_state=1)
    scaler = ConstituentScaler().fit(train)
    mean, std = _real(train).mean(axis=0), _real(train).std(axis=0)
    out = scaler.transform(test)
    mask = constituent_mask(test)
    np.testing.assert_allclose(out[mask], (test[mask] - mean) / std, rtol=1e-5, atol=1e-5)
    assert not np.allclose(_real(test).mean(axis=0), mean)


@pytest.mark.parametrize("method", ["standard", "maxabs", "minmax"])
def test_inverse_round_trip(jets, method):
    scaler = ConstituentScaler(method=method).fit(jets)
    back = scaler.inverse_transform(scaler.transform(jets))
    np.testing.assert_allclose(back, jets, rtol=1e-5, atol=1e-3)
    assert np.all(back[~constituent_mask(jets)] == 0.0)


def test_constant_feature_gets_unit_scale():
    X = np.zeros((3, 2, 2), dtype=np.float32)
    X[:, 0] = [[5.0, 1.0], [5.0, 2.0], [5.0, 3.0]]
    scaler = ConstituentScaler().fit(X)
    assert scaler.scale_[0] == 1.0
    np.testing.assert_allclose(scaler.transform(X)[:, 0, 0], 0.0)


def test_any_number_of_features(jets):
    rel = RelativeConstituents().fit_transform(jets)
    scaler = ConstituentScaler().fit(rel)
    assert scaler.n_features_in_ == 7 and scaler.scale_.shape == (7,)
    with pytest.raises(ValueError, match="7 features"):
        scaler.transform(jets)


def test_bad_input(jets):
    with pytest.raises(ValueError, match="3-D"):
        ConstituentScaler().fit(jets.reshape(len(jets), -1))
    bad = jets.copy()
    bad[0, 0, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ConstituentScaler().fit(bad)
    with pytest.raises(ValueError, match="0 jets"):
        ConstituentScaler().fit(jets[:0])
    with pytest.raises(ValueError, match="padding"):
        ConstituentScaler().fit(np.zeros((4, 3, 4), dtype=np.float32))
    with pytest.raises(InvalidParameterError, match="method"):
        ConstituentScaler(method="robust").fit(jets)
