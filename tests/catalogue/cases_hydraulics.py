"""Bad arguments to the pure hydraulic functions: text, None, NaN, negative magnitudes, efficiencies outside
(0, 1], zero heads that would be divided by, bad tables and mismatched shapes."""

from __future__ import annotations

import math

import numpy as np
from _harness import Case

from hydro_sim import hydraulics as hy

Z = np.array([100.0, 110.0, 120.0])
V = np.array([0.0, 50.0, 120.0])
Q_GRID, H_GRID = np.array([50.0, 150.0]), np.array([200.0, 260.0])
ETA = np.array([[0.80, 0.82], [0.90, 0.92]])

CASES = [
    Case(
        id="hydraulics-power-negative-flow",
        area="hydraulics",
        bad="turbine power at a negative flow",
        run=lambda tmp: hy.turbine_power_mw(-1.0, 100.0, 0.9),
        match=("`flow_m3s`", "-1.0", "must not be negative", "turbine_power_mw()"),
    ),
    Case(
        id="hydraulics-power-negative-head",
        area="hydraulics",
        bad="turbine power at a negative head",
        run=lambda tmp: hy.turbine_power_mw(1.0, -100.0, 0.9),
        match=("`head_m`", "-100.0", "must not be negative"),
    ),
    Case(
        id="hydraulics-power-efficiency-above-one",
        area="hydraulics",
        bad="an efficiency of 1.2",
        run=lambda tmp: hy.turbine_power_mw(1.0, 100.0, 1.2),
        match=("`efficiency`", "1.2", "(0, 1]", "turbine_power_mw()"),
    ),
    Case(
        id="hydraulics-power-efficiency-percent",
        area="hydraulics",
        bad="an efficiency array in per cent",
        run=lambda tmp: hy.pump_power_mw(np.ones(3), 100.0, np.array([0.9, 90.0, 0.9])),
        match=("`efficiency`", "90.0", "(0, 1]", "pump_power_mw()"),
    ),
    Case(
        id="hydraulics-power-nan-flow",
        area="hydraulics",
        bad="a NaN among the flows",
        run=lambda tmp: hy.turbine_power_mw(np.array([1.0, math.nan]), 100.0, 0.9),
        match=("`flow_m3s`", "nan", "position 1"),
    ),
    Case(
        id="hydraulics-power-flow-as-text",
        area="hydraulics",
        bad="a flow given as text",
        run=lambda tmp: hy.turbine_power_mw("600", 250.0, 0.9),
        match=("`flow_m3s`", "'600'", "not text"),
    ),
    Case(
        id="hydraulics-power-flow-none",
        area="hydraulics",
        bad="a flow of None",
        run=lambda tmp: hy.pump_power_mw(None, 250.0, 0.9),
        match=("`flow_m3s`", "None"),
    ),
    Case(
        id="hydraulics-power-shapes-differ",
        area="hydraulics",
        bad="3 flows against 4 heads",
        run=lambda tmp: hy.turbine_power_mw(np.ones(3), np.full(4, 100.0), 0.9),
        match=("`flow_m3s`", "(3,)", "`head_m` (4,)", "must have a shape that matches"),
    ),
    Case(
        id="hydraulics-flow-zero-head",
        area="hydraulics",
        bad="turbine flow at zero head (a division by zero)",
        run=lambda tmp: hy.turbine_flow_m3s(100.0, 0.0, 0.9),
        match=("`head_m`", "0.0", "must be positive", "turbine_flow_m3s()"),
    ),
    Case(
        id="hydraulics-pump-flow-zero-efficiency",
        area="hydraulics",
        bad="pump flow at zero efficiency",
        run=lambda tmp: hy.pump_flow_m3s(100.0, 100.0, 0.0),
        match=("`efficiency`", "0.0", "(0, 1]", "pump_flow_m3s()"),
    ),
    Case(
        id="hydraulics-flow-negative-power",
        area="hydraulics",
        bad="turbine flow for a negative power",
        run=lambda tmp: hy.turbine_flow_m3s(-50.0, 100.0, 0.9),
        match=("`power_mw`", "-50.0", "must not be negative"),
    ),
    Case(
        id="hydraulics-net-head-negative-loss",
        area="hydraulics",
        bad="a negative loss coefficient",
        run=lambda tmp: hy.net_head_m(2865.0, 2605.0, 600.0, -2e-5),
        match=("`loss_coefficient_s2_per_m5`", "-2e-05", "must not be negative", "net_head_m()"),
    ),
    Case(
        id="hydraulics-net-head-loss-array",
        area="hydraulics",
        bad="a loss coefficient given as an array",
        run=lambda tmp: hy.pumping_head_m(2865.0, 2605.0, 600.0, np.array([1e-5, 2e-5])),
        match=("`loss_coefficient_s2_per_m5`", "must be a number", "pumping_head_m()"),
    ),
    Case(
        id="hydraulics-net-head-negative-flow",
        area="hydraulics",
        bad="a negative flow through the waterway",
        run=lambda tmp: hy.net_head_m(2865.0, 2605.0, -600.0, 2e-5),
        match=("`flow_m3s`", "-600.0", "must not be negative"),
    ),
    Case(
        id="hydraulics-net-head-nan-level",
        area="hydraulics",
        bad="a NaN upstream level",
        run=lambda tmp: hy.net_head_m(math.nan, 2605.0),
        match=("`upstream_level_masl`", "nan", "must be finite"),
    ),
    Case(
        id="hydraulics-heads-shapes-differ",
        area="hydraulics",
        bad="2 upstream against 3 downstream levels",
        run=lambda tmp: hy.net_head_m(np.full(2, 2865.0), np.full(3, 2605.0)),
        match=("`upstream_level_masl`", "(2,)", "`downstream_level_masl` (3,)"),
    ),
    Case(
        id="hydraulics-volume-at-nan-level",
        area="hydraulics",
        bad="the volume at a NaN level",
        run=lambda tmp: hy.volume_from_level_hm3(math.nan, Z, V),
        match=("`level_masl`", "nan", "volume_from_level_hm3()"),
    ),
    Case(
        id="hydraulics-table-falls",
        area="hydraulics",
        bad="a level table that falls",
        run=lambda tmp: hy.volume_from_level_hm3(105.0, Z[::-1], V),
        match=("`curve_level_masl`", "must rise strictly", "[120.0, 110.0, 100.0]"),
    ),
    Case(
        id="hydraulics-tables-of-other-lengths",
        area="hydraulics",
        bad="2 volumes for 3 levels",
        run=lambda tmp: hy.level_from_volume_masl(20.0, Z, V[:2]),
        match=("`curve_volume_hm3`", "(2)", "one volume per level (3 levels)"),
    ),
    Case(
        id="hydraulics-table-of-one-point",
        area="hydraulics",
        bad="an interpolation table of one point",
        run=lambda tmp: hy.interpolate_table(1.0, np.array([1.0]), np.array([10.0])),
        match=("`table_x`", "[1.0]", "at least 2 values", "interpolate_table()"),
    ),
    Case(
        id="hydraulics-step-of-zero-hours",
        area="hydraulics",
        bad="a flow turned to volume over 0 h",
        run=lambda tmp: hy.volume_to_flow_m3s(3.6, 0.0),
        match=("`dt_h`", "0.0", "must be positive", "volume_to_flow_m3s()"),
    ),
    Case(
        id="hydraulics-step-as-text",
        area="hydraulics",
        bad="a step length given as '1h'",
        run=lambda tmp: hy.flow_to_volume_hm3(1000.0, "1h"),
        match=("`dt_h`", "'1h'", "not text"),
    ),
    Case(
        id="hydraulics-energy-efficiency-zero",
        area="hydraulics",
        bad="pumping energy at zero efficiency",
        run=lambda tmp: hy.pumping_energy_per_hm3_mwh(250.0, 0.0),
        match=("`efficiency`", "0.0", "(0, 1]", "pumping_energy_per_hm3_mwh()"),
    ),
    Case(
        id="hydraulics-chart-wrong-shape",
        area="hydraulics",
        bad="an efficiency table of the wrong shape",
        run=lambda tmp: hy.efficiency_from_table(100.0, 230.0, Q_GRID, H_GRID, ETA[:1]),
        match=("`table_efficiency`", "(1, 2)", "(2, 2)", "efficiency_from_table()"),
    ),
    Case(
        id="hydraulics-chart-negative-flow",
        area="hydraulics",
        bad="an efficiency read at a negative flow",
        run=lambda tmp: hy.efficiency_from_table(-10.0, 230.0, Q_GRID, H_GRID, ETA),
        match=("`flow_m3s`", "-10.0", "must not be negative"),
    ),
    Case(
        id="hydraulics-losses-zero-head",
        area="hydraulics",
        bad="a lossy turbine flow at zero gross head",
        run=lambda tmp: hy.turbine_flow_with_losses_m3s(100.0, 0.0, 1e-5, 0.9),
        match=("`gross_head_m`", "0.0", "must be positive", "turbine_flow_with_losses_m3s()"),
    ),
    Case(
        id="hydraulics-losses-loss-as-text",
        area="hydraulics",
        bad="a loss coefficient given as text",
        run=lambda tmp: hy.turbine_flow_with_losses_m3s(100.0, 250.0, "1e-5", 0.9),
        match=("`loss_coefficient_s2_per_m5`", "'1e-5'", "not text"),
    ),
    Case(
        id="hydraulics-losses-max-flow-zero",
        area="hydraulics",
        bad="a lossy turbine flow capped at 0 m³/s",
        run=lambda tmp: hy.turbine_flow_with_losses_m3s(100.0, 250.0, 1e-5, 0.9, max_flow_m3s=0.0),
        match=("`max_flow_m3s`", "0.0", "must be positive"),
    ),
]
