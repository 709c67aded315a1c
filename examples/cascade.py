"""What does a cascade look like as a network? Three reservoirs in series with a hybrid pair among them.

Top → (Top units, Top spillway) → Middle ⇄ (Middle pair: generate and pump) ⇄ Bottom → (Bottom units,
spillway, release) → the river. This script builds :func:`hydro_sim.examples.cascade_network`, prints its
flow columns, its water-balance matrix (one row per reservoir, one column per flow: −1 takes water out, +1
brings it in), where the water leaves the model and the order in which a simulator visits the reservoirs,
and checks the hand-derived value of water: a hm³ in Top is worth 490.5 + 245.25 + 245.25 = 981 MWh when it
runs down the whole chain at the initial heads (200, 100 and 100 m at η = 0.9).
"""

import numpy as np

from hydro_sim.examples import cascade_energy_factors_mwh_per_hm3, cascade_network

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
