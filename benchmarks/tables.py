"""The CSV and markdown files the benchmark scripts write from their rows."""

from __future__ import annotations

import csv
import sys
from pathlib import Path


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
