"""The water-balance dispatch optimiser (LP, with an exact MILP unit-commitment mode), on a Network.

The model's numbers (:mod:`hydro_sim.optimise._data`) are apart from the model written once per row family
(:mod:`._formulation`), its exact speed-ups (:mod:`._reformulate`) and the solvers (``_highs``, and
``_pulp``, the same model written as its algebra); :mod:`.api` validates, iterates on the heads and makes
the schedule (element columns for a Network, a Plant's own columns for a Plant).
"""

from hydro_sim.optimise.api import dispatch, export_model
from hydro_sim.optimise.result import DispatchResult

__all__ = ["DispatchResult", "dispatch", "export_model"]
