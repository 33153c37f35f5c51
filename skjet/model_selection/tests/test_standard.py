"""The standard approaches and their inputs, public in skjet.model_selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from skjet.model_selection import (
    feature_approaches,
    prepare_inputs,
    reference_taggers,
    standard_approaches,
)
from skjet.utils._sklearn_compat import InvalidParameterError
from skjet.utils.estimator_checks import make_constituents


def test_every_input_an_approach_names_is_prepared():
    X, _ = make_constituents(n_jets=6, n_slots=10)
    inputs = prepare_inputs(X)
    approaches = standard_approaches(quick=True, random_state=0, from_scratch=True)
    approaches.update(reference_taggers(quick=True, random_state=0, from_scratch=False,
                                        classes=["qcd", "top"]))
    assert {key for _, key in approaches.values()} <= set(inputs)
    assert isinstance(inputs["jet_features"], pd.DataFrame)
    assert inputs["jet_features"].shape == (6, 12)
    assert list(inputs["cut_features"].columns) == ["mass", "tau32", "multiplicity"]
    assert inputs["constituents"] is X  # float32 already: not copied
    assert inputs["four_momenta"].shape == (6, 10, 4)
    assert inputs["relative"].shape[:2] == (6, 10)
    assert inputs["images"].shape == (6, 1, 33, 33)


def test_prepare_inputs_names_a_wrong_shape():
    with pytest.raises(ValueError, match="3-D array.*got 2-D of shape \\(5, 4\\)"):
        prepare_inputs(np.ones((5, 4)))


def test_feature_approaches_follow_quick_and_random_state():
    quick = feature_approaches(quick=True, random_state=3)
    assert list(quick) == ["logistic", "XGBoost", "MLP"]
    assert quick["MLP"][-1].max_epochs == 5 and quick["MLP"][-1].random_state == 3
    assert feature_approaches(quick=False, random_state=3)["MLP"][-1].max_epochs == 20
    assert quick["XGBoost"].random_state == 3


@pytest.mark.parametrize(
    "function, kwargs, name",
    [
        (standard_approaches, dict(quick="yes", random_state=0), "quick"),
        (standard_approaches, dict(quick=True, random_state="0"), "random_state"),
        (standard_approaches, dict(quick=True, random_state=0, taggers=None), "taggers"),
        (reference_taggers, dict(quick=True, random_state=0, from_scratch="no"), "from_scratch"),
        (reference_taggers, dict(quick=True, random_state=0, classes="top"), "classes"),
        (feature_approaches, dict(quick=1, random_state=0), "quick"),
        (prepare_inputs, dict(constituents="jets"), "constituents"),
    ],
)
def test_invalid_arguments_are_named(function, kwargs, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        function(**kwargs)
