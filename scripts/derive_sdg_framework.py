#!/usr/bin/env python3
"""Derive ``src/voicescount/registry/data/sdg-framework.json`` from the shared SDG framework CSVs.

Run by developers when the shared data changes, never at run or test time; the JSON it writes is
committed package data that ``voicescount.registry.sdg.load_framework`` reads.

    .venv/bin/python scripts/derive_sdg_framework.py [--shared ../shared/data] [--output PATH]

Inputs (see ``<shared>/sdg-framework/README.md``): ``sdg_goals_en.csv``, ``sdg_targets_en.csv``,
``sdg_indicators_en.csv`` and ``sdg_series_to_indicator_DSD_1.14.csv``. Texts are copied unchanged.
The output is deterministic: the same inputs give a byte-identical file (no timestamps, fixed key
order, rows in a defined order), so a regenerated file only shows up in a diff when data changed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO_ROOT / ".." / "shared" / "data"
DEFAULT_OUTPUT = REPO_ROOT / "src" / "voicescount" / "registry" / "data" / "sdg-framework.json"

GOALS_CSV = "sdg_goals_en.csv"
TARGETS_CSV = "sdg_targets_en.csv"
INDICATORS_CSV = "sdg_indicators_en.csv"
SERIES_CSV = "sdg_series_to_indicator_DSD_1.14.csv"

#: Provenance as stated in the shared data READMEs (sdg-framework/README.md, sdg-dsd/README.md).
#: ``check_provenance`` verifies that the commits are still the ones the READMEs name, so this
#: block cannot silently drift from the files it describes.
UPSTREAM: dict[str, dict[str, Any]] = {
    "framework": {
        "repository": "https://github.com/open-sdg/sdg-translations",
        "commit": "0cda585851a5c6f04040a9a2755fbb4496c4eead",
        "licence": 'MIT, "Copyright (c) 2019 Open SDG"',
        "files": [
            "translations/en/global_goals.yml",
            "translations/en/global_targets.yml",
            "translations/en/global_indicators.yml",
        ],
        "note": "UN official English titles, reshaped from YAML to CSV with the text unchanged.",
    },
    "series": {
        "repository": "https://github.com/open-sdg/sdg-build",
        "commit": "0b450bf08529dce715bcce32600c709e205324a7",
        "files": ["tests/assets/data/sdmx/dsd.xml"],
        "codelist": "IAEG-SDGs:CL_SERIES(1.14)",
        "note": "The series to indicator links are the CL_SERIES annotations of the global SDG DSD 1.14.",
    },
}
README_COMMITS = {
    "sdg-framework/README.md": ["0cda585851a5c6f04040a9a2755fbb4496c4eead", "0b450bf"],
    "sdg-dsd/README.md": ["0b450bf08529dce715bcce32600c709e205324a7"],
}

#: The trailing indicator list of a CL_SERIES name: " [5.3.1]" or " [1.5.1, 11.5.1, 13.1.1]".
BRACKET = re.compile(r"\s*\[\s*\d+\.[0-9a-z]+\.\d+(?:\s*,\s*\d+\.[0-9a-z]+\.\d+)*\s*\]$")
INDICATOR_CODE = re.compile(r"^(\d+)\.([0-9a-z]+)\.(\d+)$")
TARGET_CODE = re.compile(r"^(\d+)\.([0-9a-z]+)$")


class DerivationError(Exception):
    """The inputs do not look like what this script was written for."""


@dataclass(frozen=True)
class SeriesRow:
    code: str
    name_dsd: str
    indicators: tuple[str, ...]
    unsd_codes: tuple[str, ...]
    indicator_title: str
    retired_note: str | None
    order: int


def read_csv(path: Path, columns: list[str]) -> list[dict[str, str]]:
    if not path.is_file():
        raise DerivationError(f"missing input {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != columns:
            raise DerivationError(
                f"{path.name}: expected columns {columns}, got {reader.fieldnames}"
            )
        return list(reader)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def target_sort_key(code: str) -> tuple[int, int, str]:
    # Numbered targets (1.1 … 1.5) come before lettered means of implementation (1.a, 1.b).
    match = TARGET_CODE.match(code)
    if not match:
        raise DerivationError(f"unexpected target code {code!r}")
    goal, part = match.groups()
    return (int(goal), 0 if part.isdigit() else 1, f"{int(part):04d}" if part.isdigit() else part)


def indicator_sort_key(code: str) -> tuple[tuple[int, int, str], int]:
    match = INDICATOR_CODE.match(code)
    if not match:
        raise DerivationError(f"unexpected indicator code {code!r}")
    goal, part, number = match.groups()
    return (target_sort_key(f"{goal}.{part}"), int(number))


def split_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(";") if part.strip())


def normalise_space(text: str) -> str:
    # Only for comparing titles across files (the DSD uses no-break spaces where the CSV has
    # plain ones); the stored text is never normalised.
    return " ".join(
        text.replace("\u00a0", " ").replace("\u2011", "-").replace("\u2010", "-").split()
    )


def read_series(path: Path) -> list[SeriesRow]:
    columns = [
        "series",
        "series_name_en",
        "indicators",
        "indicator_codes",
        "indicator_titles_en",
        "retired_series_annotation",
        "order",
    ]
    rows = []
    for raw in read_csv(path, columns):
        rows.append(
            SeriesRow(
                code=raw["series"],
                name_dsd=raw["series_name_en"],
                indicators=split_list(raw["indicators"]),
                unsd_codes=split_list(raw["indicator_codes"]),
                indicator_title=raw["indicator_titles_en"],
                retired_note=raw["retired_series_annotation"] or None,
                order=int(raw["order"]),
            )
        )
    codes = [row.code for row in rows]
    if len(codes) != len(set(codes)):
        raise DerivationError(f"{path.name}: duplicate series codes")
    return sorted(rows, key=lambda row: (row.order, row.code))


def unsd_codes_by_indicator(series: list[SeriesRow], titles: dict[str, str]) -> dict[str, str]:
    """Each indicator's UNSD code (``C050301``), chosen deterministically from CL_SERIES.

    CL_SERIES pairs indicators and codes per series. Three shapes occur:

    * one indicator, one code: the usual case;
    * several indicators, one code: an indicator repeated under several targets (1.5.1 = 11.5.1 =
      13.1.1) shares a ``C20…`` code, which each of them gets;
    * one indicator, different codes in different series (17.3.1 has C170303 and C170304, the
      former left over from before the 2020 revision): the code of the series whose indicator
      title matches the indicator's current title wins, then the most frequent, then the lowest.
    """
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    title_match: dict[str, set[str]] = defaultdict(set)
    for row in series:
        if len(row.unsd_codes) == len(row.indicators):
            pairs = list(zip(row.indicators, row.unsd_codes, strict=True))
        elif len(row.unsd_codes) == 1:
            pairs = [(indicator, row.unsd_codes[0]) for indicator in row.indicators]
        else:
            raise DerivationError(
                f"{row.code}: {len(row.indicators)} indicators but codes {row.unsd_codes}"
            )
        for indicator, unsd in pairs:
            votes[indicator][unsd] += 1
            title = titles.get(indicator)
            if title is not None and normalise_space(title) == normalise_space(row.indicator_title):
                title_match[indicator].add(unsd)
    chosen = {}
    for indicator, counter in votes.items():
        chosen[indicator] = min(
            counter, key=lambda unsd: (unsd not in title_match[indicator], -counter[unsd], unsd)
        )
    return chosen


def strip_bracket(name: str) -> str:
    return BRACKET.sub("", name).strip()


def derive(shared: Path) -> dict[str, Any]:
    folder = shared / "sdg-framework"
    goals_raw = read_csv(folder / GOALS_CSV, ["goal", "short_title", "title"])
    targets_raw = read_csv(folder / TARGETS_CSV, ["target", "goal", "title"])
    indicators_raw = read_csv(folder / INDICATORS_CSV, ["indicator", "target", "goal", "title"])
    series = read_series(folder / SERIES_CSV)

    goals = sorted(
        (
            {"code": row["goal"], "short_title": row["short_title"], "title": row["title"]}
            for row in goals_raw
        ),
        key=lambda goal: int(goal["code"]),
    )
    goal_codes = {goal["code"] for goal in goals}

    targets = sorted(
        (
            {"code": row["target"], "goal": row["goal"], "title": row["title"]}
            for row in targets_raw
        ),
        key=lambda target: target_sort_key(target["code"]),
    )
    target_codes = {target["code"] for target in targets}
    for target in targets:
        if target["goal"] not in goal_codes or not target["code"].startswith(target["goal"] + "."):
            raise DerivationError(f"target {target['code']} has a bad goal {target['goal']!r}")

    titles = {row["indicator"]: row["title"] for row in indicators_raw}
    if len(titles) != len(indicators_raw):
        raise DerivationError(f"{INDICATORS_CSV}: duplicate indicator codes")
    unsd = unsd_codes_by_indicator(series, titles)

    indicators: dict[str, dict[str, Any]] = {}
    for row in indicators_raw:
        indicators[row["indicator"]] = {
            "code": row["indicator"],
            "target": row["target"],
            "goal": row["goal"],
            "title": row["title"],
            "unsd_code": unsd.get(row["indicator"]),
        }
    # Series may name indicators the indicator list lacks (11.5.3, added in 2020): take their
    # title from CL_SERIES and their target and goal from the code itself.
    added = []
    for row in series:
        for code in row.indicators:
            if code in indicators:
                continue
            match = INDICATOR_CODE.match(code)
            if not match or not row.indicator_title:
                raise DerivationError(f"series {row.code}: cannot add indicator {code!r}")
            goal, part, _number = match.groups()
            indicators[code] = {
                "code": code,
                "target": f"{goal}.{part}",
                "goal": goal,
                "title": row.indicator_title,
                "unsd_code": unsd.get(code),
            }
            added.append(code)
    for indicator in indicators.values():
        if indicator["target"] not in target_codes or indicator["goal"] not in goal_codes:
            raise DerivationError(f"indicator {indicator['code']} has an unknown target or goal")
        if not indicator["code"].startswith(indicator["target"] + "."):
            raise DerivationError(f"indicator {indicator['code']} is filed under a wrong target")
    ordered_indicators = sorted(indicators.values(), key=lambda i: indicator_sort_key(i["code"]))

    series_out = [
        {
            "code": row.code,
            "name": strip_bracket(row.name_dsd),
            "retired_note": row.retired_note,
            "order": row.order,
            "indicators": list(row.indicators),
        }
        for row in series
    ]
    referenced = {code for row in series for code in row.indicators}

    return {
        "source": {
            "description": (
                "The SDG global indicator framework (goals, targets, indicators) and the "
                "CL_SERIES series with the indicators they measure. Texts are unchanged."
            ),
            "derived_by": "scripts/derive_sdg_framework.py",
            "upstream": UPSTREAM,
            "inputs": {
                name: {"path": f"sdg-framework/{name}", "sha256": sha256(folder / name)}
                for name in (GOALS_CSV, TARGETS_CSV, INDICATORS_CSV, SERIES_CSV)
            },
            "notes": {
                "indicators_added_from_series": sorted(added, key=indicator_sort_key),
                "indicators_without_series": sorted(
                    set(indicators) - referenced, key=indicator_sort_key
                ),
                "series_name": (
                    "'name' is the CL_SERIES name without its trailing indicator list "
                    "(' [5.3.1]'), which 'indicators' holds."
                ),
                "unsd_code": (
                    "From CL_SERIES; indicators repeated under several targets share one C20… "
                    "code; where series disagree, the one whose indicator title matches wins."
                ),
            },
        },
        "goals": goals,
        "targets": targets,
        "indicators": ordered_indicators,
        "series": series_out,
    }


def render(framework: dict[str, Any]) -> str:
    """JSON with one record per line inside the arrays: compact, yet diffs stay readable."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    parts = ['{\n"source": ' + json.dumps(framework["source"], ensure_ascii=False, indent=1)]
    for key in ("goals", "targets", "indicators", "series"):
        records = ",\n".join(dump(record) for record in framework[key])
        parts.append(f'"{key}": [\n{records}\n]')
    return ",\n".join(parts) + "\n}\n"


def check_provenance(shared: Path) -> None:
    for readme, commits in README_COMMITS.items():
        path = shared / readme
        if not path.is_file():
            raise DerivationError(f"missing {path}: its provenance cannot be checked")
        text = path.read_text(encoding="utf-8")
        for commit in commits:
            if commit not in text:
                raise DerivationError(
                    f"{readme} no longer names commit {commit}: update UPSTREAM in this script"
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="the shared data folder holding sdg-framework/ (default: ../shared/data)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the JSON to write")
    args = parser.parse_args(argv)
    # The default is anchored at the repository root; a path given is taken from the cwd.
    shared = args.shared.resolve()
    try:
        check_provenance(shared)
        framework = derive(shared)
    except DerivationError as exc:
        print(f"derive_sdg_framework: {exc}", file=sys.stderr)
        return 1
    text = render(framework)
    # Round-trip check: what we write must parse back to what we derived.
    if json.loads(text) != framework:
        print("derive_sdg_framework: rendered JSON does not round-trip", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(text.encode("utf-8"))
    counts = ", ".join(
        f"{len(framework[k])} {k}" for k in ("goals", "targets", "indicators", "series")
    )
    print(f"wrote {args.output}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
