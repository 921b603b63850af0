"""``certify jl``: the JL certificate of any embedding, from scratch."""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
import torch

from .. import __version__
from ..core.device import resolve_device
from ..core.progress import Progress
from ..errors import InputError, check_option, check_seconds
from .distortion import certify_embedding, certify_maps, gaussian_maps, jl_min_dim, pca_map
from .pairs import scan_seconds_estimate


def default_baseline_draws(n: int) -> int:
    """Gaussian draws for the baseline figures: 100, fewer once one scan of all pairs is long (at least 5)."""
    pairs = n * (n - 1) / 2
    return int(min(100, max(5, 5e9 // max(pairs, 1))))


def baseline_figures(X: np.ndarray, k: int, draws: int, *, seed: int = 0, device: torch.device | str = "cpu",
                     duplicates: int | None = None, progress: Callable[[int, int], None] | None = None,
                     deadline: float | None = None) -> dict | None:
    """Certified distortion of the classical maps at dimension k: Gaussian (median and
    best of ``draws``) and PCA, all in one scan of the pairs; ``None`` when that scan
    would not end before ``deadline``."""
    X64 = np.asarray(X, dtype=np.float64)
    n, d = X64.shape
    if deadline is not None and time.monotonic() + scan_seconds_estimate(n, d, k, draws + 1) >= deadline:
        return None
    maps = gaussian_maps(X64.shape[1], k, draws, seed=seed + 1) + [pca_map(X64, k)]
    certs = certify_maps(X64, [X64 @ M.T for M in maps], device=device, duplicates=duplicates, progress=progress)
    Ds = np.array([c.distortion for c in certs[:-1]])
    pca = certs[-1]
    return {
        "gaussian": {"draws": draws, "median_distortion": float(np.median(Ds)), "best_distortion": float(Ds.min())},
        "pca": {"distortion": pca.distortion, "eps_opt": pca.eps_opt},
    }


def certify_jl(X: np.ndarray, Y: np.ndarray, *, baseline_draws: int | None = None, seed: int = 0,
               device: str | torch.device = "auto", progress: Progress | None = None,
               time_limit: float | None = None) -> dict:
    """Certificate of ``Y`` (n x k) as an embedding of ``X`` (n x d): all pairs, float64.

    Returns the keys of ``derand jl embed``'s certificate that do not depend
    on how the embedding was found: n, d, k, pairs_checked, duplicates,
    r_min, r_max, eps_sq, eps_opt, distortion, extreme_pairs, scale,
    jl_min_dim, baselines (Gaussian median and best of ``baseline_draws``,
    PCA, at the same k), seconds, device, status, notes.

    With ``time_limit`` the scan stops at the limit (``complete: false``,
    status ``time_limit``: the figures are those of the pairs checked), and
    the baselines run only if their scan fits in what is left.
    """
    start = time.monotonic()
    check_option(baseline_draws is None or (isinstance(baseline_draws, int) and baseline_draws >= 0),
                 "baseline_draws", "a non-negative integer", baseline_draws)
    check_seconds("time_limit", time_limit)
    deadline = None if time_limit is None else start + float(time_limit)
    if X.shape[0] != Y.shape[0]:
        raise InputError(f"the embedding has {Y.shape[0]} rows but there are {X.shape[0]} points")
    dev = resolve_device(device)
    X64 = np.asarray(X, dtype=np.float64)
    cert = certify_embedding(X64, np.asarray(Y, dtype=np.float64), device=dev, deadline=deadline,
                             progress=None if progress is None else (lambda a, b: progress("certify", a, b)))
    notes = []
    if not cert.complete:
        n = X64.shape[0]
        notes.append(f"certify: the time limit stopped the scan after {cert.pairs_checked:,} of "
                     f"{n * (n - 1) // 2:,} pairs; the distortion is that of the pairs checked (a lower bound)")
    out = {"version": __version__, "problem": "jl", "status": "complete" if cert.complete else "time_limit",
           **{k: v for k, v in cert.to_dict().items() if k != "seconds"},
           "jl_min_dim": jl_min_dim(cert.n, cert.eps_opt) if cert.eps_opt < 1 else None}
    draws = default_baseline_draws(X64.shape[0]) if baseline_draws is None else baseline_draws
    if draws:
        baselines = baseline_figures(X64, Y.shape[1], draws, seed=seed, device=dev, deadline=deadline,
                                     progress=None if progress is None else (lambda a, b: progress("baselines", a, b)))
        if baselines is None:
            notes.append("baselines: skipped, not enough time left")
        else:
            out["baselines"] = baselines
    out.update({"seconds": {"total": time.monotonic() - start}, "seed": seed, "device": str(dev), "dtype": "float64",
                "notes": notes})
    return out
