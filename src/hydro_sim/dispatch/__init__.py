"""The water-balance dispatch optimiser (LP, with an exact MILP unit-commitment mode).

Model building (:mod:`hydro_sim.dispatch._model`) is apart from solving (``_highs``, ``_pulp``).
"""

from hydro_sim.dispatch.api import dispatch, export_model
from hydro_sim.dispatch.result import DispatchResult

__all__ = ["DispatchResult", "dispatch", "export_model"]
