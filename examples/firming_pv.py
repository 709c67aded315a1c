"""Firming Ganzi PV through a limited line: how much PV would be curtailed without the pump-turbines, and
how much with them?

The Ganzi PV (3,000 MW in the reference year, a labelled ASSUMPTION of the case) shares Lianghekou's busbar.
Here its outlet is limited to a 1,000 MW line that must carry a firm 1,000 MW block every hour of a July
week (objective ``"firming"``: deliver the block, penalising shortfall and curtailment). The conventional
units fill the hours PV cannot; when PV alone exceeds the line the surplus is curtailed, unless the
reversible units pump it up into Lianghekou. By hand:

- without pump-turbines the curtailed energy is Σ max(PV − line, 0) over the week;
- with them, Σ max(PV − line − P_pump, 0), P_pump the units' largest pumping input (4 × 300 MW × 1.03 with
  the fixed-speed band), as long as Yagen-I has the water and Lianghekou the room (they do in a week).

    python examples/firming_pv.py
"""

import dataclasses

import numpy as np
import pandas as pd

from hydro_sim import dispatch, lianghekou, reference_year

LINE_MW = 1000.0
plant = lianghekou()
year = reference_year(pv_capacity_mw=3000.0)
week = year.window(start="2030-07-08", hours=7 * 24)
week = dataclasses.replace(
    week,
    wind_available_mw=None,
    line_capacity_mw=pd.Series(LINE_MW, index=week.index),
    delivery_mw=pd.Series(LINE_MW, index=week.index),
    name="July week, PV through a 1,000 MW line",
)
pv = week.pv_available_mw.to_numpy()
p_pump = plant.reversible.max_total_pumping_power_mw

with_storage = dispatch(plant, week, objective="firming")
without = dispatch(dataclasses.replace(plant, reversible=None), week, objective="firming")


def curtailed_mwh(result) -> float:
    return float((pv - result.schedule["pv_used_mw"]).sum())


hand_without = float(np.maximum(pv - LINE_MW, 0.0).sum())
hand_with = float(np.maximum(pv - LINE_MW - p_pump, 0.0).sum())
print(f"PV available {pv.sum():9.0f} MWh, peak {pv.max():.0f} MW, line {LINE_MW:.0f} MW")
print(f"curtailed without pump-turbines {curtailed_mwh(without):9.1f} MWh (by hand {hand_without:.1f})")
print(f"curtailed with pump-turbines    {curtailed_mwh(with_storage):9.1f} MWh (by hand {hand_with:.1f})")
pumped = with_storage.energy_mwh()["pumping_mwh"]
print(
    f"PV surplus pumped into Lianghekou {pumped:9.1f} MWh, largest input {with_storage.schedule['power_pumping_mw'].max():.0f} MW of {p_pump:.0f}"
)
for name, res in (("with", with_storage), ("without", without)):
    s = res.schedule
    assert res.status == "optimal", (name, res.status)
    assert s["line_mw"].max() <= LINE_MW * (1 + 1e-9), name  # the line is never exceeded
    assert s["shortfall_mw"].abs().max() <= 1e-6, name  # the block is firm
assert abs(curtailed_mwh(without) - hand_without) <= 1e-6 * hand_without
assert abs(curtailed_mwh(with_storage) - hand_with) <= 1e-6 * hand_without
print("the pump-turbines absorb up to their input; only PV beyond line + pumping is curtailed")
