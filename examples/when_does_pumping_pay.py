"""When does a pumped store cycle? Only when the price ratio beats the round-trip efficiency.

A 100 MW pump-turbine with η_t = η_p = 0.9 and no waterway loss returns 0.81 MWh per MWh pumped, so it should
cycle only when high/low price > 1/0.81 ≈ 1.2346. The head moves as the reservoirs fill and empty (the
optimiser follows it, successive head), but generating runs back down the same head path that pumping ran up,
so the round trip stays η_t·η_p. This script sweeps the ratio, prints what the optimiser does, and checks the
answer: no pumping at a ratio of 1.23, pumping at 1.24.
"""

from hydro_sim.examples import small_pumped_storage, two_price_day
from hydro_sim.optimise import dispatch

ETA_T = ETA_P = 0.9  # the example plant's efficiencies
THRESHOLD = 1.0 / (ETA_T * ETA_P)  # the price ratio above which a cycle pays

plant = small_pumped_storage(turbine_efficiency=ETA_T, pump_efficiency=ETA_P)
print("price ratio   pumped MWh   generated MWh   revenue CNY")
pumped = {}
for ratio in (1.10, 1.20, 1.23, 1.24, 1.30, 2.00):
    res = dispatch(plant, two_price_day(low_per_mwh=100.0, high_per_mwh=100.0 * ratio))
    e = res.energy_mwh()
    pumped[ratio] = e["pumping_mwh"]
    print(
        f"{ratio:11.2f} {e['pumping_mwh']:12.1f} {e['reversible_generation_mwh']:15.1f} {res.objective_value:13.1f}"
    )
print(f"threshold 1/(η_t·η_p) = {THRESHOLD:.4f}")

# the answer: below the threshold the store stays idle, above it it cycles (the full reservoir's worth)
assert all(mwh == 0.0 for ratio, mwh in pumped.items() if ratio < THRESHOLD), pumped
assert all(mwh > 0.0 for ratio, mwh in pumped.items() if ratio > THRESHOLD), pumped
print(f"pumping pays above a price ratio of {THRESHOLD:.4f}: idle at 1.23, cycling at 1.24")
