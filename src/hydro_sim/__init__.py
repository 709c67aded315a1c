"""hydro_sim: model, schedule and simulate hybrid pumped-storage hydro plants.

The public namespace is small; the modules below it are the architecture:
``constants`` → ``hydraulics`` → ``plant`` → ``scenario`` → optimiser and simulator → reports, CLI.
"""

from hydro_sim.cases.lianghekou.annual_check import AnnualCheck, annual_check
from hydro_sim.cases.lianghekou.plant import lianghekou
from hydro_sim.cases.lianghekou.reference_year import reference_year, sichuan_tou_price
from hydro_sim.errors import HydroSimError, HydroSimInputError, HydroSimWarning
from hydro_sim.optimise import DispatchResult, dispatch, export_model
from hydro_sim.optimise.rolling import RollingResult, rolling_dispatch
from hydro_sim.plant import (
    EfficiencyCurve,
    GridLine,
    LevelVolumeCurve,
    Outlet,
    Plant,
    Provenance,
    PumpTurbineGroup,
    Reservoir,
    TurbineGroup,
)
from hydro_sim.scenario import Scenario
from hydro_sim.simulation import FunctionPolicy, ReplayPolicy, SimulationResult, TouRulePolicy, simulate

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``hydro_sim.sweep`` (:func:`hydro_sim.sweeps.sweep`), imported on first use: the sweep module reads
    scenario files, which ``python -m hydro_sim.schema`` must be able to run before."""
    if name == "sweep":
        from hydro_sim.sweeps import sweep

        return sweep
    raise AttributeError(f"module 'hydro_sim' has no attribute {name!r}")


__all__ = [
    "AnnualCheck",
    "DispatchResult",
    "EfficiencyCurve",
    "FunctionPolicy",
    "GridLine",
    "HydroSimError",
    "HydroSimInputError",
    "HydroSimWarning",
    "LevelVolumeCurve",
    "Outlet",
    "Plant",
    "Provenance",
    "PumpTurbineGroup",
    "ReplayPolicy",
    "Reservoir",
    "RollingResult",
    "Scenario",
    "SimulationResult",
    "TouRulePolicy",
    "TurbineGroup",
    "__version__",
    "annual_check",
    "dispatch",
    "export_model",
    "lianghekou",
    "reference_year",
    "rolling_dispatch",
    "sichuan_tou_price",
    "simulate",
    "sweep",
]
