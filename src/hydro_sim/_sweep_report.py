"""A sweep's table, its plots of the main figures against the varied parameters, and its HTML report."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hydro_sim._sweep_run import DISPATCH_FIGURES, SIMULATE_FIGURES

#: The figures plotted against the varied parameters, by sweep kind.
MAIN_FIGURES = {
    "dispatch": ("objective", "reversible_generation_mwh", "pumping_mwh", "conventional_generation_mwh"),
    "simulate": ("revenue", "reversible_generation_mwh", "pumping_mwh", "conventional_generation_mwh"),
}
#: Results listed one by one in the report (all are in table.csv). [-]
REPORT_ROWS = 300
#: Distinct values of an axis up to which its values are drawn as separate lines (else as a colour scale).
LINES_MAX = 8
_MONEY = ("objective", "revenue", "replay_revenue")
_DPI = 100


def table(sw: Any, planned: Sequence[Any], done: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per scenario in sweep order: position, key, the varied parameters, status, figures, message."""
    known = DISPATCH_FIGURES if sw.kind == "dispatch" else SIMULATE_FIGURES
    seen: set[str] = set()
    for p in planned:
        seen.update(done[p.key].get("figures", {}))
    order = [f for f in known if f in seen] + sorted(seen - set(known))
    rows = []
    for p in planned:
        rec = done[p.key]
        figs = rec.get("figures", {})
        row: dict[str, Any] = {"scenario": p.index, "key": p.key, **p.parameters, "status": rec["status"]}
        row |= {f: figs.get(f) for f in order}
        row["message"] = rec.get("message", "")
        row["warnings"] = " | ".join(rec.get("warnings", []))
        rows.append(row)
    frame = pd.DataFrame(rows)
    for col in order:
        values = [v for v in frame[col] if v is not None and not (isinstance(v, float) and np.isnan(v))]
        if values and all(isinstance(v, bool) for v in values):
            frame[col] = pd.array([None if v is None else bool(v) for v in frame[col]], dtype="boolean")
        elif values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            frame[col] = pd.array([None if v is None else int(v) for v in frame[col]], dtype="Int64")
        else:
            frame[col] = pd.to_numeric(
                frame[col].astype(object).where(frame[col].notna(), np.nan), errors="coerce"
            )
    frame["scenario"] = frame["scenario"].astype("int64")
    return frame


def _label(name: str, currency: str) -> str:
    if name in _MONEY:
        return f"{name} [{currency}]"
    for suffix, unit in (("_mwh", "MWh"), ("_hm3", "hm³"), ("_masl", "m a.s.l."), ("_m3s_per_h", "m³/s per h"),
                         ("_m3s", "m³/s"), ("_mw", "MW"), ("_m", "m"), ("_s", "s"), ("_h", "h")):  # fmt: skip
        if name.endswith(suffix):
            return f"{name} [{unit}]"
    return name


def _numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)


def _new_figure(**kw: Any) -> Any:
    from matplotlib.figure import Figure

    return Figure(layout="constrained", **kw)


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, metadata={"Software": None})
    return buf.getvalue()


def _positions(values: pd.Series) -> tuple[np.ndarray, list[Any] | None]:
    """x positions of an axis's values: the numbers, or (texts, or numbers with ``inf``) the positions of the
    distinct values in order."""
    if _numeric(values) and np.isfinite(values.to_numpy(dtype=float)).all():
        return values.to_numpy(dtype=float), None
    cats = sorted(set(values)) if _numeric(values) else list(dict.fromkeys(values))
    return np.array([cats.index(v) for v in values], dtype=float), cats


def varied(frame: pd.DataFrame, sw: Any) -> list[str]:
    """The axes with more than one value in the table (an axis of one value sets a key; it varies nothing)."""
    return [a.name for a in sw.axes if frame[a.name].nunique() > 1]


def figure_against_axes(frame: pd.DataFrame, sw: Any, figure: str, currency: str) -> Any:
    """``figure`` against each varied parameter (one panel each); points of the same other parameters joined
    when the other axis is short, failed scenarios marked along the bottom."""
    axes = varied(frame, sw)
    n = len(axes)
    fig = _new_figure(figsize=(min(4.6 * n, 14.0), 3.8))
    panels = fig.subplots(1, n, squeeze=False)[0]
    ok = frame[figure].notna()
    for ax, name in zip(panels, axes, strict=True):
        x, cats = _positions(frame[name])
        others = [o for o in axes if o != name]
        colour_by = next((o for o in others if frame[o].nunique() <= LINES_MAX), None)
        if colour_by is not None and frame.groupby(colour_by)[name].nunique().max() > 1:
            for value, rows in frame[ok].groupby(colour_by, sort=True):
                xs, ys = x[rows.index], rows[figure].to_numpy(dtype=float)
                keep = np.argsort(xs, kind="stable")
                if len(set(xs)) == len(xs):
                    ax.plot(
                        xs[keep],
                        ys[keep],
                        marker="o",
                        ms=4,
                        label=f"{colour_by} = {value:g}"
                        if isinstance(value, float)
                        else f"{colour_by} = {value}",
                    )
                else:
                    ax.scatter(xs, ys, s=14, label=f"{colour_by} = {value}")
            ax.legend(fontsize=7, loc="best")
        else:
            ax.scatter(x[ok.to_numpy()], frame.loc[ok, figure], s=14, color="#2d5f8b", alpha=0.8)
        bad = ~ok.to_numpy()
        if bad.any():
            ax.plot(x[bad], np.zeros(bad.sum()), "x", color="#b2182b", transform=ax.get_xaxis_transform(), ms=7,
                    clip_on=False, label="failed")  # fmt: skip
        if cats is None and frame[name].nunique() <= 12:  # a few values: a tick at each
            ticks = sorted(frame[name].unique())
            ax.set_xticks(ticks, [f"{v:g}" for v in ticks], rotation=30 if len(ticks) > 6 else 0, fontsize=8)
        if cats is not None:
            texts = [f"{c:g}" if isinstance(c, float) else str(c) for c in cats]
            ax.set_xticks(range(len(cats)), texts, rotation=30 if len(cats) > 6 else 0, fontsize=8)
        ax.set_xlabel(name, fontsize=9)
        ax.set_ylabel(_label(figure, currency), fontsize=9)
        ax.grid(alpha=0.3)
    failed = int((~ok).sum())
    fig.suptitle(
        f"{sw.title}: {figure} against the varied parameters"
        + (f" ({failed} of {len(frame)} scenarios failed: × at the bottom)" if failed else ""),
        fontsize=10,
    )
    return fig


def grid_maps(frame: pd.DataFrame, sw: Any, figures: Sequence[str], currency: str) -> Any | None:
    """For a two-axis product of numbers: a map of each main figure over the grid (None otherwise)."""
    names = varied(frame, sw)
    if len(names) != 2 or sw.combine != "product":
        return None
    a, b = names
    if not (_numeric(frame[a]) and _numeric(frame[b])) or frame[a].nunique() > 30 or frame[b].nunique() > 30:
        return None
    figs = [f for f in figures if f in frame.columns]
    if not figs:
        return None
    fig = _new_figure(figsize=(5.0 * min(len(figs), 2), 3.9 * ((len(figs) + 1) // 2)))
    panels = fig.subplots((len(figs) + 1) // 2, min(len(figs), 2), squeeze=False).ravel()
    xa, xb = sorted(frame[a].unique()), sorted(frame[b].unique())
    for ax, f in zip(panels, figs, strict=False):
        grid = frame.pivot_table(index=b, columns=a, values=f, aggfunc="first", dropna=False).reindex(
            index=xb, columns=xa
        )
        z = grid.to_numpy(dtype=float)
        im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(xa)), [f"{v:g}" for v in xa], fontsize=8, rotation=30 if len(xa) > 6 else 0)
        ax.set_yticks(range(len(xb)), [f"{v:g}" for v in xb], fontsize=8)
        ax.set_xlabel(a, fontsize=8)
        ax.set_ylabel(b, fontsize=8)
        finite = z[np.isfinite(z)]
        span = finite.max() - finite.min() if finite.size else 0.0
        for (i, j), v in np.ndenumerate(z):
            text = "failed" if not np.isfinite(v) else (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}")
            light = np.isfinite(v) and span > 0 and (v - finite.min()) / span < 0.5
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color="white" if light else "black")
        fig.colorbar(im, ax=ax, shrink=0.85).set_label(_label(f, currency), fontsize=8)
        ax.set_title(f, fontsize=9)
    for ax in panels[len(figs) :]:
        ax.set_visible(False)
    fig.suptitle(f"{sw.title}: the main figures over the grid", fontsize=10)
    return fig


def write_outputs(
    folder: Path,
    sw: Any,
    planned: Sequence[Any],
    frame: pd.DataFrame,
    done: Mapping[str, Mapping[str, Any]],
    write_text: Callable[[Path, str], None],
    atomic_write: Callable[[Path, Callable[[Path], None]], None],
) -> list[str]:
    """The table (Parquet, CSV), the plots and the report; returns the names written."""
    written = ["table.parquet", "table.csv"]

    def parquet(tmp: Path) -> None:
        frame.to_parquet(tmp, index=False)

    atomic_write(folder / "table.parquet", parquet)
    write_text(folder / "table.csv", frame.to_csv(index=False))
    currency = str(next((r["currency"] for r in done.values() if r.get("currency")), "money"))
    images: list[tuple[str, bytes, str]] = []
    constant: dict[str, float] = {}
    if (sw.plots or sw.report) and varied(frame, sw):
        varying = []
        for f in MAIN_FIGURES[sw.kind]:
            values = frame[f].dropna() if f in frame.columns else pd.Series(dtype=float)
            if values.empty:
                continue
            if values.nunique() == 1:  # the same in every scenario: said in the report, not drawn
                constant[f] = float(values.iloc[0])
                continue
            varying.append(f)
            fig = figure_against_axes(frame, sw, f, currency)
            images.append((f"{f}.png", _png(fig), f"{f} against the varied parameters"))
        maps = grid_maps(frame, sw, varying, currency)
        if maps is not None:
            images.append(("grid.png", _png(maps), "the main figures over the grid of the two axes"))
    if sw.plots and images:
        (folder / "plots").mkdir(exist_ok=True)
        for name, png, _ in images:
            atomic_write(folder / "plots" / name, _bytes_writer(png))
            written.append(f"plots/{name}")
    if sw.report:
        _report(folder / "report.html", sw, planned, frame, done, images, currency, constant)
        written.append("report.html")
    return written


def _bytes_writer(data: bytes) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    return write


def _report(
    path: Path,
    sw: Any,
    planned: Sequence[Any],
    frame: pd.DataFrame,
    done: Mapping[str, Mapping[str, Any]],
    images: Sequence[tuple[str, bytes, str]],
    currency: str,
    constant: Mapping[str, float],
) -> None:
    from hydro_sim.html_report import Image, Preformatted, Section, Table, Text, write_html_report

    counts = Counter(frame["status"])
    failed = frame[[("figures" not in done[k]) for k in frame["key"]]]
    status_text = ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    intro = (
        f"**{len(frame)} scenarios** of `{sw.base.name}` ({sw.kind}, {sw.combine} of {len(sw.axes)} "
        f"ax{'is' if len(sw.axes) == 1 else 'es'}): {status_text}. Each scenario's result is "
        "`scenarios/<key>.json`; the whole table is `table.csv` and `table.parquet`. Money is in "
        f"{currency}."
    )
    axes = pd.DataFrame(
        {
            "column": [a.name for a in sw.axes],
            "key": [a.key for a in sw.axes],
            "values": [len(a.values) for a in sw.axes],
            "made as": [a.how for a in sw.axes],
            "first": [str(a.values[0]) for a in sw.axes],
            "last": [str(a.values[-1]) for a in sw.axes],
        }
    )
    sections = [Section("Sweep", (Text(intro), Table(axes, caption="The varied parameters")))]
    if images:
        sections.append(
            Section(
                "Figures", tuple(Image(png=png, caption=caption, alt=caption) for _, png, caption in images)
            )
        )
    cols = [
        "scenario",
        *[a.name for a in sw.axes],
        "status",
        *[f for f in (*MAIN_FIGURES[sw.kind], "water_balance_max_error_hm3") if f in frame.columns],
    ]
    shown = frame[cols].head(REPORT_ROWS)
    note = (
        f"The first {REPORT_ROWS} of {len(frame)} scenarios" if len(frame) > REPORT_ROWS else "Every scenario"
    ) + ", in sweep order, with the main figures; `table.csv` has every figure and message of every scenario."
    labels = {c: _label(c, currency) for c in cols[len(sw.axes) + 2 :]}
    sections.append(Section("Results", (Text(note), Table(shown, formats={"scenario": "d"}, labels=labels))))
    if len(failed):
        blocks: list[Any] = [
            Text(
                f"{len(failed)} scenarios have no figures; each is recorded with its diagnosis and did not stop "
                "the others."
            ),
            Table(failed[["scenario", *[a.name for a in sw.axes], "status", "message"]].head(REPORT_ROWS)),
        ]
        for k in failed["key"].head(10):
            diag = done[k].get("diagnosis")
            if diag:
                blocks.append(Preformatted(str(diag), caption=f"diagnosis of scenario {done[k]['scenario']}"))
        sections.append(Section("Failures", tuple(blocks)))
    inputs: list[Any] = []
    if sw.file is not None and Path(sw.file).is_file():
        inputs.append(Preformatted(Path(sw.file).read_text(encoding="utf-8"), caption=str(sw.file)))
    if sw.base.is_file():
        inputs.append(Preformatted(sw.base.read_text(encoding="utf-8"), caption=str(sw.base)))
    if inputs:
        sections.append(Section("Inputs", tuple(inputs)))
    write_html_report(
        path,
        title=f"Sweep: {sw.title}",
        subtitle=f"{len(planned)} scenarios",
        sections=sections,
        overwrite=True,
    )
