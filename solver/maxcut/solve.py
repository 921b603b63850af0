"""The MAX-CUT pipeline: SDP, certified bound, derandomized rounding, polish."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import __version__
from ..core.device import make_generator, resolve_device, resolve_dtype
from ..core.progress import Progress, for_phase
from ..errors import check_option
from ..graph import Graph
from .bound import BoundResult, dual_upper_bound
from .derandomize import DerandomizationResult, derandomize
from .local_search import LocalSearchResult, one_flip_local_search
from .sdp import SDPResult, burer_monteiro

__all__ = ["MaxCutResult", "solve_maxcut", "GW_ALPHA"]

#: The Goemans-Williamson constant min_theta (theta / pi) / ((1 - cos theta) / 2).
GW_ALPHA = 0.87856

_NEGATIVE_NOTE = (
    "the graph has negative weights: the bound and the derandomization guarantee hold, "
    "the 0.878 approximation ratio of Goemans-Williamson does not"
)
_NONNEGATIVE_NOTE = "non-negative weights: gw_expected >= 0.878 * sdp_value holds"


@dataclass(frozen=True)
class MaxCutResult:
    """A cut with everything that certifies it.

    ``certificate()`` is the JSON-ready record documented in the README.
    """

    graph: Graph
    sides: np.ndarray
    cut_value: float
    sdp: SDPResult
    bound: BoundResult
    derandomization: DerandomizationResult
    polish: LocalSearchResult | None
    seconds: dict[str, float]
    seed: int
    device: str
    dtype: str
    status: str
    notes: tuple[str, ...] = field(default=())

    @property
    def upper_bound(self) -> float:
        return self.bound.upper_bound

    @property
    def certified_ratio(self) -> float:
        return self.cut_value / self.upper_bound if self.upper_bound > 0 else float("nan")

    def certificate(self) -> dict:
        g = self.graph
        d = self.derandomization
        nonnegative = not g.has_negative_weights
        sosp = {
            "reached": bool(d.sosp.is_sosp) if d.sosp is not None else False,
            **(d.sosp.to_dict() if d.sosp is not None else {}),
            "v_norm_start": d.v_norm_start,
            "v_norm_at_decision": d.v_norm_at_decision,
            "v_norm_final": d.v_norm_final,
            "max_flip_probability": d.max_flip_probability,
            "iterations": d.iterations,
            "kicks": d.kicks,
            "status": d.status,
            "message": d.message,
        }
        return {
            "version": __version__,
            "problem": "maxcut",
            "instance": g.name,
            "status": self.status,
            "n": g.n,
            "m": g.m,
            "total_weight": g.total_weight,
            "cut_value": self.cut_value,
            "derandomized_cut": d.cut,
            "polished_cut": None if self.polish is None else self.polish.cut,
            "sdp_value": self.sdp.value,
            "upper_bound": self.bound.upper_bound,
            "certified_ratio": self.certified_ratio,
            "gw_expected": d.gw_expected,
            "guarantee": {
                "lower_bound": d.guarantee,
                "gw_expected": d.gw_expected,
                "reg": d.reg,
                "reg_cost": d.reg_cost,
                "v0_norm_sq": d.v_norm_start ** 2,
                "met": d.guarantee_met,
                "statement": "derandomized_cut >= gw_expected - reg * ||V_0||_F^2",
                "nonnegative_weights": nonnegative,
                "gw_ratio_bound": GW_ALPHA * self.sdp.value if nonnegative else None,
                "note": _NONNEGATIVE_NOTE if nonnegative else _NEGATIVE_NOTE,
            },
            "sosp": sosp,
            "iterations": {"sdp": self.sdp.iterations, "derandomize": d.iterations,
                           "polish_flips": None if self.polish is None else self.polish.flips},
            "sdp": self.sdp.to_dict(),
            "bound": self.bound.to_dict(),
            "derandomization": d.to_dict(),
            "polish": None if self.polish is None else self.polish.to_dict(),
            "seconds": dict(self.seconds),
            "seed": self.seed,
            "device": self.device,
            "dtype": self.dtype,
            "notes": list(self.notes),
        }


def solve_maxcut(
    graph: Graph,
    *,
    rank: int | None = None,
    reg: float | None = None,
    polish: bool = True,
    max_iters: int = 3000,
    time_limit: float | None = None,
    seed: int = 0,
    device: str | torch.device = "auto",
    dtype: str | torch.dtype = "float64",
    progress: Progress | None = None,
) -> MaxCutResult:
    """Find a large cut of ``graph`` and certify it.

    Pipeline (DESIGN.md section 2):

    1. Burer-Monteiro SDP (rank ceil(sqrt(2n)) + 1 by default).
    2. Dual upper bound from the SDP factor, with a verified eigenvalue shift.
    3. Derandomized Goemans-Williamson rounding by PGD to an SOSP (V = 0).
    4. Single-flip local search that only raises the cut (unless ``polish=False``).

    Parameters
    ----------
    graph : Graph
    rank : int, optional
        SDP factor rank.
    reg : float, optional
        The derandomization's lam (default: 0.003 sum|w| / n).
    polish : bool
        Run the local search.
    max_iters : int
        PGD iteration budget.
    time_limit : float, optional
        Seconds for the whole run; each phase stops at it with the best
        answer so far (the bound stays valid).
    seed : int
        Makes a run reproducible on one device.
    device : {"auto", "cpu", "cuda"}
    dtype : {"float64", "float32"}
        Working precision of the SDP and the derandomization; the cut and the
        bound are always computed in float64.
    progress : callable, optional
        ``progress(phase, done, total)``.

    Returns
    -------
    MaxCutResult

    Examples
    --------
    >>> from solver.graph import Graph
    >>> square = Graph.from_edges(4, [0, 1, 2, 3], [1, 2, 3, 0])
    >>> result = solve_maxcut(square, device="cpu")
    >>> result.cut_value, round(result.upper_bound, 6)
    (4.0, 4.0)
    """
    start = time.monotonic()
    check_option(isinstance(seed, int) and not isinstance(seed, bool), "seed", "an integer", seed)
    check_option(time_limit is None or time_limit > 0, "time_limit", "a positive number of seconds", time_limit)
    dev = resolve_device(device)
    dt = resolve_dtype(dtype)
    deadline = None if time_limit is None else start + float(time_limit)
    gen = make_generator(seed, dev)
    seconds: dict[str, float] = {}

    t = time.monotonic()
    sdp = burer_monteiro(graph, rank=rank, seed=gen, device=dev, dtype=dt, deadline=deadline,
                         progress=for_phase(progress, "sdp"))
    seconds["sdp"] = time.monotonic() - t

    t = time.monotonic()
    bound = dual_upper_bound(graph, sdp.V, seed=seed)
    seconds["bound"] = time.monotonic() - t

    t = time.monotonic()
    derand = derandomize(graph, sdp.V, reg=reg, max_iters=max_iters, seed=gen, device=dev, dtype=dt,
                         deadline=deadline, progress=for_phase(progress, "derandomize"))
    seconds["derandomize"] = time.monotonic() - t

    sides, cut = derand.sides, derand.cut
    polished = None
    if polish:
        t = time.monotonic()
        polished = one_flip_local_search(graph, sides, deadline=deadline)
        seconds["polish"] = time.monotonic() - t
        if polished.cut >= cut:
            sides, cut = polished.sides, polished.cut
    seconds["total"] = time.monotonic() - start

    stopped = [r.status for r in (sdp, derand, polished) if r is not None
               and r.status in ("time_limit", "interrupted")]
    status = "interrupted" if "interrupted" in stopped else ("time_limit" if stopped else "complete")
    notes = []
    if sdp.status != "converged":
        notes.append(f"sdp: {sdp.message}")
    if derand.status not in ("stopped", "sosp"):
        notes.append(f"derandomization: {derand.message}")
    return MaxCutResult(graph, np.asarray(sides, dtype=bool), graph.cut_value(sides), sdp, bound, derand, polished,
                        seconds, seed, str(dev), str(dt).replace("torch.", ""), status, tuple(notes))
