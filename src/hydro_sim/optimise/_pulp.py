"""The readable backend: the dispatch model written in PuLP so that it reads like its equations.

It builds the same model as :mod:`hydro_sim.optimise._highs` (``build(d, elastic=False)``) from the
same :class:`~hydro_sim.optimise._model.ModelData`, whose module docstring is the algebra followed here,
row family by row family. Any PuLP solver can then solve it (CBC by default, HiGHS, or a commercial one),
and :func:`export` writes it as an ``.lp`` or ``.mps`` file for other tools.

Names: the column family ``v_up`` at step t is the variable ``v_up_t`` (PuLP turns brackets into
underscores, so ``v_up[t]`` is spelt ``v_up_t``); the row family ``bal_up`` at step t is the constraint
``bal_up_t``. Ranged rows (ramp, level change) are written as two one-sided rows, ``…_rise_t`` (≤ the
limit) and ``…_fall_t`` (≥ minus the limit). The elastic (diagnosis) model is not written here: the
diagnosis always runs on HiGHS.

Examples
--------
>>> from hydro_sim.optimise._model import DispatchOptions, build_model_data, initial_heads
>>> from hydro_sim.examples import small_pumped_storage, two_price_day
>>> plant, scenario = small_pumped_storage(), two_price_day(inflow_upper_m3s=10.0)
>>> d = build_model_data(plant, scenario, DispatchOptions(), initial_heads(plant, scenario.n_steps))
>>> prob, x = build_problem(d)
>>> list(x)
['q_gen_0', 'q_gen_1', 'q_pump_0', 'q_pump_1', 'spill', 'release', 'v_up', 'v_lo', 'line']
>>> print(prob.get_constraint_by_name("bal_up_1"))  # v_up[1] − v_up[0] + c·(Q_gen + S − Q_pump) = c·I_up
0.0036*q_gen_0_1 + 0.0036*q_gen_1_1 - 0.0036*q_pump_0_1 - 0.0036*q_pump_1_1 + 0.0036*spill_1 - v_up_0 + v_up_1 = 0.036
>>> solve(d, solver="HiGHS").status
'optimal'
"""

from __future__ import annotations

import math
import os
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pulp

from hydro_sim import _validation as iv
from hydro_sim.optimise import _highs
from hydro_sim.optimise._highs import RawSolution
from hydro_sim.optimise._model import ModelData

__all__ = ["build_problem", "export", "solve"]

#: Solver used when none is named.
DEFAULT_SOLVER = "PULP_CBC_CMD"

Family = list[pulp.LpVariable]


# ---- variables ----------------------------------------------------------------------------------------


def _bound(x: float) -> float | None:
    """A finite bound as a float; an infinite one as None (PuLP's 'no bound')."""
    return float(x) if math.isfinite(x) else None


def _family(
    prob: pulp.LpProblem, name: str, lb: Any, ub: Any, T: int, cat: str = pulp.LpContinuous
) -> Family:
    """One variable per step, ``name_t``, with per-step (or scalar) bounds."""
    lbs = np.broadcast_to(np.asarray(lb, dtype=float), (T,)).tolist()
    ubs = np.broadcast_to(np.asarray(ub, dtype=float), (T,)).tolist()
    return [prob.add_variable(f"{name}_{t}", _bound(lbs[t]), _bound(ubs[t]), cat=cat) for t in range(T)]


def _add_variables(prob: pulp.LpProblem, d: ModelData) -> dict[str, Family]:
    """Every column family of the model, keyed by the family names of ``ModelData.col_names``."""
    T, S = d.T, d.S
    x: dict[str, Family] = {}
    if d.has_conv:
        for s in range(S):
            x[f"q_conv_{s}"] = _family(prob, f"q_conv_{s}", 0.0, d.seg_conv_width[s], T)  # [m³/s]
    if d.has_rev:
        for s in range(S):
            x[f"q_gen_{s}"] = _family(prob, f"q_gen_{s}", 0.0, d.seg_gen_width[s], T)  # [m³/s]
        for s in range(S):
            x[f"q_pump_{s}"] = _family(prob, f"q_pump_{s}", 0.0, d.seg_pump_width[s], T)  # [m³/s]
    x["spill"] = _family(prob, "spill", 0.0, np.inf, T)  # [m³/s]
    x["release"] = _family(prob, "release", d.release_min, d.release_max, T)  # [m³/s]

    # End of the horizon: "at_least_start" v[T−1] ≥ v_end, "fixed" v[T−1] = v_end (bounds of the last volume);
    # v_end is the start volume unless an end target was given.
    vup_lb, vup_ub, vlo_lb, vlo_ub = d.volume_bounds_with_end()
    x["v_up"] = _family(prob, "v_up", vup_lb, vup_ub, T)  # [hm³]
    if d.has_lower:
        x["v_lo"] = _family(prob, "v_lo", vlo_lb, vlo_ub, T)  # [hm³]
    if d.has_pv:
        x["pv"] = _family(prob, "pv", 0.0, d.pv_max, T)  # [MW]
    if d.has_wind:
        x["wind"] = _family(prob, "wind", 0.0, d.wind_max, T)  # [MW]
    x["line"] = _family(prob, "line", d.line_min, d.line_max, T)  # [MW]
    if d.objective == "firming":
        x["short"] = _family(prob, "short", 0.0, np.inf, T)  # [MW]
    if d.objective == "tracking":
        x["dev_pos"] = _family(prob, "dev_pos", 0.0, np.inf, T)  # [MW]
        x["dev_neg"] = _family(prob, "dev_neg", 0.0, np.inf, T)  # [MW]
    if d.unit_commitment:
        if d.has_conv:
            x["u_conv"] = _family(prob, "u_conv", 0, d.n_conv, T, pulp.LpInteger)
        if d.has_rev:
            x["u_gen"] = _family(prob, "u_gen", 0, d.n_rev, T, pulp.LpInteger)
            x["u_pump"] = _family(prob, "u_pump", 0, d.n_rev, T, pulp.LpInteger)
            x["y_gen"] = _family(prob, "y_gen", 0, 1, T, pulp.LpBinary)
    return x


def _segments(x: dict[str, Family], family: str, S: int) -> list[Family]:
    """The S segment families of a flow (empty if the plant has no such group)."""
    return [x[f"{family}_{s}"] for s in range(S) if f"{family}_{s}" in x]


# ---- constraints --------------------------------------------------------------------------------------


def _add_water_balances(prob: pulp.LpProblem, d: ModelData, x: dict[str, Family]) -> None:
    """bal_up, bal_lo (or rel_def without a lower reservoir); volumes in hm³, flows in m³/s."""
    c = d.c
    q_conv, q_gen, q_pump = (
        _segments(x, "q_conv", d.S),
        _segments(x, "q_gen", d.S),
        _segments(x, "q_pump", d.S),
    )
    spill, release, v_up, v_lo = x["spill"], x["release"], x["v_up"], x.get("v_lo")
    inflow_up, inflow_lo = d.inflow_up.tolist(), d.inflow_lo.tolist()
    for t in range(d.T):
        turbined = pulp.lpSum(q[t] for q in q_conv + q_gen)  # leaves the upper reservoir
        pumped = pulp.lpSum(q[t] for q in q_pump)  # comes back up
        v_up_before = v_up[t - 1] if t > 0 else d.v_up0
        prob += (
            v_up[t] - v_up_before + c * (turbined + spill[t] - pumped) == c * inflow_up[t],
            f"bal_up_{t}",
        )
        if v_lo is not None:
            v_lo_before = v_lo[t - 1] if t > 0 else d.v_lo0
            prob += (
                v_lo[t] - v_lo_before - c * (turbined + spill[t] - pumped - release[t]) == c * inflow_lo[t],
                f"bal_lo_{t}",
            )
        else:
            prob += (release[t] - pulp.lpSum(q[t] for q in q_conv) - spill[t] == 0.0, f"rel_def_{t}")


def _add_power_rows(prob: pulp.LpProblem, d: ModelData, x: dict[str, Family]) -> None:
    """power (busbar balance), firm (firming) and track (tracking); powers in MW."""
    S = d.S
    k_conv, k_gen, b_pump = d.k_conv.tolist(), d.k_gen.tolist(), d.b_pump.tolist()
    q_conv, q_gen, q_pump = _segments(x, "q_conv", S), _segments(x, "q_gen", S), _segments(x, "q_pump", S)
    line = x["line"]
    renewables = [x[name] for name in ("pv", "wind") if name in x]
    delivery = d.delivery.tolist() if d.delivery is not None else None
    for t in range(d.T):
        generated = pulp.lpSum(k_conv[s][t] * q[t] for s, q in enumerate(q_conv)) + pulp.lpSum(
            k_gen[s][t] * q[t] for s, q in enumerate(q_gen)
        )
        pumping_input = pulp.lpSum(b_pump[s][t] * q[t] for s, q in enumerate(q_pump))
        used = pulp.lpSum(r[t] for r in renewables)
        prob += (line[t] - generated + pumping_input - used == 0.0, f"power_{t}")
        if d.objective == "firming":
            assert delivery is not None
            prob += (line[t] + x["short"][t] >= delivery[t], f"firm_{t}")
        if d.objective == "tracking":
            assert delivery is not None
            prob += (line[t] - x["dev_pos"][t] + x["dev_neg"][t] == delivery[t], f"track_{t}")


def _add_ramp_and_level_rows(prob: pulp.LpProblem, d: ModelData, x: dict[str, Family]) -> None:
    """ramp (release, m³/s per step) and dlev_up / dlev_lo (level-change limits as hm³ per step)."""
    if math.isfinite(d.ramp_m3s_per_step):
        r = d.ramp_m3s_per_step
        release = x["release"]
        for t in range(1, d.T):
            prob += (release[t] - release[t - 1] <= r, f"ramp_rise_{t}")
            prob += (release[t] - release[t - 1] >= -r, f"ramp_fall_{t}")
        if d.release_before_m3s is not None:  # from the release before the horizon (rolling windows)
            prob += (release[0] <= d.release_before_m3s + r, "join_ramp_rise_0")
            prob += (release[0] >= d.release_before_m3s - r, "join_ramp_fall_0")
    for name, v, dv_max, v0 in (
        ("dlev_up", x["v_up"], d.dv_up_max, d.v_up0),
        ("dlev_lo", x.get("v_lo"), d.dv_lo_max, d.v_lo0),
    ):
        if dv_max is None or v is None:
            continue
        dv = dv_max.tolist()
        for t in range(d.T):
            v_before = v[t - 1] if t > 0 else v0
            prob += (v[t] - v_before <= dv[t], f"{name}_rise_{t}")
            prob += (v[t] - v_before >= -dv[t], f"{name}_fall_{t}")


def _add_pump_generate_balance(prob: pulp.LpProblem, d: ModelData, x: dict[str, Family]) -> None:
    """pgbal: per balance period P, Σ_{t∈P} (Σq_gen − Σq_pump) = 0."""
    q_gen, q_pump = _segments(x, "q_gen", d.S), _segments(x, "q_pump", d.S)
    for k, steps in enumerate(d.balance_periods):
        generated = pulp.lpSum(q[t] for t in steps.tolist() for q in q_gen)
        pumped = pulp.lpSum(q[t] for t in steps.tolist() for q in q_pump)
        prob += (generated - pumped == 0.0, f"pgbal_{k}")


def _add_daily_generation_cap(prob: pulp.LpProblem, d: ModelData, x: dict[str, Family]) -> None:
    """gencap: per day D, Σ_{t∈D} Σ_s k_gen_s[t]·q_gen_s[t]·Δt ≤ gen_cap_mwh (reversible energy per day)."""
    q_gen = _segments(x, "q_gen", d.S)
    for k, steps in enumerate(d.gen_cap_periods):
        energy = pulp.lpSum(
            float(d.k_gen[s, t]) * d.dt_h * q_gen[s][t] for t in steps.tolist() for s in range(d.S)
        )
        prob += (energy <= d.gen_cap_mwh, f"gencap_{k}")


def _add_unit_group(
    prob: pulp.LpProblem,
    name: str,
    flows: list[Family],
    slopes: list[list[float]],
    u: Family,
    p_min: float,
    p_max: float,
    q_max: float | None,
) -> None:
    """uc_<name>_min/max: p_min·u ≤ Σ_s slope_s·q_s ≤ p_max·u; uc_<name>_flow: Σ_s q_s ≤ q_max·u."""
    for t in range(len(u)):
        power = pulp.lpSum(slopes[s][t] * q[t] for s, q in enumerate(flows))
        prob += (power - p_min * u[t] >= 0.0, f"uc_{name}_min_{t}")
        prob += (power - p_max * u[t] <= 0.0, f"uc_{name}_max_{t}")
        if q_max is not None:
            prob += (pulp.lpSum(q[t] for q in flows) - q_max * u[t] <= 0.0, f"uc_{name}_flow_{t}")


def _add_unit_commitment(prob: pulp.LpProblem, d: ModelData, x: dict[str, Family]) -> None:
    """Integer units running per mode, and one mode per step for the reversible units."""
    S = d.S
    if d.has_conv:
        _add_unit_group(
            prob,
            "conv",
            _segments(x, "q_conv", S),
            d.k_conv.tolist(),
            x["u_conv"],
            d.conv_pmin_unit,
            d.conv_pmax_unit,
            d.conv_qmax_unit,
        )
    if d.has_rev:
        u_gen, u_pump, y_gen = x["u_gen"], x["u_pump"], x["y_gen"]
        _add_unit_group(
            prob,
            "gen",
            _segments(x, "q_gen", S),
            d.k_gen.tolist(),
            u_gen,
            d.gen_pmin_unit,
            d.gen_pmax_unit,
            d.gen_qmax_unit,
        )
        _add_unit_group(
            prob,
            "pump",
            _segments(x, "q_pump", S),
            d.b_pump.tolist(),
            u_pump,
            d.pump_pmin_unit,
            d.pump_pmax_unit,
            None,
        )
        n = float(d.n_rev)
        for t in range(d.T):
            prob += (u_gen[t] - n * y_gen[t] <= 0.0, f"uc_mode_gen_{t}")  # generate only in generating mode
            prob += (u_pump[t] + n * y_gen[t] <= n, f"uc_mode_pump_{t}")  # pump only in pumping mode


# ---- objective ----------------------------------------------------------------------------------------


def _objective(d: ModelData, x: dict[str, Family]) -> pulp.LpAffineExpression:
    """The cost to minimise, CNY: minus revenue, plus penalties, minus the value of the water left."""
    dt = d.dt_h
    price = d.price.tolist()
    line = x["line"]
    cost = -pulp.lpSum(price[t] * dt * line[t] for t in range(d.T))
    if d.objective == "firming":
        cost += pulp.lpSum(d.shortfall_penalty * dt * s for s in x["short"])
        renewables = [v for name in ("pv", "wind") if name in x for v in x[name]]
        cost -= pulp.lpSum(d.curtailment_penalty * dt * v for v in renewables)
    if d.objective == "tracking":
        cost += pulp.lpSum(
            d.tracking_penalty * dt * (p + n) for p, n in zip(x["dev_pos"], x["dev_neg"], strict=True)
        )
    cost += pulp.lpSum(d.spill_cost * s for s in x["spill"])  # tie-break: turbine rather than spill
    if d.end == "water_value":
        cost -= d.water_value_up * x["v_up"][-1]
        if "v_lo" in x:
            cost -= d.water_value_lo * x["v_lo"][-1]
    return cost


def build_problem(d: ModelData) -> tuple[pulp.LpProblem, dict[str, Family]]:
    """The model as a PuLP problem, and its variables per family (one list of T variables each).

    Parameters
    ----------
    d : The model's numbers (:func:`hydro_sim.optimise._model.build_model_data`).

    Returns
    -------
    The minimisation problem and a dict ``family → [variable at t = 0 … T−1]`` keyed like
    ``ModelData.col_names``.
    """
    prob = pulp.LpProblem("hydro_sim_dispatch", pulp.LpMinimize)
    x = _add_variables(prob, d)
    _add_water_balances(prob, d, x)
    _add_power_rows(prob, d, x)
    _add_ramp_and_level_rows(prob, d, x)
    _add_pump_generate_balance(prob, d, x)
    _add_daily_generation_cap(prob, d, x)
    if d.unit_commitment:
        _add_unit_commitment(prob, d, x)
    prob.setObjective(_objective(d, x))
    return prob, x


# ---- solving ------------------------------------------------------------------------------------------


def _make_solver(d: ModelData, solver: str | None) -> pulp.LpSolver:
    """A silent PuLP solver with the model's time limit and (for MILP) relative gap."""
    name = DEFAULT_SOLVER if solver is None else solver
    kwargs: dict[str, object] = {"msg": False}
    if math.isfinite(d.time_limit_s):
        kwargs["timeLimit"] = float(d.time_limit_s)
    if d.unit_commitment:
        kwargs["gapRel"] = float(d.mip_rel_gap)
    if name == "HiGHS":
        _highs.new_highs()  # swallows the banner HiGHS prints at its first construction
        return pulp.HiGHS(**kwargs)
    if name == "PULP_CBC_CMD":
        kwargs["keepFiles"] = False  # temporary files go to the temp directory and are deleted
    check_solver(name)
    # PuLP 3.3 deprecates PULP_CBC_CMD (bundled CBC) in favour of a separately installed CBC; the bundled
    # one is the only CBC here, so its DeprecationWarning is not the user's concern.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PULP_CBC_CMD is deprecated", category=DeprecationWarning)
        try:
            return pulp.getSolver(name, **kwargs)
        except TypeError:  # a solver without a relative-gap option (e.g. GLPK_CMD): its own default applies
            kwargs.pop("gapRel", None)
            return pulp.getSolver(name, **kwargs)


def check_solver(solver: str) -> None:
    """Refuse a PuLP solver name that is not available here (with the list of those that are)."""
    if solver in ("PULP_CBC_CMD", "HiGHS"):
        return
    available = pulp.listSolvers(onlyAvailable=True)
    if solver not in available:
        raise iv.fail(
            "solver",
            f"must name a PuLP solver available here: {', '.join(available)}",
            solver,
            "dispatch(backend='pulp')",
        )


def _status(status: int, sol_status: int, time_limited: bool) -> str:
    """The backend status from PuLP's problem and solution status codes.

    A solver stopped by its time limit reports PuLP status "Optimal" with an integer-feasible (not
    optimal) solution, or "Not Solved" if it found none.
    """
    if status == pulp.LpStatusOptimal:
        if time_limited and sol_status == pulp.LpSolutionIntegerFeasible:
            return "time_limit"
        return "optimal"
    if status == pulp.LpStatusInfeasible:
        return "infeasible"
    if status == pulp.LpStatusUnbounded:
        return "unbounded"
    if status == pulp.LpStatusNotSolved and time_limited:
        return "time_limit"
    return "error"


def solve(d: ModelData, *, solver: str | None = None) -> RawSolution:
    """Build the model in PuLP and solve it; fill a :class:`RawSolution` as the HiGHS backend does.

    Parameters
    ----------
    d : The model's numbers.
    solver : A PuLP solver name: ``None`` or ``"PULP_CBC_CMD"`` (bundled CBC), ``"HiGHS"`` (highspy), or any
        name in ``pulp.listSolvers(onlyAvailable=True)``.

    Returns
    -------
    RawSolution with the minimised cost (CNY), column values per family and, for an LP, the duals of the
    water balances (d cost / d right-hand side, CNY per hm³). ``mip_gap`` is reported by HiGHS only;
    ``iterations`` (simplex) by HiGHS only, else 0.
    """
    t0 = time.perf_counter()
    prob, x = build_problem(d)
    t1 = time.perf_counter()
    lp_solver = _make_solver(d, solver)
    time_limited = math.isfinite(d.time_limit_s)
    try:
        prob.solve(lp_solver)
    except pulp.PulpSolverError as err:
        return RawSolution(
            status="error",
            solver_message=str(err),
            objective_cny=math.nan,
            build_s=t1 - t0,
            solve_s=time.perf_counter() - t1,
        )
    t2 = time.perf_counter()

    iterations = 0
    mip_gap = None
    if isinstance(lp_solver, pulp.HiGHS):
        h = prob.solverModel
        ms = h.getModelStatus()
        info = h.getInfo()
        status = _highs._STATUS.get(ms, "error")
        message = h.modelStatusToString(ms)
        has_solution = status == "optimal" or (
            status in _highs.STOPPED_EARLY and info.primal_solution_status == _highs.FEASIBLE_SOLUTION
        )
        iterations = int(info.simplex_iteration_count)
        if d.unit_commitment and has_solution:
            mip_gap = float(info.mip_gap)
    else:
        status = _status(prob.status, prob.sol_status, time_limited)
        message = f"{pulp.LpStatus[prob.status]} ({pulp.LpSolution[prob.sol_status]})"
        if status == "infeasible" and d.unit_commitment and time_limited and t2 - t1 >= d.time_limit_s:
            # CBC stopped by its time limit before any integer solution sometimes says "Integer infeasible".
            status = "time_limit"
            message += "; reported at the time limit, so taken as stopped by it"
        has_solution = status == "optimal" or (
            status == "time_limit" and prob.sol_status == pulp.LpSolutionIntegerFeasible
        )
    if _highs.received_signal() is not None:
        status = "interrupted"  # CBC stopped by the same Ctrl-C, or finished after it
    raw = RawSolution(
        status=status,
        solver_message=message,
        objective_cny=math.nan,
        build_s=t1 - t0,
        solve_s=t2 - t1,
        iterations=iterations,
        mip_gap=mip_gap,
        has_solution=has_solution,
    )
    if not has_solution:
        return raw
    raw.objective_cny = float(prob.objective.value())
    for name, variables in x.items():
        raw.values[name] = np.array(
            [np.nan if v.varValue is None else v.varValue for v in variables], dtype=float
        )
    if not isinstance(lp_solver, pulp.HiGHS):
        _close_balances(prob, raw, d.T)
    if not d.unit_commitment:
        raw.dual_bal_up = _duals(prob, "bal_up", d.T)
        if d.has_lower:
            raw.dual_bal_lo = _duals(prob, "bal_lo", d.T)
    return raw


def _close_balances(prob: pulp.LpProblem, raw: RawSolution, T: int) -> None:
    """Re-accumulate the volumes so that every water balance closes to round-off.

    CBC hands its solution back as text with about eight significant digits, so on Lianghekou's 10⁴ hm³
    the balances read back hold only to ~1e-4 hm³. Row ``bal_*_t`` is V[t] − V[t−1] + c·(outflows −
    inflows) − c·I = r_t; subtracting the running sum of r from V makes every r_t zero. The volumes move by
    the solver's rounding of the flows (a random walk of ~1e-8 relative steps: ~1e-6 hm³ over a year)."""
    for family, key in (("bal_up", "v_up"), ("bal_lo", "v_lo")):
        if key in raw.values:
            residual = np.array(
                [prob.get_constraint_by_name(f"{family}_{t}").value() for t in range(T)], dtype=float
            )
            raw.values[key] = raw.values[key] - np.cumsum(residual)


def _duals(prob: pulp.LpProblem, family: str, T: int) -> np.ndarray | None:
    """Duals of a row family, d cost / d rhs [CNY per unit of the row]; None if the solver gives none."""
    pi = [prob.get_constraint_by_name(f"{family}_{t}").pi for t in range(T)]
    if all(p is None for p in pi):
        return None
    return np.array([np.nan if p is None else p for p in pi], dtype=float)


# ---- export -------------------------------------------------------------------------------------------


def export(d: ModelData, path: str | os.PathLike[str]) -> Path:
    """Write the model as a CPLEX-LP (``.lp``) or MPS (``.mps``) file, chosen by the suffix of ``path``.

    Returns the path written.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".lp", ".mps"):
        raise iv.fail(
            "path",
            "must end in .lp or .mps (the suffix chooses the file format)",
            str(path),
            "export_model()",
        )
    prob, _ = build_problem(d)
    if suffix == ".lp":
        prob.writeLP(str(p))
    else:
        prob.writeMPS(str(p))
    return p
