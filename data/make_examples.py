"""Regenerate the bundled example graphs (deterministic): python data/make_examples.py"""

from pathlib import Path

import networkx as nx
import numpy as np

HERE = Path(__file__).resolve().parent


def karate() -> None:
    """Zachary's karate club (34 members, 78 friendships), shipped with networkx."""
    g = nx.karate_club_graph()
    lines = ["# Zachary's karate club: 34 vertices, 78 unweighted edges (networkx.karate_club_graph)"]
    lines += [f"{u} {v}" for u, v in sorted(g.edges())]
    (HERE / "karate.edgelist").write_text("\n".join(lines) + "\n")


def random_pm1(n: int = 120, p: float = 0.08, seed: int = 7) -> None:
    """G(n, p) with +-1 weights, in Gset/rudy format (1-based, header 'n m')."""
    rng = np.random.default_rng(seed)
    g = nx.gnp_random_graph(n, p, seed=seed)
    edges = sorted(g.edges())
    w = rng.choice([-1, 1], size=len(edges))
    body = "".join(f"{u + 1} {v + 1} {int(x)}\n" for (u, v), x in zip(edges, w))
    (HERE / f"gnp{n}_pm1.rudy").write_text(f"{n} {len(edges)}\n" + body)


def g05(n: int = 60, seed: int = 1) -> None:
    """A dense G(n, 1/2) with unit weights, as rudy's g05 instances of the Max-Cut literature (rudy format)."""
    edges = sorted(nx.gnp_random_graph(n, 0.5, seed=seed).edges())
    body = "".join(f"{u + 1} {v + 1} 1\n" for u, v in edges)
    (HERE / f"g05_{n}.rudy").write_text(f"{n} {len(edges)}\n" + body)


def torus(rows: int = 10, cols: int = 12) -> None:
    """A toroidal grid in Matrix Market coordinate format (symmetric, lower triangle)."""
    g = nx.convert_node_labels_to_integers(nx.grid_2d_graph(rows, cols, periodic=True), ordering="sorted")
    entries = sorted((max(u, v) + 1, min(u, v) + 1) for u, v in g.edges())
    n = rows * cols
    head = f"%%MatrixMarket matrix coordinate pattern symmetric\n% {rows}x{cols} toroidal grid\n{n} {n} {len(entries)}\n"
    (HERE / f"torus{rows}x{cols}.mtx").write_text(head + "".join(f"{i} {j}\n" for i, j in entries))


def cities() -> None:
    """A small weighted graph with named vertices and some negative weights."""
    rng = np.random.default_rng(3)
    names = ["amsterdam", "berlin", "cairo", "delhi", "edinburgh", "florence", "geneva", "havana",
             "istanbul", "jakarta", "kyoto", "lima"]
    g = nx.gnp_random_graph(len(names), 0.45, seed=3)
    lines = ["# named vertices, real weights, a few negative: u v w"]
    for u, v in sorted(g.edges()):
        lines.append(f"{names[u]} {names[v]} {rng.uniform(-1.0, 3.0):.3f}")
    (HERE / "cities.edgelist").write_text("\n".join(lines) + "\n")


def spin_glass(side: int = 8, seed: int = 5) -> None:
    """A +-J spin glass on a side x side torus with small random fields, as JSON of h and J."""
    import json

    rng = np.random.default_rng(seed)
    label = lambda r, c: f"s{r}_{c}"  # noqa: E731
    couplings = []
    for r in range(side):
        for c in range(side):
            for dr, dc in ((0, 1), (1, 0)):
                couplings.append([label(r, c), label((r + dr) % side, (c + dc) % side), int(rng.choice([-1, 1]))])
    fields = {label(r, c): float(rng.choice([-0.5, 0.0, 0.5])) for r in range(side) for c in range(side)}
    text = json.dumps({"h": fields, "J": couplings, "offset": 0}, indent=1)
    (HERE / f"spinglass{side}x{side}.json").write_text(text + "\n")


def bqp(n: int = 30, problems: int = 2, density: float = 0.3, seed: int = 11) -> None:
    """An OR-Library bqp file (Beasley's format, maximize x^T Q x) with a few small problems."""
    rng = np.random.default_rng(seed)
    lines = [str(problems)]
    for _ in range(problems):
        entries = [(i, j, int(rng.integers(-100, 101))) for i in range(n) for j in range(i, n)
                   if rng.random() < density]
        entries = [e for e in entries if e[2] != 0]
        lines.append(f"{n} {len(entries)}")
        lines += [f"{i + 1} {j + 1} {q}" for i, j, q in entries]
    (HERE / f"bqp{n}.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    karate()
    random_pm1()
    g05()
    torus()
    cities()
    spin_glass()
    bqp()
