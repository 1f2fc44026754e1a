"""Timing of the data writers on 1,000,000 synthetic observations (not a test; run by hand).

    .venv/bin/python tests/sdmx/writers/bench_writers.py [--sdmx1]

100,000 series × 10 annual periods, 15-dimension SDG-like keys, 8 observation attributes of
which a sample size varies per observation; about 1 in 20 observations suppressed (no value).
The observations are built before the clock starts; each writer's chunks are counted and
dropped. ``--sdmx1`` also times sdmx1's ``to_xml`` (structure-specific) on 100,000 of them,
the baseline of the publishing goal (≥10× sdmx1 end to end).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime

from voicescount.sdmx.data import (
    DataSetInfo,
    DataStructure,
    Header,
    Observation,
    Ref,
    Series,
    WriteOptions,
)
from voicescount.sdmx.writers import WRITERS

DIMENSIONS = (
    "FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA", "SEX", "AGE", "URBANISATION",
    "INCOME_WEALTH_QUANTILE", "EDUCATION_LEV", "OCCUPATION", "CUST_BREAKDOWN",
    "COMPOSITE_BREAKDOWN", "DISABILITY_STATUS", "ACTIVITY", "PRODUCT",
)  # fmt: skip
OBS_ATTRIBUTES = (
    "OBS_STATUS", "UNIT_MULT", "CONF_STATUS", "UNWEIGHTED_N", "CITATION_REF", "NATURE",
    "TIME_DETAIL", "COMMENT_OBS",
)  # fmt: skip
STRUCTURE = DataStructure(
    ref=Ref("VOICES", "SDG", "1.0"),
    dimensions=DIMENSIONS,
    dataset_attributes=("DATA_SOURCE_NOTE",),
    series_attributes=("UNIT_MEASURE",),
    observation_attributes=OBS_ATTRIBUTES,
)


def synthetic(series_count: int = 100_000, periods: int = 10) -> list[Series]:
    rng = random.Random(42)
    areas = [f"KE-{i}" for i in range(1, 48)] + [f"UG-{i}" for i in range(100, 250)]
    indicators = [f"SP_IND_{i:03d}" for i in range(200)]
    ages = ["_T", "Y15T24", "Y25T34", "Y35T49", "Y_GE50"]
    result = []
    for n in range(series_count):
        key = (
            "A", "N", indicators[n % 200], areas[(n // 200) % len(areas)],
            ("F", "M", "_T")[n % 3], ages[n % 5], ("U", "R", "_T")[(n // 3) % 3], "_T", "_T",
            "_T", "_T", "_T", ("PD", "PWD", "_T")[(n // 7) % 3], "_T", "_T",
        )  # fmt: skip
        observations = [
            Observation(
                str(2010 + p),
                None if rng.random() < 0.05 else round(rng.uniform(0, 100), 1),
                {
                    "OBS_STATUS": "A",
                    "UNIT_MULT": "0",
                    "CONF_STATUS": "F",
                    "UNWEIGHTED_N": str(rng.randint(30, 5000)),
                    "CITATION_REF": "https://voices.example.org/releases/42?lang=en&v=2",
                    "NATURE": "C",
                    "TIME_DETAIL": str(2010 + p),
                    "COMMENT_OBS": "Community survey, Turkana & Marsabit" if p == 0 else "",
                },
            )
            for p in range(periods)
        ]
        result.append(Series(key, {"UNIT_MEASURE": "PT"}, observations))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--sdmx1", action="store_true")
    args = parser.parse_args()
    data = synthetic(args.series)
    count = sum(len(s.observations) for s in data)  # type: ignore[arg-type]
    header = Header("BENCH", datetime.now(UTC), "VOICES", flow=Ref("VOICES", "DF_SDG", "1.0"))
    info = DataSetInfo(provider=("VOICES", "COAL1"), attributes={"DATA_SOURCE_NOTE": "x"})
    for flavour, writer in WRITERS.items():
        start = time.perf_counter()
        size = sum(len(c) for c in writer(header, STRUCTURE, [(info, data)], WriteOptions()))
        seconds = time.perf_counter() - start
        print(f"{flavour.value:18} {count / seconds:>12,.0f} obs/s  {size / 1e6:8.1f} MB")
    if args.sdmx1:
        print(f"sdmx1 to_xml (structure-specific): {_sdmx1_rate(data[:10_000]):,.0f} obs/s")


def _sdmx1_rate(data: list[Series]) -> float:
    import sdmx
    from sdmx.message import DataMessage
    from sdmx.model import common, v21

    dsd = v21.DataStructureDefinition(id="SDG", maintainer=common.Agency(id="VOICES"))
    for d in DIMENSIONS:
        dsd.dimensions.getdefault(d)
    dsd.dimensions.getdefault("TIME_PERIOD", cls=v21.TimeDimension)
    measure = dsd.measures.getdefault("OBS_VALUE")
    for a in OBS_ATTRIBUTES:
        dsd.attributes.getdefault(a, related_to=v21.PrimaryMeasureRelationship())
    ds = v21.StructureSpecificTimeSeriesDataSet(structured_by=dsd)
    count = 0
    for s in data:
        sk = dsd.make_key(common.SeriesKey, dict(zip(DIMENSIONS, s.key, strict=True)))
        obs = []
        for o in s.observations:
            aa = {
                k: common.AttributeValue(value=v, value_for=dsd.attributes.get(k))
                for k, v in o.attributes.items()
                if v
            }
            key = dsd.make_key(common.Key, {"TIME_PERIOD": o.time})
            obs.append(
                v21.Observation(
                    dimension=key, value=o.value, value_for=measure, attached_attribute=aa
                )
            )
            count += 1
        ds.add_obs(obs, sk)
    msg = DataMessage(data=[ds])
    msg.header.sender = common.Agency(id="VOICES")
    start = time.perf_counter()
    sdmx.to_xml(msg)
    return count / (time.perf_counter() - start)


if __name__ == "__main__":
    main()
