"""Pairs of points at scale: the blocked all-pairs scan, and explicit pair sets.

Every JL computation is a sum or an extreme over pairs. At n = 10^5 there
are 5 10^9 of them, so nothing here holds all of them at once:

* :func:`scan_pairs` visits every pair i < j once, in square tiles of the
  upper triangle. A tile's squared distances come from Gram blocks (two
  GEMMs, float64), so the pass runs at matrix-product speed with memory
  O(tile^2). Per map it returns the exact extremes (every pair that could be
  one is recomputed from the original coordinates), the ``keep`` most
  extreme pairs on each side (a working set), and optionally the power sum
  sum |r - 1|^p of the moment objective at sigma = 0. Several maps share one
  pass (the Gram block of X is the expensive part).
* :class:`PairSet` is an explicit list of pairs with their exact squared
  distances: the ratios of a map on them and the gradient of any sum of a
  function of those ratios, at cost O(pairs k + touched points d k) per
  evaluation, independent of n^2. Samples of pairs and working sets of the
  extreme pairs are pair sets.

On CPU the per-tile reduction is one fused pass (numba); elsewhere (CUDA,
or without numba) the same reduction runs as torch operations.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from ..core.jit import HAVE_NUMBA

__all__ = ["BulkPairs", "PairScan", "PairSet", "all_pairs", "flat_objective", "scan_pairs", "scan_seconds_estimate",
           "uniform_pairs"]

#: Side of the square tiles of the scan (three float64 buffers of TILE^2).
TILE = 2048
#: Pairs within this relative margin of a running extreme are recomputed exactly.
MARGIN = 1e-6
#: A pair's Gram-trick value is trusted when its estimated relative error is below this;
#: otherwise (very close points, duplicates) it is recomputed from the coordinates.
GRAM_TRUST = 1e-9
_UNIT = 2.0 ** -52

if HAVE_NUMBA:  # pragma: no branch
    from numba import njit, prange

    @njit(cache=True, parallel=True)
    def _tile_ratios(gx, gy, nxa, nxc, nya, nyc, txa, txc, tya, tyc, a, c, power, inv_eps, R,
                     rmin, rmax, unsure, psum):  # pragma: no cover - compiled
        rows, cols = gx.shape
        for r in prange(rows):
            i = a + r
            lo, hi, cnt, ps = np.inf, -np.inf, 0, 0.0
            for col in range(cols):
                if c + col <= i:
                    R[r, col] = np.nan
                    continue
                dx = nxa[r] + nxc[col] - 2.0 * gx[r, col]
                dy = nya[r] + nyc[col] - 2.0 * gy[r, col]
                if dx <= txa[r] + txc[col] or dy <= tya[r] + tyc[col]:
                    R[r, col] = -1.0
                    cnt += 1
                    continue
                q = dy / dx
                R[r, col] = q
                if q < lo:
                    lo = q
                if q > hi:
                    hi = q
                if power > 0:
                    ps += (abs(q - 1.0) * inv_eps) ** power
            rmin[r], rmax[r], unsure[r], psum[r] = lo, hi, cnt, ps

    @njit(cache=True)
    def _tile_collect(R, rmin, rmax, unsure, lo_thr, hi_thr):  # pragma: no cover - compiled
        rows, cols = R.shape
        count = 0
        for r in range(rows):
            if rmin[r] <= lo_thr or rmax[r] >= hi_thr or unsure[r] > 0:
                for col in range(cols):
                    q = R[r, col]
                    if q == -1.0 or q <= lo_thr or q >= hi_thr:
                        count += 1
        flat = np.empty(count, dtype=np.int64)
        at = 0
        for r in range(rows):
            if rmin[r] <= lo_thr or rmax[r] >= hi_thr or unsure[r] > 0:
                for col in range(cols):
                    q = R[r, col]
                    if q == -1.0 or q <= lo_thr or q >= hi_thr:
                        flat[at] = r * cols + col
                        at += 1
        return flat


@dataclass(frozen=True)
class PairScan:
    """What one pass over all pairs found for one map.

    Attributes
    ----------
    r_min, r_max : float
        The exact extreme squared ratios (recomputed from the coordinates).
    argmin, argmax : tuple of int
        A pair (i, j), i < j, attaining each.
    pairs : int
        Pairs of distinct points visited (all of them, unless ``complete`` is false).
    recomputed : int
        Pairs recomputed directly: near-extremes, close points, duplicates.
    low, high : array (m, 2)
        Up to ``keep`` pairs with the smallest / largest ratios (all pairs
        within the margin of an extreme when there are more).
    power_sum : float or None
        sum over pairs of (|r - 1| / eps)^p, when asked for.
    seconds : float
    complete : bool
        False when a deadline stopped the pass: the extremes are then those of
        the pairs visited (the leading rows' tiles), a lower bound on the distortion.
    """

    r_min: float
    r_max: float
    argmin: tuple[int, int]
    argmax: tuple[int, int]
    pairs: int
    recomputed: int
    low: np.ndarray
    high: np.ndarray
    power_sum: float | None
    seconds: float
    complete: bool = True


class _Side:
    """Running candidates for one side (low or high) of one map's ratios."""

    def __init__(self, keep: int, high: bool):
        self.keep, self.high = keep, high
        self.r = np.empty(0)
        self.ij = np.empty((0, 2), dtype=np.int64)
        self.extreme = -math.inf if high else math.inf

    def threshold(self) -> float:
        """Ratios at or beyond this may still belong to the candidates: those within the
        margin of the extreme, and the ``keep`` most extreme."""
        if not math.isfinite(self.extreme):
            return self.extreme
        if self.high:
            near = self.extreme * (1 - MARGIN)
            if not self.keep:
                return near
            return min(near, np.partition(self.r, -self.keep)[-self.keep]) if self.r.size >= self.keep else -math.inf
        near = self.extreme * (1 + MARGIN)
        if not self.keep:
            return near
        return max(near, np.partition(self.r, self.keep - 1)[self.keep - 1]) if self.r.size >= self.keep else math.inf

    def add(self, r: np.ndarray, ij: np.ndarray, extreme: float) -> None:
        if self.high:
            self.extreme = max(self.extreme, extreme)
        else:
            self.extreme = min(self.extreme, extreme)
        self.r = np.concatenate([self.r, r])
        self.ij = np.concatenate([self.ij, ij])
        thr = self.threshold()
        keep = self.r >= thr if self.high else self.r <= thr
        self.r, self.ij = self.r[keep], self.ij[keep]


class _MapState:
    def __init__(self, keep: int):
        self.low, self.high = _Side(keep, False), _Side(keep, True)
        self.unsure: list[np.ndarray] = []
        self.power_sum = 0.0


def _centred(A: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(A - A.mean(axis=0), dtype=torch.float64, device=device)


def scan_seconds_estimate(n: int, d: int, k: int, maps: int = 1) -> float:
    """A rough time for one CPU scan (GEMM at ~40 GFLOP/s, ~6 ns a pair per map), for time budgets."""
    pairs = n * (n - 1) / 2
    return pairs * (2 * d + 2 * k * maps) / 4e10 + pairs * maps * 6e-9


def scan_pairs(
    X: np.ndarray,
    Ys: list[np.ndarray],
    *,
    keep: int = 0,
    power: int = 0,
    eps: float = 1.0,
    device: torch.device | str = "cpu",
    tile: int = TILE,
    progress: Callable[[int, int], None] | None = None,
    deadline: float | None = None,
) -> list[PairScan]:
    """One pass over every pair i < j of distinct points, for each map's images in ``Ys``.

    Parameters
    ----------
    X : array (n, d)
        The points (float64).
    Ys : list of arrays (n, k)
        Images of the points under each map.
    keep : int
        Pairs to keep on each side for a working set (0: only what the exact
        extremes need).
    power, eps : int, float
        With ``power`` > 0, also sum (|r - 1| / eps)^power over all pairs.
    tile : int
        Side of the square tiles; memory is about 3 tile^2 float64 per pass.
    progress : callable, optional
        ``progress(tiles_done, tiles_total)``.
    deadline : float, optional
        :func:`time.monotonic` time after which no new tile is started (at
        least one is); the scans are then marked incomplete.

    Duplicates (identical rows of X) are left out. A pair whose Gram-trick
    value could be off by more than :data:`GRAM_TRUST` relative is
    recomputed from the coordinates, as is every pair within
    :data:`MARGIN` of a running extreme: the extremes are exact to rounding.
    """
    start = time.monotonic()
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    dev = torch.device(device)
    fused = HAVE_NUMBA and dev.type == "cpu"
    Xc = _centred(X, dev)
    nx = (Xc * Xc).sum(dim=1)
    tx = (d + 4) * _UNIT * nx / GRAM_TRUST
    maps = []
    for Y in Ys:
        Y = np.asarray(Y, dtype=np.float64)
        Yc = _centred(Y, dev)
        ny = (Yc * Yc).sum(dim=1)
        maps.append((Y, Yc, ny, (Y.shape[1] + 4) * _UNIT * ny / GRAM_TRUST))
    states = [_MapState(keep) for _ in Ys]
    tile = max(1, int(tile))
    starts = list(range(0, n, tile))
    total = len(starts) * (len(starts) + 1) // 2
    done = visited = 0
    inv_eps = 1.0 / eps
    for a in starts:
        b = min(n, a + tile)
        for c in starts:
            if c < a:  # below the diagonal: no pair i < j
                continue
            if (deadline is not None and time.monotonic() > deadline
                    and all(st.low.extreme < math.inf for st in states)):  # stop once each map has a pair
                break
            e = min(n, c + tile)
            visited += (b - a) * (b - a - 1) // 2 if c == a else (b - a) * (e - c)
            gx = Xc[a:b] @ Xc[c:e].T
            for (Y, Yc, ny, ty), st in zip(maps, states):
                gy = Yc[a:b] @ Yc[c:e].T
                if fused:
                    _reduce_fused(gx, gy, nx, tx, ny, ty, a, b, c, e, power, inv_eps, st)
                else:
                    _reduce_torch(gx, gy, nx, tx, ny, ty, a, b, c, e, power, inv_eps, st)
            done += 1
            if progress is not None:
                progress(done, total)
    return [_finish(X, Y, st, visited, power, inv_eps, start, done == total)
            for (Y, *_), st in zip(maps, states)]


def _reduce_fused(gx, gy, nx, tx, ny, ty, a, b, c, e, power, inv_eps, st: _MapState) -> None:
    rows, cols = b - a, e - c
    R = np.empty((rows, cols))
    rmin, rmax = np.empty(rows), np.empty(rows)
    unsure, psum = np.empty(rows, dtype=np.int64), np.empty(rows)
    _tile_ratios(gx.numpy(), gy.numpy(), nx[a:b].numpy(), nx[c:e].numpy(), ny[a:b].numpy(), ny[c:e].numpy(),
                 tx[a:b].numpy(), tx[c:e].numpy(), ty[a:b].numpy(), ty[c:e].numpy(), a, c, power, inv_eps,
                 R, rmin, rmax, unsure, psum)
    st.power_sum += float(psum.sum())
    lo_ext, hi_ext = float(rmin.min()), float(rmax.max())
    _update_extremes(st, lo_ext, hi_ext)
    flat = _tile_collect(R, rmin, rmax, unsure, st.low.threshold(), st.high.threshold())
    _absorb(st, R.reshape(-1)[flat], flat, cols, a, c, lo_ext, hi_ext)


def _reduce_torch(gx, gy, nx, tx, ny, ty, a, b, c, e, power, inv_eps, st: _MapState) -> None:
    dev = gx.device
    cols = e - c
    dx = nx[a:b, None] + nx[None, c:e] - 2.0 * gx
    dy = ny[a:b, None] + ny[None, c:e] - 2.0 * gy
    pair = torch.arange(c, e, device=dev)[None, :] > torch.arange(a, b, device=dev)[:, None]
    unsure = pair & ((dx <= tx[a:b, None] + tx[None, c:e]) | (dy <= ty[a:b, None] + ty[None, c:e]))
    sure = pair & ~unsure
    R = torch.where(sure, dy / torch.where(sure, dx, torch.ones_like(dx)), torch.full_like(dx, math.nan))
    R = torch.where(unsure, torch.full_like(R, -1.0), R)
    if power > 0:
        st.power_sum += float(torch.where(sure, ((R - 1.0).abs() * inv_eps) ** power, torch.zeros_like(R)).sum())
    if bool(sure.any()):
        lo_ext = float(torch.where(sure, R, torch.full_like(R, math.inf)).min())
        hi_ext = float(torch.where(sure, R, torch.full_like(R, -math.inf)).max())
    else:
        lo_ext, hi_ext = math.inf, -math.inf
    _update_extremes(st, lo_ext, hi_ext)
    lo_thr, hi_thr = st.low.threshold(), st.high.threshold()
    take = unsure | (sure & ((R <= lo_thr) | (R >= hi_thr)))
    flat = torch.nonzero(take.reshape(-1), as_tuple=True)[0]
    _absorb(st, R.reshape(-1)[flat].cpu().numpy(), flat.cpu().numpy(), cols, a, c, lo_ext, hi_ext)


def _update_extremes(st: _MapState, lo: float, hi: float) -> None:
    st.low.extreme = min(st.low.extreme, lo)
    st.high.extreme = max(st.high.extreme, hi)


def _absorb(st: _MapState, r: np.ndarray, flat: np.ndarray, cols: int, a: int, c: int, lo: float, hi: float) -> None:
    ij = np.stack([flat // cols + a, flat % cols + c], axis=1)
    bad = r == -1.0
    if bad.any():
        st.unsure.append(ij[bad])
    good = ~bad
    r, ij = r[good], ij[good]
    low = r <= st.low.threshold()
    st.low.add(r[low], ij[low], lo)
    high = r >= st.high.threshold()
    st.high.add(r[high], ij[high], hi)


def _direct_ratios(X: np.ndarray, Y: np.ndarray, ij: np.ndarray, chunk: int = 65536) -> tuple[np.ndarray, np.ndarray]:
    dx, dy = np.empty(len(ij)), np.empty(len(ij))
    for s in range(0, len(ij), chunk):
        p = ij[s:s + chunk]
        dx[s:s + chunk] = np.sum((X[p[:, 0]] - X[p[:, 1]]) ** 2, axis=1)
        dy[s:s + chunk] = np.sum((Y[p[:, 0]] - Y[p[:, 1]]) ** 2, axis=1)
    return dx, dy


def _finish(X: np.ndarray, Y: np.ndarray, st: _MapState, visited: int, power: int, inv_eps: float,
            start: float, complete: bool) -> PairScan:
    unsure = np.concatenate(st.unsure) if st.unsure else np.empty((0, 2), dtype=np.int64)
    near_lo = st.low.ij[st.low.r <= st.low.extreme * (1 + MARGIN)]
    near_hi = st.high.ij[st.high.r >= st.high.extreme * (1 - MARGIN)]
    udx, udy = _direct_ratios(X, Y, unsure)
    duplicate_pairs = int(np.sum(udx == 0))
    distinct = udx > 0
    ur = udy[distinct] / udx[distinct]
    power_sum = None
    if power > 0:
        power_sum = st.power_sum + float(np.sum((np.abs(ur - 1.0) * inv_eps) ** power))
    cand = np.concatenate([near_lo, near_hi, unsure[distinct]])
    cdx, cdy = _direct_ratios(X, Y, cand)  # callers check that two distinct points exist
    cr = cdy / cdx
    lo_at, hi_at = int(np.argmin(cr)), int(np.argmax(cr))
    low, high = st.low.ij, st.high.ij
    if unsure[distinct].size:  # close pairs can be extremes too: offer them to the working set
        low = np.concatenate([low, unsure[distinct]])
        high = np.concatenate([high, unsure[distinct]])
    return PairScan(
        r_min=float(cr[lo_at]), r_max=float(cr[hi_at]),
        argmin=(int(cand[lo_at, 0]), int(cand[lo_at, 1])), argmax=(int(cand[hi_at, 0]), int(cand[hi_at, 1])),
        pairs=visited - duplicate_pairs, recomputed=int(unsure.shape[0] + near_lo.shape[0] + near_hi.shape[0]),
        low=low, high=high, power_sum=power_sum, seconds=time.monotonic() - start, complete=complete,
    )


def uniform_pairs(n: int, m: int, generator: np.random.Generator) -> np.ndarray:
    """``m`` pairs (i < j) drawn uniformly and independently from all n (n - 1) / 2 (with replacement)."""
    out = np.empty((0, 2), dtype=np.int64)
    while out.shape[0] < m:
        ij = generator.integers(0, n, size=(2 * (m - out.shape[0]) + 16, 2))
        ij = ij[ij[:, 0] != ij[:, 1]]
        out = np.concatenate([out, np.sort(ij, axis=1)])
    return out[:m]


def all_pairs(n: int) -> np.ndarray:
    """Every pair i < j, as an (n (n - 1) / 2, 2) array."""
    i, j = np.triu_indices(n, k=1)
    return np.stack([i, j], axis=1).astype(np.int64)


class PairSet:
    """An explicit set of pairs of distinct points, and the maps' ratios on them.

    Holds the touched points' (centred) coordinates and each pair's exact
    squared distance; pairs of identical points are dropped. One evaluation
    costs O(touched d k + pairs k): no n^2 anywhere.
    """

    def __init__(self, Z: torch.Tensor, pairs: np.ndarray, *, chunk: int = 16384):
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        dev = Z.device
        points, inverse = np.unique(pairs.reshape(-1), return_inverse=True)
        self.points = points
        self.Zt = Z[torch.as_tensor(points, device=dev)]
        li = torch.as_tensor(np.ascontiguousarray(inverse.reshape(-1, 2)[:, 0]), device=dev)
        lj = torch.as_tensor(np.ascontiguousarray(inverse.reshape(-1, 2)[:, 1]), device=dev)
        dx = torch.empty(len(pairs), dtype=Z.dtype, device=dev)
        for s in range(0, len(pairs), chunk):
            diff = self.Zt[li[s:s + chunk]] - self.Zt[lj[s:s + chunk]]
            dx[s:s + chunk] = (diff * diff).sum(dim=1)
        keep = dx > 0
        self.li, self.lj, self.dx = li[keep], lj[keep], dx[keep]
        self.pairs = pairs[keep.cpu().numpy()]

    def __len__(self) -> int:
        return int(self.dx.numel())

    def images(self, M: torch.Tensor) -> torch.Tensor:
        """The touched points' images Z_t M^T."""
        return self.Zt @ M.T

    def differences(self, Yt: torch.Tensor) -> torch.Tensor:
        """y_i - y_j for each pair p = (i, j)."""
        return Yt.index_select(0, self.li) - Yt.index_select(0, self.lj)

    def ratios(self, Yt: torch.Tensor, diff: torch.Tensor | None = None) -> torch.Tensor:
        """s_p = ||y_i - y_j||^2 / ||x_i - x_j||^2 for each pair p = (i, j)."""
        diff = self.differences(Yt) if diff is None else diff
        return torch.einsum("pk,pk->p", diff, diff) / self.dx

    def grad_map(self, d_s: torch.Tensor, Yt: torch.Tensor, diff: torch.Tensor | None = None) -> torch.Tensor:
        """Gradient in M of sum_p f(s_p) given d_s = f'(s_p): sum_p 2 f'(s_p) (y_i - y_j)(x_i - x_j)^T / dx_p."""
        diff = self.differences(Yt) if diff is None else diff
        wd = (2.0 * d_s / self.dx)[:, None] * diff
        LY = torch.zeros_like(Yt)
        LY.index_add_(0, self.li, wd)
        LY.index_add_(0, self.lj, -wd)
        return LY.T @ self.Zt


if HAVE_NUMBA:  # pragma: no branch

    @njit(cache=True, parallel=True)
    def _lse_tile(gy, nya, nyc, dx, beta, c_up, c_down, w_up, w_down):  # pragma: no cover - compiled
        rows, cols = gy.shape
        s_up, s_down = np.zeros(rows), np.zeros(rows)
        l_max, l_min = np.full(rows, -np.inf), np.full(rows, np.inf)
        for r in prange(rows):
            for col in range(cols):
                x = dx[r, col]
                if not x > 0.0:
                    w_up[r, col] = 0.0
                    w_down[r, col] = 0.0
                    continue
                s = max((nya[r] + nyc[col] - 2.0 * gy[r, col]) / x, 1e-300)
                lg = math.log(s)
                up = math.exp(beta * (lg - c_up))
                down = math.exp(-beta * (lg - c_down))
                w_up[r, col] = up / (s * x)
                w_down[r, col] = down / (s * x)
                s_up[r] += up
                s_down[r] += down
                if lg > l_max[r]:
                    l_max[r] = lg
                if lg < l_min[r]:
                    l_min[r] = lg
        return s_up.sum(), s_down.sum(), l_max.max(), l_min.min()


if HAVE_NUMBA:  # pragma: no branch

    @njit(cache=True, parallel=True)
    def _norm_tile(gy, nya, nyc, dx, power, shift, w):  # pragma: no cover - compiled
        rows, cols = gy.shape
        total = np.zeros(rows)
        l_max = np.full(rows, -np.inf)
        for r in prange(rows):
            for col in range(cols):
                x = dx[r, col]
                if not x > 0.0:
                    w[r, col] = 0.0
                    continue
                t = (nya[r] + nyc[col] - 2.0 * gy[r, col]) / x - 1.0
                lg = math.log(max(abs(t), 1e-300))
                u = math.exp(power * (lg - shift))
                w[r, col] = u / (t * x) if t != 0.0 else 0.0
                total[r] += u
                if lg > l_max[r]:
                    l_max[r] = lg
        return total.sum(), l_max.max()


def _norm_tile_torch(gy, nya, nyc, dx, power, shift):
    valid = dx > 0
    safe = torch.where(valid, dx, torch.ones_like(dx))
    t = (nya[:, None] + nyc[None, :] - 2.0 * gy) / safe - 1.0
    lg = torch.log(torch.clamp(t.abs(), min=1e-300))
    u = torch.where(valid, torch.exp(power * (lg - shift)), torch.zeros_like(t))
    w = torch.where(t != 0, u / (torch.where(t != 0, t, torch.ones_like(t)) * safe), torch.zeros_like(t))
    return w, float(u.sum()), float(torch.where(valid, lg, torch.full_like(lg, -math.inf)).max())


def _lse_tile_torch(gy, nya, nyc, dx, beta, c_up, c_down):
    valid = dx > 0
    safe = torch.where(valid, dx, torch.ones_like(dx))
    s = torch.clamp((nya[:, None] + nyc[None, :] - 2.0 * gy) / safe, min=1e-300)
    lg = torch.log(s)
    zero = torch.zeros_like(s)
    up = torch.where(valid, torch.exp(beta * (lg - c_up)), zero)
    down = torch.where(valid, torch.exp(-beta * (lg - c_down)), zero)
    l_max = float(torch.where(valid, lg, torch.full_like(lg, -math.inf)).max())
    l_min = float(torch.where(valid, lg, torch.full_like(lg, math.inf)).min())
    return up / (s * safe), down / (s * safe), float(up.sum()), float(down.sum()), l_max, l_min


def flat_objective(fun: Callable[[torch.Tensor, float], tuple[float, torch.Tensor]], k: int,
                   param: float) -> Callable[[torch.Tensor], tuple[float, torch.Tensor]]:
    """``fun(M, param)`` over k x d maps, as a function of the flat vector vec M (what L-BFGS sees)."""
    def flat(x: torch.Tensor) -> tuple[float, torch.Tensor]:
        value, grad = fun(x.view(k, -1), param)
        return value, grad.reshape(-1)
    return flat


def _laplacian_add(LY: torch.Tensor, w: torch.Tensor, Y: torch.Tensor, a: int, b: int, c: int, e: int) -> None:
    """LY += L_w Y for the pairs (i, j) of one tile, rows a:b by columns c:e, with weights w:
    (L_w Y)_i = sum_j w_ij (y_i - y_j), and the same for j."""
    LY[a:b] += w.sum(dim=1)[:, None] * Y[a:b] - w @ Y[c:e]
    LY[c:e] += w.sum(dim=0)[:, None] * Y[c:e] - w.T @ Y[a:b]


class BulkPairs:
    """Every pair among a set of points, for smooth objectives over the bulk of the pairs.

    The squared distances of the pairs are cached tile by tile (float64,
    about 4 p^2 bytes for p points); an evaluation streams the tiles, so it
    costs O(p^2 k) and holds O(tile^2) beyond the cache. Pairs of identical
    points are left out.
    """

    def __init__(self, Z: torch.Tensor, *, tile: int = 1024):
        self.Z = Z
        p, d = Z.shape
        self.tile = tile
        nz = (Z * Z).sum(dim=1)
        tz = (d + 4) * _UNIT * nz / GRAM_TRUST
        self.tiles: list[tuple[int, int, int, int, torch.Tensor]] = []
        close: list[np.ndarray] = []
        for a in range(0, p, tile):
            b = min(p, a + tile)
            for c in range(a, p, tile):
                e = min(p, c + tile)
                dx = nz[a:b, None] + nz[None, c:e] - 2.0 * (Z[a:b] @ Z[c:e].T)
                lower = torch.arange(c, e, device=Z.device)[None, :] <= torch.arange(a, b, device=Z.device)[:, None]
                # close points (and duplicates): Gram values of dx and dy are not to be trusted;
                # they are taken out of the tiles and evaluated pair by pair
                unsure = (dx <= tz[a:b, None] + tz[None, c:e]) & ~lower
                if bool(unsure.any()):
                    ii, jj = torch.nonzero(unsure, as_tuple=True)
                    close.append(np.stack([(ii + a).cpu().numpy(), (jj + c).cpu().numpy()], axis=1))
                dx[lower | unsure] = math.nan
                self.tiles.append((a, b, c, e, dx))
        self.close = PairSet(Z, np.concatenate(close)) if close else None
        self.pairs = sum(int((t[4] > 0).sum()) for t in self.tiles) + (len(self.close) if self.close else 0)
        self.shift = (0.0, 0.0)
        self.norm_shift = 0.0

    def smoothed_distortion(self, M: torch.Tensor, beta: float) -> tuple[float, torch.Tensor]:
        """(LSE_beta(log s) + LSE_beta(-log s)) / beta over every pair, and its gradient in M."""
        for _ in range(3):
            out = self._lse(M, beta, *self.shift)
            value, grad, l_max, l_min, ok = out
            self.shift = (l_max, l_min)
            if ok:
                return value, grad
        return value, grad

    def log_norm(self, M: torch.Tensor, power: float) -> tuple[float, torch.Tensor]:
        """log ||s - 1||_power = (1 / power) log sum |s - 1|^power over every pair, and its gradient in M.

        At sigma = 0 the derandomization's moment objective is sum ((s - 1) / eps)^power:
        this is its logarithm over power, with eps a mere scale.
        """
        Y = self.Z @ M.T
        ny = (Y * Y).sum(dim=1)
        fused = HAVE_NUMBA and Y.device.type == "cpu"
        for _ in range(3):
            shift = self.norm_shift
            LY = torch.zeros_like(Y)
            S, l_max = 0.0, -math.inf
            for a, b, c, e, dx in self.tiles:
                gy = Y[a:b] @ Y[c:e].T
                if fused:
                    w = torch.empty_like(gy)
                    su, lx = _norm_tile(gy.numpy(), ny[a:b].numpy(), ny[c:e].numpy(), dx.numpy(), power, shift,
                                        w.numpy())
                else:
                    w, su, lx = _norm_tile_torch(gy, ny[a:b], ny[c:e], dx, power, shift)
                S, l_max = S + su, max(l_max, lx)
                _laplacian_add(LY, w, Y, a, b, c, e)
            close_grad = None
            if self.close is not None and len(self.close):
                Yt = self.close.images(M)
                diff = self.close.differences(Yt)
                t = self.close.ratios(Yt, diff) - 1.0
                lg = torch.log(torch.clamp(t.abs(), min=1e-300))
                u = torch.exp(power * (lg - shift))
                S, l_max = S + float(u.sum()), max(l_max, float(lg.max()))
                d_s = torch.where(t != 0, u / torch.where(t != 0, t, torch.ones_like(t)), torch.zeros_like(t))
                close_grad = self.close.grad_map(d_s, Yt, diff)
            self.norm_shift = l_max
            if 0.0 < S < 1e300 and power * (l_max - shift) < 600:
                break
        value = shift + math.log(max(S, 1e-300)) / power
        grad = 2.0 * (LY / max(S, 1e-300)).T @ self.Z
        if close_grad is not None:
            grad = grad + close_grad / max(S, 1e-300)
        return value, grad

    def _lse(self, M: torch.Tensor, beta: float, c_up: float, c_down: float):
        Y = self.Z @ M.T
        ny = (Y * Y).sum(dim=1)
        LY_up, LY_down = torch.zeros_like(Y), torch.zeros_like(Y)
        S_up = S_down = 0.0
        l_max, l_min = -math.inf, math.inf
        fused = HAVE_NUMBA and Y.device.type == "cpu"
        for a, b, c, e, dx in self.tiles:
            gy = Y[a:b] @ Y[c:e].T
            if fused:
                w_up, w_down = torch.empty_like(gy), torch.empty_like(gy)
                su, sd, lx, ln = _lse_tile(gy.numpy(), ny[a:b].numpy(), ny[c:e].numpy(), dx.numpy(), beta, c_up,
                                           c_down, w_up.numpy(), w_down.numpy())
            else:
                w_up, w_down, su, sd, lx, ln = _lse_tile_torch(gy, ny[a:b], ny[c:e], dx, beta, c_up, c_down)
            S_up, S_down = S_up + su, S_down + sd
            l_max, l_min = max(l_max, lx), min(l_min, ln)
            _laplacian_add(LY_up, w_up, Y, a, b, c, e)
            _laplacian_add(LY_down, w_down, Y, a, b, c, e)
        close = None
        if self.close is not None and len(self.close):
            Yt = self.close.images(M)
            diff = self.close.differences(Yt)
            s = torch.clamp(self.close.ratios(Yt, diff), min=1e-300)
            lg = torch.log(s)
            up, down = torch.exp(beta * (lg - c_up)), torch.exp(-beta * (lg - c_down))
            S_up, S_down = S_up + float(up.sum()), S_down + float(down.sum())
            l_max, l_min = max(l_max, float(lg.max())), min(l_min, float(lg.min()))
            close = (Yt, diff, up / s, down / s)
        ok = (0.0 < S_up < 1e300 and 0.0 < S_down < 1e300 and beta * (l_max - c_up) < 600
              and beta * (c_down - l_min) < 600)
        S_up, S_down = max(S_up, 1e-300), max(S_down, 1e-300)
        value = (beta * c_up + math.log(S_up) - beta * c_down + math.log(S_down)) / beta
        LY = LY_up / S_up - LY_down / S_down
        grad = 2.0 * (LY.T @ self.Z)
        if close is not None:
            Yt, diff, w_up, w_down = close
            grad = grad + self.close.grad_map(w_up / S_up - w_down / S_down, Yt, diff)
        return value, grad, l_max, l_min, ok
