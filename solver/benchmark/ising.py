"""Ising and QUBO benchmark: derand against the usual samplers, each given the same wall time.

Instances come from generator specs (:data:`ISING_FAMILIES`), deterministic
per seed, generated the same way as published; they are not the published
files (the OR-Library and Biq Mac files hold other draws):

- ``bqp:N:SEED``, Beasley's OR-Library family (Beasley 1998): each entry
  q_ij, i <= j (the diagonal included), is nonzero with probability 0.1 and
  then an integer uniform in [-100, 100] without 0; q is symmetric and the
  published problem maximizes sum_i sum_j q_ij x_i x_j, so an off-diagonal
  entry counts twice. It is stored negated, as the minimization
  E(x) = -sum_i q_ii x_i - 2 sum_{i<j} q_ij x_i x_j over bits.
- ``be:N:DENSITY:SEED``, Billionnet and Elloumi's family (2007), made by
  Pardalos and Rodgers' generator (1990): every diagonal entry is an
  integer uniform in [-100, 100]; each off-diagonal entry q_ij = q_ji,
  i < j, is drawn with probability DENSITY and is then an integer uniform
  in [-50, 50] (a drawn 0 stays 0); minimize x^T Q x = sum_i q_ii x_i +
  2 sum_{i<j} q_ij x_i x_j over bits.
- ``pm2d:L:SEED``, the +-J spin glass on the L x L torus (periodic in both
  directions, 2 L^2 couplings), each coupling +1 or -1 with probability 1/2,
  no fields: E(s) = sum_<ij> J_ij s_i s_j over spins.
- ``pm3d:L:SEED``, the same on the L x L x L periodic cube (3 L^3 couplings).
- ``sk:N:SEED``, the Sherrington-Kirkpatrick model: every pair coupled by
  +1 or -1 with probability 1/2, no fields, left unscaled (the 1/sqrt(N)
  of the physics convention would only make the energies non-integral).

Every draw comes from ``numpy.random.default_rng(SEED)``.

Methods (:data:`ISING_METHODS`) each return one assignment; its energy is
recomputed here by :meth:`~solver.model.QuadraticModel.energies`, never
taken from the method. derand's certified lower bound on the ground-state
energy holds for every method's assignment, so each row's ``gap`` =
energy - bound bounds how far that assignment is from optimal. Every peer is
optional: without its package its rows say ``skipped`` and why.

References
----------
J. E. Beasley, "Heuristic algorithms for the unconstrained binary quadratic
programming problem", Imperial College, London (1998).
A. Billionnet and S. Elloumi, "Using a mixed integer quadratic programming
solver for the unconstrained quadratic 0-1 problem", Math. Programming 109
(2007) 55-68.
P. M. Pardalos and G. P. Rodgers, "Computational aspects of a branch and
bound algorithm for quadratic zero-one programming", Computing 45 (1990).
D. Sherrington and S. Kirkpatrick, "Solvable model of a spin-glass",
Phys. Rev. Lett. 35 (1975).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..errors import OptionError, check_option, check_seconds, is_integer
from ..io import atomic_write
from ..ising import relative_gap, solve_model
from ..model import BINARY, SPIN, QuadraticModel
from .maxcut import BenchmarkReport, check_method_names, error_note, out_folder
from .report import _mean, _num, _secs, _table, machine_description, write_rows

__all__ = ["ISING_COLUMNS", "ISING_FAMILIES", "ISING_METHODS", "IsingRun", "available_ising_methods",
           "benchmark_ising", "generate_model", "ising_markdown", "ising_summary", "run_ising_benchmark",
           "run_method"]

#: Generator specs, by family (fields separated by ':').
ISING_FAMILIES = {
    "bqp": "bqp:N:SEED            Beasley's OR-Library QUBO: density 0.1, q_ij in [-100, 100] (maximized; "
           "stored negated)",
    "be": "be:N:DENSITY:SEED     Billionnet-Elloumi QUBO: diagonal in [-100, 100], off-diagonal in [-50, 50] "
          "with probability DENSITY",
    "pm2d": "pm2d:L:SEED           +-J spin glass on the L x L torus",
    "pm3d": "pm3d:L:SEED           +-J spin glass on the L x L x L periodic cube",
    "sk": "sk:N:SEED             Sherrington-Kirkpatrick: all pairs +-1",
}

#: Columns of ``results.csv``, in order.
ISING_COLUMNS = ("instance", "family", "n", "couplings", "method", "seed", "energy", "bound", "gap",
                 "time_limit", "seconds", "status", "note")

#: Row statuses: ``ok`` rows have an energy, the others do not.
STATUSES = ("ok", "skipped", "error", "interrupted")


# ------------------------------------------------------------------ instances
def _fields(spec: str, types: tuple) -> list:
    family = spec.split(":", 1)[0]
    usage = ISING_FAMILIES[family].split()[0]
    parts = spec.split(":")[1:]
    if len(parts) != len(types):
        raise OptionError(f"instance spec {spec!r}: expected {usage}")
    out = []
    for text, typ in zip(parts, types):
        try:
            out.append(typ(text))
        except ValueError:
            kind = "an integer" if typ is int else "a number"
            raise OptionError(f"instance spec {spec!r}: {text!r} is not {kind} (expected {usage})") from None
    if out[-1] < 0:
        raise OptionError(f"instance spec {spec!r}: the seed must be a non-negative integer")
    return out


def _symmetric_qubo(n: int, diagonal: np.ndarray, heads: np.ndarray, tails: np.ndarray, values: np.ndarray,
                    sign: float, name: str) -> QuadraticModel:
    """sign * (sum_i q_ii x_i + 2 sum_{i<j} q_ij x_i x_j): the form x^T Q x of a symmetric Q."""
    return QuadraticModel.from_terms(BINARY, n, sign * diagonal, heads, tails, sign * 2 * values, name=name)


def _lattice_couplings(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Each site's bond to its next neighbour along every axis, with periodic wrap-around."""
    idx = np.arange(math.prod(shape)).reshape(shape)
    heads = np.concatenate([idx.ravel()] * len(shape))
    tails = np.concatenate([np.roll(idx, -1, axis=a).ravel() for a in range(len(shape))])
    return heads, tails


def generate_model(spec: str) -> QuadraticModel:
    """The model of a generator spec such as ``bqp:100:1`` (see :data:`ISING_FAMILIES`).

    Deterministic given the spec. The model's ``name`` is the spec.

    Raises
    ------
    OptionError
        An unknown family, a field that is not a number, or a size out of range;
        the message names the spec.

    Examples
    --------
    >>> generate_model("pm2d:4:1").m
    32
    >>> generate_model("sk:10:1").m
    45
    """
    family = spec.split(":", 1)[0]
    if family not in ISING_FAMILIES:
        raise OptionError(f"instance spec {spec!r}: unknown family; choose from {', '.join(ISING_FAMILIES)}")
    if family == "bqp":
        n, seed = _fields(spec, (int, int))
        if n < 1:
            raise OptionError(f"instance spec {spec!r}: N must be a positive integer")
        rng = np.random.default_rng(seed)
        rows, cols = np.triu_indices(n)
        chosen = rng.random(rows.size) < 0.1
        rows, cols = rows[chosen], cols[chosen]
        q = rng.integers(-100, 100, size=rows.size)
        q[q >= 0] += 1  # [-100, 100] without 0
        diagonal = np.zeros(n)
        on = rows == cols
        diagonal[rows[on]] = q[on]
        return _symmetric_qubo(n, diagonal, rows[~on], cols[~on], q[~on].astype(float), -1.0, spec)
    if family == "be":
        n, density, seed = _fields(spec, (int, float, int))
        if n < 1 or not 0 < density <= 1:
            raise OptionError(f"instance spec {spec!r}: need N >= 1 and 0 < DENSITY <= 1")
        rng = np.random.default_rng(seed)
        diagonal = rng.integers(-100, 101, size=n).astype(float)
        rows, cols = np.triu_indices(n, 1)
        chosen = rng.random(rows.size) < density
        values = rng.integers(-50, 51, size=int(chosen.sum())).astype(float)
        return _symmetric_qubo(n, diagonal, rows[chosen], cols[chosen], values, 1.0, spec)
    if family in ("pm2d", "pm3d"):
        side, seed = _fields(spec, (int, int))
        if side < 3:
            raise OptionError(f"instance spec {spec!r}: L must be at least 3 (smaller lattices repeat a bond)")
        heads, tails = _lattice_couplings((side,) * (2 if family == "pm2d" else 3))
        couplings = np.random.default_rng(seed).choice([-1.0, 1.0], size=heads.size)
        return QuadraticModel.from_terms(SPIN, side ** (2 if family == "pm2d" else 3), None, heads, tails, couplings,
                                         name=spec)
    n, seed = _fields(spec, (int, int))
    if n < 2:
        raise OptionError(f"instance spec {spec!r}: N must be at least 2")
    heads, tails = np.triu_indices(n, 1)
    couplings = np.random.default_rng(seed).choice([-1.0, 1.0], size=heads.size)
    return QuadraticModel.from_terms(SPIN, n, None, heads, tails, couplings, name=spec)


# -------------------------------------------------------------------- methods
@dataclass(frozen=True)
class IsingRun:
    """What one method reports on one instance.

    ``values`` is the assignment it returns (None when it gave none);
    ``energy`` is recomputed from it by :func:`run_method`. ``bound`` and
    ``proved_optimal`` are derand's certificate (None and False for the peers).
    """

    values: np.ndarray | None
    status: str = "ok"
    note: str = ""
    seconds: float | None = None
    energy: float | None = None
    bound: float | None = None
    proved_optimal: bool = False


@dataclass(frozen=True)
class IsingMethod:
    name: str
    run: Callable[[QuadraticModel, float | None, int], IsingRun]
    description: str
    available: Callable[[], str]


def _missing(*modules: str) -> Callable[[], str]:
    """An availability check: '' when one of ``modules`` imports, else why not."""
    def check() -> str:
        for module in modules:
            try:
                __import__(module)
                return ""
            except ImportError:
                continue
        return f"{' or '.join(modules)} is not installed"
    return check


def _to_bqm(model: QuadraticModel):
    """The model as a dimod BQM with variables 0..n-1 (the same energies, offset included)."""
    import dimod

    vartype = dimod.SPIN if model.vartype == SPIN else dimod.BINARY
    return dimod.BinaryQuadraticModel.from_numpy_vectors(
        model.linear, (model.pairs[:, 0], model.pairs[:, 1], model.quadratic), model.offset, vartype,
        variable_order=range(model.n))


def _samples(sampleset, n: int) -> np.ndarray:
    """The sample set's assignments, columns in variable order 0..n-1."""
    column = np.empty(n, dtype=np.int64)
    column[np.fromiter(sampleset.variables, dtype=np.int64, count=n)] = np.arange(n)
    return np.asarray(sampleset.record.sample)[:, column].astype(np.float64)


def _best(model: QuadraticModel, samples: np.ndarray, best: tuple[float, np.ndarray] | None):
    energies = np.atleast_1d(model.energies(samples))
    k = int(np.argmin(energies))
    if best is None or energies[k] < best[0]:
        return float(energies[k]), samples[k].copy()
    return best


def _run_derand(model: QuadraticModel, time_limit: float | None, seed: int) -> IsingRun:
    result = solve_model(model, time_limit=time_limit, seed=seed, device="cpu", workers=1)
    note = f"derand status {result.status}" + ("; proved optimal" if result.proved_optimal else "")
    return IsingRun(result.values, "ok", note, bound=result.bound, proved_optimal=result.proved_optimal)


def _run_neal(model: QuadraticModel, time_limit: float | None, seed: int) -> IsingRun:
    """Batches of reads (default sweeps) until the time is up; each batch sized from the last one's pace."""
    try:
        from dwave.samplers import SimulatedAnnealingSampler
    except ImportError:
        from neal import SimulatedAnnealingSampler
    started = time.monotonic()
    deadline = started + time_limit
    sampler, bqm = SimulatedAnnealingSampler(), _to_bqm(model)
    seeds = np.random.default_rng(seed)
    best, batch, reads = None, 1, 0
    while True:
        t0 = time.monotonic()
        sampleset = sampler.sample(bqm, num_reads=batch, seed=int(seeds.integers(2**31)))
        best = _best(model, _samples(sampleset, model.n), best)
        reads += batch
        per_read = (time.monotonic() - t0) / batch
        left = deadline - time.monotonic()
        if left < per_read:
            break
        batch = max(1, min(2 * batch, int(left / per_read)))
    return IsingRun(best[1], note=f"{reads} reads of neal's default sweeps")


def _run_tabu(model: QuadraticModel, time_limit: float | None, seed: int) -> IsingRun:
    from dwave.samplers import TabuSampler

    timeout_ms = max(1, int(round(1000 * time_limit)))
    sampleset = TabuSampler().sample(_to_bqm(model), num_reads=1, timeout=timeout_ms, seed=seed)
    return IsingRun(_best(model, _samples(sampleset, model.n), None)[1], note=f"1 read, timeout {timeout_ms} ms")


#: Simulated bifurcation's agents per run.
SB_AGENTS = 128


def _run_sb(model: QuadraticModel, time_limit: float | None, seed: int) -> IsingRun:
    """Ballistic SB runs of SB_AGENTS agents, each with the time left as its timeout, until the time is up."""
    import simulated_bifurcation as sb
    import torch

    started = time.monotonic()
    deadline = started + time_limit
    n = model.n
    Q = np.zeros((n, n))
    Q[model.pairs[:, 0], model.pairs[:, 1]] = model.quadratic / 2
    Q += Q.T  # x^T Q x = sum_k quadratic_k x_i x_j
    data = (torch.tensor(Q, dtype=torch.float32), torch.tensor(model.linear, dtype=torch.float32))
    domain = "spin" if model.vartype == SPIN else "binary"
    best, runs = None, 0
    while True:
        left = deadline - time.monotonic()
        if runs and left < 0.05 * time_limit:  # a run cut that short adds nothing
            break
        # SB draws from torch's global generator and takes no seed: seed a forked copy of it
        with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no agent has converged": its answer is still the best it has
            torch.manual_seed(seed + runs)
            x, _ = sb.minimize(*data, domain=domain, agents=SB_AGENTS, timeout=max(left, 1e-3), best_only=False,
                               verbose=False)
        best = _best(model, np.rint(x.double().cpu().numpy()), best)
        runs += 1
    return IsingRun(best[1], note=f"{runs} run(s) of {SB_AGENTS} agents")


#: The registry, in report order.
ISING_METHODS: dict[str, IsingMethod] = {
    "derand": IsingMethod("derand", _run_derand, "derand's solve_model (MAX-CUT reduction, Burer-Monteiro SDP, "
                          "certified bound, derandomized rounding, local search), device cpu, 1 worker, run until "
                          "the time limit or a proof of optimality", lambda: ""),
    "neal": IsingMethod("neal", _run_neal, "D-Wave simulated annealing (dwave-samplers' SimulatedAnnealingSampler, "
                        "default sweeps and schedule), batches of reads until the time is up, best read kept",
                        _missing("dwave.samplers", "neal")),
    "tabu": IsingMethod("tabu", _run_tabu, "D-Wave tabu search (dwave-samplers' TabuSampler, MST2 multistart), "
                        "one read with the whole time as its timeout", _missing("dwave.samplers")),
    "sb": IsingMethod("sb", _run_sb, f"simulated bifurcation (the simulated-bifurcation package, ballistic, "
                      f"{SB_AGENTS} agents, float32), runs with the time left as timeout until the time is up, "
                      "best agent kept", _missing("simulated_bifurcation")),
}


def available_ising_methods() -> list[str]:
    """The methods whose packages are installed, in report order."""
    return [name for name, method in ISING_METHODS.items() if not method.available()]


def run_method(name: str, model: QuadraticModel, *, time_limit: float | None, seed: int = 0) -> IsingRun:
    """Run one method of :data:`ISING_METHODS` on ``model``; its wall time measured, its energy recomputed.

    ``time_limit`` None is derand's default run; every other method needs
    a number. A method whose package is missing gives a ``skipped`` run, one
    that fails an ``error`` run (its message in ``note``); neither raises.
    """
    check_option(name in ISING_METHODS, "name", f"one of {', '.join(ISING_METHODS)}", name)
    check_option(time_limit is not None or name == "derand", "time_limit", f"a positive number of seconds for {name}",
                 time_limit)
    check_seconds("time_limit", time_limit)
    method = ISING_METHODS[name]
    why = method.available()
    if why:
        return IsingRun(None, "skipped", why, 0.0)
    started = time.monotonic()
    try:
        run = method.run(model, time_limit, seed)
    except KeyboardInterrupt:
        return IsingRun(None, "interrupted", "Ctrl-C", time.monotonic() - started)
    except Exception as exc:  # a failing method is recorded, not fatal
        return IsingRun(None, "error", error_note(exc), time.monotonic() - started)
    seconds = time.monotonic() - started
    return replace(run, seconds=seconds, energy=model.energies(run.values))


# --------------------------------------------------------------------- runner
def run_ising_benchmark(
    specs: Sequence[str],
    *,
    methods: Sequence[str] | None = None,
    time_limit: float | None = 5.0,
    match: str | None = None,
    seeds: Sequence[int] = (0,),
    out_dir=None,
    progress: Callable[[str, float, float], None] | None = None,
    command: str = "",
) -> list[dict]:
    """Run ``methods`` on every instance and seed, each with the same wall-time budget; one row per run.

    Pseudocode::

        for spec in specs, seed in seeds:
            model = generate_model(spec)
            derand first: its values, its certified lower bound L, its wall time t
            budget = t if match == "derand" else time_limit
            every peer: best assignment found in ``budget`` seconds
            every row: energy = model.energies(values), bound = L, gap = energy - L

    Parameters
    ----------
    specs : sequence of str
        Generator specs (:data:`ISING_FAMILIES`), e.g. ``bqp:250:1``.
    methods : sequence of str, optional
        Names from :data:`ISING_METHODS` (default: all; a peer whose package
        is missing gives ``skipped`` rows).
    time_limit : float or None
        Seconds of wall time for every method. With ``match="derand"``, the
        limit of derand's run alone (None: its default settings).
    match : {None, "derand"}
        ``"derand"``: derand runs first, and each peer gets the wall time
        derand took on that instance and seed.
    seeds : sequence of int
        The methods' seeds; each (instance, seed) is one case. The instance's
        own seed is part of its spec.
    out_dir : path, optional
        Where ``results.csv`` (rewritten after every case) and ``results.md``
        go; created if missing. None: nothing is written.
    progress : callable, optional
        ``progress(label, done, total)`` per (instance, seed, method) step.
    command : str
        The command line quoted in ``results.md``.

    Returns
    -------
    list of dict
        Keys :data:`ISING_COLUMNS`, one per (instance, seed, method).

    Raises
    ------
    OptionError
        An unknown method or spec, a bad budget or seed.
    """
    names = check_method_names(methods, ISING_METHODS, list(ISING_METHODS))
    check_option(match in (None, "derand"), "match", "None or 'derand'", match)
    if match == "derand" and "derand" not in names:
        raise OptionError("The 'match' parameter is 'derand', so the 'methods' must include derand.")
    if match is None:
        check_option(time_limit is not None, "time_limit", "a positive number of seconds", time_limit)
    check_seconds("time_limit", time_limit)
    seeds = list(seeds)
    check_option(bool(seeds) and all(is_integer(s) and 0 <= s < 2**31 for s in seeds), "seeds",
                 "a non-empty list of integers in [0, 2**31)", seeds)
    models = {spec: generate_model(spec) for spec in dict.fromkeys(specs)}  # every spec checked before any run
    order = ["derand"] + [m for m in names if m != "derand"] if "derand" in names else names
    rows: list[dict] = []
    out = None
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
    total, step = len(models) * len(seeds) * len(order), 0
    interrupted = False
    for spec, model in models.items():
        for seed in seeds:
            runs: dict[str, IsingRun] = {}
            budgets: dict[str, float | None] = {}
            for name in order:
                if progress is not None:
                    progress(f"{spec} seed {seed}: {name}", step, total)
                budget = time_limit
                if match == "derand" and name != "derand":
                    reference = runs.get("derand")
                    budget = reference.seconds if reference is not None and reference.status == "ok" else time_limit
                    if budget is None:
                        runs[name] = IsingRun(None, "skipped", "derand gave no wall time to match", 0.0)
                        budgets[name] = None
                        step += 1
                        continue
                budgets[name] = budget
                runs[name] = run_method(name, model, time_limit=budget, seed=seed)
                step += 1
                if runs[name].status == "interrupted":
                    interrupted = True
                    break
            bound = runs["derand"].bound if "derand" in runs else None
            rows += [_row(model, name, seed, run, bound, budgets[name]) for name, run in runs.items()]
            if out is not None:
                write_rows(out / "results.csv", rows, ISING_COLUMNS)
            if interrupted:
                break
        if interrupted:
            break
    if progress is not None:
        progress("done", step, total)
    if out is not None:
        atomic_write(out / "results.md", ising_markdown(rows, command=command, machine=machine_description("cpu"),
                                                        time_limit=time_limit, match=match))
    return rows


def _row(model: QuadraticModel, method: str, seed: int, run: IsingRun, bound: float | None,
         budget: float | None) -> dict:
    energy = run.energy if run.status == "ok" else None
    return {
        "instance": model.name,
        "family": model.name.split(":", 1)[0],
        "n": model.n,
        "couplings": model.m,
        "method": method,
        "seed": seed,
        "energy": energy,
        "bound": bound,
        "gap": None if energy is None or bound is None else energy - bound,
        "time_limit": budget,
        "seconds": run.seconds,
        "status": run.status,
        "note": run.note,
    }


def benchmark_ising(specs: Sequence[str], out_dir, *, methods: Sequence[str] | None = None,
                    time_limit: float | None = 5.0, match: str | None = None, seeds: Sequence[int] = (0,),
                    command: str = "", progress: Callable[[str, float, float], None] | None = None
                    ) -> BenchmarkReport:
    """Run :func:`run_ising_benchmark` into ``out_dir`` (created if missing); what the command line calls.

    Returns
    -------
    BenchmarkReport
        ``rows``, ``status`` (``complete`` or ``interrupted``), ``files``
        (``results.csv``, ``results.md``) and ``summary`` (:func:`ising_summary`).
    """
    with out_folder(out_dir) as out:
        rows = run_ising_benchmark(specs, methods=methods, time_limit=time_limit, match=match, seeds=seeds,
                                   out_dir=out, progress=progress, command=command)
    status = "interrupted" if any(r["status"] == "interrupted" for r in rows) else "complete"
    return BenchmarkReport(rows, status, ["results.csv", "results.md"], ising_summary(rows))


# --------------------------------------------------------------------- report
def ising_summary(rows: Sequence[dict]) -> dict:
    """The figures ``results.md`` leads with, per family.

    Returns
    -------
    dict
        ``{family: {...}}`` with ``cases`` (instance-seed pairs), ``derand_best``
        (cases where derand's energy is <= every peer's energy there),
        ``derand_strict`` (cases where it is below every peer's),
        ``compared`` (cases with derand's energy and at least one peer's),
        ``proved_optimal``, ``mean_relative_gap`` (derand's certified
        (energy - bound) / |bound|), ``mean_best_relative_gap`` (the same for
        the lowest energy any method found), and per method ``energy``
        (mean), ``seconds`` (mean), ``cases`` and ``beats_derand`` (cases
        where its energy is below derand's).
    """
    families: dict = {}
    by_case: dict = {}
    for r in rows:
        by_case.setdefault((r["family"], r["instance"], r["seed"]), {})[r["method"]] = r
    for (family, _, _), case in by_case.items():
        f = families.setdefault(family, {"cases": 0, "derand_best": 0, "derand_strict": 0, "compared": 0,
                                         "proved_optimal": 0,
                                         "gaps": [], "best_gaps": [], "methods": {}})
        f["cases"] += 1
        energies = {m: r["energy"] for m, r in case.items() if r["status"] == "ok" and r["energy"] is not None}
        for m, r in case.items():
            g = f["methods"].setdefault(m, {"energies": [], "seconds": [], "beats_derand": 0})
            if m in energies:
                g["energies"].append(energies[m])
                g["seconds"].append(r["seconds"])
                if "derand" in energies and energies[m] < energies["derand"]:
                    g["beats_derand"] += 1
        peers = [e for m, e in energies.items() if m != "derand"]
        if "derand" in energies and peers:
            f["compared"] += 1
            f["derand_best"] += energies["derand"] <= min(peers)
            f["derand_strict"] += energies["derand"] < min(peers)
        bound = next((r["bound"] for r in case.values() if r["bound"] is not None), None)
        if "derand" in energies and bound is not None:
            f["proved_optimal"] += energies["derand"] <= bound
            f["gaps"].append(relative_gap(energies["derand"] - bound, bound))
            f["best_gaps"].append(relative_gap(min(energies.values()) - bound, bound))
    out = {}
    for family, f in families.items():
        out[family] = {
            "cases": f["cases"], "derand_best": f["derand_best"], "derand_strict": f["derand_strict"],
            "compared": f["compared"],
            "proved_optimal": f["proved_optimal"], "mean_relative_gap": _mean(f["gaps"]),
            "mean_best_relative_gap": _mean(f["best_gaps"]),
            "methods": {m: {"cases": len(g["energies"]), "energy": _mean(g["energies"]), "seconds": _mean(g["seconds"]),
                            "beats_derand": g["beats_derand"]} for m, g in f["methods"].items()},
        }
    return out


def _pct(x: float | None) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{100 * x:.2f}%"


def ising_markdown(rows: Sequence[dict], *, command: str = "", machine: str = "", time_limit: float | None = None,
                   match: str | None = None) -> str:
    """``results.md``: how it was measured, the per-family summary, the per-instance energies, the notes."""
    summary = ising_summary(rows)
    methods = list(dict.fromkeys(r["method"] for r in rows))
    peers = [m for m in methods if m != "derand"]
    lines = ["# Ising and QUBO benchmark: derand and its peers at equal wall time", ""]
    if machine:
        lines += [f"Measured {machine}.", ""]
    if command:
        lines += ["Command:", "", "```", command, "```", ""]
    if match == "derand":
        limit = "its default settings" if time_limit is None else f"a time limit of {time_limit:g} s"
        budget = (f"derand runs first, with {limit}; it stops sooner once its answer is proved optimal or its "
                  "search settles, and may run a little past a limit while it certifies its bound. Every other "
                  "method then gets exactly the wall time derand took on that instance (column `time_limit` of "
                  "results.csv), so each instance's budgets are equal.")
    else:
        budget = f"every method gets {time_limit:g} s of wall time per instance." if time_limit is not None else ""
    lines += [f"Budget: {budget} Methods run one after another, never side by side. Seconds are each method's "
              "own wall time, from the call to its returned assignment (derand's includes the proof of its bound).",
              "",
              "Every energy is recomputed from the method's assignment by `QuadraticModel.energies`. The bound is "
              "derand's certified lower bound on the ground-state energy; it holds for every method's assignment, "
              "so gap = energy - bound is a proven distance from the optimum. All models are minimized.", "",
              "## Summary", ""]
    header = ["family", "cases", "derand <= every peer", "derand < every peer", "derand proved optimal",
              "mean certified gap, derand", "mean certified gap, best of all"]
    header += [f"mean energy, {m}" for m in methods]
    body = []
    for family, f in summary.items():
        row = [family, f["cases"], f"{f['derand_best']} of {f['compared']}",
               f"{f['derand_strict']} of {f['compared']}", f"{f['proved_optimal']} of {f['cases']}",
               _pct(f["mean_relative_gap"]), _pct(f["mean_best_relative_gap"])]
        for m in methods:
            g = f["methods"].get(m)
            complete = g is not None and g["cases"] == f["cases"]
            row.append(_num(g["energy"], 1) if complete else "–" if g is None or not g["cases"] else
                       f"{_num(g['energy'], 1)} ({g['cases']} cases)")
        body.append(row)
    lines += _table(header, body)
    lines += ["", "Certified gap: (energy - bound) / |bound|, averaged over the family's cases; \"best of all\" "
              "takes the lowest energy any method found on each case. Mean energies are over the same cases for "
              "every method.", ""]
    if peers:
        body = []
        for family, f in summary.items():
            body.append([family] + [f"{f['methods'][m]['beats_derand']} of {f['methods'][m]['cases']}"
                                    if m in f["methods"] else "–" for m in peers])
        lines += ["Cases where a peer's energy is below derand's:", ""]
        lines += _table(["family"] + peers, body) + [""]
        body = [[family] + [_secs(f["methods"][m]["seconds"]) if m in f["methods"] else "–" for m in methods]
                for family, f in summary.items()]
        lines += ["Mean seconds per case:", ""]
        lines += _table(["family"] + methods, body) + [""]
    lines += ["## Energy per instance", ""]
    by_case: dict = {}
    for r in rows:
        by_case.setdefault((r["family"], r["instance"], r["seed"]), {})[r["method"]] = r
    several_seeds = len({r["seed"] for r in rows}) > 1
    for family in summary:
        lines += [f"### {family}", ""]
        header = ["instance"] + (["seed"] if several_seeds else []) + ["n", "couplings"] + methods
        header += ["bound", "gap, derand", "relative gap, derand"]
        body = []
        for (fam, instance, seed), case in by_case.items():
            if fam != family:
                continue
            first = next(iter(case.values()))
            ok = {m: r["energy"] for m, r in case.items() if r["status"] == "ok" and r["energy"] is not None}
            lowest = min(ok.values()) if ok else None
            row = [instance] + ([seed] if several_seeds else []) + [_num(first["n"]), _num(first["couplings"])]
            for m in methods:
                r = case.get(m)
                if r is None:
                    row.append("–")
                elif m in ok:
                    cell = _num(ok[m], 1)
                    row.append(f"**{cell}**" if ok[m] == lowest else cell)
                else:
                    row.append(r["status"])
            bound = first["bound"]
            d = case.get("derand")
            gap = d["gap"] if d is not None else None
            row += [_num(bound, 1), _num(gap, 1),
                    _pct(relative_gap(gap, bound)) if gap is not None and bound is not None else "–"]
            body.append(row)
        lines += _table(header, body) + [""]
    lines += ["Bold: the lowest energy on that row.", ""]
    notes = [r for r in rows if r["status"] != "ok"]
    if notes:
        lines += ["## Skipped and failed runs", ""]
        lines += [f"- {r['instance']} seed {r['seed']} / {r['method']}: {r['status']}"
                  + (f": {r['note']}" if r.get("note") else "") for r in notes] + [""]
    lines += ["## Methods", ""]
    lines += [f"- `{m}`: {ISING_METHODS[m].description}" for m in methods if m in ISING_METHODS] + [""]
    families = [f for f in summary if f in ISING_FAMILIES]
    if families:
        lines += ["## Instances", "",
                  "Generated the same way as the published families, from `numpy.random.default_rng(SEED)`; "
                  "they are not the published files.", ""]
        lines += [f"- `{ISING_FAMILIES[f].split()[0]}`: {_FAMILY_TEXT[f]}" for f in families] + [""]
    return "\n".join(lines)


_FAMILY_TEXT = {
    "bqp": "Beasley's OR-Library family (1998). Each q_ij, i <= j, diagonal included, is nonzero with "
           "probability 0.1, an integer uniform in [-100, 100] without 0; the published problem maximizes "
           "sum_i sum_j q_ij x_i x_j for symmetric q, stored here negated as a minimization over bits.",
    "be": "Billionnet and Elloumi's family (2007) by Pardalos and Rodgers' generator: diagonal integers uniform in "
          "[-100, 100], each off-diagonal q_ij = q_ji present with probability DENSITY and then an integer uniform "
          "in [-50, 50]; minimize x^T Q x over bits.",
    "pm2d": "+-J spin glass on the periodic L x L square lattice, couplings +1 or -1 with probability 1/2, no "
            "fields; minimize sum J_ij s_i s_j over spins.",
    "pm3d": "+-J spin glass on the periodic L x L x L cubic lattice, as pm2d.",
    "sk": "Sherrington-Kirkpatrick: every pair coupled by +1 or -1 with probability 1/2, no fields, unscaled.",
}
