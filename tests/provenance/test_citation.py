"""Citations rendered from plain records: many creators, names in any script, organisations as
creators, no year or DOI, special characters, withdrawn releases, and data-query citations.

Each format is read back the way its consumers read it: BibTeX with a small brace-aware reader,
RIS line by line, CSL-JSON and DataCite JSON as JSON (DataCite against its 4.5 JSON Schema),
DataCite XML with lxml.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from datacite import schema45
from lxml import etree

from voicescount.provenance import citation as c
from voicescount.publishing.citing import pin_url

NS = {"d": "http://datacite.org/schema/kernel-4"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

NEPALI = "राम बहादुर"  # Devanagari, no family name to split off
VIETNAMESE = "Nguyễn, Thị Hoa"  # family name first, written "Family, Given"
BENGALI = "রহিমা খাতুন"
COALITION = "LNOB Kenya coalition"
CAVEAT = (
    "Citizen-generated data produced by LNOB Kenya coalition; reviewed by Kenya National "
    "Bureau of Statistics (citizen-generated data complementing official statistics)."
)


def record(**overrides: object) -> c.CitationRecord:
    values: dict[str, object] = {
        "key": "ds-1a2b3c4d5e-v2",
        "title": "Child marriage in Mombasa",
        "creators": (
            c.Creator.organisation(COALITION, ror="02mhbdp94"),
            c.Creator.person("Kamau, Wanjiru", orcid="0000-0002-1825-0097"),
        ),
        "publisher": "Kenya National Bureau of Statistics",
        "url": "https://voices.example/api/v1/releases/ds-1a2b3c4d5e-v2",
        "year": 2024,
        "issued": date(2024, 5, 1),
        "version": "2",
        "caveat": CAVEAT,
        "language": "en",
        "licence": c.Licence(
            "CC-BY-4.0",
            "Creative Commons Attribution 4.0 International",
            "https://spdx.org/licenses/CC-BY-4.0.html",
        ),
        "subjects": (
            c.Subject("SDG target 5.3", "5.3", c.SDG_SCHEME, c.SDG_SCHEME_URI),
            c.Subject("SDG indicator 5.3.1", "5.3.1", c.SDG_SCHEME, c.SDG_SCHEME_URI),
            c.Subject("child marriage"),
        ),
        "abstract": "Share of women aged 20-24 first married before 18, in two counties.",
        "titles": (c.Title("Ndoa za utotoni Mombasa", "sw"),),
        "content_hash": "ab" * 32,
    }
    values.update(overrides)
    return c.CitationRecord(**values)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# Readers


def bibtex_entry(text: str) -> tuple[str, str, dict[str, str]]:
    """(type, key, fields) of a one-entry BibTeX text; fails on unbalanced braces."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("%"))
    assert body.lstrip().startswith("@")
    kind, _, rest = body.strip()[1:].partition("{")
    key, _, rest = rest.partition(",")
    fields: dict[str, str] = {}
    position = 0
    while True:
        rest = rest[position:].lstrip().lstrip(",").lstrip()
        if rest.startswith("}"):
            assert rest[1:].strip() == "", "text after the entry's closing brace"
            return kind, key, fields
        name, _, rest = rest.partition("=")
        rest = rest.lstrip()
        assert rest.startswith("{"), f"field {name.strip()} is not braced"
        value, position = _braced(rest)
        fields[name.strip()] = value


def _braced(text: str) -> tuple[str, int]:
    """The content of the brace group ``text`` opens, and where it ends; ``\\{`` does not count."""
    depth, index = 0, 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[1:index], index + 1
        index += 1
    raise AssertionError("unbalanced braces")


def bibtex_names(author: str) -> list[str]:
    """Split an author field on " and " at brace depth 0, as BibTeX does."""
    names, depth, current, index = [], 0, "", 0
    while index < len(author):
        char = author[index]
        if char == "\\":
            current += author[index : index + 2]
            index += 2
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and author[index : index + 5].lower() == " and ":
            names.append(current)
            current, index = "", index + 5
            continue
        current += char
        index += 1
    return [*names, current]


def ris_fields(text: str) -> list[tuple[str, str]]:
    lines = text.split("\r\n")
    assert lines[-1] == "", "RIS lines end with CRLF"
    pairs = []
    for line in lines[:-1]:
        assert line[2:6] == "  - ", line
        pairs.append((line[:2], line[6:]))
    return pairs


def xml(record_: c.CitationRecord) -> etree._Element:
    text = c.datacite_xml(record_)
    assert text.startswith("<?xml")
    return etree.fromstring(text.encode("utf-8"))


# ------------------------------------------------------------------------------------------
# Every format, one ordinary record


def test_the_datacite_form_reads_creator_year_title_version_publisher_identifier() -> None:
    text = c.datacite_text(record())
    first, *notes = text.split("\n")
    assert first == (
        "LNOB Kenya coalition; Kamau, Wanjiru (2024): Child marriage in Mombasa. Version 2. "
        "Kenya National Bureau of Statistics. "
        "https://voices.example/api/v1/releases/ds-1a2b3c4d5e-v2"
    )
    assert notes == [CAVEAT]


def test_apa_reads_author_year_title_version_type_publisher_url() -> None:
    first, caveat = c.apa(record()).split("\n")
    assert first == (
        "LNOB Kenya coalition, & Kamau, W. (2024). Child marriage in Mombasa (Version 2) "
        "[Data set]. Kenya National Bureau of Statistics. "
        "https://voices.example/api/v1/releases/ds-1a2b3c4d5e-v2"
    )
    assert caveat == CAVEAT


def test_apa_leaves_out_a_publisher_that_is_the_author() -> None:
    alone = record(creators=(c.Creator.organisation("Kenya National Bureau of Statistics"),))
    first = c.apa(alone).split("\n")[0]
    assert first.count("Kenya National Bureau of Statistics") == 1


def test_bibtex_is_one_balanced_misc_entry_with_the_caveat() -> None:
    text = c.bibtex(record())
    assert text.startswith("% Encoding: UTF-8\n")
    kind, key, fields = bibtex_entry(text)
    assert (kind, key) == ("misc", "ds-1a2b3c4d5e-v2")
    assert bibtex_names(fields["author"]) == ["{LNOB Kenya coalition}", "Kamau, Wanjiru"]
    assert fields["title"] == "{Child marriage in Mombasa}"
    assert fields["year"] == "2024" and fields["version"] == "2"
    assert fields["publisher"] == "Kenya National Bureau of Statistics"
    assert fields["url"] == "https://voices.example/api/v1/releases/ds-1a2b3c4d5e-v2"
    assert "doi" not in fields
    assert fields["note"] == CAVEAT
    assert "CC-BY-4.0" in fields["copyright"]


def test_ris_is_a_data_record_from_ty_to_er() -> None:
    pairs = ris_fields(c.ris(record()))
    assert pairs[0] == ("TY", "DATA") and pairs[-1] == ("ER", "")
    tags = dict(pairs)
    assert [v for t, v in pairs if t == "AU"] == [COALITION, "Kamau, Wanjiru"]
    assert tags["TI"] == "Child marriage in Mombasa" and tags["PY"] == "2024"
    assert tags["DA"] == "2024/05/01/" and tags["PB"] == "Kenya National Bureau of Statistics"
    assert tags["UR"].endswith("/ds-1a2b3c4d5e-v2") and "DO" not in tags
    assert [v for t, v in pairs if t == "N1"] == [CAVEAT]
    assert [v for t, v in pairs if t == "KW"][:2] == ["SDG target 5.3", "SDG indicator 5.3.1"]


def test_csl_json_is_a_dataset_item() -> None:
    item = json.loads(c.render(record(), "csl"))
    assert item["type"] == "dataset" and item["id"] == "ds-1a2b3c4d5e-v2"
    assert item["author"] == [{"literal": COALITION}, {"family": "Kamau", "given": "Wanjiru"}]
    assert item["issued"] == {"date-parts": [[2024, 5, 1]]}
    assert item["version"] == "2" and item["publisher"] == "Kenya National Bureau of Statistics"
    assert item["note"] == CAVEAT
    assert "DOI" not in item and "status" not in item


def test_datacite_json_is_valid_and_xml_carries_every_mandatory_property() -> None:
    document = c.datacite_json(record())
    assert schema45.validate(document)
    assert "doi" not in document  # no DOI minted: the URL stands in, as an alternate identifier
    root = xml(record())
    assert root.tag == "{http://datacite.org/schema/kernel-4}resource"
    alternate = root.find("d:alternateIdentifiers/d:alternateIdentifier", NS)
    assert alternate is not None and alternate.get("alternateIdentifierType") == "URL"
    assert alternate.text == "https://voices.example/api/v1/releases/ds-1a2b3c4d5e-v2"
    creators = root.findall("d:creators/d:creator", NS)
    organisation, person = creators
    assert organisation.findtext("d:creatorName", namespaces=NS) == COALITION
    assert organisation.find("d:creatorName", NS).get("nameType") == "Organizational"
    assert organisation.find("d:givenName", NS) is None
    assert organisation.findtext("d:nameIdentifier", namespaces=NS) == "https://ror.org/02mhbdp94"
    assert person.find("d:creatorName", NS).get("nameType") == "Personal"
    assert person.findtext("d:givenName", namespaces=NS) == "Wanjiru"
    assert person.findtext("d:familyName", namespaces=NS) == "Kamau"
    orcid = person.find("d:nameIdentifier", NS)
    assert orcid is not None and orcid.get("nameIdentifierScheme") == "ORCID"
    titles = root.findall("d:titles/d:title", NS)
    assert [(t.text, t.get(XML_LANG), t.get("titleType")) for t in titles] == [
        ("Child marriage in Mombasa", "en", None),
        ("Ndoa za utotoni Mombasa", "sw", "TranslatedTitle"),
    ]
    assert root.findtext("d:publisher", namespaces=NS) == "Kenya National Bureau of Statistics"
    assert root.findtext("d:publicationYear", namespaces=NS) == "2024"
    resource_type = root.find("d:resourceType", NS)
    assert resource_type is not None and resource_type.get("resourceTypeGeneral") == "Dataset"
    assert root.findtext("d:version", namespaces=NS) == "2"
    rights = root.find("d:rightsList/d:rights", NS)
    assert rights is not None and rights.get("rightsIdentifier") == "CC-BY-4.0"
    assert rights.get("rightsIdentifierScheme") == "SPDX"
    subjects = [s.text for s in root.findall("d:subjects/d:subject", NS)]
    assert subjects == ["SDG target 5.3", "SDG indicator 5.3.1", "child marriage"]
    descriptions = {
        d.get("descriptionType"): d.text for d in root.findall("d:descriptions/d:description", NS)
    }
    assert descriptions["Other"] == CAVEAT
    assert descriptions["TechnicalInfo"].endswith("ab" * 32)


# ------------------------------------------------------------------------------------------
# Edge cases


def test_many_creators_apa_cuts_after_19_and_datacite_lists_all() -> None:
    people = tuple(c.Creator.person(f"Family{n:02d}, Given{n:02d}") for n in range(1, 26))
    many = record(creators=people)
    first = c.apa(many).split("\n")[0]
    assert first.startswith("Family01, G., Family02, G., ")
    assert "Family19, G., . . . Family25, G. (2024)." in first
    assert all(f"Family{n}" not in first for n in range(20, 25))
    assert "&" not in first
    listed = c.datacite_text(many).split("\n")[0]
    assert all(f"Family{n:02d}, Given{n:02d}" in listed for n in range(1, 26))
    assert "et al" not in listed
    _, _, fields = bibtex_entry(c.bibtex(many))
    assert len(bibtex_names(fields["author"])) == 25
    assert len([t for t, _ in ris_fields(c.ris(many)) if t == "AU"]) == 25
    assert len(c.csl(many)["author"]) == 25
    assert len(xml(many).findall("d:creators/d:creator", NS)) == 25


def test_apa_lists_twenty_creators_in_full() -> None:
    people = tuple(c.Creator.person(f"Family{n:02d}, Given") for n in range(1, 21))
    first = c.apa(record(creators=people)).split("\n")[0]
    assert "Family19, G., & Family20, G. (2024)." in first and ". . ." not in first


@pytest.mark.parametrize("fmt", sorted(c.RENDERERS))
def test_names_in_any_script_survive_every_format(fmt: str) -> None:
    # The Vietnamese name arrives decomposed (e + combining marks), as some keyboards type it.
    creators = (
        c.Creator.person(NEPALI),
        c.Creator.person(unicodedata.normalize("NFD", VIETNAMESE)),
        c.Creator.person(BENGALI),
        c.Creator.organisation("नेपाल नागरिक डाटा गठबन्धन"),
    )
    text = c.render(record(creators=creators, title="বাল্যবিবাহ: নাগরিক তথ্য"), fmt)
    # APA gives initials of given names; every other format the names in full.
    vietnamese = "Nguyễn, T. H." if fmt == "apa" else "Thị Hoa"
    for name in (NEPALI, "Nguyễn", vietnamese, BENGALI, "नेपाल नागरिक डाटा गठबन्धन"):
        assert name in text, (fmt, name)
    assert "বাল্যবিবাহ: নাগরিক তথ্য" in text


def test_names_are_split_only_where_written_family_comma_given() -> None:
    nepali, vietnamese, whole = (
        c.Creator.person(NEPALI),
        c.Creator.person(VIETNAMESE),
        c.Creator.person("Wanjiru Kamau"),
    )
    assert (vietnamese.family, vietnamese.given) == ("Nguyễn", "Thị Hoa")
    assert not nepali.is_split and not whole.is_split
    sample = record(creators=(nepali, vietnamese, whole))
    # APA initials only where there are capitals to take them from.
    assert c.apa(sample).startswith(f"{NEPALI}, Nguyễn, T. H., & Wanjiru Kamau. (2024).")
    _, _, fields = bibtex_entry(c.bibtex(sample))
    assert bibtex_names(fields["author"]) == [f"{{{NEPALI}}}", "Nguyễn, Thị Hoa", "{Wanjiru Kamau}"]
    assert c.csl(sample)["author"] == [
        {"literal": NEPALI},
        {"family": "Nguyễn", "given": "Thị Hoa"},
        {"literal": "Wanjiru Kamau"},
    ]
    creators = c.datacite_json(sample)["creators"]
    assert creators[0] == {"name": NEPALI, "nameType": "Personal"}
    assert creators[1]["familyName"] == "Nguyễn" and creators[1]["givenName"] == "Thị Hoa"
    assert "givenName" not in creators[2]
    assert c.initials("Jean-Pierre Marie") == "J.-P. M."


def test_organisations_are_never_split_even_with_and_or_a_comma() -> None:
    tricky = "Women and Youth Network, Kenya"
    sample = record(creators=(c.Creator.organisation(tricky), c.Creator.person("Kamau, Wanjiru")))
    _, _, fields = bibtex_entry(c.bibtex(sample))
    assert bibtex_names(fields["author"]) == [f"{{{tricky}}}", "Kamau, Wanjiru"]
    assert c.csl(sample)["author"][0] == {"literal": tricky}
    assert ("AU", tricky) in ris_fields(c.ris(sample))
    assert c.apa(sample).startswith(f"{tricky}, & Kamau, W. (2024).")
    assert c.datacite_text(sample).startswith(f"{tricky}; Kamau, Wanjiru (2024):")
    organisation = xml(sample).find("d:creators/d:creator", NS)
    assert organisation.findtext("d:creatorName", namespaces=NS) == tricky
    assert organisation.find("d:creatorName", NS).get("nameType") == "Organizational"
    assert organisation.find("d:familyName", NS) is None


def test_without_year_the_text_forms_say_nd_and_datacite_refuses() -> None:
    undated = record(year=None, issued=None)
    assert "(n.d.): Child marriage" in c.datacite_text(undated)
    assert "Kamau, W. (n.d.). Child marriage" in c.apa(undated)
    _, _, fields = bibtex_entry(c.bibtex(undated))
    assert "year" not in fields and "date" not in fields
    assert "PY" not in dict(ris_fields(c.ris(undated)))
    assert "issued" not in c.csl(undated)
    with pytest.raises(c.DataCiteInvalid) as refused:
        c.datacite_json(undated)
    assert "publicationYear" in str(refused.value)


def test_a_doi_becomes_the_identifier_everywhere() -> None:
    doi = "10.5281/zenodo.1234567"
    minted = record(doi=doi)
    assert c.datacite_text(minted).split("\n")[0].endswith(f"https://doi.org/{doi}")
    assert c.apa(minted).split("\n")[0].endswith(f"https://doi.org/{doi}")
    assert bibtex_entry(c.bibtex(minted))[2]["doi"] == doi
    assert dict(ris_fields(c.ris(minted)))["DO"] == doi
    assert c.csl(minted)["DOI"] == doi
    identifier = xml(minted).find("d:identifier", NS)
    assert identifier is not None and identifier.get("identifierType") == "DOI"
    assert identifier.text == doi


def test_special_characters_are_escaped_in_bibtex_and_kept_elsewhere() -> None:
    title = r"Costs & fees: 100% of #SDG_5 {draft} ~ ^ \ $ per person"
    special = record(title=title, creators=(c.Creator.organisation("Haki & Usawa_Trust {Kenya}"),))
    _, key, fields = bibtex_entry(c.bibtex(special))
    assert key == "ds-1a2b3c4d5e-v2"
    assert fields["title"] == (
        r"{Costs \& fees: 100\% of \#SDG\_5 \{draft\} \textasciitilde{} \textasciicircum{} "
        r"\textbackslash{} \$ per person}"
    )
    assert bibtex_names(fields["author"]) == [r"{Haki \& Usawa\_Trust \{Kenya\}}"]
    assert title in c.datacite_text(special)
    assert ("TI", title) in ris_fields(c.ris(special))
    assert c.csl(special)["title"] == title
    assert xml(special).findtext("d:titles/d:title", namespaces=NS) == title
    assert bibtex_entry(c.bibtex(record(key="ds 1/v2 é")))[1] == "ds-1-v2"


def test_a_withdrawn_release_still_cites_with_the_withdrawal_noted() -> None:
    withdrawn = record(withdrawn_on=date(2024, 6, 1), withdrawn_reason="Consent withdrawn")
    note = "Withdrawn on 2024-06-01: Consent withdrawn."
    for fmt in ("text", "apa"):
        assert c.render(withdrawn, fmt).split("\n")[1:] == [CAVEAT, note]
    assert bibtex_entry(c.bibtex(withdrawn))[2]["note"] == f"{CAVEAT} {note}"
    assert ("N1", note) in ris_fields(c.ris(withdrawn))
    item = c.csl(withdrawn)
    assert item["status"] == "withdrawn" and note in item["note"]
    dates = c.datacite_json(withdrawn)["dates"]
    assert {
        "date": "2024-06-01",
        "dateType": "Withdrawn",
        "dateInformation": "Consent withdrawn",
    } in dates


def test_a_superseded_release_points_at_the_newer_one() -> None:
    older = record(
        superseded_on=date(2024, 7, 1),
        superseded_by="ds-1a2b3c4d5e-v3",
        superseded_by_url="https://voices.example/api/v1/releases/ds-1a2b3c4d5e-v3",
    )
    assert "Superseded on 2024-07-01 by ds-1a2b3c4d5e-v3." in c.datacite_text(older)
    related = xml(older).find("d:relatedIdentifiers/d:relatedIdentifier", NS)
    assert related is not None and related.get("relationType") == "IsPreviousVersionOf"
    assert related.text.endswith("-v3")


def test_a_record_without_creators_is_not_valid_datacite() -> None:
    with pytest.raises(c.DataCiteInvalid, match="creators"):
        c.datacite_json(record(creators=()))


# ------------------------------------------------------------------------------------------
# Data queries


def test_pinning_sets_as_of_and_keeps_the_rest_of_the_url_as_written() -> None:
    moment = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    url = "https://v.example/sdmx/v2/data/dataflow/VOICES/F/+/*?c%5BSEX%5D=F&asOf=2020-01-01"
    assert pin_url(url, moment) == (
        "https://v.example/sdmx/v2/data/dataflow/VOICES/F/+/*?c%5BSEX%5D=F"
        "&asOf=2024-05-01T12:00:00.123456Z"
    )
    assert pin_url("/sdmx/v1/data/F", moment) == "/sdmx/v1/data/F?asOf=2024-05-01T12:00:00.123456Z"


def test_a_query_citation_lists_each_release_it_drew_on() -> None:
    first, second = record(), record(key="ds-ffffffffff-v1", title="Stunting in Nepal")
    cited = c.QueryCitation(
        url="https://v.example/sdmx/v1/data/F",
        pinned_url="https://v.example/sdmx/v1/data/F?asOf=2024-05-01T12:00:00.000000Z",
        as_of=datetime(2024, 5, 1, 12, tzinfo=UTC),
        observations=5,
        numbers_sha256="cd" * 32,
        releases=(
            c.ReleaseUse(first, "ab" * 32, 3),
            c.ReleaseUse(second, "ef" * 32, 2, "superseded"),
        ),
    )
    text = c.query_text(cited)
    assert cited.pinned_url in text and "5 observations from 2 releases" in text
    assert "1. LNOB Kenya coalition; Kamau, Wanjiru (2024): Child marriage in Mombasa." in text
    assert "2. " in text and "Stunting in Nepal" in text and CAVEAT in text
    body = c.query_json(cited)
    assert [r["id"] for r in body["releases"]] == ["ds-1a2b3c4d5e-v2", "ds-ffffffffff-v1"]
    assert body["releases"][1]["status"] == "superseded"
    bib = c.query_bibtex(cited)
    assert bib.count("@misc{") == 2 and bib.count(cited.pinned_url) == 2
    items = json.loads(c.QUERY_RENDERERS["csl"](cited))
    assert [i["type"] for i in items] == ["dataset", "dataset"]
    assert all(cited.pinned_url in i["note"] for i in items)
    ris = c.query_ris(cited)
    assert ris.count("TY  - DATA\r\n") == 2 and ris.count("ER  - \r\n") == 2
    assert replace(first, notes=()) == first  # the releases' own records are left untouched
