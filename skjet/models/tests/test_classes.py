"""Tests of the shared label helpers in skjet.utils._classes."""

from __future__ import annotations

import numpy as np
import pytest

from skjet.utils._classes import class_weight_per_class, encode_labels, format_labels


def test_encode_labels():
    classes, codes = encode_labels(np.array(["top", "qcd", "top"]))
    assert classes.tolist() == ["qcd", "top"] and codes.tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match="at least two classes; got only one class: 'top'"):
        encode_labels(np.array(["top", "top"]), estimator="Est")
    with pytest.raises(ValueError, match=r"Est: y has labels not seen in fit: \['w'\]"):
        encode_labels(np.array(["w", "top"]), classes, estimator="Est")
    assert encode_labels(np.array(["top"]), classes)[1].tolist() == [1]
    assert format_labels(np.array(["a", "b"])) == "['a', 'b']"


def test_class_weight_per_class():
    classes = np.array([0, 1, 2])
    counts = np.array([10, 30, 0])
    assert class_weight_per_class(None, classes, counts) is None
    np.testing.assert_allclose(
        class_weight_per_class("balanced", classes, counts), [2.0, 40 / 60, 1.0]
    )
    np.testing.assert_allclose(class_weight_per_class({1: 3.0}, classes, counts), [1, 3, 1])
    with pytest.raises(ValueError, match=r"class_weight has labels not in y: \[7\]"):
        class_weight_per_class({7: 1.0}, classes, counts, "Est")
    with pytest.raises(ValueError, match="class_weight must be"):
        class_weight_per_class("auto", classes, counts, "Est")


@pytest.mark.parametrize("values", [[0.0, 1.0, np.nan, 1.0], ["a", "b", None, "a"]])
def test_dask_classes_refuses_missing_labels(values):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    from skjet.utils._dask import dask_classes

    y = dd.from_pandas(pd.Series(values), npartitions=2)
    with pytest.raises(ValueError, match="y contains NaN"):
        dask_classes(y)
