"""Benchmark reports: results.csv, results.md (tables and a summary) and PNG plots.

Every file is written atomically (:func:`solver.io.atomic_write`). Plots need
matplotlib (the ``plot`` extra); without it they are left out with a note.
"""

from __future__ import annotations

import csv
import io
import math
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Iterable, Sequence

from .. import __version__
from ..errors import InputError
from ..io import atomic_write

__all__ = ["FINISHED_STATUSES", "has_cut", "machine_description", "maxcut_summary", "maxcut_markdown", "maxcut_plots",
           "jl_summary", "jl_markdown", "jl_plots", "read_rows", "write_rows", "matplotlib_available"]

_INT_COLUMNS = {"n", "m", "d", "k", "trials", "draws"}
_TEXT_COLUMNS = {"instance", "method", "status", "note", "dataset"}

# Colour-blind-safe (Okabe-Ito). A method keeps its colour in every plot;
# variants of one method (gaussian-median / gaussian-best) share it.
_KNOWN = {
    "derand": ("#0072B2", "o"), "derand-polish": ("#56B4E9", "h"), "gw-bm": ("#E69F00", "s"),
    "gw-cvxpy": ("#D55E00", "D"),
    "one-exchange": ("#009E73", "^"), "random": ("#999999", "v"), "gaussian": ("#E69F00", "s"),
    "sparse": ("#CC79A7", "^"), "pca": ("#009E73", "D"), "minimax": ("#D55E00", "P"),
}
_SPARE = [("#000000", "X"), ("#CC79A7", "*"), ("#F0E442", "p"), ("#56B4E9", "P")]


def _styles(methods: Sequence[str]) -> dict[str, tuple[str, str]]:
    out, spare = {}, iter(_SPARE * 4)
    bases: dict[str, tuple[str, str]] = {}
    for m in methods:
        base = m.rsplit("-", 1)[0] if m.endswith(("-median", "-best")) else m
        if base not in bases:
            bases[base] = _KNOWN.get(base) or next(spare)
        out[m] = bases[base]
    return out


def _plain_log_axis(axis) -> None:
    """Log-scale ticks in plain numbers (0.5, 1, 2, 5 rather than 5x10^-1), denser on short ranges."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    lo, hi = axis.get_view_interval()
    decades = math.log10(hi / lo) if lo > 0 and hi > lo else 3.0
    subs = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0) if decades < 1.3 else (1.0, 2.0, 5.0) if decades < 4 else (1.0,)
    axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


# ---------------------------------------------------------------- csv
def write_rows(path: str | os.PathLike, rows: Sequence[dict], columns: Sequence[str]) -> None:
    """Write ``rows`` as CSV with ``columns`` (missing values empty, floats at full precision)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: _csv_value(row.get(k)) for k in columns})
    atomic_write(path, buf.getvalue())


def _csv_value(v):
    if v is None:
        return ""
    if isinstance(v, float):
        if not math.isfinite(v):
            return ""
        return repr(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return v


def read_rows(path: str | os.PathLike, columns: Sequence[str]) -> list[dict]:
    """Read a results CSV written by :func:`write_rows` back into typed rows (for ``--resume``).

    Raises
    ------
    InputError
        If the file lacks any of ``columns`` or holds a non-number where a number belongs.
    """
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"not a results file of this benchmark: missing columns {', '.join(missing)}", path=path)
        rows = []
        for line, raw in enumerate(reader, start=2):
            row = {}
            for c in columns:
                text = raw.get(c) or ""
                if c in _TEXT_COLUMNS:
                    row[c] = text
                elif text == "":
                    row[c] = None
                else:
                    try:
                        row[c] = int(text) if c in _INT_COLUMNS else float(text)
                    except ValueError:
                        raise InputError(f"column {c}: {text[:40]!r} is not a number", path=path, line=line) from None
            rows.append(row)
    return rows


# ------------------------------------------------------------ helpers
def machine_description(device: str = "cpu") -> str:
    """One line: date, OS, CPU, cores, Python, torch (threads), derand version, device."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    threads = torch.get_num_threads()
    return (f"{time.strftime('%Y-%m-%d')}, {platform.system()} {platform.machine()}, {cpu}, "
            f"{os.cpu_count()} logical CPUs, Python {platform.python_version()}, torch {torch.__version__} "
            f"({threads} thread{'s' * (threads != 1)}), derand {__version__}, device {device}")


def matplotlib_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


#: Statuses of a row that ends with a cut (a time-limited method hands back its best so far).
FINISHED_STATUSES = ("ok", "time_limit")


def has_cut(row: dict) -> bool:
    """Whether a ``results.csv`` row holds a cut: a finished status and a value."""
    return row.get("status") in FINISHED_STATUSES and row.get("cut") is not None


def _num(x, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if isinstance(x, int) or float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.{digits}f}"


def _secs(x) -> str:
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 0.1 else f"{x:.2f}" if x < 10 else f"{x:.1f}"


def _geomean(xs: Iterable[float]) -> float | None:
    xs = [x for x in xs if x is not None and x > 0 and math.isfinite(x)]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def _mean(xs: Iterable[float]) -> float | None:
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    return statistics.fmean(xs) if xs else None


def _order(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _table(header: Sequence[str], body: Iterable[Sequence[str]], align: Sequence[str] | None = None) -> list[str]:
    align = align or ["l"] + ["r"] * (len(header) - 1)
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in body]
    return out


def _save(fig, path: Path) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=200, bbox_inches="tight")
    atomic_write(path, buf.getvalue())


# -------------------------------------------------------------- maxcut
def _opening(title: str, machine: str, command: str) -> list[str]:
    """The lines of ``results.md`` before the summary: the title, how it was measured, the command."""
    lines = [f"# {title}", ""]
    if machine:
        lines += [f"Measured {machine}.", ""]
    if command:
        lines += ["Command:", "", "```", command, "```", ""]
    return lines + ["## Summary", ""]


def maxcut_summary(rows: Sequence[dict], reference: str | None = None) -> dict:
    """The figures the MAX-CUT report leads with.

    Returns
    -------
    dict
        ``instances`` (names, in order); ``methods`` (per method:
        ``instances`` run, ``mean_ratio_best_known``, ``mean_certified_ratio``,
        ``mean_seconds``, ``time_ratio`` = geometric mean over common instances
        of seconds / ``reference``'s seconds); ``wins``: for each other method,
        on how many common instances the reference's cut is >= its cut
        (``ge``), and the same for the reference's derandomized cut before
        polish (``derandomized_ge``), out of ``of``.
    """
    instances = _order(r["instance"] for r in rows)
    methods = _order(r["method"] for r in rows)
    if reference is None:
        reference = next((m for m in methods if m == "derand"), next((m for m in methods if m.startswith("derand")),
                                                                     None))
    by = {(r["instance"], r["method"]): r for r in rows}
    out: dict = {"instances": instances, "methods": {}, "wins": {}, "reference": reference}
    for m in methods:
        ok = [by[i, m] for i in instances if (i, m) in by and has_cut(by[i, m])]
        ratios = []
        for r in ok:
            ref = by.get((r["instance"], reference))
            if ref is not None and has_cut(ref) and ref.get("seconds") and r.get("seconds"):
                ratios.append(r["seconds"] / ref["seconds"])
        out["methods"][m] = {
            "instances": len(ok),
            "mean_ratio_best_known": _mean(r["ratio_best_known"] for r in ok),
            "with_best_known": sum(r["ratio_best_known"] is not None for r in ok),
            "mean_certified_ratio": _mean(r["certified_ratio"] for r in ok),
            "reached_best_known": sum(r.get("best_known") is not None and r["cut"] >= r["best_known"] for r in ok),
            "mean_seconds": _mean(r["seconds"] for r in ok),
            "time_ratio": _geomean(ratios),
        }
    for m in methods:
        if m == reference:
            continue
        ge = dge = fast = of = 0
        for i in instances:
            a, b = by.get((i, reference)), by.get((i, m))
            if a is None or b is None or not has_cut(a) or not has_cut(b):
                continue
            of += 1
            ge += a["cut"] >= b["cut"]
            fast += bool(a["cut"] >= b["cut"] and a.get("seconds") is not None and b.get("seconds") is not None
                         and a["seconds"] <= b["seconds"])
            if a.get("derandomized_cut") is not None:
                dge += a["derandomized_cut"] >= b["cut"]
        out["wins"][m] = {"ge": ge, "ge_in_no_more_time": fast, "derandomized_ge": dge, "of": of}
    return out


def maxcut_markdown(rows: Sequence[dict], *, command: str = "", machine: str = "", trials: int | None = None,
                    descriptions: dict[str, str] | None = None, plots: Sequence[str] = ()) -> str:
    """``results.md``: how it was measured, the summary, the per-instance tables, what was skipped."""
    s = maxcut_summary(rows)
    instances, methods = s["instances"], list(s["methods"])
    by = {(r["instance"], r["method"]): r for r in rows}
    first = {}
    for r in rows:
        first.setdefault(r["instance"], r)
    N = f" of {trials}" if trials else " of N"
    lines = _opening("MAX-CUT benchmark", machine, command)
    names = {"gw-bm": f"GW best{N} hyperplanes on the same Burer-Monteiro vectors (gw-bm)",
             "gw-cvxpy": f"textbook GW best{N} (cvxpy SDP, gw-cvxpy)",
             "one-exchange": "one-exchange local search", "random": f"the best{N} random cuts"}
    ref = s["reference"]
    if ref is not None:
        for m, w in s["wins"].items():
            if w["of"] and not m.startswith("derand"):
                lines.append(f"- {ref} >= {names.get(m, m)}: **{w['ge']} of {w['of']}** instances "
                             f"({w['ge_in_no_more_time']} of them in no more wall time); "
                             "the derandomized cut alone, before any local search: "
                             f"{w['derandomized_ge']} of {w['of']}.")
        lines.append("")
    body = []
    for m, f in s["methods"].items():
        bk = ("–" if f["mean_ratio_best_known"] is None
              else f"{f['mean_ratio_best_known']:.4f} ({f['with_best_known']})")
        reached = "–" if not f["with_best_known"] else f"{f['reached_best_known']} of {f['with_best_known']}"
        body.append([m, f["instances"], bk, reached,
                     "–" if f["mean_certified_ratio"] is None else f"{f['mean_certified_ratio']:.4f}",
                     _secs(f["mean_seconds"]),
                     "–" if f["time_ratio"] is None else f"{f['time_ratio']:.3g}"])
    lines += _table(["method", "instances", "mean cut / best known (instances)", "reached best known",
                     "mean cut / upper bound",
                     "mean seconds", f"time / {ref} (geo. mean)"], body)
    lines += ["", "Means are over the instances each method ran on. Cut / upper bound is a certified ratio: the "
                  "upper bound is the verified SDP dual bound of the instance, so no cut is better than this "
                  "method's by more than that factor.", ""]
    # per-instance cuts
    lines += ["## Cut per instance", ""]
    header = ["instance", "n", "m", "best known", "upper bound"]
    for m in methods:
        header.append(m)
        if m == ref:
            header.append(f"{m}: derandomized cut (no local search)")
        if m.startswith("gw"):
            header.append(f"{m} expected")
    body = []
    for i in instances:
        r0 = first[i]
        row = [i, _num(r0["n"]), _num(r0["m"]), _num(r0["best_known"]), _num(r0["upper_bound"], 1)]
        for m in methods:
            r = by.get((i, m))
            ok = r is not None and has_cut(r)
            mark = "" if not ok or r["status"] == "ok" else " (t)"
            row.append(_num(r["cut"]) + mark if ok else ("–" if r is None else r["status"]))
            if m == ref:
                row.append(_num(r["derandomized_cut"]) if ok else "–")
            if m.startswith("gw"):
                row.append(_num(r["expected_cut"], 1) if ok else "–")
        body.append(row)
    lines += _table(header, body)
    lines += ["", "(t): stopped by its time limit (best answer by then).", ""]
    # per-instance seconds
    lines += ["## Seconds per instance", ""]
    body = [[i] + [_secs(by[i, m]["seconds"]) if (i, m) in by and has_cut(by[i, m]) else "–" for m in methods]
            for i in instances]
    lines += _table(["instance"] + methods, body)
    lines += ["", "derand, derand-polish: the whole pipeline in process (SDP, bound, derandomization, local search). "
                  "gw-bm: the same SDP plus the hyperplanes (no bound). gw-cvxpy: cvxpy's SDP plus the hyperplanes.",
              ""]
    others = [r for r in rows if not has_cut(r) or r.get("note")]
    if others:
        lines += ["## Notes, skipped and failed runs", ""]
        lines += [f"- {r['instance']} / {r['method']}: {r['status']}" + (f": {r['note']}" if r.get("note") else "")
                  for r in others]
        lines.append("")
    if descriptions:
        lines += ["## Methods", ""]
        lines += [f"- `{m}`: {descriptions[m]}" for m in methods if m in descriptions]
        lines.append("")
    if plots:
        lines += ["## Plots", ""] + [f"![{p}]({p})" for p in plots] + [""]
        if "cut_ratio.png" in plots:
            lines += ["cut_ratio.png: points below the axis (usually the random baseline) sit on its lower edge "
                      "with their value printed; black bars are the best-known cuts.", ""]
    return "\n".join(lines)


def _short(name: str) -> str:
    return name if len(name) <= 18 else name[:17] + "…"


def _instance_ticks(ax, instances: Sequence[str]) -> None:
    labels = [_short(i) for i in instances]
    tilt = len(labels) > 8 or sum(map(len, labels)) > 6 * len(labels)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=40 if tilt else 0, ha="right" if tilt else "center",
                       rotation_mode="anchor" if tilt else "default")


def maxcut_plots(rows: Sequence[dict], out_dir: str | os.PathLike) -> list[str]:
    """``cut_ratio.png`` (cut / upper bound per instance and method) and ``time.png`` (seconds, log scale).

    Returns the file names written (empty without matplotlib or without results).
    """
    if not matplotlib_available() or not any(has_cut(r) for r in rows):
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    instances = _order(r["instance"] for r in rows if has_cut(r))
    methods = _order(r["method"] for r in rows if has_cut(r))
    by = {(r["instance"], r["method"]): r for r in rows}
    width = max(6.0, 0.42 * len(instances) + 2.5)
    style = _styles(methods)
    offsets = {m: (k - (len(methods) - 1) / 2) * min(0.12, 0.7 / max(len(methods), 1)) for k, m in enumerate(methods)}
    written = []

    with plt.rc_context({"font.size": 10, "axes.spines.top": False, "axes.spines.right": False}):
        # cut / upper bound
        fig, ax = plt.subplots(figsize=(width, 4.2))
        bk = [(k, by_first["best_known"] / by_first["upper_bound"]) for k, i in enumerate(instances)
              for by_first in [next(r for r in rows if r["instance"] == i)]
              if by_first.get("best_known") and by_first.get("upper_bound")]
        if bk:
            ax.scatter([k for k, _ in bk], [v for _, v in bk], marker="_", s=500, color="black", linewidths=1.6,
                       label="best known", zorder=3)
        ratios = {m: [(k + offsets[m], by[i, m]["certified_ratio"]) for k, i in enumerate(instances)
                      if (i, m) in by and has_cut(by[i, m]) and by[i, m].get("certified_ratio") is not None]
                  for m in methods}
        # Zoom on the competitive methods: the trivial random baseline would squash them
        # into a sliver; its points below the axis are drawn on the edge, value printed.
        core = [v for m, pts in ratios.items() if m != "random" for _, v in pts] or \
            [v for pts in ratios.values() for _, v in pts]
        floor = max(0.0, math.floor((min(core) - 0.02) * 20) / 20)
        top = max([1.0] + [v for pts in ratios.values() for _, v in pts])
        for m, pts in ratios.items():
            if not pts:
                continue
            c, mk = style[m]
            inside = [(x, v) for x, v in pts if v >= floor]
            below = [(x, v) for x, v in pts if v < floor]
            ax.scatter(*zip(*(inside or [(math.nan, math.nan)])), color=c, marker=mk,
                       s=48 if m == "derand" else 34, label=m, zorder=5 if m == "derand" else 4,
                       edgecolors="white", linewidths=0.5)
            for x, v in below:
                ax.scatter([x], [floor], color=c, marker="v", s=30, zorder=4, clip_on=False)
                ax.annotate(f"{v:.2f}", (x, floor), xytext=(0, 5), textcoords="offset points", ha="center",
                            fontsize=6.5, color=c)
        ax.set_ylim(floor, top + 0.01 * (top - floor) + 0.005)
        ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
        _instance_ticks(ax, instances)
        ax.set_xlim(-0.6, len(instances) - 0.4)
        ax.set_ylabel("cut / certified upper bound")
        ax.set_title("MAX-CUT: cut as a fraction of the SDP dual bound (higher is better)")
        ax.grid(axis="y", color="0.9")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        _save(fig, out_dir / "cut_ratio.png")
        plt.close(fig)
        written.append("cut_ratio.png")

        # seconds, log scale
        fig, ax = plt.subplots(figsize=(width, 4.2))
        for m in methods:
            pts = [(k, by[i, m]["seconds"]) for k, i in enumerate(instances)
                   if (i, m) in by and has_cut(by[i, m]) and (by[i, m].get("seconds") or 0) > 0]
            if pts:
                c, mk = style[m]
                ax.plot(*zip(*pts), color=c, marker=mk, ms=6, lw=0.8, alpha=0.85, label=m,
                        zorder=5 if m == "derand" else 4)
        ax.set_yscale("log")
        _plain_log_axis(ax.yaxis)
        _instance_ticks(ax, instances)
        ax.set_xlim(-0.6, len(instances) - 0.4)
        ax.set_ylabel("seconds (log scale)")
        ax.set_title("MAX-CUT: time per instance and method")
        ax.grid(axis="y", which="major", color="0.9")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        _save(fig, out_dir / "time.png")
        plt.close(fig)
        written.append("time.png")
    return written


# ------------------------------------------------------------------ jl
def jl_summary(rows: Sequence[dict], reference: str = "derand") -> dict:
    """Per method: cases run, geometric-mean distortion, mean seconds; ``best``: on how many
    (dataset, k) cases the reference's distortion is <= every other method's."""
    cases = _order((r["dataset"], r["k"]) for r in rows)
    methods = _order(r["method"] for r in rows)
    by = {(r["dataset"], r["k"], r["method"]): r for r in rows}
    good = {key: r for key, r in by.items() if r.get("status") in ("ok", "time_limit") and r.get("distortion")}
    out: dict = {"cases": cases, "methods": {}, "reference": reference}
    for m in methods:
        rs = [good[c + (m,)] for c in cases if c + (m,) in good]
        out["methods"][m] = {"cases": len(rs), "geomean_distortion": _geomean(r["distortion"] for r in rs),
                             "mean_seconds": _mean(r["seconds"] for r in rs)}
    wins = of = 0
    for c in cases:
        ref = good.get(c + (reference,))
        others = [good[c + (m,)]["distortion"] for m in methods if m != reference and c + (m,) in good]
        if ref is None or not others:
            continue
        of += 1
        wins += ref["distortion"] <= min(others) * (1 + 1e-12)
    out["best"] = {"wins": wins, "of": of}
    return out


def jl_markdown(rows: Sequence[dict], *, command: str = "", machine: str = "", draws: int | None = None,
                descriptions: dict[str, str] | None = None, plots: Sequence[str] = ()) -> str:
    """``results.md`` of the JL benchmark."""
    s = jl_summary(rows)
    methods = list(s["methods"])
    by = {(r["dataset"], r["k"], r["method"]): r for r in rows}
    lines = _opening("JL benchmark", machine, command)
    if s["best"]["of"]:
        lines += [f"- derand has the lowest certified distortion D on **{s['best']['wins']} of {s['best']['of']}** "
                  "(data set, k) cases.", ""]
    lines += _table(["method", "cases", "geometric-mean D", "mean seconds"],
                    [[m, f["cases"], "–" if f["geomean_distortion"] is None else f"{f['geomean_distortion']:.4g}",
                      _secs(f["mean_seconds"])] for m, f in s["methods"].items()])
    lines += ["", "D = sqrt(r_max / r_min) over every pair of points (exact, float64): after the best rescaling, "
                  "every distance is kept within a factor D. Lower is better; 1 is an isometry.", ""]
    lines += ["## Distortion D per data set and k", ""]
    body = []
    for ds, k in s["cases"]:
        r0 = next(r for r in rows if r["dataset"] == ds and r["k"] == k)
        cells = [ds, _num(r0["n"]), _num(r0["d"]), str(k)]
        for m in methods:
            r = by.get((ds, k, m))
            if r is None:
                cells.append("–")
            elif r.get("status") in ("ok", "time_limit") and r.get("distortion"):
                cells.append(f"{r['distortion']:.4g}" + (" (t)" if r["status"] == "time_limit" else ""))
            else:
                cells.append(r["status"])
        body.append(cells)
    lines += _table(["data set", "n", "d", "k"] + methods, body)
    lines += ["", "## Seconds", ""]
    body = [[ds, str(k)] + [_secs(by[ds, k, m]["seconds"]) if (ds, k, m) in by else "–" for m in methods]
            for ds, k in s["cases"]]
    lines += _table(["data set", "k"] + methods, body)
    if draws:
        lines += ["", f"gaussian-* and sparse-*: {draws} independent draws; -median is the median map's D with the "
                      "seconds of one draw, -best the best map's D with the seconds of all draws."]
    lines.append("")
    others = [r for r in rows if r.get("status") not in ("ok",) or r.get("note")]
    if others:
        lines += ["## Notes, skipped and failed runs", ""]
        lines += [f"- {r['dataset']} k={r['k']} / {r['method']}: {r['status']}"
                  + (f": {r['note']}" if r.get("note") else "")
                  for r in others]
        lines.append("")
    if descriptions:
        lines += ["## Methods", ""] + [f"- `{m}`: {d}" for m, d in descriptions.items()] + [""]
    if plots:
        lines += ["## Plots", ""] + [f"![{p}]({p})" for p in plots] + [""]
    return "\n".join(lines)


def jl_plots(rows: Sequence[dict], out_dir: str | os.PathLike) -> list[str]:
    """``distortion.png``: D against k, one panel per data set, one line per method (log scale)."""
    good = [r for r in rows if r.get("status") in ("ok", "time_limit") and r.get("distortion")]
    if not matplotlib_available() or not good:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = _order(r["dataset"] for r in good)
    methods = _order(r["method"] for r in rows)
    style = _styles(methods)
    cols = min(3, len(datasets))
    nrows = math.ceil(len(datasets) / cols)
    with plt.rc_context({"font.size": 10, "axes.spines.top": False, "axes.spines.right": False}):
        fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols + 1.8, 3.4 * nrows), squeeze=False)
        for ax, ds in zip(axes.ravel(), datasets):
            sub = [r for r in good if r["dataset"] == ds]
            for m in methods:
                pts = sorted((r["k"], r["distortion"]) for r in sub if r["method"] == m)
                if pts:
                    c, mk = style[m]
                    ls = "--" if m.endswith("-median") else "-"
                    top = m == "derand"
                    ax.plot(*zip(*pts), color=c, marker=mk, ms=6 if top else 9 if m == "minimax" else 5,
                            lw=2.0 if top else 1.2, ls=ls,
                            label=m, zorder=5 if top else 3, mfc="white" if m.endswith("-median") else c)
            r0 = sub[0]
            ax.set_title(f"{ds}  (n={r0['n']}, d={r0['d']})")
            ax.set_yscale("log")
            _plain_log_axis(ax.yaxis)
            ax.set_xlabel("target dimension k")
            ax.set_ylabel("distortion D (log scale)")
            ks = sorted({r["k"] for r in sub})
            ax.set_xticks(ks)
            ax.grid(color="0.92", which="both")
        for ax in axes.ravel()[len(datasets):]:
            ax.axis("off")
        handles, labels = [], []
        for ax in axes.ravel():
            for h, lab in zip(*ax.get_legend_handles_labels()):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
        fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
        fig.suptitle("JL embeddings: certified worst-case distortion (lower is better)")
        fig.tight_layout()
        _save(fig, Path(out_dir) / "distortion.png")
        plt.close(fig)
    return ["distortion.png"]
