"""Derive the demo's official SDG data from public extracts: what the demo datasets compare with.

Reads ``../shared/data/official/`` (see its README) and writes, under
``src/voicescount/demo/data/official/``, only the series of the SDG indicators the demo datasets
measure or relate to, and only for the demo's countries:

* ``kenya-national-sdg.xml``: Kenya's national SDG data (SDMX-ML 2.1 structure-specific,
  ``KE1:SDG(1.0)``, from GitHub ``SDG-Kenya/Data`` ``data/KE1.xml`` at commit
  7fc54682aada46cd19763c6078ca0b8dae6125d6, MIT licence), the kept series' elements copied
  unchanged, with a comment naming the source. Areas below the country (the national codes
  ``KE_NBO``…, unknown to voicescount) are left out: they could never be compared.
* ``un-sdg-database-extract.csv``: the UN Global SDG Database extract of open-numbers
  (``ddf--unstats--sdg_indicators``, commit 1bfae15828a86ad30e86872411534f5c8136d784, built
  from the UN SDG API in October 2020, CC-BY-4.0), rewritten from DDF CSV into SDMX-CSV 1.0
  with the SDG codes the DDF files lower-cased or renamed (``female`` → ``F``, ``20_24`` →
  ``Y20T24``, ``c`` → ``C``, ``per_marw_20t24y`` → ``PT``…); values unchanged.

``demo/data/official/sources.yaml`` says what each file is called when loaded and which demo
statistics office loads it; the demo and the tests read only these files, never ``../shared``.

Usage: ``python scripts/derive_demo_official.py [SOURCE_DIR] [TARGET_DIR]``.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from voicescount.comparison.reference import Areas
from voicescount.demo import loader
from voicescount.registry import sdg
from voicescount.storage.tables.intake import DIMENSIONS

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "official"
TARGET = ROOT / "src" / "voicescount" / "demo" / "data" / "official"

KENYA_ORIGIN = (
    "GitHub SDG-Kenya/Data, data/KE1.xml, commit 7fc54682aada46cd19763c6078ca0b8dae6125d6 "
    "(Kenya's national SDG data, MIT licence)"
)
#: The dataflow the SDMX-CSV names: the extract is voicescount's reshaping of UN data, so it is
#: voicescount's own identifier, not one of the UN's (the agency answerable is given on loading).
UN_DATAFLOW = "VOICES:DF_UN_SDG_EXTRACT_2020(1.0)"
ATTRIBUTES = ("UNIT_MEASURE", "NATURE")

#: DDF column → SDMX dimension or attribute, and DDF code → SDMX code (the SDG DSD's codelists).
DDF_CODES: dict[str, tuple[str, dict[str, str]]] = {
    "sex": ("SEX", {"female": "F", "male": "M", "bothsex": "_T"}),
    "age": ("AGE", {"20_24": "Y20T24", "allage": "_T"}),
    "location": ("URBANISATION", {"allarea": "_T", "urban": "U", "rural": "R"}),
    "nature": ("NATURE", {code: code.upper() for code in ("c", "ca", "e", "g", "m", "n")}),
    "units": ("UNIT_MEASURE", {"percent": "PT", "per_marw_20t24y": "PT"}),
}


# ------------------------------------------------------------------------------------------
# What the demo needs


def demo_scope() -> tuple[set[str], set[str]]:
    """(SDG series, M49 countries) of the demo datasets: every series of each indicator the
    demo's metadata, community series or observations relate to, and the demo's countries."""
    framework = sdg.read_framework()
    by_indicator: dict[str, set[str]] = {}
    for series in framework["series"]:
        for indicator in series["indicators"]:
            by_indicator.setdefault(indicator, set()).add(series["code"])
    indicators: set[str] = set()
    global_series: set[str] = set()
    countries: set[str] = set()
    for pilot in [*loader.read_pilots(), *loader.read_companions()]:
        indicators.update(str(m["indicator"]) for m in pilot.metadata.get("sdg_mappings") or [])
        for series in pilot.series:
            indicators.update(str(i) for i in series.get("sdg_indicators") or [])
        if pilot.observations:
            rows = csv.DictReader(io.StringIO(pilot.observations.decode("utf-8")))
            global_series.update(r.get("SERIES") or r.get("Indicator") or "" for r in rows)
        countries.add(pilot.metadata["geography"]["country"])
    wanted = {s for i in indicators for s in by_indicator.get(i, ())}
    wanted |= global_series & {x["code"] for x in framework["series"]}
    areas = Areas(frozenset(), {}, {})
    return wanted, {areas.normalise(country) for country in countries}


# ------------------------------------------------------------------------------------------
# Kenya's national SDG data: the kept series of the SDMX-ML message, unchanged


def derive_kenya(source: Path, target: Path, series: set[str], countries: set[str]) -> int:
    """Write the subset of ``source``; the number of observations kept."""
    tree = etree.parse(str(source), etree.XMLParser(remove_blank_text=False))
    root = tree.getroot()
    (dataset,) = root.findall("{*}DataSet")
    areas = Areas(frozenset(), {}, {})
    kept: list[str] = []
    observations = 0
    for element in dataset.findall("Series"):
        code, area = element.get("SERIES"), element.get("REF_AREA") or ""
        if code in series and areas.normalise(area) in countries:
            kept.append(f"{code} {area}")
            observations += len(element.findall("Obs"))
            continue
        previous = element.getprevious()
        if previous is not None:
            previous.tail = element.tail
        else:
            dataset.text = element.tail
        dataset.remove(element)
    if not kept:
        raise SystemExit(f"{source} holds none of the series {sorted(series)}")
    comment = etree.Comment(
        f" Derived by scripts/derive_demo_official.py from {KENYA_ORIGIN}: only the series "
        f"{', '.join(sorted(kept))} (the SDG indicators of voicescount's demo datasets, for "
        "Kenya as a whole); every element, attribute and value otherwise unchanged. "
    )
    before = [*reversed(list(root.itersiblings(preceding=True))), comment]
    parts = [b"<?xml version='1.0' encoding='UTF-8'?>"]
    parts += [etree.tostring(node, encoding="UTF-8").strip() for node in before]
    parts.append(etree.tostring(root, encoding="UTF-8"))
    target.write_bytes(b"\n".join(parts) + b"\n")
    return observations


# ------------------------------------------------------------------------------------------
# The UN Global SDG Database extract: DDF CSV rewritten as SDMX-CSV 1.0


def _ddf_series(path: Path) -> str:
    """``ddf--datapoints--sp_dyn_mrbf18--by--…csv`` → ``SP_DYN_MRBF18``."""
    return path.name.split("--")[2].upper()


def _sdmx_row(ddf: dict[str, str], series: str, value_column: str) -> dict[str, str]:
    row = {d: "_T" for d in DIMENSIONS} | {"FREQ": "A", "REPORTING_TYPE": "G"}
    row |= {"SERIES": series, "REF_AREA": ddf["geo_area"], "TIME_PERIOD": ddf["year"]}
    row["OBS_VALUE"] = ddf[value_column]
    for column, value in ddf.items():
        if column in ("geo_area", "year", value_column):
            continue
        if column not in DDF_CODES:
            raise SystemExit(f"DDF column {column!r} has no SDMX counterpart here: add it")
        concept, codes = DDF_CODES[column]
        if value not in codes:
            raise SystemExit(f"DDF code {value!r} of {column!r} has no SDMX code here: add it")
        row[concept] = codes[value]
    return row


def un_rows(source: Path, series: set[str], countries: set[str]) -> Iterable[dict[str, str]]:
    for path in sorted(source.glob("ddf--datapoints--*.csv")):
        code = _ddf_series(path)
        if code not in series:
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for ddf in csv.DictReader(handle):
                if ddf["geo_area"] in countries:
                    yield _sdmx_row(ddf, code, code.lower())


def derive_un(source: Path, target: Path, series: set[str], countries: set[str]) -> int:
    """Write the SDMX-CSV 1.0 extract; the number of observations written."""
    columns = ["DATAFLOW", *DIMENSIONS, "TIME_PERIOD", "OBS_VALUE", *ATTRIBUTES]
    rows = sorted(
        un_rows(source, series, countries),
        key=lambda r: (r["SERIES"], int(r["REF_AREA"]), r["TIME_PERIOD"]),
    )
    if not rows:
        raise SystemExit(f"{source} holds none of the series {sorted(series)}")
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "DATAFLOW": UN_DATAFLOW})
    return len(rows)


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else SOURCE
    target = Path(argv[1]) if len(argv) > 1 else TARGET
    series, countries = demo_scope()
    target.mkdir(parents=True, exist_ok=True)
    kenya = derive_kenya(
        source / "kenya" / "KE1.xml", target / "kenya-national-sdg.xml", series, countries
    )
    un = derive_un(
        source / "un-sdg-database-2020", target / "un-sdg-database-extract.csv", series, countries
    )
    print(f"series {', '.join(sorted(series))}; countries {', '.join(sorted(countries))}")
    print(f"kenya-national-sdg.xml: {kenya} observations; un-sdg-database-extract.csv: {un}")


if __name__ == "__main__":
    main(sys.argv[1:])
