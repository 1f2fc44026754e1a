"""What a citation says, gathered from the store; data queries pinned to the releases they return.

Unlike ``audit.py`` this module sits on top of publishing: it reads a release through
``publishing.service.describe`` and answers a data query through ``publishing.feeds``. What
the record holds, and why:

* **Creators** are the methodology metadata's ``creators``, in the order the coalition gave for
  citations (people and organisations, checked by the statistics office in review). If none of
  them is an organisation, the coalition (the release's data provider) is added as the last
  creator, so the producing organisation is always credited; with no creators at all it is the
  only one.
* **Publisher** is the statistics office that reviewed and released the data: DataCite's
  publisher is "the entity that holds, archives, publishes … or produces the resource", and the
  release exists because that office published it (the coalition is credited as creator).
  A release without a recorded office falls back to the deployment's agency.
* **Identifier**: the DOI once one is minted for the release, else the release's URL
  ``{base_url}/api/v1/releases/{uid}``, which is also the ``CITATION_REF`` of its observations.
* **Subjects**: the SDG goals, targets and indicators of the metadata's ``sdg_mappings``, then
  its keywords. **Rights**: the SPDX licence. **Language**: the first of ``languages``.

A data query is cited as the releases it returns at a moment, and that moment goes into the
query's URL as ``asOf`` (which both SDMX-REST trees take): re-running the pinned URL answers
from the same releases, whatever was published since, so it returns the same numbers. The
citation carries a SHA-256 of those numbers to check it by. A later withdrawal (a community
taking back its consent) is the one thing that takes numbers out of a pinned answer too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, unquote

from sqlmodel import Session

from voicescount.errors import InvalidInput
from voicescount.intake import licences
from voicescount.provenance.citation import (
    SDG_SCHEME,
    SDG_SCHEME_URI,
    CitationRecord,
    Creator,
    CreatorKind,
    Licence,
    QueryCitation,
    ReleaseUse,
    Subject,
    Title,
    instant,
)
from voicescount.publishing import feeds
from voicescount.publishing import service as publishing
from voicescount.sdmx.data import Series
from voicescount.storage.tables import DatasetVersion, Release
from voicescount.storage.types import utcnow

#: The data query parameter that fixes the moment an answer is given for.
AS_OF = "asOf"


def release_url(base_url: str, uid: str) -> str:
    """The public URL of a release (its landing page and, without a DOI, its identifier)."""
    return f"{base_url.rstrip('/')}/api/v1/releases/{uid}"


# ------------------------------------------------------------------------------------------
# Releases


def _creators(metadata: dict[str, Any], provider: str) -> tuple[Creator, ...]:
    creators: list[Creator] = []
    for entry in metadata.get("creators") or []:
        if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
            continue
        name = str(entry["name"])
        if entry.get("type") == "person":
            creators.append(
                Creator.person(name, orcid=entry.get("orcid"), affiliation=entry.get("affiliation"))
            )
        else:
            creators.append(Creator.organisation(name, ror=entry.get("ror")))
    if not any(c.kind is CreatorKind.ORGANISATION for c in creators):
        creators.append(Creator.organisation(provider))
    return tuple(creators)


def _sdg_subjects(mappings: Iterable[Any]) -> list[Subject]:
    """Goal, target and indicator of each mapping (derived from the indicator when left out)."""
    subjects: list[Subject] = []
    for mapping in mappings:
        if not isinstance(mapping, dict) or not mapping.get("indicator"):
            continue
        indicator = str(mapping["indicator"])
        parts = indicator.split(".")
        goal = str(mapping.get("goal") or parts[0])
        target = str(mapping.get("target") or ".".join(parts[:2]))
        for level, code in (("goal", goal), ("target", target), ("indicator", indicator)):
            subject = Subject(f"SDG {level} {code}", code, SDG_SCHEME, SDG_SCHEME_URI)
            if subject not in subjects:
                subjects.append(subject)
    return subjects


def _licence(metadata: dict[str, Any]) -> Licence | None:
    identifier = str(metadata.get("licence") or "").strip()
    if not identifier:
        return None
    if identifier in licences.SPDX_LICENCES:
        return Licence(
            identifier,
            licences.SPDX_LICENCES[identifier],
            f"https://spdx.org/licenses/{identifier}.html",
        )
    url = metadata.get("licence_url")
    return Licence(identifier, identifier, str(url) if url else None, spdx=False)


def _titles(metadata: dict[str, Any], title: str) -> tuple[Title, ...]:
    found: list[Title] = []
    own = str(metadata.get("title") or "").strip()
    if own and own != title:
        found.append(Title(own, kind="AlternativeTitle"))
    translations = metadata.get("title_translations") or {}
    if isinstance(translations, dict):
        found += [Title(str(text), str(lang)) for lang, text in sorted(translations.items())]
    return tuple(found)


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment is not None else None


def release_record(
    session: Session, release: Release, *, base_url: str, agency: str
) -> CitationRecord:
    """The citation record of one release (withdrawn and superseded releases included)."""
    described = publishing.describe(session, release)
    version = session.get(DatasetVersion, release.version_id)
    metadata: dict[str, Any] = dict(version.metadata_ if version is not None else {})
    languages = metadata.get("languages") or []
    keywords = [Subject(str(k)) for k in metadata.get("keywords") or [] if str(k).strip()]
    steward = described["steward"]
    superseded_by = described["superseded_by"]
    return CitationRecord(
        key=release.uid,
        title=described["title"],
        creators=_creators(metadata, described["provider"]["name"]),
        publisher=steward["name"] if steward else agency,
        url=release_url(base_url, release.uid),
        year=release.published_at.year,
        issued=release.published_at.date(),
        version=str(described["version"]),
        doi=release.doi or None,
        caveat=release.caveat,
        language=str(languages[0]) if languages else None,
        licence=_licence(metadata),
        subjects=(*_sdg_subjects(metadata.get("sdg_mappings") or []), *keywords),
        abstract=str(metadata["abstract"]).strip() if metadata.get("abstract") else None,
        titles=_titles(metadata, described["title"]),
        content_hash=release.content_hash or None,
        withdrawn_on=_day(release.withdrawn_at),
        withdrawn_reason=release.withdrawn_reason,
        superseded_on=_day(release.superseded_at),
        superseded_by=superseded_by,
        superseded_by_url=release_url(base_url, superseded_by) if superseded_by else None,
    )


def cite_release(
    session: Session, release_uid: str, *, base_url: str, agency: str
) -> CitationRecord:
    """The citation record of the release ``release_uid`` (:class:`NotFound` if none)."""
    release = publishing.get_release(session, release_uid)
    return release_record(session, release, base_url=base_url, agency=agency)


def release_status(release: Release) -> str:
    if release.withdrawn_at is not None:
        return "withdrawn"
    return "superseded" if release.superseded_at is not None else "current"


# ------------------------------------------------------------------------------------------
# Data queries


def pin_url(url: str, moment: datetime) -> str:
    """``url`` with ``asOf`` set to ``moment``; every other parameter is kept as written."""
    base, _, fragment = url.partition("#")
    path, _, query = base.partition("?")
    kept = [p for p in query.split("&") if p and unquote(p.split("=", 1)[0]) != AS_OF]
    kept.append(f"{AS_OF}={quote(instant(moment), safe=':-.')}")
    pinned = f"{path}?{'&'.join(kept)}"
    return f"{pinned}#{fragment}" if fragment else pinned


def _pinnable(query: feeds.DataQuery) -> None:
    if query.updated_after is not None:
        raise InvalidInput(
            "A query with updatedAfter returns the changes since a moment, not data as they "
            "stood; cite the query without updatedAfter.",
            errors=[{"field": "updatedAfter", "message": "not citable"}],
        )
    if query.include_history:
        raise InvalidInput(
            "A query with includeHistory=true returns every release up to now, so it cannot be "
            "pinned to a moment; cite it without includeHistory (asOf pins what was current).",
            errors=[{"field": "includeHistory", "message": "not citable"}],
        )


def _number_line(release: str, series: Series, period: str, value: float | None) -> bytes:
    shown = "" if value is None else repr(float(value))
    return f"{release}\t{'.'.join(series.key)}\t{period}\t{shown}\n".encode()


def cite_query(
    session: Session,
    query: feeds.DataQuery,
    *,
    url: str,
    agency: str,
    base_url: str,
    max_observations: int,
    now: datetime | None = None,
) -> QueryCitation:
    """Answer ``query`` as of now (or its own earlier ``asOf``) and cite what it returned.

    :class:`NoResults` if it returns nothing (there is nothing to cite); :class:`InvalidInput`
    for ``updatedAfter`` and ``includeHistory`` queries, which no moment pins.
    """
    _pinnable(query)
    moment = now or utcnow()
    if query.as_of is not None and query.as_of <= moment:
        moment = query.as_of
    answer = feeds.answer(
        session,
        replace(query, as_of=moment),
        agency=agency,
        base_url=base_url,
        max_observations=max_observations,
        sender=agency,
    )
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    for info, group in answer.datasets:
        uid = info.set_id or ""
        for series in group:
            for observation in series.observations:
                counts[uid] = counts.get(uid, 0) + 1
                digest.update(_number_line(uid, series, observation.time, observation.value))
    uses = []
    for uid, observations in counts.items():
        release = publishing.get_release(session, uid)
        uses.append(
            ReleaseUse(
                record=release_record(session, release, base_url=base_url, agency=agency),
                content_hash=release.content_hash,
                observations=observations,
                status=release_status(release),
            )
        )
    return QueryCitation(
        url=url,
        pinned_url=pin_url(url, moment),
        as_of=moment,
        observations=sum(counts.values()),
        numbers_sha256=digest.hexdigest(),
        releases=tuple(uses),
    )
