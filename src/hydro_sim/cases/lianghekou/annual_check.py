"""The annual check: Lianghekou's reference year on the design basis, against the published figures.

Published (sources §0–§1): the reversible units generate 13.97亿 kWh = 13.97 × 10⁸ kWh = 1.397 TWh =
1,397,000 MWh a year on the pumped-water basis (按照抽发水量平衡折算); the conventional units about
110亿 kWh = 11.0 TWh. The design basis behind the first figure is not public: neither the usable volume
of the Yagen-I lower reservoir nor the operating regime. So besides the forward run on the defaults, two
inverse problems are solved by re-running the dispatch: the usable lower volume, and a cap on the
reversible units' daily full-load generating hours, at which the modelled figure equals the published one.
Defaults are chosen before the check (see ``hydro_sim.cases.lianghekou.plant``) and never tuned to the figure.

On a window shorter than a year (``year=design_basis_year(reference_year()).window(hours=...)``, or
``hydro-sim validate --hours``) the published annual figures are pro-rated by the window's share of a year
(``published_pro_rata_factor``), the inverse problems match that pro-rated figure, and the report says that a
window is no check of an annual figure: the window is for quick looks and tests.

Design basis of the forward run: the reference year's inflows and Sichuan TOU prices, revenue objective,
daily pump–generate water balance, successive (head-dependent) LP, then the schedule replayed through the
nonlinear simulator. PV and wind are left out: the published figure is the reversible units' own
pumped-water cycle, and sharing the line with renewables is a separate scenario.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from hydro_sim import _validation as iv
from hydro_sim._children import Child, can_run_beside
from hydro_sim.balance import water_balance_max_error_hm3
from hydro_sim.cases.lianghekou.plant import (
    PUBLISHED_CONVENTIONAL_GENERATION_YI_KWH,
    PUBLISHED_PSH_GENERATION_YI_KWH,
    lianghekou,
)
from hydro_sim.cases.lianghekou.report import yi_kwh_to_mwh
from hydro_sim.constants import G_M_S2, HOURS_PER_YEAR, RHO_WATER_KG_M3, W_PER_MW
from hydro_sim.errors import HydroSimError
from hydro_sim.optimise import dispatch
from hydro_sim.optimise.result import DispatchResult
from hydro_sim.plant import Plant
from hydro_sim.scenario import Scenario
from hydro_sim.simulation import ReplayPolicy, SimulationResult, simulate

__all__ = [
    "PUBLISHED_CONVENTIONAL_GENERATION_MWH",
    "PUBLISHED_PSH_GENERATION_MWH",
    "AnnualCheck",
    "AnnualCheckSolveError",
    "annual_check",
    "design_basis_year",
]

PUBLISHED_PSH_GENERATION_MWH = yi_kwh_to_mwh(PUBLISHED_PSH_GENERATION_YI_KWH)
PUBLISHED_CONVENTIONAL_GENERATION_MWH = yi_kwh_to_mwh(PUBLISHED_CONVENTIONAL_GENERATION_YI_KWH)

#: Head tolerance of the runs inside the inverse searches and the sensitivity table: 0.2 m (0.08 % of the
#: head) moves annual energy by far less than the bracketing tolerances below. [m]
SEARCH_HEAD_TOLERANCE_M = 0.2
#: The inverse searches stop when the bracket is this narrow. [hm³], [h]
VOLUME_XTOL_HM3 = 0.05
HOURS_XTOL_H = 0.01


#: Summary text of a step that was not run (``inverse=False`` / ``sensitivity=False``, ``validate --quick``).
NOT_RUN = "not run"


class AnnualCheckSolveError(HydroSimError):
    """A dispatch inside the annual check ended without a schedule to use.

    Attributes
    ----------
    status : The dispatch's status: ``"infeasible"``, ``"unbounded"``, ``"time_limit"`` (without a
        solution), ``"interrupted"`` or ``"error"``.
    interrupted_by : ``"SIGINT"``, ``"SIGTERM"`` or None.
    diagnosis : The dispatch's diagnosis table of an infeasible problem, else None.
    """

    def __init__(
        self,
        message: str,
        *,
        status: str,
        interrupted_by: str | None = None,
        diagnosis: pd.DataFrame | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.interrupted_by = interrupted_by
        self.diagnosis = diagnosis


@dataclass(frozen=True, kw_only=True)
class AnnualCheck:
    """Result of :func:`annual_check`."""

    summary: dict[str, Any]
    dispatch: DispatchResult
    simulation: SimulationResult
    schedule: pd.DataFrame
    sensitivity: pd.DataFrame
    inverse_runs: pd.DataFrame
    timings_s: dict[str, float] = field(default_factory=dict)
    #: The design basis (:mod:`~hydro_sim.cases.lianghekou.design_basis`): duty and capability, the
    #: regulated-reservoir basis, Yagen-I; None when not run (``annual_check(design_basis=False)``).
    basis: Any = None


def design_basis_year(year: Scenario) -> Scenario:
    """The reference year without PV and wind (the reversible units' own cycle; see the module notes)."""
    return dataclasses.replace(
        year, pv_available_mw=None, wind_available_mw=None, name=f"{year.name}, design basis (no PV or wind)"
    )


def _run(
    plant: Plant, year: Scenario, *, head_tolerance_m: float, time_limited: list[str] | None = None, **kw: Any
) -> tuple[DispatchResult, dict]:
    """One dispatch of the check, replayed through the simulator. A time-limited solve that found a schedule is
    used and counted in ``time_limited``; any other outcome without a schedule raises
    :class:`AnnualCheckSolveError`."""
    res = dispatch(
        plant, year, head="successive", pump_generate_balance="day", head_tolerance_m=head_tolerance_m, **kw
    )
    has_solution = bool(getattr(res, "has_solution", res.success)) and not res.schedule.empty
    if res.status == "interrupted" or not has_solution:
        by = getattr(res, "interrupted_by", None)
        raise AnnualCheckSolveError(
            f"the annual check's dispatch of {plant.name} over {year.name} ended "
            f"{res.status}" + (f" by {by}" if by else "") + f": {res.message}",
            status=res.status,
            interrupted_by=by,
            diagnosis=res.diagnosis,
        )
    if res.status != "optimal" and time_limited is not None:
        time_limited.append(res.status)
    sim = simulate(plant, year, ReplayPolicy(schedule=res.schedule, mode="flows"))
    e = sim.energy_mwh().iloc[0]
    lp = res.energy_mwh()
    return res, {
        "psh_generation_mwh": float(e["reversible_generation_mwh"]),
        "psh_pumping_mwh": float(e["pumping_mwh"]),
        "conventional_generation_mwh": float(e["conventional_generation_mwh"]),
        "lp_psh_generation_mwh": lp["reversible_generation_mwh"],
        "iterations": res.iterations,
        "sim": sim,
    }


def with_lower_usable_volume(plant: Plant, usable_volume_hm3: float) -> Plant:
    """The plant with its lower reservoir scaled to ``usable_volume_hm3`` (:meth:`Reservoir.with_usable_volume`)."""
    if plant.lower is None:
        raise iv.fail(
            "plant.lower",
            "must be a reservoir to scale its usable volume",
            None,
            "with_lower_usable_volume()",
        )
    return dataclasses.replace(plant, lower=plant.lower.with_usable_volume(usable_volume_hm3))


def _scaled_spread(year: Scenario, factor: float) -> Scenario:
    """Prices with their spread around the flat (median) price scaled by ``factor``."""
    price = year.price_per_mwh
    flat = float(price.median())
    return dataclasses.replace(year, price_per_mwh=flat + factor * (price - flat))


def _efficiency_for_cycle(plant: Plant, cycle: float) -> Plant:
    """The plant with η_t = η_p scaled so that the rated-point cycle efficiency is ``cycle``."""
    rev = plant.reversible
    assert rev is not None
    base = rated_cycle_efficiency(plant)
    f = math.sqrt(cycle / base)
    return dataclasses.replace(
        plant,
        reversible=dataclasses.replace(
            rev,
            turbine_efficiency=rev.reference_turbine_efficiency * f,
            pump_efficiency=rev.reference_pump_efficiency * f,
        ),
    )


def rated_cycle_efficiency(plant: Plant) -> float:
    """Cycle efficiency of the reversible units at the initial gross head, full generating flow and full
    pumping input: η_t η_p (H_g − kQ_g²)/(H_g + kQ_p²). [-]"""
    from hydro_sim.optimise._data import pump_cap_flow

    rev = plant.reversible
    assert rev is not None
    hg = plant.initial_gross_head_m
    k = rev.head_loss_coefficient_s2_per_m5
    qg = rev.max_total_flow_m3s
    qp = float(
        pump_cap_flow(
            rev.max_total_pumping_power_mw, np.array([hg]), k, np.array([rev.reference_pump_efficiency])
        )[0]
    )
    return (
        rev.reference_turbine_efficiency * rev.reference_pump_efficiency * (hg - k * qg**2) / (hg + k * qp**2)
    )


def _inverse(
    label: str,
    f: Callable[[float], dict],
    lo: float,
    hi: float,
    xtol: float,
    rows: list[dict],
    target_mwh: float,
    unit: str,
) -> tuple[float | None, str]:
    """Solve psh_generation(x) = ``target_mwh`` by Brent's method on [lo, hi]: (root, status text); the root
    is None if the generation does not cross the target in the range."""
    cache: dict[float, float] = {}

    def g(x: float) -> float:
        if x not in cache:
            out = f(x)
            cache[x] = out["psh_generation_mwh"] - target_mwh
            rows.append(
                {
                    "search": label,
                    "x": x,
                    "psh_generation_mwh": out["psh_generation_mwh"],
                    "iterations": out["iterations"],
                }
            )
        return cache[x]

    g_lo, g_hi = g(lo), g(hi)
    if g_lo * g_hi > 0:
        return None, (
            f"not reached in the searched range [{lo:g}, {hi:g}] {unit}: the generation goes from "
            f"{g_lo + target_mwh:,.0f} to {g_hi + target_mwh:,.0f} MWh against {target_mwh:,.0f} MWh"
        )
    return float(brentq(g, lo, hi, xtol=xtol, rtol=1e-6, maxiter=40)), "solved"


def _check_arguments(
    plant: Any, year: Any, inverse: Any, sensitivity: Any, progress: Any, time_limit_s: Any
) -> None:
    """The arguments of :func:`annual_check`, checked once (the dispatch checks the rest)."""
    where = "annual_check()"
    if plant is not None and not isinstance(plant, Plant):
        raise iv.fail(
            "plant", "must be a hydro_sim.Plant (or None for Lianghekou)", type(plant).__name__, where
        )
    if year is not None and not isinstance(year, Scenario):
        raise iv.fail(
            "year",
            "must be a hydro_sim.Scenario (or None for the design-basis reference year)",
            type(year).__name__,
            where,
        )
    for name, value in (("inverse", inverse), ("sensitivity", sensitivity)):
        if not isinstance(value, (bool, np.bool_)):
            raise iv.fail(name, "must be True or False", value, where)
    if progress is not None and not callable(progress):
        raise iv.fail(
            "progress", "must be a callable taking one text (or None)", type(progress).__name__, where
        )
    x = iv.number_or_inf("time_limit_s", time_limit_s, where)
    if x <= 0.0:
        raise iv.fail("time_limit_s", "must be positive (or math.inf for no limit)", time_limit_s, where)
    if plant is not None and plant.reversible is None:
        raise iv.fail(
            "plant.reversible",
            "must be present: the annual check compares the reversible units' "
            "generation from pumped water with the published figure (a plant without them has nothing "
            "to check; use dispatch() and simulate())",
            None,
            f"{where} of plant '{plant.name}'",
        )


def tariff_run(
    plant: Plant,
    year: Scenario,
    *,
    inverse: bool,
    sensitivity: bool,
    time_limit_s: float,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The tariff run on the two-node ``plant``: the forward run replayed through the simulator, the two
    inverse problems and the sensitivity table (the part of :func:`annual_check` before the design basis,
    which it runs in a child process beside the design basis; arguments as there). Keys: res, base,
    inverse_rows, implied_volume, volume_status, implied_cap, cap_status, sens, timings, time_limited."""
    say = progress or (lambda _text: None)
    timings: dict[str, float] = {}
    time_limited: list[str] = []
    solve: dict[str, Any] = {"time_limit_s": float(time_limit_s), "time_limited": time_limited}
    pro_rata = year.hours / HOURS_PER_YEAR
    psh_target = PUBLISHED_PSH_GENERATION_MWH * pro_rata
    target_text = "1.397 TWh" if pro_rata == 1.0 else f"{psh_target:,.0f} MWh (1.397 TWh pro rata)"
    say("forward run: successive-head LP with daily pump–generate balance, replayed through the simulator")
    t0 = time.perf_counter()
    res, base = _run(plant, year, head_tolerance_m=0.05, **solve)
    timings["forward_run"] = time.perf_counter() - t0
    # The searches and the sensitivity runs start their successive-head loops from the forward run's heads.
    warm = res.schedule["head_m"].to_numpy()
    inverse_rows: list[dict] = []
    implied_volume = implied_cap = None
    volume_status = cap_status = NOT_RUN
    if inverse:
        say("inverse 1: usable Yagen-I volume at which the model gives " + target_text)
        t0 = time.perf_counter()
        assert plant.lower is not None  # a plant with reversible units has one
        usable = plant.lower.usable_volume_hm3

        def by_volume(v: float) -> dict:
            return _run(
                with_lower_usable_volume(plant, v),
                year,
                head_tolerance_m=SEARCH_HEAD_TOLERANCE_M,
                start_head_m=warm,
                **solve,
            )[1]

        implied_volume, volume_status = _inverse(
            "lower usable volume [hm³]",
            by_volume,
            min(0.5, usable),
            usable,
            VOLUME_XTOL_HM3,
            inverse_rows,
            psh_target,
            "hm³",
        )
        timings["inverse_volume"] = time.perf_counter() - t0
        say("inverse 2: daily full-load generating hours at which the model gives " + target_text)
        t0 = time.perf_counter()

        def by_cap(h: float) -> dict:
            return _run(
                plant,
                year,
                head_tolerance_m=SEARCH_HEAD_TOLERANCE_M,
                max_daily_generating_hours=h,
                start_head_m=warm,
                **solve,
            )[1]

        implied_cap, cap_status = _inverse(
            "daily generating hours cap [h]",
            by_cap,
            0.5,
            12.0,
            HOURS_XTOL_H,
            inverse_rows,
            psh_target,
            "h/day",
        )
        timings["inverse_cap"] = time.perf_counter() - t0

    sens = pd.DataFrame()
    if sensitivity:
        say("sensitivity table")
        t0 = time.perf_counter()
        sens = _sensitivity(plant, year, say, warm, solve, psh_target)
        timings["sensitivity"] = time.perf_counter() - t0

    return {
        "res": res,
        "base": base,
        "inverse_rows": inverse_rows,
        "implied_volume": implied_volume,
        "volume_status": volume_status,
        "implied_cap": implied_cap,
        "cap_status": cap_status,
        "sens": sens,
        "timings": timings,
        "time_limited": time_limited,
    }


def annual_check(
    plant: Plant | None = None,
    year: Scenario | None = None,
    *,
    inverse: bool = True,
    sensitivity: bool = True,
    progress: Callable[[str], None] | None = None,
    time_limit_s: float = math.inf,
    design_basis: bool | None = None,
    unit_commitment: bool = False,
) -> AnnualCheck:
    """Run the annual check (see the module docstring); deterministic.

    Parameters
    ----------
    plant : The plant; :func:`hydro_sim.lianghekou` by default. It must have reversible units; without
        conventional units there is no conventional comparison (its summary entries are None and
        ``conventional_status`` says why).
    year : The scenario; the design-basis reference year by default. A window of it (e.g. a few weeks) is a
        quick run for tests: the published figures are pro-rated by its share of a year.
    inverse : Solve the two inverse problems (usable lower volume, daily generating-hours cap); if False
        their summary entries are None and their ``*_status`` entries say ``"not run"``.
    sensitivity : Run the sensitivity table (``sensitivity_status`` says whether it ran).
    progress : Called with a short text before each stage (the CLI logs it).
    time_limit_s : Time limit of each solve. A solve stopped by it with a schedule is used and counted in
        ``time_limited_runs``; one without a schedule raises :class:`AnnualCheckSolveError`. With a time
        limit the tariff run stays in this process (else, on two or more cores, it runs in a child process
        beside the design basis: :mod:`hydro_sim._children`). [s]
    design_basis : Run the design basis (:func:`~hydro_sim.cases.lianghekou.design_basis.design_basis`, on
        :func:`~hydro_sim.cases.lianghekou.plant.lianghekou_network`): the check's headline. None (default):
        when ``plant`` is Lianghekou's own (None or equal to :func:`lianghekou`), not for another plant.
    unit_commitment : Solve the design basis's duty windows as MILPs too (slow: ≈ 10–25 min for the year). With ``inverse=False`` it runs quick (LP duty windows, no inverse, no
        sensitivity, the conventional mean year only). Its entries are ``summary["design_basis"]`` and
        ``summary["headline"]``; the entries above them are the tariff run on the two-node plant.

    Raises
    ------
    HydroSimInputError
        Bad arguments, or a plant without reversible units.
    AnnualCheckSolveError
        A dispatch ended without a schedule (infeasible, time limit without a solution, interrupted, ...).
    """
    from hydro_sim.cases.lianghekou.reference_year import reference_year

    _check_arguments(plant, year, inverse, sensitivity, progress, time_limit_s)
    if design_basis is not None and not isinstance(design_basis, bool):
        raise iv.fail("design_basis", "must be True, False or None", design_basis, "annual_check()")
    if not isinstance(unit_commitment, bool):
        raise iv.fail("unit_commitment", "must be True or False", unit_commitment, "annual_check()")
    say = progress or (lambda _text: None)
    t_all = time.perf_counter()
    own = plant is None or plant == lianghekou()
    plant = plant if plant is not None else lianghekou()
    year = year if year is not None else design_basis_year(reference_year())
    if design_basis is None:
        design_basis = own
    timings: dict[str, float] = {}
    hours = year.hours
    pro_rata = hours / HOURS_PER_YEAR
    psh_target = PUBLISHED_PSH_GENERATION_MWH * pro_rata
    conv_target = PUBLISHED_CONVENTIONAL_GENERATION_MWH * pro_rata

    # On two or more cores the tariff run goes to a child process beside the design basis (the same
    # numbers, bit for bit; its error, if any, raised here as soon as the design basis next reports). Not
    # under a time limit: that is wall time, which a solve sharing the cores would reach at a different
    # point, and a solve that fails on it should stop the check before the design basis, as it always did.
    tariff_kw: dict[str, Any] = {
        "plant": plant,
        "year": year,
        "inverse": inverse,
        "sensitivity": sensitivity,
        "time_limit_s": float(time_limit_s),
    }
    child = None
    if design_basis and can_run_beside() and math.isinf(time_limit_s):
        say("tariff run on the two-node plant (forward run, inverses, sensitivity): in a child process")
        child = Child("hydro_sim.cases.lianghekou.annual_check", "tariff_run", tariff_kw)
    basis = None
    # in line: first, as the check always ran it
    tr = tariff_run(**tariff_kw, progress=say) if child is None else None
    try:
        if design_basis:
            from hydro_sim.cases.lianghekou.design_basis import design_basis as run_design_basis
            from hydro_sim.cases.lianghekou.duty import DutySolveError

            def report(text: str) -> None:
                if child is not None:
                    child.check()
                say(text)

            t0 = time.perf_counter()
            try:
                basis = run_design_basis(
                    year, quick=not inverse, unit_commitment=unit_commitment, progress=report
                )
            except DutySolveError as exc:
                raise AnnualCheckSolveError(str(exc), status=exc.status, diagnosis=exc.diagnosis) from exc
            timings["design_basis"] = time.perf_counter() - t0
            timings |= {f"design_basis.{k}": v for k, v in basis.timings_s.items() if k != "total"}
        if child is not None:
            say("waiting for the tariff run")
            t0 = time.perf_counter()
            tr, timings["tariff_run"] = child.result()
            timings["tariff_run_wait"] = time.perf_counter() - t0  # (what it added to the wall)
    finally:
        if child is not None:
            child.close()
    assert tr is not None
    res, base = tr["res"], tr["base"]
    inverse_rows, sens = tr["inverse_rows"], tr["sens"]
    implied_volume, volume_status = tr["implied_volume"], tr["volume_status"]
    implied_cap, cap_status = tr["implied_cap"], tr["cap_status"]
    timings |= tr["timings"]
    time_limited = tr["time_limited"]
    sim: SimulationResult = base["sim"]
    lp_e = res.energy_mwh()
    sim_e = sim.energy_mwh().iloc[0]
    lp_err = {
        "conventional": _rel(lp_e["conventional_generation_mwh"], sim_e["conventional_generation_mwh"]),
        "reversible_generation": _rel(lp_e["reversible_generation_mwh"], sim_e["reversible_generation_mwh"]),
        "pumping": _rel(lp_e["pumping_mwh"], sim_e["pumping_mwh"]),
    }
    lp_balance = _lp_balance_error(plant, year, res.schedule)
    psh_gen = base["psh_generation_mwh"]
    psh_pump = base["psh_pumping_mwh"]
    conv_gen = base["conventional_generation_mwh"]
    rev = plant.reversible
    assert rev is not None  # checked above
    full_load_h = psh_gen / rev.max_power_mw * (HOURS_PER_YEAR / hours)

    schedule = res.schedule.copy()
    simframe = sim.frame(0)
    for col in (
        "power_conventional_mw",
        "power_generating_mw",
        "power_pumping_mw",
        "volume_upper_hm3",
        "volume_lower_hm3",
        "head_m",
    ):
        if col in simframe:
            schedule[f"sim_{col}"] = simframe[col]
    has_conv = plant.conventional is not None
    conv_flow = simframe.get("flow_conventional_m3s")

    cuts = sim.cutbacks()
    summary = {
        "unit_conversion": (
            "13.97亿 kWh = 13.97 × 10⁸ kWh = 1.397 TWh = 1,397,000 MWh (亿 = 10⁸); "
            "110亿 kWh = 110 × 10⁸ kWh = 11.0 TWh = 11,000,000 MWh"
        ),
        "psh_generation_mwh": psh_gen,
        "psh_pumping_mwh": psh_pump,
        "psh_cycle_efficiency": psh_gen / psh_pump if psh_pump > 0 else None,
        "psh_full_load_hours": full_load_h,
        "published_psh_generation_mwh": PUBLISHED_PSH_GENERATION_MWH,
        "hours": hours,
        "published_pro_rata_factor": pro_rata,
        "published_psh_generation_basis_mwh": psh_target,
        "psh_relative_deviation": _rel(psh_gen, psh_target),
        "conventional_status": "compared"
        if has_conv
        else "no conventional units in the plant: no comparison",
        "conventional_generation_mwh": conv_gen if has_conv else None,
        "published_conventional_generation_mwh": PUBLISHED_CONVENTIONAL_GENERATION_MWH,
        "published_conventional_generation_basis_mwh": conv_target,
        "conventional_relative_deviation": _rel(conv_gen, conv_target) if has_conv else None,
        "water_balance_max_abs_error_hm3": max(sim.water_balance_error_hm3(), lp_balance),
        "water_balance_simulation_hm3": sim.water_balance_error_hm3(),
        "water_balance_lp_hm3": lp_balance,
        "lp_vs_simulation_energy_error": lp_err,
        "implied_lower_usable_volume_hm3": implied_volume,
        "implied_lower_usable_volume_status": volume_status,
        "implied_daily_generating_hours_cap": implied_cap,
        "implied_daily_generating_hours_cap_status": cap_status,
        "sensitivity_status": "run" if sensitivity else NOT_RUN,
        "dispatch_status": res.status,
        "time_limited_runs": len(time_limited),
        "default_lower_usable_volume_hm3": plant.lower.usable_volume_hm3 if plant.lower is not None else None,
        "rated_cycle_efficiency": rated_cycle_efficiency(plant),
        "lp_iterations": res.iterations,
        "lp_final_head_change_m": res.head_change_m,
        "lp_objective_value": res.objective_value,
        "mean_gross_head_m": float(res.schedule["head_m"].mean()),
        "conventional_efficiency": plant.conventional.reference_efficiency if plant.conventional else None,
        "conventional_effective_head_x_efficiency_m": _effective_head(conv_gen, conv_flow, year.dt_h),
        "published_effective_head_x_efficiency_m": _effective_head(conv_target, conv_flow, year.dt_h),
        "mean_upper_level_masl": float(res.schedule["level_upper_masl"].mean()),
        "simulation_cutbacks": len(cuts),
        "simulation_cutback_water_hm3": float(cuts["water_hm3"].sum()),
        "simulation_cutback_largest_hm3": float(cuts["water_hm3"].max()) if len(cuts) else 0.0,
        "steps": year.n_steps,
        "scenario": year.name,
        "plant": plant.name,
    }
    if basis is not None:
        from hydro_sim.cases.lianghekou.design_basis import summary as basis_summary

        summary["design_basis"] = basis_summary(basis)
        summary["headline"] = summary["design_basis"]["headline"]
    timings["total"] = time.perf_counter() - t_all
    return AnnualCheck(
        summary=summary,
        dispatch=res,
        simulation=sim,
        schedule=schedule,
        sensitivity=sens,
        inverse_runs=pd.DataFrame(inverse_rows),
        timings_s=timings,
        basis=basis,
    )


def _effective_head(energy_mwh: float, flow_m3s: pd.Series | None, dt_h: float) -> float | None:
    """Head × efficiency that turns the turbined water into ``energy_mwh``: E / (ρ g Σ Q Δt / 10⁶); None
    when no water is turbined. [m]"""
    if flow_m3s is None or float(flow_m3s.sum()) <= 0.0:
        return None
    return float(energy_mwh / (RHO_WATER_KG_M3 * G_M_S2 / W_PER_MW * float(flow_m3s.sum()) * dt_h))


def _rel(model: float, reference: float) -> float:
    return (model - reference) / reference if reference else math.nan


def _lp_balance_error(plant: Plant, year: Scenario, s: pd.DataFrame) -> float:
    """Largest absolute water-balance error of the LP schedule, from its columns. [hm³]"""
    return water_balance_max_error_hm3(
        s,
        initial_volume_upper_hm3=plant.upper.initial_volume_hm3,
        initial_volume_lower_hm3=plant.lower.initial_volume_hm3 if plant.lower is not None else None,
        dt_h=year.dt_h,
    )


def _sensitivity(
    plant: Plant, year: Scenario, say: Callable[[str], None], warm: np.ndarray, solve: dict, psh_target: float
) -> pd.DataFrame:
    base_lower = plant.lower.usable_volume_hm3 if plant.lower is not None else 0.0
    cases: list[tuple[str, str, Plant, Scenario, dict]] = [("base", "defaults", plant, year, {})]
    for cycle in (0.72, 0.80):
        cases.append(
            ("cycle efficiency", f"{cycle:.2f} at rated point", _efficiency_for_cycle(plant, cycle), year, {})
        )
    for v in (0.5 * base_lower, 50.0, 100.0):
        cases.append(("lower usable volume", f"{v:.1f} hm³", with_lower_usable_volume(plant, v), year, {}))
    for f in (0.5, 1.25):
        cases.append(("tariff spread", f"×{f:g} around flat", plant, _scaled_spread(year, f), {}))
    z_low = plant.upper.initial_level_masl - 0.3 * (plant.upper.max_level_masl - plant.upper.min_level_masl)
    cases.append(
        (
            "head",
            f"upper starts {plant.upper.initial_level_masl - z_low:.0f} m lower ({z_low:.0f} m)",
            dataclasses.replace(plant, upper=dataclasses.replace(plant.upper, initial_level_masl=z_low)),
            year,
            {},
        )
    )
    for h in (2.0, 4.0):
        cases.append(("daily generating cap", f"{h:g} h/day", plant, year, {"max_daily_generating_hours": h}))
    rows = []
    for group, case, p, sc, kw in cases:
        say(f"  sensitivity: {group}, {case}")
        _, out = _run(p, sc, head_tolerance_m=SEARCH_HEAD_TOLERANCE_M, start_head_m=warm, **solve, **kw)
        rows.append(
            {
                "parameter": group,
                "case": case,
                "psh_generation_mwh": out["psh_generation_mwh"],
                "psh_pumping_mwh": out["psh_pumping_mwh"],
                "psh_cycle_efficiency": (
                    out["psh_generation_mwh"] / out["psh_pumping_mwh"]
                    if out["psh_pumping_mwh"] > 0
                    else math.nan
                ),
                "psh_relative_deviation": _rel(out["psh_generation_mwh"], psh_target),
                "conventional_generation_mwh": out["conventional_generation_mwh"],
                "lp_iterations": out["iterations"],
            }
        )
    return pd.DataFrame(rows)
