"""Ising and QUBO models solved as MAX-CUT, with a certified bound on the ground-state energy.

The model goes to MAX-CUT by :meth:`~solver.model.QuadraticModel.to_maxcut`
(one extra vertex carries the fields), the MAX-CUT pipeline runs unchanged,
and each of its figures comes back as an energy through
E = constant - (2 / scale) cut: the cut's upper bound becomes a lower bound on
every energy, the derandomized cut's guarantee an upper bound on the
derandomized assignment's energy. The energy reported is recomputed from the
returned assignment in the input's own variables, not carried over from the cut.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .. import __version__
from ..errors import check_option
from ..maxcut.solve import MaxCutResult, solve_maxcut
from ..model import MaxCutReduction, QuadraticModel

__all__ = ["ModelResult", "solve_model", "energy_bound_from_cut_bound", "relative_gap"]

SENSES = ("minimize", "maximize")


def energy_bound_from_cut_bound(reduction: MaxCutReduction, upper_bound: float, model: QuadraticModel) -> float:
    """The lower bound on every energy of ``model`` that a cut bound gives, rounded up to the energies' grid.

    The constant is a float sum of the coefficients; the bound gives up a few
    units in the last place of their magnitudes so that rounding cannot push it
    above the ground state. Where every energy lies on a grid base + step Z
    (:attr:`~solver.model.QuadraticModel.energy_lattice`: integer or dyadic
    coefficients), the bound is the next grid point up: on a +-J spin glass a
    bound 0.9 below the energy proves it optimal.
    """
    slack = 16 * np.finfo(float).eps * (model.magnitude + abs(upper_bound))
    lower = reduction.energy_of_cut(upper_bound) - slack
    lattice = model.energy_lattice
    if lattice is not None and math.isfinite(lower):
        base, step = lattice
        steps = (lower - base) / step
        lower = base + step * math.ceil(steps - 1e-9 * max(1.0, abs(steps)))
    return lower


def relative_gap(gap: float, bound: float) -> float:
    """``gap`` over ``|bound|`` (0 for no gap, ``inf`` for a zero bound with a gap)."""
    if gap == 0:
        return 0.0
    return gap / abs(bound) if bound != 0 else math.inf


@dataclass(frozen=True)
class ModelResult:
    """An assignment of an Ising or QUBO model with its certified energy bound.

    ``values`` are in the model's own variables (+-1 spins or 0/1 bits), in
    the order of ``model.labels``; ``energy`` is recomputed from them.
    ``bound`` is a lower bound on every energy when minimizing, an upper
    bound when maximizing. ``maxcut`` is the whole MAX-CUT run beneath
    (None for a model without couplings or fields).
    """

    model: QuadraticModel
    sense: str
    values: np.ndarray
    energy: float
    bound: float
    derandomized_energy: float | None
    energy_guarantee: float | None
    reduction: MaxCutReduction
    maxcut: MaxCutResult | None
    seconds: dict

    @property
    def gap(self) -> float:
        """How far the energy can be from the optimum: |energy - bound|."""
        return abs(self.energy - self.bound)

    @property
    def relative_gap(self) -> float:
        """The gap over |bound| (``inf`` for a zero bound with a nonzero gap)."""
        return relative_gap(self.gap, self.bound)

    @property
    def proved_optimal(self) -> bool:
        return self.gap == 0 or (self.maxcut is not None and self.maxcut.proved_optimal)

    @property
    def status(self) -> str:
        return "complete" if self.maxcut is None else self.maxcut.status

    def certificate(self) -> dict:
        m = self.model
        minimize = self.sense == "minimize"
        cut = None if self.maxcut is None else self.maxcut.certificate()
        bound_record = None if cut is None else cut["bound"]
        return {
            "version": __version__,
            "problem": "ising" if m.vartype == "SPIN" else "qubo",
            "instance": m.name,
            "status": self.status,
            "vartype": m.vartype,
            "sense": self.sense,
            "n": m.n,
            "interactions": m.m,
            "fields": int(np.count_nonzero(m.linear)),
            "offset": m.offset,
            "energy": self.energy,
            "energy_lower_bound" if minimize else "energy_upper_bound": self.bound,
            "gap": self.gap,
            "relative_gap": self.relative_gap,
            "proved_optimal": self.proved_optimal,
            "bound_verified": True if bound_record is None else bool(bound_record["verified"]),
            "derandomized_energy": self.derandomized_energy,
            "energy_guarantee": {
                "value": self.energy_guarantee,
                "statement": ("derandomized_energy <= value: the derandomization guarantee of the cut beneath"
                              if minimize else "derandomized_energy >= value: the derandomization guarantee of the "
                              "cut beneath"),
            },
            "reduction": {
                "maxcut_vertices": None if self.reduction.graph is None else self.reduction.graph.n,
                "maxcut_edges": None if self.reduction.graph is None else self.reduction.graph.m,
                "field_vertex": self.reduction.has_field,
                "constant": self.reduction.constant if minimize else -self.reduction.constant,
                "scale": self.reduction.scale,
                "statement": ("energy = constant - (2 / scale) * cut" if minimize else
                              "energy = constant + (2 / scale) * cut"),
            },
            "seconds": dict(self.seconds),
            "maxcut": cut,
        }


def solve_model(model: QuadraticModel, *, sense: str = "minimize", **maxcut_options) -> ModelResult:
    """Minimize (or maximize) an Ising or QUBO model, with a certified bound on its optimum.

    Parameters
    ----------
    model : QuadraticModel
    sense : {"minimize", "maximize"}
    **maxcut_options
        Passed to :func:`~solver.maxcut.solve_maxcut` (``time_limit``,
        ``seed``, ``workers``, ``tighten``, ``prove``, ``device``, ...);
        ``tighten`` defaults to ``"auto"``, as on the command line.

    Returns
    -------
    ModelResult

    Examples
    --------
    >>> from solver.model import QuadraticModel
    >>> frustrated = QuadraticModel.from_terms("SPIN", 3, [0, 0, 0], [0, 1, 0], [1, 2, 2], [1, 1, 1])
    >>> result = solve_model(frustrated, device="cpu")
    >>> result.energy, result.bound
    (-1.0, -1.0)
    """
    check_option(sense in SENSES, "sense", "one of minimize, maximize", sense)
    start = time.monotonic()
    minimize = sense == "minimize"
    working = model if minimize else model.negated()
    reduction = working.to_maxcut()
    if reduction.graph is None:  # no coupling and no field: every assignment has the same energy
        values = np.ones(model.n) if model.vartype == "SPIN" else np.zeros(model.n)
        energy = model.energies(values) if model.n else model.offset
        return ModelResult(model, sense, values, energy, energy, energy, energy, reduction, None,
                           {"total": time.monotonic() - start})
    maxcut_options.setdefault("tighten", "auto")
    result = solve_maxcut(reduction.graph, **maxcut_options)
    values = reduction.values_of(result.sides)
    sign = 1.0 if minimize else -1.0
    energy = model.energies(values)
    bound = sign * energy_bound_from_cut_bound(reduction, result.upper_bound, working)
    d = result.derandomization
    derandomized = model.energies(reduction.values_of(d.sides))
    guarantee = sign * reduction.energy_of_cut(d.guarantee) if math.isfinite(d.guarantee) else None
    seconds = dict(result.seconds)
    seconds["total"] = time.monotonic() - start
    return ModelResult(model, sense, values, energy, bound, derandomized, guarantee, reduction, result, seconds)
