"""The water-balance dispatch optimiser (LP, with an exact MILP unit-commitment mode).

Model building (:mod:`hydro_sim.optimise._model`) is apart from solving (``_highs``, ``_pulp``).
"""

from hydro_sim.optimise.api import dispatch, export_model
from hydro_sim.optimise.result import DispatchResult

__all__ = ["DispatchResult", "dispatch", "export_model"]
