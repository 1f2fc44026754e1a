"""Synthetic coalition data for the intake benchmark: a tidy CSV and the same rows as SDMX-CSV 2.0.

The codes are real (SDG series, ISO 3166-2 subdivisions, CL_SEX, CL_AGE, the LNOB target groups),
so the benchmark exercises the same lookups a real upload does. Every row's key is distinct: rows
are a permutation of the key space (``index * step mod size`` with ``step`` coprime to ``size``),
which also spreads each code over the whole file instead of grouping it at the start, so a run of
N/10 rows meets about as many distinct codes as one of N rows.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

#: The five pilot countries of the Leave No One Behind partnership.
PILOT_COUNTRIES = ("BD", "IN", "KE", "NP", "VN")

#: Series of the SDG codelist (CL_SERIES 1.14) a coalition measures as percentages of people.
SERIES = (
    "SP_DYN_MRBF18",
    "SP_DYN_MRBF15",
    "SI_POV_DAY1",
    "SI_POV_EMP1",
    "SI_POV_NAHC",
    "SI_COV_BENFTS",
    "SI_COV_DISAB",
    "SI_COV_PENSN",
    "SP_ACS_BSRVH2O",
    "SP_ACS_BSRVSAN",
    "SP_LGL_LNDSEC",
    "SN_ITK_DEFC",
    "SH_STA_STNT",
    "SH_STA_WAST",
    "SH_STA_ANEM",
    "SH_FPL_MTMM",
    "SH_STA_BRTC",
    "SE_TOT_CPLR",
    "SE_PRE_PARTN",
    "SE_ADT_ACTS",
    "SE_ADT_FUNS",
    "SE_TOT_PRFL",
    "SG_GEN_PARL",
    "IC_GEN_MGTL",
    "SH_H2O_SAFE",
    "SH_SAN_SAFE",
    "SH_SAN_HNDWSH",
    "EG_EGY_CLEAN",
    "SL_TLF_UEM",
    "SL_TLF_NEET",
    "SL_TLF_CHLDEA",
    "FB_BNK_ACCSS",
    "IT_MOB_OWN",
    "IT_USE_II99",
    "EN_LND_SLUM",
    "SP_TRN_PUBL",
    "VC_VOV_PHYL",
    "VC_VOV_SEXL",
    "VC_SNS_WALN",
    "SG_REG_BRTH",
)
SEXES = ("_T", "F", "M")
AGES = ("_T", "Y15T24", "Y25T64", "Y_GE65", "Y18T29", "Y15T49")
TARGET_GROUPS = (
    "_T",
    "LNOB_WOMEN_GIRLS",
    "LNOB_PWD",
    "LNOB_YOUTH",
    "LNOB_ELDERLY",
    "LNOB_SLUM",
    "LNOB_DALIT",
    "LNOB_URBAN_POOR",
)
#: The reference period the dataset's metadata states; every TIME_PERIOD lies inside it.
FIRST_YEAR, LAST_YEAR = 2019, 2023
YEARS = tuple(str(year) for year in range(FIRST_YEAR, LAST_YEAR + 1))

TIDY_HEADER = (
    "SERIES",
    "REF_AREA",
    "SEX",
    "AGE",
    "CUST_BREAKDOWN",
    "TIME_PERIOD",
    "OBS_VALUE",
    "UNIT_MEASURE",
    "UNWEIGHTED_N",
)
#: The 15 dimensions of the SDG DSD, in order (voicescount's community DSD keeps them).
DIMENSIONS = (
    "FREQ",
    "REPORTING_TYPE",
    "SERIES",
    "REF_AREA",
    "SEX",
    "AGE",
    "URBANISATION",
    "INCOME_WEALTH_QUANTILE",
    "EDUCATION_LEV",
    "OCCUPATION",
    "CUST_BREAKDOWN",
    "COMPOSITE_BREAKDOWN",
    "DISABILITY_STATUS",
    "ACTIVITY",
    "PRODUCT",
)
SDMX_HEADER = (
    "STRUCTURE",
    "STRUCTURE_ID",
    "ACTION",
    *DIMENSIONS,
    "TIME_PERIOD",
    "OBS_VALUE",
    "UNIT_MEASURE",
    "UNWEIGHTED_N",
)
STRUCTURE_ID = "VOICES:DSD_SDG_COMMUNITY(1.0.0)"


def _data_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("voicescount.registry.data").joinpath(name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def country_m49(country: str) -> str:
    """The REF_AREA code of a whole country (its M49 number)."""
    for row in _data_rows("countries.csv"):
        if row["alpha2"] == country:
            return row["m49"]
    raise ValueError(f"unknown country {country!r}")


def areas_of(country: str) -> tuple[str, ...]:
    """The country itself, then its ISO 3166-2 subdivisions known to the registry."""
    subdivisions = [
        row["code"] for row in _data_rows("subdivisions.csv") if row["country"] == country
    ]
    return (country_m49(country), *sorted(subdivisions))


@dataclass(frozen=True)
class KeySpace:
    """All combinations of codes the generator draws from, as a mixed-radix number."""

    axes: tuple[tuple[str, ...], ...]

    @classmethod
    def for_country(cls, country: str) -> KeySpace:
        return cls((SERIES, areas_of(country), SEXES, AGES, TARGET_GROUPS, YEARS))

    @property
    def size(self) -> int:
        return math.prod(len(axis) for axis in self.axes)

    def keys(self, count: int) -> Iterator[tuple[str, ...]]:
        """``count`` distinct keys (series, area, sex, age, group, year), spread over the space."""
        size = self.size
        if count > size:
            raise ValueError(
                f"{count:,} rows need more distinct keys than the {size:,} this country's codes give"
            )
        # A step near size/φ, coprime to size, visits every key once in an order that mixes all
        # axes (consecutive rows differ in several codes, as in files sorted by another column).
        step = int(size / 1.618_033_988_75) | 1
        while math.gcd(step, size) != 1:
            step += 2
        for index in range(count):
            position = index * step % size
            key = []
            for axis in reversed(self.axes):
                position, digit = divmod(position, len(axis))
                key.append(axis[digit])
            yield tuple(reversed(key))


@dataclass(frozen=True)
class Files:
    tidy_csv: Path
    sdmx_csv: Path
    rows: int


def write_files(directory: Path, rows: int, country: str, seed: int = 20_240_601) -> Files:
    """Write ``rows`` observations as a coalition's tidy CSV and as SDMX-CSV 2.0 (same rows)."""
    directory.mkdir(parents=True, exist_ok=True)
    tidy_path = directory / f"observations-{rows}.csv"
    sdmx_path = directory / f"observations-{rows}.sdmx.csv"
    rng = random.Random(seed)
    space = KeySpace.for_country(country)
    with (
        tidy_path.open("w", encoding="utf-8", newline="") as tidy_file,
        sdmx_path.open("w", encoding="utf-8", newline="") as sdmx_file,
    ):
        tidy = csv.writer(tidy_file, lineterminator="\n")
        sdmx = csv.writer(sdmx_file, lineterminator="\n")
        tidy.writerow(TIDY_HEADER)
        sdmx.writerow(SDMX_HEADER)
        for series, area, sex, age, group, year in space.keys(rows):
            # Percentages as coalitions report them: one or two decimals, sometimes whole.
            value = f"{round(rng.uniform(0, 100), rng.choice((0, 1, 1, 2))):g}"
            respondents = str(rng.randint(20, 1500))
            tidy.writerow((series, area, sex, age, group, year, value, "PT", respondents))
            sdmx.writerow(
                (
                    "datastructure",
                    STRUCTURE_ID,
                    "I",
                    "A",
                    "N",
                    series,
                    area,
                    sex,
                    age,
                    "_T",
                    "_T",
                    "_T",
                    "_T",
                    group,
                    "_T",
                    "_T",
                    "_T",
                    "_T",
                    year,
                    value,
                    "PT",
                    respondents,
                )
            )
    return Files(tidy_path, sdmx_path, rows)
