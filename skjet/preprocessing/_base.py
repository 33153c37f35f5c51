"""Shared plumbing of the transformers whose output is a 3-D or 4-D array."""

from __future__ import annotations

from sklearn.base import BaseEstimator, TransformerMixin


class _NDOutputTransformer(  # type: ignore[call-arg]  # sklearn's set_output keyword
    TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Base of the transformers whose output is 3-D or 4-D (constituents, jet images).

    Their output has no tabular container, so scikit-learn's automatic pandas wrapping is
    switched off; :meth:`set_output` is kept (as a documented no-op) so that
    ``Pipeline.set_output(transform="pandas")`` still configures the 2-D steps after them.
    Those that also take constituents add :class:`skjet.utils.ConstituentInputMixin`.
    """

    def set_output(self, *, transform: str | None = None) -> _NDOutputTransformer:
        """Accept an output configuration and keep returning arrays.

        The output of this transformer is 3-D (or 4-D), which a DataFrame cannot hold, so
        the setting changes nothing here; it exists so that ``set_output`` on a Pipeline
        reaches the 2-D steps that follow (e.g. :class:`FlattenConstituents`).

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None
            Ignored (validated only).

        Returns
        -------
        self : object
        """
        if transform not in (None, "default", "pandas", "polars"):
            raise ValueError(
                f"transform must be 'default', 'pandas', 'polars' or None, got {transform!r}."
            )
        return self
