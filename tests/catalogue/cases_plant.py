"""Bad plant objects: reservoirs, level–volume curves, unit groups, outlets, lines, plants."""

from __future__ import annotations

from hydro_sim import LevelVolumeCurve, Reservoir
from hydro_sim.errors import HydroSimInputError

from _harness import Case  # noqa: I001 - loaded beside the harness

CURVE = {"level_masl": (100.0, 110.0, 120.0), "volume_hm3": (0.0, 50.0, 120.0)}


def _reservoir(**kw):
    args = {"name": "lake", "curve": LevelVolumeCurve(**CURVE), "min_level_masl": 105.0,
            "max_level_masl": 120.0, "initial_level_masl": 115.0} | kw
    return Reservoir(**args)


CASES = [
    Case(id="reservoir-min-above-max", area="plant", bad="a minimum level above the maximum level",
         run=lambda tmp: _reservoir(min_level_masl=121.0), raises=HydroSimInputError,
         match=("min_level_masl", "121.0", "Reservoir 'lake'")),
    Case(id="curve-volume-falls", area="plant", bad="a level–volume table whose volume falls",
         run=lambda tmp: LevelVolumeCurve(level_masl=(100.0, 110.0), volume_hm3=(5.0, 1.0)),
         match=("volume_hm3",)),
]
