"""Case studies built on the core: real plants with their sourced figures, reference data and checks.

The core (``plant``, ``network``, ``scenario``, ``optimise``, ``simulation``, ``plots``, ``html_report``) knows no
case; a case names its plant, its reference series and its checks against published figures.

- :mod:`hydro_sim.cases.lianghekou`: the Lianghekou (两河口) hybrid pumped-storage plant on the Yalong River.
"""
