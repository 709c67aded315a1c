"""The plant objects: a textbook plant, monthly bounds, the parameter table and the Lianghekou preset."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq

from hydro_sim import (
    GridLine,
    HydroSimInputError,
    LevelVolumeCurve,
    Outlet,
    Plant,
    Provenance,
    Reservoir,
    TurbineGroup,
    lianghekou,
)
from hydro_sim import hydraulics as hy

#: Float round-off of a few operations (relative, and absolute near zero).
ROUND_OFF = 1e-12
#: Root-finding tolerance for the implicit pumping flow Q_p = η_p P / (ρ g (H_g + k Q_p²)). [m³/s]
FLOW_SOLVE_TOL_M3S = 1e-10
#: With Q_p solved to 1e-10 m³/s out of ~400 m³/s, the pump input matches 1200 MW to well within this. [-]
POWER_SOLVE_REL = 1e-9
#: A figure quoted to two decimals ("≈0.76") is matched within half a unit of the last digit.
TWO_DECIMALS = 0.005
#: A head quoted in whole metres ("≈222 m") is matched within one metre. [m]
WHOLE_METRE_M = 1.0


def approx(expected):
    return pytest.approx(expected, rel=ROUND_OFF, abs=ROUND_OFF)


def textbook_plant(**reservoir_kwargs) -> Plant:
    """A one-reservoir plant: lake 100–120 m (0, 50, 120 hm³), two 50 MW units, tailwater at 20 m."""
    res = Reservoir(
        name="lake",
        curve=LevelVolumeCurve(level_masl=(100.0, 110.0, 120.0), volume_hm3=(0.0, 50.0, 120.0)),
        min_level_masl=105.0,
        max_level_masl=120.0,
        initial_level_masl=115.0,
        **reservoir_kwargs,
    )
    return Plant(
        name="textbook",
        upper=res,
        tailwater_level_masl=20.0,
        conventional=TurbineGroup(
            name="units", n_units=2, rated_power_mw=50.0, max_flow_m3s=70.0, efficiency=0.9
        ),
        outlet=Outlet(environmental_min_flow_m3s=5.0),
    )


# -- a textbook plant ---------------------------------------------------------------------------------


def test_textbook_plant_volumes():
    res = textbook_plant().upper
    # 105 m is half-way up the first segment (0→50), 115 m half-way up the second (50→120)
    assert res.min_volume_hm3 == approx(25.0)
    assert res.max_volume_hm3 == approx(120.0)
    assert res.initial_volume_hm3 == approx(85.0)
    assert res.usable_volume_hm3 == approx(95.0)
    assert res.curve.level_masl_at(85.0) == approx(115.0)


def test_textbook_plant_heads():
    plant = textbook_plant()
    assert not plant.has_lower
    assert plant.downstream_level_masl() == approx(20.0)
    assert plant.initial_gross_head_m == approx(95.0)  # 115 − 20
    np.testing.assert_allclose(
        plant.gross_head_m(np.array([25.0, 85.0, 120.0])), [85.0, 95.0, 100.0], rtol=ROUND_OFF, atol=ROUND_OFF
    )


def test_textbook_plant_units():
    plant = textbook_plant()
    group = plant.conventional
    assert group.max_power_mw == approx(100.0)
    assert group.max_total_flow_m3s == approx(140.0)
    assert group.reference_efficiency == approx(0.9)
    assert group.efficiency_at(140.0, 95.0) == approx(0.9)
    # the full flow at the initial head would give 0.00981 · 0.9 · 140 · 95 = 117.4257 MW, above the rating
    assert hy.turbine_power_mw(group.max_total_flow_m3s, plant.initial_gross_head_m, 0.9) == approx(117.4257)
    assert plant.outlet.environmental_min_flow_m3s == approx(5.0)
    assert math.isinf(plant.line.capacity_mw)


def test_textbook_plant_topology():
    assert textbook_plant().topology() == [
        ("natural inflow", "catchment", "lake"),
        ("conventional: units", "lake", "river"),
        ("spill", "lake", "river"),
    ]


# -- monthly bounds -----------------------------------------------------------------------------------

MONTH_STARTS = pd.date_range("2025-01-01", periods=12, freq="MS")


def test_level_and_volume_bounds_without_monthly_values_are_constant():
    res = textbook_plant().upper
    lo, hi = res.level_bounds_masl(MONTH_STARTS)
    np.testing.assert_allclose(lo, np.full(12, 105.0), rtol=0, atol=ROUND_OFF)
    np.testing.assert_allclose(hi, np.full(12, 120.0), rtol=0, atol=ROUND_OFF)
    vlo, vhi = res.volume_bounds_hm3(MONTH_STARTS)
    np.testing.assert_allclose(vlo, np.full(12, 25.0), rtol=0, atol=ROUND_OFF)
    np.testing.assert_allclose(vhi, np.full(12, 120.0), rtol=0, atol=ROUND_OFF)


def test_monthly_bounds_apply_in_their_month():
    monthly_max = [120.0] * 5 + [115.0] * 4 + [120.0] * 3  # 115 m in Jun–Sep
    monthly_min = [105.0] * 3 + [108.0] + [105.0] * 8  # 108 m in April
    res = textbook_plant(monthly_max_level_masl=monthly_max, monthly_min_level_masl=monthly_min).upper
    lo, hi = res.level_bounds_masl(MONTH_STARTS)
    np.testing.assert_allclose(hi, monthly_max, rtol=0, atol=ROUND_OFF)
    np.testing.assert_allclose(lo, monthly_min, rtol=0, atol=ROUND_OFF)
    vlo, vhi = res.volume_bounds_hm3(MONTH_STARTS)
    # V(115) = 85, V(120) = 120, V(105) = 25, V(108) = 40 hm³
    np.testing.assert_allclose(vhi, [120.0] * 5 + [85.0] * 4 + [120.0] * 3, rtol=0, atol=ROUND_OFF)
    np.testing.assert_allclose(vlo, [25.0] * 3 + [40.0] + [25.0] * 8, rtol=0, atol=ROUND_OFF)


def test_monthly_bounds_switch_at_the_month_boundary_on_an_hourly_index():
    monthly_max = [120.0] * 5 + [115.0] * 4 + [120.0] * 3
    res = textbook_plant(monthly_max_level_masl=monthly_max).upper
    idx = pd.DatetimeIndex(["2025-05-31 23:00", "2025-06-01 00:00", "2025-09-30 23:00", "2025-10-01 00:00"])
    lo, hi = res.level_bounds_masl(idx)
    np.testing.assert_allclose(hi, [120.0, 115.0, 115.0, 120.0], rtol=0, atol=ROUND_OFF)
    np.testing.assert_allclose(lo, [105.0] * 4, rtol=0, atol=ROUND_OFF)
    assert len(res.volume_bounds_hm3(idx)[1]) == 4


# -- parameters() -------------------------------------------------------------------------------------

TEXTBOOK_ROWS = [
    ("upper.curve", "3 points: 100 m→0 hm³, 110 m→50 hm³, 120 m→120 hm³", ""),
    ("upper.min_level_masl", 105.0, "m a.s.l."),
    ("upper.max_level_masl", 120.0, "m a.s.l."),
    ("upper.initial_level_masl", 115.0, "m a.s.l."),
    ("conventional.n_units", 2, "units"),
    ("conventional.rated_power_mw", 50.0, "MW"),
    ("conventional.max_flow_m3s", 70.0, "m³/s"),
    ("conventional.efficiency", 0.9, "-"),
    ("conventional.min_power_mw", 0.0, "MW"),
    ("conventional.head_loss_coefficient_s2_per_m5", 0.0, "s²/m⁵"),
    ("tailwater_level_masl", 20.0, "m a.s.l."),
    ("outlet.environmental_min_flow_m3s", 5.0, "m³/s"),
    ("outlet.max_release_m3s", math.inf, "m³/s"),
    ("outlet.max_ramp_m3s_per_h", math.inf, "m³/s per h"),
    ("line.capacity_mw", math.inf, "MW"),
]


def test_parameters_rows_values_and_units():
    table = textbook_plant().parameters()
    assert list(table.columns) == ["parameter", "value", "unit", "provenance"]
    assert table["parameter"].tolist() == [r[0] for r in TEXTBOOK_ROWS]
    assert table["unit"].tolist() == [r[2] for r in TEXTBOOK_ROWS]
    for (_, expected, _), got in zip(TEXTBOOK_ROWS, table["value"], strict=True):
        if isinstance(expected, str):
            assert got == expected
        elif isinstance(expected, int):
            assert got == expected  # a whole number of units
        else:
            assert got == approx(expected)
    assert (table["provenance"] == "user input").all()


def test_parameters_show_provenance_labels_and_monthly_values():
    res = Reservoir(
        name="lake",
        curve=LevelVolumeCurve(level_masl=(100.0, 110.0, 120.0), volume_hm3=(0.0, 50.0, 120.0)),
        min_level_masl=105.0,
        max_level_masl=120.0,
        initial_level_masl=115.0,
        monthly_max_level_masl=[120.0] * 5 + [115.0] * 4 + [120.0] * 3,
    )
    plant = Plant(
        name="p",
        upper=res,
        tailwater_level_masl=20.0,
        conventional=TurbineGroup(
            name="u", n_units=1, rated_power_mw=10.0, max_flow_m3s=20.0, efficiency=0.9
        ),
        line=GridLine(capacity_mw=80.0),
        provenance={
            "upper.max_level_masl": Provenance(kind="source", text="survey", confidence="H"),
            "line.capacity_mw": Provenance(kind="assumption", text="guess"),
        },
    )
    table = plant.parameters().set_index("parameter")
    assert table.loc["upper.max_level_masl", "provenance"] == "source (H): survey"
    assert table.loc["line.capacity_mw", "provenance"] == "ASSUMPTION: guess"
    assert table.loc["line.capacity_mw", "value"] == approx(80.0)
    assert table.loc["upper.min_level_masl", "provenance"] == "user input"
    assert table.loc["upper.monthly_max_level_masl", "unit"] == "m a.s.l."
    assert table.loc["upper.monthly_max_level_masl", "value"] == ", ".join(
        ["120"] * 5 + ["115"] * 4 + ["120"] * 3
    )


# -- Lianghekou ---------------------------------------------------------------------------------------


def test_lianghekou_units():
    plant = lianghekou()
    assert (plant.reversible.n_units, plant.conventional.n_units) == (4, 6)
    assert plant.reversible.rated_power_mw == approx(300.0)
    assert plant.conventional.rated_power_mw == approx(500.0)
    assert plant.reversible.max_power_mw == approx(1200.0)
    assert plant.conventional.max_power_mw == approx(3000.0)
    # fixed-speed pumps: 300 MW ± 3 %
    assert plant.reversible.min_pumping_power_mw == approx(291.0)
    assert plant.reversible.max_pumping_power_mw == approx(309.0)
    assert plant.reversible.max_total_pumping_power_mw == approx(1236.0)


def test_lianghekou_upper_levels_and_curve():
    upper = lianghekou().upper
    assert upper.max_level_masl == approx(2865.0)
    assert upper.min_level_masl == approx(2785.0)
    # the two sourced points: 101.54×10⁸ m³ at 2,865 m and 35.94×10⁸ m³ (101.54 − 65.6) at 2,785 m
    assert upper.curve.volume_hm3_at(2865.0) == approx(10154.0)
    assert upper.curve.volume_hm3_at(2785.0) == approx(3594.0)
    assert upper.curve.level_masl_at(10154.0) == approx(2865.0)
    assert upper.curve.level_masl_at(3594.0) == approx(2785.0)
    # so the usable volume is the sourced regulating storage 65.6×10⁸ m³
    assert upper.usable_volume_hm3 == approx(6560.0)


def test_lianghekou_lower_reservoir_default():
    lower = lianghekou().lower
    # Yagen-I table: 2767.78 万 m³ at 2,598 m to 4881.30 万 m³ at 2,605 m, 1 万 m³ = 0.01 hm³
    assert lower.min_volume_hm3 == approx(27.6778)
    assert lower.max_volume_hm3 == approx(48.813)
    assert lower.usable_volume_hm3 == approx(21.1352)


def test_lianghekou_lower_reservoir_scaled():
    lower = lianghekou(lower_usable_volume_hm3=50.0).lower
    assert lower.usable_volume_hm3 == approx(50.0)
    assert lower.min_volume_hm3 == approx(27.6778)  # the storage below 2,598 m is kept
    assert (lower.min_level_masl, lower.max_level_masl) == (2598.0, 2605.0)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"flood_limit_level_masl": 2845.0}, {"lower_usable_volume_hm3": 50.0}],
    ids=["default", "flood-limit", "scaled-lower"],
)
def test_lianghekou_every_parameter_has_a_provenance(kwargs):
    plant = lianghekou(**kwargs)
    table = plant.parameters()
    assert len(table) > 20
    missing = table.loc[table["provenance"] == "user input", "parameter"].tolist()
    assert missing == []
    assert set(table["parameter"]) <= set(plant.provenance)
    labels = dict(zip(table["parameter"], table["provenance"], strict=True))
    for path, prov in plant.provenance.items():
        if prov.kind == "assumption":
            assert prov.label().startswith("ASSUMPTION: "), path
            if path in labels:
                assert labels[path].startswith("ASSUMPTION: "), path
        else:
            assert not prov.label().startswith("ASSUMPTION"), path
    # the preset really does rely on assumptions, and says so
    assert sum(p.kind == "assumption" for p in plant.provenance.values()) >= 10


def test_lianghekou_flood_limit_lowers_max_level_in_jun_to_sep_only():
    plain = lianghekou().upper
    flood = lianghekou(flood_limit_level_masl=2845.0).upper
    lo, hi = flood.level_bounds_masl(MONTH_STARTS)
    expected = [2865.0] * 5 + [2845.0] * 4 + [2865.0] * 3
    np.testing.assert_allclose(hi, expected, rtol=0, atol=ROUND_OFF)
    np.testing.assert_allclose(lo, np.full(12, 2785.0), rtol=0, atol=ROUND_OFF)
    np.testing.assert_allclose(
        plain.level_bounds_masl(MONTH_STARTS)[1], np.full(12, 2865.0), rtol=0, atol=ROUND_OFF
    )
    _, vhi = flood.volume_bounds_hm3(MONTH_STARTS)
    v2845 = flood.curve.volume_hm3_at(2845.0)
    assert 3594.0 < v2845 < 10154.0
    np.testing.assert_allclose(vhi, [10154.0] * 5 + [v2845] * 4 + [10154.0] * 3, rtol=ROUND_OFF)
    assert flood.max_level_masl == approx(2865.0)


def _lianghekou_cycle_efficiency(gross_head_m: float) -> float:
    """η_t η_p (H_g − k Q_g²)/(H_g + k Q_p²) of the reversible group at rated flow and rated input."""
    group = lianghekou().reversible
    k = group.head_loss_coefficient_s2_per_m5
    eta_t, eta_p = group.reference_turbine_efficiency, group.reference_pump_efficiency
    q_g = group.max_total_flow_m3s  # 4 × 156.25 = 625 m³/s
    p_in = group.n_units * group.rated_pumping_power_mw  # 4 × 300 = 1200 MW
    # pumping flow: Q = η_p P / (ρ g (H_g + k Q²)), implicit because the loss grows with Q
    q_p = brentq(
        lambda q: q - hy.pump_flow_m3s(p_in, hy.pumping_head_m(gross_head_m, 0.0, q, k), eta_p),
        1.0,
        5000.0,
        xtol=FLOW_SOLVE_TOL_M3S,
    )
    assert hy.pump_power_mw(q_p, hy.pumping_head_m(gross_head_m, 0.0, q_p, k), eta_p) == pytest.approx(
        p_in, rel=POWER_SOLVE_REL
    )
    return eta_t * eta_p * (gross_head_m - k * q_g**2) / (gross_head_m + k * q_p**2)


def test_lianghekou_cycle_efficiency_at_rated_conditions():
    # gross head ≈ 255 m (upper near 2,860 m, Yagen-I full at 2,605 m); 625 m³/s loses k Q² = 10 m
    cycle = _lianghekou_cycle_efficiency(255.0)
    assert 0.72 <= cycle <= 0.80
    # and matches the "≈0.76 at rated flow" quoted in the pump-efficiency provenance
    assert cycle == pytest.approx(0.76, abs=TWO_DECIMALS)


def test_lianghekou_rated_output_reachable_at_quoted_heads():
    plant = lianghekou()
    conv, rev = plant.conventional, plant.reversible
    # provenance: 249 m³/s "lets a unit reach 500 MW down to ≈222 m", 156.25 m³/s "300 MW down to ≈218 m"
    h_conv = conv.rated_power_mw / (0.00981 * conv.reference_efficiency * conv.max_flow_m3s)
    h_rev = rev.rated_power_mw / (0.00981 * rev.reference_turbine_efficiency * rev.max_flow_m3s)
    assert h_conv == pytest.approx(222.0, abs=WHOLE_METRE_M)
    assert h_rev == pytest.approx(218.0, abs=WHOLE_METRE_M)
    assert hy.turbine_power_mw(conv.max_flow_m3s, h_conv, conv.reference_efficiency) == approx(500.0)


# -- what the input checks accept ----------------------------------------------------------------------
# The checks refuse text, bools, None and containers for numbers; numpy scalars and 0-d arrays are numbers.


def test_numpy_scalars_and_zero_d_arrays_are_accepted_as_numbers():
    curve = LevelVolumeCurve(level_masl=np.array([100.0, 110.0, 120.0]), volume_hm3=[0, 50, 120])
    res = Reservoir(
        name="lake",
        curve=curve,
        min_level_masl=np.float32(105.0),
        max_level_masl=np.int64(120),
        initial_level_masl=np.array(115.0),
    )
    assert (res.min_level_masl, res.max_level_masl, res.initial_level_masl) == (105.0, 120.0, 115.0)
    assert all(type(x) is float for x in (res.min_level_masl, res.max_level_masl, res.initial_level_masl))
    units = TurbineGroup(
        name="units",
        n_units=np.int64(2),
        rated_power_mw=np.float64(50.0),
        max_flow_m3s=70,
        efficiency=np.float64(0.9),
    )
    assert units.max_power_mw == 100.0 and units.efficiency == 0.9  # exact: 2 × 50


def test_lianghekou_accepts_months_as_a_list_of_numpy_integers():
    by_list = lianghekou(
        flood_limit_level_masl=2845.0, flood_limit_months=[np.int64(m) for m in (6, 7, 8, 9)]
    )
    by_tuple = lianghekou(flood_limit_level_masl=2845.0)
    assert by_list.upper.monthly_max_level_masl == by_tuple.upper.monthly_max_level_masl
    assert (
        by_list.upper.monthly_max_level_masl[5] == 2845.0
        and by_list.upper.monthly_max_level_masl[4] == 2865.0
    )


def test_curve_methods_name_the_curve_when_refusing_a_nan():
    lake = textbook_plant().upper
    with pytest.raises(
        HydroSimInputError, match=r"^`volume_hm3` \(nan\) must be finite.*in LevelVolumeCurve.level_masl_at$"
    ):
        lake.curve.level_masl_at(math.nan)


@pytest.mark.parametrize(
    ("kind", "confidence", "label"),
    [
        ("calibration", "L", "CALIBRATION (L): head fitted to the published energy"),
        ("calibration", "", "CALIBRATION: head fitted to the published energy"),
        ("assumption", "", "ASSUMPTION: head fitted to the published energy"),
        ("derived", "M", "derived (M): head fitted to the published energy"),
    ],
)
def test_provenance_labels_name_a_calibration_as_such(kind, confidence, label):
    # a calibration (a figure fitted so the model reproduces a published result) is neither data nor a guess
    prov = Provenance(kind=kind, text="head fitted to the published energy", confidence=confidence)
    assert prov.label() == label


def test_provenance_refuses_an_unknown_kind_listing_the_kinds():
    with pytest.raises(HydroSimInputError) as err:
        Provenance(kind="fitted", text="x")  # type: ignore[arg-type]
    assert "'source', 'derived', 'calibration', 'assumption', 'user'" in str(err.value)
