"""Small example plants and scenarios whose answers can be worked out by hand.

They feed the README, docstrings, tests and scripts alike.

Examples
--------
>>> plant = small_pumped_storage()
>>> plant.reversible.rated_power_mw, round(plant.initial_gross_head_m, 1)
(100.0, 100.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv
from hydro_sim.plant import LevelVolumeCurve, Outlet, Plant, PumpTurbineGroup, Reservoir, TurbineGroup
from hydro_sim.scenario import Scenario

__all__ = ["constant_scenario", "small_pumped_storage", "textbook_plant", "two_price_day"]


def textbook_plant(
    *,
    initial_level_masl: float = 115.0,
    environmental_min_flow_m3s: float = 5.0,
    max_ramp_m3s_per_h: float = float("inf"),
) -> Plant:
    """A one-reservoir plant: a 1 km²-per-metre lake (10 hm³/m) above two 50 MW units, tailwater 20 m.

    The lake holds 0 hm³ at 100 m and 200 hm³ at 120 m (linear), operates between 105 and 120 m.
    Each unit takes up to 70 m³/s; η = 0.9; no waterway loss.
    """
    lake = Reservoir(
        name="lake",
        curve=LevelVolumeCurve(level_masl=(100.0, 120.0), volume_hm3=(0.0, 200.0)),
        min_level_masl=105.0,
        max_level_masl=120.0,
        initial_level_masl=initial_level_masl,
    )
    units = TurbineGroup(
        name="units", n_units=2, rated_power_mw=50.0, max_flow_m3s=70.0, efficiency=0.9, min_power_mw=10.0
    )
    return Plant(
        name="textbook",
        upper=lake,
        conventional=units,
        tailwater_level_masl=20.0,
        outlet=Outlet(
            environmental_min_flow_m3s=environmental_min_flow_m3s, max_ramp_m3s_per_h=max_ramp_m3s_per_h
        ),
    )


def small_pumped_storage(
    *,
    turbine_efficiency: float = 0.9,
    pump_efficiency: float = 0.9,
    lower_max_level_masl: float = 10.0,
    n_units: int = 1,
    head_loss_coefficient_s2_per_m5: float = 0.0,
) -> Plant:
    """A pure pumped store: 100 m of head, one 100 MW pump-turbine, 10 hm³ reservoirs at half volume.

    Upper: 0 hm³ at 100 m to 10 hm³ at 110 m (1 km²); lower: 0 hm³ at 0 m to 10 hm³ at 10 m. Both start
    at 5 hm³, so the initial gross head is 100 m. No conventional units, no inflow needed.
    """
    n_units = iv.positive_int("n_units", n_units, "small_pumped_storage()")
    upper = Reservoir(
        name="upper",
        curve=LevelVolumeCurve(level_masl=(100.0, 110.0), volume_hm3=(0.0, 10.0)),
        min_level_masl=100.0,
        max_level_masl=110.0,
        initial_level_masl=105.0,
    )
    lower = Reservoir(
        name="lower",
        curve=LevelVolumeCurve(level_masl=(0.0, 10.0), volume_hm3=(0.0, 10.0)),
        min_level_masl=0.0,
        max_level_masl=lower_max_level_masl,
        initial_level_masl=5.0,
    )
    rev = PumpTurbineGroup(
        name="pump-turbine",
        n_units=n_units,
        rated_power_mw=100.0 / n_units,
        max_flow_m3s=200.0 / n_units,
        turbine_efficiency=turbine_efficiency,
        rated_pumping_power_mw=100.0 / n_units,
        pump_efficiency=pump_efficiency,
        pump_power_band_fraction=0.0,
        min_power_mw=0.0,
        head_loss_coefficient_s2_per_m5=head_loss_coefficient_s2_per_m5,
    )
    return Plant(name="small pumped storage", upper=upper, lower=lower, reversible=rev)


def two_price_day(
    *,
    low_cny_per_mwh: float = 100.0,
    high_cny_per_mwh: float = 300.0,
    low_hours: int = 12,
    inflow_upper_m3s: float = 0.0,
    start: str = "2030-01-01",
) -> Scenario:
    """24 hourly steps: ``low_hours`` at the low price, then the rest at the high price.

    ``low_hours`` is a whole number in [0, 24]; the prices are finite (either may be negative), the inflow is
    finite and ≥ 0, and ``start`` is a time stamp.
    """
    where = "two_price_day()"
    low_hours = iv.whole_number("low_hours", low_hours, where, minimum=0, maximum=24)
    low_cny_per_mwh = iv.finite("low_cny_per_mwh", low_cny_per_mwh, where)
    high_cny_per_mwh = iv.finite("high_cny_per_mwh", high_cny_per_mwh, where)
    inflow_upper_m3s = iv.non_negative("inflow_upper_m3s", inflow_upper_m3s, where)
    idx = pd.date_range(iv.timestamp("start", start, where), periods=24, freq="h")
    price = np.where(np.arange(24) < low_hours, low_cny_per_mwh, high_cny_per_mwh)
    return Scenario(
        inflow_upper_m3s=pd.Series(float(inflow_upper_m3s), index=idx),
        price_cny_per_mwh=pd.Series(price.astype(float), index=idx),
        name="two-price day",
    )


def constant_scenario(
    *,
    hours: int,
    inflow_upper_m3s: float,
    price_cny_per_mwh: float = 100.0,
    inflow_lower_m3s: float = 0.0,
    start: str = "2030-01-01",
) -> Scenario:
    """Constant inflows and price for ``hours`` hourly steps (a whole number ≥ 1) from the time stamp ``start``."""
    where = "constant_scenario()"
    hours = iv.positive_int("hours", hours, where)
    inflow_upper_m3s = iv.non_negative("inflow_upper_m3s", inflow_upper_m3s, where)
    inflow_lower_m3s = iv.non_negative("inflow_lower_m3s", inflow_lower_m3s, where)
    price_cny_per_mwh = iv.finite("price_cny_per_mwh", price_cny_per_mwh, where)
    idx = pd.date_range(iv.timestamp("start", start, where), periods=hours, freq="h")
    return Scenario(
        inflow_upper_m3s=pd.Series(float(inflow_upper_m3s), index=idx),
        inflow_lower_m3s=pd.Series(float(inflow_lower_m3s), index=idx),
        price_cny_per_mwh=pd.Series(float(price_cny_per_mwh), index=idx),
        name="constant",
    )
