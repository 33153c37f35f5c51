"""The docstring examples of skjet.metrics run and hold."""

import doctest
import importlib

import pytest

MODULES = [
    "skjet.metrics._rejection",
    "skjet.metrics._significance",
    "skjet.metrics._projection",
    "skjet.metrics._scorers",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
