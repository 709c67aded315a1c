"""Duty and capability of Lianghekou's reversible units over the reference year (issue 12 items 2–3).

Prints the capability (revenue optimum at the Sichuan TOU tariff, three-node network, successive-head LP),
the duty run (annual LP with 1.397 TWh imposed, then weekly LP and MILP windows with the target split pro
rata, the MILP schedule replayed through the simulator), what the duty implies against the design
conventions, and with ``--inverse`` the usable Yagen-I volume at which the capability equals the duty (the
reach's ramp limited), with ``--sensitivity`` the sensitivity table; the run time of each stage.

Run: ``python benchmarks/reversible_duty.py [--inverse] [--sensitivity] [--window-days 7] [--hours H]``
(``--hours`` takes the first H hours of the year, the duty pro rata: a quick look, no check).
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from hydro_sim.cases.lianghekou import duty as D
from hydro_sim.cases.lianghekou.annual_check import design_basis_year
from hydro_sim.cases.lianghekou.reference_year import reference_year


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inverse", action="store_true", help="solve the usable Yagen-I volume inverse")
    ap.add_argument("--sensitivity", action="store_true", help="run the sensitivity table")
    ap.add_argument("--no-duty", action="store_true", help="skip the duty run (capability only)")
    ap.add_argument("--window-days", type=int, default=7)
    ap.add_argument("--hours", type=float, default=None)
    ap.add_argument("--ramp", type=float, default=None, help="reach ramp of the inverse [m³/s per h]")
    ap.add_argument(
        "--volume",
        type=float,
        default=None,
        help="run the capability at this usable Yagen-I volume (successive head; e.g. the inverse's root) [hm³]",
    )
    args = ap.parse_args()
    year = design_basis_year(reference_year())
    if args.hours is not None:
        year = year.window(hours=args.hours)
    pd.set_option("display.width", 200)
    t_all = time.perf_counter()
    net = None
    if args.volume is not None:
        ramp = D.YAGEN_I_DEFAULT_RAMP_M3S_PER_H if args.ramp is None else args.ramp
        net = D.lianghekou_network(lower_usable_volume_hm3=args.volume, river_max_ramp_m3s_per_h=ramp)
        _say(f"network with a usable Yagen-I volume of {args.volume:g} hm³, reach ramp {ramp:g} m³/s per h")
    _say("capability: successive-head LP, daily pump–generate balance")
    cap = D.capability(net, year)
    _say(f"capability done in {cap.solve_s:.1f} s ({cap.dispatch.iterations} head iterations)")
    print(cap.figures)
    dut = None
    if not args.no_duty:
        dut = D.duty(net, year, window_days=args.window_days, progress=_say)
        print("annual LP:", dut.annual_lp.figures)
        print("LP windows:", dut.windows_lp.figures)
        print("MILP windows:", dut.windows_milp.figures)
        print("simulator replay:", dut.simulation_figures)
        print("LP vs simulator:", dict(dut.lp_vs_simulation))
        print(
            "water balance LP / simulator [hm³]:", dut.water_balance_lp_hm3, dut.water_balance_simulation_hm3
        )
        print("split cost, commitment cost:", dut.split_cost, dut.commitment_cost)
        print(
            "MILP windows: statuses",
            dut.windows["milp_status"].value_counts().to_dict(),
            "largest gap",
            dut.windows["milp_gap"].max(),
        )
        print("timings [s]:", {k: round(v, 1) for k, v in dut.timings_s.items()})
    inv = None
    if args.inverse:
        ramp = D.YAGEN_I_DEFAULT_RAMP_M3S_PER_H if args.ramp is None else args.ramp
        _say(
            f"inverse: usable Yagen-I volume, reach ramp {ramp:g} m³/s per h, fixed head at the capability's heads"
        )
        t0 = time.perf_counter()
        heads = D.solved_heads(D.lianghekou_network(), cap.dispatch.schedule)
        inv = D.volume_inverse(year, ramp_m3s_per_h=ramp, start_head_m=heads, progress=_say)
        _say(f"inverse: {inv.status}, root {inv.root_hm3} hm³ in {time.perf_counter() - t0:.1f} s")
        print(inv.runs.to_string())
    sens = None
    if args.sensitivity:
        t0 = time.perf_counter()
        base_lp = dut.annual_lp if dut is not None else None
        sens = D.sensitivity(year, base_capability=cap, base_duty_lp=base_lp, progress=_say)
        _say(f"sensitivity in {time.perf_counter() - t0:.1f} s")
        print(sens.to_string())
    if dut is not None:
        print()
        print(D.render_duty_section(cap, dut, inverse=inv, sensitivity_table=sens))
    _say(f"total {time.perf_counter() - t_all:.1f} s")


if __name__ == "__main__":
    main()
