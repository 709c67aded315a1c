"""Bad arguments of the annual check (``annual_check()``) and of its figures."""

from __future__ import annotations

import dataclasses

import pandas as pd
from _harness import Case

from hydro_sim import lianghekou
from hydro_sim.cases.lianghekou.annual_check import (
    AnnualCheckSolveError,
    annual_check,
    design_basis_year,
    with_lower_usable_volume,
)
from hydro_sim.cases.lianghekou.reference_year import reference_year
from hydro_sim.errors import HydroSimInputError


def _day():
    return design_basis_year(reference_year()).window(hours=24)


def _check(**kw):
    return annual_check(
        year=kw.pop("year", _day()),
        inverse=kw.pop("inverse", False),
        sensitivity=kw.pop("sensitivity", False),
        **kw,
    )


def _design_basis(**kw):
    from hydro_sim.cases.lianghekou.design_basis import design_basis

    return design_basis(**kw)


def _week_outside():
    from hydro_sim import plots

    check = _check()
    return plots.dispatch_stack(check.schedule, start="2030-07-08")


CASES = [
    Case(
        id="annual-check-design-basis-not-bool",
        area="annual-check",
        bad="`design_basis='yes'`",
        run=lambda tmp: annual_check(design_basis="yes"),  # type: ignore[arg-type]
        raises=HydroSimInputError,
        match=("`design_basis` ('yes') must be True, False or None", "annual_check()"),
    ),
    Case(
        id="annual-check-unit-commitment-not-bool",
        area="annual-check",
        bad="`unit_commitment=1`",
        run=lambda tmp: annual_check(unit_commitment=1),  # type: ignore[arg-type]
        raises=HydroSimInputError,
        match=("`unit_commitment` (1) must be True or False", "annual_check()"),
    ),
    Case(
        id="design-basis-quick-not-bool",
        area="annual-check",
        bad="`design_basis(quick='yes')`",
        run=lambda tmp: _design_basis(quick="yes"),
        raises=HydroSimInputError,
        match=("`quick` ('yes') must be True or False", "design_basis()"),
    ),
    Case(
        id="design-basis-n-years-zero",
        area="annual-check",
        bad="`design_basis(n_years=0)`",
        run=lambda tmp: _design_basis(n_years=0),
        raises=HydroSimInputError,
        match=("`n_years` (0)", "design_basis()"),
    ),
    Case(
        id="annual-check-plant-not-a-plant",
        area="annual-check",
        bad="the plant given by name",
        run=lambda tmp: annual_check("lianghekou"),
        raises=HydroSimInputError,
        match=("`plant` ('str') must be a hydro_sim.Plant", "annual_check()"),
    ),
    Case(
        id="annual-check-year-not-a-scenario",
        area="annual-check",
        bad="a DataFrame for the year",
        run=lambda tmp: annual_check(year=pd.DataFrame()),
        raises=HydroSimInputError,
        match=("`year` ('DataFrame') must be a hydro_sim.Scenario",),
    ),
    Case(
        id="annual-check-no-reversible-units",
        area="annual-check",
        bad="a plant without reversible units (nothing to compare with the published figure)",
        run=lambda tmp: annual_check(dataclasses.replace(lianghekou(), reversible=None), _day()),
        raises=HydroSimInputError,
        match=("`plant.reversible` (None) must be present", "annual_check()"),
    ),
    Case(
        id="annual-check-inverse-not-bool",
        area="annual-check",
        bad="`inverse='yes'`",
        run=lambda tmp: annual_check(inverse="yes"),
        raises=HydroSimInputError,
        match=("`inverse` ('yes') must be True or False",),
    ),
    Case(
        id="annual-check-sensitivity-not-bool",
        area="annual-check",
        bad="`sensitivity=None`",
        run=lambda tmp: annual_check(sensitivity=None),
        raises=HydroSimInputError,
        match=("`sensitivity` (None) must be True or False",),
    ),
    Case(
        id="annual-check-progress-not-callable",
        area="annual-check",
        bad="`progress` given as a text",
        run=lambda tmp: annual_check(progress="print"),
        raises=HydroSimInputError,
        match=("`progress` ('str') must be a callable",),
    ),
    Case(
        id="annual-check-time-limit-zero",
        area="annual-check",
        bad="`time_limit_s=0`",
        run=lambda tmp: annual_check(time_limit_s=0),
        raises=HydroSimInputError,
        match=("`time_limit_s` (0) must be positive",),
    ),
    Case(
        id="annual-check-time-limit-nan",
        area="annual-check",
        bad="`time_limit_s=nan`",
        run=lambda tmp: annual_check(time_limit_s=float("nan")),
        raises=HydroSimInputError,
        match=("`time_limit_s` (nan) must not be NaN",),
    ),
    Case(
        id="annual-check-time-limit-text",
        area="annual-check",
        bad="`time_limit_s='10 s'`",
        run=lambda tmp: annual_check(time_limit_s="10 s"),
        raises=HydroSimInputError,
        match=("`time_limit_s` ('10 s') must be a number",),
    ),
    Case(
        id="annual-check-time-limit-too-short",
        area="annual-check",
        bad="a time limit too short for the forward run to find a schedule",
        run=lambda tmp: _check(time_limit_s=1e-9),
        raises=AnnualCheckSolveError,
        match=("the annual check's dispatch of", "ended time_limit"),
    ),
    Case(
        id="annual-check-scale-a-missing-lower-reservoir",
        area="annual-check",
        bad="scaling the usable lower volume of a plant without a lower reservoir",
        run=lambda tmp: with_lower_usable_volume(
            dataclasses.replace(lianghekou(), lower=None, reversible=None, tailwater_level_masl=2600.0), 10.0
        ),
        raises=HydroSimInputError,
        match=("`plant.lower` (None) must be a reservoir",),
    ),
    Case(
        id="annual-check-figure-week-outside-the-run",
        area="annual-check",
        bad="a dispatch figure of a July week from a one-day January run",
        run=lambda tmp: _week_outside(),
        raises=HydroSimInputError,
        match=("`start` ('2030-07-08') must lie within the schedule", "plots.dispatch_stack()"),
    ),
]
