"""Derive voicescount's packaged SDMX structures from public upstream artefacts.

Run by developers when the upstream material changes; the output is committed, so neither the
service nor its tests need the upstream files:

    .venv/bin/python scripts/derive_sdg_structures.py --shared ../shared/data

Writes into ``src/voicescount/registry/data/``:

* ``sdg-global-structures.xml`` — the global SDG DSD ``IAEG-SDGs:SDG(1.14)`` with its concept
  scheme, agency scheme and all 20 codelists, read with sdmx1 and written back through
  voicescount's own record conversion (which proves that conversion on the real DSD). The phantom
  codelists sdmx1 creates from ``Parent`` references in CL_AREA are dropped.
* ``countries.csv`` — ISO 3166-1 alpha-2 and alpha-3 codes with their M49 number (unpadded, as
  in CL_AREA), from pycountry.
* ``subdivisions.csv`` — ISO 3166-2 subdivisions of the five pilot countries (Bangladesh, India,
  Kenya, Nepal, Viet Nam) from pycountry, with their parent subdivision or M49 country code.

The output is deterministic: the same inputs give byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pycountry
import sdmx
from sdmx.message import Header, StructureMessage
from sdmx.model import common

from voicescount.sdmx.structures import build_artefacts, records_from_message

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "voicescount" / "registry" / "data"

#: ISO 3166-1 alpha-2 → UN M49 (unpadded, as in CL_AREA) for the pilot countries.
PILOT_COUNTRIES = {"BD": "50", "IN": "356", "KE": "404", "NP": "524", "VN": "704"}


def derive_global_structures(shared: Path) -> bytes:
    source = shared / "sdg-dsd" / "SDG_DSD_1.14.xml"
    message = sdmx.read_sdmx(source)
    records = records_from_message(message)
    built = build_artefacts(records)
    out = StructureMessage(
        header=Header(
            id="VOICESCOUNT_SDG_GLOBAL_1_14",
            prepared=datetime(2023, 8, 20, 4, 35, 29, tzinfo=UTC),
            sender=common.Agency(id="VOICES"),
            source={"en": "Derived from IAEG-SDGs:SDG(1.14), registry export IREF061269"},
        )
    )
    for (_kind, _ref), obj in sorted(built.by_ref.items()):
        if not obj.is_external_reference:
            out.add(obj)
    return sdmx.to_xml(out, pretty_print=True)


def derive_subdivisions() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "country", "m49", "type", "parent", "name"])
    for alpha2, m49 in PILOT_COUNTRIES.items():
        subdivisions = sorted(pycountry.subdivisions.get(country_code=alpha2), key=lambda s: s.code)
        for sub in subdivisions:
            writer.writerow([sub.code, alpha2, m49, sub.type, sub.parent_code or m49, sub.name])
    return buffer.getvalue()


def derive_countries() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["alpha2", "alpha3", "m49", "name"])
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        writer.writerow([country.alpha_2, country.alpha_3, str(int(country.numeric)), country.name])
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "sdg-global-structures.xml").write_bytes(derive_global_structures(args.shared))
    (OUT / "subdivisions.csv").write_text(derive_subdivisions(), encoding="utf-8")
    (OUT / "countries.csv").write_text(derive_countries(), encoding="utf-8")
    print(f"wrote {OUT / 'sdg-global-structures.xml'} and {OUT / 'subdivisions.csv'}")
    print(f"pycountry {pycountry.__version__ if hasattr(pycountry, '__version__') else '?'}")


if __name__ == "__main__":
    main()
