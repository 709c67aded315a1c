"""The figures: plant and case in every title, the operating limits drawn at their values, the lower reservoir's
daily envelope, month names on long axes, legends outside the data with the price, the annual check's
comparison and tornado drawn from their numbers. Synthetic schedules: no solve, so these run in seconds."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer

from hydro_sim import lianghekou, plots

PLANT_NAME = "Test plant A"
CASE = "case B"


@pytest.fixture(scope="module")
def plant():
    """Lianghekou's physics under a plain name (its level limits: upper 2,785–2,865 m, lower 2,598–2,605 m;
    line 4,200 MW)."""
    return dataclasses.replace(lianghekou(), name=PLANT_NAME)


def synthetic_schedule(start: str, hours: int) -> pd.DataFrame:
    """A schedule-shaped frame: a daily pump–generate cycle (pumping at night, importing, generating at the
    evening peak), levels that follow it, a TOU-like price, the line's net export."""
    index = pd.date_range(start, periods=hours, freq="h")
    hour = index.hour.to_numpy()
    t = np.arange(hours)
    pumping = np.where(hour < 6, 1200.0, 0.0)
    generating = np.where((hour >= 17) & (hour < 21), 1200.0, 0.0)
    conventional = np.where(hour < 6, 0.0, 1500.0 + 500.0 * np.sin(2 * np.pi * t / (24 * 30)))
    return pd.DataFrame(
        {
            "power_conventional_mw": conventional,
            "power_generating_mw": generating,
            "power_pumping_mw": pumping,
            "pv_used_mw": np.where((hour > 8) & (hour < 17), 800.0, 0.0),
            "wind_used_mw": 0.0,
            "line_mw": conventional + generating - pumping,
            "price_per_mwh": np.where(hour < 7, 160.0, np.where(hour >= 17, 640.0, 400.0)),
            "level_upper_masl": 2850.0 - 10.0 * np.sin(2 * np.pi * t / 8760),
            "level_lower_masl": 2601.0 + 2.0 * np.sin(2 * np.pi * (hour + 0.5) / 24),
            "head_m": 250.0 - 5.0 * np.sin(2 * np.pi * t / 8760),
            "head_conventional_m": 248.0,
            "head_generating_m": 247.0,
            "head_pumping_m": 253.0,
        },
        index=index,
    )


@pytest.fixture(scope="module")
def month():
    return synthetic_schedule("2030-01-01", 31 * 24)


@pytest.fixture(scope="module")
def year():
    return synthetic_schedule("2030-01-01", 8760)


def _by_gid(fig, gid):
    return [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]


def _close(fig):
    plots.plt.close(fig)


@pytest.mark.parametrize(
    "draw",
    [
        lambda s, p: plots.dispatch_stack(s, plant=p, case=CASE),
        lambda s, p: plots.reservoir_levels(s, plant=p, case=CASE),
        lambda s, p: plots.heads(s, plant=p, case=CASE),
        lambda s, p: plots.month_hour_map(s, plant=p, case=CASE),
        lambda s, p: plots.monthly_energy(s, plant=p, case=CASE),
        lambda s, p: plots.reservoir_levels(s, plant=p.name, case=CASE),  # a name is enough for the title
    ],
    ids=["dispatch_stack", "reservoir_levels", "heads", "month_hour_map", "monthly_energy", "by_name"],
)
def test_every_schedule_figure_names_plant_and_case(month, plant, draw):
    fig = draw(month, plant)
    assert fig.get_suptitle() == f"{PLANT_NAME} · {CASE}"
    assert fig.axes[0].get_title()  # and the first panel says what it shows
    _close(fig)


def test_a_name_the_fonts_cannot_draw_loses_only_those_characters(monkeypatch):
    """Without a CJK font the Chinese part of Lianghekou's name is left out of the figure (no tofu, no
    missing-glyph warning, which pytest turns into an error); the Latin part stays."""
    monkeypatch.setattr(plots, "_cjk_family", lambda: None)
    assert plots._drawable(lianghekou().name) == ("Lianghekou hybrid pumped storage", {})
    monkeypatch.setattr(plots, "_cjk_family", lambda: ("Some CJK Sans", 500))
    assert plots._drawable(lianghekou().name) == (
        lianghekou().name,
        {"fontfamily": "Some CJK Sans", "fontweight": 500},
    )


def test_level_limits_are_drawn_at_the_plants_values(month, plant):
    fig = plots.reservoir_levels(month, plant=plant, case=CASE)
    expected = {
        "upper-min-level": 2785.0,
        "upper-max-level": 2865.0,
        "lower-min-level": 2598.0,
        "lower-max-level": 2605.0,
    }  # the sourced dead and normal levels of Lianghekou and Yagen-I
    for gid, level in expected.items():
        (line,) = _by_gid(fig, gid)
        assert len(line.get_ydata()) == len(month) + 1  # one per step and the end of the last step
        np.testing.assert_array_equal(line.get_ydata(), level)
    _close(fig)


def test_monthly_level_limits_follow_the_months(plant):
    """A reservoir with monthly limits: the drawn limit changes at the first hour of each month."""
    lows = tuple(2785.0 + m for m in range(12))
    upper = dataclasses.replace(plant.upper, monthly_min_level_masl=lows)
    p = dataclasses.replace(plant, upper=upper)
    s = synthetic_schedule("2030-01-30", 72)  # 30 Jan → 2 Feb
    fig = plots.reservoir_levels(s, plant=p)
    (line,) = _by_gid(fig, "upper-min-level")
    y = np.asarray(line.get_ydata())
    assert (y[:48] == 2785.0).all() and (y[48:] == 2786.0).all()
    _close(fig)


def test_line_limit_and_price(month, plant):
    """The line limit is drawn at the plant's rating; the import limit too when the line imports (it does
    when pumping at night); the price is in the legend, which sits below the panels, over no data."""
    fig = plots.dispatch_stack(month, plant=plant, case=CASE)
    (export,) = _by_gid(fig, "line-limit")
    (imports,) = _by_gid(fig, "line-limit-import")
    np.testing.assert_array_equal(export.get_ydata(), 4200.0)
    np.testing.assert_array_equal(imports.get_ydata(), -4200.0)
    (legend,) = fig.legends
    labels = [t.get_text() for t in legend.get_texts()]
    assert {"price", "line limit", "net export (line)", "pumping", "PV used"} <= set(labels)
    assert "wind used" not in labels  # an all-zero layer is not drawn
    fig.canvas.draw()
    box = legend.get_window_extent()
    assert all(not box.overlaps(ax.get_window_extent()) for ax in fig.axes)
    _close(fig)


def test_line_limit_from_the_scenario_and_none_for_an_unlimited_line(month, plant):
    week = month.iloc[:168]
    cap = pd.Series(np.where(week.index.day < 4, 3000.0, 4200.0), index=week.index)
    fig = plots.dispatch_stack(week, plant=plant, line_capacity_mw=cap)
    (line,) = _by_gid(fig, "line-limit")
    np.testing.assert_array_equal(line.get_ydata()[:-1], cap.to_numpy())
    _close(fig)
    unlimited = dataclasses.replace(plant, line=dataclasses.replace(plant.line, capacity_mw=np.inf))
    fig = plots.dispatch_stack(week, plant=unlimited)
    assert _by_gid(fig, "line-limit") == []
    _close(fig)


def test_money_labels_take_the_currency(month):
    fig = plots.dispatch_stack(month, currency="EUR")
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert "price\n[EUR/MWh]" in labels and not any("CNY" in lab for lab in labels)
    _close(fig)


def test_lower_reservoir_is_one_bar_per_day_from_its_lowest_to_its_highest_level(month, plant):
    fig = plots.reservoir_levels(month, plant=plant)
    (bars,) = [c for ax in fig.axes for c in ax.containers if isinstance(c, BarContainer)]
    assert {p.get_gid() for p in bars.patches} == {"lower-daily-envelope"}
    assert len(bars.patches) == 31  # one per day of January
    low = np.array([p.get_y() for p in bars.patches])
    high = low + np.array([p.get_height() for p in bars.patches])
    # the synthetic level is 2,601 + 2 sin(2π(h + 0.5)/24): each day's extremes at h = 5 and h = 17
    np.testing.assert_allclose(low, 2601.0 + 2.0 * np.sin(2 * np.pi * 17.5 / 24), rtol=0, atol=1e-9)
    np.testing.assert_allclose(high, 2601.0 + 2.0 * np.sin(2 * np.pi * 5.5 / 24), rtol=0, atol=1e-9)
    _close(fig)


def test_daily_envelope_counts_calendar_days():
    """A run from 06:00 over 48 h touches three calendar days: three rows, the partial days included."""
    s = pd.Series(np.arange(48.0), index=pd.date_range("2030-03-01 06:00", periods=48, freq="h"))
    env = plots.daily_envelope(s)
    assert list(env.index) == list(pd.date_range("2030-03-01", periods=3, freq="D"))
    np.testing.assert_array_equal(env["min"], [0.0, 18.0, 42.0])
    np.testing.assert_array_equal(env["max"], [17.0, 41.0, 47.0])


def test_year_long_axes_have_month_names(year, plant):
    months = [pd.Timestamp(2030, m, 1).strftime("%b") for m in range(1, 13)]
    for fig in (plots.reservoir_levels(year, plant=plant), plots.heads(year, plant=plant)):
        fig.canvas.draw()
        ticks = [t.get_text() for t in fig.axes[-1].get_xticklabels()]
        assert ticks[:12] == months
        _close(fig)
    fig = plots.month_hour_map(year, plant=plant)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == months
    _close(fig)


def synthetic_check(*, inverse: bool = True) -> SimpleNamespace:
    """What the annual-check figures read of an AnnualCheck: the summary and the inverse runs."""
    summary = {
        "plant": PLANT_NAME,
        "scenario": CASE,
        "hours": 8760.0,
        "psh_generation_mwh": 3_000_000.0,
        "published_psh_generation_mwh": 1_397_000.0,
        "published_psh_generation_basis_mwh": 1_397_000.0,
        "psh_relative_deviation": 3_000_000.0 / 1_397_000.0 - 1,
        "conventional_generation_mwh": 12_000_000.0,
        "published_conventional_generation_mwh": 11_000_000.0,
        "published_conventional_generation_basis_mwh": 11_000_000.0,
        "conventional_relative_deviation": 12 / 11 - 1,
        "default_lower_usable_volume_hm3": 21.0,
        "implied_lower_usable_volume_hm3": None,
        "implied_lower_usable_volume_status": "not reached" if inverse else "not run",
        "implied_daily_generating_hours_cap": 3.2 if inverse else None,
        "implied_daily_generating_hours_cap_status": "solved" if inverse else "not run",
    }
    runs = pd.DataFrame(
        {
            "search": ["lower usable volume [hm³]"] * 2 + ["daily generating hours cap [h]"] * 3,
            "x": [0.5, 21.0, 0.5, 12.0, 3.2],
            "psh_generation_mwh": [2.8e6, 3.0e6, 0.2e6, 3.0e6, 1.397e6],
            "iterations": [5, 1, 5, 1, 4],
        }
    )
    return SimpleNamespace(summary=summary, inverse_runs=runs if inverse else pd.DataFrame())


def test_annual_comparison_draws_model_and_published(plant):
    fig = plots.annual_comparison(synthetic_check())
    assert fig.get_suptitle() == f"{PLANT_NAME} · {CASE}"  # from the summary
    model = _by_gid(fig, "model-bars")
    published = _by_gid(fig, "published-bars")
    np.testing.assert_allclose([p.get_width() for p in model], [3.0, 12.0], rtol=1e-12)  # TWh
    np.testing.assert_allclose([p.get_width() for p in published], [1.397, 11.0], rtol=1e-12)
    # the inverse panels: the published target as a line, the runs as points sorted by x
    cap_panel = fig.axes[2]
    (runs,) = [ln for ln in cap_panel.get_lines() if ln.get_label() == "model runs"]
    np.testing.assert_array_equal(runs.get_xdata(), [0.5, 3.2, 12.0])
    (target,) = [ln for ln in cap_panel.get_lines() if ln.get_label() == "published"]
    assert target.get_ydata()[0] == pytest.approx(1.397, rel=1e-12)
    _close(fig)
    fig = plots.annual_comparison(synthetic_check(inverse=False))  # quick run: the panels say so
    assert "not run" in [t.get_text() for t in fig.axes[1].texts]
    _close(fig)


def test_tornado_bars_are_the_changes_from_the_base_case():
    table = pd.DataFrame(
        {
            "parameter": ["base", "spread", "spread", "cap", "cap", "volume"],
            "case": ["defaults", "×0.5", "×1.25", "2 h/day", "4 h/day", "50 hm³"],
            "psh_generation_mwh": [2.0e6, 1.8e6, 2.1e6, 0.5e6, 1.0e6, 2.02e6],
        }
    )
    fig = plots.sensitivity_tornado(table, target_mwh=1.0e6, plant=PLANT_NAME, case=CASE)
    assert fig.get_suptitle() == f"{PLANT_NAME} · {CASE}"
    widths = [p.get_width() for p in _by_gid(fig, "tornado-bars")]
    # largest swing on top: cap (−75 %, −50 %), then spread (−10 %, +5 %), then volume (+1 %)
    np.testing.assert_allclose(widths, [-75.0, -50.0, -10.0, 5.0, 1.0], rtol=1e-12)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["cap: 2 h/day", "cap: 4 h/day", "spread: ×0.5", "spread: ×1.25", "volume: 50 hm³"]
    (published,) = _by_gid(fig, "published-line")
    assert published.get_xdata()[0] == pytest.approx(-50.0, rel=1e-12)
    _close(fig)


def test_tornado_needs_a_base_row():
    from hydro_sim.errors import HydroSimInputError

    table = pd.DataFrame({"parameter": ["cap"], "case": ["2 h"], "psh_generation_mwh": [1.0]})
    with pytest.raises(
        HydroSimInputError, match=r"`sensitivity` \(\['cap'\]\) must hold a row with parameter 'base'"
    ):
        plots.sensitivity_tornado(table)


def test_network_figures_draw_every_element_with_its_limits():
    """A cascade's schedule in element columns: one level panel per reservoir (upstream first) with its
    operating limits at the reservoir's own levels; the dispatch figure with each unit group, each link's
    flow, the river with the reach's minimum, and the price in the legend."""
    import hydro_sim as hs
    from hydro_sim.examples import cascade_network, named_scenario

    net = cascade_network()
    net = dataclasses.replace(net, sinks=(dataclasses.replace(net.sinks[0], environmental_min_flow_m3s=5.0),))
    sc = named_scenario(hours=48, inflow_m3s={"Top": 40.0, "Middle": 5.0})
    res = hs.dispatch(net, sc, head="fixed", fixed_head_tolerance_m=float("inf"))
    fig = plots.network_levels(res.schedule, plant=net, case="two days")
    assert fig.get_suptitle() == f"{net.name} · two days"
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [f"{n}: level within its operating limits" for n in net.upstream_order()]
    for ax, name in zip(fig.axes, net.upstream_order(), strict=True):
        res_ = net.node(name)
        lo = next(line for line in ax.get_lines() if line.get_gid() == f"{name}-min-level")
        hi = next(line for line in ax.get_lines() if line.get_gid() == f"{name}-max-level")
        assert set(lo.get_ydata()) == {res_.min_level_masl} and set(hi.get_ydata()) == {res_.max_level_masl}
    plots.plt.close(fig)
    fig = plots.network_dispatch(res.schedule, plant=net, case="two days", currency="EUR")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    for link in net.links:
        assert f"{link.name} flow" in labels
    assert "price" in labels and "reach minimum" in labels
    river = next(ax for ax in fig.axes if ax.get_title().startswith("River"))
    assert any(line.get_gid() == f"{net.sinks[0].name}-min-flow" for line in river.get_lines())
    assert fig.axes[-1].get_ylabel() == "price\n[EUR/MWh]"
    plots.plt.close(fig)
