"""Simulated annealing (D-Wave's ``dwave-neal``) as a MAX-CUT baseline.

Needs the optional extra ``anneal`` (``pip install 'derand[anneal]'``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..errors import check_integer, check_option, is_integer
from ..graph import Graph

__all__ = ["AnnealResult", "anneal_cut"]


@dataclass(frozen=True)
class AnnealResult:
    """The best cut over ``reads`` independent annealing runs.

    ``seconds`` is the whole call (building the model, sampling, reading the
    answer back); ``sample_seconds`` the sampler alone.
    """

    sides: np.ndarray
    cut: float
    mean_cut: float
    reads: int
    sweeps: int
    seed: int
    seconds: float
    sample_seconds: float

    def to_dict(self) -> dict:
        return {"cut": self.cut, "mean_cut": self.mean_cut, "reads": self.reads, "sweeps": self.sweeps,
                "seed": self.seed, "seconds": self.seconds, "sample_seconds": self.sample_seconds}


def anneal_cut(graph: Graph, reads: int = 10, sweeps: int = 10_000, seed: int = 0) -> AnnealResult:
    """Best cut of ``reads`` simulated-annealing runs of ``sweeps`` Metropolis sweeps each.

    The cut is the Ising model with couplings J_ij = w_ij and no fields:
    cut(s) = (sum_ij w_ij - sum_ij w_ij s_i s_j) / 2, so the lowest energy is
    the largest cut. neal's default geometric temperature schedule (its
    ``beta_range`` heuristic) is used, as a user of neal would get it.

    Parameters
    ----------
    graph : Graph
    reads : int
        Independent annealing runs (neal's ``num_reads``).
    sweeps : int
        Sweeps per run (neal's ``num_sweeps``).
    seed : int
        neal's seed; a run is reproducible.

    Returns
    -------
    AnnealResult

    Raises
    ------
    ImportError
        ``dwave-neal`` is not installed (the ``anneal`` extra).

    References
    ----------
    Kirkpatrick, Gelatt, Vecchi, "Optimization by simulated annealing",
    Science 220 (1983); https://github.com/dwavesystems/dwave-neal
    """
    check_integer("reads", reads, minimum=1)
    check_integer("sweeps", sweeps, minimum=1)
    check_option(is_integer(seed) and 0 <= seed < 2**32,
                 "seed", "an integer in [0, 2**32)", seed)
    try:
        import dimod
        import neal
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("anneal_cut needs dwave-neal: pip install 'derand[anneal]'") from exc
    start = time.monotonic()
    bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(
        np.zeros(graph.n), (graph.edges[:, 0], graph.edges[:, 1], graph.weights), 0.0, dimod.SPIN)
    sampler = neal.SimulatedAnnealingSampler()
    t = time.monotonic()
    sampleset = sampler.sample(bqm, num_reads=reads, num_sweeps=sweeps, seed=seed)
    sample_seconds = time.monotonic() - t
    spins = np.asarray(sampleset.record.sample, dtype=np.int64)
    order = np.asarray(sampleset.variables, dtype=np.int64)
    states = np.empty_like(spins)
    states[:, order] = spins
    cuts = np.array([graph.cut_value(s > 0) for s in states])
    k = int(np.argmax(cuts))
    return AnnealResult(states[k] > 0, float(cuts[k]), float(cuts.mean()), reads, sweeps, seed,
                        time.monotonic() - start, sample_seconds)
