"""The ``derand`` command line: parse, call one library function, render.

No mathematics here. Library errors become ``error: <message>`` on stderr and
a non-zero exit, never a traceback; library warnings become ``warning: ...``.
"""

from __future__ import annotations

import contextlib
import enum
import json
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
from .errors import DerandError, DerandWarning, InputError
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


def _say(label: str, style: str, message: str) -> None:
    """One message line on stderr; the message is never parsed as markup."""
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
    table.add_row("upper bound", _fmt(cert["upper_bound"], 3), f"SDP dual, shift verified by {cert['bound']['method']}")
    table.add_row("certified ratio", f"{cert['certified_ratio']:.5f}", "cut / upper bound: no cut is better by more")
    table.add_row("SDP value", _fmt(cert["sdp_value"], 3), f"primal, rank {cert['sdp']['rank']}")
    table.add_row("GW expectation", _fmt(cert["gw_expected"], 1), "random hyperplane on the same vectors")
    table.add_row("derandomized cut", _fmt(cert["derandomized_cut"]),
                  f">= guarantee {_fmt(g['lower_bound'], 1)}: {'yes' if g['met'] else 'NO'}")
    if cert["polished_cut"] is not None:
        table.add_row("polished cut", _fmt(cert["polished_cut"]), f"{cert['polish']['flips']} improving flips")
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
    seed: int = typer.Option(0, "--seed", help="Random seed; a run is reproducible on one device."),
    device: DeviceChoice = typer.Option(DeviceChoice.auto, "--device", help="auto (CUDA if present), cpu or cuda."),
    dtype: DtypeChoice = typer.Option(DtypeChoice.float64, "--dtype", help="Working precision of the SDP and derandomization; certificates are float64."),
    rank: Optional[int] = typer.Option(None, "--rank", help="SDP factor rank (default: ceil(sqrt(2n))+1)."),
    reg: Optional[float] = typer.Option(None, "--reg", help="Derandomization regularization lam (default: 0.003 * sum|w| / n)."),
    no_polish: bool = typer.Option(False, "--no-polish", help="Skip the local search; output the derandomized cut."),
    max_iters: int = typer.Option(3000, "--max-iters", help="PGD iteration budget of the derandomization."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Seconds for the whole run; returns the best certified answer by then."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or summary (errors and warnings still go to stderr)."),
) -> None:
    """Find a large cut, with a certified upper bound and the derandomization guarantee."""
    from .maxcut import solve_maxcut

    interrupted = False
    with _guarded():
        _check_writable(output, "--output")
        _check_writable(certificate, "--certificate")
        t = time.monotonic()
        g = read_graph(graph, format=format.value)
        read_seconds = time.monotonic() - t
        with _Bars(enabled=not quiet and not json_out and sys.stderr.isatty()) as bars:
            result = solve_maxcut(g, rank=rank, reg=reg, polish=not no_polish, max_iters=max_iters,
                                  time_limit=time_limit, seed=seed, device=device.value, dtype=dtype.value,
                                  progress=bars)
        cert = result.certificate()
        cert["seconds"] = {"read": read_seconds, **cert["seconds"]}
        cert["seconds"]["total"] += read_seconds
        if output is not None:
            write_assignment(output, g.labels, result.sides)
        if certificate is not None:
            write_json(certificate, cert)
        if json_out:
            typer.echo(json.dumps(to_jsonable(cert), indent=2))
        elif not quiet:
            out.print(_maxcut_table(cert))
        interrupted = result.status == "interrupted"
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)


def main() -> None:
    """Entry point of the ``derand`` console script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
