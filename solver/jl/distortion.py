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
import time
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import InputError

__all__ = [
    "DistortionCertificate",
    "PairGeometry",
    "SmoothedDistortion",
    "certify_embedding",
    "jl_min_dim",
    "jl_bound_eps",
    "pair_sq_distances",
    "smoothed_log_distortion",
]

# Candidate extremes within this relative margin of the Gram-trick extremes
# are recomputed from the original coordinates; the Gram values of all other
# pairs carry a relative error far below it (pairs where they might not, the
# very close ones, are recomputed too).
_MARGIN = 1e-6
_GRAM_TRUST = 1e-9
_BLOCK_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class DistortionCertificate:
    """Worst-case distortion of an embedding over every pair of distinct points.

    Attributes
    ----------
    n, d, k : int
        Points, input and embedding dimensions.
    pairs_checked : int
        Pairs of distinct points (all of them: nothing is sampled).
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

    def to_dict(self) -> dict:
        return {
            "n": self.n, "d": self.d, "k": self.k, "pairs_checked": self.pairs_checked,
            "duplicates": self.duplicates, "r_min": self.r_min, "r_max": self.r_max,
            "extreme_pairs": self.extreme_pairs, "eps_sq": self.eps_sq, "eps_opt": self.eps_opt,
            "distortion": self.distortion, "scale": self.scale, "recomputed_pairs": self.recomputed_pairs,
            "seconds": self.seconds,
        }


def jl_min_dim(n: int, eps: float) -> int | None:
    """Dasgupta-Gupta: k >= 4 ln n / (eps^2/2 - eps^3/3) suffices for an eps-JL map of n points.

    ``None`` where the formula does not apply (eps >= 1.5).
    """
    denom = eps * eps / 2 - eps ** 3 / 3
    if not (eps > 0 and denom > 0):
        return None
    return int(math.ceil(4 * math.log(n) / denom))


def jl_bound_eps(n: int, k: int) -> float | None:
    """The smallest eps in (0, 1) for which the Dasgupta-Gupta bound allows dimension k."""
    lo, hi = 1e-9, 1.0
    if jl_min_dim(n, hi - 1e-12) is None or jl_min_dim(n, hi - 1e-12) > k:
        return None
    for _ in range(100):
        mid = (lo + hi) / 2
        if jl_min_dim(n, mid) <= k:
            hi = mid
        else:
            lo = mid
    return hi


def pair_sq_distances(Z: torch.Tensor, rows: slice) -> torch.Tensor:
    """Squared distances from ``Z[rows]`` to every row of ``Z`` by the Gram trick."""
    sq = (Z * Z).sum(dim=1)
    block = Z[rows]
    return torch.clamp(sq[rows, None] + sq[None, :] - 2.0 * block @ Z.T, min=0.0)


def _duplicate_groups(X: np.ndarray) -> tuple[np.ndarray, int]:
    _, first, inverse = np.unique(X, axis=0, return_index=True, return_inverse=True)
    return inverse.ravel(), X.shape[0] - first.size


def certify_embedding(
    X: np.ndarray, Y: np.ndarray, *, device: torch.device | str = "cpu", block_elements: int = _BLOCK_ELEMENTS
) -> DistortionCertificate:
    """Exact worst-case distortion of ``Y`` as an embedding of ``X``, over all pairs.

    Float64 throughout. Pairs are visited in row blocks (memory stays
    O(block_elements)); ratios come from the Gram trick on centred
    coordinates, and every pair that could be an extreme (within a relative
    1e-6 of the running extremes), or whose Gram value could be inaccurate
    (very close points), is recomputed from the original coordinates. So
    r_min, r_max and the extreme pairs are exact to float64 rounding.

    Parameters
    ----------
    X : array (n, d)
        The points.
    Y : array (n, k)
        Their images (any embedding).

    Raises
    ------
    InputError
        Mismatched row counts, or fewer than two distinct points.
    """
    start = time.monotonic()
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim != 2 or X.ndim != 2:
        raise InputError(f"points and embedding must be 2-D arrays, got shapes {X.shape} and {Y.shape}")
    if X.shape[0] != Y.shape[0]:
        raise InputError(f"the embedding has {Y.shape[0]} rows but there are {X.shape[0]} points")
    n, d = X.shape
    k = Y.shape[1]
    groups, duplicates = _duplicate_groups(X)
    if n - duplicates < 2:
        raise InputError("fewer than 2 distinct points: no pair to measure")
    dev = torch.device(device)
    Xc = torch.as_tensor(X - X.mean(axis=0), device=dev)
    Yc = torch.as_tensor(Y - Y.mean(axis=0), device=dev)
    gid = torch.as_tensor(groups, device=dev)
    nx = (Xc * Xc).sum(dim=1)
    ny = (Yc * Yc).sum(dim=1)
    tiny = torch.finfo(torch.float64).tiny
    block = max(1, block_elements // max(1, n))
    r_lo, r_hi = math.inf, -math.inf
    cand_lo: list[tuple[np.ndarray, np.ndarray]] = []
    cand_hi: list[tuple[np.ndarray, np.ndarray]] = []
    close_pairs: list[tuple[np.ndarray, np.ndarray]] = []
    pairs = 0
    cols = torch.arange(n, device=dev)
    for a in range(0, n - 1, block):
        b = min(n, a + block)
        rows = slice(a, b)
        dx = pair_sq_distances(Xc, rows)
        dy = pair_sq_distances(Yc, rows)
        upper = cols[None, :] > torch.arange(a, b, device=dev)[:, None]
        distinct = upper & (gid[rows, None] != gid[None, :])
        pairs += int(distinct.sum())
        # Gram error is about (d + 4) u (|x_i|^2 + |x_j|^2); where that is not
        # tiny against dx (or dy), recompute the pair directly.
        ex = (d + 4) * 2.2e-16 * (nx[rows, None] + nx[None, :]) / torch.clamp(dx, min=tiny)
        ey = (k + 4) * 2.2e-16 * (ny[rows, None] + ny[None, :]) / torch.clamp(dy, min=tiny)
        unsure = distinct & ((ex > _GRAM_TRUST) | (ey > _GRAM_TRUST))
        if bool(unsure.any()):
            ii, jj = torch.nonzero(unsure, as_tuple=True)
            close_pairs.append(((ii + a).cpu().numpy(), jj.cpu().numpy()))
        sure = distinct & ~unsure
        if not bool(sure.any()):
            continue
        r = dy / torch.clamp(dx, min=tiny)
        r_sure_lo = torch.where(sure, r, torch.full_like(r, math.inf))
        r_sure_hi = torch.where(sure, r, torch.full_like(r, -math.inf))
        blo, bhi = float(r_sure_lo.min()), float(r_sure_hi.max())
        if blo < r_lo * (1 + _MARGIN):
            r_lo = min(r_lo, blo)
            ii, jj = torch.nonzero(r_sure_lo <= r_lo * (1 + _MARGIN), as_tuple=True)
            cand_lo.append(((ii + a).cpu().numpy(), jj.cpu().numpy()))
        if bhi > r_hi * (1 - _MARGIN):
            r_hi = max(r_hi, bhi)
            ii, jj = torch.nonzero(r_sure_hi >= r_hi * (1 - _MARGIN), as_tuple=True)
            cand_hi.append(((ii + a).cpu().numpy(), jj.cpu().numpy()))
    candidates = cand_lo + cand_hi + close_pairs
    I = np.concatenate([c[0] for c in candidates]) if candidates else np.empty(0, dtype=np.int64)
    J = np.concatenate([c[1] for c in candidates]) if candidates else np.empty(0, dtype=np.int64)
    exact = np.sum((X[I] - X[J]) ** 2, axis=1)
    keep = exact > 0
    I, J, exact = I[keep], J[keep], exact[keep]
    ratios = np.sum((Y[I] - Y[J]) ** 2, axis=1) / exact
    lo_at, hi_at = int(np.argmin(ratios)), int(np.argmax(ratios))
    r_min, r_max = float(ratios[lo_at]), float(ratios[hi_at])
    eps_sq = max(abs(r_min - 1.0), abs(r_max - 1.0))
    total = r_min + r_max
    return DistortionCertificate(
        n=n, d=d, k=k, pairs_checked=pairs, duplicates=int(duplicates), r_min=r_min, r_max=r_max,
        extreme_pairs={"min": [int(I[lo_at]), int(J[lo_at])], "max": [int(I[hi_at]), int(J[hi_at])]},
        eps_sq=eps_sq,
        eps_opt=(r_max - r_min) / total if total > 0 else math.inf,
        distortion=math.sqrt(r_max / r_min) if r_min > 0 else math.inf,
        scale=2.0 / total if total > 0 else math.inf,
        recomputed_pairs=int(I.size), seconds=time.monotonic() - start,
    )


class PairGeometry:
    """The valid pairs (i < j, distinct points) of a point set, as flat index lists.

    What every optimizer over linear maps M needs: the ratios s_ij of the
    images Y = Z M^T, and the gradient in M of any sum over pairs of f(s_ij).
    Memory O(n^2) (one n x n Gram matrix at a time).
    """

    def __init__(self, Z: torch.Tensor):
        self.Z = Z
        n = Z.shape[0]
        sq = (Z * Z).sum(dim=1)
        dx = torch.clamp(sq[:, None] + sq[None, :] - 2.0 * Z @ Z.T, min=0.0)
        upper = torch.triu(torch.ones(n, n, dtype=torch.bool, device=Z.device), diagonal=1)
        valid = upper & (dx > 1e-24 * max(float(dx.max()), 1e-300))
        self.flat = torch.nonzero(valid.reshape(-1), as_tuple=True)[0]
        self.i, self.j = self.flat // n, self.flat % n
        self.dx = dx.reshape(-1)[self.flat]
        self.n = n

    def ratios(self, Y: torch.Tensor) -> torch.Tensor:
        """s_ij = ||y_i - y_j||^2 / ||x_i - x_j||^2 over the valid pairs (Gram trick)."""
        sq = (Y * Y).sum(dim=1)
        gram = (Y @ Y.T).reshape(-1)[self.flat]
        return torch.clamp(sq[self.i] + sq[self.j] - 2.0 * gram, min=0.0) / self.dx

    def grad_map(self, d_s: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
        """Gradient in M of sum_pairs f(s_ij) given d_s = f'(s_ij): 2 (L_W Y)^T Z, W_ij = d_s / dx_ij."""
        W = torch.zeros(self.n * self.n, dtype=Y.dtype, device=Y.device)
        W[self.flat] = d_s / self.dx
        W = W.view(self.n, self.n)
        W = W + W.T
        LY = W.sum(dim=1)[:, None] * Y - W @ Y
        return 2.0 * (LY.T @ self.Z)


class SmoothedDistortion:
    """(LSE_beta(log s) + LSE_beta(-log s)) / beta over the pairs, as a function of the map M.

    The smooth maximum minus the smooth minimum of the log ratios; it tends
    to log s_max - log s_min = 2 log D as beta grows (from above, by at most
    2 log(#pairs) / beta). Value and gradient in closed form: d/ds_ij is
    (w+_ij - w-_ij) / s_ij with w+- the softmax weights of +-beta log s.
    """

    def __init__(self, geometry: PairGeometry, k: int, beta: float):
        self.geometry, self.k, self.beta = geometry, k, beta

    def _log_s(self, M: torch.Tensor):
        Y = self.geometry.Z @ M.view(self.k, -1).T
        return Y, torch.log(torch.clamp(self.geometry.ratios(Y), min=1e-300))

    def value_and_gradient(self, M: torch.Tensor) -> tuple[float, torch.Tensor]:
        with torch.no_grad():
            Y, log_s = self._log_s(M)
            b = self.beta
            up, down = b * log_s, -b * log_s
            value = float((torch.logsumexp(up, 0) + torch.logsumexp(down, 0)) / b)
            d_s = (torch.softmax(up, 0) - torch.softmax(down, 0)) / torch.exp(log_s)
            return value, self.geometry.grad_map(d_s, Y).reshape(-1)


def smoothed_log_distortion(log_r: torch.Tensor, beta: float) -> torch.Tensor:
    """Smooth max minus smooth min of log pair ratios (log-sum-exp at sharpness beta).

    Tends to log r_max - log r_min = 2 log D as beta grows, from above by at
    most 2 log(#pairs) / beta.
    """
    return (torch.logsumexp(beta * log_r, dim=0) + torch.logsumexp(-beta * log_r, dim=0)) / beta
