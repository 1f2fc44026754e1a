"""Package data of the demo: one directory per pilot (read with ``importlib.resources``).

Each directory holds ``dataset.yaml`` (title, demo coalition, demo statistics office),
``methodology.yaml`` (the methodology metadata) and, where the pilot has them,
``series.yaml`` (community series), ``observations.csv`` and ``findings.yaml``.
``kenya-settlements/`` has the same files but is no pilot's: a wholly illustrative dataset
that shares series, area and period with the official data, so that the demo can compare.

``official/`` holds official SDG data (``sources.yaml`` lists the files, what each is called
and which demo statistics office loads it), derived from public extracts by
``scripts/derive_demo_official.py`` and loaded as reference sources.
"""
