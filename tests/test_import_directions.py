"""The package's layers import downwards only: core knows no problem, the problems know no baseline,
benchmark or command line, and the baselines never reach the derandomization. Read from the source
(every import statement, inside functions too), so a lazy import cannot hide a cycle."""

import ast
from collections import defaultdict
from pathlib import Path

SOLVER = Path(__file__).resolve().parent.parent / "solver"

# subpackage -> the subpackages it may import (besides itself); a module missing here may import nothing
ALLOWED = {
    "errors": set(),
    "graph": {"errors"},
    "model": {"errors", "graph"},
    "_lazy": set(),
    "core": {"errors", "_lazy"},
    "io": {"errors", "graph", "model"},
    "maxcut": {"core", "errors", "graph", "io", "_lazy"},
    "jl": {"core", "errors", "io"},
    "structure": {"core", "errors", "io"},
    # Ising and QUBO are not a problem of their own: they are solved as MAX-CUT, through the reduction in model
    "ising": {"errors", "maxcut", "model"},
    "ocean": {"errors", "ising", "model"},
    "baselines": {"errors", "graph", "jl"},  # the JL problem's pair scan, certificate and minimax; see below
    "distributed": {"core", "errors", "graph", "maxcut"},
    "benchmark": {"baselines", "core", "errors", "graph", "io", "ising", "jl", "maxcut", "model"},
    "cli": {"benchmark", "distributed", "errors", "io", "ising", "jl", "maxcut", "structure", "core"},
    "_entry": {"cli"},
    "__main__": {"_entry"},
}
# what the baselines may use of a problem: its shared machinery, never the derandomization
BASELINE_MAY_USE = {"solver.jl.distortion", "solver.jl.minimax", "solver.jl.pairs"}


def _imports():
    """{(importing module, imported module)} for every solver -> solver import in the source."""
    found = set()
    for path in SOLVER.rglob("*.py"):
        parts = path.relative_to(SOLVER.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                    names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
                else:
                    names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            found.update((module, n) for n in names if n == "solver" or n.startswith("solver."))
    return found


def _layer(module: str) -> str:
    """The subpackage or top-level module; names from solver/__init__.py itself (__version__) are the root."""
    parts = module.split(".")
    if len(parts) > 1 and ((SOLVER / parts[1]).is_dir() or (SOLVER / f"{parts[1]}.py").is_file()):
        return parts[1]
    return "__init__"


def test_layers_import_downwards_only():
    wrong = defaultdict(set)
    for source, target in _imports():
        a, b = _layer(source), _layer(target)
        if a == "__init__" or a == b or b in ALLOWED.get(a, set()) or (b == "__init__" and a != "core"):
            continue
        wrong[source].add(target)
    assert not wrong, "imports against the layering: " + "; ".join(
        f"{s} -> {', '.join(sorted(t))}" for s, t in sorted(wrong.items()))


def test_the_baselines_never_reach_the_derandomization():
    reached = sorted((s, t) for s, t in _imports()
                     if _layer(s) == "baselines" and _layer(t) in ("jl", "maxcut", "structure")
                     and t not in BASELINE_MAY_USE)
    assert not reached, reached


def test_no_problem_imports_another():
    problems = {"maxcut", "jl", "structure"}
    crossing = sorted((s, t) for s, t in _imports()
                      if _layer(s) in problems and _layer(t) in problems and _layer(s) != _layer(t))
    assert not crossing, crossing


def test_the_check_itself_sees_imports():
    edges = _imports()
    assert ("solver.baselines.projections", "solver.jl.minimax") in edges  # a relative import, resolved
    assert any(s == "solver.cli" and t.startswith("solver.jl") for s, t in edges)  # one inside a function


def test_no_problem_runs_pgd_itself():
    """Every derandomization goes through solver.core.engine: PGD and the second-order test are its own."""
    used = defaultdict(set)
    for path in SOLVER.rglob("*.py"):
        if path.parent.name == "core":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name in ("perturbed_gradient_descent", "second_order_check"):
                        used[str(path.relative_to(SOLVER.parent))].add(alias.name)
    assert not used, dict(used)
