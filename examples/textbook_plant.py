"""How much is a day of a lake's water worth, and when does the plant turbine it? (worked by hand)

The textbook plant (`hydro_sim.examples.textbook_plant`): a lake of 10 hm³ per metre at 115 m above a 20 m
tailwater, two 50 MW units (η = 0.9, no waterway loss), 60 m³/s of inflow. Over two days the lake must end no
lower than it starts, so it turbines exactly its 48 h of inflow. With the head held at its start value
(``head="fixed"``, H = 95 m: the lake moves by about 1 m, 1 % of the head) the energy does not depend on when
the water runs, E = ρgηHV = 2,415.6 MWh, but the revenue does: the units run at their 100 MW rating in the 16
peak hours (8 a day at 300 per MWh) and the rest of the water runs at the off-peak price of 100 per MWh.

    python examples/textbook_plant.py
"""

import numpy as np
import pandas as pd

from hydro_sim import Scenario, dispatch
from hydro_sim.constants import G_M_S2, RHO_WATER_KG_M3, W_PER_MW
from hydro_sim.examples import textbook_plant

HOURS, INFLOW_M3S, HEAD_M, ETA = 48, 60.0, 115.0 - 20.0, 0.9
LOW, HIGH, PEAK_HOURS_PER_DAY = 100.0, 300.0, 8

index = pd.date_range("2030-01-01", periods=HOURS, freq="h")
peak = (index.hour >= 9) & (index.hour < 9 + PEAK_HOURS_PER_DAY)
scenario = Scenario(
    inflow_upper_m3s=pd.Series(INFLOW_M3S, index=index),
    price_per_mwh=pd.Series(np.where(peak, HIGH, LOW), index=index),
    name="two days, 8 peak hours a day",
)
plant = textbook_plant()
result = dispatch(plant, scenario, head="fixed")
s = result.schedule

# by hand: every m³/s·h of inflow gives ρgηH/10⁶ MWh; the peak hours take the units' rating
mw_per_m3s = RHO_WATER_KG_M3 * G_M_S2 * ETA * HEAD_M / W_PER_MW
energy_mwh = mw_per_m3s * INFLOW_M3S * HOURS
peak_mwh = plant.conventional.max_power_mw * peak.sum()
revenue = HIGH * peak_mwh + LOW * (energy_mwh - peak_mwh)

got_mwh = result.energy_mwh()["conventional_generation_mwh"]
print(f"status {result.status}")
print(f"energy  {got_mwh:10.4f} MWh (by hand ρgηHV = {energy_mwh:.4f} MWh)")
print(f"revenue {result.objective_value:10.2f}     (by hand {revenue:.2f})")
print(
    f"peak hours at the rating: {int((s['power_conventional_mw'][peak] > 100.0 - 1e-6).sum())} of {peak.sum()}"
)
print(f"value of the lake's water at the end: {s['water_value_upper_per_hm3'].iloc[-1]:.1f} per hm³")
assert result.status == "optimal"
assert abs(got_mwh - energy_mwh) <= 1e-6 * energy_mwh
assert abs(result.objective_value - revenue) <= 1e-6 * revenue
assert (s["power_conventional_mw"][peak] > plant.conventional.max_power_mw * (1 - 1e-9)).all()
# the marginal hm³ runs off-peak: it is worth the off-peak price times its energy, 10⁶/3600 m³/s·h per hm³
assert (
    abs(s["water_value_upper_per_hm3"].iloc[-1] - LOW * mw_per_m3s * 1e6 / 3600.0)
    <= 1e-6 * LOW * mw_per_m3s * 1e6 / 3600
)
print(
    "the peak takes the rating, the rest of the water runs off-peak, and a hm³ is worth its off-peak energy"
)
