"""Point sets for the JL benchmarks (deterministic given the seed).

======================  ==========================================================
``isotropic``           standard Gaussian points
``anisotropic``         Gaussian, coordinate scales decaying geometrically (100x first to last)
``clustered``           10 tight Gaussian clusters around random centres
``pca-trap``            pairs of twins that differ only in low-variance coordinates, which PCA discards
``swiss-roll``          a swiss roll (a 2-D sheet rolled in 3-D) placed in d dimensions by a random
                        rotation, plus Gaussian noise of 1/100 of its spread in every coordinate
``digits``              scikit-learn's handwritten digits (1797 x 64; ``n``, ``d`` ignored; needs scikit-learn)
======================  ==========================================================
"""

from __future__ import annotations

import numpy as np

from ..errors import OptionError, check_option

__all__ = ["SETS", "make_set"]

SETS = ("isotropic", "anisotropic", "clustered", "pca-trap", "swiss-roll", "digits")


def make_set(name: str, n: int = 500, d: int = 100, seed: int = 0) -> np.ndarray:
    """The point set ``name`` with ``n`` points in ``d`` dimensions (float64).

    Raises
    ------
    OptionError
        An unknown name, n < 2 or d < 1, or ``digits`` without scikit-learn.

    Examples
    --------
    >>> make_set("isotropic", n=5, d=3).shape
    (5, 3)
    """
    check_option(name in SETS, "set", "one of " + ", ".join(SETS), name)
    check_option(isinstance(n, int) and n >= 2, "n", "an integer >= 2", n)
    check_option(isinstance(d, int) and d >= 1, "d", "a positive integer", d)
    rng = np.random.default_rng(seed)
    if name == "isotropic":
        return rng.standard_normal((n, d))
    if name == "anisotropic":
        return rng.standard_normal((n, d)) * np.geomspace(1.0, 0.01, d)
    if name == "clustered":
        centres = rng.standard_normal((10, d)) * 5.0
        return centres[rng.integers(0, 10, n)] + 0.3 * rng.standard_normal((n, d))
    if name == "pca-trap":
        check_option(d >= 2, "d", "at least 2 for pca-trap", d)
        half = n // 2
        base = np.zeros((half, d))
        base[:, : max(d // 4, 1)] = 10.0 * rng.standard_normal((half, max(d // 4, 1)))
        twins = base.copy()
        coord = rng.integers(max(d // 4, 1), d, half)
        twins[np.arange(half), coord] += rng.choice([-1.0, 1.0], half)
        X = np.vstack([base, twins])
        return X + 1e-3 * rng.standard_normal(X.shape)
    if name == "swiss-roll":
        check_option(d >= 3, "d", "at least 3 for swiss-roll", d)
        t = 1.5 * np.pi * (1 + 2 * rng.random(n))
        sheet = np.stack([t * np.cos(t), 21.0 * rng.random(n), t * np.sin(t)], axis=1)
        rotation, _ = np.linalg.qr(rng.standard_normal((d, 3)))
        return sheet @ rotation.T + 0.01 * sheet.std() * rng.standard_normal((n, d))
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise OptionError("the 'digits' set needs scikit-learn (pip install scikit-learn)") from None
    return load_digits().data.astype(np.float64)
