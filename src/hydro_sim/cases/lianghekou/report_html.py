"""The HTML report of the Lianghekou annual check (``hydro-sim validate``'s ``report.html``).

Built from the core's report blocks (:mod:`hydro_sim.html_report`): the model against the published figures,
the inverse problems, the sensitivity table, the forward run's figures, the inputs and the provenance.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hydro_sim.html_report import (
    Block,
    Image,
    Section,
    Table,
    Text,
    _check_target,
    _plant_sections,
    _schedule_figures,
    _write_atomic,
    fail,
    render_html,
)
from hydro_sim.plant import Plant

__all__ = ["annual_check_sections", "write_annual_check_report"]


def _markdown_sections(markdown: str) -> dict[str, str]:
    """A Markdown report cut at its ``## `` headings: heading → body."""
    out: dict[str, str] = {}
    current: str | None = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            out[current] = ""
        elif current is not None:
            out[current] += line + "\n"
    return out


def _without_tables(markdown: str, *, drop: Sequence[str] = ()) -> str:
    """The Markdown without its pipe tables and the lines that start with any of ``drop``."""
    return "\n".join(
        line
        for line in markdown.splitlines()
        if not line.lstrip().startswith("|") and not any(line.startswith(d) for d in drop)
    )


def _design_basis_sections(basis: Any, md: dict[str, str]) -> list[Section]:
    """The design basis's sections, first in the report: what the check shows, the conventional basis, the
    reversible units' duty and capability, Yagen-I; the tornado figures beside their sections."""
    from hydro_sim.cases.lianghekou import design_basis as B

    pictures = B.figure_files(basis)
    conv_title = "Conventional units on a regulated-reservoir basis"
    rev_title = "Reversible units: duty and capability"
    conv: list[Block] = [Text(md.get(conv_title, ""))]
    rev: list[Block] = [Text(md.get(rev_title, ""))]
    captions = {
        "conventional_sensitivity.png": (
            conv,
            "Mean year: each assumption's effect on the conventional energy; published 11.062 TWh dashed.",
        ),
        "design_basis_sensitivity.png": (
            rev,
            "Each parameter's effect on the reversible units' capability at the tariff; the duty dashed.",
        ),
    }
    for name in pictures:  # each tornado first in its section
        blocks, caption = captions[name]
        blocks.insert(0, Image.of(B.figure(basis, name), caption=caption))
    tariff_title = "The tariff run on the two-node plant (the check before the design basis)"
    return [
        Section("What the check shows", (Text(md.get("What the check shows", "")),)),
        Section(conv_title, tuple(conv)),
        Section(rev_title, tuple(rev)),
        Section(
            "Yagen-I's own units (a calibration)", (Text(md.get("Yagen-I's own units (a calibration)", "")),)
        ),
        Section(tariff_title, (Text(md.get(tariff_title, "")),)),
    ]


def annual_check_sections(check: Any, plant: Plant | None = None) -> list[Section]:
    """The sections of the annual check's report (see :func:`write_annual_check_report`)."""
    from hydro_sim import plots
    from hydro_sim.cases.lianghekou.plant import lianghekou
    from hydro_sim.cases.lianghekou.report import annual_check_markdown

    where = "html_report.annual_check_sections()"
    for attr in ("summary", "schedule", "sensitivity", "inverse_runs"):
        if not hasattr(check, attr):
            raise fail("check", f"must be an AnnualCheck (it has no `{attr}`)", type(check).__name__, where)
    if plant is not None and not isinstance(plant, Plant):
        raise fail("plant", "must be a hydro_sim.Plant (or None for Lianghekou)", type(plant).__name__, where)
    plant = plant if plant is not None else lianghekou()
    s = check.summary
    md = _markdown_sections(annual_check_markdown(check, plant, files=[]))
    case = s.get("scenario", "")
    rows = [
        (
            "reversible generation from pumped water",
            s["psh_generation_mwh"],
            s.get("published_psh_generation_basis_mwh", s["published_psh_generation_mwh"]),
            s["psh_relative_deviation"],
        ),
        (
            "conventional generation",
            s["conventional_generation_mwh"],
            s.get("published_conventional_generation_basis_mwh", s["published_conventional_generation_mwh"]),
            s["conventional_relative_deviation"],
        ),
    ]
    headline = pd.DataFrame(rows, columns=["figure", "model_mwh", "published_mwh", "relative_deviation"])
    hours = s.get("hours", 8760.0)
    basis = "a year" if hours == 8760.0 else f"{hours:,.0f} h (the published annual figures pro rata)"
    result_md = md.get("Result against the published figures", "")
    sections = _design_basis_sections(check.basis, md) if getattr(check, "basis", None) is not None else []
    sections += [
        Section(
            "Result against the published figures",
            (
                Table(
                    headline,
                    caption=f"Model against published over {basis}",
                    formats={"model_mwh": ",.0f", "published_mwh": ",.0f", "relative_deviation": "+.1%"},
                    labels={
                        "model_mwh": "model [MWh]",
                        "published_mwh": "published [MWh]",
                        "relative_deviation": "deviation",
                    },
                ),
                Image.of(
                    plots.annual_comparison(check, plant=plant),
                    caption="Left: model against published. Middle and right: the inverse problems, the model's "
                    "generation against the searched parameter, with the published figure dashed.",
                ),
                Text(_without_tables(result_md)),
            ),
        ),
        Section(
            "The published figures, read right", (Text(md.get("The published figures, read right", "")),)
        ),
        Section("Design basis of the forward run", (Text(md.get("Design basis of the forward run", "")),)),
    ]
    why = md.get("Why the reversible figure differs on the defaults", "")
    why_blocks: list[Block] = [Text(_without_tables(why, drop=("Search runs:",)))]
    if not check.inverse_runs.empty:
        why_blocks.append(
            Table(
                check.inverse_runs,
                caption="Runs of the inverse searches",
                formats={"x": ".4g", "psh_generation_mwh": ",.0f"},
                labels={"psh_generation_mwh": "reversible generation [MWh]", "x": "searched value"},
            )
        )
    sections.append(Section("Why the reversible figure differs on the defaults", tuple(why_blocks)))
    sections.append(Section("The conventional units", (Text(md.get("The conventional units", "")),)))
    if check.sensitivity.empty:
        sections.append(Section("Sensitivity", (Text(md.get("Sensitivity", "")),)))
    else:
        sections.append(
            Section(
                "Sensitivity",
                (
                    Image.of(
                        plots.sensitivity_tornado(
                            check.sensitivity,
                            target_mwh=s.get("published_psh_generation_basis_mwh"),
                            plant=plant,
                            case=case,
                        ),
                        caption="Each case's change of the reversible generation from the base case; the "
                        "published figure dashed.",
                    ),
                    Table(
                        check.sensitivity,
                        caption="Sensitivity table",
                        formats={
                            "psh_generation_mwh": ",.0f",
                            "psh_pumping_mwh": ",.0f",
                            "psh_cycle_efficiency": ".3f",
                            "psh_relative_deviation": "+.1%",
                            "conventional_generation_mwh": ",.0f",
                        },
                        labels={
                            "psh_generation_mwh": "reversible generation [MWh]",
                            "psh_pumping_mwh": "pumping [MWh]",
                            "psh_cycle_efficiency": "cycle efficiency",
                            "psh_relative_deviation": "deviation from published",
                            "conventional_generation_mwh": "conventional [MWh]",
                            "lp_iterations": "LP solves",
                        },
                    ),
                ),
            )
        )
    sections.append(
        Section(
            "Figures of the forward run",
            tuple(_schedule_figures(check.schedule, plant=plant, case=case, currency="CNY")),
        )
    )
    plant_inputs, assumptions = _plant_sections(plant)
    scalars = pd.DataFrame(
        [(k, v) for k, v in s.items() if not isinstance(v, dict | list | tuple)], columns=["key", "value"]
    )
    sections.append(
        Section(
            "Inputs of the run",
            (
                Text(f"Scenario: {case} ({s.get('steps', len(check.schedule))} steps)."),
                Table(scalars, caption="Summary (as in summary.json)"),
                *plant_inputs.blocks,
            ),
        )
    )
    sections.append(Section("Assumptions and provenance", tuple(assumptions)))
    return sections


def write_annual_check_report(
    path: str | os.PathLike[str],
    check: Any,
    *,
    plant: Plant | None = None,
    title: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the HTML report of the annual check (what ``hydro-sim validate`` writes as ``report.html``).

    Parameters
    ----------
    path : The file to write; it must not exist unless ``overwrite``; its folder must exist.
    check : The :class:`~hydro_sim.cases.lianghekou.annual_check.AnnualCheck`.
    plant : The plant checked; :func:`hydro_sim.lianghekou` if None.
    title : The page title; ``"Annual check: <plant>"`` if None.
    overwrite : Replace an existing file.

    Returns
    -------
    Path
        The file written.
    """
    where = "write_annual_check_report()"
    target = _check_target(path, overwrite, where)
    sections = annual_check_sections(check, plant)
    s = check.summary
    page = render_html(
        title=title if title is not None else f"Annual check: {s.get('plant', 'plant')}",
        subtitle=f"{s.get('scenario', '')}: the model against the published figures, the inverse problems "
        "and the sensitivity table.",
        sections=sections,
    )
    _write_atomic(target, page, overwrite, where)
    return target
