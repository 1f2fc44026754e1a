"""Streaming SDMX data writers, one module per format family, chosen by media type.

Each writer is a :data:`~voicescount.sdmx.data.DataWriter`: ``(header, structure, datasets,
options) -> Iterator[bytes]``, lazy (nothing happens before the first chunk is asked for) and
holding one series at a time. :data:`WRITERS` maps each :class:`~voicescount.sdmx.formats.Flavour`
of data to its writer, like sdmx1's ``sdmx.writer`` registry; :func:`get_data_writer` picks one
for a negotiated :class:`~voicescount.sdmx.formats.MediaType`.
"""

from __future__ import annotations

from voicescount.sdmx.data import DataWriter
from voicescount.sdmx.formats import Flavour, MediaType
from voicescount.sdmx.writers.sdmx_csv import write_csv10, write_csv20
from voicescount.sdmx.writers.sdmx_json import write_json10, write_json20
from voicescount.sdmx.writers.xml21 import write_generic, write_structure_specific
from voicescount.sdmx.writers.xml30 import write_ml30

WRITERS: dict[Flavour, DataWriter] = {
    Flavour.GENERIC: write_generic,
    Flavour.STRUCTURE_SPECIFIC: write_structure_specific,
    Flavour.ML30: write_ml30,
    Flavour.JSON10: write_json10,
    Flavour.JSON20: write_json20,
    Flavour.CSV10: write_csv10,
    Flavour.CSV20: write_csv20,
}


def get_data_writer(media_type: MediaType | Flavour) -> DataWriter:
    """The writer for a data representation; ``KeyError`` for a structure flavour (structures
    have their own writers)."""
    flavour = media_type.flavour if isinstance(media_type, MediaType) else Flavour(media_type)
    try:
        return WRITERS[flavour]
    except KeyError:
        raise KeyError(f"no data writer for {flavour.value!r}") from None


__all__ = [
    "WRITERS",
    "get_data_writer",
    "write_csv10",
    "write_csv20",
    "write_generic",
    "write_json10",
    "write_json20",
    "write_ml30",
    "write_structure_specific",
]
