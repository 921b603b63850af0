"""Peak memory of MAX-CUT runs against graph size: the constants of solver.maxcut.memory.

    python benchmarks/maxcut_scale.py --make-regular 20000 10
    python benchmarks/maxcut_scale.py --make-regular 60000 10
    python benchmarks/maxcut_scale.py --make-regular 200000 10
    python benchmarks/memory_model.py G81 /tmp/derand_scale/regular_20000_10.rudy \
        /tmp/derand_scale/regular_60000_10.rudy /tmp/derand_scale/regular_200000_10.rudy \
        --out benchmarks/results/memory_model

For each graph, two fresh processes:

- the library, phase by phase: before each phase the process's peak resident
  set (VmHWM) is reset (``/proc/self/clear_refs``, Linux), and the phase's own
  peak above the resident set it started from is what it added;
- the whole command, ``derand maxcut GRAPH --rank 16 --sdp-tol 1e-3``: its
  certificate's ``peak_memory_mib`` less the resident set of a process that
  has only imported the package (torch included), beside the read and run
  estimates added up.

Beside them, what :mod:`solver.maxcut.memory` estimates; no estimate may be
below what was measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tables import write_tables  # noqa: E402


def _status(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(key)


def child(path: str, rank: int) -> None:
    import torch

    torch.set_num_threads(2)
    from solver.benchmark.instances import resolve_graph_spec
    from solver.io import read_graph
    from solver.maxcut import burer_monteiro, derandomize, dual_upper_bound, improve_cut, one_flip_local_search
    from solver.maxcut.memory import derandomize_estimate, read_estimate, run_estimate

    out = {}

    def phase(name, fn):
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        before = _status("VmRSS")
        t = time.monotonic()
        result = fn()
        out[name] = {"added_mib": (_status("VmHWM") - before) / 2 ** 20, "seconds": time.monotonic() - t}
        return result

    file = resolve_graph_spec(path).path
    base = _status("VmRSS")
    g = phase("read", lambda: read_graph(file))
    sdp = phase("sdp", lambda: burer_monteiro(g, rank=rank, tol=1e-3, seed=0))
    phase("bound", lambda: dual_upper_bound(g, sdp.V))
    d = phase("derandomize", lambda: derandomize(g, sdp.V, seed=0))
    pol = phase("polish", lambda: one_flip_local_search(g, d.sides))
    phase("improve", lambda: improve_cut(g, pol.sides, seed=0, time_limit=5.0))
    run = run_estimate(g.n, g.m, rank)
    est = {"read": read_estimate(os.path.getsize(file)), "sdp": run, "bound": run,
           "derandomize": derandomize_estimate(g.n, g.m, rank), "polish": run, "improve": run}
    whole = est["read"] + run  # what the checks before reading and before the SDP allow together
    print(json.dumps({"n": g.n, "m": g.m, "base_mib": base / 2 ** 20, "phases": out,
                      "estimates_mib": {k: v / 2 ** 20 for k, v in est.items()}, "run_mib": whole / 2 ** 20}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("graphs", nargs="+")
    ap.add_argument("--rank", type=int, default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/memory_model")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.graphs[0], args.rank)
        return
    base = float(subprocess.run([sys.executable, "-c", "import resource, solver.cli, solver.maxcut, torch; "
                                 "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"],
                                check=True, capture_output=True, text=True).stdout)
    rows = []
    rank = args.rank or 16
    for graph in args.graphs:
        cmd = [sys.executable, __file__, graph, "--child", "--rank", str(rank)]
        res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        for name, ph in res["phases"].items():
            rows.append({"graph": Path(graph).stem, "n": res["n"], "m": res["m"], "rank": rank,
                         "measured": f"phase {name}", "measured_mib": round(ph["added_mib"], 1),
                         "estimate_mib": round(res["estimates_mib"][name], 1), "seconds": round(ph["seconds"], 2)})
            print(rows[-1], flush=True)
        from solver.benchmark.instances import resolve_graph_spec

        t = time.monotonic()
        cert = json.loads(subprocess.run(
            [sys.executable, "-m", "solver", "maxcut", str(resolve_graph_spec(graph).path), "--rank", str(rank),
             "--sdp-tol", "1e-3", "--json", "-q", "--device", "cpu"], check=True, capture_output=True,
            text=True).stdout)
        rows.append({"graph": Path(graph).stem, "n": res["n"], "m": res["m"], "rank": rank,
                     "measured": "whole run above start-up", "measured_mib": round(cert["peak_memory_mib"] - base, 1),
                     "estimate_mib": round(res["run_mib"], 1), "seconds": round(time.monotonic() - t, 2)})
        print(rows[-1], flush=True)
    import torch

    machine = (f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} (cpu), {os.cpu_count()} cores, "
               f"torch {torch.__version__}; each graph in fresh processes; a phase: what it adds above the "
               f"resident set it started from (VmHWM reset before it); the whole run: peak_memory_mib less "
               f"{base:.0f} MiB, a process that has only imported derand and torch.")
    write_tables(args.out, rows, machine)


if __name__ == "__main__":
    main()
