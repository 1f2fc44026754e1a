"""The mapping profile: how a coalition's columns and labels translate into SDMX.

A profile is plain data, written by a data officer (YAML or JSON) or saved on the server::

    columns:              # the file's column → SDMX component
      County: REF_AREA
      Gender: SEX
      Year: TIME_PERIOD
      Value: OBS_VALUE
      Respondents: UNWEIGHTED_N
    values:               # per component: the coalition's label → the code
      SEX: {Women: F, Men: M}
      REF_AREA: {Mombasa County: KE-28}
      SERIES: {Child marriage rate: SP_DYN_MRBF18}
    defaults:             # used where a column is absent or a cell empty
      UNIT_MEASURE: PT
    ignore_columns: [Enumerator]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from voicescount.errors import InvalidInput


class MappingProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str] = Field(
        default_factory=dict,
        description="File column name → SDMX component id (SERIES, REF_AREA, SEX, TIME_PERIOD, "
        "OBS_VALUE, UNWEIGHTED_N…). Columns named like a component need no entry.",
    )
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Component id → {label used in the file: SDMX code}.",
    )
    defaults: dict[str, str] = Field(
        default_factory=dict,
        description="Component id → value used where the column is absent or the cell empty "
        "(built-in: FREQ=A, REPORTING_TYPE=N, breakdowns=_T, UNIT_MULT=0, OBS_STATUS=A).",
    )
    ignore_columns: list[str] = Field(
        default_factory=list, description="Columns to leave out without a warning."
    )

    def merged_with(self, other: MappingProfile) -> MappingProfile:
        """``other`` layered over this profile (an inline mapping over a saved one)."""
        values = {k: dict(v) for k, v in self.values.items()}
        for component, labels in other.values.items():
            values.setdefault(component, {}).update(labels)
        return MappingProfile(
            columns={**self.columns, **other.columns},
            values=values,
            defaults={**self.defaults, **other.defaults},
            ignore_columns=sorted(set(self.ignore_columns) | set(other.ignore_columns)),
        )


def parse_profile(data: Any) -> MappingProfile:
    """A profile from a mapping (already parsed) or from YAML/JSON text; itemised errors."""
    if isinstance(data, (str, bytes)):
        try:
            data = yaml.safe_load(data) or {}
        except yaml.YAMLError as exc:
            raise InvalidInput(f"The mapping profile is not valid YAML or JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput("The mapping profile must be a mapping with columns, values, defaults.")
    try:
        return MappingProfile.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            "The mapping profile is not valid.",
            errors=[
                {
                    "field": "mapping." + ".".join(str(p) for p in err["loc"]),
                    "message": err["msg"],
                }
                for err in exc.errors()
            ],
        ) from exc


def load_profile_file(path: Path) -> MappingProfile:
    return parse_profile(path.read_text(encoding="utf-8"))
