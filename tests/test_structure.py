"""Structure discovery: the lemma at work on a student network, its two controls, the command."""

import json
import struct
import sys
import warnings

import pytest
import torch
from typer.testing import CliRunner

from solver.cli import app
from solver.core.hessian import finite_difference_hvp
from solver.errors import DerandError, DerandWarning, OptionError
from solver.structure import (
    Student,
    check_plot_path,
    discover_structure,
    effective_rank,
    make_teacher,
    plot_structure,
    subspace_alignment,
)
from solver.structure.experiment import _Risk

from .conftest import cuda

runner = CliRunner()

#: Small enough for a test, large enough that the lemma has room to act
#: (about a second per run on one core).
SMALL = dict(dim=8, teacher_rank=2, width=16, samples=512, steps=1500, device="cpu")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def quiet_discover(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DerandWarning)
        return discover_structure(**kwargs)


@pytest.fixture(scope="module")
def runs():
    """The default and both controls, from the same teacher, data and initial W_1."""
    return {
        "default": quiet_discover(**SMALL),
        "no_reg": quiet_discover(**SMALL, reg=0.0),
        "frozen": quiet_discover(**SMALL, freeze_bias=True),
    }


# ------------------------------------------------------------------ the theory


def test_stein_identity_the_perp_gradient_is_the_bias_hessian_times_w_perp():
    """The lemma's engine: grad_{W_1} R (I - U^T U) = H_{b_1 b_1} W_1 (I - U^T U), checked by Monte Carlo."""
    gen = torch.Generator().manual_seed(1)
    teacher = make_teacher("mlp", 5, 2, generator=gen)
    student = Student(dim=5, width=3, depth=2)
    x = student.init(generator=gen) + 0.3 * torch.randn(student.num_params, generator=gen, dtype=torch.float64)
    X, y = teacher.sample(100_000, generator=gen)
    risk = _Risk(student, X, y, reg=0.0)
    grad_W1 = student.first_layer(risk.gradient(x))
    offset = student.width * student.dim  # b_1 follows W_1 in the flat vector
    basis = torch.eye(student.num_params, dtype=torch.float64)[offset:offset + student.width]
    H_bb = torch.stack([risk.hvp(x, e)[offset:offset + student.width] for e in basis])
    P = teacher.orthogonal_projector()
    lhs, rhs = grad_W1 @ P, H_bb @ student.first_layer(x) @ P
    assert rhs.norm() > 0.05
    assert torch.allclose(lhs, rhs, atol=0.02 * float(rhs.norm()))


def test_orthogonal_component_shrinks_by_a_large_factor_with_trainable_biases(runs):
    r = runs["default"]
    assert r.orthogonal_shrink > 10, r.orthogonal_shrink
    assert r.effective_rank == r.teacher_rank and r.effective_rank_start == r.dim
    assert r.alignment > 0.999 and r.alignment_start < 0.9
    assert r.test_loss < 0.01 * r.test_variance
    assert r.history[0] == (0, r.orthogonal_norm_start, r.parallel_norm_start)
    assert r.history[-1][1] == r.orthogonal_norm and r.history[-1][0] == r.iterations
    # The recorded singular values are those of the final W_1.
    assert r.spectrum_history[-1][1] == r.singular_values


def test_controls_show_both_sides_of_the_lemma(runs):
    default, no_reg, frozen = runs["default"], runs["no_reg"], runs["frozen"]
    # Same teacher, same data, same W_1 at the start: only the control differs.
    assert no_reg.singular_values_start == frozen.singular_values_start == default.singular_values_start
    # reg = 0: the fit is as good, but nothing removes W_perp along the flat directions.
    assert no_reg.orthogonal_norm > 5 * default.orthogonal_norm
    assert no_reg.effective_rank > default.effective_rank
    assert no_reg.test_loss < 0.01 * no_reg.test_variance
    # Frozen biases: no b-block to be PSD; PGD settles with W_perp far from 0, no negative
    # curvature left to escape along, and a worse fit.
    assert frozen.orthogonal_norm > 5 * default.orthogonal_norm
    assert frozen.effective_rank > default.effective_rank
    assert frozen.sosp.min_eigenvalue >= -frozen.sosp.hess_tol
    assert frozen.test_loss > 10 * default.test_loss
    assert frozen.num_params == default.num_params - (SMALL["width"] + 1)


def test_result_is_reproducible_with_a_seed():
    kw = dict(dim=6, width=6, samples=128, steps=200, device="cpu")
    a, b = quiet_discover(**kw, seed=3), quiet_discover(**kw, seed=3)
    da, db = a.to_dict(), b.to_dict()
    da.pop("seconds"), db.pop("seconds")
    assert da == db
    assert quiet_discover(**kw, seed=4).singular_values != a.singular_values


def test_effective_rank_and_alignment():
    assert effective_rank(torch.tensor([1.0, 0.06, 0.04])) == 2
    assert effective_rank(torch.zeros(3)) == 0
    gen = torch.Generator().manual_seed(0)
    U = make_teacher("tanh-sum", 10, 3, generator=gen).U
    inside = torch.randn(7, 3, generator=gen, dtype=torch.float64) @ U
    assert torch.allclose(subspace_alignment(inside, U), torch.ones(3, dtype=torch.float64))
    outside = torch.randn(7, 10, generator=gen, dtype=torch.float64) @ (torch.eye(10, dtype=torch.float64) - U.T @ U)
    assert float(subspace_alignment(outside, U).max()) < 1e-8


def test_student_layout_and_hessian_vector_products():
    s = Student(dim=4, width=3, depth=2)
    frozen = Student(dim=4, width=3, depth=2, freeze_bias=True)
    assert s.num_params == 4 * 3 + 3 + 3 * 3 + 3 + 3 + 1 and frozen.num_params == 4 * 3 + 3 * 3 + 3
    x = s.init(generator=torch.Generator().manual_seed(0))
    assert s.first_layer(x).data_ptr() == x.data_ptr()  # a view, not a copy
    # With zero biases the two layouts compute the same function.
    weights = torch.cat([v.reshape(-1) for k, v in s.blocks(x).items() if k.startswith("W") or k == "a"])
    X = torch.randn(5, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(s.forward(x, X), frozen.forward(weights, X))
    risk = _Risk(s, X, torch.randn(5, dtype=torch.float64), reg=1e-3)
    v = torch.randn(s.num_params, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    xt = x + 0.1
    assert torch.allclose(risk.hvp(xt, v), finite_difference_hvp(risk.gradient, xt)(v), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs,name",
    [
        (dict(dim=1), "dim"),
        (dict(teacher_rank=8), "teacher_rank"),
        (dict(teacher_rank=0), "teacher_rank"),
        (dict(width=1), "width"),
        (dict(depth=0), "depth"),
        (dict(samples=0), "samples"),
        (dict(steps=0), "steps"),
        (dict(reg=-1.0), "reg"),
        (dict(reg=float("nan")), "reg"),
        (dict(teacher="relu"), "teacher"),
        (dict(lr=0.0), "lr"),
        (dict(device="tpu"), "device"),
    ],
)
def test_bad_parameters_are_named(kwargs, name):
    args = dict(dim=8, teacher_rank=2, device="cpu", steps=10)
    args.update(kwargs)
    with pytest.raises(OptionError, match=f"The '{name}' parameter must be"):
        discover_structure(**args)


# ------------------------------------------------------------------ the command


def test_cli_json_has_the_documented_keys():
    res = run("structure", "--dim", 6, "--teacher-rank", 1, "--width", 4, "--samples", 64, "--steps", 60,
              "--seed", 2, "--device", "cpu", "--json")
    assert res.exit_code == 0, res.output
    rec = json.loads(res.stdout)
    for key in ("singular_values", "effective_rank", "alignment", "teacher_rank", "orthogonal_norm",
                "orthogonal_norm_history", "test_loss", "grad_norm", "min_hessian_eigenvalue", "sosp", "seed",
                "device", "freeze_bias", "reg"):
        assert key in rec, key
    assert rec["teacher_rank"] == 1 and rec["seed"] == 2 and len(rec["singular_values"]) == 4
    assert rec["orthogonal_norm_history"][0] == [0, rec["orthogonal_norm_start"]]
    assert rec["orthogonal_norm_history"][-1] == [60, rec["orthogonal_norm"]]


def test_cli_plot_is_a_png_and_the_summary_is_printed(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "structure.png"
    res = run("structure", "--dim", 6, "--width", 6, "--samples", 64, "--steps", 100, "--device", "cpu",
              "--freeze-bias", "--plot", png)
    assert res.exit_code == 0, res.output
    data = png.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 1000 and height > 300
    assert sorted(p.name for p in tmp_path.iterdir()) == ["structure.png"]  # no temporary file left
    for word in ("effective rank", "alignment", "||W_perp||_F", "test loss", "SOSP", "frozen"):
        assert word in res.stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (["--width", "1"], "The 'width' parameter must be an integer >= teacher_rank = 2. Got 1 instead."),
        (["--teacher-rank", "16"], "The 'teacher_rank' parameter must be an integer between 1 and dim - 1 = 15."),
        (["--dim", "1"], "The 'dim' parameter must be an integer >= 2. Got 1 instead."),
        (["--depth", "0"], "The 'depth' parameter must be a positive integer. Got 0 instead."),
        (["--samples", "0"], "The 'samples' parameter must be a positive integer. Got 0 instead."),
        (["--steps", "-5"], "The 'steps' parameter must be a positive integer. Got -5 instead."),
        (["--reg", "-1"], "The 'reg' parameter must be a finite number >= 0. Got -1.0 instead."),
        (["--reg", "inf"], "The 'reg' parameter must be a finite number >= 0. Got inf instead."),
        (["--teacher", "relu"], "Invalid value for '--teacher'"),
        (["--device", "tpu"], "Invalid value for '--device'"),
        (["--width", "abc"], "Invalid value for '--width'"),
    ],
)
def test_cli_bad_options_are_clear_errors_and_write_nothing(tmp_path, args, message):
    png = tmp_path / "out.png"
    res = run("structure", "--plot", png, *args)
    assert res.exit_code != 0
    text = (res.stderr + res.output).replace("\n", " ")
    assert message in " ".join(text.split()) or message in text, text
    assert "Traceback" not in res.output and not png.exists()
    if "Invalid value" not in message:
        assert res.exit_code == 1 and res.stderr.startswith("error: ")


def test_cli_bad_plot_paths_fail_before_training(tmp_path):
    res = run("structure", "--plot", tmp_path / "figure.jpg")
    assert res.exit_code == 1 and "The 'plot' parameter must be a path ending in .png" in res.stderr
    res = run("structure", "--plot", tmp_path / "no" / "such" / "figure.png")
    assert res.exit_code == 1 and "folder does not exist" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_missing_matplotlib_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` raise ImportError
    with pytest.raises(DerandError, match="pip install 'derand\\[plot\\]'"):
        check_plot_path(tmp_path / "a.png")
    res = run("structure", "--plot", tmp_path / "a.png")
    assert res.exit_code == 1 and "matplotlib" in res.stderr and "Traceback" not in res.output
    assert not (tmp_path / "a.png").exists()


def test_cuda_without_a_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    res = run("structure", "--device", "cuda")
    assert res.exit_code == 1 and "CUDA" in res.stderr


def test_not_reaching_an_sosp_is_a_warning_not_an_error():
    with pytest.warns(DerandWarning, match="no approximate SOSP within 20 steps"):
        r = discover_structure(dim=6, width=4, samples=64, steps=20, device="cpu")
    assert r.status == "max_iters" and not r.sosp.is_sosp
    res = run("structure", "--dim", 6, "--width", 4, "--samples", 64, "--steps", 20, "-q")
    assert res.exit_code == 0 and res.stdout == "" and "warning: structure: no approximate SOSP" in res.stderr


@cuda
def test_cuda_run_discovers_the_same_structure():
    r = quiet_discover(**{**SMALL, "device": "cuda"})
    assert r.device.startswith("cuda")
    assert r.orthogonal_shrink > 10 and r.effective_rank == r.teacher_rank and r.alignment > 0.999
