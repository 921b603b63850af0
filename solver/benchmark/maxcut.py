"""MAX-CUT benchmark: derand against Goemans-Williamson and the usual peers, instance by instance.

Methods live in a registry (:data:`MAXCUT_METHODS`); adding one is one call::

    register_maxcut_method("tabu", run_tabu, description="tabu search")

where ``run_tabu(ctx: MethodContext) -> MethodRun``. Every method of one
instance shares the instance's Burer-Monteiro SDP and its certified upper
bound (computed once, by whichever method needs it first), so every row
carries the same ``upper_bound`` and ``cut <= upper_bound`` always holds.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator, Sequence

from ..baselines import cvxpy_available, cvxpy_sdp, gw_expected_value, hyperplane_rounding, one_exchange, random_cuts
from ..core.device import resolve_device
from ..errors import DerandError, InputError, OptionError, check_integer, check_option, check_seconds
from ..graph import Graph
from ..io import atomic_write
from .instances import GraphSpec, default_gset_dir, load_best_known, load_graph, resolve_graph_spec
from .report import (FINISHED_STATUSES, machine_description, matplotlib_available, maxcut_markdown, maxcut_plots,
                     maxcut_summary, read_rows, write_rows)

__all__ = ["MATCH_FRACTION", "MAXCUT_COLUMNS", "MAXCUT_METHODS", "BenchmarkReport", "MaxCutMethod", "MethodContext",
           "MethodRun", "available_maxcut_methods", "benchmark_maxcut", "register_maxcut_method",
           "run_maxcut_benchmark"]

#: Columns of ``results.csv``, in order.
MAXCUT_COLUMNS = (
    "instance", "n", "m", "method", "cut", "upper_bound", "best_known", "seconds",
    "ratio_best_known", "certified_ratio", "expected_cut", "mean_cut", "derandomized_cut", "polished_cut", "guarantee",
    "sdp_value", "trials", "status", "note",
)

#: Row statuses. ``ok`` and ``time_limit`` rows have a cut; the others do not.
STATUSES = FINISHED_STATUSES + ("skipped", "error", "interrupted")


@dataclass(frozen=True)
class MethodRun:
    """What one method reports on one instance.

    ``seconds`` is filled by the runner (wall time of the call) unless the
    method sets it itself (e.g. GW on shared SDP vectors: SDP time + rounding
    time). ``status`` is one of :data:`STATUSES`.
    """

    cut: float | None
    status: str = "ok"
    note: str = ""
    seconds: float | None = None
    expected_cut: float | None = None
    mean_cut: float | None = None
    derandomized_cut: float | None = None
    polished_cut: float | None = None
    guarantee: float | None = None
    sdp_value: float | None = None
    trials: int | None = None


@dataclass
class _Shared:
    """Per-instance work shared by the methods: the BM relaxation and its bound."""

    relaxation: object | None = None  # solver.maxcut.solve.Relaxation


@dataclass(frozen=True)
class MethodContext:
    """Everything a method needs: the graph and the run's conventions.

    Attributes
    ----------
    graph : Graph
    seed : int
    trials : int
        N for the best-of-N methods.
    time_limit : float or None
        This method's seconds on this instance.
    device : str
    options : dict
        Method-specific settings (``cvxpy_max_n``, ``cvxpy_solver``, ...).
    started : float
        :func:`time.monotonic` when the method was called.
    """

    graph: Graph
    seed: int = 0
    trials: int = 1000
    time_limit: float | None = None
    device: str = "auto"
    options: dict = field(default_factory=dict)
    started: float = 0.0
    shared: _Shared = field(default_factory=_Shared, repr=False)

    @property
    def deadline(self) -> float | None:
        return None if self.time_limit is None else self.started + self.time_limit

    def relaxation(self):
        """The instance's Burer-Monteiro SDP and verified bound (:class:`~solver.maxcut.solve.Relaxation`).

        Computed on first use (same seed and device as ``derand``'s, so the
        same vectors) and cached for the other methods.
        """
        if self.shared.relaxation is None:
            from ..maxcut.solve import relax_and_bound

            self.shared.relaxation = relax_and_bound(self.graph, seed=self.seed, device=resolve_device(self.device),
                                                     deadline=self.deadline)
        return self.shared.relaxation


@dataclass(frozen=True)
class MaxCutMethod:
    """A registered method: its runner, a one-line description, and whether it can run here."""

    name: str
    run: Callable[[MethodContext], MethodRun]
    description: str
    available: Callable[[], bool] = lambda: True
    requires: str = ""
    default_time_limit: float | None = None


#: The registry, in report order.
MAXCUT_METHODS: dict[str, MaxCutMethod] = {}

#: In an equal-time run (``match_time``), the share of the reference method's
#: wall time the other methods get: their deadline is checked every ~20 ms
#: (derand's improvement phase), and the result is assembled after it.
MATCH_FRACTION = 0.97


def register_maxcut_method(name: str, run: Callable[[MethodContext], MethodRun], *, description: str,
                           available: Callable[[], bool] | None = None, requires: str = "",
                           default_time_limit: float | None = None) -> None:
    """Add (or replace) a benchmark method.

    Parameters
    ----------
    name : str
        What ``--methods`` calls it.
    run : callable
        ``run(ctx: MethodContext) -> MethodRun``. Raise
        :class:`~solver.errors.DerandError` (or anything) to fail: the runner
        records the error in the row and goes on.
    description : str
    available : callable, optional
        ``available() -> bool``: False leaves the method out of the default
        set; asked for by name, it gives ``skipped`` rows with ``requires``
        as the note.
    requires : str
        How to make it available (e.g. ``pip install 'derand[gw]'``).
    default_time_limit : float, optional
        Seconds per instance unless ``--time-limit`` says otherwise.
    """
    MAXCUT_METHODS[name] = MaxCutMethod(name, run, description, available or (lambda: True), requires,
                                        default_time_limit)


def available_maxcut_methods() -> list[str]:
    """Registered methods that can run here, in registry order (the default ``--methods``)."""
    return [name for name, m in MAXCUT_METHODS.items() if m.available()]


# ------------------------------------------------------------------ methods
def _solve_accepts(option: str) -> bool:
    import inspect

    from ..maxcut import solve_maxcut

    return option in inspect.signature(solve_maxcut).parameters


def _run_derand(ctx: MethodContext, **solve_options) -> MethodRun:
    from ..maxcut import solve_maxcut

    solve_options = {**ctx.options.get("solve_options", {}), **solve_options}
    res = solve_maxcut(ctx.graph, time_limit=ctx.time_limit, seed=ctx.seed, device=ctx.device, **solve_options)
    from ..maxcut.solve import Relaxation, run_status

    if ctx.shared.relaxation is None and res.status != "interrupted":
        ctx.shared.relaxation = Relaxation(res.sdp, res.bound, {"sdp": res.seconds["sdp"],
                                                                "bound": res.seconds["bound"]},
                                           run_status(res.sdp.status))
    d = res.derandomization
    notes = list(res.notes)
    if d.sosp is not None and not d.sosp.is_sosp:
        notes.append("SOSP test not passed")
    if not d.guarantee_met:
        notes.append("guarantee not met")
    status = {"complete": "ok"}.get(res.status, res.status)
    return MethodRun(res.cut_value, status, "; ".join(notes), seconds=res.seconds["total"],
                     derandomized_cut=d.cut, polished_cut=None if res.polish is None else res.polish.cut,
                     guarantee=d.guarantee, expected_cut=d.gw_expected,
                     sdp_value=res.sdp.value)


def _run_gw_bm(ctx: MethodContext) -> MethodRun:
    relax = ctx.relaxation()
    if relax.status == "interrupted":
        return MethodRun(None, "interrupted", "Ctrl-C during the SDP")
    t = time.monotonic()
    hp = hyperplane_rounding(ctx.graph, relax.sdp.V, trials=ctx.trials, seed=ctx.seed + 1, deadline=ctx.deadline)
    expected = gw_expected_value(ctx.graph, relax.sdp.V)
    seconds = relax.seconds["sdp"] + time.monotonic() - t
    limited = relax.status == "time_limit" or hp.trials < ctx.trials
    note = f"{hp.trials} of {ctx.trials} hyperplanes before the time limit" if hp.trials < ctx.trials else ""
    return MethodRun(hp.best_cut, "time_limit" if limited else "ok", note, seconds=seconds, expected_cut=expected,
                     mean_cut=hp.mean_cut, sdp_value=relax.sdp.value, trials=hp.trials)


def _run_gw_cvxpy(ctx: MethodContext) -> MethodRun:
    max_n = ctx.options.get("cvxpy_max_n", CVXPY_MAX_N)
    if ctx.graph.n > max_n:
        return MethodRun(None, "skipped", f"n = {ctx.graph.n} > cvxpy_max_n = {max_n}: a dense n x n SDP "
                                          "(O(n^2) memory, O(n^3) per solver step)")
    solver = ctx.options.get("cvxpy_solver", "SCS")
    sdp = cvxpy_sdp(ctx.graph, solver=solver, time_limit=ctx.time_limit)
    hp = hyperplane_rounding(ctx.graph, sdp.V, trials=ctx.trials, seed=ctx.seed + 1, deadline=ctx.deadline)
    limited = sdp.status != "optimal" or hp.trials < ctx.trials
    note = f"{sdp.solver} status {sdp.status}" if sdp.status != "optimal" else ""
    return MethodRun(hp.best_cut, "time_limit" if limited else "ok", note,
                     expected_cut=gw_expected_value(ctx.graph, sdp.V),
                     mean_cut=hp.mean_cut, sdp_value=sdp.value, trials=hp.trials)


def _run_one_exchange(ctx: MethodContext) -> MethodRun:
    res = one_exchange(ctx.graph, seed=ctx.seed, deadline=ctx.deadline)
    return MethodRun(res.cut, "ok" if res.status == "local_optimum" else "time_limit",
                     "" if res.status == "local_optimum" else f"stopped after {res.flips} flips")


def _run_random(ctx: MethodContext) -> MethodRun:
    res = random_cuts(ctx.graph, trials=ctx.trials, seed=ctx.seed + 2, deadline=ctx.deadline)
    return MethodRun(res.best_cut, "ok" if res.trials == ctx.trials else "time_limit", "",
                     expected_cut=ctx.graph.total_weight / 2, mean_cut=res.mean_cut, trials=res.trials)


#: gw-cvxpy is skipped above this many vertices unless told otherwise.
CVXPY_MAX_N = 1000

register_maxcut_method("derand", _run_derand, description="the `derand maxcut` pipeline with its defaults "
                       "(solve_maxcut): SDP, bound, derandomized GW by PGD to an SOSP, one-flip polish and any later "
                       "improvement phase; derandomized_cut is the cut before any local search")
if _solve_accepts("improve"):
    register_maxcut_method("derand-polish", lambda ctx: _run_derand(ctx, improve=False),
                           description="the paper's pipeline alone: derandomized GW, then the one-flip polish "
                           "(solve_maxcut with improve=False)")
register_maxcut_method("gw-bm", _run_gw_bm, description="GW random hyperplanes on the same Burer-Monteiro vectors: "
                       "best of N, closed-form expectation")
register_maxcut_method("gw-cvxpy", _run_gw_cvxpy, description="textbook GW: dense SDP by cvxpy (SCS), then best of N "
                       "hyperplanes", available=cvxpy_available, requires="cvxpy is not installed: "
                       "pip install 'derand[gw]'", default_time_limit=600.0)
register_maxcut_method("one-exchange", _run_one_exchange, description="networkx's one_exchange local search "
                       "(steepest single flips from the empty cut), with maintained gains")
register_maxcut_method("random", _run_random, description="best of N uniformly random cuts")


def _neal_available() -> bool:
    try:
        import neal  # noqa: F401
    except ImportError:
        return False
    return True


def _run_neal(ctx: MethodContext) -> MethodRun:
    from ..baselines.anneal import anneal_cut

    reads, sweeps = ctx.options.get("neal_reads", 10), ctx.options.get("neal_sweeps", 10_000)
    res = anneal_cut(ctx.graph, reads=reads, sweeps=sweeps, seed=ctx.seed)
    return MethodRun(res.cut, "ok", f"{reads} reads x {sweeps} sweeps", seconds=res.seconds, mean_cut=res.mean_cut)


register_maxcut_method("neal", _run_neal, description="dwave-neal simulated annealing, 10 reads x 10^4 sweeps "
                       "(the annealer a user would pick instead)", available=_neal_available,
                       requires="dwave-neal is not installed: pip install 'derand[anneal]'")


# ------------------------------------------------------------------- runner
def check_method_names(methods: Sequence[str] | None, registry: dict, default: Sequence[str]) -> list[str]:
    """``methods`` without repeats, each a name in ``registry``; ``default`` when ``methods`` is None."""
    if methods is None:
        return list(default)
    methods = list(dict.fromkeys(methods))
    unknown = [m for m in methods if m not in registry]
    if unknown or not methods:
        raise OptionError(f"The 'methods' parameter must be names from {', '.join(registry)}. "
                          f"Got {', '.join(map(repr, unknown)) or 'none'} instead.")
    return methods


def check_time_limits(time_limits: dict[str | None, float] | None, known: Sequence[str]) -> dict[str | None, float]:
    """Validate ``{method or None (every method): seconds}``."""
    time_limits = dict(time_limits or {})
    for key, value in time_limits.items():
        if key is not None and key not in known:
            raise OptionError(f"The 'time_limit' parameter names an unknown method {key!r}; "
                              f"choose from {', '.join(known)}.")
        check_option(value is not None, "time_limit", "a positive number of seconds", value)
        check_seconds("time_limit", value)
    return time_limits


def _limit_for(name: str, time_limits: dict, registry: dict) -> float | None:
    if name in time_limits:
        return float(time_limits[name])
    if None in time_limits:
        return float(time_limits[None])
    method = registry.get(name)
    return None if method is None else method.default_time_limit


def error_note(exc: BaseException) -> str:
    """A row's note for a failure: the library's own message, else the exception's type and first line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if isinstance(exc, DerandError) else f"{type(exc).__name__}: {text}"


def _ratio(a, b) -> float | None:
    if a is None or b is None or not math.isfinite(b) or b <= 0:
        return None
    return a / b


def run_maxcut_benchmark(
    graphs: Sequence[str | GraphSpec],
    *,
    methods: Sequence[str] | None = None,
    trials: int = 1000,
    time_limits: dict[str | None, float] | None = None,
    seed: int = 0,
    device: str = "auto",
    best_known: dict[str, float] | None = None,
    gset_dir=None,
    options: dict | None = None,
    upper_bound: bool = True,
    skip: Callable[[str, str], bool] | None = None,
    on_instance: Callable[[list[dict]], None] | None = None,
    progress: Callable[[str, float, float], None] | None = None,
    match_time: str | None = None,
    reference_seconds: Callable[[str], float | None] | None = None,
) -> tuple[list[dict], str]:
    """Run ``methods`` on every graph; return one row per (instance, method) and the run's status.

    Each instance is read (or generated) when its turn comes; a graph that
    cannot be read gives ``error`` rows for it and the run goes on, and so
    does a method that fails. After every instance the rows so far are
    handed to ``on_instance`` (the caller writes them out), so an
    interrupted run keeps its finished instances.

    Parameters
    ----------
    graphs : sequence of str or GraphSpec
        Files, Gset names (``G1``: ``<gset_dir>/G1.txt``) or generator specs
        (:data:`~solver.benchmark.instances.GENERATED_FAMILIES`).
    methods : sequence of str, optional
        Names from :data:`MAXCUT_METHODS` (default: every available one).
    trials : int
        N of the best-of-N methods (GW hyperplanes, random cuts).
    time_limits : dict, optional
        ``{method: seconds}``; the key ``None`` applies to every method
        without its own entry. A method stopped there reports ``time_limit``.
    seed : int
    device : {"auto", "cpu", "cuda"}
    best_known : dict, optional
        Best-known cut by instance name (see :func:`~solver.benchmark.instances.load_best_known`).
    gset_dir : path, optional
        Where Gset names are looked up.
    options : dict, optional
        Method settings: ``cvxpy_max_n`` (default 1000), ``cvxpy_solver``
        (``SCS`` or ``CLARABEL``), ``solve_options`` (keyword arguments for
        derand's :func:`~solver.maxcut.solve_maxcut`, e.g. ``{"reg": 0.01}``).
    skip : callable, optional
        ``skip(instance, method) -> bool``: pairs already done (resume).
    on_instance : callable, optional
        ``on_instance(rows_so_far)`` after every instance.
    progress : callable, optional
        ``progress(label, done, total)`` per (instance, method) step.
    match_time : str, optional
        An equal-time comparison: this method runs first on each instance,
        and every other method gets :data:`MATCH_FRACTION` of the wall time
        it took there as its time limit (or its own limit, if smaller).
    reference_seconds : callable, optional
        ``reference_seconds(instance)``: the ``match_time`` method's seconds
        from an earlier run, where ``skip`` leaves it out (resume).

    Returns
    -------
    rows : list of dict
        Keys :data:`MAXCUT_COLUMNS`.
    status : str
        ``complete`` or ``interrupted`` (Ctrl-C: the rows so far are returned).
    """
    method_names = check_method_names(methods, MAXCUT_METHODS, available_maxcut_methods())
    check_integer("trials", trials, minimum=1)
    check_integer("seed", seed)
    limits = check_time_limits(time_limits, list(MAXCUT_METHODS))
    check_option(match_time is None or match_time in method_names, "match_time",
                 f"one of the methods run ({', '.join(method_names)})", match_time)
    resolve_device(device)  # fail early on cuda without a GPU
    best_known = best_known or {}
    options = dict(options or {})
    specs = [g if isinstance(g, GraphSpec) else resolve_graph_spec(str(g), gset_dir) for g in graphs]
    total = len(specs) * len(method_names)
    rows: list[dict] = []
    step = 0
    status = "complete"
    for spec in specs:
        todo = [m for m in method_names if skip is None or not skip(spec.name, m)]
        if match_time in todo:  # the reference runs first: the others' time limits come from it
            todo.insert(0, todo.pop(todo.index(match_time)))
        if not todo:
            step += len(method_names)
            continue
        if progress is not None:
            progress(f"{spec.name}: reading", step, total)
        try:
            graph = load_graph(spec)
        except KeyboardInterrupt:
            status = "interrupted"
            break
        except Exception as exc:  # one bad instance is recorded, not fatal
            note = error_note(exc)
            rows += [_row(spec.name, None, m, MethodRun(None, "error", f"cannot read the instance: {note}", 0.0),
                          None, best_known.get(spec.name)) for m in todo]
            step += len(method_names)
            if on_instance is not None:
                on_instance(rows)
            continue
        shared = _Shared()
        runs: dict[str, MethodRun] = {}
        for name in todo:
            if progress is not None:
                progress(f"{spec.name}: {name}", step, total)
            own = limit = _limit_for(name, limits, MAXCUT_METHODS)
            if match_time is not None and name != match_time:
                limit = _matched_limit(own, runs.get(match_time), reference_seconds, spec.name)
            runs[name] = _run_one(name, graph, shared, seed=seed, trials=trials, device=device, options=options,
                                  time_limit=limit)
            if limit != own:
                matched = f"time limit {limit:.2f} s ({MATCH_FRACTION:g} x {match_time}'s)"
                runs[name] = replace(runs[name], note="; ".join(x for x in (runs[name].note, matched) if x))
            step += 1
            if runs[name].status == "interrupted":
                status = "interrupted"
                break
        upper, bound_note = None, ""
        if status != "interrupted" and (upper_bound or shared.relaxation is not None):
            try:
                relax = MethodContext(graph, seed=seed, device=device, started=time.monotonic(),
                                      shared=shared).relaxation()
                upper = relax.bound.upper_bound
                if not relax.bound.verified:
                    bound_note = f"upper bound not verified ({relax.bound.method})"
            except KeyboardInterrupt:
                status = "interrupted"
            except Exception as exc:
                bound_note = f"no upper bound: {error_note(exc)}"
        elif shared.relaxation is not None:
            upper = shared.relaxation.bound.upper_bound
        for name, run in runs.items():
            if bound_note:
                run = replace(run, note="; ".join(x for x in (run.note, bound_note) if x))
            rows.append(_row(spec.name, graph, name, run, upper, best_known.get(spec.name)))
        step += len(method_names) - len(todo)
        if on_instance is not None:
            on_instance(rows)
        if status == "interrupted":
            break
    if progress is not None:
        progress("done", step, total)
    return rows, status


def _matched_limit(limit: float | None, reference: MethodRun | None,
                   reference_seconds: Callable[[str], float | None] | None, instance: str) -> float | None:
    """A method's time limit in an equal-time run: MATCH_FRACTION of the reference's seconds, or its own if less."""
    if reference is not None:
        seconds = reference.seconds if reference.status in FINISHED_STATUSES else None
    else:
        seconds = None if reference_seconds is None else reference_seconds(instance)
    if seconds is None or not seconds > 0:
        return limit  # the reference failed or has no time here: nothing to match
    matched = MATCH_FRACTION * float(seconds)
    return matched if limit is None else min(limit, matched)


def _run_one(name: str, graph: Graph, shared: _Shared, *, seed: int, trials: int, device: str, options: dict,
             time_limit: float | None) -> MethodRun:
    method = MAXCUT_METHODS[name]
    if not method.available():
        return MethodRun(None, "skipped", method.requires or "not available here", 0.0)
    ctx = MethodContext(graph, seed=seed, trials=trials, time_limit=time_limit, device=device, options=options,
                        started=time.monotonic(), shared=shared)
    try:
        run = method.run(ctx)
    except KeyboardInterrupt:
        return MethodRun(None, "interrupted", "Ctrl-C", time.monotonic() - ctx.started)
    except Exception as exc:  # a failing method is recorded, not fatal
        return MethodRun(None, "error", error_note(exc), time.monotonic() - ctx.started)
    if run.seconds is None:
        run = replace(run, seconds=time.monotonic() - ctx.started)
    return run


def _row(instance: str, graph: Graph | None, method: str, run: MethodRun, upper: float | None,
         best: float | None) -> dict:
    cut = run.cut if run.status in FINISHED_STATUSES else None
    return {
        "instance": instance,
        "n": None if graph is None else graph.n,
        "m": None if graph is None else graph.m,
        "method": method,
        "cut": cut,
        "upper_bound": upper,
        "best_known": best,
        "seconds": run.seconds,
        "ratio_best_known": _ratio(cut, best),
        "certified_ratio": _ratio(cut, upper),
        "expected_cut": run.expected_cut,
        "mean_cut": run.mean_cut,
        "derandomized_cut": run.derandomized_cut,
        "polished_cut": run.polished_cut,
        "guarantee": run.guarantee,
        "sdp_value": run.sdp_value,
        "trials": run.trials,
        "status": run.status,
        "note": run.note,
    }


# ------------------------------------------------------------ with reports
@dataclass(frozen=True)
class BenchmarkReport:
    """What a benchmark command produced: every row (including resumed ones), the status, the files."""

    rows: list[dict]
    status: str
    files: list[str]
    summary: dict
    notes: tuple[str, ...] = ()


@contextmanager
def out_folder(out_dir) -> Iterator[Path]:
    """Create the output folder (and its parents) for the ``with`` body; refuse a path that is a file.

    If the body fails before writing anything there (a bad option, an
    unknown graph), the folders this call created are removed again: a
    failed run leaves no empty ``--out`` behind. A folder with a file in it
    (a finished instance's ``results.csv``) is kept.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("--out: exists and is not a folder", path=out)
    created = [p for p in (out, *out.parents) if not p.exists()]  # deepest first
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out: cannot create the folder ({exc.strerror or exc})", path=out) from None
    try:
        yield out
    except BaseException:
        for folder in created:
            try:
                folder.rmdir()  # only an empty folder goes
            except OSError:
                break
        raise


def merge_rows(previous: Sequence[dict], new: Sequence[dict], keys: Sequence[str]) -> list[dict]:
    """Rows of ``previous`` with those of ``new`` replacing the same ``keys``; first-appearance order."""
    merged = {tuple(r[k] for k in keys): r for r in previous}
    for r in new:
        merged[tuple(r[k] for k in keys)] = r
    return list(merged.values())


#: Statuses a resumed run does not redo.
DONE_STATUSES = FINISHED_STATUSES + ("skipped",)


def benchmark_maxcut(
    graphs: Sequence[str],
    out_dir,
    *,
    resume: bool = False,
    plots: bool = True,
    command: str = "",
    best_known_files: Sequence = (),
    gset_dir=None,
    trials: int = 1000,
    device: str = "auto",
    **kwargs,
) -> BenchmarkReport:
    """Run :func:`run_maxcut_benchmark` and write ``results.csv``, ``results.md`` and the plots to ``out_dir``.

    ``results.csv`` is rewritten (atomically) after every instance, so an
    interrupted run keeps what it finished. With ``resume``, the rows of an
    existing ``results.csv`` are kept and their (instance, method) pairs not
    run again unless they failed (status ``error`` or ``interrupted``); the
    report covers old and new rows together. With ``match_time`` as well, a
    reference row kept from ``results.csv`` still sets the others' time limit.

    Parameters
    ----------
    graphs, trials, device, gset_dir, **kwargs
        As for :func:`run_maxcut_benchmark`.
    out_dir : path
        Created if missing.
    best_known_files : sequence of path
        CSVs with ``instance,best_known`` columns; by default
        ``<gset_dir>/best_known.csv`` and a ``best_known.csv`` next to any graph file.
    plots : bool
        Draw the PNGs (needs matplotlib; left out with a note otherwise).
    command : str
        The command line, quoted in ``results.md``.
    """
    with out_folder(out_dir) as out:
        csv_path = out / "results.csv"
        specs = [resolve_graph_spec(str(g), gset_dir) for g in graphs]
        files = list(best_known_files)
        if not files:
            files = [Path(gset_dir or default_gset_dir()) / "best_known.csv"]
            files += sorted({s.path.parent / "best_known.csv" for s in specs if s.path is not None})
        known = load_best_known(*files)
        previous = read_rows(csv_path, MAXCUT_COLUMNS) if resume and csv_path.exists() else []
        done = {(r["instance"], r["method"]) for r in previous if r["status"] in DONE_STATUSES}
        match_time = kwargs.get("match_time")
        if match_time is not None:  # the reference's seconds where its row is kept, not run again
            kept = {r["instance"]: r["seconds"] for r in previous
                    if r["method"] == match_time and r["status"] in FINISHED_STATUSES}
            kwargs.setdefault("reference_seconds", kept.get)
        keys = ("instance", "method")
        rows, status = run_maxcut_benchmark(
            specs, trials=trials, device=device, best_known=known, gset_dir=gset_dir,
            skip=(lambda i, m: (i, m) in done) if done else None,
            on_instance=lambda new: write_rows(csv_path, merge_rows(previous, new, keys), MAXCUT_COLUMNS), **kwargs)
        all_rows = merge_rows(previous, rows, keys)
        write_rows(csv_path, all_rows, MAXCUT_COLUMNS)
        written = [csv_path.name]
        notes = []
        pngs: list[str] = []
        if plots:
            if matplotlib_available():
                pngs = maxcut_plots(all_rows, out)
            else:
                notes.append("plots left out: matplotlib is not installed (pip install 'derand[plot]')")
        descriptions = {m: MAXCUT_METHODS[m].description for m in MAXCUT_METHODS}
        md = maxcut_markdown(all_rows, command=command, machine=machine_description(str(resolve_device(device))),
                             trials=trials, descriptions=descriptions, plots=pngs)
        atomic_write(out / "results.md", md)
        written += ["results.md"] + pngs
        return BenchmarkReport(all_rows, status, written, maxcut_summary(all_rows), tuple(notes))
