"""The JL problem itself: pair ratios, the exact distortion certificate, and
the smoothed distortion that deterministic optimizers minimize.

For points x_i and an embedding y_i, the squared ratio of a pair is
r_ij = ||y_i - y_j||^2 / ||x_i - x_j||^2. Over all pairs of distinct points:
eps_sq = max |r - 1|; the best global rescale of squared distances
c* = 2 / (r_min + r_max) gives eps_opt = (r_max - r_min) / (r_max + r_min);
the multiplicative distortion is D = sqrt(r_max / r_min).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import torch

from ..errors import InputError
from .pairs import TILE, PairScan, PairSet, scan_pairs

__all__ = ["DistortionCertificate", "SmoothedDistortion", "certificate_from_scan", "certify_embedding", "certify_maps",
           "duplicate_rows", "gaussian_maps", "jl_min_dim", "pca_map"]


@dataclass(frozen=True)
class DistortionCertificate:
    """Worst-case distortion of an embedding over every pair of distinct points.

    Attributes
    ----------
    n, d, k : int
        Points, input and embedding dimensions.
    pairs_checked : int
        Pairs of distinct points checked: all of them, unless ``complete`` is false.
    duplicates : int
        Points identical to an earlier point; their zero-length pairs are left out.
    r_min, r_max : float
        Extreme squared ratios ||y_i - y_j||^2 / ||x_i - x_j||^2.
    extreme_pairs : dict
        ``{"min": [i, j], "max": [i, j]}``, 0-based row indices.
    eps_sq, eps_opt, distortion, scale : float
        max |r - 1|; (r_max - r_min) / (r_max + r_min); sqrt(r_max / r_min);
        the rescale 2 / (r_min + r_max) of squared distances achieving eps_opt.
    recomputed_pairs : int
        Pairs whose ratio was recomputed from the original coordinates.
    seconds : float
    complete : bool
        Whether every pair was checked. A time limit can stop the scan
        early; the figures are then those of the pairs checked (the pairs
        among the leading rows), and the distortion is a lower bound on the
        embedding's, not a certificate.
    """

    n: int
    d: int
    k: int
    pairs_checked: int
    duplicates: int
    r_min: float
    r_max: float
    extreme_pairs: dict
    eps_sq: float
    eps_opt: float
    distortion: float
    scale: float
    recomputed_pairs: int
    seconds: float
    complete: bool = True

    def rescaled(self, c: float) -> "DistortionCertificate":
        """The certificate of the same map with squared distances scaled by ``c`` > 0 (D is unchanged)."""
        r_min, r_max = self.r_min * c, self.r_max * c
        total = r_min + r_max
        return replace(self, r_min=r_min, r_max=r_max, eps_sq=max(abs(r_min - 1.0), abs(r_max - 1.0)),
                       scale=2.0 / total if total > 0 else math.inf)

    def to_dict(self) -> dict:
        return {
            "n": self.n, "d": self.d, "k": self.k, "pairs_checked": self.pairs_checked,
            "duplicates": self.duplicates, "r_min": self.r_min, "r_max": self.r_max,
            "extreme_pairs": self.extreme_pairs, "eps_sq": self.eps_sq, "eps_opt": self.eps_opt,
            "distortion": self.distortion, "scale": self.scale, "recomputed_pairs": self.recomputed_pairs,
            "seconds": self.seconds, "complete": self.complete,
        }


def jl_min_dim(n: int, eps: float) -> int | None:
    """Dasgupta-Gupta: k >= 4 ln n / (eps^2/2 - eps^3/3) suffices for an eps-JL map of n points.

    ``None`` where the formula does not apply (eps >= 1.5).
    """
    denom = eps * eps / 2 - eps ** 3 / 3
    if not (eps > 0 and denom > 0):
        return None
    return int(math.ceil(4 * math.log(n) / denom))


def gaussian_maps(d: int, k: int, draws: int, *, seed: int = 0) -> list[np.ndarray]:
    """``draws`` classical JL maps G / sqrt(k), G with i.i.d. N(0, 1) entries (k x d): the certificate's comparison."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((k, d)) / math.sqrt(k) for _ in range(draws)]


def pca_map(X: np.ndarray, k: int) -> np.ndarray:
    """Projection on the top-k principal directions (k x d, orthonormal rows)."""
    Xc = np.asarray(X, dtype=np.float64) - np.mean(X, axis=0)
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    rows = Vt[: min(k, Vt.shape[0])]
    if rows.shape[0] < k:  # k > rank: pad with zero rows, distances are unchanged
        rows = np.vstack([rows, np.zeros((k - rows.shape[0], Xc.shape[1]))])
    return rows


def duplicate_rows(X: np.ndarray) -> int:
    """Rows of X identical to an earlier row."""
    return X.shape[0] - np.unique(X, axis=0).shape[0]


def certificate_from_scan(scan: PairScan, n: int, d: int, k: int, duplicates: int) -> DistortionCertificate:
    """The distortion certificate that one scan of all pairs establishes."""
    r_min, r_max = scan.r_min, scan.r_max
    total = r_min + r_max
    return DistortionCertificate(
        n=n, d=d, k=k, pairs_checked=scan.pairs, duplicates=duplicates, r_min=r_min, r_max=r_max,
        extreme_pairs={"min": list(scan.argmin), "max": list(scan.argmax)},
        eps_sq=max(abs(r_min - 1.0), abs(r_max - 1.0)),
        eps_opt=(r_max - r_min) / total if total > 0 else math.inf,
        distortion=math.sqrt(r_max / r_min) if r_min > 0 else math.inf,
        scale=2.0 / total if total > 0 else math.inf,
        recomputed_pairs=scan.recomputed, seconds=scan.seconds, complete=scan.complete,
    )


def _check_pair(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim != 2 or X.ndim != 2:
        raise InputError(f"points and embedding must be 2-D arrays, got shapes {X.shape} and {Y.shape}")
    if X.shape[0] != Y.shape[0]:
        raise InputError(f"the embedding has {Y.shape[0]} rows but there are {X.shape[0]} points")
    return X, Y


def certify_maps(
    X: np.ndarray, Ys: list[np.ndarray], *, device: torch.device | str = "cpu", tile: int = TILE,
    duplicates: int | None = None, progress: Callable[[int, int], None] | None = None,
    deadline: float | None = None,
) -> list[DistortionCertificate]:
    """Exact worst-case distortion of several embeddings of the same points, in one pass over the pairs
    (cut short at ``deadline``, if given: see :attr:`DistortionCertificate.complete`)."""
    X = np.asarray(X, dtype=np.float64)
    for Y in Ys:
        _check_pair(X, Y)
    dup = duplicate_rows(X) if duplicates is None else duplicates
    if X.shape[0] - dup < 2:
        raise InputError("fewer than 2 distinct points: no pair to measure")
    scans = scan_pairs(X, list(Ys), device=device, tile=tile, progress=progress, deadline=deadline)
    return [certificate_from_scan(s, X.shape[0], X.shape[1], np.shape(Y)[1], dup) for s, Y in zip(scans, Ys)]


def certify_embedding(
    X: np.ndarray, Y: np.ndarray, *, device: torch.device | str = "cpu", tile: int = TILE,
    duplicates: int | None = None, progress: Callable[[int, int], None] | None = None,
    deadline: float | None = None,
) -> DistortionCertificate:
    """Exact worst-case distortion of ``Y`` as an embedding of ``X``, over all pairs.

    Float64 throughout. Pairs are visited once, in tiles of the upper
    triangle (memory O(tile^2), see :func:`solver.jl.pairs.scan_pairs`);
    ratios come from Gram blocks of centred coordinates, and every pair that
    could be an extreme (within a relative 1e-6 of the running extremes), or
    whose Gram value could be inaccurate (very close points), is recomputed
    from the original coordinates. So r_min, r_max and the extreme pairs are
    exact to float64 rounding.

    Parameters
    ----------
    X : array (n, d)
        The points.
    Y : array (n, k)
        Their images (any embedding).
    duplicates : int, optional
        Rows of X equal to an earlier row, when the caller knows.
    progress : callable, optional
        ``progress(tiles_done, tiles_total)``.
    deadline : float, optional
        :func:`time.monotonic` time after which the scan stops at the next
        tile; the certificate then says ``complete: false``.

    Raises
    ------
    InputError
        Mismatched row counts, or fewer than two distinct points.
    """
    X, Y = _check_pair(X, Y)
    return certify_maps(X, [Y], device=device, tile=tile, duplicates=duplicates, progress=progress,
                        deadline=deadline)[0]


class SmoothedDistortion:
    """(LSE_beta(log s) + LSE_beta(-log s)) / beta over a set of pairs, as a function of the map M.

    The smooth maximum minus the smooth minimum of the log ratios; it tends
    to log s_max - log s_min = 2 log D over the set as beta grows (from above,
    by at most 2 log(#pairs) / beta). Value and gradient in closed form:
    d/ds_p is (w+_p - w-_p) / s_p with w+- the softmax weights of +-beta log s.

    With ``log_weights`` each pair p counts w_p times (a pair standing for
    w_p pairs of a uniform sample): LSE_beta is then of beta log s + log w.
    """

    def __init__(self, pairs: PairSet, k: int, beta: float, log_weights: torch.Tensor | None = None):
        self.pairs, self.k, self.beta = pairs, k, beta
        self.log_w = log_weights

    def value_and_gradient(self, M: torch.Tensor) -> tuple[float, torch.Tensor]:
        with torch.no_grad():
            Y = self.pairs.images(M.view(self.k, -1))
            diff = self.pairs.differences(Y)
            log_s = torch.log(torch.clamp(self.pairs.ratios(Y, diff), min=1e-300))
            b = self.beta
            up, down = b * log_s, -b * log_s
            if self.log_w is not None:
                up, down = up + self.log_w, down + self.log_w
            value = float((torch.logsumexp(up, 0) + torch.logsumexp(down, 0)) / b)
            d_s = (torch.softmax(up, 0) - torch.softmax(down, 0)) / torch.exp(log_s)
            return value, self.pairs.grad_map(d_s, Y, diff).reshape(-1)
