"""Large upload files written quickly, for the streaming test (and for measuring speed)."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import Workbook

COUNTIES = [f"KE-{n:03d}" for n in range(1, 48)]
HEADER = ["Indicator", "County", "Gender", "Year", "Value", "Respondents"]
MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
GEN = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"


def _record(i: int) -> list[str]:
    return [
        "5.3.1",
        COUNTIES[i % 47],
        "Female" if i % 2 else "Male",
        str(2000 + i % 24),
        f"{i / 7:.4f}",
        str(i % 500),
    ]


def write_csv(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(HEADER) + "\n")
        f.writelines(",".join(_record(i)) + "\n" for i in range(rows))
    return path


def write_sdmx_csv(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(
            "STRUCTURE,STRUCTURE_ID,ACTION,SERIES,REF_AREA,SEX,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n"
        )
        for i in range(rows):
            _, county, sex, year, value, _ = _record(i)
            f.write(
                f"dataflow,KE_COAL:DF_COMMUNITY(1.0),I,SH_STA_BRTC,{county},{sex[0]},{year},{value},A\n"
            )
    return path


def write_jsonl(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        f.writelines(
            json.dumps(dict(zip(HEADER, _record(i), strict=True))) + "\n" for i in range(rows)
        )
    return path


def write_json_array(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        f.write("[\n")
        for i in range(rows):
            record = dict(zip(HEADER, _record(i), strict=True))
            f.write(("," if i else "") + json.dumps(record) + "\n")
        f.write("]\n")
    return path


def write_xlsx(path: Path, rows: int) -> Path:
    # Not write_only: that mode stores no <dimension> before the cells, which makes openpyxl
    # scan the whole sheet when opening it; Excel and LibreOffice store one.
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(HEADER)
    for i in range(rows):
        indicator, county, gender, year, value, respondents = _record(i)
        sheet.append([indicator, county, gender, int(year), float(value), int(respondents)])
    workbook.save(path)
    return path


def write_sdmx_ml(path: Path, rows: int, *, generic: bool = True, per_series: int = 20) -> Path:
    """A GenericData (or StructureSpecificData) message of ``rows`` observations."""
    root = "GenericData" if generic else "StructureSpecificData"
    with path.open("w", encoding="utf-8") as f:
        f.write(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<mes:{root} xmlns:mes="{MES}" '
            f'xmlns:gen="{GEN}" xmlns:com="{COM}">\n'
            "<mes:Header><mes:ID>BIG</mes:ID><mes:Test>false</mes:Test>"
            '<mes:Prepared>2024-01-01T00:00:00</mes:Prepared><mes:Sender id="KE_COAL"/>'
            '<mes:Structure structureID="S" dimensionAtObservation="TIME_PERIOD"><com:Structure>'
            '<Ref agencyID="KE_COAL" id="DSD_COMMUNITY" version="1.0"/></com:Structure>'
            '</mes:Structure></mes:Header>\n<mes:DataSet structureRef="S">\n'
        )
        for s in range(rows // per_series):
            area, sex = COUNTIES[s % 47], "F" if s % 2 else "M"
            if generic:
                f.write(
                    '<gen:Series><gen:SeriesKey><gen:Value id="SERIES" value="SH_STA_BRTC"/>'
                    f'<gen:Value id="REF_AREA" value="{area}"/><gen:Value id="SEX" value="{sex}"/>'
                    '</gen:SeriesKey><gen:Attributes><gen:Value id="UNIT_MEASURE" value="PT"/>'
                    "</gen:Attributes>\n"
                )
                f.writelines(
                    f'<gen:Obs><gen:ObsDimension value="{1900 + o}"/>'
                    f'<gen:ObsValue value="{(s * per_series + o) / 7:.4f}"/><gen:Attributes>'
                    '<gen:Value id="OBS_STATUS" value="A"/></gen:Attributes></gen:Obs>\n'
                    for o in range(per_series)
                )
                f.write("</gen:Series>\n")
            else:
                f.write(
                    f'<Series SERIES="SH_STA_BRTC" REF_AREA="{area}" SEX="{sex}" UNIT_MEASURE="PT">\n'
                )
                f.writelines(
                    f'<Obs TIME_PERIOD="{1900 + o}" OBS_VALUE="{(s * per_series + o) / 7:.4f}" '
                    'OBS_STATUS="A"/>\n'
                    for o in range(per_series)
                )
                f.write("</Series>\n")
        f.write(f"</mes:DataSet>\n</mes:{root}>\n")
    return path
