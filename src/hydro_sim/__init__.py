"""hydro_sim: model, schedule and simulate hybrid pumped-storage hydro plants.

The public namespace is small; the modules below it are the architecture:
``constants`` → ``hydraulics`` → ``plant`` → ``scenario`` → optimiser and simulator → reports, CLI.
"""

from hydro_sim.errors import HydroSimError, HydroSimInputError, HydroSimWarning
from hydro_sim.lianghekou import lianghekou
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
from hydro_sim.reference_year import reference_year, sichuan_tou_price
from hydro_sim.scenario import Scenario

__version__ = "0.1.0"

__all__ = [
    "EfficiencyCurve",
    "GridLine",
    "HydroSimError",
    "HydroSimInputError",
    "HydroSimWarning",
    "LevelVolumeCurve",
    "Outlet",
    "Plant",
    "Provenance",
    "PumpTurbineGroup",
    "Reservoir",
    "Scenario",
    "TurbineGroup",
    "__version__",
    "lianghekou",
    "reference_year",
    "sichuan_tou_price",
]
