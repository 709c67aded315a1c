"""How large must the lower reservoir be? Revenue of Lianghekou's reversible cycle against Yagen-I's usable
volume, over two winter weeks of TOU prices.

Yagen-I's usable volume between its operating levels is not published (the plant's curve is a labelled
hydraulic-model table, 21.1 hm³ between 2,598 and 2,605 m). This study scales the storage above the minimum
level over the same level band (``with_lower_usable_volume``: a pool enlarged in area, so the head barely
changes) from 2 to 40 hm³, and re-dispatches the hybrid plant (revenue,
successive head, daily pump–generate balance) at each. More room can never lower the optimum (the feasible set
only grows), so the revenue rises and then levels off where the units' rating, not the volume, limits the
daily cycle: the volume worth building is where the gain per extra hm³ falls away.

    python examples/lower_reservoir_sizing.py
"""

import itertools

from hydro_sim import dispatch, lianghekou, reference_year
from hydro_sim.cases.lianghekou.annual_check import design_basis_year, with_lower_usable_volume

VOLUMES_HM3 = (2.0, 5.0, 10.0, 15.0, 21.1, 30.0, 40.0)
weeks = design_basis_year(reference_year()).window(start="2030-01-08", hours=14 * 24)
base = lianghekou()
print("usable volume   revenue        reversible     pumping    daily cycled water")
print("[hm³]           [10⁶ CNY]      [MWh]          [MWh]      [hm³/day, largest]")
rows = []
for v in VOLUMES_HM3:
    plant = with_lower_usable_volume(base, v)
    res = dispatch(plant, weeks, pump_generate_balance="day")
    s = res.schedule
    e = res.energy_mwh()
    cycled = (s["flow_generating_m3s"] * 3600.0 / 1e6).groupby(s.index.date).sum().max()
    rows.append((v, res.objective_value, e["reversible_generation_mwh"], e["pumping_mwh"], cycled))
    print(
        f"{v:13.1f} {res.objective_value / 1e6:10.3f} {e['reversible_generation_mwh']:14.0f} "
        f"{e['pumping_mwh']:12.0f} {cycled:12.2f}"
    )
    assert res.status == "optimal", (v, res.status)

revenue = [r[1] for r in rows]
# more room never lowers the optimum (successive head: to its objective tolerance, 1e-6 of the revenue)
assert all(b >= a * (1 - 1e-6) for a, b in itertools.pairwise(revenue)), revenue
gains = [(b - a) / (v1 - v0) for (v0, a, *_), (v1, b, *_) in itertools.pairwise(rows)]
print("gain per extra hm³ [10³ CNY over two weeks]: " + ", ".join(f"{g / 1e3:.0f}" for g in gains))
assert gains[0] > 10 * max(gains[-1], 1.0)  # the first hm³ are worth far more than the last
knee = next(v for (v, *_), g in zip(rows, gains, strict=False) if g < 0.05 * gains[0])
print(f"beyond about {knee:g} hm³ an extra hm³ earns less than 5 % of what the first ones did")
