"""The vectorised simulator: schedules and rules through the nonlinear physics, many scenarios at once."""

from hydro_sim.simulation._network_sim import NetworkPolicyState, NetworkSimulationResult
from hydro_sim.simulation.api import SimulationResult, simulate
from hydro_sim.simulation.policies import FunctionPolicy, PolicyState, ReplayPolicy, TouRulePolicy

__all__ = [
    "FunctionPolicy",
    "NetworkPolicyState",
    "NetworkSimulationResult",
    "PolicyState",
    "ReplayPolicy",
    "SimulationResult",
    "TouRulePolicy",
    "simulate",
]
