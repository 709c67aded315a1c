"""The Lianghekou year on today's two-node plant and on the three-node network with Yagen-I's own plant.

Design-basis reference year (no PV or wind), revenue at the Sichuan TOU tariff, a daily pump–generate
balance, successive head: the dispatch of ``network_of(lianghekou())`` (the annual check's model) against
``lianghekou_network()``, in which Yagen-I's units value its head (a CALIBRATION from its published
11.5亿 kWh) and the reach below Yagen-I has its environmental minimum and ramp (ASSUMPTIONS). Prints each
group's energy, the river's flow range and hourly change, the hours above Yagen-I's 1,616 m³/s plant
discharge, the level ranges and the solve time. About a minute on a 2-core machine.

Run: ``python benchmarks/lianghekou_network_year.py``
"""

from __future__ import annotations

import time

import numpy as np

from hydro_sim import dispatch, reference_year
from hydro_sim.cases.lianghekou.annual_check import design_basis_year
from hydro_sim.cases.lianghekou.plant import (
    PUBLISHED_YAGEN_I_GENERATION_YI_KWH,
    lianghekou,
    lianghekou_network,
)
from hydro_sim.constants import MWH_PER_TWH, MWH_PER_YI_KWH
from hydro_sim.network import network_of

YAGEN_I_DISCHARGE_M3S = 1616.0  # the MIKE 21 model's largest Yagen-I outflow (sources, addendum §2b; M/L)


def main() -> None:
    year = design_basis_year(reference_year())
    dt = year.dt_h
    for label, net in (
        ("two-node (the annual check's model)", network_of(lianghekou())),
        ("three-node with Yagen-I's plant", lianghekou_network()),
    ):
        t0 = time.perf_counter()
        res = dispatch(net, year, pump_generate_balance="day")
        s = res.schedule
        print(
            f"== {label}: {res.status} in {time.perf_counter() - t0:.1f} s, {res.iterations} head iterations, "
            f"revenue {res.objective_value:,.0f} CNY"
        )
        for col in s.columns:
            if col.endswith(" power_mw"):
                print(f"   {col:<45} {s[col].sum() * dt / MWH_PER_TWH:8.3f} TWh")
        if "Yagen-I units power_mw" in s:
            model = s["Yagen-I units power_mw"].sum() * dt
            published = PUBLISHED_YAGEN_I_GENERATION_YI_KWH * MWH_PER_YI_KWH
            print(
                f"   Yagen-I against its published {PUBLISHED_YAGEN_I_GENERATION_YI_KWH}亿 kWh = "
                f"{published / MWH_PER_TWH:.3f} TWh: {model / published - 1.0:+.1%} "
                "(a CALIBRATION: its head is derived from that figure)"
            )
        for sink in net.sinks:
            q = s[f"{sink.name} flow_m3s"].to_numpy()
            print(
                f"   {sink.name}: {q.min():.1f} … {q.max():.1f} m³/s, largest hourly change "
                f"{np.abs(np.diff(q)).max():.1f} m³/s, {(q > YAGEN_I_DISCHARGE_M3S).sum()} h above "
                f"{YAGEN_I_DISCHARGE_M3S:,.0f} m³/s"
            )
        for name in net.reservoir_names:
            z = s[f"{name} level_masl"]
            print(f"   {name} level {z.min():.2f} … {z.max():.2f} m")


if __name__ == "__main__":
    main()
