"""Package data of the demo: one directory per pilot (read with ``importlib.resources``).

Each directory holds ``dataset.yaml`` (title, demo coalition, demo statistics office),
``methodology.yaml`` (the methodology metadata) and, where the pilot has them,
``series.yaml`` (community series), ``observations.csv`` and ``findings.yaml``.
"""
