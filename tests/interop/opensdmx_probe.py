"""Run by test_opensdmx.py in the opensdmx virtualenv (Python 3.12+): what opensdmx finds on a
voicescount server, as JSON on stdout. Usage: ``python opensdmx_probe.py BASE_URL``.

Not collected by pytest (no ``test_`` prefix) and not importable in the main virtualenv.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import opensdmx


def rows(frame: Any, columns: list[str]) -> list[dict[str, Any]]:
    return [
        {c: (str(v) if c == "TIME_PERIOD" else v) for c, v in row.items()}
        for row in frame.select(columns).to_dicts()
    ]


def main(base_url: str) -> dict[str, Any]:
    # As docs/nso.md registers it (rate_limit 0: no pause between calls, for the test's speed).
    opensdmx.set_provider(f"{base_url}/sdmx/v1", agency_id="VOICES", rate_limit=0)
    flows = opensdmx.all_available()
    dataset = opensdmx.load_dataset("DF_SDG_COMMUNITY")
    dimensions = opensdmx.dimensions_info(dataset)
    sex = opensdmx.get_dimension_values(dataset, "SEX")
    series = opensdmx.get_dimension_values(dataset, "SERIES")
    areas = opensdmx.get_dimension_values(dataset, "REF_AREA")
    available = opensdmx.get_available_values(dataset)
    columns = ["SERIES", "REF_AREA", "SEX", "TIME_PERIOD", "OBS_VALUE", "UNWEIGHTED_N"]
    viet_nam = opensdmx.get_data(
        opensdmx.set_filters(dataset, SERIES="LNOB_VN_SDG_PLANNING"),
        start_period="2023",
        end_period="2023",
    )
    india = opensdmx.get_data(
        opensdmx.set_filters(
            opensdmx.reset_filters(dataset),
            SERIES=["LNOB_IN_KUTCHA_HH", "LNOB_IN_WORK_DAYS"],
            REF_AREA="356",
        )
    )
    return {
        "flows": {row["df_id"]: row["version"] for row in flows.to_dicts()},
        "structure": dataset["df_structure_id"],
        "dimensions": dimensions["dimension_id"].to_list(),
        "sex": sex["id"].to_list(),
        "series": series["id"].to_list(),
        "areas": areas["id"].to_list(),
        "available": {dim: sorted(frame["id"].to_list()) for dim, frame in available.items()},
        "viet_nam": rows(viet_nam, columns),
        "india": rows(india, columns),
        "value_type": str(viet_nam.schema["OBS_VALUE"]),
    }


if __name__ == "__main__":
    json.dump(main(sys.argv[1]), sys.stdout)
