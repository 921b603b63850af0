"""Reading a certificate back, and checking what it claims against a recomputation.

``derand certify ... --check CERT.json`` recomputes everything from the
input and the answer, then holds each claim of CERT.json against it. A claim
is *confirmed* when the recomputation establishes it: equal figures (cut
value, distortion, sizes) agree to rounding; a claimed upper bound holds when
it is at least a bound certify verifies itself (any valid bound below it
proves it); a claimed optimality holds when certify proves it too. Anything
else is reported, claim by claim, and the check fails: a tampered or stale
certificate is caught, and a claim certify cannot re-establish is not taken
on trust.
"""

from __future__ import annotations

import json
import math
import os
from ..errors import InputError
from .text import read_text

__all__ = ["read_certificate", "check_maxcut_claims", "check_jl_claims"]

# Relative agreement asked of figures that are recomputed the same way.
REL_TOL = 1e-9


def read_certificate(path: str | os.PathLike, problem: str) -> dict:
    """The JSON object in ``path``, which must be a ``problem`` certificate."""
    text = read_text(path)
    try:
        claim = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}", path=path, line=exc.lineno) from None
    if not isinstance(claim, dict):
        raise InputError(f"expected a JSON object (a certificate), found {type(claim).__name__}", path=path)
    if claim.get("problem") != problem:
        raise InputError(f"is not a {problem} certificate (its 'problem' is {claim.get('problem')!r})", path=path)
    return claim


def _number(claim: dict, key: str, problems: list[str]) -> float | None:
    value = claim.get(key)
    try:
        number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
    except OverflowError:  # a JSON integer beyond float range
        number = math.nan
    if not math.isfinite(number):
        problems.append(f"'{key}' is missing or not a finite number ({str(value)[:40]})")
        return None
    return number


def _same(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= REL_TOL * max(1.0, abs(scale))


def _exact_int(claim: dict, key: str, actual: int, problems: list[str]) -> None:
    value = claim.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value != actual:
        problems.append(f"claims {key} = {value!r}, the input has {actual}")


def check_maxcut_claims(claim: dict, actual: dict) -> list[str]:
    """What in the MAX-CUT certificate ``claim`` the recomputed certificate ``actual`` does not confirm.

    ``actual`` is :meth:`solver.maxcut.certify.CertifiedCut.certificate` for
    the same graph and cut. Returns one line per claim that fails (empty: all hold).
    """
    problems: list[str] = []
    for key in ("n", "m"):
        _exact_int(claim, key, actual[key], problems)
    scale = float(actual.get("total_weight") or 0.0)
    total = _number(claim, "total_weight", problems)
    if total is not None and not _same(total, actual["total_weight"], scale):
        problems.append(f"claims total_weight = {total!r}, the graph's is {actual['total_weight']!r}")
    cut = _number(claim, "cut_value", problems)
    if cut is not None and not _same(cut, actual["cut_value"], scale):
        problems.append(f"claims cut_value = {cut!r}, the cut has {actual['cut_value']!r}")
    for key in ("upper_bound", "basic_upper_bound"):
        if key not in claim and key == "basic_upper_bound":
            continue
        verified = actual[key]
        bound = _number(claim, key, problems)
        if bound is None:
            continue
        if cut is not None and bound < cut - REL_TOL * max(1.0, abs(scale)):
            problems.append(f"claims {key} = {bound!r}, below its own cut_value {cut!r}")
        elif bound < verified - REL_TOL * max(1.0, abs(scale)):
            problems.append(f"claims {key} = {bound!r}, below the bound certify verifies ({verified!r}): "
                            "not confirmed")
    if "certified_ratio" in claim and claim["certified_ratio"] is not None:
        ratio = _number(claim, "certified_ratio", problems)
        upper = _number(claim, "upper_bound", [])
        if ratio is not None and cut is not None and upper is not None and upper > 0 \
                and not _same(ratio, cut / upper, 1.0):
            problems.append(f"claims certified_ratio = {ratio!r}, but its cut / bound is {cut / upper!r}")
    if claim.get("proved_optimal") is True and not actual.get("proved_optimal"):
        problems.append("claims proved_optimal, which certify does not prove (try --prove)")
    return problems


def check_jl_claims(claim: dict, actual: dict, rel_tol: float = REL_TOL) -> list[str]:
    """What in the JL certificate ``claim`` the recomputed certificate ``actual`` does not confirm.

    ``actual`` is :func:`solver.jl.certify_jl`'s record for the same points
    and embedding; figures must agree to ``rel_tol`` when both scans were
    complete (an embedding stored in float32 agrees to about 1e-6 with the
    float64 map that was certified). A claim of completeness against an
    incomplete recomputation (a time limit) cannot be confirmed.
    """
    problems: list[str] = []
    for key in ("n", "d", "k", "duplicates"):
        _exact_int(claim, key, actual[key], problems)
    complete = actual.get("complete", True)
    if claim.get("complete", True) and not complete:
        problems.append("claims a complete check, which certify did not finish (time limit): not confirmed")
        return problems
    if claim.get("complete", True):
        _exact_int(claim, "pairs_checked", actual["pairs_checked"], problems)
        for key in ("r_min", "r_max", "distortion", "eps_opt", "eps_sq"):
            value = _number(claim, key, problems)
            if value is not None and abs(value - actual[key]) > rel_tol * max(1.0, abs(actual[key])):
                problems.append(f"claims {key} = {value!r}, the embedding's is {actual[key]!r}")
    else:
        # a partial check states the distortion of the pairs it saw: a lower bound, so it may not exceed ours
        value = _number(claim, "distortion", problems)
        if value is not None and value > actual["distortion"] * (1 + rel_tol):
            problems.append(f"claims distortion {value!r} on part of the pairs, above the embedding's "
                            f"{actual['distortion']!r} on all of them")
    return problems
