"""The one error family of hydro_sim, and its warning class.

Every message names the field, states the rule, shows the value and says where to fix it.

Examples
--------
>>> err = HydroSimInputError("`max_level_masl` (2860.0) must be above `min_level_masl` (2865.0) in Reservoir 'upper'")
>>> isinstance(err, ValueError) and isinstance(err, HydroSimError)
True
"""

from __future__ import annotations


class HydroSimError(Exception):
    """Base class of every error raised by hydro_sim."""


class HydroSimInputError(HydroSimError, ValueError):
    """Input that breaks a rule: a wrong value, length, index or unit; raised at the public boundary."""


class HydroSimWarning(UserWarning):
    """Warnings of hydro_sim (the library never prints)."""
