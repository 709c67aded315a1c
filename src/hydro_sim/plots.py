"""Figures of a dispatch schedule and the annual check (matplotlib, headless Agg backend).

Each function takes a schedule DataFrame (the columns of ``DispatchResult.schedule``) and returns a
Figure; :func:`save_figure` writes it deterministically (no timestamp or version in the PNG).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from hydro_sim._validation import fail

__all__ = ["dispatch_stack", "heads", "month_hour_map", "monthly_energy", "reservoir_levels", "save_figure"]


def save_figure(fig: Figure, path: Path) -> None:
    """Save as PNG with no metadata that changes from run to run, then close the figure."""
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def dispatch_stack(
    schedule: pd.DataFrame, *, start: str | pd.Timestamp | None = None, hours: int = 168
) -> Figure:
    """Stacked generation (positive) and pumping (negative) over a window, with the price. [MW, CNY/MWh]"""
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
    fig, ax = plt.subplots(figsize=(11, 4.5))
    x = s.index
    conv = s["power_conventional_mw"].to_numpy()
    gen = s["power_generating_mw"].to_numpy()
    ax.stackplot(
        x,
        conv,
        gen,
        labels=["conventional units", "reversible units generating"],
        colors=["#4c72b0", "#55a868"],
        step="post",
    )
    ax.fill_between(x, -s["power_pumping_mw"].to_numpy(), 0, step="post", color="#c44e52", label="pumping")
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel("power [MW] (pumping negative)")
    ax2 = ax.twinx()
    ax2.step(x, s["price_cny_per_mwh"], where="post", color="black", lw=0.8, label="price")
    ax2.set_ylabel("price [CNY/MWh]")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(f"Dispatch from {x[0]:%Y-%m-%d} ({len(s)} h)")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def reservoir_levels(schedule: pd.DataFrame) -> Figure:
    """Upper and lower reservoir levels over the horizon. [m a.s.l.]"""
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(11, 6), sharex=True)
    a1.plot(schedule.index, schedule["level_upper_masl"], lw=0.8, color="#4c72b0")
    a1.set_ylabel("upper level [m a.s.l.]")
    a1.set_title("Reservoir levels")
    if "level_lower_masl" in schedule:
        a2.plot(schedule.index, schedule["level_lower_masl"], lw=0.4, color="#55a868")
        a2.set_ylabel("lower level [m a.s.l.]")
    fig.tight_layout()
    return fig


def heads(schedule: pd.DataFrame) -> Figure:
    """Gross head and the groups' net heads, daily means. [m]"""
    fig, ax = plt.subplots(figsize=(11, 4))
    daily = schedule.resample("D").mean()
    ax.plot(daily.index, daily["head_m"], label="gross head (mid-step levels)", lw=1.2)
    for col, label in (
        ("head_conventional_m", "conventional net head"),
        ("head_generating_m", "reversible net head"),
        ("head_pumping_m", "pumping head"),
    ):
        if col in schedule:
            ax.plot(daily.index, schedule[col].resample("D").mean(), label=label, lw=0.8)
    ax.set_ylabel("head [m], daily mean")
    ax.legend(fontsize=8)
    ax.set_title("Heads")
    fig.tight_layout()
    return fig


def month_hour_map(schedule: pd.DataFrame) -> Figure:
    """Mean pumping and generating power of the reversible units by month and hour of day. [MW]"""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, col, title, cmap in (
        (axes[0], "power_pumping_mw", "pumping", "Reds"),
        (axes[1], "power_generating_mw", "generating", "Greens"),
    ):
        table = schedule[col].groupby([schedule.index.month, schedule.index.hour]).mean().unstack()
        im = ax.imshow(
            table.to_numpy(),
            aspect="auto",
            cmap=cmap,
            origin="upper",
            extent=(-0.5, 23.5, table.index.max() + 0.5, table.index.min() - 0.5),
        )
        ax.set_xlabel("hour of day")
        ax.set_title(f"reversible units {title} [MW]")
        fig.colorbar(im, ax=ax)
    axes[0].set_ylabel("month")
    fig.tight_layout()
    return fig


def monthly_energy(schedule: pd.DataFrame) -> Figure:
    """Monthly energy: conventional, reversible generation, pumping. [GWh]"""
    dt = float((schedule.index[1] - schedule.index[0]) / pd.Timedelta(hours=1)) if len(schedule) > 1 else 1.0
    m = (
        schedule[["power_conventional_mw", "power_generating_mw", "power_pumping_mw"]].resample("MS").sum()
        * dt
        / 1e3
    )
    fig, ax = plt.subplots(figsize=(11, 4))
    x = np.arange(len(m))
    w = 0.28
    ax.bar(x - w, m["power_conventional_mw"], w, label="conventional", color="#4c72b0")
    ax.bar(x, m["power_generating_mw"], w, label="reversible generating", color="#55a868")
    ax.bar(x + w, m["power_pumping_mw"], w, label="pumping", color="#c44e52")
    ax.set_xticks(x, [f"{d:%b}" for d in m.index])
    ax.set_ylabel("energy [GWh]")
    ax.legend(fontsize=8)
    ax.set_title("Monthly energy")
    fig.tight_layout()
    return fig
