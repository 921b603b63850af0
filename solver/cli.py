"""The ``derand`` command line: parse, call one library function, render.

No mathematics here. Library errors become ``error: <message>`` on stderr and
a non-zero exit, never a traceback; library warnings become ``warning: ...``.
"""

from __future__ import annotations

import contextlib
import enum
import json
import math
import sys
import time
import warnings
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from . import __version__
from .errors import DerandError, DerandWarning, InputError, OptionError
from .io import read_graph, to_jsonable, write_assignment, write_json

app = typer.Typer(
    name="derand",
    help="Deterministic answers from randomized approximation algorithms, with certificates.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

err = Console(stderr=True)
out = Console()

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


class GraphFormat(str, enum.Enum):
    auto = "auto"
    edgelist = "edgelist"
    rudy = "rudy"
    mtx = "mtx"


class DeviceChoice(str, enum.Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class DtypeChoice(str, enum.Enum):
    float64 = "float64"
    float32 = "float32"


def _version(value: bool) -> None:
    if value:
        out.print(f"derand {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """derand: derandomized approximation algorithms that prove what they return."""


@contextlib.contextmanager
def _guarded() -> Iterator[None]:
    """Turn library errors into clean messages and warnings into one line each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DerandWarning)
        try:
            yield
        except DerandError as exc:
            _flush_warnings(caught)
            _say("error:", "bold red", str(exc))
            raise typer.Exit(EXIT_ERROR) from None
        except KeyboardInterrupt:
            _flush_warnings(caught)
            _say("error:", "bold red", "interrupted; nothing was written")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        _flush_warnings(caught)


#: Ranks other than 0 of a distributed run say nothing (rank 0 speaks for the group).
_SILENT = False


def _say(label: str, style: str, message: str) -> None:
    """One message line on stderr; the message is never parsed as markup."""
    if _SILENT:
        return
    err.print(Text.assemble((label, style), " ", message), soft_wrap=True, highlight=False)


def _flush_warnings(caught: list) -> None:
    seen = set()
    for w in caught:
        if issubclass(w.category, DerandWarning):
            text = str(w.message)
            if text not in seen:
                seen.add(text)
                _say("warning:", "yellow", text)
    caught.clear()


def _check_writable(path: Optional[Path], option: str) -> None:
    """Fail before the computation, not after it, when an output cannot be written."""
    if path is None:
        return
    if path.is_dir():
        raise InputError(f"{option}: is a directory", path=path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{option}: the folder does not exist", path=path)


TIGHTEN_HELP = ("Tighten the upper bound with triangle, pentagonal and heptagonal inequalities for at most SECONDS "
                "(it stops once the cut is proved optimal); 'auto': 10 rounds within 10 s on graphs of at most 300 "
                "vertices; 'off'. Up to 3000 vertices. With --prove: the root's budget.")
PROVE_HELP = ("Prove the cut optimal by branch and bound on the tightened bound (or improve it), until proved or "
              "--time-limit; without one it runs to the end (Ctrl-C stops it with the best cut and the global bound).")


def _tighten_option(value: str) -> float | str:
    """--tighten's value: 'auto', 'off' or positive seconds."""
    if value in ("auto", "off"):
        return value
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise OptionError(f"--tighten: expected a positive number of seconds, 'auto' or 'off'; got {value!r}")
    return seconds


class _Bars:
    """Rich progress bars, one per phase, fed by the library's callback."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.progress = Progress(
            TextColumn("{task.description:<12}"), BarColumn(), TextColumn("{task.completed:>6.0f}/{task.total:<6.0f}"),
            TimeElapsedColumn(), console=err, transient=True, disable=not enabled,
        )
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> "_Bars":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, phase: str, done: float, total: float) -> None:
        if phase not in self.tasks:
            self.tasks[phase] = self.progress.add_task(phase, total=total)
        self.progress.update(self.tasks[phase], completed=done, total=total)


def _bound_rows(table: Table, cert: dict) -> None:
    """The upper-bound rows: which bound, how it was verified, and the proof's outcome."""
    b, tb, pr = cert["bound"], cert.get("tighten"), cert.get("proof")
    how = f"SDP dual, shift verified by {b['method']}"
    if pr is not None and pr.get("root_tighten"):
        tb = pr["root_tighten"]
    if tb is not None and cert["upper_bound"] < cert["basic_upper_bound"]:
        closed = "" if tb["gap_closed"] is None else f", {100 * tb['gap_closed']:.0f}% of the SDP gap closed"
        by = tb.get("active_by_size", {})
        kinds = ", ".join(f"{by[k]:,} {name}" for k, name in (("3", "triangle"), ("5", "pentagonal"),
                                                              ("7", "heptagonal")) if by.get(k))
        how = (f"SDP + {tb['active_cuts']:,} clique inequalities ({kinds or 'none active'}), verified by "
               f"Cholesky{closed} (SDP alone {_fmt(cert['basic_upper_bound'], 3)})")
    if pr is not None:
        nodes = f"{pr['nodes']:,} node" + ("s" if pr["nodes"] != 1 else "")
        how = f"branch and bound: {nodes}, {pr['open_nodes']:,} open; root " + how
    table.add_row("upper bound", _fmt(cert["upper_bound"], 3), how)
    if cert.get("proved_optimal"):
        table.add_row("optimal", "proved", pr["prune_rule"] if pr is not None else "floor(bound) <= cut")


def _check_claims(path: Path, problems: list[str], cert: dict) -> None:
    """Fail with every claim of the certificate at ``path`` that the recomputation does not confirm."""
    if problems:
        raise InputError("the certificate does not hold: " + "; ".join(problems), path=path)
    cert["checked"] = {"certificate": str(path), "claims_confirmed": True}


def _read_graph(path: Path, format: str):
    """The graph, once its parse is known to fit in memory."""
    from .maxcut.memory import check_read

    check_read(path)
    return read_graph(path, format=format)


def _fmt(x: Optional[float], digits: int = 2) -> str:
    if x is None:
        return "-"
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.{digits}f}"


def _maxcut_table(cert: dict) -> Table:
    table = Table(title=f"MAX-CUT  {cert['instance']}  (n={cert['n']:,}, m={cert['m']:,})", show_header=False,
                  title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column(style="dim")
    g = cert["guarantee"]
    table.add_row("cut", _fmt(cert["cut_value"]), "the answer, recomputed from the assignment")
    _bound_rows(table, cert)
    table.add_row("certified ratio", f"{cert['certified_ratio']:.5f}", "cut / upper bound: no cut is better by more")
    table.add_row("SDP value", _fmt(cert["sdp_value"], 3), f"primal, rank {cert['sdp']['rank']}")
    table.add_row("GW expectation", _fmt(cert["gw_expected"], 1), "random hyperplane on the same vectors")
    table.add_row("derandomized cut", _fmt(cert["derandomized_cut"]),
                  f">= guarantee {_fmt(g['lower_bound'], 1)}: {'yes' if g['met'] else 'NO'}")
    if cert["polished_cut"] is not None:
        table.add_row("polished cut", _fmt(cert["polished_cut"]), f"{cert['polish']['flips']} improving flips")
    if cert.get("improved_cut") is not None:
        imp = cert["improve"]
        chains = imp["params"].get("chains")
        by = f" (chain {imp['params']['winner']} of {len(chains)})" if chains else ""
        table.add_row("improved cut", _fmt(cert["improved_cut"]),
                      f"{imp['method']}{by}: {imp['rounds']} rounds, {imp['moves']:,} flips, best at "
                      f"{cert['best_found_seconds']:.2f}s, stopped: {imp['stop']}")
    s = cert["sosp"]
    table.add_row("SOSP", "yes" if s["reached"] else "no",
                  f"||V||_F {s['v_norm_start']:.3g} -> {s['v_norm_final']:.3g}, {s['iterations']} PGD steps")
    times = cert["seconds"]
    phases = "  ".join(f"{k} {v:.2f}s" for k, v in times.items() if k != "total")
    table.add_row("time", f"{times['total']:.2f} s", phases)
    if cert["status"] != "complete":
        table.add_row("status", cert["status"], "best answer found before stopping")
    return table


@app.command()
def maxcut(
    graph: Path = typer.Argument(..., help="Graph file: edge list, Gset/rudy or Matrix Market (.mtx).", show_default=False),
    format: GraphFormat = typer.Option(GraphFormat.auto, "--format", "-f", help="Input format; auto decides by extension and header."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the cut: 'label<TAB>side' lines, or a JSON object for .json."),
    certificate: Optional[Path] = typer.Option(None, "--certificate", "-c", help="Write the JSON certificate here."),
    json_out: bool = typer.Option(False, "--json", help="Print the certificate as JSON on stdout."),
    seed: int = typer.Option(0, "--seed", help="Random seed; a run is reproducible on one device with one --workers (its default follows the cores)."),
    device: DeviceChoice = typer.Option(DeviceChoice.auto, "--device", help="auto (CUDA if present), cpu or cuda."),
    dtype: DtypeChoice = typer.Option(DtypeChoice.float64, "--dtype", help="Working precision of the SDP and derandomization; certificates are float64."),
    rank: Optional[int] = typer.Option(None, "--rank", help="SDP factor rank (default: ceil(sqrt(2n))+1)."),
    sdp_tol: float = typer.Option(1e-4, "--sdp-tol", help="SDP stopping tolerance (relative gradient); looser is faster, the bound stays valid but gets looser."),
    reg: Optional[float] = typer.Option(None, "--reg", help="Derandomization regularization lam (default: 0.003 * sum|w| / n)."),
    no_polish: bool = typer.Option(False, "--no-polish", help="Skip the local search and the improvement; output the derandomized cut."),
    no_improve: bool = typer.Option(False, "--no-improve", help="Skip the improvement phase (annealing restarts + breakout local search) after the 1-flip polish."),
    improve_time: Optional[float] = typer.Option(None, "--improve-time", help="Seconds for the improvement phase (default: the time left before --time-limit, else 24 rounds or 12 without a better cut, capped at 1 s + 1 s per 1000 vertices)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Independent improvement searches run side by side, one CPU core each; the best cut wins (with the default round budget, never below the 1-worker cut). Searches 2..N start as soon as the graph is read, from random cuts, beside the SDP and the derandomization, which get the other cores. Default: the cores available.", show_default=False),
    max_iters: int = typer.Option(3000, "--max-iters", help="PGD iteration budget of the derandomization."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Seconds for the whole run; the improvement phase uses what is left; returns the best certified answer by then."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or summary (errors and warnings still go to stderr)."),
    distributed: Optional[bool] = typer.Option(None, "--distributed/--single-process", help="Shard the SDP, the bound and the derandomization over the torch.distributed group torchrun started (default: when torchrun runs more than one process)."),
    tighten: str = typer.Option("auto", "--tighten", metavar="SECONDS|auto|off", help=TIGHTEN_HELP),
    prove: bool = typer.Option(False, "--prove", help=PROVE_HELP),
) -> None:
    """Find a large cut, with a certified upper bound and the derandomization guarantee."""
    workers = _workers(workers)
    if distributed is None:
        from .core.machine import launched_by_torchrun
        distributed = launched_by_torchrun()
    if distributed:
        if prove or tighten not in ("auto", "off"):
            with _guarded():
                raise OptionError("--prove and --tighten run in one process (the bound works on dense n x n "
                                  "matrices); drop them or use --single-process")
        _maxcut_distributed(graph, format, output, certificate, json_out, quiet, device,
                            dict(rank=rank, reg=reg, polish=not no_polish, improve=not no_improve,
                                 improve_time=improve_time, sdp_tol=sdp_tol, max_iters=max_iters,
                                 time_limit=time_limit, seed=seed, dtype=dtype.value, workers=workers))
        return
    interrupted = False
    head = None
    with _guarded():
        _check_writable(output, "--output")
        _check_writable(certificate, "--certificate")
        t = time.monotonic()
        tighten_value = _tighten_option(tighten)
        g = _read_graph(graph, format.value)
        read_seconds = time.monotonic() - t
        try:
            head = _head_start(g, workers, seed, improve_time, time_limit, t, search=not (no_polish or no_improve))
            from .maxcut import solve_maxcut  # torch: imported while the head start's chains search

            with _Bars(enabled=not quiet and not json_out and sys.stderr.isatty()) as bars:
                result = solve_maxcut(g, rank=rank, reg=reg, polish=not no_polish, improve=not no_improve,
                                      improve_time=improve_time, sdp_tol=sdp_tol, max_iters=max_iters,
                                      time_limit=time_limit, seed=seed, device=device.value, dtype=dtype.value,
                                      progress=bars, workers=workers, tighten=tighten_value, prove=prove,
                                      head_start=head)
        finally:
            if head is not None:
                head.close()
        cert = result.certificate()
        _add_read_time(cert, read_seconds)
        _report_maxcut(cert, g.labels, result.sides, output, certificate, json_out, quiet)
        interrupted = result.status == "interrupted"
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)


def _workers(workers: Optional[int]) -> int:
    """--workers: the cores available when not given."""
    from .core.machine import available_cores

    return available_cores() if workers is None else workers


def _head_start(graph, workers: int, seed: int, improve_time: Optional[float], time_limit: Optional[float],
                start: float, search: bool):
    """The improvement's chains 2..N, searching from now on (before torch is imported), or None."""
    from .maxcut.improve import head_start_for

    if not search or workers < 2:  # a bad --workers is reported by the run's own option checks
        return None
    deadline = None if time_limit is None else start + time_limit
    return head_start_for(graph, workers=workers, seed=seed, improve_time=improve_time, time_limit=time_limit,
                          deadline=deadline)


def _add_read_time(cert: dict, read_seconds: float) -> None:
    """Put the reading's seconds first in the certificate's times, and into its total."""
    cert["seconds"] = {"read": read_seconds, **cert["seconds"]}
    cert["seconds"]["total"] += read_seconds


def _emit(record: dict, certificate: Optional[Path], json_out: bool, quiet: bool, table) -> None:
    """Write the certificate (atomically), then print it as JSON, or ``table()`` unless quiet."""
    if certificate is not None:
        write_json(certificate, record)
    if json_out:
        typer.echo(json.dumps(to_jsonable(record), indent=2))
    elif not quiet:
        out.print(table())


def _report_maxcut(cert: dict, labels, sides, output: Optional[Path], certificate: Optional[Path], json_out: bool,
                   quiet: bool) -> None:
    """Write the cut and the certificate (each atomically) and print the summary or the JSON."""
    if output is not None:
        t = time.monotonic()
        write_assignment(output, labels, sides)
        cert["seconds"]["write"] = time.monotonic() - t  # the cut file; the certificate comes after
        cert["seconds"]["total"] += cert["seconds"]["write"]
    _emit(cert, certificate, json_out, quiet, lambda: _maxcut_table(cert))


def _maxcut_distributed(graph: Path, format: GraphFormat, output: Optional[Path], certificate: Optional[Path],
                        json_out: bool, quiet: bool, device: DeviceChoice, options: dict) -> None:
    """``derand maxcut`` on every rank of a torchrun group; rank 0 reads, writes and reports."""
    global _SILENT
    from .distributed import init_process_group, shutdown, solve_maxcut_distributed

    def load():
        _check_writable(output, "--output")
        _check_writable(certificate, "--certificate")
        return _read_graph(graph, format.value)

    try:
        with _guarded():
            group = init_process_group(device.value)
            _SILENT = not group.is_root
            with _Bars(enabled=group.is_root and not quiet and not json_out and sys.stderr.isatty()) as bars:
                result = solve_maxcut_distributed(group, load, progress=bars, **options)
            if result is None:
                return
            _report_maxcut(result.certificate(), result.graph.labels, result.sides, output, certificate, json_out,
                           quiet)
    finally:
        shutdown()
        _SILENT = False


# --------------------------------------------------------- ising and qubo
class ModelFormat(str, enum.Enum):
    auto = "auto"
    bqp = "bqp"
    biqmac = "biqmac"
    mtx = "mtx"
    json = "json"


MODEL_FORMAT_HELP = ("auto (by extension, then content), bqp (OR-Library, several problems a file), biqmac (sparse "
                     "'n nnz' / 'i j q'), mtx (Matrix Market) or json; docs/ising.md has each convention.")
SENSE_HELP = "Minimize (the default, except for bqp files, which OR-Library states as maximizations) or maximize."


def _model_table(cert: dict) -> Table:
    minimize = cert["sense"] == "minimize"
    kind = "ISING" if cert["vartype"] == "SPIN" else "QUBO"
    table = Table(title=f"{kind}  {cert['instance']}  (n={cert['n']:,}, {cert['interactions']:,} couplings, "
                        f"{cert['fields']:,} fields, {cert['sense']})", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column(style="dim")
    table.add_row("energy", _fmt(cert["energy"], 4), "recomputed from the returned "
                  + ("spins" if cert["vartype"] == "SPIN" else "bits"))
    key = "energy_lower_bound" if minimize else "energy_upper_bound"
    mc = cert["maxcut"]
    how = "every assignment has this energy" if mc is None else (
        ("certified" if cert["bound_verified"] else "probabilistic (see maxcut.bound.statement)")
        + f": the MAX-CUT bound {_fmt(mc['upper_bound'], 3)} on {cert['reduction']['maxcut_vertices']:,} vertices")
    table.add_row("lower bound" if minimize else "upper bound", _fmt(cert[key], 4),
                  f"{how}; no assignment is {'lower' if minimize else 'higher'}")
    rel = cert["relative_gap"]
    table.add_row("gap", _fmt(cert["gap"], 4),
                  "proved optimal" if cert["proved_optimal"] else
                  (f"{100 * rel:.3f}% of |bound|" if rel is not None and math.isfinite(rel) else "-"))
    if mc is not None:
        g = cert["energy_guarantee"]["value"]
        table.add_row("derandomized", _fmt(cert["derandomized_energy"], 4),
                      f"the guarantee says {'<=' if minimize else '>='} {_fmt(g, 2)}: "
                      f"{'yes' if mc['guarantee']['met'] else 'NO'}")
        imp = mc.get("improve")
        if imp is not None:
            table.add_row("search", f"{imp['rounds']} rounds", f"{imp['method']}, {imp['moves']:,} flips, stopped: "
                          f"{imp['stop']}")
    times = cert["seconds"]
    table.add_row("time", f"{times['total']:.2f} s",
                  "  ".join(f"{k} {v:.2f}s" for k, v in times.items() if k != "total"))
    if cert["status"] != "complete":
        table.add_row("status", cert["status"], "best answer found before stopping")
    return table


def _solve_model_command(vartype: str, path: Path, format: ModelFormat, problem: int, maximize: Optional[bool],
                         output: Optional[Path], certificate: Optional[Path], json_out: bool, quiet: bool,
                         options: dict) -> None:
    from .io.quadratic import read_model
    from .ising import solve_model
    from .maxcut.memory import check_read

    interrupted = False
    with _guarded():
        _check_writable(output, "--output")
        _check_writable(certificate, "--certificate")
        options["tighten"] = _tighten_option(options["tighten"])
        t = time.monotonic()
        check_read(path)
        model, fmt, stated = read_model(path, vartype=vartype, format=format.value, problem=problem)
        read_seconds = time.monotonic() - t
        sense = ("maximize" if maximize else "minimize") if maximize is not None else stated or "minimize"
        with _Bars(enabled=not quiet and not json_out and sys.stderr.isatty()) as bars:
            result = solve_model(model, sense=sense, progress=bars, **options)
        cert = result.certificate()
        cert["format"] = fmt
        _add_read_time(cert, read_seconds)
        if output is not None:
            write_assignment(output, model.labels, result.values)
        _emit(cert, certificate, json_out, quiet, lambda: _model_table(to_jsonable(cert)))
        interrupted = result.status == "interrupted"
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)


def _model_command(vartype: str, noun: str):
    values = "spins (-1/+1)" if vartype == "SPIN" else "bits (0/1)"

    def command(
        path: Path = typer.Argument(..., metavar="FILE", help=f"The {noun}: bqp, BiqMac, Matrix Market or JSON.",
                                    show_default=False),
        format: ModelFormat = typer.Option(ModelFormat.auto, "--format", "-f", help=MODEL_FORMAT_HELP),
        problem: int = typer.Option(1, "--problem", help="Which problem of a bqp file (1-based)."),
        maximize: Optional[bool] = typer.Option(None, "--maximize/--minimize", help=SENSE_HELP, show_default=False),
        output: Optional[Path] = typer.Option(None, "--output", "-o", help=f"Write the {values}: 'label<TAB>value' "
                                              "lines, a JSON object for .json, an array for .npy."),
        certificate: Optional[Path] = typer.Option(None, "--certificate", "-c", help="Write the JSON certificate here."),
        json_out: bool = typer.Option(False, "--json", help="Print the certificate as JSON on stdout."),
        seed: int = typer.Option(0, "--seed", help="Random seed; a run is reproducible on one device."),
        device: DeviceChoice = typer.Option(DeviceChoice.auto, "--device", help="auto (CUDA if present), cpu or cuda."),
        time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Seconds for the whole run; returns the "
                                                   "best certified answer by then."),
        workers: Optional[int] = typer.Option(None, "--workers", help="Independent improvement searches side by "
                                              "side, one CPU core each (see derand maxcut --help). Default: the "
                                              "cores available.", show_default=False),
        tighten: str = typer.Option("auto", "--tighten", metavar="SECONDS|auto|off", help=TIGHTEN_HELP),
        prove: bool = typer.Option(False, "--prove", help=PROVE_HELP),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or summary (errors and warnings "
                                   "still go to stderr)."),
    ) -> None:
        _solve_model_command(vartype, path, format, problem, maximize, output, certificate, json_out, quiet,
                             dict(seed=seed, device=device.value, time_limit=time_limit, workers=_workers(workers),
                                  tighten=tighten, prove=prove))

    command.__doc__ = (f"Minimize {noun} energy over {values}: the assignment, its energy, and a certified bound "
                       "on the optimum (through MAX-CUT).")
    return command


app.command("ising")(_model_command("SPIN", "an Ising model's"))
app.command("qubo")(_model_command("BINARY", "a QUBO's"))


# ---------------------------------------------------------------- jl commands
jl_app = typer.Typer(help="Johnson-Lindenstrauss embeddings with exact distortion certificates.",
                     no_args_is_help=True)
app.add_typer(jl_app, name="jl")


def _jl_table(cert: dict, title: str) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column(style="dim")
    complete = cert.get("complete", True)
    table.add_row("distortion D", f"{cert['distortion']:.4f}",
                  "sqrt(r_max / r_min) over every pair: certified" if complete else
                  "over the pairs checked only: a lower bound, not a certificate (time limit)")
    table.add_row("eps (rescaled)", f"{cert['eps_opt']:.4f}", f"{'all pairs' if complete else 'the pairs checked'} "
                  f"within 1 +- eps after scaling by {cert['scale']:.4g}")
    table.add_row("r_min / r_max", f"{cert['r_min']:.4f} / {cert['r_max']:.4f}",
                  f"pairs {cert['extreme_pairs']['min']} / {cert['extreme_pairs']['max']}")
    n = cert["n"]
    table.add_row("pairs checked", f"{cert['pairs_checked']:,}",
                  f"{cert['duplicates']} duplicate point(s) left out" if complete else
                  f"of {n * (n - 1) // 2:,}: the time limit stopped the scan")
    if cert.get("jl_min_dim") and complete:
        table.add_row("JL bound", f"k >= {cert['jl_min_dim']:,}", "what Dasgupta-Gupta needs for this eps")
    if "derandomized" in cert:
        table.add_row("derandomized D", f"{cert['derandomized']['distortion']:.4f}", "before continuation and polish")
        g = cert["guarantee"]
        table.add_row("guarantee eps", f"{g['eps']:.4g}",
                      f"start bound {g['start_bound'] + g['reg_cost']:.3g} "
                      f"({'< 1: certified' if g['certified_at_start'] else '>= 1: no certificate at this k'})")
        s = cert["sosp"]
        table.add_row("SOSP", "yes" if s["reached"] else "no",
                      f"sigma {s['sigma_start']:.3g} -> {s['sigma_final']:.3g}, {s['iterations']} PGD steps")
    b = cert.get("baselines") or {}
    if b:
        table.add_row("Gaussian JL", f"{b['gaussian']['median_distortion']:.4f}",
                      f"median of {b['gaussian']['draws']} draws (best {b['gaussian']['best_distortion']:.4f})")
        table.add_row("PCA", f"{b['pca']['distortion']:.4f}", "top-k principal directions")
    times = cert["seconds"]
    table.add_row("time", f"{times['total']:.2f} s", "  ".join(f"{k} {v:.2f}s" for k, v in times.items() if k != "total"))
    if cert.get("status", "complete") != "complete":
        table.add_row("status", cert["status"], "best map found before stopping")
    return table


@jl_app.command("embed")
def jl_embed(
    points: Path = typer.Argument(..., help="Points: .npy, .npz, .csv or .txt (n rows, d columns).", show_default=False),
    dim: int = typer.Option(..., "--dim", "-k", help="Target dimension k.", show_default=False),
    key: Optional[str] = typer.Option(None, "--key", help="Array name inside an .npz (default: its only array)."),
    eps: Optional[float] = typer.Option(None, "--eps", help="Target eps of the derandomization; without it, the "
                                        "smallest eps its Gaussian start certifies, then continuation and polish."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the n x k embedding (.npy, or .csv/.txt)."),
    matrix: Optional[Path] = typer.Option(None, "--matrix", "-m", help="Write the k x d map, to embed new points."),
    certificate: Optional[Path] = typer.Option(None, "--certificate", "-c", help="Write the JSON certificate here."),
    json_out: bool = typer.Option(False, "--json", help="Print the certificate as JSON on stdout."),
    seed: int = typer.Option(0, "--seed", help="Random seed; a run is reproducible on one device."),
    device: DeviceChoice = typer.Option(DeviceChoice.auto, "--device", help="auto (CUDA if present), cpu or cuda."),
    max_iters: int = typer.Option(3000, "--max-iters", help="PGD iteration budget of the derandomization."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Seconds for the whole run; returns the best certified map by then."),
    no_polish: bool = typer.Option(False, "--no-polish", help="Skip the minimax polish; output the derandomized map."),
    baseline_draws: Optional[int] = typer.Option(None, "--baseline-draws", help="Gaussian maps drawn for the baseline "
                                                 "figures (default 100, fewer above 10,000 points; 0: none)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or summary (errors and warnings still go to stderr)."),
) -> None:
    """Embed points in k dimensions with a derandomized Gaussian map and an exact distortion certificate."""
    from .io.points import read_points, write_array
    from .jl import embed

    with _guarded():
        for path, option in ((output, "--output"), (matrix, "--matrix"), (certificate, "--certificate")):
            _check_writable(path, option)
        t = time.monotonic()
        X = read_points(points, key=key)
        read_seconds = time.monotonic() - t
        with _Bars(enabled=not quiet and not json_out and sys.stderr.isatty()) as bars:
            result = embed(X, dim, eps=eps, seed=seed, device=device.value, max_iters=max_iters,
                           time_limit=time_limit, polish=not no_polish, baseline_draws=baseline_draws, progress=bars)
        cert = result.to_dict()
        cert["input"] = str(points)
        _add_read_time(cert, read_seconds)
        if output is not None:
            write_array(output, result.embedding)
        if matrix is not None:
            write_array(matrix, result.M.astype(result.embedding.dtype))
        _emit(cert, certificate, json_out, quiet, lambda: _jl_table(
            cert, f"JL embedding  {points}  (n={cert['n']:,}, d={cert['d']:,} -> k={cert['k']})"))

# ----------------------------------------------------------- certify commands
certify_app = typer.Typer(help="Certify any answer from scratch: a cut against a graph, an embedding against its points.",
                          no_args_is_help=True)
app.add_typer(certify_app, name="certify")


def _certify_maxcut_table(cert: dict) -> Table:
    table = Table(title=f"MAX-CUT certificate  {cert['instance']}  (n={cert['n']:,}, m={cert['m']:,})",
                  show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column(style="dim")
    ratio = cert["certified_ratio"]
    table.add_row("cut", _fmt(cert["cut_value"]), f"recomputed from {Path(cert['assignment']).name}")
    _bound_rows(table, cert)
    if cert.get("proof") is not None and cert["proof"]["cut_value"] > cert["cut_value"]:
        table.add_row("better cut", _fmt(cert["proof"]["cut_value"]), "found by the proof: the given cut is not optimal")
    table.add_row("certified ratio", "-" if ratio is None else f"{ratio:.5f}",
                  "cut / upper bound: no cut is better by more")
    table.add_row("SDP value", _fmt(cert["sdp_value"], 3), f"primal, rank {cert['sdp']['rank']}")
    table.add_row("GW expectation", _fmt(cert["gw_expected"], 1), "random hyperplane on the SDP vectors")
    times = cert["seconds"]
    table.add_row("time", f"{times['total']:.2f} s",
                  "  ".join(f"{k} {v:.2f}s" for k, v in times.items() if k != "total"))
    if cert["status"] != "complete":
        table.add_row("status", cert["status"], "the SDP stopped early; the bound is valid, maybe looser")
    return table


@certify_app.command("maxcut")
def certify_maxcut_command(
    graph: Path = typer.Argument(..., help="Graph file: edge list, Gset/rudy or Matrix Market (.mtx).", show_default=False),
    cut: Path = typer.Argument(..., help="The cut: 'label side' lines, a JSON object {label: side}, or a .npy array "
                               "in vertex order; sides 0/1, -1/+1 or true/false.", show_default=False),
    format: GraphFormat = typer.Option(GraphFormat.auto, "--format", "-f", help="Graph format; auto decides by extension and header."),
    certificate: Optional[Path] = typer.Option(None, "--certificate", "-c", help="Write the JSON certificate here."),
    json_out: bool = typer.Option(False, "--json", help="Print the certificate as JSON on stdout."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the SDP; the same seed as 'derand maxcut' gives the same bound."),
    device: DeviceChoice = typer.Option(DeviceChoice.auto, "--device", help="auto (CUDA if present), cpu or cuda."),
    rank: Optional[int] = typer.Option(None, "--rank", help="SDP factor rank (default: ceil(sqrt(2n))+1)."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Seconds for the SDP; the bound from where it stopped is still valid."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or summary (errors and warnings still go to stderr)."),
    tighten: str = typer.Option("auto", "--tighten", metavar="SECONDS|auto|off", help=TIGHTEN_HELP),
    prove: bool = typer.Option(False, "--prove", help=PROVE_HELP),
    check: Optional[Path] = typer.Option(None, "--check", help="A certificate of this cut (from derand maxcut or "
                                         "anyone): fail unless every claim in it is confirmed."),
) -> None:
    """Certify a cut found by anything: recompute its value and bound the maximum cut by the SDP dual."""
    from .io import check_maxcut_claims, read_assignment, read_certificate
    from .maxcut.certify import certify_cut

    interrupted = False
    with _guarded():
        _check_writable(certificate, "--certificate")
        tighten_value = _tighten_option(tighten)
        claim = None if check is None else read_certificate(check, "maxcut")
        t = time.monotonic()
        g = _read_graph(graph, format.value)
        sides = read_assignment(cut, g)
        read_seconds = time.monotonic() - t
        with _Bars(enabled=not quiet and not json_out and sys.stderr.isatty()) as bars:
            result = certify_cut(g, sides, rank=rank, time_limit=time_limit, seed=seed, device=device.value,
                                 progress=bars, assignment=str(cut), tighten=tighten_value, prove=prove)
        cert = result.certificate()
        _add_read_time(cert, read_seconds)
        if claim is not None:
            _check_claims(check, check_maxcut_claims(claim, cert), cert)
        _emit(cert, certificate, json_out, quiet, lambda: _certify_maxcut_table(to_jsonable(cert)))
        interrupted = result.status == "interrupted"
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)

@certify_app.command("jl")
def certify_jl_command(
    points: Path = typer.Argument(..., help="The points: .npy, .npz, .csv or .txt.", show_default=False),
    embedding: Path = typer.Argument(..., help="Their embedding, one row per point, same formats.", show_default=False),
    key: Optional[str] = typer.Option(None, "--key", help="Array name inside the points' .npz."),
    embedding_key: Optional[str] = typer.Option(None, "--embedding-key", help="Array name inside the embedding's .npz."),
    certificate: Optional[Path] = typer.Option(None, "--certificate", "-c", help="Write the JSON certificate here."),
    json_out: bool = typer.Option(False, "--json", help="Print the certificate as JSON on stdout."),
    baseline_draws: Optional[int] = typer.Option(None, "--baseline-draws", help="Gaussian maps drawn for the baseline "
                                                 "figures (default 100, fewer above 10,000 points; 0: none)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the baseline draws."),
    device: DeviceChoice = typer.Option(DeviceChoice.auto, "--device", help="auto (CUDA if present), cpu or cuda."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Seconds for the check; a scan cut short "
                                               "reports the pairs it checked and says it is incomplete."),
    check: Optional[Path] = typer.Option(None, "--check", help="A certificate of this embedding (from derand jl "
                                         "embed or anyone): fail unless every claim in it is confirmed."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary (errors and warnings still go to stderr)."),
) -> None:
    """Exact worst-case distortion of any embedding of a point set, over all pairs."""
    from .io import check_jl_claims, read_certificate
    from .io.points import read_points
    from .jl import certify_jl

    with _guarded():
        _check_writable(certificate, "--certificate")
        claim = None if check is None else read_certificate(check, "jl")
        X = read_points(points, key=key)
        Y = read_points(embedding, key=embedding_key)
        if Y.shape[0] != X.shape[0]:
            raise InputError(f"has {Y.shape[0]} rows but {points} has {X.shape[0]} points", path=embedding)
        with _Bars(enabled=not quiet and not json_out and sys.stderr.isatty()) as bars:
            cert = certify_jl(X, Y, baseline_draws=baseline_draws, seed=seed, device=device.value, progress=bars,
                              time_limit=time_limit)
        cert["input"] = str(points)
        cert["embedding"] = str(embedding)
        if claim is not None:  # a float32 embedding agrees with its float64 map to ~1e-7
            _check_claims(check, check_jl_claims(claim, cert, rel_tol=1e-5 if Y.dtype.itemsize < 8 else 1e-9), cert)
        _emit(cert, certificate, json_out, quiet,
              lambda: _jl_table(cert, f"JL certificate  {embedding} as an embedding of {points}"))


# --------------------------------------------------------- structure command
class TeacherChoice(str, enum.Enum):
    tanh_sum = "tanh-sum"
    mlp = "mlp"


def _structure_table(rec: dict) -> Table:
    table = Table(title=f"structure  teacher {rec['teacher']} (d={rec['dim']}, r={rec['teacher_rank']}), student "
                        f"width {rec['width']}, depth {rec['depth']}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column(style="dim")
    r, sv, start, s = rec["teacher_rank"], rec["singular_values"], rec["start"], rec["sosp"]
    table.add_row("effective rank", f"{rec['effective_rank']} of {len(sv)}",
                  f"singular values of W_1 > 5% of the largest; {start['effective_rank']} at the start")
    table.add_row("alignment", f"{rec['alignment']:.5f}",
                  f"min cosine, top-{r} subspace of W_1 vs span(U); {start['alignment']:.3f} at the start")
    table.add_row("||W_perp||_F", f"{rec['orthogonal_norm']:.3g}",
                  f"{rec['orthogonal_norm_start']:.3g} at the start: {rec['orthogonal_shrink']:.3g}x smaller")
    table.add_row("||W_par||_F", f"{rec['parallel_norm']:.3g}", "the part inside span(U)")
    table.add_row("singular values", " ".join(f"{v:.3g}" for v in sv[:r]),
                  "then " + " ".join(f"{v:.2g}" for v in sv[r:r + 4]) + (" ..." if len(sv) > r + 4 else ""))
    table.add_row("test loss", f"{rec['test_loss']:.3g}", f"MSE on fresh data; Var(y) {rec['test_variance']:.3g}")
    table.add_row("SOSP", "yes" if s["reached"] else "no",
                  f"||grad|| {s['grad_norm']:.2g}, lambda_min(hess) {s['min_hessian_eigenvalue']:.2g}")
    data = f"{rec['samples']:,} fresh per step" if rec["online"] else f"{rec['samples']:,} samples"
    table.add_row("PGD steps", f"{rec['iterations']:,}",
                  f"reg {rec['reg']:g}; {data}; biases {'frozen' if rec['freeze_bias'] else 'trained'}")
    table.add_row("time", f"{rec['seconds']:.2f} s", f"seed {rec['seed']}, {rec['device']}")
    return table


@app.command()
def structure(
    dim: int = typer.Option(16, "--dim", help="Input dimension d."),
    teacher_rank: int = typer.Option(2, "--teacher-rank", help="r: the teacher y = h(U x) depends on r directions."),
    teacher: TeacherChoice = typer.Option(TeacherChoice.tanh_sum, "--teacher",
                                          help="h: tanh-sum = sum_i tanh(z_i), mlp = a fixed random tanh network."),
    width: int = typer.Option(32, "--width", help="Student hidden units per layer (>= the teacher's rank)."),
    depth: int = typer.Option(1, "--depth", help="Student hidden layers."),
    samples: int = typer.Option(2048, "--samples", help="Training sample size (the batch per step with --online)."),
    online: bool = typer.Option(False, "--online", help="A fresh Gaussian sample for every step instead of a fixed one."),
    steps: int = typer.Option(4000, "--steps", help="PGD iteration budget."),
    reg: float = typer.Option(1e-4, "--reg", help="Weight decay lam on every weight matrix (0: the no-structure control)."),
    freeze_bias: bool = typer.Option(False, "--freeze-bias", help="Fix every bias at 0 (the control where the lemma fails)."),
    seed: int = typer.Option(0, "--seed", help="Random seed; a run is reproducible on one device."),
    device: DeviceChoice = typer.Option(DeviceChoice.auto, "--device", help="auto (CUDA if present), cpu or cuda."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Seconds for the whole run; training "
                                               "stops in time for the second-order test."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Draw the spectrum and ||W_perp|| over training to this PNG."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary (errors and warnings still go to stderr)."),
) -> None:
    """Structure discovery: a student trained to an SOSP finds the teacher's subspace."""
    from .structure import check_plot_path, discover_structure, plot_structure

    interrupted = False
    with _guarded():
        if plot is not None:
            _check_writable(plot, "--plot")
            check_plot_path(plot)
        with _Bars(enabled=not quiet and not json_out and sys.stderr.isatty()) as bars:
            result = discover_structure(dim=dim, teacher_rank=teacher_rank, teacher=teacher.value, width=width,
                                        depth=depth, samples=samples, online=online, steps=steps, reg=reg,
                                        freeze_bias=freeze_bias, seed=seed, device=device.value, progress=bars,
                                        time_limit=time_limit)
        if plot is not None:
            plot_structure(result, plot)
        rec = result.to_dict()
        _emit(rec, None, json_out, quiet, lambda: _structure_table(rec))
        interrupted = result.status == "interrupted"
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)


# -------------------------------------------------------- benchmark commands
benchmark_app = typer.Typer(help="Compare derand with its baselines over many instances: results.csv, results.md "
                                 "and plots in one folder.", no_args_is_help=True)
app.add_typer(benchmark_app, name="benchmark")


class CvxpySolverChoice(str, enum.Enum):
    scs = "scs"
    clarabel = "clarabel"


def _names(values: Optional[list[str]]) -> Optional[list[str]]:
    """``--methods a,b --methods c`` -> [a, b, c]; None when not given."""
    if not values:
        return None
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _time_limits(values: Optional[list[str]]) -> dict:
    """``--time-limit 60`` (every method) and ``--time-limit gw-cvxpy=600`` (one method)."""
    from .errors import OptionError

    limits: dict = {}
    for value in values or []:
        method, _, seconds = value.rpartition("=")
        try:
            limits[method.strip() or None] = float(seconds)
        except ValueError:
            raise OptionError(f"The '--time-limit' parameter must be SECONDS or METHOD=SECONDS. Got {value!r} "
                              "instead.") from None
    return limits


def _dims(values: list[str]) -> list[int]:
    from .errors import OptionError

    dims = []
    for value in values:
        for v in value.split(","):
            try:
                dims.append(int(v))
            except ValueError:
                raise OptionError(f"The '--dim' parameter must be positive integers (comma-separated or "
                                  f"repeated). Got {v.strip()!r} instead.") from None
    return dims


def _invocation(ctx: typer.Context) -> str:
    """The command as the user could retype it: arguments, then every option not at its default."""
    import shlex

    words = ["derand"] + ctx.command_path.split()[1:]
    options = []
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if param.param_type_name == "argument":
            words += [str(v) for v in (value or [])] if isinstance(value, (list, tuple)) else [str(value)]
            continue
        if value is None or value == param.default or value == [] or value == ():
            continue
        flag = max(param.opts, key=len)
        if isinstance(value, bool):
            options.append(flag)
        else:
            for v in value if isinstance(value, (list, tuple)) else [value]:
                options += [flag, str(v.value if isinstance(v, enum.Enum) else v)]
    return shlex.join(words + options)


class _BenchBar:
    """One rich progress bar across (instance, method) steps, its label the current step."""

    def __init__(self, enabled: bool):
        self.progress = Progress(TextColumn("{task.description:<36}"), BarColumn(),
                                 TextColumn("{task.completed:>4.0f}/{task.total:<4.0f}"), TimeElapsedColumn(),
                                 console=err, transient=True, disable=not enabled)
        self.task = None

    def __enter__(self) -> "_BenchBar":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, label: str, done: float, total: float) -> None:
        label = label if len(label) <= 36 else label[:35] + "…"
        if self.task is None:
            self.task = self.progress.add_task(label, total=total)
        self.progress.update(self.task, description=label, completed=done, total=total)


def _benchmark_threads(threads: Optional[int]) -> None:
    if threads is not None:
        from .errors import check_option

        check_option(threads >= 1, "threads", "a positive integer", threads)
        import torch

        torch.set_num_threads(threads)


def _run_benchmark(ctx: typer.Context, threads: Optional[int], quiet: bool, folder: Path, run, table) -> None:
    """Set torch's threads, ``run(command, progress)`` under a progress bar, then report its summary ``table``."""
    with _guarded():
        _benchmark_threads(threads)
        command = _invocation(ctx)
        with _BenchBar(enabled=not quiet and err.is_terminal) as bar:
            report = run(command, bar)
        _benchmark_finish(report, folder, quiet, table(report))


def _benchmark_finish(report, folder: Path, quiet: bool, table: Table) -> None:
    for note in report.notes:
        _say("warning:", "yellow", note)
    if not quiet:
        out.print(table)
        out.print(f"wrote {', '.join(str(folder / f) for f in report.files)}", highlight=False, soft_wrap=True)
    if report.status == "interrupted":
        _say("error:", "bold red", f"interrupted; what finished is in {folder / 'results.csv'}")
        raise typer.Exit(EXIT_INTERRUPTED)


def _ratio_cell(x: Optional[float]) -> str:
    return "-" if x is None else f"{x:.4f}"


def _maxcut_benchmark_table(report) -> Table:
    s = report.summary
    table = Table(title=f"MAX-CUT benchmark: {len(s['instances'])} instance(s)", title_justify="left")
    table.add_column("method", no_wrap=True)
    for name in ("instances", "cut / best known", "cut / upper bound", "mean seconds", "derand >= it"):
        table.add_column(name, justify="right")
    for m, f in s["methods"].items():
        w = s["wins"].get(m)
        table.add_row(m, str(f["instances"]), _ratio_cell(f["mean_ratio_best_known"]),
                      _ratio_cell(f["mean_certified_ratio"]),
                      "-" if f["mean_seconds"] is None else f"{f['mean_seconds']:.3g}",
                      "" if w is None or not w["of"] else f"{w['ge']} of {w['of']}")
    return table


def _jl_benchmark_table(report) -> Table:
    s = report.summary
    table = Table(title=f"JL benchmark: {len(s['cases'])} (data set, k) case(s); derand best on "
                        f"{s['best']['wins']} of {s['best']['of']}", title_justify="left")
    table.add_column("method", no_wrap=True)
    for name in ("cases", "geo. mean D", "mean seconds"):
        table.add_column(name, justify="right")
    for m, f in s["methods"].items():
        table.add_row(m, str(f["cases"]), "-" if f["geomean_distortion"] is None else f"{f['geomean_distortion']:.4g}",
                      "-" if f["mean_seconds"] is None else f"{f['mean_seconds']:.3g}")
    return table


@benchmark_app.command("maxcut")
def benchmark_maxcut_command(
    ctx: typer.Context,
    graphs: list[str] = typer.Argument(..., help="Graph files, Gset names (G1 = <gset>/G1.txt) or generated graphs: "
                                       "regular:D:N[:SEED], gnp:N:P[:SEED], pm1:N:P[:SEED] (+-1 weights), torus:R:C, "
                                       "torus-pm1:R:C[:SEED].", show_default=False),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Output folder (created): results.csv, results.md, *.png.",
                                 show_default=False),
    methods: Optional[list[str]] = typer.Option(None, "--methods", "-m", help="Comma-separated or repeated: derand, "
                                                "gw-bm, gw-cvxpy, one-exchange, random (default: all installed)."),
    trials: int = typer.Option(1000, "--trials", help="N for GW's best of N hyperplanes and the best of N random "
                               "cuts."),
    time_limit: Optional[list[str]] = typer.Option(None, "--time-limit", help="SECONDS for every method, or "
                                                   "METHOD=SECONDS; repeatable (gw-cvxpy defaults to 600)."),
    gset: Optional[Path] = typer.Option(None, "--gset", help="Folder of the Gset files (default $DERAND_GSET or "
                                        "../shared/data/gset)."),
    best_known: Optional[list[Path]] = typer.Option(None, "--best-known", help="CSV with instance,best_known columns "
                                                    "(default: <gset>/best_known.csv if present)."),
    cvxpy_max_n: int = typer.Option(1000, "--cvxpy-max-n", help="gw-cvxpy is skipped (with a note) above this many "
                                    "vertices."),
    cvxpy_solver: CvxpySolverChoice = typer.Option(CvxpySolverChoice.scs, "--cvxpy-solver", help="Conic solver of "
                                                   "gw-cvxpy."),
    seed: int = typer.Option(0, "--seed", help="Random seed of every method."),
    device: DeviceChoice = typer.Option(DeviceChoice.auto, "--device", help="auto (CUDA if present), cpu or cuda."),
    threads: Optional[int] = typer.Option(None, "--threads", help="torch CPU threads (default: torch's)."),
    workers: int = typer.Option(1, "--workers", help="derand's improvement searches run side by side, one CPU core "
                                "each (derand maxcut --workers)."),
    resume: bool = typer.Option(False, "--resume", help="Keep DIR/results.csv and run only the (instance, method) "
                                "pairs missing or failed there."),
    match_time: Optional[str] = typer.Option(None, "--match-time", help="METHOD: an equal-time comparison; it runs "
                                             "first on each instance and every other method gets 0.97 x its wall "
                                             "time there as a time limit."),
    no_bound: bool = typer.Option(False, "--no-bound", help="Leave upper_bound empty where no method computed the "
                                  "SDP."),
    no_plots: bool = typer.Option(False, "--no-plots", help="Skip the PNG plots."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Benchmark MAX-CUT: derand against GW (same SDP vectors, and cvxpy), one-exchange and random cuts."""
    from .benchmark import benchmark_maxcut
    from .maxcut.solve import check_run_options

    def run(command, bar):
        check_run_options(0, None, workers=workers)
        options = {"cvxpy_max_n": cvxpy_max_n, "cvxpy_solver": cvxpy_solver.value.upper()}
        if workers != 1:
            options["solve_options"] = {"workers": workers}
        return benchmark_maxcut(graphs, out_dir, methods=_names(methods), trials=trials,
                                time_limits=_time_limits(time_limit), gset_dir=gset, best_known_files=best_known or (),
                                seed=seed, device=device.value, options=options, upper_bound=not no_bound,
                                resume=resume, plots=not no_plots, command=command, progress=bar,
                                match_time=match_time)

    _run_benchmark(ctx, threads, quiet, out_dir, run, _maxcut_benchmark_table)


@benchmark_app.command("jl")
def benchmark_jl_command(
    ctx: typer.Context,
    points: list[str] = typer.Argument(..., help="Point files (.npy, .npz, .csv, .txt) or built-in sets: isotropic, "
                                       "anisotropic, clustered, pca-trap, digits.", show_default=False),
    dim: list[str] = typer.Option(..., "--dim", "-k", help="Target dimensions k, comma-separated or repeated.",
                                  show_default=False),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Output folder (created): results.csv, results.md, "
                                 "distortion.png.", show_default=False),
    methods: Optional[list[str]] = typer.Option(None, "--methods", "-m", help="Comma-separated or repeated: derand, "
                                                "gaussian, sparse, pca, minimax (default: all)."),
    draws: int = typer.Option(100, "--draws", help="N for the random maps (median and best of N)."),
    n: int = typer.Option(500, "--n", help="Points of a built-in set."),
    d: int = typer.Option(100, "--d", help="Dimension of a built-in set."),
    time_limit: Optional[list[str]] = typer.Option(None, "--time-limit", help="SECONDS for every method, or "
                                                   "METHOD=SECONDS; repeatable."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the sets and of every method."),
    device: DeviceChoice = typer.Option(DeviceChoice.auto, "--device", help="auto (CUDA if present), cpu or cuda."),
    threads: Optional[int] = typer.Option(None, "--threads", help="torch CPU threads (default: torch's)."),
    resume: bool = typer.Option(False, "--resume", help="Keep DIR/results.csv and run only the cases missing or "
                                "failed there."),
    no_plots: bool = typer.Option(False, "--no-plots", help="Skip the PNG plot."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Benchmark JL embeddings: derand against Gaussian and sparse projections, PCA and the direct minimax."""
    from .benchmark import benchmark_jl

    def run(command, bar):
        return benchmark_jl(points, _dims(dim), out_dir, methods=_names(methods), draws=draws, n=n, d=d,
                            time_limits=_time_limits(time_limit), seed=seed, device=device.value, resume=resume,
                            plots=not no_plots, command=command, progress=bar)

    _run_benchmark(ctx, threads, quiet, out_dir, run, _jl_benchmark_table)


def _ising_benchmark_table(report) -> Table:
    s = report.summary
    table = Table(title=f"Ising/QUBO benchmark: {sum(f['cases'] for f in s.values())} case(s)", title_justify="left")
    for name in ("family", "cases", "derand <= every peer", "proved optimal", "mean certified gap"):
        table.add_column(name, justify="left" if name == "family" else "right")
    for family, f in s.items():
        gap = f["mean_relative_gap"]
        table.add_row(family, str(f["cases"]), f"{f['derand_best']} of {f['compared']}",
                      f"{f['proved_optimal']} of {f['cases']}", "-" if gap is None else f"{100 * gap:.2f}%")
    return table


@benchmark_app.command("ising")
def benchmark_ising_command(
    ctx: typer.Context,
    instances: list[str] = typer.Argument(..., help="Generated models: bqp:N:SEED (Beasley), be:N:DENSITY:SEED "
                                          "(Billionnet-Elloumi), pm2d:L:SEED and pm3d:L:SEED (+-J spin glasses on "
                                          "periodic lattices), sk:N:SEED (Sherrington-Kirkpatrick).",
                                          show_default=False),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Output folder (created): results.csv, results.md.",
                                 show_default=False),
    methods: Optional[list[str]] = typer.Option(None, "--methods", "-m", help="Comma-separated or repeated: derand, "
                                                "neal, tabu, sb (default: all)."),
    time_limit: float = typer.Option(5.0, "--time-limit", help="Seconds each method gets on each instance."),
    match_time: Optional[str] = typer.Option(None, "--match-time", help="'derand': derand runs first with "
                                             "--time-limit, then every peer gets the wall time it took."),
    seeds: Optional[list[int]] = typer.Option(None, "--seed", help="Seeds of the methods, repeatable (default 0)."),
    threads: Optional[int] = typer.Option(None, "--threads", help="torch CPU threads (default: torch's)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Benchmark Ising and QUBO models: derand against neal, tabu and simulated bifurcation at equal time."""
    from .benchmark.ising import benchmark_ising

    def run(command, bar):
        return benchmark_ising(instances, out_dir, methods=_names(methods), time_limit=time_limit, match=match_time,
                               seeds=seeds or [0], command=command, progress=bar)

    _run_benchmark(ctx, threads, quiet, out_dir, run, _ising_benchmark_table)


def main() -> None:
    """Entry point of the ``derand`` console script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
