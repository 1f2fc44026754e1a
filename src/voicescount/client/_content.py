"""Request bodies: files streamed from disk (raw or multipart) with progress, and YAML/JSON documents.

Bodies are described, not built: :class:`Body` holds a function that starts a fresh stream, so a
retried request sends the file again from its first byte. The length is always known up front
and sent as ``Content-Length``, which lets the server refuse an oversized file before reading it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import yaml

#: ``progress(sent, total)``: bytes of the file sent so far, and the file's size.
ProgressCallback: TypeAlias = Callable[[int, int], None]
#: A data file: a path on disk (``str`` or ``Path``) or the bytes themselves.
FileInput: TypeAlias = str | os.PathLike[str] | bytes
#: A YAML or JSON document: already parsed (a mapping), or the path of a ``.yaml``/``.json`` file.
DocumentInput: TypeAlias = Mapping[str, Any] | str | os.PathLike[str]

CHUNK_SIZE = 256 * 1024

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The media type that names each upload format of the server (its ``format=`` values).
FORMAT_MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": XLSX,
    "json": "application/json",
    "sdmx-csv-1": "application/vnd.sdmx.data+csv;version=1.0.0",
    "sdmx-csv-2": "application/vnd.sdmx.data+csv;version=2.0.0",
    "sdmx-ml-generic": "application/vnd.sdmx.genericdata+xml;version=2.1",
    "sdmx-ml-structure-specific": "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
}

SUFFIX_MEDIA_TYPES: dict[str, str] = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".txt": "text/plain",
    ".xlsx": XLSX,
    ".xlsm": "application/vnd.ms-excel.sheet.macroenabled.12",
    ".json": "application/json",
    ".jsonl": "application/x-ndjson",
    ".ndjson": "application/x-ndjson",
    ".xml": "application/xml",
}

OCTET_STREAM = "application/octet-stream"


def media_type_for(filename: str | None, format: str | None) -> str:
    """The Content-Type to send a data file with; the server still detects from the content."""
    if format and format.strip().lower() in FORMAT_MEDIA_TYPES:
        return FORMAT_MEDIA_TYPES[format.strip().lower()]
    if filename:
        return SUFFIX_MEDIA_TYPES.get(Path(filename).suffix.lower(), OCTET_STREAM)
    return OCTET_STREAM


@dataclass(frozen=True)
class Body:
    """A request body of known length whose stream can be started again for a retry."""

    media_type: str
    length: int
    open: Callable[[], Iterator[bytes]]


class FileSource:
    """A data file to send: a path (read in chunks, never whole) or bytes in memory."""

    def __init__(self, file: FileInput, filename: str | None = None) -> None:
        if isinstance(file, bytes | bytearray | memoryview):
            self.path: Path | None = None
            self.data = bytes(file)
            self.size = len(self.data)
            self.filename = filename
        else:
            self.path = Path(file)
            self.data = b""
            # Fails here, before any request, when the file is missing.
            self.size = self.path.stat().st_size
            self.filename = filename or self.path.name

    def chunks(self, progress: ProgressCallback | None = None) -> Iterator[bytes]:
        """The file's bytes in chunks; ``progress`` is told after each chunk has been taken."""
        sent = 0
        if progress:
            progress(0, self.size)
        for chunk in self._raw_chunks():
            yield chunk
            # The consumer asks for the next chunk only once it has written this one.
            sent += len(chunk)
            if progress:
                progress(sent, self.size)

    def _raw_chunks(self) -> Iterator[bytes]:
        if self.path is None:
            for start in range(0, self.size, CHUNK_SIZE):
                yield self.data[start : start + CHUNK_SIZE]
            return
        with self.path.open("rb") as handle:
            while chunk := handle.read(CHUNK_SIZE):
                yield chunk


def raw_body(source: FileSource, media_type: str, progress: ProgressCallback | None) -> Body:
    return Body(media_type, source.size, lambda: source.chunks(progress))


def _quote(value: str) -> str:
    # As browsers (and httpx) write names in Content-Disposition: UTF-8, quotes and breaks escaped.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def multipart_body(
    source: FileSource,
    media_type: str,
    fields: Mapping[str, str],
    progress: ProgressCallback | None,
) -> Body:
    """``multipart/form-data`` with the file in part ``file`` and text ``fields`` after it."""
    boundary = secrets.token_hex(16)
    filename = _quote(source.filename or "upload")
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {media_type}\r\n\r\n"
    ).encode()
    tail = b"".join(
        f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode()
        + value.encode("utf-8")
        for name, value in fields.items()
    )
    tail += f"\r\n--{boundary}--\r\n".encode()

    def stream() -> Iterator[bytes]:
        yield head
        yield from source.chunks(progress)
        yield tail

    return Body(
        f"multipart/form-data; boundary={boundary}", len(head) + source.size + len(tail), stream
    )


def document_text(document: DocumentInput) -> tuple[str, str]:
    """The text of a YAML/JSON document and its media type (a mapping is sent as JSON)."""
    if isinstance(document, Mapping):
        # default=str: dates parsed from YAML by the caller go out as ISO strings.
        return json.dumps(document, ensure_ascii=False, default=str), "application/json"
    path = Path(document)
    media_type = "application/json" if path.suffix.lower() == ".json" else "application/yaml"
    return path.read_text(encoding="utf-8"), media_type


class _TextLoader(yaml.SafeLoader):
    """YAML that keeps scalars as written, as the server reads metadata files.

    Plain YAML 1.1 turns ``target: 16.10`` into 16.1, ``2023-08-01`` into a date and
    ``country: NO`` into false; here only null and true/false are typed, the rest stays text
    and the server converts counts and dates itself.
    """


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_TextLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def document_data(document: DocumentInput) -> dict[str, Any]:
    """A YAML/JSON document as a dict (for requests whose JSON body embeds it)."""
    if isinstance(document, Mapping):
        return json.loads(document_text(document)[0])
    text, media_type = document_text(document)
    if media_type == "application/json":
        loaded = json.loads(text) if text.strip() else {}
    else:
        loaded = yaml.load(text, Loader=_TextLoader) if text.strip() else {}
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ValueError(f"{document} does not hold a mapping of fields (YAML or JSON object)")
    return loaded
