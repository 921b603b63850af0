"""Triangle-tightened bounds and optimality proofs against the basic SDP bound.

    python benchmarks/maxcut_prove.py gnp:100:0.5:1 pm1:100:0.1:1 ... --prove 300 --out benchmarks/results/maxcut_prove/literature
    python benchmarks/maxcut_prove.py G1 G2 ... G21 --tighten 60 --out benchmarks/results/maxcut_prove/gset

For each graph (a generator spec of solver.benchmark.instances, a file, or a
Gset name): derand's default pipeline with the tightening off gives the cut
and the basic SDP bound; then either the triangle tightening alone for
``--tighten`` seconds (root gap closed), or branch and bound for at most
``--prove`` seconds (root gap, nodes, time to prove optimality). Every bound
written is a verified one; the gaps are relative to the cut.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tables import gset_parser, read_named_graph, write_tables  # noqa: E402
from solver.benchmark.instances import GENERATED_FAMILIES, generate_graph, gset_best_known  # noqa: E402
from solver.core.device import thread_budget  # noqa: E402
from solver.maxcut import solve_maxcut  # noqa: E402
from solver.maxcut.prove import prove_maxcut  # noqa: E402
from solver.maxcut.tighten import dense_work, tightened_upper_bound  # noqa: E402


def _graph(name: str, gset: Path):
    if name.split(":", 1)[0] in GENERATED_FAMILIES:
        return generate_graph(name)
    return read_named_graph(name, gset)


def _pct(bound: float, cut: float) -> float:
    return round(100.0 * (bound - cut) / abs(cut), 3)


def main() -> None:
    ap = gset_parser(__doc__)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--tighten", type=float, help="seconds of clique tightening (no branching)")
    mode.add_argument("--prove", type=float, help="seconds of branch and bound at most")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True, help="output path without extension")
    args = ap.parse_args()
    known = gset_best_known(args.gset)
    rows = []
    for name in args.graphs:
        g = _graph(name, args.gset)
        res = solve_maxcut(g, device="cpu", seed=args.seed, tighten="off")
        cut, basic = res.cut_value, res.upper_bound
        row = {"instance": name, "n": g.n, "m": g.m, "cut": cut, "best_known": known.get(name, ""),
               "sdp_bound": round(basic, 3), "sdp_gap_pct": _pct(basic, cut), "solve_s": round(res.seconds["total"], 2)}
        if args.tighten is not None:
            t = time.monotonic()
            with thread_budget(dense_work(g.n)):
                tb = tightened_upper_bound(g, res.sdp.V, time_limit=args.tighten, start_bound=basic,
                                           max_rounds=10 ** 9, seed=args.seed)
            d = tb.to_dict(cut)
            row.update({"tightened_bound": round(tb.upper_bound, 3), "tightened_gap_pct": _pct(tb.upper_bound, cut),
                        "gap_closed_pct": round(100 * d["gap_closed"], 1) if d["gap_closed"] is not None else "",
                        "rounds": tb.rounds, "active_cuts": d["active_cuts"], "stop": tb.stop,
                        "tighten_s": round(time.monotonic() - t, 1)})
        else:
            pr = prove_maxcut(g, res.sides, res.sdp.V, root_bound=basic, time_limit=args.prove, seed=args.seed)
            d = pr.to_dict()
            root = d["root_tightened_bound"]
            row.update({"root_bound": round(root, 3), "root_gap_pct": _pct(root, pr.start_cut),
                        "root_gap_closed_pct": round(100 * d["root_tighten"]["gap_closed"], 1)
                        if d["root_tighten"]["gap_closed"] is not None else "",
                        "status": pr.status, "final_cut": pr.cut_value,
                        "global_bound": round(pr.global_upper_bound, 3),
                        "final_gap_pct": _pct(pr.global_upper_bound, pr.cut_value), "nodes": pr.nodes,
                        "open_nodes": d["open_nodes"], "max_depth": pr.max_depth,
                        "root_s": round(pr.seconds["root"], 1), "prove_s": round(pr.seconds["total"], 1)})
        rows.append(row)
        print(row, flush=True)
        write_tables(args.out, rows, f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()}, "
                     f"{torch.get_num_threads()} torch threads, torch {torch.__version__}, CPU, float64, "
                     f"seed {args.seed}.")


if __name__ == "__main__":
    main()
