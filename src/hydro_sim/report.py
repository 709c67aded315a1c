"""Plain-text reports: the plant table, a scenario summary, and annual energy against the published figures.

Reports always show the unit conversion of the published figures: 13.97亿 kWh = 13.97 × 10⁸ kWh =
1.397 TWh = 1,397,000 MWh.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hydro_sim.constants import KWH_PER_MWH, KWH_PER_YI_KWH, MWH_PER_TWH
from hydro_sim.lianghekou import PUBLISHED_CONVENTIONAL_GENERATION_YI_KWH, PUBLISHED_PSH_GENERATION_YI_KWH
from hydro_sim.plant import Plant
from hydro_sim.scenario import Scenario

__all__ = ["energy_comparison", "plant_table", "published_figures_text", "scenario_summary", "yi_kwh_to_mwh"]


def yi_kwh_to_mwh(yi_kwh: float) -> float:
    """Convert 亿 kWh (10⁸ kWh) to MWh.

    Examples
    --------
    >>> yi_kwh_to_mwh(13.97)
    1397000.0
    """
    return round(yi_kwh * KWH_PER_YI_KWH / KWH_PER_MWH, 6)


def published_figures_text() -> str:
    """The published figures with their unit conversion spelled out."""
    psh = yi_kwh_to_mwh(PUBLISHED_PSH_GENERATION_YI_KWH)
    conv = yi_kwh_to_mwh(PUBLISHED_CONVENTIONAL_GENERATION_YI_KWH)
    return (
        f"Published reversible-unit generation (pumped-water basis): {PUBLISHED_PSH_GENERATION_YI_KWH}亿 kWh "
        f"= {PUBLISHED_PSH_GENERATION_YI_KWH} × 10⁸ kWh = {psh / MWH_PER_TWH:.3f} TWh = {psh:,.0f} MWh "
        f"(亿 = 10⁸; not 13.97 TWh, which would need more than 8,760 full-load hours of 1,200 MW).\n"
        f"Published conventional-unit generation: about {PUBLISHED_CONVENTIONAL_GENERATION_YI_KWH:g}亿 kWh "
        f"= {PUBLISHED_CONVENTIONAL_GENERATION_YI_KWH:g} × 10⁸ kWh = {conv / MWH_PER_TWH:.1f} TWh = {conv:,.0f} MWh."
    )


def plant_table(plant: Plant) -> str:
    """Every parameter of a plant with its unit and provenance, then its topology, as text."""
    frame = plant.parameters()
    lines = [f"Plant: {plant.name}", ""]
    width = max(len(p) for p in frame["parameter"])
    for row in frame.itertuples(index=False):
        value = f"{row.value:g}" if isinstance(row.value, (int, float)) else str(row.value)
        unit = f" {row.unit}" if row.unit else ""
        lines.append(f"{row.parameter:<{width}}  {value}{unit}")
        lines.append(f"{'':<{width}}    ↳ {row.provenance}")
    lines += ["", "Topology (link: from → to):"]
    lines += [f"  {link}: {a} → {b}" for link, a, b in plant.topology()]
    n_assume = sum(p.startswith("ASSUMPTION") for p in frame["provenance"])
    lines += ["", f"{len(frame)} parameters, {n_assume} of them ASSUMPTIONS (no source; replace when data appear)."]
    return "\n".join(lines)


def scenario_summary(scenario: Scenario) -> str:
    """Statistics of a scenario's series, with provenance, as text."""
    s = scenario.summary()
    dt = scenario.dt_h
    lines = [(f"Scenario: {scenario.name}: {scenario.n_steps} steps of {dt:g} h from {scenario.index[0]} to "
              f"{scenario.index[-1]}"), ""]
    lines.append(f"{'series':<20} {'mean':>10} {'min':>10} {'max':>10}")
    for name, row in s.iterrows():
        lines.append(f"{name:<20} {row['mean']:>10.2f} {row['min']:>10.2f} {row['max']:>10.2f}")
    infl = scenario.inflow_upper_m3s
    flood = infl[(infl.index.month >= 6) & (infl.index.month <= 10)].sum() / infl.sum()
    lines += ["", f"June–October share of upper inflow: {flood:.1%}"]
    if scenario.provenance:
        lines += ["", "Provenance:"]
        lines += [f"  {k}: {v.label()}" for k, v in scenario.provenance.items()]
    return "\n".join(lines)


def energy_comparison(psh_generation_mwh: float, conventional_generation_mwh: float) -> pd.DataFrame:
    """Modelled annual energy against the published figures, with deviations."""
    rows = []
    for name, model, pub in (
        ("reversible units, pumped-water basis", psh_generation_mwh, yi_kwh_to_mwh(PUBLISHED_PSH_GENERATION_YI_KWH)),
        ("conventional units", conventional_generation_mwh,
         yi_kwh_to_mwh(PUBLISHED_CONVENTIONAL_GENERATION_YI_KWH)),
    ):
        rows.append({"figure": name, "model_mwh": model, "published_mwh": pub,
                     "relative_deviation": (model - pub) / pub})
    return pd.DataFrame(rows)


def _fmt_twh(mwh: float | None) -> str:
    return "–" if mwh is None else f"{mwh / MWH_PER_TWH:.3f} TWh"


def annual_check_markdown(check: Any, plant: Plant) -> str:
    """The annual check as a Markdown report (deterministic: no timings, no dates)."""
    s = check.summary
    lines = ["# Lianghekou annual check", ""]
    lines += ["## The published figures, read right", "",
              "- Reversible units, pumped-water basis (按照抽发水量平衡折算): 13.97亿 kWh = 13.97 × 10⁸ kWh = "
              "**1.397 TWh = 1,397,000 MWh** (亿 = 10⁸). Not 13.97 TWh: that would need 11,642 full-load hours "
              "of 1,200 MW, more than the 8,760 hours of a year.",
              "- Conventional units: about 110亿 kWh = 110 × 10⁸ kWh = **11.0 TWh = 11,000,000 MWh**.", ""]
    lines += ["## Design basis of the forward run", "",
              f"- Scenario: {s['scenario']} ({s['steps']} hourly steps).",
              "- Revenue at the Sichuan TOU tariff, daily pump–generate water balance, successive-head LP "
              f"({s['lp_iterations']} iterations, final gross-head change {s['lp_final_head_change_m']:.3g} m), "
              "the schedule then replayed through the nonlinear simulator (flows replayed; power from the level "
              "curves, both reservoirs' heads, waterway losses and efficiencies).",
              "- PV and wind are left out: the published figure is the reversible units' own pumped-water cycle.",
              "- Defaults for unknowns are the ASSUMPTIONS listed at the end, chosen before this check; the "
              "inverse problems below are where the published figure is matched, not the defaults.", ""]
    lines += ["## Result against the published figures", "",
              "| figure | model | published | deviation |", "|---|---|---|---|",
              f"| reversible generation from pumped water | {_fmt_twh(s['psh_generation_mwh'])} "
              f"({s['psh_generation_mwh']:,.0f} MWh) | 1.397 TWh (1,397,000 MWh) | {s['psh_relative_deviation']:+.1%} |",
              f"| conventional generation | {_fmt_twh(s['conventional_generation_mwh'])} "
              f"({s['conventional_generation_mwh']:,.0f} MWh) | 11.0 TWh (11,000,000 MWh) | "
              f"{s['conventional_relative_deviation']:+.1%} |", ""]
    cyc = s["psh_cycle_efficiency"]
    lines += [f"- Pumping energy: {_fmt_twh(s['psh_pumping_mwh'])} ({s['psh_pumping_mwh']:,.0f} MWh); "
              f"cycle efficiency {cyc:.3f} (rated-point {s['rated_cycle_efficiency']:.3f}); "
              f"full-load hours of 1,200 MW: {s['psh_full_load_hours']:,.0f} h/yr (published ≈ 1,164 h).",
              f"- Water balance, largest error of any step: {s['water_balance_max_abs_error_hm3']:.2e} hm³ "
              f"(simulator {s['water_balance_simulation_hm3']:.2e}, LP schedule {s['water_balance_lp_hm3']:.2e}).",
              "- LP against the nonlinear simulator (LP − simulation, relative to simulation): " + ", ".join(
                  f"{k.replace('_', ' ')} {v:+.3%}" for k, v in s["lp_vs_simulation_energy_error"].items()) + ".",
              f"- Simulator cut-backs while replaying the LP schedule: {s['simulation_cutbacks']}, "
              f"{s['simulation_cutback_water_hm3']:.3g} hm³ of water in all (largest "
              f"{s['simulation_cutback_largest_hm3']:.3g} hm³; below ~1e-6 hm³ this is round-off where the LP "
              "leaves a reservoir exactly at a limit).", ""]
    lines += ["## Why the reversible figure differs on the defaults", "",
              f"On the defaults the reversible units cycle on most days of the year at the TOU spread "
              f"({s['psh_full_load_hours']:,.0f} full-load hours against the published ≈ 1,164 h), so the model "
              "gives more than the published figure. The design basis is not public, so two inverse problems are "
              "solved by re-running the dispatch:", ""]
    vol, cap = s["implied_lower_usable_volume_hm3"], s["implied_daily_generating_hours_cap"]
    lines += ["- usable lower volume at which the model gives 1.397 TWh: "
              + (f"**{vol:.2f} hm³**" if vol is not None else "not reached in the searched range") + ";",
              "- cap on the reversible units' daily generation, in full-load hours of 1,200 MW: "
              + (f"**{cap:.2f} h/day**" if cap is not None else "not reached in the searched range")
              + (f" (≈ {cap * 365:,.0f} h/yr)" if cap is not None else "") + ".", ""]
    if vol is None and not check.inverse_runs.empty:
        lo = check.inverse_runs[check.inverse_runs["search"].str.startswith("lower")]
        if not lo.empty:
            smallest = lo.loc[lo["x"].idxmin()]
            lines += [f"The usable lower volume does not bind: even {smallest['x']:.2g} hm³ leaves "
                      f"{_fmt_twh(smallest['psh_generation_mwh'])}. The rule of thumb that the daily pumped volume "
                      "is min(V_up, V_down) (sources §2) holds for a lower reservoir without through-flow; Yagen-I "
                      "receives the conventional units' discharge (hundreds of m³/s), and the reversible units can "
                      "pump that water back while the release to the river drops toward its environmental minimum. "
                      "What binds in the model is the release and the units, not Yagen-I's storage; a published "
                      "figure this low needs an operating limit such as the daily cap below, or a downstream "
                      "release requirement well above the ASSUMED environmental flow.", ""]
    if not check.inverse_runs.empty:
        lines += ["Search runs:", "", "| search | x | generation |", "|---|---|---|"]
        for r in check.inverse_runs.itertuples(index=False):
            lines.append(f"| {r.search} | {r.x:.4g} | {_fmt_twh(r.psh_generation_mwh)} |")
        lines.append("")
    conv = s["conventional_generation_mwh"]
    dev = s["conventional_relative_deviation"]
    eff = s["conventional_efficiency"]
    hx_model = s["conventional_effective_head_x_efficiency_m"]
    hx_pub = s["published_effective_head_x_efficiency_m"]
    lines += ["## The conventional units", "",
              f"The model gives {_fmt_twh(conv)} against about 11.0 TWh ({dev:+.1%}). Over the year the mean "
              f"upper level is {s['mean_upper_level_masl']:.1f} m and the mean gross head {s['mean_gross_head_m']:.1f} m; "
              f"the turbined water yields a mean net head × efficiency of {hx_model:.1f} m.", ""]
    if abs(dev) <= 0.10:
        lines += ["This is within 10 % of the published figure from the sourced physics and the listed assumptions.",
                  ""]
    else:
        lines += [f"This is more than 10 % off. With the same turbined water the published figure needs a mean net "
                  f"head × efficiency of {hx_pub:.1f} m. Two assumptions hold the model back, and either alone "
                  "would close the gap:",
                  f"- the efficiency: the ASSUMED wire-to-water {eff:.2f} with no outages or unit availability; at "
                  f"the modelled head the published figure implies an overall {eff * hx_pub / hx_model:.3f};",
                  f"- the operating level: at efficiency {eff:.2f} the published figure implies a mean net head of "
                  f"{hx_pub / eff:.1f} m, about {(hx_model - hx_pub) / eff:.0f} m less than modelled: a design "
                  "mean level over the multi-year drawdown band (2,785–2,865 m, sourced) lower than this one-year "
                  "run, which starts at the ASSUMED 2,850 m and must end no lower.", ""]
    if not check.sensitivity.empty:
        lines += ["## Sensitivity", "", "| parameter | case | reversible generation | deviation | pumping | cycle "
                  "efficiency | conventional |", "|---|---|---|---|---|---|---|"]
        for r in check.sensitivity.itertuples(index=False):
            lines.append(f"| {r.parameter} | {r.case} | {_fmt_twh(r.psh_generation_mwh)} | "
                         f"{r.psh_relative_deviation:+.1%} | {_fmt_twh(r.psh_pumping_mwh)} | "
                         f"{r.psh_cycle_efficiency:.3f} | {_fmt_twh(r.conventional_generation_mwh)} |")
        lines.append("")
    lines += ["## Assumptions in force (no source; replace when data appear)", ""]
    for row in plant.parameters().itertuples(index=False):
        if row.provenance.startswith("ASSUMPTION"):
            value = f"{row.value:g}" if isinstance(row.value, (int, float)) else str(row.value)
            lines.append(f"- `{row.parameter}` = {value} {row.unit}: {row.provenance[len('ASSUMPTION: '):]}")
    lines.append("")
    lines += ["## Files", "", "- `summary.json`: the figures above, for scripts.",
              "- `schedule.csv`: the hourly LP schedule with the simulator's replay (`sim_*` columns).",
              "- `dispatch_week_january.png`, `dispatch_week_july.png`, `reservoir_levels.png`, `heads.png`, "
              "`month_hour_map.png`, `monthly_energy.png`.", "- `timings.json`: wall times (they vary from run to run).", ""]
    return "\n".join(lines)
