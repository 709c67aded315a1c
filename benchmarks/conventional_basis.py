"""The conventional units' regulated-reservoir basis: the mean year and a multi-year series, in full.

Lianghekou's two-node plant with the reversible units off and Yagen-I's pool held at 2,601.5 m, run on the
compensation rule curve (2,865 m at the end of October, 2,785 m at the end of May, equal releases between;
cyclic) with one energy LP per dekad (旬), replayed through the simulator
(:mod:`hydro_sim.cases.lianghekou.conventional_basis`). Prints the Markdown section (energy against
110.62亿 kWh = 11.062 TWh, heads, spill, efficiency, the output-coefficient sensitivity, the spread of the
years, the mean-year sensitivity) and the run times. About 1.5–2 minutes for 30 years on a loaded 2-core
machine.

Run: ``python benchmarks/conventional_basis.py [n_years]`` (30 by default).
"""

from __future__ import annotations

import sys
import time

from hydro_sim.cases.lianghekou.conventional_basis import conventional_basis, render_markdown


def main(argv: list[str]) -> None:
    n_years = int(argv[0]) if argv else 30
    t0 = time.perf_counter()
    basis = conventional_basis(n_years=n_years, progress=lambda text: print(f"  {text}", file=sys.stderr))
    total = time.perf_counter() - t0
    print(render_markdown(basis))
    m, y = basis.mean_year, basis.multi_year
    print(f"mean year: {m.time_s:.1f} s ({m.lp_solves} LP solves)")
    if y is not None:
        print(f"{y.n_years}-year series: {y.time_s:.1f} s ({y.lp_solves} LP solves)")
    print(f"total (with the sensitivity runs): {total:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
