"""Self-contained HTML reports: one file with the plots inline, the result tables, the published-figure
comparison where there is one, the assumptions and provenance, and the inputs of the run.

The file needs nothing else: figures are PNG images in ``data:`` URIs, the style sheet is inline, there is no
JavaScript and no external address, and a print style sheet keeps figures and tables whole on paper.

Two entry points write a report; both refuse to overwrite a file unless ``overwrite=True`` and write
atomically (a hidden temporary beside the target, then a rename: never a half-written report):

- :func:`write_dispatch_report` for a dispatch run (a :class:`~hydro_sim.optimise.DispatchResult`, optionally
  its replay through the simulator, the plant and the scenario), what ``hydro-sim run`` writes;
- a case's own reports build on the same blocks (the Lianghekou annual check's, what ``hydro-sim validate``
  writes: :mod:`hydro_sim.cases.lianghekou.report_html`).

Underneath, a report is a title and a list of :class:`Section` s, each a title and blocks: :class:`Text`
(a small Markdown subset: paragraphs, ``-`` lists, pipe tables, ``**bold**`` and ```code```), :class:`Table`
(a DataFrame), :class:`Image` (a matplotlib figure) and :class:`Preformatted`. :func:`render_html` turns them
into text and :func:`write_html_report` writes it, so a script can assemble a report of its own:

>>> import pandas as pd
>>> from hydro_sim.html_report import Section, Table, Text, render_html
>>> page = render_html(
...     title="Two numbers",
...     sections=[Section("Result", (Text("The **answer**."), Table(pd.DataFrame({"energy_mwh": [1.5]}))))],
... )
>>> '<td class="num" data-value="1.5">1.5</td>' in page
True

Every number in a table is written twice: formatted for people, and exactly (``repr`` of the float) in the
cell's ``data-value`` attribute, so a script can read the report's numbers back without rounding.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import math
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hydro_sim._validation import fail
from hydro_sim.network import Network, PumpTurbineLink, TurbineLink
from hydro_sim.plant import Plant
from hydro_sim.scenario import Scenario

__all__ = [
    "Image",
    "Preformatted",
    "Section",
    "Table",
    "Text",
    "dispatch_report_sections",
    "render_html",
    "write_dispatch_report",
    "write_html_report",
]

#: Resolution of the inline figures. [dots per inch]
FIGURE_DPI = 100
#: Runs at least this long get monthly totals and the month-by-hour map; shorter ones daily totals. [days]
MONTHLY_MIN_DAYS = 60
#: Cut-backs listed one by one in a dispatch report (all are counted). [-]
CUTBACK_ROWS = 20


# -- blocks ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """Prose in a small Markdown subset: paragraphs (blank-line separated), ``- `` lists, ``### `` headings,
    pipe tables, ``**bold**`` and ```code```. Everything else is text (HTML in it is escaped)."""

    markdown: str


@dataclass(frozen=True)
class Table:
    """A DataFrame as an HTML table.

    Parameters
    ----------
    frame : The table; its columns are the header unless ``labels`` renames them.
    caption : Shown above the table.
    formats : Format spec per column for people (e.g. ``{"energy_mwh": ",.0f"}``); for floats by default
        whole numbers with separators from 10,000 up, else six significant digits; ``",d"`` for integers. The exact value is kept in ``data-value``.
    labels : Header text per column (e.g. ``{"energy_mwh": "energy [MWh]"}``).
    index : Write the index as the first column.
    """

    frame: pd.DataFrame
    caption: str = ""
    formats: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    index: bool = False


@dataclass(frozen=True)
class Image:
    """A figure as an inline PNG. Build it with :meth:`of` (which renders and closes the figure)."""

    png: bytes
    caption: str = ""
    alt: str = ""

    @classmethod
    def of(cls, figure: Any, caption: str = "", alt: str = "") -> Image:
        """Render a matplotlib figure to PNG (deterministic: no metadata) and close it."""
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        figure.savefig(buf, format="png", dpi=FIGURE_DPI, metadata={"Software": None})
        title = figure.get_suptitle() if hasattr(figure, "get_suptitle") else ""
        plt.close(figure)
        return cls(png=buf.getvalue(), caption=caption, alt=alt or title or caption)


@dataclass(frozen=True)
class Preformatted:
    """Text shown as it is (a scenario file, a command line), in a monospaced box."""

    text: str
    caption: str = ""


Block = Text | Table | Image | Preformatted


@dataclass(frozen=True)
class Section:
    """A titled part of a report; ``anchor`` is its id for the table of contents (from the title if empty)."""

    title: str
    blocks: Sequence[Block] = ()
    anchor: str = ""


# -- rendering ---------------------------------------------------------------------------------------------
CSS = """
:root { --ink: #1d232b; --muted: #5b6572; --rule: #d5dae0; --band: #f4f6f8; --accent: #2d5f8b; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 1.5rem 2rem 3rem; color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC",
  "PingFang SC", "Microsoft YaHei", sans-serif; }
header { border-bottom: 3px solid var(--accent); margin-bottom: 1rem; }
h1 { font-size: 1.7rem; margin: 0 0 0.2rem; }
header p { color: var(--muted); margin: 0 0 0.8rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 0.6rem; padding-bottom: 0.2rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
nav { background: var(--band); padding: 0.6rem 1rem; border-radius: 4px; }
nav ol { margin: 0; padding-left: 1.4rem; columns: 2; }
a { color: var(--accent); }
table { border-collapse: collapse; margin: 0.4rem 0 1.2rem; font-size: 0.88rem; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: 0.2rem 0; }
th, td { border-bottom: 1px solid var(--rule); padding: 0.25rem 0.6rem; vertical-align: top; text-align: left; }
th { background: var(--band); font-weight: 600; }
td:first-child { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.na { color: var(--muted); text-align: center; }
tbody tr:nth-child(even) { background: #fafbfc; }
figure { margin: 0.6rem 0 1.4rem; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 0.88rem; }
pre { background: var(--band); padding: 0.6rem 0.8rem; overflow-x: auto; font-size: 0.85rem; white-space: pre-wrap; }
code { background: var(--band); padding: 0 0.2rem; border-radius: 3px; }
footer { margin-top: 3rem; color: var(--muted); font-size: 0.85rem; border-top: 1px solid var(--rule); }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, table, pre { break-inside: avoid; page-break-inside: avoid; }
  figure img { border: none; }
  a { color: inherit; text-decoration: none; }
}
"""


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _inline(text: str) -> str:
    """Escape, then ``**bold**`` and ```code```."""
    out = _esc(text)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)


def _markdown(text: str) -> str:
    """The Markdown subset of :class:`Text` as HTML.

    Examples
    --------
    >>> _markdown("A **b**.\\n\\n- one\\n- `two`")
    '<p>A <strong>b</strong>.</p>\\n<ul>\\n<li>one</li>\\n<li><code>two</code></li>\\n</ul>'
    """
    out: list[str] = []
    para: list[str] = []
    items: list[str] = []
    rows: list[list[str]] = []

    def flush() -> None:
        if para:
            out.append("<p>" + _inline(" ".join(para)) + "</p>")
            para.clear()
        if items:
            out.append("<ul>\n" + "\n".join(f"<li>{_inline(i)}</li>" for i in items) + "\n</ul>")
            items.clear()
        if rows:
            head, body = rows[0], rows[1:]
            out.append(
                "<table>\n<thead><tr>"
                + "".join(f"<th>{_inline(c)}</th>" for c in head)
                + "</tr></thead>\n<tbody>\n"
                + "\n".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in body)
                + "\n</tbody>\n</table>"
            )
            rows.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("|"):
            if para or items:
                flush()
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                rows.append(cells)
        elif line.startswith("- "):
            if para or rows:
                flush()
            items.append(line[2:])
        elif line.startswith("#"):
            flush()
            level = min(len(line) - len(line.lstrip("#")) + 1, 4)
            out.append(f"<h{level}>{_inline(line.lstrip('#').strip())}</h{level}>")
        elif items and raw.startswith("  "):  # a list item continued on the next line
            items[-1] += " " + line
        else:
            if items or rows:
                flush()
            para.append(line)
    flush()
    return "\n".join(out)


def _auto_spec(x: float) -> str:
    """The default format of a float: whole numbers with separators from 10,000 up, six significant digits
    between 0.001 and 10,000, scientific notation below.

    Examples
    --------
    >>> [format(x, _auto_spec(x)) for x in (3428399.2, 0.770368123, 1.3e-11, 0.0)]
    ['3,428,399', '0.770368', '1.30e-11', '0']
    """
    ax = abs(x)
    if ax >= 1e4:
        return ",.0f"
    if ax >= 1e-3 or ax == 0.0:
        return ".6g"
    return ".2e"


def _cell(value: Any, spec: str | None) -> str:
    """One table cell: numbers right-aligned with their exact value in ``data-value``."""
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return '<td class="na">–</td>'
    if isinstance(value, bool | np.bool_):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int | np.integer):
        return f'<td class="num" data-value="{int(value)}">{format(int(value), spec or ",d")}</td>'
    if isinstance(value, float | np.floating):
        x = float(value)
        text = format(x, spec or _auto_spec(x)) if math.isfinite(x) else ("∞" if x > 0 else "−∞")
        return f'<td class="num" data-value="{x!r}">{_esc(text)}</td>'
    if isinstance(value, pd.Timestamp):
        return f"<td>{_esc(value.isoformat(sep=' '))}</td>"
    return f"<td>{_esc(value)}</td>"


def _table(block: Table) -> str:
    frame = block.frame.reset_index() if block.index else block.frame
    head = "".join(f"<th>{_esc(block.labels.get(str(c), c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = "".join(_cell(v, block.formats.get(str(c))) for c, v in zip(frame.columns, row, strict=True))
        body.append(f"<tr>{cells}</tr>")
    caption = f"<caption>{_inline(block.caption)}</caption>" if block.caption else ""
    return (
        f"<table>{caption}\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody>\n</table>"
    )


def _block(block: Block) -> str:
    if isinstance(block, Text):
        return _markdown(block.markdown)
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Image):
        data = base64.b64encode(block.png).decode("ascii")
        caption = f"<figcaption>{_inline(block.caption)}</figcaption>" if block.caption else ""
        return f'<figure><img alt="{_esc(block.alt)}" src="data:image/png;base64,{data}">{caption}</figure>'
    if isinstance(block, Preformatted):
        caption = f"<h3>{_inline(block.caption)}</h3>\n" if block.caption else ""
        return f"{caption}<pre>{_esc(block.text)}</pre>"
    raise fail(
        "sections",
        "must hold Text, Table, Image or Preformatted blocks",
        type(block).__name__,
        "html_report.render_html()",
    )


def _anchor(title: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"
    name, k = base, 2
    while name in taken:
        name, k = f"{base}-{k}", k + 1
    taken.add(name)
    return name


def render_html(*, title: str, sections: Iterable[Section], subtitle: str = "") -> str:
    """The report as one HTML document (text), with a table of contents.

    Deterministic: the same sections give the same bytes (no date; the package version in the footer).
    """
    from hydro_sim import __version__

    sections = list(sections)
    for s in sections:
        if not isinstance(s, Section):
            raise fail(
                "sections", "must be a sequence of Section", type(s).__name__, "html_report.render_html()"
            )
    taken: set[str] = set()
    anchors = [s.anchor or _anchor(s.title, taken) for s in sections]
    toc = "".join(
        f'<li><a href="#{a}">{_esc(s.title)}</a></li>' for s, a in zip(sections, anchors, strict=True)
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="hydro_sim">',
        f"<title>{_esc(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f"<header><h1>{_esc(title)}</h1>" + (f"<p>{_inline(subtitle)}</p>" if subtitle else "") + "</header>",
        f"<nav><ol>{toc}</ol></nav>" if len(sections) > 1 else "",
    ]
    for s, a in zip(sections, anchors, strict=True):
        parts.append(f'<section id="{_esc(a)}">\n<h2>{_esc(s.title)}</h2>')
        parts.extend(_block(b) for b in s.blocks)
        parts.append("</section>")
    parts += [
        (
            f"<footer><p>Written by hydro_sim {_esc(__version__)}. Self-contained: figures inline, no scripts, "
            "no external resources.</p></footer>"
        ),
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


# -- writing -----------------------------------------------------------------------------------------------
def _check_target(path: Any, overwrite: bool, where: str) -> Path:
    """The target file, checked before any work: a new file (or ``overwrite``) in an existing folder."""
    if not isinstance(path, str | os.PathLike):
        raise fail("path", "must be a file path (str or pathlib.Path)", type(path).__name__, where)
    target = Path(path)
    if not isinstance(overwrite, bool):
        raise fail("overwrite", "must be True or False", overwrite, where)
    if target.is_dir():
        raise fail("path", "must be a file, not a folder", str(target), where)
    if not target.parent.is_dir():
        raise fail("path", "must be in an existing folder (create the folder first)", str(target), where)
    if target.exists() and not overwrite:
        raise fail("path", "already exists; pass overwrite=True to replace it", str(target), where)
    return target


def _write_atomic(target: Path, text: str, overwrite: bool, where: str) -> None:
    """Write a hidden temporary beside ``target``, then rename it into place; the temporary never stays."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is for the temporary, not for the report
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # fails if the file appeared meanwhile: nothing is overwritten
            except FileExistsError:
                raise fail(
                    "path", "already exists; pass overwrite=True to replace it", str(target), where
                ) from None
            except OSError:  # pragma: no cover - a file system without hard links
                if target.exists():
                    raise
                os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_html_report(
    path: str | os.PathLike[str],
    *,
    title: str,
    sections: Iterable[Section],
    subtitle: str = "",
    overwrite: bool = False,
) -> Path:
    """Write a report of the given sections to ``path`` (see :func:`render_html`), atomically.

    Raises
    ------
    HydroSimInputError
        ``path`` exists (and ``overwrite`` is False), is a folder, or its folder does not exist.
    """
    where = "write_html_report()"
    target = _check_target(path, overwrite, where)
    _write_atomic(target, render_html(title=title, sections=sections, subtitle=subtitle), overwrite, where)
    return target


# -- shared pieces -------------------------------------------------------------------------------------------
def _dt_h(index: pd.DatetimeIndex) -> float:
    return float((index[1] - index[0]) / pd.Timedelta(hours=1)) if len(index) > 1 else 1.0


def schedule_energy_mwh(schedule: pd.DataFrame, plant: Plant | Network) -> dict[str, float]:
    """Energy of a schedule by unit group and of the line, from its power columns. [MWh]

    A Plant's schedule gives ``conventional_generation_mwh``, ``reversible_generation_mwh``, ``pumping_mwh``;
    a Network's (element columns) ``"{column} energy_mwh"`` per unit column (a pump-turbine group's pumping
    input is its ``"{name}-pump energy_mwh"``); both ``line_export_mwh`` and ``line_import_mwh``.
    """
    dt = _dt_h(pd.DatetimeIndex(schedule.index))

    def total(col: str) -> float:
        return float(schedule[col].sum() * dt) if col in schedule else 0.0

    if isinstance(plant, Network):
        out = {
            f"{c.name} energy_mwh": total(f"{c.name} power_mw")
            for c in plant.flow_columns()
            if isinstance(plant.link(c.link), (TurbineLink, PumpTurbineLink))
        }
    else:
        out = {
            "conventional_generation_mwh": total("power_conventional_mw"),
            "reversible_generation_mwh": total("power_generating_mw"),
            "pumping_mwh": total("power_pumping_mw"),
        }
    line = schedule["line_mw"] if "line_mw" in schedule else pd.Series(0.0, index=schedule.index)
    out["line_export_mwh"] = float(line.clip(lower=0).sum() * dt)
    out["line_import_mwh"] = float((-line).clip(lower=0).sum() * dt)
    return out


def replay_energy_mwh(simulation: Any, plant: Plant | Network) -> dict[str, float]:
    """The energies of :func:`schedule_energy_mwh` from a simulation's first scenario (the simulator's line
    carries the units' power only, no PV or wind). [MWh]"""
    if isinstance(plant, Network):
        t = simulation.totals.iloc[0]
        out = {
            f"{c.name} energy_mwh": float(t[f"{c.name} energy_mwh"])
            for c in plant.flow_columns()
            if f"{c.name} energy_mwh" in t.index
        }
        out["line_export_mwh"] = float(t["export_mwh"])
        out["line_import_mwh"] = float(t["import_mwh"])
        return out
    return {str(k): float(v) for k, v in simulation.energy_mwh().iloc[0].items()}


def schedule_water_balance_hm3(schedule: pd.DataFrame, plant: Plant | Network) -> float:
    """Largest absolute water-balance residual of a schedule over reservoirs and steps, with the network's
    own matrix (:meth:`Network.water_balance_error_hm3`) or the Plant's balance. [hm³]"""
    from hydro_sim.balance import water_balance_max_error_hm3

    dt = _dt_h(pd.DatetimeIndex(schedule.index))
    if isinstance(plant, Plant):
        return water_balance_max_error_hm3(
            schedule,
            initial_volume_upper_hm3=plant.upper.initial_volume_hm3,
            initial_volume_lower_hm3=None if plant.lower is None else plant.lower.initial_volume_hm3,
            dt_h=dt,
        )
    names = plant.reservoir_names
    v = np.stack([schedule[f"{r} volume_hm3"].to_numpy(dtype=float) for r in names])
    v0 = np.array([[res.initial_volume_hm3] for res in plant.reservoirs])
    inflow = np.stack([schedule[f"{r} inflow_m3s"].to_numpy(dtype=float) for r in names])
    q = np.stack([schedule[f"{c.name} flow_m3s"].to_numpy(dtype=float) for c in plant.flow_columns()])
    err = plant.water_balance_error_hm3(np.hstack([v0, v]), inflow, q, dt)
    return float(np.abs(err).max()) if err.size else 0.0


def _topology(plant: Plant | Network) -> pd.DataFrame:
    if isinstance(plant, Plant):
        return pd.DataFrame(plant.topology(), columns=["link", "from", "to"])
    kinds = {
        "TurbineLink": "turbine",
        "PumpTurbineLink": "pump-turbine",
        "Spillway": "spillway",
        "Release": "release",
    }
    return pd.DataFrame(
        [(k.name, kinds[type(k).__name__], k.from_node, k.to_node) for k in plant.links],
        columns=["link", "kind", "from", "to"],
    )


def _plant_sections(plant: Plant | Network) -> tuple[Section, list[Block]]:
    """The plant's parameters (inputs) and its assumption rows (for the assumptions section)."""
    params = plant.parameters()
    topo = _topology(plant)
    inputs = Section(
        "Plant",
        (
            Text(f"**{plant.name}**: {len(params)} parameters; the provenance says where each comes from."),
            Table(params, caption="Parameters"),
            Table(topo, caption="Topology (link: from → to)"),
        ),
    )
    assumed = params[params["provenance"].str.startswith("ASSUMPTION")]
    blocks: list[Block] = [
        Text(
            f"{len(assumed)} of the plant's {len(params)} parameters are ASSUMPTIONS (no source; replace them "
            "when data appear). Every other parameter names its source in the plant table."
        )
    ]
    if not assumed.empty:
        blocks.append(
            Table(
                assumed.assign(provenance=assumed["provenance"].str.removeprefix("ASSUMPTION: ")),
                caption="Assumptions in force",
                labels={"provenance": "why this value"},
            )
        )
    return inputs, blocks


def _scenario_blocks(scenario: Scenario) -> tuple[list[Block], list[Block]]:
    """The scenario's series statistics (inputs) and the provenance of its series."""
    stats = scenario.summary().rename_axis("series")
    inputs: list[Block] = [
        Text(
            f"**{scenario.name}**: {scenario.n_steps} steps of {scenario.dt_h:g} h from "
            f"{scenario.index[0]:%Y-%m-%d %H:%M} to {scenario.index[-1]:%Y-%m-%d %H:%M}."
        ),
        Table(stats, caption="Series", index=True, formats=dict.fromkeys(stats.columns, ",.2f")),
    ]
    prov = pd.DataFrame(
        [(k, v.label()) for k, v in scenario.provenance.items()], columns=["series", "provenance"]
    )
    provenance: list[Block] = (
        [Table(prov, caption=f"Provenance of the series of {scenario.name}")]
        if not prov.empty
        else [Text(f"The scenario {scenario.name} gives no provenance for its series.")]
    )
    return inputs, provenance


def _inputs_blocks(inputs: Mapping[str, Any] | None) -> list[Block]:
    """Caller's inputs of the run: one-line values as a table, multi-line texts (a scenario file) as they are."""
    if not inputs:
        return []
    short = [(k, v) for k, v in inputs.items() if not (isinstance(v, str) and "\n" in v)]
    long = [(k, v) for k, v in inputs.items() if isinstance(v, str) and "\n" in v]
    blocks: list[Block] = []
    if short:
        blocks.append(
            Table(pd.DataFrame([(k, str(v)) for k, v in short], columns=["input", "value"]), caption="Run")
        )
    blocks += [Preformatted(v, caption=k) for k, v in long]
    return blocks


def _totals(schedule: pd.DataFrame, *, currency: str, plant: Plant | Network | None = None) -> Table:
    """Daily (short runs) or monthly energies, mean price and revenue at the busbar."""
    dt = _dt_h(pd.DatetimeIndex(schedule.index))
    span_d = len(schedule) * dt / 24.0
    monthly = span_d >= MONTHLY_MIN_DAYS
    cols = {
        "conventional_generation_mwh": "power_conventional_mw",
        "reversible_generation_mwh": "power_generating_mw",
        "pumping_mwh": "power_pumping_mw",
        "line_mwh": "line_mw",
    }
    labels: dict[str, str] = {}
    if isinstance(plant, Network):
        cols = {
            f"{c.name} [MWh]": f"{c.name} power_mw"
            for c in plant.flow_columns()
            if isinstance(plant.link(c.link), (TurbineLink, PumpTurbineLink))
        } | {"line_mwh": "line_mw"}
    frame = pd.DataFrame(
        {k: schedule[c] * dt if c in schedule else 0.0 for k, c in cols.items()}, index=schedule.index
    )
    price = schedule["price_per_mwh"] if "price_per_mwh" in schedule else pd.Series(0.0, schedule.index)
    frame["revenue"] = frame["line_mwh"] * price
    grouped = frame.resample("MS" if monthly else "D")
    out = grouped.sum()
    out["mean_price_per_mwh"] = price.resample("MS" if monthly else "D").mean()
    out.index = [f"{t:%b %Y}" if monthly else f"{t:%Y-%m-%d}" for t in out.index]
    out = out.rename_axis("month" if monthly else "day")
    total = frame.sum()
    total["mean_price_per_mwh"] = float(price.mean())
    out.loc["total"] = total
    return Table(
        out,
        caption=("Monthly" if monthly else "Daily")
        + " totals at the busbar (line: net export, import negative)",
        index=True,
        formats=dict.fromkeys(out.columns, ",.0f") | {"mean_price_per_mwh": ",.1f"},
        labels=labels
        | {
            "conventional_generation_mwh": "conventional [MWh]",
            "reversible_generation_mwh": "reversible generating [MWh]",
            "pumping_mwh": "pumping [MWh]",
            "line_mwh": "line, net [MWh]",
            "revenue": f"revenue [{currency}]",
            "mean_price_per_mwh": f"mean price [{currency}/MWh]",
        },
    )


def _schedule_figures(
    schedule: pd.DataFrame, *, plant: Plant | Network, case: str, currency: str, line_capacity_mw: Any = None
) -> list[Block]:
    """The schedule's figures: dispatch weeks, levels with limits, heads, and for long runs the monthly ones."""
    from hydro_sim import plots
    from hydro_sim.plots import figure_weeks

    blocks: list[Block] = []
    if isinstance(plant, Network):
        for name, start in figure_weeks(schedule).items():
            label = {
                "dispatch_week_january.png": "a January week",
                "dispatch_week_july.png": "a July week",
            }.get(name, "the first week")
            blocks.append(
                Image.of(
                    plots.network_dispatch(
                        schedule,
                        plant=plant,
                        case=case,
                        currency=currency,
                        line_capacity_mw=line_capacity_mw,
                        start=start,
                    ),
                    caption=f"Dispatch in {label}: the power of each unit group (pumping down) with the net export "
                    "and the line limit, the flow of every link, the river discharge with the reach's limits, "
                    "the price.",
                )
            )
        blocks.append(
            Image.of(
                plots.network_levels(schedule, plant=plant, case=case),
                caption="The level of each reservoir, upstream first, within its operating limits (dashed).",
            )
        )
        return blocks
    for name, start in figure_weeks(schedule).items():
        label = {"dispatch_week_january.png": "a January week", "dispatch_week_july.png": "a July week"}.get(
            name, "the first week"
        )
        fig = plots.dispatch_stack(
            schedule,
            start=start,
            plant=plant,
            case=case,
            currency=currency,
            line_capacity_mw=line_capacity_mw,
        )
        blocks.append(
            Image.of(
                fig,
                caption=f"Dispatch in {label}: generation stacked up, pumping down, the net export and the line "
                "limit; the price below.",
            )
        )
    blocks.append(
        Image.of(
            plots.reservoir_levels(schedule, plant=plant, case=case),
            caption="Reservoir levels with their operating limits (dashed); the lower reservoir as its daily "
            "lowest-to-highest range.",
        )
    )
    blocks.append(
        Image.of(plots.heads(schedule, plant=plant, case=case), caption="Gross and net heads, daily means.")
    )
    days = len(schedule) * _dt_h(pd.DatetimeIndex(schedule.index)) / 24.0
    if days >= MONTHLY_MIN_DAYS:
        blocks.append(
            Image.of(plots.monthly_energy(schedule, plant=plant, case=case), caption="Monthly energy.")
        )
        blocks.append(
            Image.of(
                plots.month_hour_map(schedule, plant=plant, case=case),
                caption="When the reversible units pump and generate: mean power by month and hour of day.",
            )
        )
    return blocks


# -- the dispatch report ---------------------------------------------------------------------------------------
def _energy_table(schedule: pd.DataFrame, plant: Plant | Network, simulation: Any | None) -> Table:
    lp = schedule_energy_mwh(schedule, plant)
    names = {
        "conventional_generation_mwh": "conventional generation",
        "reversible_generation_mwh": "reversible generation",
        "pumping_mwh": "pumping",
        "line_export_mwh": "line export",
        "line_import_mwh": "line import",
    }
    rows = [
        {
            "quantity": names.get(key, key.removesuffix(" energy_mwh").replace("-pump", " pumping")),
            "key": key,
            "schedule_mwh": value,
        }
        for key, value in lp.items()
    ]
    frame = pd.DataFrame(rows)
    if simulation is not None:
        sim = replay_energy_mwh(simulation, plant)
        frame["simulation_mwh"] = [sim.get(k) for k in frame["key"]]
        frame["difference"] = [
            (a - b) / b if b not in (None, 0.0) and a is not None and not math.isnan(b) else None
            for a, b in zip(frame["schedule_mwh"], frame["simulation_mwh"], strict=True)
        ]
    frame = frame.drop(columns="key")
    return Table(
        frame,
        caption="Energy over the run"
        + (": the LP schedule and its replay through the simulator" if simulation is not None else ""),
        formats={"schedule_mwh": ",.1f", "simulation_mwh": ",.1f", "difference": "+.3%"},
        labels={
            "schedule_mwh": "schedule [MWh]",
            "simulation_mwh": "simulator [MWh]",
            "difference": "schedule − simulator, relative",
        },
    )


def _published_table(model_mwh: Mapping[str, float], published: Mapping[str, float]) -> Table:
    rows = []
    for key, pub in published.items():
        model = model_mwh.get(key)
        rows.append(
            {
                "figure": key.removesuffix("_mwh").replace("_", " "),
                "model_mwh": model,
                "published_mwh": float(pub),
                "relative_deviation": (model - pub) / pub if model is not None and pub else None,
            }
        )
    return Table(
        pd.DataFrame(rows),
        caption="Model against the published figures",
        formats={"model_mwh": ",.0f", "published_mwh": ",.0f", "relative_deviation": "+.1%"},
        labels={
            "model_mwh": "model [MWh]",
            "published_mwh": "published [MWh]",
            "relative_deviation": "deviation",
        },
    )


def _settings(result: Any) -> tuple[str, str, pd.DataFrame]:
    """Status line, backend and the solve's settings of a DispatchResult or a RollingResult."""
    if hasattr(result, "windows"):  # a RollingResult
        windows = result.windows
        gap = result.gap
        message = f"{len(windows)} rolling windows" + (
            f"; {gap:+.3%} below the full-horizon optimum" if gap is not None else ""
        )
        rows = [
            ("status", result.status),
            ("rolling windows", len(windows)),
            ("window statuses", ", ".join(sorted(set(map(str, windows.get("status", []))))) or "–"),
            ("full-horizon objective", result.full_objective_value),
            ("gap to the full horizon", gap),
        ]
        coarse = getattr(result, "coarse", None)
        backend = f"{coarse.backend}, rolling windows" if coarse is not None else "rolling windows"
    else:
        message = result.message
        rows = [
            ("status", result.status),
            ("backend", result.backend),
            ("head", result.head),
            ("LP solves", result.iterations),
            ("last head change [m]", result.head_change_m),
            ("converged", result.converged),
            ("MIP gap", result.mip_gap),
            ("simplex iterations", result.solver_iterations),
        ]
        backend = result.backend
    said = message if message.startswith(result.status) else f"{result.status}: {message}"
    return said, backend, pd.DataFrame(rows, columns=["setting", "value"])


def dispatch_report_sections(
    result: Any,
    *,
    plant: Plant | Network,
    scenario: Scenario,
    simulation: Any | None = None,
    currency: str = "money",
    published: Mapping[str, float] | None = None,
    inputs: Mapping[str, Any] | None = None,
) -> list[Section]:
    """The sections of a dispatch run's report (see :func:`write_dispatch_report` for the arguments)."""
    where = "html_report.dispatch_report_sections()"
    if not isinstance(plant, Plant | Network):
        raise fail("plant", "must be a hydro_sim.Plant or a Network", type(plant).__name__, where)
    if not isinstance(scenario, Scenario):
        raise fail("scenario", "must be a hydro_sim.Scenario", type(scenario).__name__, where)
    if not hasattr(result, "schedule") or not hasattr(result, "objective_value"):
        raise fail("result", "must be a DispatchResult or a RollingResult", type(result).__name__, where)
    sch: pd.DataFrame = result.schedule
    said, backend, settings = _settings(result)
    status = f"**Status** {said}. Objective {result.objective_value:,.0f} {currency} (backend {backend})."
    blocks: list[Block] = [Text(status)]
    if sch.empty:
        blocks.append(Text("There is no schedule to report (the solve found none)."))
        diagnosis = getattr(result, "diagnosis", None)
        if diagnosis is not None and not diagnosis.empty:
            blocks.append(Table(diagnosis.reset_index(drop=True), caption="Diagnosis"))
        sections = [Section("Result", tuple(blocks))]
    else:
        balance = schedule_water_balance_hm3(sch, plant)
        blocks.append(Text(f"Water balance of the schedule, largest error of any step: {balance:.2e} hm³."))
        blocks.append(_energy_table(sch, plant, simulation))
        if simulation is not None and isinstance(plant, Network):
            blocks.append(
                Text(
                    "The simulator's line carries the units' power only (no PV or wind): its line export "
                    "differs from the schedule's by the renewables used."
                )
            )
        blocks.append(_totals(sch, currency=currency, plant=plant))
        sections = [Section("Result", tuple(blocks))]
        if published:
            model = schedule_energy_mwh(sch, plant)
            if simulation is not None:
                model.update(replay_energy_mwh(simulation, plant))
            sections.append(
                Section(
                    "Against the published figures",
                    (
                        Text(
                            "The published figures against the model"
                            + (
                                " (the simulator's replay where it has the figure)"
                                if simulation is not None
                                else ""
                            )
                            + "."
                        ),
                        _published_table(model, published),
                    ),
                )
            )
        sections.append(
            Section(
                "Figures",
                tuple(
                    _schedule_figures(
                        sch,
                        plant=plant,
                        case=scenario.name,
                        currency=currency,
                        line_capacity_mw=scenario.line_capacity_mw,
                    )
                ),
            )
        )
        if simulation is not None:
            sections.append(Section("Simulator replay", tuple(_simulation_blocks(simulation))))
    plant_inputs, assumptions = _plant_sections(plant)
    scenario_inputs, provenance = _scenario_blocks(scenario)
    sections.append(
        Section(
            "Inputs of the run",
            (
                *_inputs_blocks(inputs),
                Table(settings, caption="Solve"),
                *plant_inputs.blocks,
                Text("### Scenario"),
                *scenario_inputs,
            ),
        )
    )
    sections.append(Section("Assumptions and provenance", (*assumptions, *provenance)))
    return sections


def _simulation_blocks(simulation: Any) -> list[Block]:
    cuts: pd.DataFrame = simulation.cutbacks()
    blocks: list[Block] = [
        Text(
            f"The schedule replayed through the nonlinear simulator: water balance largest error "
            f"{simulation.water_balance_error_hm3():.2e} hm³; {len(cuts)} cut-back(s) where a flow of the "
            f"schedule broke a limit of the simulator's physics, {float(cuts['water_hm3'].sum()) if len(cuts) else 0.0:.3g} hm³ "
            "of water in all."
        )
    ]
    if len(cuts):
        shown = cuts.head(CUTBACK_ROWS).drop(columns=["scenario"], errors="ignore")
        blocks.append(
            Table(
                shown,
                caption=f"Cut-backs (the first {len(shown)} of {len(cuts)})",
                formats={"water_hm3": ".3g", "energy_mwh": ".3g"},
            )
        )
    return blocks


def write_dispatch_report(
    path: str | os.PathLike[str],
    result: Any,
    *,
    plant: Plant | Network,
    scenario: Scenario,
    simulation: Any | None = None,
    currency: str = "money",
    published: Mapping[str, float] | None = None,
    inputs: Mapping[str, Any] | None = None,
    title: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the HTML report of a dispatch run (what ``hydro-sim run`` writes as ``report.html``).

    Parameters
    ----------
    path : The file to write; it must not exist unless ``overwrite``; its folder must exist.
    result : The :class:`~hydro_sim.optimise.DispatchResult`, or the
        :class:`~hydro_sim.optimise.rolling.RollingResult` of a rolling-horizon run.
    plant : The plant or :class:`~hydro_sim.network.Network` that was dispatched (its parameters, limits,
        assumptions and provenance are shown; a network's figures are in element columns).
    scenario : The scenario it was dispatched against (its series, provenance and line limit).
    simulation : The schedule's replay, :func:`hydro_sim.simulate` with a
        ``ReplayPolicy(schedule=result.schedule)`` (its first scenario); none if None.
    currency : Money unit of the labels (the scenario's currency). [-]
    published : Published figures to compare with, keyed like ``result.energy_mwh()`` (e.g.
        ``{"reversible_generation_mwh": 1_397_000.0}``) on the run's own basis; no comparison if None. [MWh]
    inputs : What the run was given, shown as it is: one-line values in a table (``{"scenario file":
        "my.toml", "command": "hydro-sim run my.toml"}``), multi-line texts (the scenario file's content) as
        preformatted blocks.
    title : The page title; ``"<plant> · <scenario>"`` if None.
    overwrite : Replace an existing file.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import hydro_sim as hs
    >>> from hydro_sim.html_report import write_dispatch_report
    >>> plant = hs.lianghekou()
    >>> week = hs.reference_year().window(start="2030-07-01", hours=168)
    >>> result = hs.dispatch(plant, week)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_dispatch_report(pathlib.Path(folder) / "report.html", result, plant=plant, scenario=week)
    ...     "Inputs of the run" in path.read_text(encoding="utf-8")
    True
    """
    where = "write_dispatch_report()"
    target = _check_target(path, overwrite, where)  # before any figure is drawn
    sections = dispatch_report_sections(
        result,
        plant=plant,
        scenario=scenario,
        simulation=simulation,
        currency=currency,
        published=published,
        inputs=inputs,
    )
    page = render_html(
        title=title if title is not None else f"{plant.name} · {scenario.name}",
        subtitle=f"Dispatch report: {len(result.schedule)} steps, status {result.status}.",
        sections=sections,
    )
    _write_atomic(target, page, overwrite, where)
    return target
