"""The direct deterministic minimax of the distortion, over working sets of pairs.

At low sharpness the smoothed objective weighs the bulk of the pairs, so it
runs over every pair among at most BULK_POINTS points; at high sharpness only
the extreme pairs count, so it runs over a working set W, cutting-plane
style::

    scan all pairs at M0; W <- the most extreme pairs on both sides
    for beta in the bulk sharpnesses, then the sharp ones (the last more often):
        M <- L-BFGS on (LSE_beta(log s) + LSE_beta(-log s)) / beta over the bulk, or over W
        scan all pairs at M: a certificate; keep the best map
        sharp beta and both extreme pairs already in W: next beta (the last: stop
            once a round also gains less than STALL)
        W <- W + the scan's most extreme pairs

Every map kept was certified on all pairs by the scan that visited it, so
the result is never worse than M0 and its distortion is exact. The method
(``embed``'s polish) and the ``minimax`` baseline both run this, from
different starts, so they compare on equal terms.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from ..core.lbfgs import minimize_lbfgs
from .distortion import DistortionCertificate, SmoothedDistortion, certificate_from_scan, duplicate_rows
from .pairs import BulkPairs, PairScan, PairSet, flat_objective, scan_pairs

__all__ = ["BULK_BETAS", "SHARP_BETAS", "MinimaxRun", "minimax"]

#: The sharpness schedule of the smoothed max / min of log ratios: the low
#: sharpnesses weigh the bulk of the pairs, the high ones only the extremes.
BULK_BETAS = (10.0, 30.0)
SHARP_BETAS = (100.0, 300.0, 1000.0, 3000.0)
#: L-BFGS iterations per round.
ITERS_PER_BETA = 60
#: Pairs per side that each scan offers to the working set.
KEEP = 16384
#: The low sharpnesses run on every pair among at most this many points (a uniform
#: sample of the points beyond).
BULK_POINTS = 4096
#: Rounds at each beta while the scans still find extreme pairs outside W,
#: and extra rounds at the last beta.
ROUNDS_PER_BETA = 2
EXTRA_ROUNDS = 3
#: At the last beta, a round that lowers the distortion by less than this (relative) ends the search.
STALL = 1e-4


@dataclass(frozen=True)
class MinimaxRun:
    """The best certified map of a working-set minimax, and how it got there.

    Attributes
    ----------
    M : array (k, d)
    certificate : DistortionCertificate
        Of ``M``, from an all-pairs scan.
    history : tuple of (seconds, distortion)
        The best certified distortion after each scan.
    rounds, scans, working_pairs : int
        L-BFGS rounds, all-pairs scans, and the final size of W.
    status : str
        ``"converged"`` (the extreme pairs were in W at the last beta),
        ``"rounds"`` (the round budget ran out) or ``"time_limit"``.
    """

    M: np.ndarray
    certificate: DistortionCertificate
    history: tuple[tuple[float, float], ...]
    rounds: int
    scans: int
    working_pairs: int
    status: str
    seconds: float

    def to_dict(self) -> dict:
        return {"distortion": self.certificate.distortion, "rounds": self.rounds, "scans": self.scans,
                "working_pairs": self.working_pairs, "status": self.status, "seconds": self.seconds}


def _working(scan: PairScan) -> np.ndarray:
    return np.concatenate([scan.low, scan.high, [scan.argmin, scan.argmax]]).astype(np.int64)


def _merge(n: int, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    both = np.concatenate([old, new])
    _, first = np.unique(both[:, 0] * n + both[:, 1], return_index=True)
    return both[np.sort(first)]


def minimax(
    X: np.ndarray,
    M0: np.ndarray,
    *,
    bulk_betas: tuple[float, ...] = BULK_BETAS,
    betas: tuple[float, ...] = SHARP_BETAS,
    iters_per_beta: int = ITERS_PER_BETA,
    keep: int = KEEP,
    extra_rounds: int = EXTRA_ROUNDS,
    deadline: float | None = None,
    device: torch.device | str = "cpu",
    duplicates: int | None = None,
    first_scan: PairScan | None = None,
    seed: int = 0,
    progress: Callable[[int, int, float], None] | None = None,
    scan_progress: Callable[[int, int], None] | None = None,
) -> MinimaxRun:
    """Minimize the worst-case distortion of x -> M x from ``M0`` (see the module's pseudocode).

    Parameters
    ----------
    X : array (n, d), float64
    M0 : array (k, d)
    deadline : float, optional
        :func:`time.monotonic` time by which to return; a round starts only
        when its scan is expected to end in time, so the answer is always a
        certified map.
    first_scan : PairScan, optional
        A scan of ``X @ M0.T`` with ``keep`` pairs a side, when the caller has one.
    progress : callable, optional
        ``progress(round, rounds, best_distortion)``.
    """
    t0 = time.monotonic()
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    dev = torch.device(device)
    Z = torch.as_tensor(X - X.mean(axis=0), device=dev)
    dup = duplicate_rows(X) if duplicates is None else duplicates
    M = np.array(M0, dtype=np.float64)
    k = M.shape[0]
    scan = first_scan if first_scan is not None else scan_pairs(X, [X @ M.T], keep=keep, device=dev,
                                                               progress=scan_progress)[0]
    scan_cost = scan.seconds
    best_M, best = M.copy(), certificate_from_scan(scan, n, d, k, dup)
    history = [(time.monotonic() - t0, best.distortion)]
    W = _working(scan)
    rng = np.random.default_rng(seed)
    # (beta, rounds, over the bulk?, the last beta?)
    schedule = ([(beta, 1, True, False) for beta in bulk_betas]
                + [(beta, ROUNDS_PER_BETA, False, False) for beta in betas[:-1]]
                + [(betas[-1], ROUNDS_PER_BETA + extra_rounds, False, True)])
    bulk = None
    if bulk_betas:
        chosen = np.sort(rng.choice(n, size=min(n, BULK_POINTS), replace=False))
        bulk = BulkPairs(Z[torch.as_tensor(chosen, device=dev)])
    total = sum(r for _, r, _, _ in schedule)
    rounds, scans, status, done = 0, 1, "rounds", False
    previous = best.distortion
    for beta, beta_rounds, on_bulk, last in schedule:
        for _ in range(beta_rounds):
            if deadline is not None and time.monotonic() + 1.2 * scan_cost > deadline:
                status, done = "time_limit", True
                break
            stop = None if deadline is None else deadline - 1.2 * scan_cost
            if on_bulk:
                fun = flat_objective(bulk.smoothed_distortion, k, beta)
            else:
                fun = SmoothedDistortion(PairSet(Z, W), k, beta).value_and_gradient
            res = minimize_lbfgs(fun, torch.as_tensor(M, device=dev).reshape(-1), max_iters=iters_per_beta,
                                 deadline=stop)
            cand = res.x.view(k, d).cpu().numpy().copy()
            rounds += 1
            if not np.all(np.isfinite(cand)):
                done = True
                break
            scan = scan_pairs(X, [X @ cand.T], keep=keep, device=dev, progress=scan_progress)[0]
            scans += 1
            scan_cost = max(scan_cost, scan.seconds)
            cert = certificate_from_scan(scan, n, d, k, dup)
            M = cand
            if cert.distortion < best.distortion:
                best_M, best = cand, cert
            history.append((time.monotonic() - t0, best.distortion))
            if progress is not None:
                progress(min(rounds, total), total, best.distortion)
            inside = bool(np.isin([i * n + j for i, j in (scan.argmin, scan.argmax)], W[:, 0] * n + W[:, 1]).all())
            W = _merge(n, W, _working(scan))
            gain = (previous - cert.distortion) / previous if math.isfinite(previous) else math.inf
            previous = cert.distortion
            if on_bulk:
                continue
            if not last and inside:  # the cutting plane has caught up at this beta
                break
            if last and inside and (res.status == "converged" or gain < STALL):
                status, done = "converged", True
                break
        if done:
            break
    if deadline is not None and time.monotonic() > deadline:
        status = "time_limit"
    return MinimaxRun(best_M, best, tuple(history), rounds, scans, int(len(W)), status, time.monotonic() - t0)
