import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skjet.preprocessing import (
    RELATIVE_FEATURE_NAMES,
    ConstituentScaler,
    FlattenConstituents,
    RelativeConstituents,
    ReshapeConstituents,
)

from .conftest import make_jets


def _top_tagging_frame(X):
    """The Top Quark Tagging Reference layout: E_0, PX_0, PY_0, PZ_0, E_1, ..."""
    columns = [f"{name}_{i}" for i in range(X.shape[1]) for name in ("E", "PX", "PY", "PZ")]
    return pd.DataFrame(X.reshape(len(X), -1), columns=columns)


def test_reshape_top_tagging_frame():
    X = make_jets(n_jets=10, n_slots=200)
    frame = _top_tagging_frame(X)
    assert frame.shape == (10, 800)
    reshaper = ReshapeConstituents().fit(frame)
    out = reshaper.transform(frame)
    assert out.shape == (10, 200, 4) and out.dtype == np.float32
    np.testing.assert_array_equal(out, X)
    assert reshaper.n_constituents_ == 200 and reshaper.n_features_in_ == 800
    assert out[3, 7, 2] == frame.loc[3, "PY_7"]
    np.testing.assert_array_equal(reshaper.inverse_transform(out), frame.to_numpy())


def test_reshape_column_count_not_divisible():
    X = np.ones((5, 803), dtype=np.float32)
    with pytest.raises(ValueError, match=r"803 feature\(s\).*n_features=4"):
        ReshapeConstituents().fit(X)
    assert ReshapeConstituents(n_features=11).fit(X).n_constituents_ == 73


def test_reshape_refuses_columns_out_of_constituent_order():
    frame = _top_tagging_frame(make_jets(n_jets=4, n_slots=3))
    shuffled = frame[sorted(frame.columns)]  # E_0, E_1, E_2, PX_0, ...
    with pytest.raises(ValueError, match="column 1 is 'E_1'.*'PX_0'"):
        ReshapeConstituents().fit(shuffled)
    # Arbitrary names are not checked: only the count matters.
    plain = frame.set_axis([f"c{i}" for i in range(frame.shape[1])], axis=1)
    assert ReshapeConstituents().fit_transform(plain).shape == (4, 3, 4)


def test_reshape_bad_input():
    X = np.ones((4, 8), dtype=np.float32)
    X[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ReshapeConstituents().fit(X)
    with pytest.raises(ValueError, match="0 sample"):
        ReshapeConstituents().fit(np.ones((0, 8)))
    with pytest.raises(ValueError, match=r"2-D table .* got 3-D"):
        ReshapeConstituents().fit(np.ones((2, 2, 4)))
    fitted = ReshapeConstituents().fit(np.ones((2, 8)))
    with pytest.raises(ValueError, match="12 features"):
        fitted.transform(np.ones((2, 12)))


def test_flatten_names_and_pandas_output():
    X = make_jets(n_jets=6, n_slots=5)
    flat = FlattenConstituents().set_output(transform="pandas").fit(X)
    frame = flat.transform(X)
    assert isinstance(frame, pd.DataFrame) and frame.shape == (6, 20)
    assert list(frame.columns[:6]) == ["E_0", "PX_0", "PY_0", "PZ_0", "E_1", "PX_1"]
    assert list(frame.columns) == list(_top_tagging_frame(X).columns)
    assert frame.loc[2, "PZ_3"] == X[2, 3, 3]
    np.testing.assert_array_equal(flat.inverse_transform(frame), X)


def test_flatten_round_trip_with_reshape():
    X = make_jets(n_jets=6, n_slots=5)
    flat = FlattenConstituents().fit_transform(X)
    np.testing.assert_array_equal(ReshapeConstituents().fit_transform(flat), X)


def test_flatten_feature_names_for_other_features():
    rel = RelativeConstituents().fit_transform(make_jets(n_jets=4, n_slots=3))
    names = (
        FlattenConstituents(feature_names=RELATIVE_FEATURE_NAMES).fit(rel).get_feature_names_out()
    )
    assert list(names[:8]) == [f"{n}_0" for n in RELATIVE_FEATURE_NAMES] + ["log_pt_1"]
    default = FlattenConstituents().fit(rel).get_feature_names_out()
    assert list(default[:2]) == ["x0_0", "x1_0"] and len(default) == 21
    with pytest.raises(ValueError, match="feature_names has 4 name"):
        FlattenConstituents(feature_names=["a", "b", "c", "d"]).fit(rel)


def test_flatten_bad_input():
    X = make_jets(n_jets=4, n_slots=5)
    flat = FlattenConstituents().fit(X)
    with pytest.raises(ValueError, match="fitted on 5 constituent slots, got 3"):
        flat.transform(X[:, :3])
    with pytest.raises(ValueError, match="3-D"):
        FlattenConstituents().fit(X.reshape(4, -1))
    with pytest.raises(ValueError, match="20 columns"):
        flat.inverse_transform(np.ones((2, 19)))


def test_pipeline_from_flat_table_with_pandas_output():
    X = make_jets(n_jets=40, n_slots=6, random_state=3)
    y = np.arange(40) % 2
    pipe = make_pipeline(
        ReshapeConstituents(), ConstituentScaler(), FlattenConstituents(), LogisticRegression()
    )
    pipe.set_output(transform="pandas")
    pipe.fit(_top_tagging_frame(X), y)
    table = pipe[:-1].transform(_top_tagging_frame(X))
    assert isinstance(table, pd.DataFrame) and table.columns[0] == "E_0"
    assert pipe.predict(_top_tagging_frame(X)).shape == (40,)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_flatten_inverse_transform_refuses_non_finite(value):
    X = np.ones((3, 2, 4), dtype=np.float32)
    flat = FlattenConstituents().fit(X)
    table = flat.transform(X).copy()
    table[1, 5] = value
    with pytest.raises(ValueError, match="FlattenConstituents: X contains"):
        flat.inverse_transform(table)


def test_stateless_markers():
    from skjet.preprocessing import (
        ConstituentScaler,
        JetImage,
        RelativeConstituents,
    )

    for cls in (FlattenConstituents, ReshapeConstituents, RelativeConstituents, JetImage):
        assert getattr(cls, "_stateless", False) is True, cls
    assert ConstituentScaler._stateless is False
