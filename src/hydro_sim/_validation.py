"""Input checks used once, at each public boundary (scipy's ``_milp_iv`` habit).

Every message names the field, states the rule, shows the value and says where to fix it.
Inner physics trusts its inputs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hydro_sim.errors import HydroSimInputError


def _fmt(value: Any) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return repr(round(value, 6))
    return repr(value)


def fail(field: str, rule: str, value: Any, where: str) -> HydroSimInputError:
    """Build the standard error: field, rule, value, where to fix it."""
    return HydroSimInputError(f"`{field}` ({_fmt(value)}) {rule} in {where}")


def finite(field: str, value: Any, where: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise fail(field, "must be a number", value, where) from None
    if not math.isfinite(x):
        raise fail(field, "must be finite (not NaN or infinite)", value, where)
    return x


def number_or_inf(field: str, value: Any, where: str) -> float:
    """A real number where ±infinity means 'no limit'; NaN and non-numbers are refused."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise fail(field, "must be a number (math.inf for no limit)", value, where) from None
    if math.isnan(x):
        raise fail(field, "must not be NaN", value, where)
    return x


def positive(field: str, value: Any, where: str) -> float:
    x = finite(field, value, where)
    if x <= 0.0:
        raise fail(field, "must be positive", value, where)
    return x


def non_negative(field: str, value: Any, where: str) -> float:
    x = finite(field, value, where)
    if x < 0.0:
        raise fail(field, "must not be negative", value, where)
    return x


def efficiency(field: str, value: Any, where: str) -> float:
    x = finite(field, value, where)
    if not 0.0 < x <= 1.0:
        raise fail(field, "is an efficiency and must lie in (0, 1]", value, where)
    return x


def positive_int(field: str, value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise fail(field, "must be a whole number of at least 1", value, where)
    return int(value)


def strictly_increasing(field: str, values: Sequence[float], where: str, *, min_len: int = 2) -> tuple[float, ...]:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size < min_len:
        raise fail(field, f"must be a 1-D table of at least {min_len} values", list(np.atleast_1d(arr)), where)
    if not np.all(np.isfinite(arr)):
        raise fail(field, "must hold only finite values (no NaN or infinite)", arr.tolist(), where)
    steps = np.diff(arr)
    if np.any(steps <= 0.0):
        i = int(np.argmax(steps <= 0.0))
        raise fail(
            field,
            f"must rise strictly, but entry {i + 1} ({float(arr[i + 1])!r}) does not rise above entry {i} "
            f"({float(arr[i])!r})",
            arr.tolist(),
            where,
        )
    return tuple(float(v) for v in arr)


def series(
    field: str,
    value: Any,
    where: str,
    *,
    index: pd.DatetimeIndex | None = None,
    non_negative: bool = True,
) -> pd.Series:
    """Check a time series: a pandas Series of finite numbers, optionally on a given index and ≥ 0."""
    if not isinstance(value, pd.Series):
        raise fail(field, "must be a pandas Series", type(value).__name__, where)
    if index is not None:
        if len(value) != len(index):
            raise fail(field, f"must have {len(index)} steps like the scenario index, but has {len(value)}",
                       len(value), where)
        if not value.index.equals(index):
            raise fail(field, "must be on the same DatetimeIndex as the other series (misaligned index)",
                       f"first {value.index[0]!s}", where)
    try:
        arr = value.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise fail(field, "must hold numbers", str(value.dtype), where) from None
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.argmax(bad))
        raise fail(field, f"must be finite, but step {i} ({value.index[i]!s}) is {float(arr[i])!r}", arr[i],
                   where)
    if non_negative and (arr < 0.0).any():
        i = int(np.argmax(arr < 0.0))
        raise fail(field, f"must not be negative, but step {i} ({value.index[i]!s}) is {float(arr[i])!r}",
                   arr[i], where)
    return value.astype(float)
