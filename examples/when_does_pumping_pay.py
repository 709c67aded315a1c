"""When does a pumped store cycle? Only when the price ratio beats the round-trip efficiency.

A 100 MW pump-turbine with η_t = η_p = 0.9 at 100 m of head returns 0.81 MWh per MWh pumped, so it
should cycle only when high/low price > 1/0.81 ≈ 1.235. This script sweeps the ratio and prints what
the optimiser does.
"""

from hydro_sim.optimise import dispatch
from hydro_sim.examples import small_pumped_storage, two_price_day

plant = small_pumped_storage()
print("price ratio   pumped MWh   generated MWh   revenue CNY")
for ratio in (1.10, 1.20, 1.23, 1.24, 1.30, 2.00):
    res = dispatch(plant, two_price_day(low_cny_per_mwh=100.0, high_cny_per_mwh=100.0 * ratio))
    e = res.energy_mwh()
    print(f"{ratio:11.2f} {e['pumping_mwh']:12.1f} {e['reversible_generation_mwh']:15.1f} {res.objective_cny:13.1f}")
print(f"threshold 1/(η_t·η_p) = {1 / (0.9 * 0.9):.4f}")
