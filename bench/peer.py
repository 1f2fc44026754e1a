"""The peer: sdmx1 reading the same observations as SDMX-CSV 2.0.

sdmx1's SDMX-CSV reader cannot work without the data structure (it needs to know which columns are
dimensions, measures and attributes), so it gets a DSD built with its own information model: the
15 dimensions and TIME_PERIOD of the SDG DSD, OBS_VALUE, and the two attributes the file carries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datagen import DIMENSIONS


def community_dsd() -> Any:
    """The shape of voicescount's community DSD as an sdmx1 ``DataStructureDefinition``."""
    from sdmx.model import common, v30

    dsd = v30.DataStructureDefinition(
        id="DSD_SDG_COMMUNITY", maintainer=common.Agency(id="VOICES"), version="1.0.0"
    )
    for dimension in DIMENSIONS:
        dsd.dimensions.getdefault(dimension)
    dsd.dimensions.getdefault("TIME_PERIOD", cls=common.TimeDimension)
    dsd.measures.getdefault("OBS_VALUE")
    for attribute in ("UNIT_MEASURE", "UNWEIGHTED_N"):
        dsd.attributes.getdefault(attribute)
    return dsd


def read(path: Path, dsd: Any) -> int:
    """Read the file with sdmx1; the number of observations it produced."""
    import sdmx

    message = sdmx.read_sdmx(path, structure=dsd)
    return sum(len(data_set.obs) for data_set in message.data)
