"""derand as a D-Wave Ocean sampler: one sample, the best found, with a certified energy bound.

``DerandSampler`` is a :class:`dimod.Sampler`, so ``sample``, ``sample_ising``
and ``sample_qubo`` all work, on any variable labels::

    from solver.ocean import DerandSampler

    sampler = DerandSampler()            # in place of neal.SimulatedAnnealingSampler()
    sampleset = sampler.sample(bqm, time_limit=5)
    sampleset.first.energy               # the energy of the best sample
    sampleset.info["energy_lower_bound"] # no sample of this model has a lower energy

dimod is an optional dependency (``pip install 'derand[ocean]'``).
"""

from __future__ import annotations

import numpy as np

from .errors import DerandError

try:
    import dimod
except ImportError as exc:  # pragma: no cover - exercised by a subprocess test without dimod
    raise ImportError("solver.ocean needs dimod: pip install 'derand[ocean]' (or pip install dimod)") from exc

from .ising import solve_model
from .model import BINARY, SPIN, QuadraticModel

__all__ = ["DerandSampler", "model_from_bqm"]


def model_from_bqm(bqm: "dimod.BinaryQuadraticModel", name: str = "bqm") -> tuple[QuadraticModel, list]:
    """The :class:`~solver.model.QuadraticModel` of a BQM, and the BQM's variables in the model's order."""
    variables = list(bqm.variables)
    linear, (heads, tails, coefficients), offset = bqm.to_numpy_vectors(variable_order=variables)
    vartype = SPIN if bqm.vartype is dimod.SPIN else BINARY
    labels = [f"v{i}" for i in range(len(variables))]  # derand's labels; the sample set keeps the BQM's own
    model = QuadraticModel.from_terms(vartype, len(variables), linear, heads.astype(np.int64), tails.astype(np.int64),
                                      coefficients, offset=float(offset), labels=labels, name=name)
    return model, variables


class DerandSampler(dimod.Sampler):
    """A dimod sampler that returns derand's best assignment and a certified bound on the ground-state energy.

    ``sample(bqm, **parameters)`` returns a :class:`dimod.SampleSet` with one
    sample (derand is deterministic: more reads would repeat it), its energy
    recomputed by dimod from the BQM, and ``info`` holding:

    - ``energy_lower_bound``: no assignment of the BQM has a lower energy
      (certified unless ``bound_verified`` is false, where the MAX-CUT bound is
      a stated-probability one on a very large model);
    - ``gap`` and ``relative_gap`` of the returned energy to it, and
      ``proved_optimal``;
    - ``seconds`` per phase; ``certificate``, the whole record ``derand ising``
      writes.

    Parameters of ``sample``: ``time_limit`` (seconds, default none),
    ``seed`` (0), ``workers`` (1), ``tighten`` ("auto"), ``prove`` (False),
    ``device`` ("cpu"), and ``num_reads``, accepted so that a script written
    for another sampler runs unchanged; derand returns one sample whatever it is.
    """

    parameters = {
        "time_limit": [],
        "seed": [],
        "workers": [],
        "tighten": [],
        "prove": [],
        "device": [],
        "num_reads": [],
    }
    properties = {
        "description": "derandomized Goemans-Williamson rounding with a certified SDP bound (derand)",
        "certified_bound": True,
    }

    def sample(self, bqm: "dimod.BinaryQuadraticModel", *, time_limit: float | None = None, seed: int = 0,
               workers: int = 1, tighten: float | str = "auto", prove: bool = False, device: str = "cpu",
               num_reads: int | None = None, **unknown) -> "dimod.SampleSet":
        """Minimize the BQM's energy; see the class docstring for ``info``."""
        self.remove_unknown_kwargs(**unknown)
        if num_reads is not None and (isinstance(num_reads, bool) or not isinstance(num_reads, int) or num_reads < 1):
            raise ValueError(f"num_reads must be a positive integer, got {num_reads!r}")
        model, variables = model_from_bqm(bqm)
        try:
            result = solve_model(model, time_limit=time_limit, seed=seed, workers=workers, tighten=tighten,
                                 prove=prove, device=device)
        except DerandError as exc:
            raise ValueError(str(exc)) from None
        cert = result.certificate()
        info = {
            "energy_lower_bound": result.bound,
            "gap": result.gap,
            "relative_gap": result.relative_gap,
            "proved_optimal": result.proved_optimal,
            "bound_verified": cert["bound_verified"],
            "status": result.status,
            "seconds": cert["seconds"],
            "certificate": cert,
        }
        samples = np.asarray(result.values, dtype=np.int8).reshape(1, len(variables))
        return dimod.SampleSet.from_samples_bqm((samples, variables), bqm, info=info)
