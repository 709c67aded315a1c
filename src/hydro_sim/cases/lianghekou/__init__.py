"""The Lianghekou (两河口) case study: 4 × 300 MW reversible units between the Lianghekou and Yagen-I reservoirs,
beside 3,000 MW of conventional units, on the Yalong River (Sichuan).

- :mod:`~hydro_sim.cases.lianghekou.plant`: the plant (:func:`lianghekou`, two nodes) and the three-node network
  with Yagen-I's own units (:func:`lianghekou_network`), every figure with its source or ASSUMPTION label;
- :mod:`~hydro_sim.cases.lianghekou.reference_year`: the synthetic reference year (inflows, Sichuan TOU prices,
  PV and wind at the site);
- :mod:`~hydro_sim.cases.lianghekou.annual_check`: the annual check against the published figures;
- :mod:`~hydro_sim.cases.lianghekou.report`: its plain-text and Markdown reports.

The functions named as their modules (``annual_check``, ``reference_year``) are not re-exported here (the
module keeps its name in the package); ``hydro_sim.annual_check`` and ``hydro_sim.reference_year`` are they.

Examples
--------
>>> from hydro_sim.cases import lianghekou as case
>>> case.lianghekou().reversible.max_power_mw, case.PUBLISHED_PSH_GENERATION_YI_KWH
(1200.0, 13.97)
"""

from hydro_sim.cases.lianghekou.annual_check import AnnualCheck, design_basis_year
from hydro_sim.cases.lianghekou.plant import (
    PUBLISHED_CONVENTIONAL_GENERATION_YI_KWH,
    PUBLISHED_PSH_GENERATION_YI_KWH,
    PUBLISHED_YAGEN_I_GENERATION_YI_KWH,
    lianghekou,
    lianghekou_network,
)
from hydro_sim.cases.lianghekou.reference_year import sichuan_tou_price

__all__ = [
    "PUBLISHED_CONVENTIONAL_GENERATION_YI_KWH",
    "PUBLISHED_PSH_GENERATION_YI_KWH",
    "PUBLISHED_YAGEN_I_GENERATION_YI_KWH",
    "AnnualCheck",
    "design_basis_year",
    "lianghekou",
    "lianghekou_network",
    "sichuan_tou_price",
]
