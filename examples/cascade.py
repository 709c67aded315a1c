"""What does a cascade look like as a network? Three reservoirs in series with a hybrid pair among them.

Top → (Top units, Top spillway) → Middle ⇄ (Middle pair: generate and pump) ⇄ Bottom → (Bottom units,
spillway, release) → the river. This script builds :func:`hydro_sim.examples.cascade_network`, prints its
flow columns, its water-balance matrix (one row per reservoir, one column per flow: −1 takes water out, +1
brings it in), where the water leaves the model and the order in which a simulator visits the reservoirs,
and checks the hand-derived value of water: a hm³ in Top is worth 490.5 + 245.25 + 245.25 = 981 MWh when it
runs down the whole chain at the initial heads (200, 100 and 100 m at η = 0.9). Then it dispatches a day at
a constant price of 100 per MWh with 40 m³/s into Top, at fixed head: the optimum passes the inflow down the
chain, and the water value of each reservoir (the dual of its balance) is the price times its energy factor.
"""

import numpy as np

from hydro_sim import dispatch
from hydro_sim.examples import cascade_energy_factors_mwh_per_hm3, cascade_network, named_scenario

net = cascade_network()
columns = [c.name for c in net.flow_columns()]
print(f"network '{net.name}': reservoirs {', '.join(net.reservoir_names)}; river sinks {net.sinks[0].name}")
print("flow columns (from → to):")
for c in net.flow_columns():
    print(f"  {c.name:<17} {c.mode:<9} {c.from_node} → {c.to_node}")

print("water balance A (rows: reservoirs; columns: flows):")
width = max(len(n) for n in net.reservoir_names)
print(" " * (width + 2) + " ".join(f"{j:>3}" for j in range(len(columns))))
for name, row in zip(net.reservoir_names, net.incidence(), strict=True):
    print(f"  {name:<{width}}" + " ".join(f"{int(a):>3}" for a in row))
print("into the river:" + " ".join(f"{int(a):>3}" for a in net.sink_incidence()[0]))
print(f"upstream order: {' → '.join(net.upstream_order())}")

values = cascade_energy_factors_mwh_per_hm3(net)
print("value of one hm³ run down the chain at the initial heads (MWh/hm³):")
for name, mwh in values.items():
    print(f"  {name:<{width}} {mwh:8.2f}")

# the answers: every column moves its water from one node to another (the node-link matrix's columns sum to
# zero), the reservoirs are visited upstream first, and a hm³ in Top is worth the sum of the factors below it
assert np.array_equal(np.vstack([net.incidence(), net.sink_incidence()]).sum(axis=0), np.zeros(len(columns)))
assert net.upstream_order() == ("Top", "Middle", "Bottom")
assert abs(values["Top"] - 981.0) < 1e-9 and abs(values["Middle"] - 490.5) < 1e-9
print("a hm³ in Top is worth 981 MWh = 490.5 (Top units) + 245.25 (Middle pair) + 245.25 (Bottom units)")

# ---- dispatch the cascade: a day, 40 m³/s into Top, a constant price, fixed head ----------------------------
price = 100.0
res = dispatch(net, named_scenario(hours=24, inflow_m3s={"Top": 40.0}, price_per_mwh=price), head="fixed")
mean_flow = res.schedule[[f"{c} flow_m3s" for c in columns]].mean()
print(f"dispatch: {res.status}, revenue {res.objective_value:,.1f}")
print("mean flows (m³/s):")
for name in columns:
    print(f"  {name:<17} {mean_flow[f'{name} flow_m3s']:8.2f}")
water_values = res.water_values_per_hm3().mean()
print("water values (money per hm³) against price × energy factor:")
for name in net.reservoir_names:
    print(f"  {name:<{width}} {water_values[name]:10.1f}   {price * values[name]:10.1f}")
    assert abs(water_values[name] - price * values[name]) <= 1e-6 * price * values[name]
# the revenue by hand: 40 m³/s over 24 h is 3.456 hm³, worth 981 MWh each at 100 per MWh
assert abs(res.objective_value - 40.0 * 24 * 0.0036 * 981.0 * price) < 1e-6
