"""CUDA against CPU on the MAX-CUT pipeline: same cut, bound within float tolerance, and GPU times.

    python benchmarks/cuda_check.py --out benchmarks/results/cuda_check            # G81 + small graphs
    python benchmarks/cuda_check.py --regular 200000 10 --out benchmarks/results/cuda_check

One short script to run on a machine with a GPU. For each graph: the whole
pipeline (`solve_maxcut`) on the CPU and on CUDA with the same seed, in
float64, then on CUDA in float32. It reports the cuts (derandomized and
final), the bounds and their relative difference, and the time per phase.
Pass/fail: the float64 CUDA run must give the same derandomized cut as the
CPU run, or one within 0.1 % where the two floating-point paths break a tie
differently (reported as such), and a bound within 1e-6 relative. Exits 2
when no CUDA device is present, 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solver.benchmark.instances import resolve_graph_spec  # noqa: E402
from solver.io import read_graph  # noqa: E402
from solver.maxcut import solve_maxcut  # noqa: E402


def run(graph, device: str, dtype: str) -> dict:
    if device == "cuda":
        torch.cuda.synchronize()
    t = time.monotonic()
    res = solve_maxcut(graph, seed=0, device=device, dtype=dtype)
    wall = time.monotonic() - t
    cert = res.certificate()
    return {"device": device, "dtype": dtype, "cut": cert["cut_value"], "derandomized_cut": cert["derandomized_cut"],
            "upper_bound": cert["upper_bound"], "sdp_value": cert["sdp_value"], "wall_seconds": round(wall, 2),
            "seconds": {k: round(v, 2) for k, v in cert["seconds"].items()}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("graphs", nargs="*", default=["data/karate.edgelist", "data/torus10x12.mtx", "G1", "G81"])
    ap.add_argument("--regular", nargs=2, type=int, metavar=("N", "D"))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device: nothing to check", file=sys.stderr)
        return 2
    paths = []
    for name in args.graphs:
        p = resolve_graph_spec(name).path
        if p is not None and p.exists():
            paths.append(p)
        else:
            print(f"skipping {name}: not found", file=sys.stderr)
    if args.regular:
        from benchmarks.maxcut_scale import make_regular

        paths.append(make_regular(*args.regular, folder=Path("/tmp/derand_scale")))
    rows, ok = [], True
    for path in paths:
        g = read_graph(path)
        run(g, "cuda", "float32")  # warm-up: CUDA context, kernels
        cpu, gpu, gpu32 = run(g, "cpu", "float64"), run(g, "cuda", "float64"), run(g, "cuda", "float32")
        rel_bound = abs(gpu["upper_bound"] - cpu["upper_bound"]) / max(abs(cpu["upper_bound"]), 1e-300)
        rel_cut = abs(gpu["derandomized_cut"] - cpu["derandomized_cut"]) / max(abs(cpu["derandomized_cut"]), 1e-300)
        same = gpu["derandomized_cut"] == cpu["derandomized_cut"]
        passed = rel_bound <= 1e-6 and rel_cut <= 1e-3
        ok &= passed
        row = {"graph": path.name, "n": g.n, "m": g.m, "same_derandomized_cut": same, "rel_cut_diff": rel_cut,
               "rel_bound_diff": rel_bound, "passed": passed, "runs": [cpu, gpu, gpu32]}
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".json").write_text(json.dumps(
            {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "rows": rows}, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
