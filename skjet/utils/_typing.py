"""Type aliases of skjet's public signatures."""

from __future__ import annotations

from typing import Any, TypeAlias

# A data argument as scikit-learn takes it: an ndarray, a DataFrame or Series, a list, or
# (for XGBoost) a dask collection, which validation turns into an array. Any, because
# numpy.typing.ArrayLike also admits scalars and buffers that each body would then have to
# narrow away before it may take len() of or index the validated array bound to the name.
ArrayLike: TypeAlias = Any

# What a dataset function returns: a Bunch, or (X, y) with return_X_y=True. Any, because
# the union would make every caller narrow it before reading data.target or unpacking X, y
# (and scikit-learn's Bunch is untyped anyway); the docstrings say which comes when.
DatasetReturn: TypeAlias = Any
