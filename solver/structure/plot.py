"""The structure-discovery figure: W_1's spectrum and its component outside span(U).

matplotlib is optional (``pip install 'derand[plot]'``); it is imported only
here, only when a figure is asked for, and through its object-oriented API
(no pyplot, no global backend switch).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from ..errors import DerandError, check_option
from ..io.writers import atomic_write
from .experiment import EFFECTIVE_RANK_THRESHOLD, StructureResult

__all__ = ["check_plot_path", "plot_structure"]

_MISSING = "plotting needs matplotlib, which is not installed: pip install 'derand[plot]' (or matplotlib>=3.7)"


def check_plot_path(path: str | os.PathLike) -> None:
    """Fail before any computation if a figure cannot be made at ``path``.

    Raises
    ------
    OptionError
        If ``path`` does not end in ``.png``.
    DerandError
        If matplotlib is not installed.
    """
    check_option(Path(path).suffix.lower() == ".png", "plot", "a path ending in .png", str(path))
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise DerandError(_MISSING) from None


def plot_structure(result: StructureResult, path: str | os.PathLike) -> None:
    """Draw ``result`` to a PNG at ``path``, atomically (no partial file on failure).

    Three panels: (a) W_1's singular values at the start and the end, with
    the 5 % effective-rank threshold; (b) the whole spectrum along the run;
    (c) ||W_perp||_F and ||W_par||_F along the run.

    Parameters
    ----------
    result : StructureResult
    path : path-like
        Ends in ``.png``.

    Raises
    ------
    OptionError, DerandError, InputError
        A path that is not ``.png``, matplotlib missing, a folder that cannot be written.
    """
    check_plot_path(path)
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    r = result.teacher_rank
    fig = Figure(figsize=(14, 4.4), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    ax_spec, ax_traj, ax_perp = fig.subplots(1, 3)
    in_color, out_color, start_color = "#1f77b4", "#d62728", "#9e9e9e"

    k = len(result.singular_values)
    idx = range(1, k + 1)
    floor = _floor(result)
    ax_spec.semilogy(idx, [max(v, floor) for v in result.singular_values_start], "o", mfc="none",
                     color=start_color, label="at initialization")
    colors = [in_color if i < r else out_color for i in range(k)]
    ax_spec.scatter(idx, [max(v, floor) for v in result.singular_values], c=colors, zorder=3,
                    label=f"after {result.iterations} PGD steps")
    ax_spec.axhline(EFFECTIVE_RANK_THRESHOLD * result.singular_values[0], ls="--", lw=1, color="black")
    ax_spec.text(k, EFFECTIVE_RANK_THRESHOLD * result.singular_values[0] * 1.15, "5 % of the largest",
                 ha="right", va="bottom", fontsize=8)
    ax_spec.axvspan(0.5, r + 0.5, color=in_color, alpha=0.08, lw=0)
    ax_spec.set_xlabel("index i")
    ax_spec.set_ylabel("singular value  s_i(W_1)")
    ax_spec.set_title(f"(a) spectrum of W_1: effective rank {result.effective_rank_start} -> "
                      f"{result.effective_rank}, alignment {result.alignment:.5f}", fontsize=10)
    ax_spec.legend(fontsize=8, loc="lower left")

    steps = [step for step, _ in result.spectrum_history]
    for i in range(k):
        values = [max(s[i], floor) for _, s in result.spectrum_history]
        ax_traj.semilogy(steps, values, color=in_color if i < r else out_color, lw=1.4 if i < r else 0.8,
                         alpha=1.0 if i < r else 0.6)
    ax_traj.plot([], [], color=in_color, label=f"top {r} (the teacher's rank)")
    ax_traj.plot([], [], color=out_color, label="the others")
    ax_traj.set_xlabel("PGD step")
    ax_traj.set_ylabel("singular value")
    ax_traj.set_title("(b) the spectrum along the run", fontsize=10)
    ax_traj.legend(fontsize=8, loc="best")

    hsteps = [step for step, _, _ in result.history]
    ax_perp.semilogy(hsteps, [max(p, floor) for _, p, _ in result.history], color=out_color,
                     label="||W_perp||_F  (outside span(U))")
    ax_perp.semilogy(hsteps, [max(p, floor) for _, _, p in result.history], color=in_color,
                     label="||W_par||_F  (inside span(U))")
    ax_perp.set_xlabel("PGD step")
    ax_perp.set_ylabel("Frobenius norm")
    ax_perp.set_title(f"(c) ||W_perp||_F: {result.orthogonal_norm_start:.3g} -> {result.orthogonal_norm:.3g} "
                      f"({result.orthogonal_shrink:.3g} times smaller)", fontsize=10)
    ax_perp.legend(fontsize=8, loc="best")

    for ax in (ax_spec, ax_traj, ax_perp):
        ax.grid(True, which="major", alpha=0.3)
    sample = f"{result.samples} fresh samples per step" if result.online else f"{result.samples} samples"
    biases = "biases frozen at 0" if result.freeze_bias else "all parameters trainable"
    fig.suptitle(f"derand structure: teacher {result.teacher}, d = {result.dim}, r = {r}; student width "
                 f"{result.width}, depth {result.depth}, {biases}; {sample}; reg = {result.reg:g}; "
                 f"test MSE {result.test_loss:.2e}; seed {result.seed}", fontsize=10)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    atomic_write(path, buffer.getvalue())


def _floor(result: StructureResult) -> float:
    """A positive floor for log axes (an exact 0 would vanish from the plot)."""
    values = [v for v in (*result.singular_values, *result.singular_values_start) if v > 0]
    values += [norm for _, perp, par in result.history for norm in (perp, par) if norm > 0]
    return (min(values) if values else 1.0) * 0.5
