"""Certify a cut found by anything: recompute it, bound it, report the ratio.

No number is taken on trust: the cut value is recomputed from the sides, and
the upper bound comes from the same SDP and verified dual bound as
``derand maxcut`` (:func:`~solver.maxcut.solve.relax_and_bound`), so
``cut_value / upper_bound`` is a proven lower bound on how close the cut is to
the maximum.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import __version__
from ..core.device import make_generator, resolve_device, resolve_dtype, single_thread_below
from ..core.progress import Progress
from ..errors import OptionError, check_option
from ..graph import Graph
from .bound import BoundResult
from .objective import EdgeData, gw_expected_cut
from .sdp import SDPResult
from .prove import ProofResult
from .solve import (BoundedCut, bound_certificate, check_run_options, peak_memory_mib, phase_deadlines,
                    relax_and_bound, run_status, tighten_budget, tighten_or_prove)
from .tighten import TightenedBound

__all__ = ["CertifiedCut", "certify_cut"]

#: Under a time limit, the SDP ends by 60 % of it and the bound by 85 %; the
#: tightening or proof has the rest (see solve.PHASE_SHARES). Without either,
#: the SDP may take 85 % and the bound the rest.
CERTIFY_SHARES = {"sdp": 0.6, "bound": 0.85}
CERTIFY_SHARES_BOUND_ONLY = {"sdp": 0.85, "bound": 0.95}


@dataclass(frozen=True)
class CertifiedCut(BoundedCut):
    """A given cut with the figures that certify it.

    ``certificate()`` is the JSON-ready record documented in the README: the
    keys of ``derand maxcut``'s certificate that do not concern the
    derandomization.

    Attributes
    ----------
    graph : Graph
    sides : numpy.ndarray
        Booleans per vertex, in ``graph.labels`` order.
    cut_value : float
        Recomputed from ``sides``.
    sdp : SDPResult
    bound : BoundResult
    gw_expected : float
        The expected cut of a random hyperplane on the SDP vectors.
    seconds : dict
        ``sdp``, ``bound``, ``gw``, ``total``.
    seed : int
    device, dtype : str
    status : str
        ``complete``, ``time_limit`` or ``interrupted`` (the bound is valid in every case).
    assignment : str or None
        Where the cut came from (a file name), for the record.
    notes : tuple of str
    peak_memory_mib : float or None
    tightened : TightenedBound or None
        The triangle-tightened bound, when asked for.
    proof : ProofResult or None
        Branch and bound, when asked for; its ``cut_value`` above the given
        cut's means the given cut is not optimal.
    """

    graph: Graph
    sides: np.ndarray
    cut_value: float
    sdp: SDPResult
    bound: BoundResult
    gw_expected: float
    seconds: dict[str, float]
    seed: int
    device: str
    dtype: str
    status: str
    assignment: str | None = None
    notes: tuple[str, ...] = field(default=())
    peak_memory_mib: float | None = None
    tightened: TightenedBound | None = None
    proof: ProofResult | None = None

    def certificate(self) -> dict:
        common = bound_certificate(self.graph, self.cut_value, self.sdp, self.bound, self.gw_expected,
                                   tightened=self.tightened, proof=self.proof)
        records = {k: common.pop(k) for k in ("sdp", "bound", "tighten", "proof")}
        return {
            "version": __version__,
            "problem": "maxcut",
            "instance": self.graph.name,
            "assignment": self.assignment,
            "status": self.status,
            **common,
            "iterations": {"sdp": self.sdp.iterations},
            **records,
            **self.run_record(),
        }


def _check_sides(graph: Graph, sides) -> np.ndarray:
    """Booleans from 0/1, -1/+1 or boolean sides, or an OptionError naming what is wrong."""
    allowed = f"an array of {graph.n} sides (one per vertex) in 0/1, -1/+1 or booleans"
    try:
        s = np.asarray(sides)
    except (TypeError, ValueError):
        raise OptionError(f"The 'sides' parameter must be {allowed}. Got {type(sides).__name__} instead.") from None
    if s.shape != (graph.n,):
        raise OptionError(f"The 'sides' parameter must be {allowed}. Got shape {s.shape} instead.")
    if s.dtype == bool:
        return s.copy()
    if s.dtype.kind not in "iuf":
        raise OptionError(f"The 'sides' parameter must be {allowed}. Got dtype {s.dtype} instead.")
    x = s.astype(np.float64)
    bad = np.flatnonzero((x != 0) & (x != 1) & (x != -1))
    if bad.size:
        raise OptionError(f"The 'sides' parameter must be {allowed}. Got {s[bad[0]].item()!r} at index {bad[0]} "
                          "instead.")
    if np.any(x == 0) and np.any(x == -1):
        raise OptionError(f"The 'sides' parameter must be {allowed}. Got both 0 and -1 instead.")
    return x > 0


@single_thread_below(lambda graph, *_, **__: 16 * max(graph.m, graph.n))
def certify_cut(
    graph: Graph,
    sides,
    *,
    rank: int | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    device: str | torch.device = "auto",
    dtype: str | torch.dtype = "float64",
    progress: Progress | None = None,
    assignment: str | None = None,
    tighten: float | str | None = None,
    prove: bool = False,
) -> CertifiedCut:
    """Certify a cut of ``graph``, however it was found.

    Pseudocode::

        cut = sum of w_ij over edges with sides[i] != sides[j]     # recomputed, float64
        V   = Burer-Monteiro SDP factor                            # as derand maxcut
        UB  = verified dual bound from V                           # as derand maxcut
        ratio = cut / UB                                           # no cut is better by more

    With the same ``seed``, ``rank`` and device, the SDP and the bound are
    exactly those ``derand maxcut`` computes on the graph.

    Parameters
    ----------
    graph : Graph
    sides : array of shape (n,)
        0/1, -1/+1 or booleans per vertex, in ``graph.labels`` order (see
        :func:`~solver.io.read_assignment` for files).
    rank : int, optional
        SDP factor rank.
    time_limit : float, optional
        Seconds for the SDP; it stops there and the bound is computed from
        the factor reached (valid, possibly looser).
    seed : int
    device : {"auto", "cpu", "cuda"}
    dtype : {"float64", "float32"}
        Working precision of the SDP; the cut and the bound are float64.
    progress : callable, optional
        ``progress("sdp", done, total)``.
    assignment : str, optional
        Where the sides came from, recorded in the certificate.
    tighten : float, "auto", "off" or None
        Seconds for the triangle-tightened bound, as in
        :func:`~solver.maxcut.solve.solve_maxcut` (skipped when the basic
        bound already proves the cut optimal).
    prove : bool
        Branch and bound from the given cut until it is proved optimal, a
        better cut is found and proved, or ``time_limit`` runs out.

    Returns
    -------
    CertifiedCut

    Raises
    ------
    OptionError
        Sides of the wrong shape or values, or an option out of range.

    Examples
    --------
    >>> from solver.graph import Graph
    >>> square = Graph.from_edges(4, [0, 1, 2, 3], [1, 2, 3, 0])
    >>> result = certify_cut(square, [0, 1, 1, 0], device="cpu")
    >>> result.cut_value, round(result.upper_bound, 6), result.status
    (2.0, 4.0, 'complete')
    """
    start = time.monotonic()
    check_run_options(seed, time_limit)
    check_option(isinstance(prove, bool), "prove", "True or False", prove)
    budget = tighten_budget(graph, tighten)
    s = _check_sides(graph, sides)
    dev = resolve_device(device)
    dt = resolve_dtype(dtype)
    deadlines = phase_deadlines(start, time_limit,
                                CERTIFY_SHARES if prove or budget is not None else CERTIFY_SHARES_BOUND_ONLY)
    deadline = deadlines["end"]
    cut = graph.cut_value(s)
    relax = relax_and_bound(graph, rank=rank, seed=seed, generator=make_generator(seed, dev), device=dev, dtype=dt,
                            deadline=deadlines["sdp"], bound_deadline=deadlines["bound"], progress=progress)
    seconds = dict(relax.seconds)
    t = time.monotonic()
    gw = gw_expected_cut(torch.as_tensor(relax.sdp.V), EdgeData.from_graph(graph))
    seconds["gw"] = time.monotonic() - t
    status, notes = relax.status, list(relax.notes)
    t = time.monotonic()
    tightened, proof = tighten_or_prove(graph, s, relax.sdp.V, relax.bound.upper_bound, tighten=budget, prove=prove,
                                        deadline=deadline, seed=seed, progress=progress)
    if proof is not None:
        seconds["prove"] = time.monotonic() - t
        notes.extend(proof.notes)
        if proof.cut_value > cut:
            notes.append(f"prove: the given cut is not optimal: a cut of {proof.cut_value:g} exists")
    elif tightened is not None:
        seconds["tighten"] = time.monotonic() - t
    status = run_status(status, None if proof is None else proof.status,
                        "interrupted" if tightened is not None and tightened.stop == "interrupted" else None)
    seconds["total"] = time.monotonic() - start
    return CertifiedCut(graph, s, cut, relax.sdp, relax.bound, gw, seconds, seed, str(dev),
                        str(dt).replace("torch.", ""), status, assignment, tuple(notes), peak_memory_mib(),
                        tightened, proof)
