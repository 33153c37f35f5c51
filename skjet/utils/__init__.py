"""Shared helpers: input validation for the data conventions, optional imports, discovery.

The names are imported lazily (PEP 562), so importing a light private module such as
``skjet.utils._fourvec`` (as the generator's worker processes do) does not import
scikit-learn.
"""

from ._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "ConstituentInputMixin": "._mixins",
        "check_constituents": "._validation",
        "check_finite": "._validation",
        "check_physical": "._validation",
        "check_sample_weight": "._validation",
        "constituent_mask": "._validation",
        "import_optional": "._optional",
        "n_constituents": "._validation",
    },
)
