"""Benchmark inputs: graphs by file, Gset name or generator spec; point sets by file or name; best-known cuts."""

from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from ..errors import InputError, OptionError
from ..graph import Graph

__all__ = ["GENERATED_FAMILIES", "GraphSpec", "PointSpec", "default_gset_dir", "generate_graph", "gset_best_known",
           "load_best_known", "load_graph", "load_points", "resolve_graph_spec", "resolve_point_spec"]

#: Generator specs accepted in place of a graph file (fields separated by ':').
GENERATED_FAMILIES = {
    "regular": "regular:D:N[:SEED]      random D-regular graph on N vertices, unit weights",
    "gnp": "gnp:N:P[:SEED]          Erdos-Renyi G(N, P), unit weights",
    "pm1": "pm1:N:P[:SEED]          G(N, P) with independent +-1 weights",
    "wgnp": "wgnp:N:P:R[:SEED]       G(N, P) with integer weights uniform in [-R, R] minus 0 (rudy's w01, w05)",
    "torus": "torus:R:C               R x C toroidal grid, unit weights",
    "torus-pm1": "torus-pm1:R:C[:SEED]    R x C toroidal grid with +-1 weights",
}

_GSET_NAME = re.compile(r"^G\d+$")


#: Where the Gset folder lies relative to a checkout (or the working directory): beside it, in ``shared``.
_GSET_BESIDE = Path("..") / "shared" / "data" / "gset"


def default_gset_dir() -> Path:
    """The folder of the Gset graphs and their ``best_known.csv``.

    ``$DERAND_GSET`` if set; else ``../shared/data/gset`` from the working
    directory, or from this checkout's root where only that one exists (so a
    script or test run from elsewhere finds the same folder).
    """
    env = os.environ.get("DERAND_GSET")
    if env:
        return Path(env)
    beside_checkout = Path(__file__).resolve().parents[2] / _GSET_BESIDE
    if not _GSET_BESIDE.is_dir() and beside_checkout.is_dir():
        return beside_checkout
    return _GSET_BESIDE


def gset_best_known(gset_dir: Path | None = None) -> dict[str, float]:
    """Best-known cuts of the Gset graphs, from ``<gset_dir>/best_known.csv`` (empty when it is absent)."""
    return load_best_known(Path(gset_dir if gset_dir is not None else default_gset_dir()) / "best_known.csv")


@dataclass(frozen=True)
class GraphSpec:
    """One benchmark graph: a file, or a generator spec (``kind`` 'file' or 'generated')."""

    name: str
    kind: str
    path: Path | None = None
    spec: str = ""


def resolve_graph_spec(spec: str, gset_dir: Path | None = None) -> GraphSpec:
    """Turn a command-line word into a :class:`GraphSpec`; nothing is read yet.

    An existing file is a file; ``G<k>`` is ``<gset_dir>/G<k>.txt`` (or ``.rudy``);
    ``family:...`` is a generator (:data:`GENERATED_FAMILIES`). Anything else
    is still a file spec: the error (missing file) is raised when it is read,
    so one bad instance is recorded, not fatal.
    """
    path = Path(spec)
    if path.exists():
        return GraphSpec(path.stem or spec, "file", path)
    family = spec.split(":", 1)[0]
    if ":" in spec and family in GENERATED_FAMILIES:
        return GraphSpec(spec, "generated", spec=spec)
    if _GSET_NAME.match(spec):
        folder = gset_dir if gset_dir is not None else default_gset_dir()
        for ext in (".txt", ".rudy", ""):
            if (folder / f"{spec}{ext}").exists():
                return GraphSpec(spec, "file", folder / f"{spec}{ext}")
        return GraphSpec(spec, "file", folder / f"{spec}.txt")
    return GraphSpec(path.stem or spec, "file", path)


def load_graph(spec: GraphSpec, *, format: str = "auto") -> Graph:
    """Read or generate the graph of ``spec`` (raises :class:`~solver.errors.InputError` / ``OptionError``)."""
    if spec.kind == "generated":
        return generate_graph(spec.spec)
    from ..io import read_graph

    return read_graph(spec.path, format=format)


def _fields(spec: str, types: tuple, optional: int) -> list:
    parts = spec.split(":")[1:]
    need = len(types) - optional
    usage = GENERATED_FAMILIES[spec.split(":")[0]].split()[0]
    if not need <= len(parts) <= len(types):
        raise OptionError(f"graph spec {spec!r}: expected {usage}")
    out = []
    for text, typ in zip(parts, types):
        try:
            out.append(typ(text))
        except ValueError:
            raise OptionError(f"graph spec {spec!r}: {text!r} is not a{'n integer' if typ is int else ' number'} "
                              f"(expected {usage})") from None
    return out


def generate_graph(spec: str) -> Graph:
    """A graph from a generator spec such as ``regular:3:1000:0`` (see :data:`GENERATED_FAMILIES`).

    Deterministic given the spec (the seed defaults to 0).

    Examples
    --------
    >>> generate_graph("torus:4:5").m
    40
    """
    family = spec.split(":", 1)[0]
    if family not in GENERATED_FAMILIES:
        raise OptionError(f"graph spec {spec!r}: unknown family; choose from {', '.join(GENERATED_FAMILIES)}")
    if family == "regular":
        deg, n, seed = (_fields(spec, (int, int, int), 1) + [0])[:3]
        if not (0 < deg < n and n * deg % 2 == 0):
            raise OptionError(f"graph spec {spec!r}: need 0 < D < N and N*D even")
        g = nx.random_regular_graph(deg, n, seed=seed)
        edges, w = np.array(sorted(g.edges())), None
        return Graph.from_edges(n, edges[:, 0], edges[:, 1], w, name=spec)
    if family in ("gnp", "pm1"):
        n, p, seed = (_fields(spec, (int, float, int), 1) + [0])[:3]
        if n < 2 or not 0 < p <= 1:
            raise OptionError(f"graph spec {spec!r}: need N >= 2 and 0 < P <= 1")
        g = nx.gnp_random_graph(n, p, seed=seed)
        edges = np.array(sorted(g.edges()), dtype=np.int64).reshape(-1, 2)
        if len(edges) == 0:
            raise InputError("the generated graph has no edges", path=spec)
        rng = np.random.default_rng(seed)
        w = rng.choice([-1.0, 1.0], size=len(edges)) if family == "pm1" else None
        return Graph.from_edges(n, edges[:, 0], edges[:, 1], w, name=spec)
    if family == "wgnp":
        n, p, r, seed = (_fields(spec, (int, float, int, int), 1) + [0])[:4]
        if n < 2 or not 0 < p <= 1 or r < 1:
            raise OptionError(f"graph spec {spec!r}: need N >= 2, 0 < P <= 1 and R >= 1")
        edges = np.array(sorted(nx.gnp_random_graph(n, p, seed=seed).edges()), dtype=np.int64).reshape(-1, 2)
        if len(edges) == 0:
            raise InputError("the generated graph has no edges", path=spec)
        w = np.random.default_rng(seed).integers(1, r + 1, size=len(edges)).astype(np.float64)
        w *= np.random.default_rng(seed + 1).choice([-1.0, 1.0], size=len(edges))
        return Graph.from_edges(n, edges[:, 0], edges[:, 1], w, name=spec)
    if family == "torus":
        rows, cols, seed = _fields(spec, (int, int), 0) + [0]
    else:
        rows, cols, seed = (_fields(spec, (int, int, int), 1) + [0])[:3]
    if rows < 3 or cols < 3:
        raise OptionError(f"graph spec {spec!r}: a toroidal grid needs R, C >= 3")
    idx = np.arange(rows * cols).reshape(rows, cols)
    heads = np.concatenate([idx.ravel(), idx.ravel()])
    tails = np.concatenate([np.roll(idx, -1, axis=1).ravel(), np.roll(idx, -1, axis=0).ravel()])
    w = None
    if family == "torus-pm1":
        w = np.random.default_rng(seed).choice([-1.0, 1.0], size=len(heads))
    return Graph.from_edges(rows * cols, heads, tails, w, name=spec)


def load_best_known(*paths: Path | None) -> dict[str, float]:
    """Best-known cut values by instance name from CSV files with ``instance`` and ``best_known`` columns.

    Missing files are skipped (an empty dict when none exists); later files win.
    """
    known: dict[str, float] = {}
    for path in paths:
        if path is None or not Path(path).is_file():
            continue
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not {"instance", "best_known"} <= set(reader.fieldnames):
                raise InputError("expected the columns 'instance' and 'best_known'", path=path)
            for line, row in enumerate(reader, start=2):
                try:
                    value = float(row["best_known"])
                except (TypeError, ValueError):
                    raise InputError(f"best_known {row['best_known']!r} is not a number", path=path,
                                     line=line) from None
                if math.isfinite(value):
                    known[row["instance"]] = value
    return known


@dataclass(frozen=True)
class PointSpec:
    """One JL point set: a file (``kind`` 'file') or a built-in set (``kind`` 'set')."""

    name: str
    kind: str
    path: Path | None = None


def resolve_point_spec(spec: str) -> PointSpec:
    """An existing file, else a built-in set name (:data:`solver.jl.datasets.SETS`), else a (missing) file."""
    from ..jl.datasets import SETS

    path = Path(spec)
    if path.exists() or spec not in SETS:
        return PointSpec(path.stem or spec, "file", path)
    return PointSpec(spec, "set")


def load_points(spec: PointSpec, *, n: int = 500, d: int = 100, seed: int = 0) -> np.ndarray:
    """Read or generate the points of ``spec`` (``n``, ``d``, ``seed`` apply to built-in sets)."""
    if spec.kind == "set":
        from ..jl.datasets import make_set

        return make_set(spec.name, n=n, d=d, seed=seed)
    from ..io.points import read_points

    return read_points(spec.path)
