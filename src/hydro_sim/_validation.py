"""Input checks used once, at each public boundary (scipy's ``_milp_iv`` habit).

Every message names the field, states the rule, shows the value and says where to fix it.
Inner physics trusts its inputs.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hydro_sim.errors import HydroSimInputError


def _fmt(value: Any) -> str:
    if isinstance(value, (np.generic, np.ndarray)):
        value = value.tolist()
    if isinstance(value, float):
        return repr(round(value, 6))
    return repr(value)


def fail(field: str, rule: str, value: Any, where: str) -> HydroSimInputError:
    """Build the standard error: field, rule, value, where to fix it."""
    return HydroSimInputError(f"`{field}` ({_fmt(value)}) {rule} in {where}")


def _kind(value: Any) -> str:
    """A user's word for the kind of a value that is not a number."""
    if isinstance(value, (bool, np.bool_)):
        return "not a boolean"
    if isinstance(value, (str, bytes)):
        return "not text"
    if isinstance(value, complex | np.complexfloating):
        return "not a complex number"
    if value is None:
        return "not None"
    return f"not a {type(value).__name__}"


def real_number(field: str, value: Any, where: str, *, hint: str = "") -> float:
    """A real number (int, float or a numpy scalar, NaN and ±inf included), never a bool, text or container.

    ``float("105")`` and ``float(True)`` succeed in Python; here they are input errors, so a value read from the
    wrong column or a flag passed for a number is caught at the boundary.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise fail(field, f"must be a number{hint}, {_kind(value)}", value, where)
    return float(value)


def finite(field: str, value: Any, where: str) -> float:
    """A finite real number; NaN, ±inf, bools, text and containers are refused."""
    x = real_number(field, value, where)
    if not math.isfinite(x):
        raise fail(field, "must be finite (not NaN or infinite)", value, where)
    return x


def number_or_inf(field: str, value: Any, where: str) -> float:
    """A real number where ±infinity means 'no limit'; NaN and non-numbers are refused."""
    x = real_number(field, value, where, hint=" (math.inf for no limit)")
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


def whole_number(
    field: str, value: Any, where: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """A Python or numpy integer (not a bool, not a float such as 2.0) within [minimum, maximum]."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        lo = "" if minimum is None else f" of at least {minimum}"
        raise fail(field, f"must be a whole number{lo}", value, where)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        span = (
            f"in [{minimum}, {maximum}]"
            if minimum is not None and maximum is not None
            else f"of at least {minimum}"
            if minimum is not None
            else f"of at most {maximum}"
        )
        raise fail(field, f"must be a whole number {span}", value, where)
    return int(value)


def positive_int(field: str, value: Any, where: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise fail(field, "must be a whole number of at least 1", value, where)
    return int(value)


def text(field: str, value: Any, where: str, *, allow_empty: bool = False) -> str:
    """A name or label: a str (empty only if allowed)."""
    if not isinstance(value, str):
        raise fail(field, f"must be text (a str), not {type(value).__name__}", value, where)
    if not allow_empty and not value.strip():
        raise fail(field, "must not be empty", value, where)
    return value


def provenance_mapping(
    field: str, value: Any, where: str, *, keys: Sequence[str] | None = None
) -> dict[str, Any]:
    """A mapping of str keys (from ``keys`` when given) to :class:`~hydro_sim.plant.Provenance` records."""
    from hydro_sim.plant import Provenance  # plant imports this module: resolve at call time

    if not isinstance(value, Mapping):
        raise fail(field, "must be a mapping (dict) of field name to Provenance", type(value).__name__, where)
    out: dict[str, Any] = {}
    for key, prov in value.items():
        if not isinstance(key, str):
            raise fail(f"{field} key", "must be text (a field name)", key, where)
        if keys is not None and key not in keys:
            raise fail(f"{field}[{key!r}]", f"must be keyed by one of {', '.join(keys)}", key, where)
        if not isinstance(prov, Provenance):
            raise fail(f"{field}[{key!r}]", "must be a Provenance", type(prov).__name__, where)
        out[key] = prov
    return out


def real_array(field: str, value: Any, where: str, *, allow_nan: bool = False) -> np.ndarray:
    """A float array from a number, a sequence, an array or a Series of real numbers.

    Text, None, bools, complex numbers, mappings and ragged nestings are refused, and so is NaN
    unless ``allow_nan``; ±inf is refused too unless ``allow_nan`` (non-finite values are one rule).
    """
    if value is None or isinstance(value, (str, bytes, Mapping)):
        raise fail(
            field,
            f"must be a number or an array of numbers, {_kind(value)}",
            value if value is None or isinstance(value, (str, bytes)) else type(value).__name__,
            where,
        )
    if isinstance(value, (bool, np.bool_)):
        raise fail(field, "must be a number or an array of numbers, not a boolean", value, where)
    if isinstance(value, (list, tuple)) and any(isinstance(v, (bool, np.bool_, str, bytes)) for v in value):
        bad = next(v for v in value if isinstance(v, (bool, np.bool_, str, bytes)))
        raise fail(field, f"must hold only numbers, but holds {bad!r}", list(value), where)
    try:
        raw = np.asarray(value.to_numpy() if isinstance(value, pd.Series) else value)
    except (TypeError, ValueError):
        raise fail(
            field, "must be a rectangular array of numbers (not ragged)", type(value).__name__, where
        ) from None
    if raw.dtype.kind not in "iuf":
        what = {
            "b": "booleans",
            "c": "complex numbers",
            "U": "text",
            "S": "text",
            "M": "time stamps",
            "m": "durations",
        }.get(raw.dtype.kind, f"values of type {raw.dtype}")
        if raw.dtype.kind == "O":
            try:
                raw = raw.astype(float)
            except (TypeError, ValueError):
                raise fail(field, "must hold only numbers", f"dtype {raw.dtype}", where) from None
        else:
            raise fail(field, f"must hold real numbers, not {what}", f"dtype {raw.dtype}", where)
    arr = raw.astype(float)
    if not allow_nan:
        bad = ~np.isfinite(arr)
        if bad.any():
            i = int(np.argmax(bad.ravel()))
            at = f" at position {i}" if arr.ndim else ""
            raise fail(
                field,
                f"must be finite (not NaN or infinite), but is {float(arr.ravel()[i])!r}{at}",
                float(arr.ravel()[i]),
                where,
            )
    return arr


def broadcast(where: str, **arrays: np.ndarray) -> tuple[int, ...]:
    """The common shape of the named arrays; mismatched shapes are an input error naming them."""
    try:
        return np.broadcast_shapes(*(np.shape(a) for a in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"`{k}` {np.shape(a)}" for k, a in arrays.items())
        first = next(iter(arrays))
        raise fail(
            first,
            f"must have a shape that matches the other arguments ({shapes})",
            np.shape(arrays[first]),
            where,
        ) from None


def strictly_increasing(field: str, values: Any, where: str, *, min_len: int = 2) -> tuple[float, ...]:
    arr = real_array(field, values, where, allow_nan=True)
    if arr.ndim != 1 or arr.size < min_len:
        raise fail(
            field, f"must be a 1-D table of at least {min_len} values", np.atleast_1d(arr).tolist(), where
        )
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


def _tz_name(index: pd.DatetimeIndex) -> str:
    return "tz-naive" if index.tz is None else f"tz-aware ({index.tz})"


def time_index(field: str, index: Any, where: str) -> pd.DatetimeIndex:
    """A regular, strictly rising DatetimeIndex of at least one step.

    Regular means every step has the same length in absolute time: a tz-aware hourly index across a
    daylight-saving change (23 or 25 local hours in a day) is regular, since its steps are one hour in UTC.
    A single step needs a frequency to know its length.
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise fail(
            f"{field}.index", "must be a pandas DatetimeIndex (time stamps)", type(index).__name__, where
        )
    if len(index) < 1:
        raise fail(field, "must have at least one step", 0, where)
    if index.hasnans:
        i = int(np.argmax(np.asarray(index.isna())))
        raise fail(f"{field}.index", f"must hold only time stamps, but step {i} is NaT", "NaT", where)
    if not index.is_monotonic_increasing or index.has_duplicates:
        if index.has_duplicates:
            dup = index[index.duplicated()][0]
            raise fail(
                f"{field}.index",
                f"must rise strictly in time (sorted, no duplicates), but time stamp {dup} appears twice",
                str(dup),
                where,
            )
        i = int(np.argmax(np.diff(index.as_unit("ns").asi8) < 0))
        raise fail(
            f"{field}.index",
            f"must rise strictly in time (sorted, no duplicates), but step {i + 1} "
            f"({index[i + 1]}) comes before step {i} ({index[i]})",
            str(index[i + 1]),
            where,
        )
    if len(index) > 1:
        steps = np.diff(index.as_unit("ns").asi8)  # nanoseconds in absolute (UTC) time
        if not np.all(steps == steps[0]):
            i = int(np.argmax(steps != steps[0]))
            raise fail(
                f"{field}.index",
                f"must be regular, but the step after {index[i]} differs"
                f" from the first step ({pd.Timedelta(int(steps[0]))})",
                str(pd.Timedelta(int(steps[i]))),
                where,
            )
    elif index.freq is None:
        raise fail(f"{field}.index", "needs a frequency when it has a single step", None, where)
    else:
        try:
            step = pd.Timedelta(index.freq)
        except (TypeError, ValueError):
            step = None
        if step is None or step <= pd.Timedelta(0):
            raise fail(
                f"{field}.index",
                "needs a frequency of fixed length (such as 'h' or '3h') when it has a single step",
                index.freqstr,
                where,
            )
    return index


def series(
    field: str,
    value: Any,
    where: str,
    *,
    index: pd.DatetimeIndex | None = None,
    non_negative: bool = True,
) -> pd.Series:
    """Check a time series: a pandas Series of finite real numbers, optionally on a given index and ≥ 0."""
    if not isinstance(value, pd.Series):
        hint = (
            " (wrap it: pd.Series(values, index=time_stamps))"
            if isinstance(value, (list, tuple, np.ndarray))
            else ""
        )
        raise fail(field, f"must be a pandas Series{hint}", type(value).__name__, where)
    if index is not None:
        if not isinstance(value.index, pd.DatetimeIndex):
            raise fail(
                f"{field}.index",
                "must be a pandas DatetimeIndex like the scenario index",
                type(value.index).__name__,
                where,
            )
        if (value.index.tz is None) != (index.tz is None):
            raise fail(
                f"{field}.index",
                f"must be {_tz_name(index)} like `inflow_upper_m3s`, but is {_tz_name(value.index)}",
                str(value.index.tz),
                where,
            )
        if index.tz is not None and str(value.index.tz) != str(index.tz):
            raise fail(
                f"{field}.index",
                f"must be in the zone of `inflow_upper_m3s` ({index.tz}), but is in "
                f"{value.index.tz} (convert it with .tz_convert('{index.tz}'))",
                str(value.index.tz),
                where,
            )
        if len(value) != len(index):
            raise fail(
                field,
                f"must have {len(index)} steps like the scenario index, but has {len(value)}",
                len(value),
                where,
            )
        if not value.index.equals(index):
            i = int(np.argmax(value.index.as_unit("ns").asi8 != index.as_unit("ns").asi8))
            raise fail(
                field,
                f"must be on the same DatetimeIndex as the other series (misaligned index: step {i}"
                f" is {value.index[i]!s}, not {index[i]!s})",
                f"first {value.index[0]!s}",
                where,
            )
    kind = value.dtype.kind
    if kind not in "iuf":
        inferred = pd.api.types.infer_dtype(value, skipna=True)
        if inferred not in ("floating", "integer", "mixed-integer-float", "decimal", "empty"):
            what = {
                "boolean": "booleans",
                "complex": "complex numbers",
                "timedelta": "durations",
                "timedelta64": "durations",
                "datetime": "time stamps",
                "datetime64": "time stamps",
                "string": "text",
                "bytes": "text",
            }.get(inferred, f"{inferred} values")
            raise fail(field, f"must hold real numbers, not {what}", str(value.dtype), where)
    try:
        arr = value.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise fail(field, "must hold numbers", str(value.dtype), where) from None
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.argmax(bad))
        raise fail(
            field, f"must be finite, but step {i} ({value.index[i]!s}) is {float(arr[i])!r}", arr[i], where
        )
    if non_negative and (arr < 0.0).any():
        i = int(np.argmax(arr < 0.0))
        raise fail(
            field,
            f"must not be negative, but step {i} ({value.index[i]!s}) is {float(arr[i])!r}",
            arr[i],
            where,
        )
    return pd.Series(arr, index=value.index, name=value.name)


def timestamp(field: str, value: Any, where: str) -> pd.Timestamp:
    """A time stamp from text ('2030-01-01 06:00'), a datetime or a pandas Timestamp; not a number, not NaT."""
    if isinstance(value, (bool, numbers.Number, np.number)) or value is None:
        raise fail(field, "must be a time stamp such as '2030-01-01 00:00'", value, where)
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError):
        raise fail(field, "must be a time stamp such as '2030-01-01 00:00'", value, where) from None
    if ts is pd.NaT:
        raise fail(field, "must be a time stamp, not NaT", str(value), where)
    return ts
