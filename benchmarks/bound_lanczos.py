"""The bound where no factorization fits: random-start Lanczos (probabilistic) against a LOBPCG estimate.

    python benchmarks/bound_lanczos.py /tmp/derand_scale/regular_200000_10.rudy --rank 16 --sdp-tol 1e-3 \
        --out benchmarks/results/bound_lanczos

One Burer-Monteiro factor V, then on the same V, one after the other:

- ``lobpcg-estimate``: LOBPCG from V's columns plus four random vectors (tol
  1e-7, at most 300 iterations), the shift its Ritz value plus its residual.
  An estimate, not a bound.
- ``lanczos-probabilistic``: what ``derand maxcut`` certifies
  (:func:`solver.maxcut.bound.dual_upper_bound`), failure probability 1e-9.
- the same Lanczos bound at fixed step counts, to show the price of eps.

The regular graph comes from ``python benchmarks/maxcut_scale.py --make-regular 200000 10``.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tables import write_tables  # noqa: E402
from solver.core.lanczos import lanczos_min_bound  # noqa: E402
from solver.io import read_graph  # noqa: E402
from solver.maxcut import bound as bound_module  # noqa: E402
from solver.maxcut import burer_monteiro  # noqa: E402


def lobpcg_estimate(S: sp.csr_matrix, V: np.ndarray, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(np.hstack([V, rng.standard_normal((V.shape[0], 4))]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vals, X = spla.lobpcg(S, Q, largest=False, tol=1e-7, maxiter=300)
    i = int(np.argmin(vals))
    x = X[:, i]
    return float(vals[i]), float(np.linalg.norm(S @ x - vals[i] * x) / np.linalg.norm(x))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("graph", type=Path)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--sdp-tol", type=float, default=1e-3)
    ap.add_argument("--steps", type=int, nargs="*", default=[1000, 2000, 4000, 8000])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/bound_lanczos")
    args = ap.parse_args()
    torch.set_num_threads(2)
    g = read_graph(args.graph)
    t = time.monotonic()
    V = burer_monteiro(g, rank=args.rank, tol=args.sdp_tol, seed=0).V
    print(f"sdp {time.monotonic() - t:.1f} s", flush=True)
    y = 0.25 * np.sum((g.laplacian @ V) * V, axis=1)
    n, dual_sum = g.n, math.fsum(y.tolist())
    S = (sp.diags(y) - 0.25 * g.laplacian).tocsr()
    base = {"instance": args.graph.stem, "n": n, "m": g.m, "dual_sum": round(dual_sum, 3)}
    rows = []

    t = time.monotonic()
    theta, residual = lobpcg_estimate(S, V, seed=0)
    rows.append({**base, "method": "lobpcg-estimate (not a bound)", "seconds": round(time.monotonic() - t, 1),
                 "steps": "", "eps": "", "lambda_min_side": f"{theta:.8f}",
                 "upper_bound": round(dual_sum + n * (max(0.0, -theta) + residual), 3), "failure_probability": ""})
    print(rows[-1], flush=True)

    t = time.monotonic()
    b = bound_module.dual_upper_bound(g, V, seed=0)
    rows.append({**base, "method": f"{b.method} (derand maxcut)", "seconds": round(time.monotonic() - t, 1),
                 "steps": b.steps, "eps": "", "lambda_min_side": f"{-b.shift:.8f}",
                 "upper_bound": round(b.upper_bound, 3), "failure_probability": b.failure_probability})
    print(rows[-1], flush=True)

    probable = bound_module.probable_min_eigenvalue(S, S.dot, seed=0, dual_sum=dual_sum)
    for steps in args.steps:
        t = time.monotonic()
        r = lanczos_min_bound(S.dot, n, probable.ceiling, seed=0, max_steps=steps, check_every=100)
        rows.append({**base, "method": f"lanczos, {steps} steps", "seconds": round(time.monotonic() - t, 1),
                     "steps": r.steps, "eps": f"{r.eps:.2e}", "lambda_min_side": f"{r.lower:.8f}",
                     "upper_bound": round(float(dual_sum + n * max(0.0, -r.lower)), 3),
                     "failure_probability": r.failure_probability})
        print(rows[-1], flush=True)
    machine = (f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} (cpu), {os.cpu_count()} cores, "
               f"torch {torch.__version__}; one process, SDP factor computed once (rank {args.rank}, "
               f"tol {args.sdp_tol}).")
    write_tables(args.out, rows, machine)


if __name__ == "__main__":
    main()
