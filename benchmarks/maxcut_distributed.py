"""derand maxcut on one process against torchrun with 1 and 2 processes (gloo, CPU), end to end.

    python benchmarks/maxcut_distributed.py G81 --nproc 1 2 --out benchmarks/results/distributed_g81

For each graph: the plain single-process command line, then
``torchrun --standalone --nproc-per-node N -m solver maxcut GRAPH --distributed``
for each N (with N = 1 the distributed code path runs with one rank: its
overhead without any sharding). Each run is a fresh process group; the wall
time includes start-up, reading and scattering. The per-phase seconds are
rank 0's, from the certificate, and so is the peak memory (rank 0 also holds
the whole graph for the bound's verification and the improvement phase).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.maxcut_scale import certificate_of, resolve  # noqa: E402
from benchmarks.tables import write_tables  # noqa: E402
from solver.benchmark.instances import gset_best_known  # noqa: E402


def run(path: Path, nproc: int | None, extra: list[str]) -> dict:
    solver = ["-m", "solver", "maxcut", str(path), "--quiet", "--device", "cpu", *extra]
    if nproc is None:
        cmd = [sys.executable, *solver]
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(nproc),
               *solver, "--distributed"]
    return certificate_of(cmd, threads="1")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("graphs", nargs="+", help="graph files or Gset names (G81)")
    ap.add_argument("--nproc", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--extra", default="", help="extra options for derand maxcut, as one string")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    known = gset_best_known()
    rows = []
    for name in args.graphs:
        path = resolve(name)
        for nproc in [None, *args.nproc]:
            cert = run(path, nproc, args.extra.split())
            s = cert["seconds"]
            rows.append({
                "instance": path.stem, "n": cert["n"], "m": cert["m"],
                "launch": "python -m solver" if nproc is None else f"torchrun x{nproc} --distributed",
                "cut": cert["cut_value"], "derandomized_cut": cert["derandomized_cut"],
                "upper_bound": round(cert["upper_bound"], 4), "sdp_value": round(cert["sdp_value"], 4),
                "bound_method": cert["bound"]["method"], "verified": cert["bound"]["verified"],
                "sdp_rank": cert["sdp"]["rank"], "sdp_iters": cert["sdp"]["iterations"],
                "pgd_iters": cert["iterations"]["derandomize"], "best_known": known.get(path.stem, ""),
                "wall_seconds": round(cert["wall_seconds"], 1),
                **{f"seconds_{k}": round(v, 2) for k, v in s.items()},
                "peak_memory_mib_rank0": round(cert["peak_memory_mib"] or float("nan"), 0),
                "status": cert["status"],
            })
            print(rows[-1], flush=True)
    if args.out is None:
        return
    import torch

    write_tables(args.out, rows, f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} "
                 f"({platform.processor() or 'cpu'}), {os.cpu_count()} cores shared with other jobs, torch "
                 f"{torch.__version__}, gloo on loopback, OMP_NUM_THREADS=1 per process; each run a fresh launch.")


if __name__ == "__main__":
    main()
