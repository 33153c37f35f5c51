"""The one place where skjet uses skl2onnx's and onnxmltools' private API.

Like :mod:`skjet.utils._sklearn_compat` for scikit-learn: whether a class has a registered
converter (skl2onnx keeps its registry in the private ``_supported_operators``) and
onnxmltools' XGBoost converter function (not exported by its package) have no public
equivalent, and a release of either may move them. Every skjet module goes through here, so
a release that breaks one is fixed in this file alone. Both packages are optional (the
``export`` extra): they are imported when a function here is called, not with this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def has_converter(cls: type) -> bool:
    """Whether skl2onnx has a converter registered for estimators of class ``cls``."""
    from skl2onnx._supported_operators import sklearn_operator_name_map

    return cls in sklearn_operator_name_map


def xgboost_converter() -> Callable[..., Any]:
    """onnxmltools' converter of an XGBoost classifier operator (scope, operator, container)."""
    from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost

    return convert_xgboost
