"""Reading metadata documents from YAML or JSON, keeping codes as written."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from voicescount.errors import InvalidInput
from voicescount.intake.metadata.model import kind_of

# --- reading files ---------------------------------------------------------------------------


class _MetadataLoader(yaml.SafeLoader):
    """YAML that keeps codes as written.

    Plain YAML 1.1 turns ``target: 16.10`` into the number 16.1, ``country: NO`` into false and
    ``area: 050`` into 40 (octal). Here only null, true/false and merge keys (``<<``) are typed;
    everything else stays text, and the model converts counts and dates from text. Duplicate
    keys are refused, since YAML would otherwise keep the last one silently.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            if key_node.tag == _MERGE_TAG:
                continue  # "<<: *defaults" merges; keys given beside it override, as YAML says
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            try:
                repeated = key in seen
            except TypeError:  # an unhashable key: let PyYAML report it
                continue
            if repeated:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_MERGE_TAG = "tag:yaml.org,2002:merge"
_KEPT_TAGS = {"tag:yaml.org,2002:null", _MERGE_TAG}
_MetadataLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag in _KEPT_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_MetadataLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate key {duplicates[0]!r}")
    return dict(pairs)


def load_metadata_file(path: Path | str) -> dict[str, Any]:
    """The metadata document in a YAML (``.yaml``/``.yml``) or JSON (``.json``) file, unchecked.

    Other suffixes are read as JSON if the text starts with ``{``, else as YAML. A file that
    cannot be read raises :class:`InvalidInput` with the line of the problem; pass the result to
    :func:`check_metadata` or :func:`parse_metadata`.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name} is not UTF-8 text: {exc.reason}.") from exc
    suffix = path.suffix.lower()
    as_json = suffix == ".json" or (suffix not in {".yaml", ".yml"} and text.lstrip()[:1] == "{")
    return parse_metadata_text(text, path.name, as_json=as_json)


def parse_metadata_text(
    text: str, name: str = "The metadata", *, as_json: bool = False
) -> dict[str, Any]:
    """A metadata document sent as text (YAML, or JSON), unchecked; as :func:`load_metadata_file`.

    Read with the same YAML rules as files, so that a document sent over HTTP keeps its dates
    and codes as written (plain YAML would turn ``2023-08-01`` into a date and ``16.10`` into 16.1).
    """
    data = _read_json(name, text) if as_json else _read_yaml(name, text)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInput(
            f"{name} must hold a mapping of field names to values, not a {kind_of(data)}.",
            errors=[{"location": "", "message": "the document is not a mapping"}],
        )
    return data


def _read_json(name: str, text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_json_object)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise InvalidInput(
            f"{name} is not valid JSON ({where}): {exc.msg}.",
            errors=[{"location": where, "message": exc.msg}],
        ) from exc
    except ValueError as exc:  # a duplicate key
        raise InvalidInput(
            f"{name}: {exc}.", errors=[{"location": "", "message": str(exc)}]
        ) from exc


def _read_yaml(name: str, text: str) -> Any:
    try:
        return yaml.load(text, Loader=_MetadataLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidInput(
            f"{name} is not valid YAML{f' ({where})' if where else ''}: {problem}.",
            errors=[{"location": where, "message": str(problem)}],
        ) from exc
