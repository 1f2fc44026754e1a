"""Derive the small official-data fixture of tests/interop from Kenya's national SDG data.

Reads ``../shared/data/official/kenya/KE1.xml`` (SDMX-ML 2.1 structure-specific data for the
national DSD ``KE1:SDG(1.0)``, from GitHub ``SDG-Kenya/Data`` ``data/KE1.xml`` at commit
7fc54682aada46cd19763c6078ca0b8dae6125d6) and writes ``tests/interop/data/ke1-official-subset.xml``:
the same message with only the series chosen below, every element and value copied unchanged,
and a comment naming the source. The tests read the fixture, never ``../shared``.

Usage: ``python scripts/derive_kenya_fixture.py [SOURCE] [TARGET]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "official" / "kenya" / "KE1.xml"
TARGET = ROOT / "tests" / "interop" / "data" / "ke1-official-subset.xml"
ORIGIN = "GitHub SDG-Kenya/Data, data/KE1.xml, commit 7fc54682aada46cd19763c6078ca0b8dae6125d6"

#: (SERIES, REF_AREA) of the series kept: the slum share (11.1.1) for Kenya, public-transport
#: access (11.2.1) for Nairobi, deaths and missing persons in disasters (1.5.1) for Kenya.
KEEP = {("EN_LND_SLUM", "KE"), ("SP_TRN_PUBL", "KE_NBO"), ("VC_DSR_MTMP", "KE")}


def derive(source: Path = SOURCE, target: Path = TARGET) -> int:
    """Write the subset; returns the number of observations kept."""
    tree = etree.parse(str(source), etree.XMLParser(remove_blank_text=False))
    root = tree.getroot()
    (dataset,) = root.findall("{*}DataSet")
    kept = 0
    for series in dataset.findall("Series"):
        if (series.get("SERIES"), series.get("REF_AREA")) in KEEP:
            kept += len(series.findall("Obs"))
        else:
            previous = series.getprevious()
            if previous is not None:
                previous.tail = series.tail
            else:
                dataset.text = series.tail
            dataset.remove(series)
    found = {(s.get("SERIES"), s.get("REF_AREA")) for s in dataset.findall("Series")}
    if found != KEEP:
        raise SystemExit(f"{source} lacks the series {sorted(KEEP - found)}")
    comment = etree.Comment(
        f" Derived by scripts/derive_kenya_fixture.py from {ORIGIN} (Kenya's national SDG data, "
        f"MIT licence): only the series {', '.join(sorted(f'{s} {a}' for s, a in KEEP))}; "
        "every element, attribute and value otherwise unchanged. "
    )
    before = [*reversed(list(root.itersiblings(preceding=True))), comment]
    parts = [b"<?xml version='1.0' encoding='UTF-8'?>"]
    parts += [etree.tostring(node, encoding="UTF-8").strip() for node in before]
    parts.append(etree.tostring(root, encoding="UTF-8"))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"\n".join(parts) + b"\n")
    return kept


if __name__ == "__main__":
    arguments = [Path(a) for a in sys.argv[1:3]]
    count = derive(*arguments)
    print(f"{(arguments[1] if len(arguments) > 1 else TARGET)}: {count} observations")
