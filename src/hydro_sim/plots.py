"""Figures of a dispatch schedule and of the annual check (matplotlib, headless Agg backend).

Every function returns a :class:`~matplotlib.figure.Figure` and :func:`save_figure` writes it
deterministically (no timestamp or version in the PNG). The schedule functions take a schedule DataFrame
(the columns of ``DispatchResult.schedule``) and three keywords that every figure shares:

- ``plant`` : the :class:`~hydro_sim.plant.Plant` (its name goes in the title and its operating limits, the
  reservoirs' level bounds and the line rating, are drawn) or just a name, or None;
- ``case`` : the case or scenario name for the title (``scenario.name``), or None;
- ``currency`` : the money unit of the axis labels (the scenario's currency, e.g. ``"CNY"``), ``"money"`` if not given. [-]

The figure title (``fig.get_suptitle()``) reads ``"<plant> · <case>"``; each panel's title says what it
shows. Legends sit outside the data (below the panels) and list the price with the power.

The annual check's two figures, :func:`annual_comparison` (model against the published figures, with the
inverse problems) and :func:`sensitivity_tornado`, take an :class:`~hydro_sim.cases.lianghekou.annual_check.AnnualCheck` (or
its ``sensitivity`` table) and read the plant and case from its summary.

Examples
--------
>>> import pandas as pd
>>> from hydro_sim import plots
>>> index = pd.date_range("2030-01-01", periods=48, freq="h")
>>> schedule = pd.DataFrame({"level_upper_masl": 2850.0, "level_lower_masl": 2600.0}, index=index)
>>> fig = plots.reservoir_levels(schedule, plant="Textbook plant", case="two days")
>>> fig.get_suptitle()
'Textbook plant · two days'
>>> plots.plt.close(fig)
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from hydro_sim._validation import fail
from hydro_sim.network import Network, PumpTurbineLink, TurbineLink
from hydro_sim.plant import Plant

__all__ = [
    "annual_comparison",
    "daily_envelope",
    "dispatch_stack",
    "figure_weeks",
    "heads",
    "month_hour_map",
    "monthly_energy",
    "network_dispatch",
    "network_levels",
    "reservoir_levels",
    "save_figure",
    "sensitivity_tornado",
]

#: Colours of the series, the same in every figure.
COLOURS = {
    "conventional": "#4c72b0",
    "generating": "#55a868",
    "pumping": "#c44e52",
    "pv": "#e1b12c",
    "wind": "#8172b3",
    "price": "#dd8452",
    "line": "#333333",
    "limit": "#d62728",
    "model": "#4c72b0",
    "published": "#999999",
}
#: Runs longer than this have month ticks (month names); shorter ones day ticks. [days]
MONTH_AXIS_MIN_DAYS = 45
#: Runs up to this long draw the heads and the lower reservoir's level step by step (the lower one inside its
#: daily envelope); longer ones daily. [days]
HOURLY_LOWER_MAX_DAYS = 14
#: Families tried, in order, for characters the default font lacks (the Chinese in a plant's name).
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei", "SimHei")

PlantLike = Plant | Network | str | None


def save_figure(fig: Figure, path: Path) -> None:
    """Save as PNG with no metadata that changes from run to run, then close the figure."""
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


# -- titles, fonts and axes ----------------------------------------------------------------------------------
@functools.cache
def _default_charmap() -> frozenset[int]:
    from matplotlib import font_manager, ft2font

    path = font_manager.findfont(font_manager.FontProperties(family=plt.rcParams["font.family"]))
    return frozenset(ft2font.FT2Font(path).get_charmap())


@functools.cache
def _cjk_family() -> tuple[str, Any] | None:
    """The first installed family of :data:`CJK_FAMILIES` and the weight of its face (text drawn with it
    takes that weight: asking for another makes matplotlib log a warning)."""
    from matplotlib import font_manager

    installed = {f.name: f.weight for f in font_manager.fontManager.ttflist}
    return next(((f, installed[f]) for f in CJK_FAMILIES if f in installed), None)


def _drawable(text: str) -> tuple[str, dict[str, Any]]:
    """The text as matplotlib can draw it, and the font keywords to draw it with.

    A text with characters the default font lacks is drawn in an installed CJK family if there is one; otherwise
    they are left out of the figure (with any brackets they leave empty), so that no box or missing-glyph
    warning appears. The HTML report keeps the full text.

    Examples
    --------
    >>> _drawable("Lianghekou")
    ('Lianghekou', {})
    """
    charmap = _default_charmap()
    if all(ord(ch) in charmap or ch.isspace() for ch in text):
        return text, {}
    found = _cjk_family()
    if found is not None:
        family, weight = found
        # the whole text in that family (it has Latin letters too) and its one weight: a family list or
        # another weight makes matplotlib log that a face is missing
        return text, {"fontfamily": family, "fontweight": weight}
    kept = "".join(ch for ch in text if ord(ch) in charmap or ch.isspace())
    kept = re.sub(r"\(\s*\)|（\s*）", "", kept)
    return re.sub(r"\s+", " ", kept).strip(), {}


def plant_name(plant: PlantLike) -> str | None:
    """The name of a plant given as a Plant, a name, or None."""
    if plant is None:
        return None
    return plant.name if isinstance(plant, (Plant, Network)) else str(plant)


def headline(plant: PlantLike, case: str | None) -> str:
    """``"<plant> · <case>"`` (either part may be absent), as it is drawn (see :func:`_drawable`)."""
    parts = [p for p in (plant_name(plant), case) if p]
    return _drawable(" · ".join(parts))[0]


def _suptitle(fig: Figure, plant: PlantLike, case: str | None) -> None:
    parts = [p for p in (plant_name(plant), case) if p]
    if parts:
        text, font = _drawable(" · ".join(parts))
        # the CJK fallback families have no bold face: a bold title would make matplotlib log a warning
        fig.suptitle(text, fontsize=12, **(font or {"fontweight": "bold"}))


def _figure(nrows: int = 1, ncols: int = 1, **kw: Any) -> tuple[Figure, Any]:
    return plt.subplots(nrows, ncols, layout="constrained", **kw)


def _time_axis(ax: Axes, index: pd.DatetimeIndex) -> None:
    """Month names on runs longer than :data:`MONTH_AXIS_MIN_DAYS`, else day and month."""
    ax.set_axisbelow(True)
    span_d = (index[-1] - index[0]) / pd.Timedelta(days=1) if len(index) > 1 else 0.0
    if span_d > MONTH_AXIS_MIN_DAYS:
        ax.xaxis.set_major_locator(mdates.MonthLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b"))
    else:
        step = max(1, math.ceil(span_d / 10))
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=step))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        ax.xaxis.set_minor_locator(mdates.HourLocator(byhour=[6, 12, 18]))
    ax.set_xlim(index[0], index[-1] + _step(index))
    ax.grid(True, which="major", axis="both", color="#dddddd", lw=0.6)


def _year_label(index: pd.DatetimeIndex) -> str:
    """The year(s) of a time axis, for its label."""
    first, last = index[0].year, (index[-1]).year
    return f"{first}" if first == last else f"{first}–{last}"


def _step(index: pd.DatetimeIndex) -> pd.Timedelta:
    return index[1] - index[0] if len(index) > 1 else pd.Timedelta(hours=1)


def _legend_below(fig: Figure, handles: Sequence[Any], labels: Sequence[str]) -> None:
    """One legend for the whole figure, below the panels, so that it covers no data."""
    fig.legend(
        handles, labels, loc="outside lower center", ncol=min(len(labels), 5), fontsize=8, frameon=False
    )


def _col(schedule: pd.DataFrame, name: str) -> np.ndarray:
    return schedule[name].to_numpy(dtype=float) if name in schedule else np.zeros(len(schedule))


# -- network schedules (element columns) ---------------------------------------------------------------------
#: Colours of a network's elements, in link order.
ELEMENT_COLOURS = ("#4c72b0", "#55a868", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd")


def _hours_axis(ax: Axes, index: pd.DatetimeIndex) -> None:
    """Hour labels on a run of at most three days (day ticks alone say too little there)."""
    if len(index) > 1 and (index[-1] - index[0]) / pd.Timedelta(days=1) <= 3:
        ax.xaxis.set_major_locator(mdates.HourLocator(byhour=[0, 6, 12, 18]))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%H:%M"))


def _window(schedule: pd.DataFrame, start: Any, hours: int | None, where: str) -> pd.DataFrame:
    s = schedule if start is None else schedule.loc[pd.Timestamp(start) :]
    s = s if hours is None else s.iloc[:hours]
    if s.empty:
        raise fail("start", "must lie within the schedule and leave at least one step", str(start), where)
    return s


def network_levels(schedule: pd.DataFrame, *, plant: Network, case: str | None = None) -> Figure:
    """Each reservoir's level over the horizon with its operating limits (monthly ones applied), one panel per
    reservoir, upstream first; a reservoir whose level swings within the day on a run longer than
    :data:`HOURLY_LOWER_MAX_DAYS` is drawn as its daily min–max. [m a.s.l.]"""
    index = pd.DatetimeIndex(schedule.index)
    names = plant.upstream_order()
    fig, axes = _figure(len(names), 1, figsize=(11, 2.6 + 2.2 * len(names)), sharex=True, squeeze=False)
    long = (index[-1] - index[0]) / pd.Timedelta(days=1) > HOURLY_LOWER_MAX_DAYS if len(index) > 1 else False
    x = index.append(pd.DatetimeIndex([index[-1] + _step(index)]))
    for ax, name, colour in zip(axes[:, 0], names, ELEMENT_COLOURS, strict=False):
        res = plant.node(name)
        level = schedule[f"{name} level_masl"]
        if long:
            env = daily_envelope(level)
            ax.bar(
                env.index,
                (env["max"] - env["min"]).to_numpy(),
                width=1.0,
                bottom=env["min"].to_numpy(),
                align="edge",
                color=colour,
                alpha=0.45,
                lw=0,
                label="level, daily min–max",
            )
            ax.use_sticky_edges = False
        else:
            ax.step(
                x,
                np.append(level.to_numpy(), level.to_numpy()[-1]),
                where="post",
                color=colour,
                lw=1.2,
                label="level (end of step)",
            )
        lo, hi = res.level_bounds_masl(index)  # type: ignore[union-attr]
        _bounds(ax, index, lo, hi, name)
        ax.margins(y=0.08)
        ax.set_ylabel("level [m a.s.l.]")
        ax.set_title(f"{name}: level within its operating limits", **_drawable(name)[1])
        _time_axis(ax, index)
        _hours_axis(ax, index)
    axes[-1, 0].set_xlabel(_year_label(index))
    handles, labels = [], []
    for ax in axes[:, 0]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    _legend_below(fig, handles, labels)
    _suptitle(fig, plant, case)
    return fig


def network_dispatch(
    schedule: pd.DataFrame,
    *,
    plant: Network,
    case: str | None = None,
    currency: str = "money",
    line_capacity_mw: float | pd.Series | None = None,
    start: str | pd.Timestamp | None = None,
    hours: int | None = 168,
) -> Figure:
    """A network schedule over a window: the power of each unit group (generation up, pumping down) with the
    net export and the line limit; the flow of every link; the discharge into each river sink with the
    reach's limits; the price. [MW, m³/s, currency/MWh]"""
    s = _window(schedule, start, hours, "plots.network_dispatch()")
    x = s.index.append(pd.DatetimeIndex([s.index[-1] + _step(s.index)]))

    def ext(a: np.ndarray) -> np.ndarray:
        return np.append(a, a[-1])

    fig, (ax, axq, axr, axp) = _figure(4, 1, figsize=(11, 9.5), sharex=True, height_ratios=[3, 2, 1.6, 1.1])
    colour = dict(zip([k.name for k in plant.links], ELEMENT_COLOURS * 4, strict=False))
    for link in plant.links:
        if not isinstance(link, (TurbineLink, PumpTurbineLink)):
            continue
        gen = _col(s, f"{link.name} power_mw")
        ax.step(x, ext(gen), where="post", color=colour[link.name], lw=1.3, label=f"{link.name} generating")
        if isinstance(link, PumpTurbineLink):
            pump = _col(s, f"{link.name}-pump power_mw")
            ax.fill_between(
                x,
                -ext(pump),
                0,
                step="post",
                color=colour[link.name],
                alpha=0.35,
                label=f"{link.name} pumping",
            )
    for col, label, c in (
        ("pv_used_mw", "PV used", COLOURS["pv"]),
        ("wind_used_mw", "wind used", COLOURS["wind"]),
    ):
        if col in s and float(np.abs(_col(s, col)).max()) > 0.0:
            ax.step(x, ext(_col(s, col)), where="post", color=c, lw=1.0, label=label)
    if "line_mw" in s:
        ax.step(
            x,
            ext(_col(s, "line_mw")),
            where="post",
            color=COLOURS["line"],
            lw=1.0,
            ls=":",
            label="net export (line)",
        )
    cap = _line_limit(s, None, plant.line.capacity_mw if line_capacity_mw is None else line_capacity_mw)
    if cap is not None:
        ax.step(
            x,
            ext(cap),
            where="post",
            color=COLOURS["limit"],
            ls="--",
            lw=1.2,
            label="line limit",
            gid="line-limit",
        )
        if float(np.nanmin(_col(s, "line_mw"))) < 0.0:
            ax.step(
                x, -ext(cap), where="post", color=COLOURS["limit"], ls="--", lw=1.2, gid="line-limit-import"
            )
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel("power [MW]\n(pumping negative)")
    ax.set_title(f"Dispatch from {s.index[0]:%Y-%m-%d %H:%M} ({len(s)} steps): power of each unit group")
    for link in plant.links:
        q = _col(s, f"{link.name} flow_m3s")
        style = "-" if isinstance(link, (TurbineLink, PumpTurbineLink)) else "--"
        axq.step(
            x, ext(q), where="post", color=colour[link.name], lw=1.1, ls=style, label=f"{link.name} flow"
        )
        if isinstance(link, PumpTurbineLink):
            axq.step(
                x,
                -ext(_col(s, f"{link.name}-pump flow_m3s")),
                where="post",
                color=colour[link.name],
                lw=1.1,
                ls=":",
                label=f"{link.name} pumping flow",
            )
    axq.axhline(0, color="black", lw=0.6)
    axq.set_ylabel("flow [m³/s]\n(pumping negative)")
    axq.set_title("Flow of each link")
    for k, sink in enumerate(plant.sinks):
        assert axr is not None
        q = _col(s, f"{sink.name} flow_m3s")
        c = ELEMENT_COLOURS[-1 - k % len(ELEMENT_COLOURS)]
        axr.step(x, ext(q), where="post", color=c, lw=1.3, label=f"into {sink.name}")
        if sink.environmental_min_flow_m3s > 0.0:
            axr.axhline(
                sink.environmental_min_flow_m3s,
                color=COLOURS["limit"],
                ls="--",
                lw=1.0,
                label="reach minimum",
                gid=f"{sink.name}-min-flow",
            )
        if math.isfinite(sink.max_flow_m3s):
            axr.axhline(sink.max_flow_m3s, color=COLOURS["limit"], ls="-.", lw=1.0, label="reach maximum")
    if axr is not None:
        axr.set_ylim(bottom=0.0)
        axr.set_ylabel("discharge\n[m³/s]")
        axr.set_title(
            "River discharge below the last structure" if len(plant.sinks) == 1 else "River discharges"
        )
    axp.step(x, ext(_col(s, "price_per_mwh")), where="post", color=COLOURS["price"], lw=1.0, label="price")
    axp.set_ylabel(f"price\n[{currency}/MWh]")
    lo, hi = axp.get_ylim()
    axp.set_ylim(min(0.0, lo), hi + 0.1 * (hi - min(0.0, lo)))
    axp.set_xlabel(_year_label(s.index))
    handles, labels = [], []
    for a in (ax, axq, axr, axp) if axr is not None else (ax, axq, axp):
        _time_axis(a, s.index)
        _hours_axis(a, s.index)
        a.set_xlim(x[0], x[-1])
        for h, lab in zip(*a.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(
        handles, labels, loc="outside lower center", ncol=min(len(labels), 4), fontsize=8, frameon=False
    )
    _suptitle(fig, plant, case)
    return fig


# -- schedule figures ----------------------------------------------------------------------------------------
def figure_weeks(schedule: pd.DataFrame) -> dict[str, pd.Timestamp]:
    """The dispatch weeks to draw: from 8 January and 8 July when the run holds that week, else its first."""
    first, last = schedule.index[0], schedule.index[-1]
    weeks = {}
    for name, month in (("dispatch_week_january.png", 1), ("dispatch_week_july.png", 7)):
        for year in range(first.year, last.year + 1):
            start = pd.Timestamp(year=year, month=month, day=8, tz=first.tz)  # the schedule's own zone
            if first <= start and start + pd.Timedelta(hours=167) <= last:
                weeks[name] = start
                break
    if not weeks:
        weeks["dispatch_week_first.png"] = first
    return weeks


def dispatch_stack(
    schedule: pd.DataFrame,
    *,
    start: str | pd.Timestamp | None = None,
    hours: int = 168,
    plant: PlantLike = None,
    case: str | None = None,
    currency: str = "money",
    line_capacity_mw: float | pd.Series | None = None,
) -> Figure:
    """Stacked generation (positive) and pumping (negative) over a window, with the net export, the line
    limit and the price. [MW, currency/MWh]

    Parameters
    ----------
    schedule : A dispatch schedule (``DispatchResult.schedule``).
    start : First time stamp of the window; the schedule's start if None.
    hours : Length of the window. [h]
    plant, case, currency : See the module notes.
    line_capacity_mw : The line limit to draw: a number or a series on the schedule's index (the
        scenario's ``line_capacity_mw``); the plant's line rating if None; nothing for an unlimited line. [MW]
    """
    s = schedule
    if start is not None:
        s = s.loc[pd.Timestamp(start) :].iloc[:hours]
    else:
        s = s.iloc[:hours]
    if s.empty:
        first, last = (schedule.index[0], schedule.index[-1]) if len(schedule) else (None, None)
        raise fail(
            "start",
            f"must lie within the schedule ({first} to {last}) and leave at least one step",
            str(start),
            "plots.dispatch_stack()",
        )
    fig, (ax, ax2) = _figure(2, 1, figsize=(11, 5.6), sharex=True, height_ratios=[3, 1])
    # one extra point so that the last step is drawn to its end
    x = s.index.append(pd.DatetimeIndex([s.index[-1] + _step(s.index)]))

    def ext(a: np.ndarray) -> np.ndarray:
        return np.append(a, a[-1])

    layers = [
        ("power_conventional_mw", "conventional units", COLOURS["conventional"]),
        ("power_generating_mw", "reversible units generating", COLOURS["generating"]),
        ("pv_used_mw", "PV used", COLOURS["pv"]),
        ("wind_used_mw", "wind used", COLOURS["wind"]),
    ]
    layers = [lay for lay in layers if lay[0] in s and float(np.abs(_col(s, lay[0])).max()) > 0.0]
    if layers:
        ax.stackplot(
            x,
            *[ext(_col(s, c)) for c, _, _ in layers],
            labels=[lab for _, lab, _ in layers],
            colors=[col for _, _, col in layers],
            step="post",
            alpha=0.9,
        )
    pump = _col(s, "power_pumping_mw")
    if float(pump.max()) > 0.0:
        ax.fill_between(x, -ext(pump), 0, step="post", color=COLOURS["pumping"], label="pumping", alpha=0.9)
    if "line_mw" in s:
        ax.step(
            x, ext(_col(s, "line_mw")), where="post", color=COLOURS["line"], lw=1.0, label="net export (line)"
        )
    ax.axhline(0, color="black", lw=0.6)
    cap = _line_limit(s, plant, line_capacity_mw)
    if cap is not None:
        ax.step(
            x,
            ext(cap),
            where="post",
            color=COLOURS["limit"],
            ls="--",
            lw=1.2,
            label="line limit",
            gid="line-limit",
        )
        if float(np.nanmin(_col(s, "line_mw"))) < 0.0:  # importing: the import limit matters too
            ax.step(
                x, -ext(cap), where="post", color=COLOURS["limit"], ls="--", lw=1.2, gid="line-limit-import"
            )
    ax.set_ylabel("power [MW] (pumping negative)")
    ax2.step(x, ext(_col(s, "price_per_mwh")), where="post", color=COLOURS["price"], lw=1.0, label="price")
    ax2.set_ylabel(f"price\n[{currency}/MWh]")
    lo2, hi2 = ax2.get_ylim()
    ax2.set_ylim(min(0.0, lo2), hi2 + 0.1 * (hi2 - min(0.0, lo2)))
    ax.set_title(f"Dispatch from {s.index[0]:%Y-%m-%d} ({len(s)} h)")
    ax2.set_xlabel(_year_label(s.index))
    for a in (ax, ax2):
        _time_axis(a, s.index)
        a.set_xlim(x[0], x[-1])
        a.set_axisbelow(True)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    _legend_below(fig, h1 + h2, l1 + l2)
    _suptitle(fig, plant, case)
    return fig


def _line_limit(
    s: pd.DataFrame, plant: PlantLike, line_capacity_mw: float | pd.Series | None
) -> np.ndarray | None:
    """The line limit on the window's steps, or None for no (finite) limit. [MW]"""
    if isinstance(line_capacity_mw, pd.Series):
        values = line_capacity_mw.reindex(s.index).to_numpy(dtype=float)
    elif line_capacity_mw is not None:
        values = np.full(len(s), float(line_capacity_mw))
    elif isinstance(plant, Plant):
        values = np.full(len(s), float(plant.line.capacity_mw))
    else:
        return None
    return values if np.isfinite(values).any() else None


def daily_envelope(series: pd.Series) -> pd.DataFrame:
    """Daily minimum, mean and maximum of an hourly series, one row per calendar day (of its index).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series(range(48), index=pd.date_range("2030-01-01", periods=48, freq="h"), dtype=float)
    >>> daily_envelope(s)
                 min  mean   max
    2030-01-01   0.0  11.5  23.0
    2030-01-02  24.0  35.5  47.0
    """
    daily = series.resample("D")
    return pd.DataFrame({"min": daily.min(), "mean": daily.mean(), "max": daily.max()})


def _bounds(ax: Axes, index: pd.DatetimeIndex, lo: np.ndarray, hi: np.ndarray, what: str) -> None:
    """The operating limits of a reservoir as dashed step lines (gid ``"<what>-min-level"`` / ``-max-level``)."""
    x = index.append(pd.DatetimeIndex([index[-1] + _step(index)]))
    for values, end in ((lo, "min"), (hi, "max")):
        ax.step(
            x,
            np.append(values, values[-1]),
            where="post",
            color=COLOURS["limit"],
            ls="--",
            lw=1.0,
            label="operating limits" if end == "min" else None,
            gid=f"{what}-{end}-level",
        )


def reservoir_levels(schedule: pd.DataFrame, *, plant: PlantLike = None, case: str | None = None) -> Figure:
    """Upper and lower reservoir levels over the horizon with their operating limits; the lower reservoir
    as a daily min–max envelope (a daily pump–generate cycle drawn hourly over a year is a moiré).
    [m a.s.l.]

    The limits are drawn when ``plant`` is a :class:`~hydro_sim.plant.Plant` (monthly limits applied).
    """
    index = pd.DatetimeIndex(schedule.index)
    has_lower = "level_lower_masl" in schedule
    fig, axes = _figure(
        2 if has_lower else 1, 1, figsize=(11, 6.5 if has_lower else 4), sharex=True, squeeze=False
    )
    a1 = axes[0, 0]
    a1.plot(index, schedule["level_upper_masl"], lw=1.0, color=COLOURS["conventional"], label="upper level")
    if isinstance(plant, Plant):
        _bounds(a1, index, *plant.upper.level_bounds_masl(index), "upper")
    a1.set_ylabel("upper level [m a.s.l.]")
    a1.set_title("Upper reservoir" + (f" ({plant.upper.name})" if isinstance(plant, Plant) else ""))
    _time_axis(a1, index)
    if has_lower:
        a2 = axes[1, 0]
        env = daily_envelope(schedule["level_lower_masl"])
        # one bar per day, from the day's lowest to its highest level
        a2.bar(
            env.index,
            (env["max"] - env["min"]).to_numpy(),
            width=1.0,
            bottom=env["min"].to_numpy(),
            align="edge",
            color=COLOURS["generating"],
            alpha=0.45,
            lw=0,
            label="lower level, daily min–max",
            gid="lower-daily-envelope",
        )
        if len(env) <= HOURLY_LOWER_MAX_DAYS:
            a2.plot(index, schedule["level_lower_masl"], color="#2f6b3a", lw=0.7, label="lower level, hourly")
        if isinstance(plant, Plant) and plant.lower is not None:
            _bounds(a2, index, *plant.lower.level_bounds_masl(index), "lower")
        a2.use_sticky_edges = False  # the bars would pin the axis to the lowest level and hide its limit
        a2.margins(y=0.06)
        a2.set_ylabel("lower level [m a.s.l.]")
        name = f" ({plant.lower.name})" if isinstance(plant, Plant) and plant.lower is not None else ""
        a2.set_title(f"Lower reservoir{name}: daily min–max")
        _time_axis(a2, index)
    axes[-1, 0].set_xlabel(_year_label(index))
    handles: list[Any] = []
    labels: list[str] = []
    for ax in axes[:, 0]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    _legend_below(fig, handles, labels)
    _suptitle(fig, plant, case)
    return fig


def heads(schedule: pd.DataFrame, *, plant: PlantLike = None, case: str | None = None) -> Figure:
    """Gross head and the groups' net heads: each step on runs up to :data:`HOURLY_LOWER_MAX_DAYS` long, daily
    means on longer ones. [m]"""
    fig, ax = _figure(figsize=(11, 4.2))
    index = pd.DatetimeIndex(schedule.index)
    hourly = (index[-1] - index[0]) / pd.Timedelta(days=1) <= HOURLY_LOWER_MAX_DAYS
    if hourly:  # a short run: each step
        daily, x = schedule, index
    else:
        daily = schedule.resample("D").mean(numeric_only=True)
        x = daily.index + pd.Timedelta(hours=12)  # each day at its middle
    ax.plot(x, daily["head_m"], label="gross head (mid-step levels)", lw=1.4, color="black", zorder=3)
    for col, label, colour in (
        ("head_conventional_m", "conventional net head", COLOURS["conventional"]),
        ("head_generating_m", "reversible net head, generating", COLOURS["generating"]),
        ("head_pumping_m", "pumping head", COLOURS["pumping"]),
    ):
        if col in daily:
            ax.plot(x, daily[col], label=label, lw=0.9, color=colour)
    ax.set_ylabel("head [m]" if hourly else "head [m], daily mean")
    ax.set_title("Heads" if hourly else "Heads, daily means")
    _time_axis(ax, pd.DatetimeIndex(schedule.index))
    ax.set_xlabel(_year_label(pd.DatetimeIndex(schedule.index)))
    _legend_below(fig, *ax.get_legend_handles_labels())
    _suptitle(fig, plant, case)
    return fig


def month_hour_map(schedule: pd.DataFrame, *, plant: PlantLike = None, case: str | None = None) -> Figure:
    """Mean pumping and generating power of the reversible units by month and hour of day. [MW]"""
    fig, axes = _figure(1, 2, figsize=(11, 4.4), sharey=True)
    for ax, col, title, cmap in (
        (axes[0], "power_pumping_mw", "pumping", "Reds"),
        (axes[1], "power_generating_mw", "generating", "Greens"),
    ):
        values = pd.Series(_col(schedule, col), index=schedule.index)
        table = values.groupby([schedule.index.month, schedule.index.hour]).mean().unstack()
        months = table.index.to_numpy()
        im = ax.imshow(
            table.to_numpy(),
            aspect="auto",
            cmap=cmap,
            origin="upper",
            extent=(-0.5, 23.5, len(months) - 0.5, -0.5),
            vmin=0.0,
        )
        ax.set_yticks(range(len(months)), [pd.Timestamp(2000, int(m), 1).strftime("%b") for m in months])
        ax.set_xticks(range(0, 24, 3))
        ax.set_xlabel("hour of day")
        ax.set_title(f"reversible units {title}, mean [MW]")
        fig.colorbar(im, ax=ax)
    _suptitle(fig, plant, case)
    return fig


def monthly_energy(schedule: pd.DataFrame, *, plant: PlantLike = None, case: str | None = None) -> Figure:
    """Monthly energy: conventional, reversible generation, pumping. [GWh]"""
    dt = float(_step(pd.DatetimeIndex(schedule.index)) / pd.Timedelta(hours=1))
    cols = ["power_conventional_mw", "power_generating_mw", "power_pumping_mw"]
    frame = pd.DataFrame({c: _col(schedule, c) for c in cols}, index=schedule.index)
    m = frame.resample("MS").sum() * dt / 1e3
    fig, ax = _figure(figsize=(11, 4.2))
    x = np.arange(len(m))
    w = 0.28
    ax.bar(x - w, m["power_conventional_mw"], w, label="conventional", color=COLOURS["conventional"])
    ax.bar(x, m["power_generating_mw"], w, label="reversible generating", color=COLOURS["generating"])
    ax.bar(x + w, m["power_pumping_mw"], w, label="pumping", color=COLOURS["pumping"])
    ax.set_xticks(x, [f"{d:%b}" for d in m.index])
    ax.set_ylabel("energy [GWh]")
    ax.set_title("Monthly energy")
    ax.grid(True, axis="y", color="#dddddd", lw=0.6)
    _legend_below(fig, *ax.get_legend_handles_labels())
    _suptitle(fig, plant, case)
    return fig


# -- annual-check figures ------------------------------------------------------------------------------------
def _energy_scale(mwh: float) -> tuple[float, str]:
    """Divisor and unit for energies of this size: TWh from 1 TWh up, else GWh."""
    return (1e6, "TWh") if abs(mwh) >= 1e6 else (1e3, "GWh")


def annual_comparison(check: Any, *, plant: PlantLike = None, case: str | None = None) -> Figure:
    """The headline of the annual check: modelled against published generation, and the two inverse problems
    (the usable lower volume and the daily generating-hours cap at which the model meets the published figure).

    Parameters
    ----------
    check : An :class:`~hydro_sim.cases.lianghekou.annual_check.AnnualCheck` (its ``summary`` and ``inverse_runs`` are read).
    plant, case : Title; the check's summary (``plant``, ``scenario``) if None.
    """
    s = check.summary
    runs: pd.DataFrame = check.inverse_runs
    fig, axes = _figure(1, 3, figsize=(13, 4.6), width_ratios=[1.3, 1, 1])
    ax = axes[0]
    rows = [
        (
            "reversible, pumped water",
            s["psh_generation_mwh"],
            s.get("published_psh_generation_basis_mwh", s["published_psh_generation_mwh"]),
            s["psh_relative_deviation"],
        ),
    ]
    if s.get("conventional_generation_mwh") is not None:
        rows.append(
            (
                "conventional",
                s["conventional_generation_mwh"],
                s.get(
                    "published_conventional_generation_basis_mwh", s["published_conventional_generation_mwh"]
                ),
                s["conventional_relative_deviation"],
            )
        )
    div, unit = _energy_scale(max(max(r[1], r[2]) for r in rows))
    y = np.arange(len(rows))
    h = 0.38
    ax.barh(y - h / 2, [r[1] / div for r in rows], h, color=COLOURS["model"], label="model", gid="model-bars")
    ax.barh(
        y + h / 2,
        [r[2] / div for r in rows],
        h,
        color=COLOURS["published"],
        label="published",
        gid="published-bars",
    )
    top = max(max(r[1], r[2]) for r in rows) / div
    for i, (_, model, pub, dev) in enumerate(rows):
        ax.text(
            model / div + 0.01 * top, i - h / 2, f"{model / div:,.4g} ({dev:+.0%})", va="center", fontsize=8
        )
        ax.text(pub / div + 0.01 * top, i + h / 2, f"{pub / div:,.4g}", va="center", fontsize=8)
    ax.set_xlim(0, top * 1.3)
    ax.set_yticks(y, [r[0] for r in rows])
    ax.invert_yaxis()
    hours = s.get("hours", 8760.0)
    basis = "a year" if hours == 8760.0 else f"{hours:,.0f} h, published pro rata"
    ax.set_xlabel(f"generation [{unit}] over {basis}")
    ax.set_title("Model against published")
    ax.legend(loc="lower right", fontsize=8)
    target = s.get("published_psh_generation_basis_mwh", s["published_psh_generation_mwh"])
    _inverse_panel(
        axes[1],
        runs,
        "lower",
        s.get("implied_lower_usable_volume_hm3"),
        s.get("implied_lower_usable_volume_status", "not run"),
        target,
        s.get("default_lower_usable_volume_hm3"),
        "hm³",
    )
    _inverse_panel(
        axes[2],
        runs,
        "daily",
        s.get("implied_daily_generating_hours_cap"),
        s.get("implied_daily_generating_hours_cap_status", "not run"),
        target,
        None,
        "h/day",
    )
    axes[1].set_title("Inverse 1: usable lower volume")
    axes[2].set_title("Inverse 2: daily generating cap")
    _suptitle(
        fig, plant if plant is not None else s.get("plant"), case if case is not None else s.get("scenario")
    )
    return fig


def _inverse_panel(
    ax: Axes,
    runs: pd.DataFrame,
    prefix: str,
    solution: float | None,
    status: str,
    target_mwh: float,
    default: float | None,
    xunit: str,
) -> None:
    """One inverse search: its runs (x against generation), the published target, the solution."""
    sel = runs[runs["search"].str.startswith(prefix)].sort_values("x") if not runs.empty else runs
    ax.set_xlabel(f"{'usable lower volume' if xunit == 'hm³' else 'cap, full-load hours'} [{xunit}]")
    if sel.empty:
        ax.text(
            0.5, 0.5, f"{status}", ha="center", va="center", transform=ax.transAxes, wrap=True, fontsize=9
        )
        ax.set_xticks([])
        ax.set_yticks([])
        return
    div, unit = _energy_scale(float(max(sel["psh_generation_mwh"].max(), target_mwh)))
    ax.plot(
        sel["x"],
        sel["psh_generation_mwh"] / div,
        "o-",
        color=COLOURS["model"],
        ms=4,
        lw=1,
        label="model runs",
    )
    ax.axhline(target_mwh / div, color=COLOURS["limit"], ls="--", lw=1, label="published")
    if solution is not None:
        ax.axvline(solution, color="black", lw=0.8, ls=":")
        ax.annotate(
            f"{solution:.2f} {xunit}",
            (solution, target_mwh / div),
            xytext=(6, -14),
            textcoords="offset points",
            fontsize=8,
        )
    else:
        ax.text(
            0.03, 0.03, "not reached in the searched range", transform=ax.transAxes, fontsize=8, va="bottom"
        )
    if default is not None:
        ax.axvline(
            default, color=COLOURS["published"], lw=0.8, ls="-.", label=f"default {default:.3g} {xunit}"
        )
    ax.set_ylabel(f"reversible generation [{unit}]")
    ax.set_ylim(0, None)
    ax.grid(True, color="#dddddd", lw=0.6)
    ax.legend(fontsize=7, loc="best")


def sensitivity_tornado(
    sensitivity: pd.DataFrame,
    *,
    target_mwh: float | None = None,
    plant: PlantLike = None,
    case: str | None = None,
    column: str = "psh_generation_mwh",
    quantity: str = "reversible generation",
    target_label: str = "published figure",
) -> Figure:
    """The sensitivity table as a tornado: each case's change of the reversible units' generation from the
    base case, largest swing on top, with the published figure's place on the same scale. [%]

    Parameters
    ----------
    sensitivity : ``AnnualCheck.sensitivity`` (columns ``parameter``, ``case``, ``psh_generation_mwh``; the
        row with ``parameter == "base"`` is the reference).
    target_mwh : The published figure on the run's basis (``summary["published_psh_generation_basis_mwh"]``),
        drawn as a line; none if None. [MWh]
    plant, case : See the module notes.
    column, quantity, target_label : The energy column drawn [MWh], its name on the axis and in the title
        (e.g. ``"capability_mwh"``, ``"reversible capability"`` for the design basis's table), and the
        legend text of ``target_mwh``.
    """
    base_rows = sensitivity[sensitivity["parameter"] == "base"]
    if base_rows.empty:
        raise fail(
            "sensitivity",
            "must hold a row with parameter 'base'",
            list(sensitivity["parameter"]),
            "plots.sensitivity_tornado()",
        )
    if column not in sensitivity:
        raise fail(
            "column", "must be a column of the sensitivity table", column, "plots.sensitivity_tornado()"
        )
    base = float(base_rows[column].iloc[0])
    rows = sensitivity[sensitivity["parameter"] != "base"].copy()
    rows["change"] = rows[column] / base - 1.0
    swing = rows.groupby("parameter")["change"].apply(lambda c: float(np.abs(c).max()))
    rows["swing"] = rows["parameter"].map(swing)
    rows = rows.sort_values(["swing", "parameter", "change"], ascending=[False, True, True]).reset_index(
        drop=True
    )
    fig, ax = _figure(figsize=(11, max(3.5, 0.42 * len(rows) + 1.8)))
    y = np.arange(len(rows))
    colours = [COLOURS["generating"] if c >= 0 else COLOURS["pumping"] for c in rows["change"]]
    ax.set_axisbelow(True)
    groups = list(dict.fromkeys(rows["parameter"]))
    for k, group in enumerate(groups):  # shade every other parameter's rows
        if k % 2:
            where = np.flatnonzero(rows["parameter"].to_numpy() == group)
            ax.axhspan(where.min() - 0.5, where.max() + 0.5, color="#f2f2f2", zorder=0)
    ax.barh(y, 100 * rows["change"], color=colours, gid="tornado-bars")
    for i, c in enumerate(rows["change"]):
        ax.text(100 * c, i, f" {100 * c:+.1f} % ", va="center", ha="left" if c >= 0 else "right", fontsize=8)
    ax.set_yticks(y, [f"{p}: {c}" for p, c in zip(rows["parameter"], rows["case"], strict=True)], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    handles = [Line2D([], [], color="black", lw=0.8)]
    labels = [f"base case: {base / _energy_scale(base)[0]:,.3g} {_energy_scale(base)[1]}"]
    if target_mwh is not None:
        t = 100 * (target_mwh / base - 1.0)
        handles.append(ax.axvline(t, color=COLOURS["limit"], ls="--", lw=1.0, gid="published-line"))
        labels.append(f"{target_label} ({t:+.0f} % from base)")
    lo, hi = ax.get_xlim()
    pad = 0.15 * (hi - lo)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_xlabel(f"{quantity}, change from the base case [%]")
    ax.set_title(f"Sensitivity: {quantity}")
    ax.grid(True, axis="x", color="#dddddd", lw=0.6)
    _legend_below(fig, handles, labels)
    _suptitle(fig, plant, case)
    return fig
