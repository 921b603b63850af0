"""The distributed pipeline: shards add up to the whole, and two processes agree with one.

The unit tests need no process group (the shards are summed in one process);
the two integration tests start two real processes on loopback with gloo:
one through torchrun and the command line, one with torch.multiprocessing
for the sharded products (ghost exchange, the bound's eigensolver operator).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from solver.cli import app
from solver.distributed import partition_vertices, shard_graph
from solver.distributed.group import launched_by_torchrun
from solver.maxcut import EdgeData, expected_cut, expected_cut_gradient, gw_expected_cut, solve_maxcut
from solver.maxcut.sdp import sdp_value

from .conftest import ROOT, random_graph

dist = pytest.importorskip("torch.distributed")
needs_gloo = pytest.mark.skipif(not (dist.is_available() and dist.is_gloo_available()),
                                reason="torch.distributed with gloo is not available")


def degrees(graph):
    return np.bincount(graph.edges.ravel(), minlength=graph.n)


# ------------------------------------------------------------------ units
@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_partition_is_contiguous_covering_and_balanced_by_work(parts):
    g = random_graph(60, 0.15, 4)
    P = partition_vertices(degrees(g), parts)
    b = P.bounds
    assert b[0] == 0 and b[-1] == g.n and np.all(np.diff(b) >= 1) and P.parts == parts
    assert np.array_equal(P.owner(np.arange(g.n)), np.repeat(np.arange(parts), np.diff(b)))
    work = np.add.reduceat(degrees(g) + 1.0, b[:-1])
    # each block is within one vertex's work of the ideal share
    assert np.all(np.abs(work - work.sum() / parts) <= (degrees(g) + 1).max() + 1e-9)


def test_partition_rejects_more_parts_than_vertices():
    with pytest.raises(Exception, match="'parts' parameter must be an integer in 1..3"):
        partition_vertices(np.ones(3), 4)


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_shards_hold_every_edge_once_and_reproduce_the_laplacian_rows(parts):
    g = random_graph(40, 0.2, 5, weights="signed")
    shards = shard_graph(g, partition_vertices(degrees(g), parts))
    assert np.array_equal(np.vstack([s.edges for s in shards]), g.edges)
    assert np.array_equal(np.concatenate([s.weights for s in shards]), g.weights)
    V = np.random.default_rng(0).normal(size=(g.n, 5))
    LV = g.laplacian @ V
    # the gathered buffer of every rank's boundary rows, as GhostExchange builds it
    size = shards[0].max_boundary
    buffer = np.zeros((parts * size, 5))
    for s in shards:
        buffer[s.rank * size: s.rank * size + len(s.boundary)] = V[s.lo + s.boundary]
    for s in shards:
        own_and_ghosts = np.vstack([V[s.lo:s.hi], buffer[s.ghost_slots]])
        assert np.array_equal(own_and_ghosts, V[s.columns])
        # bit for bit: the same entries in the same order per row
        assert np.array_equal(s.rows @ own_and_ghosts, LV[s.lo:s.hi])
    sides = np.arange(g.n) % 3 == 0
    assert sum(s.cut_value(sides) for s in shards) == pytest.approx(g.cut_value(sides), rel=1e-12)


def test_sharded_edge_sums_add_up_to_the_whole_graph():
    g = random_graph(50, 0.2, 6, weights="positive")
    shards = shard_graph(g, partition_vertices(degrees(g), 3))
    gen = torch.Generator().manual_seed(0)
    V = torch.randn(g.n, 4, generator=gen, dtype=torch.float64)
    mu = 0.3 * torch.randn(g.n, generator=gen, dtype=torch.float64)
    whole = EdgeData.from_graph(g)
    parts = [EdgeData(g.n, s.edges, s.weights) for s in shards]
    assert sum(float(expected_cut(V, mu, e)) for e in parts) == pytest.approx(float(expected_cut(V, mu, whole)),
                                                                              rel=1e-12)
    dV, dmu = expected_cut_gradient(V, mu, whole)
    grads = [expected_cut_gradient(V, mu, e) for e in parts]
    torch.testing.assert_close(sum(d for d, _ in grads), dV, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(sum(d for _, d in grads), dmu, rtol=1e-12, atol=1e-12)
    assert sum(gw_expected_cut(V, e) for e in parts) == pytest.approx(gw_expected_cut(V, whole), rel=1e-12)


def test_torchrun_detection_reads_world_size():
    assert launched_by_torchrun({"WORLD_SIZE": "2"})
    assert not launched_by_torchrun({"WORLD_SIZE": "1"}) and not launched_by_torchrun({})


def test_distributed_flag_without_torchrun_is_a_clean_error(monkeypatch):
    for var in ("WORLD_SIZE", "RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(var, raising=False)
    res = CliRunner().invoke(app, ["maxcut", str(ROOT / "data" / "karate.edgelist"), "--distributed", "-q"])
    assert res.exit_code == 1
    assert "error: a distributed run needs torchrun's environment" in res.output
    assert "Traceback" not in res.output


# ------------------------------------------------------- two real processes
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for var in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(var, None)
    return env


@needs_gloo
def test_two_processes_give_the_single_process_cut_and_bound(tmp_path):
    """torchrun, 2 ranks, gloo on loopback: same certificate keys, same cut, bound within 1e-6.

    The improvement phase is off: it stops on the clock, so two runs of it
    need not end at the same cut; everything before it is deterministic.
    """
    g = random_graph(60, 0.1, 11)
    path = tmp_path / "g60.edgelist"
    path.write_text("".join(f"{i} {j}\n" for i, j in g.edges))
    one = solve_maxcut(g, device="cpu", seed=5, improve=False).certificate()
    port = _free_port()
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc-per-node", "2",
           "--rdzv-backend", "c10d", "--rdzv-endpoint", f"127.0.0.1:{port}",
           "-m", "solver", "maxcut", str(path), "--no-improve", "--seed", "5", "--device", "cpu",
           "-c", str(tmp_path / "cert.json"), "-o", str(tmp_path / "cut.tsv"), "-q"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    two = json.loads((tmp_path / "cert.json").read_text())
    assert set(two) == set(one)
    assert two["cut_value"] == one["cut_value"] and two["derandomized_cut"] == one["derandomized_cut"]
    assert two["upper_bound"] == pytest.approx(one["upper_bound"], rel=1e-6)
    assert two["sdp_value"] == pytest.approx(one["sdp_value"], rel=1e-6)
    assert two["bound"]["method"] == one["bound"]["method"] and two["bound"]["verified"] == one["bound"]["verified"]
    assert two["cut_value"] <= two["upper_bound"] and two["guarantee"]["met"]
    assert any(note.startswith("distributed: 2 ranks (gloo)") for note in two["notes"])
    sides = np.array([int(line.split("\t")[1]) for line in (tmp_path / "cut.tsv").read_text().splitlines()])
    assert g.cut_value(sides) == two["cut_value"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cert.json", "cut.tsv", "g60.edgelist"]  # rank 0 alone wrote


@needs_gloo
def test_one_rank_doubles_the_sdp_rank_as_one_process_does(tmp_path):
    """torchrun with one process and --distributed, on a graph whose SDP rank doubles (16 -> 32): the
    sharded engine decides the doubling on the same estimate as a plain run, so every figure agrees."""
    g = random_graph(3100, 0.006, 0)
    path = tmp_path / "g.edgelist"
    path.write_text("".join(f"{i} {j}\n" for i, j in g.edges))
    one = solve_maxcut(g, device="cpu", seed=5, improve=False).certificate()
    assert any("adaptive rank 16 -> 32" in note for note in one["notes"])
    port = _free_port()
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc-per-node", "1",
           "--rdzv-backend", "c10d", "--rdzv-endpoint", f"127.0.0.1:{port}",
           "-m", "solver", "maxcut", str(path), "--distributed", "--no-improve", "--seed", "5", "--device", "cpu",
           "-c", str(tmp_path / "cert.json"), "-q"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    sharded = json.loads((tmp_path / "cert.json").read_text())
    assert [n for n in sharded["notes"] if n.startswith("sdp:")] == [n for n in one["notes"] if n.startswith("sdp:")]
    assert sharded["sdp"]["rank"] == one["sdp"]["rank"] == 32
    assert sharded["cut_value"] == one["cut_value"] and sharded["derandomized_cut"] == one["derandomized_cut"]
    assert sharded["upper_bound"] == pytest.approx(one["upper_bound"], rel=1e-9)


def _sharded_products_worker(rank: int, port: int, out: str) -> None:
    """One rank: a loader error, the ghost exchange against L V, the bound on the LOBPCG path against one process."""
    os.environ.update(WORLD_SIZE="2", RANK=str(rank), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    from solver.distributed import ShardedLaplacianRows, init_process_group, shutdown
    from solver.distributed.bound import sharded_dual_upper_bound
    from solver.maxcut import bound as bound_module
    from solver.maxcut.bound import dual_upper_bound

    group = init_process_group("cpu")
    try:
        from solver.distributed import scatter_graph
        from solver.errors import DerandError, InputError

        def bad_file():
            raise InputError("no such file", path="missing.txt")

        try:  # an error on rank 0 reaches every rank, none waits for the scatter
            scatter_graph(group, bad_file)
            raised = ""
        except DerandError as exc:
            raised = f"{type(exc).__name__}: {exc}"
        g = random_graph(80, 0.08, 12, weights="signed")
        shard = shard_graph(g, partition_vertices(degrees(g), 2))[rank]
        V = np.random.default_rng(1).normal(size=(g.n, 6))
        rows = ShardedLaplacianRows(shard, group, torch.device("cpu"), torch.float64)
        LV = rows.matmul(torch.as_tensor(V[shard.lo:shard.hi])).numpy()
        # the same sums as scipy's, in the order of torch's sparse kernel: equal to rounding
        reference = (g.laplacian @ V)[shard.lo:shard.hi]
        exact_rows = bool(np.allclose(LV, reference, rtol=0, atol=1e-12 * np.abs(reference).max()))
        value = rows.value(V)
        # force the path of graphs too big to factor: the LOBPCG estimate, its products sharded
        bound_module.DENSE_LIMIT, bound_module.FILL_BUDGET = 0, 0
        sharded = sharded_dual_upper_bound(shard, group, V, seed=3, graph=g if rank == 0 else None)
        single = dual_upper_bound(g, V, seed=3)
        with open(f"{out}.{rank}.json", "w") as fh:
            json.dump({"raised": raised, "exact_rows": exact_rows, "value": value, "sdp_value": sdp_value(g, V),
                       "sharded": sharded.to_dict(), "single": single.to_dict()}, fh)
    finally:
        shutdown()


@needs_gloo
def test_sharded_products_match_one_process(tmp_path):
    import torch.multiprocessing as mp

    out = str(tmp_path / "rank")
    mp.spawn(_sharded_products_worker, args=(_free_port(), out), nprocs=2, join=True)
    for rank in (0, 1):
        r = json.loads(open(f"{out}.{rank}.json").read())
        assert r["raised"] == ("InputError: missing.txt: no such file" if rank == 0
                               else "DistributedError: rank 0 failed: missing.txt: no such file")
        assert r["exact_rows"]
        assert r["value"] == pytest.approx(r["sdp_value"], rel=1e-12)
        s, one = r["sharded"], r["single"]
        assert s["method"] == one["method"] == "lanczos-probabilistic" and s["verified"] is one["verified"] is False
        assert s["upper_bound"] == pytest.approx(one["upper_bound"], rel=1e-6)
        assert s["dual_sum"] == one["dual_sum"]  # y from the shards is bit for bit the same
