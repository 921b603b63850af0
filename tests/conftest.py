"""Shared fixtures: small graphs with known optima, the Gset folder, CUDA."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch

from solver.benchmark.instances import default_gset_dir
from solver.graph import Graph

# Tests assert, they do not time: one thread avoids OpenMP spin-waiting when
# the machine is shared, which slows small torch problems by orders of magnitude.
torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
GSET = default_gset_dir().resolve()  # absolute: tests may change the working directory


def brute_force_maxcut(graph: Graph) -> float:
    """Exact maximum cut by enumerating all 2^(n-1) cuts (n <= 20)."""
    n = graph.n
    assert n <= 20
    codes = np.arange(2 ** (n - 1), dtype=np.int64)
    bits = ((codes[:, None] >> np.arange(n - 1)) & 1).astype(bool)
    sides = np.concatenate([bits, np.zeros((len(codes), 1), dtype=bool)], axis=1)
    crossing = sides[:, graph.edges[:, 0]] != sides[:, graph.edges[:, 1]]
    return float((crossing * graph.weights).sum(axis=1).max())


def random_graph(n: int, p: float, seed: int, *, weights: str = "unit") -> Graph:
    """G(n, p) with unit, positive real, or signed weights; at least one edge."""
    rng = np.random.default_rng(seed)
    pairs = np.array([(i, j) for i, j in itertools.combinations(range(n), 2) if rng.random() < p] or [(0, 1)])
    if weights == "unit":
        w = np.ones(len(pairs))
    elif weights == "positive":
        w = rng.uniform(0.1, 3.0, len(pairs))
    elif weights == "signed":
        w = rng.uniform(-2.0, 3.0, len(pairs))
    else:  # pragma: no cover
        raise ValueError(weights)
    return Graph.from_edges(n, pairs[:, 0], pairs[:, 1], w, name=f"gnp{n}-{seed}-{weights}")


@pytest.fixture(scope="session")
def gset() -> Path:
    if not (GSET / "G1.txt").exists():
        pytest.skip(f"the Gset folder {GSET} is not present (set $DERAND_GSET)")
    return GSET


cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
