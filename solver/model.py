"""Ising and QUBO models, and the exact reductions between them and MAX-CUT.

An Ising model over spins s in {-1, +1}^n and a QUBO over bits x in {0, 1}^n
are one object here, a :class:`QuadraticModel` with a ``vartype``:

    E(v) = sum_i linear[i] v_i + sum_k quadratic[k] v_{i_k} v_{j_k} + offset,

each pair ``i_k < j_k`` at most once. The reductions keep the offset, so an
assignment has the same energy in every form:

- bits to spins, x = (1 + s) / 2 (:meth:`QuadraticModel.to_spin`), and back
  (:meth:`QuadraticModel.to_binary`);
- spins to MAX-CUT (:meth:`QuadraticModel.to_maxcut`): one extra vertex
  carries the fields, s_i = +1 where vertex i sits on the field vertex's side,
  and s_i s_j = 1 - 2 [i, j cut] gives E(s) = constant - (2 / scale) cut(s);
- MAX-CUT to spins (:meth:`QuadraticModel.from_graph`): E(s) = -cut(s).

Every coefficient of a reduction is a sum of the model's coefficients times
powers of two, so integer models reduce without rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .errors import InputError
from .graph import Graph, check_labels, merge_pairs

__all__ = ["QuadraticModel", "MaxCutReduction", "SPIN", "BINARY", "FIELD_LABEL"]

SPIN = "SPIN"
BINARY = "BINARY"
#: The extra vertex of the MAX-CUT reduction, the one that carries the fields.
FIELD_LABEL = "<field>"


@dataclass(frozen=True, eq=False)
class QuadraticModel:
    """A quadratic function of n spins (``SPIN``, values +-1) or bits (``BINARY``, values 0/1).

    Build one with :meth:`from_terms`, :meth:`from_graph` or the readers in
    :mod:`solver.io.quadratic`. ``labels[i]`` is variable i's name in the
    input; ``pairs`` holds each pair once (``i < j``), nonzero coefficients only.
    """

    vartype: str
    linear: np.ndarray
    pairs: np.ndarray
    quadratic: np.ndarray
    offset: float
    labels: tuple[str, ...]
    name: str = ""

    # ------------------------------------------------------------------ build
    @classmethod
    def from_terms(cls, vartype: str, n: int, linear: Sequence[float] | np.ndarray | None = None,
                   heads: Sequence[int] | np.ndarray = (), tails: Sequence[int] | np.ndarray = (),
                   coefficients: Sequence[float] | np.ndarray = (), *, offset: float = 0.0,
                   labels: Sequence[str] | None = None, name: str = "") -> "QuadraticModel":
        """A model from its linear terms and (head, tail, coefficient) triples, 0-based.

        Pairs listed twice, in either order, add up. A product of a variable
        with itself is folded in exactly: x_i x_i = x_i (a linear term), and
        s_i s_i = 1 (the offset).
        """
        where = name or None
        if vartype not in (SPIN, BINARY):
            raise InputError(f"vartype must be {SPIN!r} or {BINARY!r}, got {vartype!r}", path=where)
        if n < 0:
            raise InputError("a model needs a non-negative number of variables", path=where)
        h = np.zeros(n) if linear is None else np.array(linear, dtype=np.float64)
        if h.shape != (n,):
            raise InputError(f"expected {n} linear coefficients, got {h.size}", path=where)
        heads, tails = np.asarray(heads), np.asarray(tails)
        q = np.asarray(coefficients, dtype=np.float64)
        if heads.shape != tails.shape or heads.shape != q.shape or heads.ndim != 1:
            raise InputError("pair endpoints and coefficients must be 1-D and of equal length", path=where)
        if heads.size and not (np.issubdtype(heads.dtype, np.integer) and np.issubdtype(tails.dtype, np.integer)):
            raise InputError("variable ids must be integers", path=where)
        heads, tails = heads.astype(np.int64), tails.astype(np.int64)
        if heads.size and (min(heads.min(), tails.min()) < 0 or max(heads.max(), tails.max()) >= n):
            raise InputError(f"variable ids must lie in 0..{n - 1}", path=where)
        offset = float(offset)
        if not (np.all(np.isfinite(h)) and np.all(np.isfinite(q)) and math.isfinite(offset)):
            raise InputError("coefficients must be finite numbers", path=where)
        square = heads == tails
        if vartype == BINARY:
            np.add.at(h, heads[square], q[square])
        else:
            offset += float(np.sum(q[square]))
        heads, tails, q = heads[~square], tails[~square], q[~square]
        pairs, summed = merge_pairs(n, heads, tails, q)
        keep = summed != 0
        pairs = pairs[keep]
        labels = check_labels(n, labels, "variable", where)
        scale = float(np.sum(np.abs(h)) + np.sum(np.abs(summed)) + abs(offset))
        if not math.isfinite(scale):
            raise InputError("the coefficients are too large: their sum overflows a 64-bit float", path=where)
        return cls(vartype, h, pairs, summed[keep], offset, labels, name)

    @classmethod
    def from_graph(cls, graph: Graph) -> "QuadraticModel":
        """The Ising model whose energy is minus the cut: J = w / 2, offset -sum(w) / 2."""
        return cls.from_terms(SPIN, graph.n, None, graph.edges[:, 0], graph.edges[:, 1], graph.weights / 2,
                              offset=-graph.total_weight / 2, labels=graph.labels, name=graph.name)

    # ------------------------------------------------------------- derived
    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def m(self) -> int:
        """Number of nonzero pair coefficients."""
        return int(self.pairs.shape[0])

    @property
    def energy_lattice(self) -> tuple[float, float] | None:
        """``(base, step)`` with every energy in base + step Z, or None when the coefficients share no such grid.

        The coefficients (offset included) must be integer multiples of one
        power of two 2^-k, k <= 30, so that base and step are exact. With g
        their greatest common divisor: bits switch terms on and off, so
        energies lie on offset + g Z; a spin flips a term's sign, changing the
        energy by twice the term, so energies lie on (offset + sum of
        coefficients) + 2g Z.
        """
        coefficients = np.concatenate([self.linear[self.linear != 0], self.quadratic])
        if coefficients.size == 0:
            return None
        values = np.append(coefficients, self.offset)
        for k in range(31):
            scaled = values * 2.0 ** k
            if np.all(scaled == np.round(scaled)):
                break
        else:
            return None
        if np.max(np.abs(scaled)) * (values.size + 1) >= 2.0 ** 53:
            return None
        g = float(np.gcd.reduce(scaled[:-1].astype(np.int64))) / 2.0 ** k
        if self.vartype == BINARY:
            return float(self.offset), g
        return float(self.offset + np.sum(coefficients)), 2 * g

    @property
    def magnitude(self) -> float:
        """Sum of the coefficients' magnitudes and the offset's: the scale of every rounding error."""
        return float(np.sum(np.abs(self.linear)) + np.sum(np.abs(self.quadratic)) + abs(self.offset))

    def check_values(self, values: np.ndarray, where: str = "") -> np.ndarray:
        """``values`` as a float64 array, after checking each is +-1 (SPIN) or 0/1 (BINARY)."""
        v = np.asarray(values)
        if v.shape[-1:] != (self.n,) or v.ndim not in (1, 2):
            raise InputError(f"expected one value per variable ({self.n}), got shape {v.shape}", path=where or None)
        allowed = (-1, 1) if self.vartype == SPIN else (0, 1)
        if not np.all(np.isin(v, allowed)):
            raise InputError(f"{self.vartype} values must be {allowed[0]} or {allowed[1]}", path=where or None)
        return v.astype(np.float64)

    def energies(self, values: np.ndarray) -> np.ndarray | float:
        """The energy of one assignment (shape (n,)), or of each row of a (k, n) array."""
        v = self.check_values(values)
        i, j = self.pairs[:, 0], self.pairs[:, 1]
        e = v @ self.linear + (v[..., i] * v[..., j]) @ self.quadratic + self.offset
        return float(e) if v.ndim == 1 else e

    def negated(self) -> "QuadraticModel":
        """-E: maximizing E is minimizing this."""
        return QuadraticModel(self.vartype, -self.linear, self.pairs, -self.quadratic, -self.offset, self.labels,
                              self.name)

    # ---------------------------------------------------------- reductions
    def to_spin(self) -> "QuadraticModel":
        """The same energies over spins, x_i = (1 + s_i) / 2."""
        if self.vartype == SPIN:
            return self
        i, j = self.pairs[:, 0], self.pairs[:, 1]
        q = self.quadratic / 4
        h = self.linear / 2
        np.add.at(h, i, q)
        np.add.at(h, j, q)
        offset = self.offset + float(np.sum(self.linear)) / 2 + float(np.sum(q))
        return QuadraticModel.from_terms(SPIN, self.n, h, i, j, q, offset=offset, labels=self.labels, name=self.name)

    def to_binary(self) -> "QuadraticModel":
        """The same energies over bits, s_i = 2 x_i - 1."""
        if self.vartype == BINARY:
            return self
        i, j = self.pairs[:, 0], self.pairs[:, 1]
        h = 2 * self.linear
        np.add.at(h, i, -2 * self.quadratic)
        np.add.at(h, j, -2 * self.quadratic)
        offset = self.offset - float(np.sum(self.linear)) + float(np.sum(self.quadratic))
        return QuadraticModel.from_terms(BINARY, self.n, h, i, j, 4 * self.quadratic, offset=offset,
                                         labels=self.labels, name=self.name)

    def to_vartype(self, vartype: str) -> "QuadraticModel":
        return self.to_spin() if vartype == SPIN else self.to_binary()

    def convert_values(self, values: np.ndarray, vartype: str) -> np.ndarray:
        """This model's assignment(s) written in ``vartype``'s values."""
        v = self.check_values(values)
        if vartype == self.vartype:
            return v
        return 2 * v - 1 if vartype == SPIN else (v + 1) / 2

    def to_maxcut(self) -> "MaxCutReduction":
        """The MAX-CUT instance whose cuts are this model's assignments; see :class:`MaxCutReduction`."""
        spin = self.to_spin()
        scale = 4.0 if self.vartype == BINARY else 1.0  # QUBO's quarters become integers again
        fields = np.flatnonzero(spin.linear)
        has_field = fields.size > 0
        n = spin.n + (1 if has_field else 0)
        heads = np.concatenate([spin.pairs[:, 0], fields])
        tails = np.concatenate([spin.pairs[:, 1], np.full(fields.size, spin.n, dtype=np.int64)])
        weights = scale * np.concatenate([spin.quadratic, spin.linear[fields]])
        field_label = FIELD_LABEL
        while field_label in spin.labels:  # a variable of that name: the field vertex takes another
            field_label += "#"
        labels = spin.labels + ((field_label,) if has_field else ())
        constant = float(np.sum(spin.quadratic) + np.sum(spin.linear) + spin.offset)
        graph = None
        if heads.size:
            graph = Graph.from_edges(max(n, 1), heads, tails, weights, labels=labels, name=self.name)
        return MaxCutReduction(self, graph, constant, scale, has_field)


@dataclass(frozen=True, eq=False)
class MaxCutReduction:
    """A model as a MAX-CUT instance: E(assignment) = constant - (2 / scale) cut(sides).

    ``graph`` has the model's variables as vertices 0..n-1 and, where any
    field is nonzero, the field vertex n (``has_field``); its weights are
    ``scale`` times the spin model's couplings and fields. ``graph`` is None
    for a model without any coupling or field (every assignment has energy
    ``constant``).
    """

    model: QuadraticModel
    graph: Graph | None
    constant: float
    scale: float
    has_field: bool

    def energy_of_cut(self, cut: float) -> float:
        return self.constant - 2 * cut / self.scale

    def sides_of(self, values: np.ndarray) -> np.ndarray:
        """The cut (0/1 sides, field vertex on side 0) of the model's assignment(s)."""
        s = self.model.convert_values(values, SPIN)
        sides = (s < 0).astype(np.int8)
        if self.has_field:
            sides = np.concatenate([sides, np.zeros(sides.shape[:-1] + (1,), dtype=np.int8)], axis=-1)
        return sides

    def values_of(self, sides: np.ndarray) -> np.ndarray:
        """The model's assignment of a cut: spin +1 where a vertex sits with the field vertex (or on side 0, as
        :meth:`sides_of` puts it)."""
        sides = np.asarray(sides)
        n = self.model.n
        ref = sides[..., n:n + 1] if self.has_field else np.zeros(sides.shape[:-1] + (1,), dtype=sides.dtype)
        spins = np.where(sides[..., :n] == ref, 1.0, -1.0)
        return spins if self.model.vartype == SPIN else (spins + 1) / 2
