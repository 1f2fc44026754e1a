"""Structure messages from structure records: SDMX-ML 2.1, SDMX-ML 3.0 and SDMX-JSON 2.0.

A message is a list of :class:`StructureEntry` (one artefact each, written in full, as a stub or
as a partial item scheme) and a :class:`~voicescount.sdmx.data.Header`. :func:`write_structures`
picks the writer for a negotiated :class:`~voicescount.sdmx.formats.MediaType`:

- :func:`~.ml21.write_ml21` goes through sdmx1 (``build_artefacts`` and its SDMX-ML 2.1 writer)
  and repairs what sdmx1 writes that the 2.1 XSD refuses; provision agreements and content
  constraints, which sdmx1 cannot write (or writes wrongly), are written here;
- :func:`~.ml30.write_ml30` and :func:`~.json20.write_json20` write the records directly.

Every writer returns the whole message as bytes: structure messages are built in memory (sdmx1
builds a tree anyway), unlike data messages, which stream.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from voicescount.sdmx.data import Header
from voicescount.sdmx.formats import Flavour, MediaType
from voicescount.sdmx.structures import ArtefactRecord

#: ``stub``: identification and name only (SDMX-REST ``allstubs``/``referencestubs``);
#: ``completestub``: also description and annotations (``allcompletestubs``/``referencecompletestubs``).
StubKind = Literal["stub", "completestub"]


@dataclass(frozen=True)
class StructureEntry:
    """One artefact of a structure message and how much of it to write."""

    record: ArtefactRecord
    stub: StubKind | None = None
    #: Only these items of an item scheme, written with ``isPartial="true"`` (SDMX-REST
    #: ``detail=referencepartial`` and itemID queries); ancestors of nested items are kept.
    #: Nested categories may be given by path (``G5.T5_3``) or by id.
    partial_items: frozenset[str] | None = None
    #: Where the full artefact can be fetched, written as ``structureURL`` on stubs.
    structure_url: str | None = None


StructureWriter = Callable[[Sequence[StructureEntry], Header], bytes]


def writer_for(media_type: MediaType) -> StructureWriter:
    """The writer of a negotiated structure representation (``formats.STRUCTURE_*``)."""
    # Imported here so that importing the entry type does not load sdmx1's writer.
    from voicescount.sdmx.structure_writers.json20 import write_json20
    from voicescount.sdmx.structure_writers.ml21 import write_ml21
    from voicescount.sdmx.structure_writers.ml30 import write_ml30

    writers: dict[Flavour, StructureWriter] = {
        Flavour.STRUCTURE_ML21: write_ml21,
        Flavour.STRUCTURE_ML30: write_ml30,
        Flavour.STRUCTURE_JSON20: write_json20,
    }
    try:
        return writers[media_type.flavour]
    except KeyError:
        raise ValueError(f"{media_type.content_type} is not a structure representation") from None


def write_structures(
    entries: Sequence[StructureEntry],
    header: Header,
    media_type: MediaType,
    *,
    language: str = "en",
) -> bytes:
    """The message in ``media_type``; ``language`` picks SDMX-JSON's best-match texts (SDMX-ML
    carries every language anyway)."""
    if media_type.flavour is Flavour.STRUCTURE_JSON20:
        from voicescount.sdmx.structure_writers.json20 import write_json20

        return write_json20(entries, header, language=language)
    return writer_for(media_type)(entries, header)


__all__ = ["StructureEntry", "StructureWriter", "StubKind", "write_structures", "writer_for"]
