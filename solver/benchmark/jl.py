"""JL benchmark: derand's embeddings against random projections, PCA and the direct minimax.

Every distortion is certified on all pairs (:func:`solver.jl.distortion.certify_embedding`).
A method may give several rows (``gaussian`` gives ``gaussian-median`` and
``gaussian-best``); adding one is one call to :func:`register_jl_method`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from ..baselines.projections import gaussian_maps, minimax_map, pca_map, sparse_map
from ..core.device import resolve_device
from ..errors import check_integer, check_option, is_integer
from ..io import atomic_write
from ..jl.distortion import certify_embedding
from .instances import PointSpec, load_points, resolve_point_spec
from .maxcut import (DONE_STATUSES, BenchmarkReport, check_method_names, check_time_limits, error_note, merge_rows,
                     out_folder)
from .report import jl_markdown, jl_plots, jl_summary, machine_description, matplotlib_available, read_rows, write_rows

__all__ = ["JL_COLUMNS", "JL_METHODS", "JLContext", "JLRun", "benchmark_jl", "register_jl_method", "run_jl_benchmark"]

#: Columns of ``results.csv``, in order.
JL_COLUMNS = ("dataset", "n", "d", "k", "method", "distortion", "eps_opt", "seconds", "draws",
              "derandomized_distortion", "status", "note")


@dataclass(frozen=True)
class JLRun:
    """One row's worth: a method variant's certified figures."""

    method: str
    distortion: float | None
    eps_opt: float | None
    seconds: float | None = None
    status: str = "ok"
    note: str = ""
    draws: int | None = None
    derandomized_distortion: float | None = None


@dataclass(frozen=True)
class JLContext:
    """The points, the target dimension and the run's conventions for one method call."""

    X: np.ndarray
    k: int
    seed: int = 0
    draws: int = 100
    time_limit: float | None = None
    device: str = "cpu"
    started: float = 0.0
    options: dict = field(default_factory=dict)

    @property
    def deadline(self) -> float | None:
        return None if self.time_limit is None else self.started + self.time_limit


@dataclass(frozen=True)
class JLMethod:
    name: str
    run: Callable[[JLContext], list[JLRun]]
    variants: tuple[str, ...]
    description: str


#: The registry, in report order.
JL_METHODS: dict[str, JLMethod] = {}


def register_jl_method(name: str, run: Callable[[JLContext], list[JLRun]], *, description: str,
                       variants: Sequence[str] | None = None) -> None:
    """Add a JL method: ``run(ctx) -> [JLRun, ...]``, one per name in ``variants`` (default ``[name]``)."""
    JL_METHODS[name] = JLMethod(name, run, tuple(variants or (name,)), description)


def _certify(ctx: JLContext, M: np.ndarray):
    X = np.asarray(ctx.X, dtype=np.float64)
    return certify_embedding(X, X @ np.asarray(M, dtype=np.float64).T, device=ctx.device)


def _run_derand(ctx: JLContext) -> list[JLRun]:
    from ..jl import embed

    res = embed(ctx.X, ctx.k, seed=ctx.seed, device=ctx.device, time_limit=ctx.time_limit, baseline_draws=0,
                **ctx.options.get("embed_options", {}))
    c = res.certificate
    status = {"complete": "ok"}.get(res.status, res.status)
    return [JLRun("derand", c.distortion, c.eps_opt, time.monotonic() - ctx.started, status, "; ".join(res.notes),
                  derandomized_distortion=res.derandomized.distortion)]


def _random_maps(ctx: JLContext, name: str, draw: Callable[[int], np.ndarray]) -> list[JLRun]:
    certs, times = [], []
    for i in range(ctx.draws):
        if i and ctx.deadline is not None and time.monotonic() > ctx.deadline:
            break
        t = time.monotonic()
        certs.append(_certify(ctx, draw(i)))
        times.append(time.monotonic() - t)
    Ds = np.array([c.distortion for c in certs])
    order = np.argsort(Ds, kind="stable")
    median = certs[int(order[(len(certs) - 1) // 2])]  # the lower median: a map that exists
    best = certs[int(order[0])]
    status = "ok" if len(certs) == ctx.draws else "time_limit"
    note = "" if status == "ok" else f"{len(certs)} of {ctx.draws} draws before the time limit"
    return [JLRun(f"{name}-median", median.distortion, median.eps_opt, float(np.mean(times)), status, note, len(certs)),
            JLRun(f"{name}-best", best.distortion, best.eps_opt, float(np.sum(times)), status, note, len(certs))]


def _run_gaussian(ctx: JLContext) -> list[JLRun]:
    d = ctx.X.shape[1]
    return _random_maps(ctx, "gaussian", lambda i: gaussian_maps(d, ctx.k, 1, seed=ctx.seed + 1 + i)[0])


def _run_sparse(ctx: JLContext) -> list[JLRun]:
    d = ctx.X.shape[1]
    return _random_maps(ctx, "sparse", lambda i: sparse_map(d, ctx.k, seed=ctx.seed + 100_003 + i))


def _run_pca(ctx: JLContext) -> list[JLRun]:
    c = _certify(ctx, pca_map(ctx.X, ctx.k))
    return [JLRun("pca", c.distortion, c.eps_opt)]


def _run_minimax(ctx: JLContext) -> list[JLRun]:
    starts = {"pca": pca_map(ctx.X, ctx.k), "gaussian": gaussian_maps(ctx.X.shape[1], ctx.k, 1, seed=ctx.seed + 1)[0]}
    D0 = {name: _certify(ctx, M).distortion for name, M in starts.items()}
    start = min(D0, key=D0.get)
    remaining = None if ctx.deadline is None else max(ctx.deadline - time.monotonic(), 1e-3)
    res = minimax_map(ctx.X, starts[start], start=start, time_limit=remaining, device=ctx.device)
    c = _certify(ctx, res.M)
    limited = ctx.deadline is not None and time.monotonic() > ctx.deadline
    return [JLRun("minimax", c.distortion, c.eps_opt, None, "time_limit" if limited else "ok",
                  f"L-BFGS from the {start} map (D {D0[start]:.4g})")]


register_jl_method("derand", _run_derand, description="derandomized Gaussian JL map (solver.jl.embed: PGD to an SOSP, "
                   "eps continuation, minimax polish)")
register_jl_method("gaussian", _run_gaussian, variants=("gaussian-median", "gaussian-best"),
                   description="classical JL maps G/sqrt(k), G i.i.d. N(0,1): median and best of N draws")
register_jl_method("sparse", _run_sparse, variants=("sparse-median", "sparse-best"),
                   description="very sparse random projection (Li, Hastie, Church 2006; density 1/sqrt(d), "
                   "Achlioptas-style +-1 entries): median and best of N draws")
register_jl_method("pca", _run_pca, description="projection on the top-k principal directions")
register_jl_method("minimax", _run_minimax, description="direct deterministic minimax: L-BFGS on the smoothed "
                   "max/min log pair ratio, sharpness raised in steps (over the bulk of the pairs, then a working "
                   "set of the extreme ones), from the better of PCA and a Gaussian draw")



def run_jl_benchmark(
    points: Sequence[str | PointSpec],
    dims: Sequence[int],
    *,
    methods: Sequence[str] | None = None,
    draws: int = 100,
    n: int = 500,
    d: int = 100,
    time_limits: dict[str | None, float] | None = None,
    seed: int = 0,
    device: str = "auto",
    options: dict | None = None,
    skip: Callable[[str, int, str], bool] | None = None,
    on_case: Callable[[list[dict]], None] | None = None,
    progress: Callable[[str, float, float], None] | None = None,
) -> tuple[list[dict], str]:
    """Run the JL ``methods`` on every point set at every target dimension in ``dims``.

    Parameters
    ----------
    points : sequence of str or PointSpec
        Point files (.npy, .npz, .csv, .txt) or built-in set names
        (:data:`solver.jl.datasets.SETS`, generated with ``n``, ``d``, ``seed``).
    dims : sequence of int
        Target dimensions k.
    methods : sequence of str, optional
        Names from :data:`JL_METHODS` (default: all).
    draws : int
        N for the random maps (median and best of N).
    time_limits : dict, optional
        ``{method: seconds}``, key ``None`` for every method.
    options : dict, optional
        ``embed_options``: keyword arguments for derand's :func:`~solver.jl.embed`
        (e.g. ``{"max_iters": 1000}``).
    skip : callable, optional
        ``skip(dataset, k, method) -> bool`` for pairs already done (resume).
    on_case : callable, optional
        ``on_case(rows_so_far)`` after every (data set, k).
    progress : callable, optional
        ``progress(label, done, total)``.

    Returns
    -------
    rows : list of dict
        Keys :data:`JL_COLUMNS`.
    status : str
        ``complete`` or ``interrupted``.
    """
    names = check_method_names(methods, JL_METHODS, JL_METHODS)
    dims = list(dict.fromkeys(dims))
    check_option(bool(dims) and all(is_integer(k) and k >= 1 for k in dims),
                 "dim", "positive integers", dims)
    check_integer("draws", draws, minimum=1)
    check_integer("seed", seed)
    limits = check_time_limits(time_limits, list(JL_METHODS))
    dev = str(resolve_device(device))
    specs = [p if isinstance(p, PointSpec) else resolve_point_spec(str(p)) for p in points]
    total = len(specs) * len(dims) * len(names)
    rows: list[dict] = []
    step, status = 0, "complete"
    for spec in specs:
        if progress is not None:
            progress(f"{spec.name}: reading", step, total)
        try:
            X = load_points(spec, n=n, d=d, seed=seed)
        except KeyboardInterrupt:
            status = "interrupted"
            break
        except Exception as exc:  # one bad data set is recorded, not fatal
            note = f"cannot read the points: {error_note(exc)}"
            for k in dims:
                rows += [_row(spec.name, None, k, JLRun(v, None, None, 0.0, "error", note))
                         for m in names for v in JL_METHODS[m].variants]
            step += len(dims) * len(names)
            if on_case is not None:
                on_case(rows)
            continue
        for k in dims:
            for name in names:
                step += 1
                if skip is not None and skip(spec.name, k, name):
                    continue
                if progress is not None:
                    progress(f"{spec.name} k={k}: {name}", step - 1, total)
                limit = limits.get(name, limits.get(None))
                ctx = JLContext(X, k, seed=seed, draws=draws, time_limit=limit, device=dev, started=time.monotonic(),
                                options=dict(options or {}))
                try:
                    runs = JL_METHODS[name].run(ctx)
                except KeyboardInterrupt:
                    status = "interrupted"
                    runs = [JLRun(v, None, None, time.monotonic() - ctx.started, "interrupted", "Ctrl-C")
                            for v in JL_METHODS[name].variants]
                except Exception as exc:  # a failing method is recorded, not fatal
                    runs = [JLRun(v, None, None, time.monotonic() - ctx.started, "error", error_note(exc))
                            for v in JL_METHODS[name].variants]
                elapsed = time.monotonic() - ctx.started
                rows += [_row(spec.name, X, k, r if r.seconds is not None else replace(r, seconds=elapsed))
                         for r in runs]
                if status == "interrupted":
                    break
            if on_case is not None:
                on_case(rows)
            if status == "interrupted":
                break
        if status == "interrupted":
            break
    if progress is not None:
        progress("done", step, total)
    return rows, status


def _row(dataset: str, X: np.ndarray | None, k: int, run: JLRun) -> dict:
    ok = run.status in ("ok", "time_limit")
    finite = lambda v: v if v is not None and math.isfinite(v) else None  # noqa: E731
    return {
        "dataset": dataset, "n": None if X is None else int(X.shape[0]), "d": None if X is None else int(X.shape[1]),
        "k": k, "method": run.method, "distortion": finite(run.distortion) if ok else None,
        "eps_opt": finite(run.eps_opt) if ok else None, "seconds": run.seconds, "draws": run.draws,
        "derandomized_distortion": run.derandomized_distortion, "status": run.status, "note": run.note,
    }


def benchmark_jl(
    points: Sequence[str],
    dims: Sequence[int],
    out_dir,
    *,
    resume: bool = False,
    plots: bool = True,
    command: str = "",
    methods: Sequence[str] | None = None,
    draws: int = 100,
    device: str = "auto",
    **kwargs,
) -> BenchmarkReport:
    """Run :func:`run_jl_benchmark` and write ``results.csv``, ``results.md`` and ``distortion.png`` to ``out_dir``.

    ``resume`` keeps an existing ``results.csv`` and skips the (data set, k,
    method) cases whose rows are all done (see :func:`~solver.benchmark.maxcut.benchmark_maxcut`).
    """
    with out_folder(out_dir) as out:
        csv_path = out / "results.csv"
        previous = read_rows(csv_path, JL_COLUMNS) if resume and csv_path.exists() else []
        done = {(r["dataset"], r["k"], r["method"]) for r in previous if r["status"] in DONE_STATUSES}

        def skip(dataset: str, k: int, name: str) -> bool:
            return all((dataset, k, v) in done for v in JL_METHODS[name].variants)

        keys = ("dataset", "k", "method")
        rows, status = run_jl_benchmark(
            points, dims, methods=methods, draws=draws, device=device, skip=skip if done else None,
            on_case=lambda new: write_rows(csv_path, merge_rows(previous, new, keys), JL_COLUMNS), **kwargs)
        all_rows = merge_rows(previous, rows, keys)
        write_rows(csv_path, all_rows, JL_COLUMNS)
        notes, pngs = [], []
        if plots:
            if matplotlib_available():
                pngs = jl_plots(all_rows, out)
            else:
                notes.append("plots left out: matplotlib is not installed (pip install 'derand[plot]')")
        descriptions = {m.name: m.description for m in JL_METHODS.values()}
        md = jl_markdown(all_rows, command=command, machine=machine_description(str(resolve_device(device))),
                         draws=draws, descriptions=descriptions, plots=pngs)
        atomic_write(out / "results.md", md)
        written = ["results.csv", "results.md"] + pngs
        return BenchmarkReport(all_rows, status, written, jl_summary(all_rows), tuple(notes))
