"""The dispatch model of a network, written once: one ``define_*`` function per row family (PyPSA's habit).

Each function adds its columns or rows to a :class:`ModelBuilder` as numbered families named
``"{element}-{family}"`` (``"Yagen-I-balance"``, ``"Yagen-I release-ramp"``, ``"busbar-power"``), vectorised
over steps with numpy: no Python loop runs over time steps. :func:`build_model` calls them in order and
returns the :class:`LP` (families of columns and rows, the matrix as one block of COO triplets per pair of
a row and a column family), which HiGHS solves as it is or after the exact reformulations of
:mod:`._reformulate`. The water balance is one block per nonzero of ``Network.incidence()`` (and chord).

Columns (per step unless said; the data are :class:`~._data.NetworkModelData`)
    ``{col}-flow_{s}``   chord s of unit column col, 0 ≤ x ≤ seg_width[n, s, t]                    [m³/s]
    ``{col}-flow``       flow of a spillway or release, flow_min[j] ≤ q ≤ flow_max[j]             [m³/s]
    ``{sink}-flow``      total discharge into a river sink with limits, min ≤ q ≤ max             [m³/s]
    ``{r}-volume``       end-of-step volume, v_min ≤ V ≤ v_max, end condition at T−1              [hm³]
    ``busbar-pv``, ``busbar-wind``  renewables used, ≤ available                                 [MW]
    ``busbar-line``      net export, line_min ≤ line ≤ line_max                                   [MW]
    ``busbar-shortfall`` (firming), ``busbar-deviation_up``/``_down`` (tracking)                   [MW]
    ``{col}-units``      integer units running (unit commitment); ``{link}-mode`` binary: generating [-]

Rows
    ``{r}-balance``      V[r,t] − V[r,t−1] − c·Σ_j A[r,j]·q[j,t] = c·I[r,t]: ONE block from the incidence
    ``{sink}-flow``      q_sink − Σ_{j into sink} q[j] = 0
    ``busbar-power``     line − Σ_n sign[n]·Σ_s slope·x − pv − wind = 0
    ``busbar-firm``      line + shortfall ≥ delivery;  ``busbar-track``  line − dev_up + dev_down = delivery
    ``{e}-ramp``         −ramp ≤ q[t] − q[t−1] ≤ ramp (t ≥ 1);  ``{e}-join_ramp``: from the flow before
    ``{r}-level_change`` −dv_max ≤ V[t] − V[t−1] ≤ dv_max
    ``{link}-pump_generate_balance``  Σ_{t∈P} (q_gen − q_pump) = 0 per period P
    ``{link}-generation_cap``         Σ_{t∈D} P_gen·Δt ≤ cap per day D
    ``{link}-energy_target``          lo ≤ Σ_t P_gen·Δt ≤ hi over the horizon (``generation_mwh``)
    ``{col}-uc_min``/``-uc_max``/``-uc_flow``, ``{link}-uc_mode_gen``/``-uc_mode_pump``  (unit commitment)

Objective (minimised, money): −Σ price·Δt·line + Σ spill cost·q_spill + firming/tracking penalties
− Σ_r water_value[r]·V[r,T−1] (end "water_value").

The elastic (diagnosis) model (``elastic=True``) has no costs; the soft limits (volume bounds, release
and reach minima, end conditions, ramps, level changes, period rows) get penalised slack pairs, named
``"{element}-{family}_lo"`` / ``"_hi"``; unit commitment is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from hydro_sim.optimise._data import NetworkModelData

__all__ = ["LP", "ModelBuilder", "build_model"]

INF = highspy.kHighsInf


@dataclass
class ColFamily:
    """One family of columns: bounds, costs, integrality, ids in the model itself, and steps."""

    lb: np.ndarray
    ub: np.ndarray
    cost: np.ndarray
    integer: bool
    id: np.ndarray  # (n,) int: the columns' positions in the model build_model made
    steps: np.ndarray  # (n,) int: the step of each column (a checkpoint's step once summed)


@dataclass
class RowFamily:
    """One family of rows: bounds and ids in the model itself."""

    lb: np.ndarray
    ub: np.ndarray
    id: np.ndarray


@dataclass
class Block:
    """The coefficients of one column family in one row family, as local COO triplets."""

    row: str
    col: str
    i: np.ndarray  # local row indices (int32)
    j: np.ndarray  # local column indices (int32)
    v: np.ndarray


@dataclass
class LP:
    """A linear model in named families of columns and rows, its matrix as blocks (one per pair of a row and
    a column family). The reformulations of :mod:`._reformulate` replace the families and blocks they
    change and share the rest, so none of them touches the whole matrix; the global arrays (bounds, costs,
    COO triplets) are put together once, when asked for.

    ``col_fam`` / ``row_fam`` map each family to its (offset, count) in order; ``col_id`` / ``row_id``
    identify each column and row in the model :func:`build_model` made (kept by the reformulations, so a
    basis can be carried from one reformulated model to another); ``col_steps`` gives each column
    family's steps (a summed reservoir's volumes are at its checkpoints only).
    """

    T: int
    colf: dict[str, ColFamily]
    rowf: dict[str, RowFamily]
    blocks: list[Block]
    offset: float = 0.0  # constant of the objective
    soft: dict[str, str] = field(default_factory=dict)  # elastic: soft family → its slack column family

    # ---- layout
    @cached_property
    def col_fam(self) -> dict[str, tuple[int, int]]:
        out, off = {}, 0
        for name, f in self.colf.items():
            out[name] = (off, f.lb.size)
            off += f.lb.size
        return out

    @cached_property
    def row_fam(self) -> dict[str, tuple[int, int]]:
        out, off = {}, 0
        for name, f in self.rowf.items():
            out[name] = (off, f.lb.size)
            off += f.lb.size
        return out

    @property
    def col_steps(self) -> dict[str, np.ndarray]:
        return {name: f.steps for name, f in self.colf.items()}

    @cached_property
    def n_cols(self) -> int:
        return sum(f.lb.size for f in self.colf.values())

    @cached_property
    def n_rows(self) -> int:
        return sum(f.lb.size for f in self.rowf.values())

    def cols(self, name: str) -> np.ndarray:
        off, n = self.col_fam[name]
        return np.arange(off, off + n)

    def rows(self, name: str) -> np.ndarray:
        off, n = self.row_fam[name]
        return np.arange(off, off + n)

    def blocks_in_row(self, name: str) -> list[Block]:
        return [b for b in self.blocks if b.row == name]

    def blocks_of_col(self, name: str) -> list[Block]:
        return [b for b in self.blocks if b.col == name]

    # ---- global arrays
    def _cat(self, what: str, rows: bool = False) -> np.ndarray:
        fams = self.rowf if rows else self.colf
        parts = [getattr(f, what) for f in fams.values()]
        return np.concatenate(parts) if parts else np.zeros(0)

    @cached_property
    def col_lb(self) -> np.ndarray:
        return self._cat("lb")

    @cached_property
    def col_ub(self) -> np.ndarray:
        return self._cat("ub")

    @cached_property
    def cost(self) -> np.ndarray:
        return self._cat("cost")

    @cached_property
    def integer(self) -> np.ndarray:
        return np.concatenate(
            [np.full(f.lb.size, int(f.integer), dtype=np.int32) for f in self.colf.values()]
        )

    @cached_property
    def col_id(self) -> np.ndarray:
        return self._cat("id")

    @cached_property
    def row_lb(self) -> np.ndarray:
        return self._cat("lb", rows=True)

    @cached_property
    def row_ub(self) -> np.ndarray:
        return self._cat("ub", rows=True)

    @cached_property
    def row_id(self) -> np.ndarray:
        return self._cat("id", rows=True)

    @cached_property
    def _coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cf, rf = self.col_fam, self.row_fam
        r = [b.i + np.int32(rf[b.row][0]) for b in self.blocks]
        c = [b.j + np.int32(cf[b.col][0]) for b in self.blocks]
        v = [b.v for b in self.blocks]
        return np.concatenate(r), np.concatenate(c), np.concatenate(v)

    @property
    def r(self) -> np.ndarray:
        return self._coo[0]

    @property
    def c(self) -> np.ndarray:
        return self._coo[1]

    @property
    def v(self) -> np.ndarray:
        return self._coo[2]

    def matrix(self) -> sp.csc_matrix:
        a = sp.csc_matrix((self.v, (self.r, self.c)), shape=(self.n_rows, self.n_cols))
        a.sum_duplicates()
        return a

    def row_activity(self, name: str, x: np.ndarray) -> np.ndarray:
        """Σ_j A[i, j]·x[j] over the rows of one family, from its blocks only."""
        cf = self.col_fam
        n = self.rowf[name].lb.size
        out = np.zeros(n)
        for b in self.blocks_in_row(name):
            out += np.bincount(b.i, weights=b.v * x[cf[b.col][0] + b.j], minlength=n)
        return out

    def col_names(self) -> list[str]:
        """``"{family}[{t}]"`` for every column (t the step, or the checkpoint's step)."""
        out: list[str] = []
        for name, f in self.colf.items():
            out += [f"{name}[{t}]" for t in f.steps.tolist()]
        return out

    def row_names(self) -> list[str]:
        out: list[str] = []
        for name, f in self.rowf.items():
            out += [f"{name}[{i}]" for i in range(f.lb.size)]
        return out

    def pass_to(self, h: highspy.Highs) -> highspy.HighsStatus:
        """Hand the model to ``h`` as arrays (HiGHS copies them at once)."""
        a = self.matrix()
        return h.passModel(
            self.n_cols,
            self.n_rows,
            a.nnz,
            int(highspy.MatrixFormat.kColwise),
            int(highspy.ObjSense.kMinimize),
            self.offset,
            self.cost,
            _inf(self.col_lb),
            _inf(self.col_ub),
            _inf(self.row_lb),
            _inf(self.row_ub),
            a.indptr.astype(np.int32, copy=False),
            a.indices.astype(np.int32, copy=False),
            a.data,
            self.integer,
        )


def _inf(a: np.ndarray) -> np.ndarray:
    if INF == np.inf:  # HiGHS takes IEEE infinity as its infinity (so in highspy 1.16): nothing to translate
        return a
    return np.where(np.isposinf(a), INF, np.where(np.isneginf(a), -INF, a))


class ModelBuilder:
    """Accumulates columns and rows as numbered families and the matrix as blocks; ``cols`` and ``rows``
    hand out global indices, ``coef`` takes them (all within one row family and one column family)."""

    def __init__(self, T: int) -> None:
        self.T = T
        self.colf: dict[str, ColFamily] = {}
        self.rowf: dict[str, RowFamily] = {}
        self.col_fam: dict[str, tuple[int, int]] = {}
        self.row_fam: dict[str, tuple[int, int]] = {}
        self._col_off: list[int] = []
        self._col_names: list[str] = []
        self._row_off: list[int] = []
        self._row_names: list[str] = []
        self.n_cols = 0
        self.n_rows = 0
        self.blocks: list[Block] = []
        self.soft: dict[str, str] = {}

    def cols(
        self, name: str, lb: ArrayLike, ub: ArrayLike, n: int | None = None, integer: bool = False
    ) -> np.ndarray:
        n = self.T if n is None else n
        assert name not in self.colf, name
        idx = np.arange(self.n_cols, self.n_cols + n)
        self.colf[name] = ColFamily(
            lb=np.broadcast_to(np.asarray(lb, dtype=float), (n,)).copy(),
            ub=np.broadcast_to(np.asarray(ub, dtype=float), (n,)).copy(),
            cost=np.zeros(n),
            integer=integer,
            id=idx,
            steps=np.arange(n),
        )
        self.col_fam[name] = (self.n_cols, n)
        self._col_off.append(self.n_cols)
        self._col_names.append(name)
        self.n_cols += n
        return idx

    def set_cost(self, name: str, cost: ArrayLike) -> None:
        f = self.colf[name]
        f.cost = np.broadcast_to(np.asarray(cost, dtype=float), f.lb.shape).copy()

    def rows(self, name: str, lb: ArrayLike, ub: ArrayLike, n: int | None = None) -> np.ndarray:
        n = self.T if n is None else n
        assert name not in self.rowf, name
        idx = np.arange(self.n_rows, self.n_rows + n)
        self.rowf[name] = RowFamily(
            lb=np.broadcast_to(np.asarray(lb, dtype=float), (n,)).copy(),
            ub=np.broadcast_to(np.asarray(ub, dtype=float), (n,)).copy(),
            id=idx,
        )
        self.row_fam[name] = (self.n_rows, n)
        self._row_off.append(self.n_rows)
        self._row_names.append(name)
        self.n_rows += n
        return idx

    def _family(
        self, offsets: list[int], names: list[str], fam: dict[str, tuple[int, int]], idx: np.ndarray
    ) -> tuple[str, int]:
        k = int(np.searchsorted(offsets, int(idx.flat[0]), side="right")) - 1
        name = names[k]
        off, n = fam[name]
        assert idx.min() >= off and idx.max() < off + n, "a block lies within one family"
        return name, off

    def coef(self, rows: ArrayLike, cols: ArrayLike, vals: ArrayLike) -> None:
        r, c = np.asarray(rows), np.asarray(cols)
        if r.size == 0:
            return
        rname, roff = self._family(self._row_off, self._row_names, self.row_fam, r)
        cname, coff = self._family(self._col_off, self._col_names, self.col_fam, c)
        v = np.broadcast_to(np.asarray(vals, dtype=float), r.shape).astype(float).ravel()
        self.blocks.append(
            Block(rname, cname, (r.ravel() - roff).astype(np.int32), (c.ravel() - coff).astype(np.int32), v)
        )

    def soft_pair(self, name: str, rows: np.ndarray, lo: ArrayLike, hi: ArrayLike) -> None:
        """Make ``lo ≤ row ≤ hi`` soft for a whole row family: row + e_lo ≥ lo and row − e_hi ≤ hi with
        penalised slacks e ≥ 0 (the free rows are copied onto two rows that carry the slacks)."""
        n = rows.size
        fam, _ = self._family(self._row_off, self._row_names, self.row_fam, rows)
        assert self.row_fam[fam][1] == n, "soft rows are a whole family"
        lo = np.broadcast_to(np.asarray(lo, dtype=float), (n,))
        hi = np.broadcast_to(np.asarray(hi, dtype=float), (n,))
        e_lo = self.cols(f"{name}_lo-slack", 0.0, np.inf, n=n)
        e_hi = self.cols(f"{name}_hi-slack", 0.0, np.inf, n=n)
        r_lo = self.rows(f"{name}_lo", lo, np.inf, n=n)
        r_hi = self.rows(f"{name}_hi", -np.inf, hi, n=n)
        for b in [b for b in self.blocks if b.row == fam]:
            self.blocks.append(Block(f"{name}_lo", b.col, b.i, b.j, b.v))
            self.blocks.append(Block(f"{name}_hi", b.col, b.i, b.j, b.v))
        self.coef(r_lo, e_lo, 1.0)
        self.coef(r_hi, e_hi, -1.0)
        self.soft[f"{name}_lo"] = f"{name}_lo-slack"
        self.soft[f"{name}_hi"] = f"{name}_hi-slack"

    def soft_bounds(self, name: str, cols: np.ndarray, lo: ArrayLike, hi: ArrayLike) -> None:
        """Soft bounds ``lo ≤ x ≤ hi`` on columns (a free row x, made soft)."""
        rr = self.rows(f"{name}-bounds", -np.inf, np.inf, n=cols.size)
        self.coef(rr, cols, 1.0)
        self.soft_pair(name, rr, lo, hi)

    def finish(self) -> LP:
        for slack in self.soft.values():
            self.colf[slack].cost = np.ones(self.colf[slack].lb.size)
        return LP(
            T=self.T,
            colf=dict(self.colf),
            rowf=dict(self.rowf),
            blocks=list(self.blocks),
            soft=dict(self.soft),
        )


# ---- names ------------------------------------------------------------------------------------------------
def flow_family(d: NetworkModelData, j: int, s: int | None = None) -> str:
    """Column family of flow column j (chord s of a unit column)."""
    name = d.columns[j].name
    return f"{name}-flow_{s}" if s is not None else f"{name}-flow"


def volume_family(d: NetworkModelData, r: int) -> str:
    return f"{d.reservoir_names[r]}-volume"


def balance_family(d: NetworkModelData, r: int) -> str:
    return f"{d.reservoir_names[r]}-balance"


def unit_index(d: NetworkModelData) -> dict[int, int]:
    """Flow-column index j → unit index n."""
    return {int(j): n for n, j in enumerate(d.unit_columns)}


# ---- columns ----------------------------------------------------------------------------------------------
def define_flows(m: ModelBuilder, d: NetworkModelData, elastic: bool) -> None:
    """Flow columns in flow-column order (a unit column as its S chords), then the sinks with limits."""
    un = unit_index(d)
    for j in range(d.J):
        if j in un:
            n = un[j]
            for s in range(d.S):
                m.cols(flow_family(d, j, s), 0.0, d.seg_width_m3s[n, s])
        else:
            soft_min = elastic and d.column_kind[j] == "release"
            m.cols(flow_family(d, j), 0.0 if soft_min else d.flow_min_m3s[j], d.flow_max_m3s[j])
    for lim in d.flow_limits:
        if lim.kind == "sink":
            m.cols(f"{lim.name}-flow", 0.0 if elastic else lim.min_m3s, lim.max_m3s)


def define_volumes(m: ModelBuilder, d: NetworkModelData, elastic: bool) -> None:
    """End-of-step volumes of every reservoir; bounds with the end condition on the last step (in the
    elastic model free, their bounds soft)."""
    lb, ub = d.volume_bounds_with_end()
    for r in range(d.R):
        m.cols(volume_family(d, r), 0.0 if elastic else lb[r], np.inf if elastic else ub[r])


def define_busbar(m: ModelBuilder, d: NetworkModelData) -> None:
    if d.has_pv:
        m.cols("busbar-pv", 0.0, d.pv_max_mw)
    if d.has_wind:
        m.cols("busbar-wind", 0.0, d.wind_max_mw)
    m.cols("busbar-line", d.line_min_mw, d.line_max_mw)
    if d.objective == "firming":
        m.cols("busbar-shortfall", 0.0, np.inf)
    if d.objective == "tracking":
        m.cols("busbar-deviation_up", 0.0, np.inf)
        m.cols("busbar-deviation_down", 0.0, np.inf)


def flow_vars(m: ModelBuilder, d: NetworkModelData, j: int) -> list[np.ndarray]:
    """The column indices (one array per chord) whose sum is the flow of column j."""
    un = unit_index(d)
    if j in un:
        return [np.arange(*_span(m.col_fam[flow_family(d, j, s)])) for s in range(d.S)]
    return [np.arange(*_span(m.col_fam[flow_family(d, j)]))]


def _span(fam: tuple[int, int]) -> tuple[int, int]:
    return fam[0], fam[0] + fam[1]


# ---- rows -------------------------------------------------------------------------------------------------
def define_balance(m: ModelBuilder, d: NetworkModelData) -> None:
    """The water balance of every reservoir and step, from the incidence matrix A (one block per nonzero of
    A and chord, all steps at once): V[r,t] − V[r,t−1] − c·Σ_j A[r,j]·q[j,t] = c·I[r,t] (V[r,−1] = v0[r]
    on the right-hand side)."""
    c = d.c
    rhs = c * d.inflow_m3s.copy()
    rhs[:, 0] += d.v0_hm3
    rows = [m.rows(balance_family(d, r), rhs[r], rhs[r]) for r in range(d.R)]
    for r in range(d.R):
        vol = _fam(m, volume_family(d, r))
        m.coef(rows[r], vol, 1.0)
        m.coef(rows[r][1:], vol[:-1], -1.0)
    for r, j in zip(*np.nonzero(d.incidence), strict=True):
        for var in flow_vars(m, d, int(j)):
            m.coef(rows[r], var, -c * d.incidence[r, j])


def define_sink_flow(m: ModelBuilder, d: NetworkModelData) -> None:
    """q_sink − Σ_{j into the sink} q[j] = 0 for each river sink with limits (its column carries them)."""
    for lim in d.flow_limits:
        if lim.kind != "sink":
            continue
        rows = m.rows(f"{lim.name}-flow", 0.0, 0.0)
        m.coef(rows, _fam(m, f"{lim.name}-flow"), 1.0)
        for j in lim.columns.tolist():
            for var in flow_vars(m, d, j):
                m.coef(rows, var, -1.0)


def _fam(m: ModelBuilder, name: str) -> np.ndarray:
    return np.arange(*_span(m.col_fam[name]))


def define_power(m: ModelBuilder, d: NetworkModelData) -> None:
    """Power at the busbar: line − Σ_n sign[n]·Σ_s slope[n,s]·x[n,s] − pv − wind = 0."""
    rows = m.rows("busbar-power", 0.0, 0.0)
    m.coef(rows, _fam(m, "busbar-line"), 1.0)
    for n, j in enumerate(d.unit_columns.tolist()):
        for s in range(d.S):
            m.coef(rows, _fam(m, flow_family(d, j, s)), -d.unit_sign[n] * d.seg_slope_mw_per_m3s[n, s])
    for name in ("busbar-pv", "busbar-wind"):
        if name in m.col_fam:
            m.coef(rows, _fam(m, name), -1.0)


def define_delivery(m: ModelBuilder, d: NetworkModelData) -> None:
    """Firming: line + shortfall ≥ delivery; tracking: line − dev_up + dev_down = delivery."""
    if d.objective == "firming":
        assert d.delivery_mw is not None
        rows = m.rows("busbar-firm", d.delivery_mw, np.inf)
        m.coef(rows, _fam(m, "busbar-line"), 1.0)
        m.coef(rows, _fam(m, "busbar-shortfall"), 1.0)
    if d.objective == "tracking":
        assert d.delivery_mw is not None
        rows = m.rows("busbar-track", d.delivery_mw, d.delivery_mw)
        m.coef(rows, _fam(m, "busbar-line"), 1.0)
        m.coef(rows, _fam(m, "busbar-deviation_up"), -1.0)
        m.coef(rows, _fam(m, "busbar-deviation_down"), 1.0)


def limit_column(
    d: NetworkModelData, m: ModelBuilder, name: str, kind: str, columns: np.ndarray
) -> np.ndarray:
    """The column of a release's flow or a sink's total discharge."""
    if kind == "sink":
        return _fam(m, f"{name}-flow")
    return _fam(m, flow_family(d, int(columns[0])))


def define_ramp(m: ModelBuilder, d: NetworkModelData, elastic: bool) -> None:
    """−ramp ≤ q[t] − q[t−1] ≤ ramp for each release or reach with a ramp limit, and from the flow of the
    step before the horizon (a rolling window's join) when it is given."""
    T = d.T
    for lim in d.flow_limits:
        r = lim.ramp_m3s_per_step
        if not np.isfinite(r):
            continue
        col = limit_column(d, m, lim.name, lim.kind, lim.columns)
        if T > 1:
            name = f"{lim.name}-ramp"
            rows = m.rows(name, -np.inf if elastic else -r, np.inf if elastic else r, n=T - 1)
            m.coef(rows, col[1:], 1.0)
            m.coef(rows, col[:-1], -1.0)
            if elastic:
                m.soft_pair(name, rows, -r, r)
        if lim.previous_m3s is not None:
            name = f"{lim.name}-join_ramp"
            lo, hi = lim.previous_m3s - r, lim.previous_m3s + r
            rows = m.rows(name, -np.inf if elastic else lo, np.inf if elastic else hi, n=1)
            m.coef(rows, col[:1], 1.0)
            if elastic:
                m.soft_pair(name, rows, lo, hi)


def define_level_change(m: ModelBuilder, d: NetworkModelData, elastic: bool) -> None:
    """−dv_max ≤ V[t] − V[t−1] ≤ dv_max for each reservoir with a level-change limit (V[−1] = v0)."""
    T = d.T
    for r in range(d.R):
        dv = d.dv_max_hm3[r]
        if not np.all(np.isfinite(dv)):
            continue
        vol = _fam(m, volume_family(d, r))
        shift = np.zeros(T)
        shift[0] = d.v0_hm3[r]
        lo, hi = -dv + shift, dv + shift
        name = f"{d.reservoir_names[r]}-level_change"
        rows = m.rows(name, -np.inf if elastic else lo, np.inf if elastic else hi)
        m.coef(rows, vol, 1.0)
        m.coef(rows[1:], vol[:-1], -1.0)
        if elastic:
            m.soft_pair(name, rows, lo, hi)


def _owner(periods: list[np.ndarray], T: int) -> np.ndarray:
    owner = np.empty(T, dtype=np.int64)
    for k, steps in enumerate(periods):
        owner[steps] = k
    return owner


def define_pump_generate_balance(m: ModelBuilder, d: NetworkModelData, elastic: bool) -> None:
    """Σ_{t∈P} (q_gen[t] − q_pump[t]) = 0 for each balance period P of each pump-turbine link."""
    for pt in d.pump_turbines:
        if not pt.balance_periods:
            continue
        n_p = len(pt.balance_periods)
        name = f"{pt.link}-pump_generate_balance"
        rows = m.rows(name, -np.inf if elastic else 0.0, np.inf if elastic else 0.0, n=n_p)
        own = rows[_owner(pt.balance_periods, d.T)]
        for var in flow_vars(m, d, pt.generate):
            m.coef(own, var, 1.0)
        for var in flow_vars(m, d, pt.pump):
            m.coef(own, var, -1.0)
        if elastic:
            m.soft_pair(name, rows, np.zeros(n_p), np.zeros(n_p))


def define_generation_cap(m: ModelBuilder, d: NetworkModelData, elastic: bool) -> None:
    """Σ_{t∈D} Σ_s slope·x·Δt ≤ cap for each day D of each pump-turbine link with a daily cap."""
    for pt in d.pump_turbines:
        if not pt.gen_cap_periods:
            continue
        n_p = len(pt.gen_cap_periods)
        name = f"{pt.link}-generation_cap"
        rows = m.rows(name, -np.inf, np.inf if elastic else pt.gen_cap_mwh, n=n_p)
        own = rows[_owner(pt.gen_cap_periods, d.T)]
        n = pt.generate_unit
        for s, var in enumerate(flow_vars(m, d, pt.generate)):
            m.coef(own, var, d.seg_slope_mw_per_m3s[n, s] * d.dt_h)
        if elastic:
            m.soft_pair(name, rows, np.full(n_p, -np.inf), np.full(n_p, pt.gen_cap_mwh))


def define_energy_target(m: ModelBuilder, d: NetworkModelData, elastic: bool) -> None:
    """lo ≤ Σ_t Σ_s slope[n,s,t]·x[n,s,t]·Δt ≤ hi: one row per unit link with an energy target over the
    horizon (lo = hi for ``generation_target="equal"``)."""
    for et in d.energy_targets:
        name = f"{et.link}-energy_target"
        lo, hi = np.array([et.lo_mwh]), np.array([et.hi_mwh])
        row = m.rows(name, -np.inf if elastic else lo, np.inf if elastic else hi, n=1)
        for s, var in enumerate(flow_vars(m, d, et.column)):
            m.coef(np.full(d.T, row[0]), var, d.seg_slope_mw_per_m3s[et.unit, s] * d.dt_h)
        if elastic:
            m.soft_pair(name, row, lo, hi)


def define_unit_commitment(m: ModelBuilder, d: NetworkModelData) -> None:
    """Integer units per unit column: p_min·u ≤ Σ slope·x ≤ p_max·u, Σx ≤ q_max·u; per pump-turbine link a
    binary mode y: u_gen ≤ n·y, u_pump + n·y ≤ n (no pumping and generating in the same step). A pump's band
    is the one tightened to its chords (``uc_min_mw``, ``uc_max_mw``: the chord overstates the convex input,
    so p_min·u alone would let the true input fall below the band; see ``_data.pump_band_on_chords``)."""
    units: dict[int, np.ndarray] = {}
    for g in d.unit_groups:
        u = m.cols(f"{g.name}-units", 0.0, g.n_units, integer=True)
        units[g.column] = u
        flows = flow_vars(m, d, g.column)
        r_min = m.rows(f"{g.name}-uc_min", 0.0, np.inf)
        r_max = m.rows(f"{g.name}-uc_max", -np.inf, 0.0)
        for s, var in enumerate(flows):
            m.coef(r_min, var, d.seg_slope_mw_per_m3s[g.unit, s])
            m.coef(r_max, var, d.seg_slope_mw_per_m3s[g.unit, s])
        m.coef(r_min, u, -g.uc_min_mw)
        m.coef(r_max, u, -g.uc_max_mw)
        if g.q_max_m3s is not None:
            r_q = m.rows(f"{g.name}-uc_flow", -np.inf, 0.0)
            for var in flows:
                m.coef(r_q, var, 1.0)
            m.coef(r_q, u, -g.q_max_m3s)
    for pt in d.pump_turbines:
        y = m.cols(f"{pt.link}-mode", 0.0, 1.0, integer=True)
        n = float(pt.n_units)
        r1 = m.rows(f"{pt.link}-uc_mode_gen", -np.inf, 0.0)
        m.coef(r1, units[pt.generate], 1.0)
        m.coef(r1, y, -n)
        r2 = m.rows(f"{pt.link}-uc_mode_pump", -np.inf, n)
        m.coef(r2, units[pt.pump], 1.0)
        m.coef(r2, y, n)


def define_soft_limits(m: ModelBuilder, d: NetworkModelData) -> None:
    """Elastic model only: the volume bounds, the release and reach minima and the end conditions as soft
    rows (their column bounds were left open)."""
    for r in range(d.R):
        vol = _fam(m, volume_family(d, r))
        m.soft_bounds(f"{d.reservoir_names[r]}-volume", vol, d.v_min_hm3[r], d.v_max_hm3[r])
    for j in range(d.J):
        if d.column_kind[j] == "release" and np.any(d.flow_min_m3s[j] > 0):
            m.soft_bounds(
                f"{d.columns[j].name}-min_flow", _fam(m, flow_family(d, j)), d.flow_min_m3s[j], np.inf
            )
    for lim in d.flow_limits:
        if lim.kind == "sink" and np.any(lim.min_m3s > 0):
            m.soft_bounds(f"{lim.name}-min_flow", _fam(m, f"{lim.name}-flow"), lim.min_m3s, np.inf)
    if d.end in ("at_least_start", "fixed"):
        for r in range(d.R):
            vol = _fam(m, volume_family(d, r))
            v_end = np.array([d.v_end_hm3[r]])
            m.soft_bounds(
                f"{d.reservoir_names[r]}-end",
                vol[-1:],
                v_end,
                v_end if d.end == "fixed" else np.array([np.inf]),
            )


def define_objective(m: ModelBuilder, d: NetworkModelData) -> None:
    """Costs: revenue on the line, spill costs, firming and tracking penalties, water values at the end."""
    dt = d.dt_h
    m.set_cost("busbar-line", -d.price_per_mwh * dt)
    for j in range(d.J):
        if d.flow_cost_per_m3s[j] != 0.0:
            m.set_cost(flow_family(d, j), d.flow_cost_per_m3s[j])
    if d.objective == "firming":
        m.set_cost("busbar-shortfall", d.shortfall_penalty * dt)
        for name in ("busbar-pv", "busbar-wind"):
            if name in m.col_fam:
                m.set_cost(name, -d.curtailment_penalty * dt)
    if d.objective == "tracking":
        m.set_cost("busbar-deviation_up", d.tracking_penalty * dt)
        m.set_cost("busbar-deviation_down", d.tracking_penalty * dt)
    if d.end == "water_value":
        for r in range(d.R):
            cost = np.zeros(d.T)
            cost[-1] = -d.water_value_per_hm3[r]
            m.set_cost(volume_family(d, r), cost)


def build_model(d: NetworkModelData, *, elastic: bool = False) -> LP:
    """The dispatch model of ``d`` as it is, row family by row family (no reformulation)."""
    m = ModelBuilder(d.T)
    define_flows(m, d, elastic)
    define_volumes(m, d, elastic)
    define_busbar(m, d)
    define_balance(m, d)
    define_sink_flow(m, d)
    define_power(m, d)
    define_delivery(m, d)
    define_ramp(m, d, elastic)
    define_level_change(m, d, elastic)
    define_pump_generate_balance(m, d, elastic)
    define_generation_cap(m, d, elastic)
    define_energy_target(m, d, elastic)
    if d.unit_commitment and not elastic:
        define_unit_commitment(m, d)
    if elastic:
        define_soft_limits(m, d)
    else:
        define_objective(m, d)
    return m.finish()
