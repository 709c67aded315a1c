"""Plain-text reports: the plant table, a scenario summary, and annual energy against the published figures.

Reports always show the unit conversion of the published figures: 13.97亿 kWh = 13.97 × 10⁸ kWh =
1.397 TWh = 1,397,000 MWh.
"""

from __future__ import annotations

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
