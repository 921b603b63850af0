"""What the benchmark scripts share: their Gset arguments, and the CSV and markdown files they write."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from solver.benchmark.instances import default_gset_dir, resolve_graph_spec
from solver.graph import Graph
from solver.io import read_graph


def gset_parser(description: str | None) -> argparse.ArgumentParser:
    """A parser with ``graphs`` (files or Gset names) and ``--gset`` (their folder), for the script to extend."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("graphs", nargs="+", help="graph files or Gset names (G1 = <gset>/G1.txt)")
    ap.add_argument("--gset", type=Path, default=default_gset_dir(), help="folder of the Gset graphs")
    return ap


def read_named_graph(name: str, gset: Path) -> Graph:
    """The graph file ``name``, or the Gset graph of that name in ``gset``."""
    return read_graph(resolve_graph_spec(name, gset).path)


def write_tables(out: Path, rows: list[dict], machine: str) -> None:
    """``out.csv`` and ``out.md`` (the machine line, the command that ran, the table) from ``rows``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    keys = list(dict.fromkeys(k for r in rows for k in r))
    with out.with_suffix(".csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    cmd = f"python benchmarks/{Path(sys.argv[0]).name} " + " ".join(sys.argv[1:])
    md = [machine, "", f"Command: `{cmd}`", "", "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    md += ["| " + " | ".join(str(r.get(k, "")) for k in keys) + " |" for r in rows]
    out.with_suffix(".md").write_text("\n".join(md) + "\n")
