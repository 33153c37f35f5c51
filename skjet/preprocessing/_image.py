"""Jet images: constituents pixelated in (delta eta, delta phi), weighted by pT."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

from ..utils import ConstituentInputMixin, constituent_mask
from ..utils._fourvec import delta_phi, eta, jet_four_momentum, phi, pt
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ..utils._typing import ArrayLike
from ._base import _NDOutputTransformer


class JetImage(ConstituentInputMixin, _NDOutputTransformer):
    """Pixelate constituents into pT-weighted jet images, with the standard preprocessing.

    Each constituent is placed at (delta eta, delta phi) from the jet axis (the direction of
    the summed four-momentum) and its pT is added to the pixel it falls in. Before
    pixelation the coordinates are, in order:

    1. ``center``: shifted so the pT-weighted centroid sits at the image centre;
    2. ``rotate``: rotated about the centre so that the principal axis of the pT-weighted
       second-moment matrix of the coordinates is **vertical** (along the image rows);
    3. ``flip``: mirrored so that at least half of the pT lies in the **right** half
       (columns past the centre) and at least half in the **top** half (rows past the
       centre).

    The image ``img[k, 0, i, j]`` has rows ``i`` along the vertical coordinate (delta phi
    without rotation), increasing with ``i``, and columns ``j`` along the horizontal one
    (delta eta); show it with ``plt.imshow(img[k, 0], origin="lower")``.

    Parameters
    ----------
    size : int, default=33
        Pixels per side. An odd size puts the centre in the middle of a pixel.
    width : float or None, default=None
        Side of the image in (eta, phi) units; ``None`` means ``2 * radius``.
    radius : float, default=0.8
        Jet radius, used for the default width.
    center : bool, default=True
        Centre on the pT-weighted centroid (otherwise on the jet axis).
    rotate : bool, default=True
        Make the principal axis vertical.
    flip : bool, default=True
        Mirror to the canonical quadrant (more pT right and top).
    normalize : {"sum", "max", "log"} or None, default="sum"
        ``"sum"``: pixels sum to 1 (fractions of the pT inside the image); ``"max"``: the
        brightest pixel is 1; ``"log"``: ``log(1 + pixel pT)``, pT in the input's units;
        ``None``: pixel pT sums. An empty image stays zero under every choice.

    Attributes
    ----------
    n_features_in_ : int
        Always 4 (E, px, py, pz).

    Notes
    -----
    Pixelation keeps only what falls inside the window of side ``width``: constituents
    outside it are not in the image (their pT is also left out of the "sum"
    normalisation). With the default ``width = 2 * radius`` and centring this only concerns
    constituents near the jet edge; widen the window to keep them.

    The work is vectorised over jets (one ``np.bincount`` over all pixels); its cost is
    linear in the number of constituent slots.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((1, 2, 4), dtype=np.float32)
    >>> X[0, 0] = [100, 100, 0, 0]
    >>> X[0, 1] = [10.05, 10, 1, 0]
    >>> img = JetImage(size=9).fit_transform(X)
    >>> img.shape
    (1, 1, 9, 9)
    >>> float(img.sum())  # doctest: +ELLIPSIS
    1.0...
    """

    _physical_input = True

    _parameter_constraints: dict = {
        "size": [Interval(Integral, 1, None, closed="left")],
        "width": [Interval(Real, 0, None, closed="neither"), None],
        "radius": [Interval(Real, 0, None, closed="neither")],
        "center": ["boolean"],
        "rotate": ["boolean"],
        "flip": ["boolean"],
        "normalize": [StrOptions({"sum", "max", "log"}), None],
    }

    def __init__(
        self,
        size: int = 33,
        width: float | None = None,
        radius: float = 0.8,
        center: bool = True,
        rotate: bool = True,
        flip: bool = True,
        normalize: str | None = "sum",
    ):
        self.size = size
        self.width = width
        self.radius = radius
        self.center = center
        self.rotate = rotate
        self.flip = flip
        self.normalize = normalize

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> JetImage:
        """Check ``X`` and the parameters; the images need no statistics.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, 4)
            Zero-padded (E, px, py, pz) constituents.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._validate_fit(X)
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Make one image per jet.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, 4)
            Zero-padded (E, px, py, pz) constituents.

        Returns
        -------
        images : ndarray of shape (n_jets, 1, size, size), float32
        """
        X = self._validate_transform(X)
        jets, x, y, w = self._coordinates(X)
        return self._normalize(self._pixelate(len(X), jets, x, y, w))

    def _coordinates(self, X):
        """Jet index, horizontal and vertical coordinates and pT of every real constituent.

        Per-jet sums are ``np.bincount`` over the jet index of the real constituents only.
        """
        n = len(X)
        jets, slots = np.nonzero(constituent_mask(X))
        rows = X[jets, slots].astype(np.float64)
        axis = jet_four_momentum(X)
        w = pt(rows)
        x = eta(rows) - eta(axis)[jets]
        y = delta_phi(phi(rows), phi(axis)[jets])
        total = np.bincount(jets, weights=w, minlength=n)
        total[total == 0] = 1.0  # jets without pT: nothing is gathered from them

        def per_jet_mean(values):
            return np.bincount(jets, weights=w * values, minlength=n) / total

        if self.center:
            x = x - per_jet_mean(x)[jets]
            y = y - per_jet_mean(y)[jets]
        if self.rotate:
            cxx, cyy, cxy = per_jet_mean(x * x), per_jet_mean(y * y), per_jet_mean(x * y)
            # Angle of the major axis from the horizontal; turn it by (pi/2 - angle) to vertical.
            turn = (np.pi / 2 - 0.5 * np.arctan2(2.0 * cxy, cxx - cyy))[jets]
            cos, sin = np.cos(turn), np.sin(turn)
            x, y = x * cos - y * sin, x * sin + y * cos
        if self.flip:
            x = x * self._flip_sign(jets, w, x, n)
            y = y * self._flip_sign(jets, w, y, n)
        return jets, x, y, w

    @staticmethod
    def _flip_sign(jets, w, v, n):
        """-1 for constituents of jets with more pT on the negative side of ``v``, else +1."""
        balance = np.bincount(jets, weights=w * np.sign(v), minlength=n)
        return np.where(balance < 0, -1.0, 1.0)[jets]

    def _pixelate(self, n, jets, x, y, w):
        size = self.size
        width = 2.0 * self.radius if self.width is None else self.width
        pitch = width / size
        col = np.floor((x + width / 2) / pitch).astype(np.int64)
        row = np.floor((y + width / 2) / pitch).astype(np.int64)
        inside = (col >= 0) & (col < size) & (row >= 0) & (row < size)
        flat = (jets[inside] * size + row[inside]) * size + col[inside]
        pixels = np.bincount(flat, weights=w[inside], minlength=n * size * size)
        return pixels.reshape(n, 1, size, size)

    def _normalize(self, images):
        if self.normalize == "log":
            return np.log1p(images).astype(np.float32)
        if self.normalize in ("sum", "max"):
            flat = images.reshape(len(images), -1)
            norm = flat.sum(axis=1) if self.normalize == "sum" else flat.max(axis=1)
            norm[norm == 0] = 1.0  # empty images stay zero
            images = images / norm[:, None, None, None]
        return images.astype(np.float32)
