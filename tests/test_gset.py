"""The issue's claims on real Gset graphs (skipped when ../shared/data/gset is absent).

About two seconds each on two cores, so they run in the default suite.
"""

import pytest

from solver.baselines import hyperplane_rounding
from solver.io import read_graph
from solver.maxcut import solve_maxcut


def _check(gset, name):
    g = read_graph(gset / f"{name}.txt")
    res = solve_maxcut(g, device="cpu", seed=0)
    d = res.derandomization
    hp = hyperplane_rounding(g, res.sdp.V, trials=1000, seed=1)
    assert d.cut > d.gw_expected, "derandomized cut above the GW expectation"
    assert res.cut_value >= hp.best_cut, "polished cut at least GW's best of 1000 hyperplanes"
    assert res.upper_bound >= res.sdp.value
    assert (res.upper_bound - res.sdp.value) / res.sdp.value <= 3e-4, "bound within 0.03% of the SDP value"
    assert d.sosp is not None and d.sosp.is_sosp and d.guarantee_met


@pytest.mark.parametrize("name", ["G1", "G11", "G14", "G22", "G43"])
def test_gset_claims(gset, name):
    _check(gset, name)
