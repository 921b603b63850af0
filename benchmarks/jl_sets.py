"""Point sets for the JL experiments (deterministic given the seed).

    from benchmarks.jl_sets import make_set
    X = make_set("isotropic", n=500, d=100, seed=0)

isotropic    standard Gaussian points
anisotropic  Gaussian with coordinate scales decaying geometrically (100x from first to last)
clustered    10 tight Gaussian clusters around random centres
pca-trap     pairs of twins that differ only in low-variance coordinates, which PCA discards
digits       scikit-learn's handwritten digits (1797 x 64, shipped with the package; n, d ignored)
"""

from __future__ import annotations

import numpy as np

SETS = ("isotropic", "anisotropic", "clustered", "pca-trap", "digits")


def make_set(name: str, n: int = 500, d: int = 100, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if name == "isotropic":
        return rng.standard_normal((n, d))
    if name == "anisotropic":
        return rng.standard_normal((n, d)) * np.geomspace(1.0, 0.01, d)
    if name == "clustered":
        centres = rng.standard_normal((10, d)) * 5.0
        return centres[rng.integers(0, 10, n)] + 0.3 * rng.standard_normal((n, d))
    if name == "pca-trap":
        half = n // 2
        base = np.zeros((half, d))
        base[:, : d // 4] = 10.0 * rng.standard_normal((half, d // 4))
        twins = base.copy()
        coord = rng.integers(d // 4, d, half)
        twins[np.arange(half), coord] += rng.choice([-1.0, 1.0], half)
        X = np.vstack([base, twins])
        return X + 1e-3 * rng.standard_normal(X.shape)
    if name == "digits":
        from sklearn.datasets import load_digits

        return load_digits().data.astype(np.float64)
    raise ValueError(f"unknown set {name!r}; choose from {', '.join(SETS)}")
