"""The methodology metadata model: value forms, enumerations, blocks and the document."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from voicescount.intake import licences

Severity = Literal["error", "warning"]

#: The name under which the JSON Schema is served (``/schemas/{SCHEMA_NAME}.json``) and its title.
SCHEMA_NAME = "methodology-metadata"
SCHEMA_TITLE = "MethodologyMetadata"

# --- value forms ----------------------------------------------------------------------------

# RFC 5646 language tags without the grandfathered and 4–8 letter registered-language forms
# (unused in practice, and they would let plain words such as "english" pass).
LANGUAGE_TAG_PATTERN = (
    r"^[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-x(?:-[A-Za-z0-9]{1,8})+)?$"
)
ALPHA2_PATTERN = r"^[A-Z]{2}$"
# M49 numbers as the SDG REF_AREA codelist writes them (no leading zeros), or ISO 3166-2.
#: An SDMX code id: M49 numbers and ISO 3166-2 codes in the community flow, and whatever codes the
#: area codelist of an imported national flow uses (Kenya's: KE, KE_001…); the registry check
#: then names the codes that are not in the dataset's area codelist.
REF_AREA_PATTERN = r"^[A-Za-z0-9_@$\-]{1,40}$"
GOAL_PATTERN = r"^(?:1[0-7]|[1-9])$"
TARGET_PATTERN = r"^(?:1[0-7]|[1-9])\.(?:[1-9][0-9]?|[a-z])$"
INDICATOR_PATTERN = r"^(?:1[0-7]|[1-9])\.(?:[1-9][0-9]?|[a-z])\.[1-9][0-9]?$"
SHA256_PATTERN = r"^[0-9a-fA-F]{64}$"
ORCID_PATTERN = r"^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$"
ROR_PATTERN = r"^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^\+?[0-9][0-9 ()\-]{5,19}$"

#: What to tell a data officer whose value does not match a pattern (Pydantic would quote the regex).
_PATTERN_HINTS = {
    LANGUAGE_TAG_PATTERN: "must be a BCP-47 language tag such as en, sw, ne, bn, hi, vi or pt-BR",
    ALPHA2_PATTERN: "must be an ISO 3166-1 alpha-2 country code in capitals, such as KE, NP, IN, BD or VN",
    REF_AREA_PATTERN: "must be a REF_AREA code: an M49 number such as 404, an ISO 3166-2 code such as KE-28, or a code of the national area codelist the dataset reports against",
    GOAL_PATTERN: "must be an SDG goal number from 1 to 17, written as text (e.g. '5')",
    TARGET_PATTERN: "must be an SDG target code such as 5.3 or 10.a, written as text (quote it in YAML)",
    INDICATOR_PATTERN: "must be an SDG indicator code such as 5.3.1, written as text",
    SHA256_PATTERN: "must be a SHA-256 checksum: 64 hexadecimal characters",
    ORCID_PATTERN: "must be an ORCID iD such as 0000-0002-1825-0097 (without https://orcid.org/)",
    ROR_PATTERN: "must be a ROR id such as 02mhbdp94 (without https://ror.org/)",
    EMAIL_PATTERN: "must be an e-mail address",
    PHONE_PATTERN: "must be a phone number, preferably international (e.g. +254 700 000000)",
    licences.LICENSE_REF_PATTERN: "must be LicenseRef- followed by letters, digits, '.' or '-'",
}


def _not_a_number(value: Any) -> Any:
    # Pydantic reads numbers as Unix timestamps; in a methodology document a number where a date
    # belongs is always a mistake (e.g. "2024" for a year), never seconds since 1970.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError("iso_date", "must be a date written YYYY-MM-DD, not a number")
    return value


def _orcid_checksum(value: str) -> str:
    # ISO 7064 MOD 11-2, as ORCID specifies: catches the transposed digits a pattern lets through.
    digits = value.replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    if digits[-1] != ("X" if check == 10 else str(check)):
        raise PydanticCustomError(
            "orcid_checksum", "is not a valid ORCID iD (its check digit is wrong)"
        )
    return value


def _check_licence(value: str) -> str:
    if licences.is_known_licence(value):
        return value
    suggestion = licences.suggest_licence(value)
    hint = f" Did you mean {suggestion}?" if suggestion else ""
    raise PydanticCustomError(
        "licence",
        "is not on the list of accepted SPDX licence identifiers (e.g. CC-BY-4.0, CC0-1.0, "
        "ODbL-1.0); for terms of your own use LicenseRef-<name> and give licence_url.{hint}",
        {"hint": hint},
    )


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
LanguageTag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=LANGUAGE_TAG_PATTERN),
    Field(description="BCP-47 language tag, e.g. en, sw, ne, bn, hi, vi.", examples=["sw"]),
]
CountryCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=ALPHA2_PATTERN)]
AreaCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=REF_AREA_PATTERN),
    Field(
        description="REF_AREA code: M49 number (e.g. 404 for Kenya) or ISO 3166-2 code (e.g. KE-28).",
        examples=["KE-28"],
    ),
]
GoalCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=GOAL_PATTERN)]
TargetCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=TARGET_PATTERN)]
IndicatorCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=INDICATOR_PATTERN)]
Sha256 = Annotated[str, StringConstraints(strip_whitespace=True, pattern=SHA256_PATTERN)]
Orcid = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=ORCID_PATTERN),
    AfterValidator(_orcid_checksum),
]
Ror = Annotated[str, StringConstraints(strip_whitespace=True, pattern=ROR_PATTERN)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, pattern=EMAIL_PATTERN)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_PATTERN)]
IsoDate = Annotated[date, BeforeValidator(_not_a_number)]
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]
Count = Annotated[int, Field(ge=0)]
LicenceId = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    AfterValidator(_check_licence),
    WithJsonSchema(
        {
            "type": "string",
            "anyOf": [
                {"enum": list(licences.SPDX_LICENCES)},
                {"pattern": licences.LICENSE_REF_PATTERN},
            ],
            "examples": ["CC-BY-4.0", "LicenseRef-KeCoalition-Data-Use-1.0"],
        }
    ),
]


class _Model(BaseModel):
    # extra="forbid": a misspelt field name must be reported, not silently dropped — otherwise a
    # coalition believes it documented something the statistics office never sees.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- enumerations ----------------------------------------------------------------------------


class CreatorType(StrEnum):
    """Whether a creator is a person or an organisation."""

    PERSON = "person"
    ORGANISATION = "organisation"


class ContributorRole(StrEnum):
    """DataCite contributor types: what a contributor did."""

    CONTACT_PERSON = "ContactPerson"
    DATA_COLLECTOR = "DataCollector"
    DATA_CURATOR = "DataCurator"
    DATA_MANAGER = "DataManager"
    DISTRIBUTOR = "Distributor"
    EDITOR = "Editor"
    HOSTING_INSTITUTION = "HostingInstitution"
    PRODUCER = "Producer"
    PROJECT_LEADER = "ProjectLeader"
    PROJECT_MANAGER = "ProjectManager"
    PROJECT_MEMBER = "ProjectMember"
    RELATED_PERSON = "RelatedPerson"
    RESEARCHER = "Researcher"
    RESEARCH_GROUP = "ResearchGroup"
    RIGHTS_HOLDER = "RightsHolder"
    SPONSOR = "Sponsor"
    SUPERVISOR = "Supervisor"
    OTHER = "Other"


class OrganisationType(StrEnum):
    """Kind of producing organisation: civil-society organisation (CSO), community-based
    organisation (CBO), non-governmental organisation (NGO), coalition, academic, or other."""

    CSO = "CSO"
    CBO = "CBO"
    NGO = "NGO"
    COALITION = "coalition"
    ACADEMIC = "academic"
    OTHER = "other"


class AccessRights(StrEnum):
    """Who may obtain the data: everyone (public), approved users (restricted), everyone after a
    date (embargoed), or nobody outside the producer and the statistics office (closed)."""

    PUBLIC = "public"
    RESTRICTED = "restricted"
    EMBARGOED = "embargoed"
    CLOSED = "closed"


class KindOfData(StrEnum):
    """How the data came about (DDI 'kind of data'; SDG metadata 3.a source type)."""

    HOUSEHOLD_SURVEY = "household_survey"
    COMMUNITY_SCORECARD = "community_scorecard"
    FOCUS_GROUP = "focus_group"
    KEY_INFORMANT_INTERVIEW = "key_informant_interview"
    CITIZEN_DIALOGUE = "citizen_dialogue"
    ADMINISTRATIVE = "administrative"
    OTHER = "other"


QUALITATIVE_KINDS = frozenset(
    {KindOfData.FOCUS_GROUP, KindOfData.KEY_INFORMANT_INTERVIEW, KindOfData.CITIZEN_DIALOGUE}
)


class EngagementStage(StrEnum):
    """A stage of the data value chain in which citizens can be engaged."""

    DESIGN = "design"
    COLLECTION = "collection"
    ANALYSIS = "analysis"
    DISSEMINATION = "dissemination"
    USE = "use"


class SdgRelation(StrEnum):
    """How the data relate to the SDG indicator: exact (same definition and method), proxy
    (measures the same concept differently), complementary (adds a dimension the indicator lacks,
    e.g. a group it does not break down), contextual (explains or illustrates; not a measurement)."""

    EXACT = "exact"
    PROXY = "proxy"
    COMPLEMENTARY = "complementary"
    CONTEXTUAL = "contextual"


class Periodicity(StrEnum):
    """How often the data are collected."""

    ONE_OFF = "one_off"
    CONTINUOUS = "continuous"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMI_ANNUAL = "semi_annual"
    ANNUAL = "annual"
    IRREGULAR = "irregular"


class Identification(StrEnum):
    """How membership of a target group was established: the person said so (self), the
    collector judged it (observer), it came from records or registers (records), or other."""

    SELF = "self"
    OBSERVER = "observer"
    RECORDS = "records"
    OTHER = "other"


class UnitOfAnalysis(StrEnum):
    """What one record or score describes."""

    INDIVIDUAL = "individual"
    HOUSEHOLD = "household"
    FACILITY = "facility"
    COMMUNITY = "community"


class InstrumentType(StrEnum):
    """Kind of data collection instrument."""

    QUESTIONNAIRE = "questionnaire"
    SCORECARD_TEMPLATE = "scorecard_template"
    DISCUSSION_GUIDE = "discussion_guide"
    INTERVIEW_GUIDE = "interview_guide"
    OBSERVATION_CHECKLIST = "observation_checklist"
    REGISTRATION_FORM = "registration_form"
    OTHER = "other"


class CollectionModeType(StrEnum):
    """Mode of collection: computer-assisted personal interview (CAPI), paper (PAPI), telephone
    (CATI), web self-completion (CAWI), focus group, community meeting, interview, or other."""

    CAPI = "CAPI"
    PAPI = "PAPI"
    CATI = "CATI"
    CAWI = "CAWI"
    FOCUS_GROUP = "focus_group"
    MEETING = "meeting"
    INTERVIEW = "interview"
    OTHER = "other"


class SamplingDesign(StrEnum):
    """How respondents, households or communities were chosen. Only 'census' and 'probability'
    support estimates for the whole population with known precision."""

    CENSUS = "census"
    PROBABILITY = "probability"
    PURPOSIVE = "purposive"
    QUOTA = "quota"
    SNOWBALL = "snowball"
    CONVENIENCE = "convenience"


class WeightingMethod(StrEnum):
    """How records are weighted in estimates: not at all, by design weights (inverse selection
    probabilities), post-stratified to known totals, or raked to several margins."""

    NONE = "none"
    DESIGN = "design"
    POST_STRATIFICATION = "post_stratification"
    RAKING = "raking"


class ConsentType(StrEnum):
    """How consent was obtained and recorded."""

    INFORMED = "informed"
    VERBAL = "verbal"
    WRITTEN = "written"


# --- blocks ----------------------------------------------------------------------------------


class Creator(_Model):
    """A person or organisation credited as an author of the dataset (DataCite Creator)."""

    name: Text = Field(
        description="Full name of the person or organisation, as it should appear in citations.",
        examples=["Wanjiru Kamau", "Example Community Network"],
    )
    type: CreatorType = Field(description="'person' or 'organisation'.")
    orcid: Orcid | None = Field(
        None,
        description="ORCID iD of a person, without https://orcid.org/ (e.g. 0000-0002-1825-0097).",
    )
    ror: Ror | None = Field(
        None, description="ROR id of an organisation, without https://ror.org/ (e.g. 02mhbdp94)."
    )
    affiliation: Text | None = Field(
        None, description="Organisation a person worked for when creating the dataset."
    )


class Contributor(_Model):
    """Someone who contributed without being an author: enumerators, facilitators, curators."""

    name: Text = Field(
        description="Name of the person, or a group label such as 'Ward 4 youth volunteers'."
    )
    role: ContributorRole = Field(description="What they did, as a DataCite contributor type.")
    pseudonymous: bool = Field(
        False,
        description="True when 'name' is a pseudonym or group label chosen to protect community "
        "members; the statistics office will not ask for the real name.",
    )
    orcid: Orcid | None = Field(None, description="ORCID iD, if the contributor has one.")
    affiliation: Text | None = Field(None, description="Organisation of the contributor.")


class Organisation(_Model):
    """The organisation legally responsible for the data."""

    legal_name: Text = Field(description="Registered name of the organisation.")
    type: OrganisationType = Field(description="CSO, CBO, NGO, coalition, academic or other.")
    registration_no: Text | None = Field(
        None,
        description="Registration number with the national NGO/CSO registrar, if registered; "
        "statistics offices use it to confirm who the producer is.",
    )
    country: CountryCode = Field(
        description="Country of registration, ISO 3166-1 alpha-2 (e.g. KE).", examples=["NP"]
    )
    website: HttpUrl | None = Field(None, description="Public website of the organisation.")


class Funding(_Model):
    """A source of funds for producing the data (DataCite FundingReference)."""

    funder: Text = Field(description="Name of the funder.")
    grant_id: Text | None = Field(None, description="Grant or contract number, if any.")


class Producer(_Model):
    """Who produced the data, on whose behalf, with whose money (credibility and impartiality)."""

    organisation: Organisation = Field(description="The producing organisation.")
    coalition: Text | None = Field(
        None,
        description="Coalition the producer acts for, e.g. the national Leave No One Behind "
        "coalition.",
    )
    funding: list[Funding] = Field(
        default_factory=list, description="Funders of the data production (may be empty)."
    )
    conflicts_of_interest: Text = Field(
        description="Interests that could affect, or seem to affect, the data — funding tied to "
        "results, advocacy positions, relationships with service providers scored. Write "
        "'None known' if there are none; do not leave it out.",
    )


class ContactPoint(_Model):
    """Whom the statistics office and users contact about the dataset."""

    name: Text = Field(description="Name of a person or a role (e.g. 'Data officer').")
    email: Email = Field(description="E-mail address that is read.")
    phone: Phone | None = Field(None, description="Phone number, in international form.")


class Engagement(_Model):
    """How citizens were engaged in one stage of the data value chain (Copenhagen Framework)."""

    stage: EngagementStage = Field(
        description="Stage of the data value chain: design, collection, analysis, dissemination "
        "or use. The Copenhagen Framework counts data as citizen data when citizens are engaged "
        "at least in design or collection."
    )
    level: int = Field(
        ge=1,
        le=5,
        description="Level of citizen engagement at this stage on the Copenhagen Framework's "
        "five-level ladder: 1 information (citizens are told, one way), 2 consultation (views "
        "are asked, with no commitment to use them), 3 conciliation / limited participation "
        "(citizens take part, decisions stay with the organisers), 4 collaboration (citizens "
        "share decisions), 5 self-determination (communities initiate, lead and control). "
        "The framework treats levels 4 and 5 as sufficient engagement.",
    )
    description: Text = Field(
        description="What citizens actually did at this stage and who they were."
    )


class CommunityValidation(_Model):
    """Findings returned to the community and confirmed by it (needed before publication)."""

    done: bool = Field(description="Whether the results have been validated with the community.")
    date: IsoDate | None = Field(None, description="When validation took place (YYYY-MM-DD).")
    method: Text | None = Field(
        None, description="How: validation meetings, feedback sessions, review by representatives."
    )
    participants_by_group: dict[Text, Count] = Field(
        default_factory=dict,
        description="Number of people who took part, by group (target-group code or label).",
    )


class Governance(_Model):
    """Who owns the data and on what terms others may use them."""

    data_owner: Text = Field(
        description="Who owns the data (the producer, the communities, jointly…)."
    )
    sharing_agreement_url: HttpUrl | None = Field(
        None, description="Link to the data-sharing agreement with the statistics office, if any."
    )
    permitted_uses: Text = Field(
        description="Uses the communities agreed to (e.g. SDG and VNR reporting, advocacy) and "
        "any uses excluded."
    )
    withdrawal_procedure: Text = Field(
        description="How a community or person can withdraw their data, and what happens then."
    )


class SdgMapping(_Model):
    """How the dataset relates to one SDG indicator."""

    goal: GoalCode | None = Field(
        None, description="SDG goal (e.g. '5'); optional, must agree with the indicator."
    )
    target: TargetCode | None = Field(
        None, description="SDG target (e.g. '5.3'); optional, must agree with the indicator."
    )
    indicator: IndicatorCode = Field(
        description="SDG indicator code from the global framework (e.g. '5.3.1').",
        examples=["10.2.1"],
    )
    series_code: Text | None = Field(
        None,
        description="SDMX SERIES code the data report, if they follow an official or registered "
        "community series (e.g. SP_DYN_MRBF18); it must measure the indicator.",
    )
    relation: SdgRelation = Field(
        description="exact, proxy, complementary or contextual: how close the data come to the "
        "indicator's definition."
    )
    concordance_note: Text | None = Field(
        None,
        description="How the data differ from the indicator's definition (population, concept, "
        "method). Expected for every relation other than 'exact'.",
    )
    national_indicator_code: Text | None = Field(
        None, description="Code of the matching indicator in the national SDG framework, if any."
    )


class Period(_Model):
    """A span of days, both ends included."""

    start: IsoDate = Field(description="First day (YYYY-MM-DD).")
    end: IsoDate = Field(description="Last day (YYYY-MM-DD); not before 'start'.")


class Geography(_Model):
    """Where the data were collected and what areas they describe."""

    country: CountryCode = Field(
        description="Country covered, ISO 3166-1 alpha-2 (e.g. KE).", examples=["KE"]
    )
    areas: list[AreaCode] = Field(
        default_factory=list,
        description="Areas covered, as REF_AREA codes inside the country: ISO 3166-2 "
        "subdivisions (e.g. KE-28, NP-P2) or M49 numbers. Leave empty only if the data cover the "
        "whole country.",
    )
    lowest_level: Text = Field(
        description="Finest geographic level in the data (e.g. county, ward, village, site).",
        examples=["ward"],
    )


class Universe(_Model):
    """The population the data are about."""

    description: Text = Field(
        description="Who or what is covered, and who is left out (e.g. 'adults living in the "
        "five informal settlements, excluding people in institutions')."
    )
    population_size: int | None = Field(
        None,
        ge=1,
        description="Size of that population, if known (same unit as the sample); the achieved "
        "sample cannot exceed it.",
    )


class TargetGroup(_Model):
    """A population group the data are broken down by or focus on."""

    code: Text = Field(
        description="CUST_BREAKDOWN code of the group (e.g. LNOB_PWD for people with "
        "disabilities; _T for everyone).",
        examples=["LNOB_PWD"],
    )
    label: Text = Field(description="Name of the group as the coalition uses it.")
    identification: Identification = Field(
        description="How membership was established: self (self-identification, as the "
        "human-rights based approach to data recommends), observer, records or other."
    )


class Instrument(_Model):
    """A questionnaire, scorecard template or guide used to collect the data."""

    type: InstrumentType = Field(description="Kind of instrument.")
    title: Text = Field(description="Title of the instrument.")
    language: LanguageTag = Field(description="Language of this version (BCP-47, e.g. sw).")
    file_sha256: Sha256 | None = Field(
        None,
        description="SHA-256 of the instrument file you upload alongside, so reviewers know "
        "exactly which version was used.",
    )
    xlsform_version: Text | None = Field(
        None, description="Version string of the XLSForm, for ODK/KoBoToolbox forms."
    )
    co_designed: bool = Field(
        description="Whether community members helped design this instrument."
    )
    pretested: bool = Field(description="Whether the instrument was pretested before use.")


class CollectionMode(_Model):
    """How the data were captured."""

    mode: CollectionModeType = Field(
        description="CAPI, PAPI, CATI, CAWI, focus_group, meeting, interview or other."
    )
    tool: Text = Field(
        description="Software or medium used (e.g. KoBoToolbox, ODK Collect, SurveyCTO, paper).",
        examples=["KoBoToolbox"],
    )


class DataCollectors(_Model):
    """Who collected the data and how they were prepared and supervised."""

    who: Text = Field(
        description="Who collected (e.g. community volunteers from the groups surveyed)."
    )
    training: Text = Field(description="Training given: length, content, by whom.")
    supervision: Text = Field(description="How collection was supervised in the field.")


class Sampling(_Model):
    """How the units were selected."""

    design: SamplingDesign = Field(
        description="census, probability, purposive, quota, snowball or convenience."
    )
    frame: Text | None = Field(
        None,
        description="List or map the sample was drawn from. Required for a probability sample.",
    )
    stratification: Text | None = Field(None, description="Strata used, if any.")
    selection: Text | None = Field(
        None,
        description="How units were selected at each stage. Required for a probability sample.",
    )
    size_planned: Count = Field(description="Number of units you planned to reach.")
    size_achieved: Count = Field(description="Number of units actually covered.")
    response_rate: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of eligible sampled units that responded, as a proportion between 0 "
        "and 1 (0.87, not 87). Required for a probability sample.",
    )
    deviations: Text | None = Field(
        None, description="Where and why the sampling differed from the plan."
    )


class Weighting(_Model):
    """Whether and how records are weighted."""

    method: WeightingMethod = Field(description="none, design, post_stratification or raking.")
    weight_variable: Text | None = Field(
        None, description="Column holding the weights. Only when method is not 'none'."
    )
    benchmarks: Text | None = Field(
        None, description="Population totals the weights were calibrated to, with their source."
    )


class Computation(_Model):
    """How one published measure is computed from the collected data (SDG metadata 4.c)."""

    measure: Text = Field(
        description="Name of the measure, as published (e.g. 'Share of women who report "
        "discrimination in the last 12 months').",
    )
    indicator: IndicatorCode | None = Field(
        None, description="SDG indicator code the measure reports on, if any."
    )
    series: Text | None = Field(None, description="SERIES code the measure is published under.")
    numerator: Text | None = Field(None, description="What is counted in the numerator.")
    denominator: Text | None = Field(
        None, description="What is counted in the denominator (for rates and proportions)."
    )
    formula: Text = Field(description="The calculation, in words or as a formula.")
    aggregation: Text = Field(
        description="How values are combined across units, areas or groups (e.g. unweighted "
        "mean across wards)."
    )
    scorecard_scale: Text | None = Field(
        None, description="For scores: the scale and what its ends mean (e.g. 1 = very poor)."
    )


class Scorecard(_Model):
    """How a community scorecard was run. Required when kind_of_data is community_scorecard."""

    n_indicators: int = Field(ge=1, description="Number of indicators scored (e.g. 41).")
    scale: Text = Field(
        description="Scoring scale and the meaning of its points (e.g. 1–5 smiley faces)."
    )
    scoring_rules: Text = Field(
        description="How a score is agreed: consensus, vote, average of individual scores."
    )
    facilitation: Text = Field(
        description="Who facilitated, and whether service providers were present when scoring."
    )
    participants_by_group: dict[Text, Count] = Field(
        min_length=1,
        description="Number of participants by group (target-group code or label, e.g. "
        "LNOB_WOMEN_GIRLS, service providers).",
    )


class QualitativeMethods(_Model):
    """How focus groups, interviews or dialogues were run and analysed. Required when
    kind_of_data is focus_group, key_informant_interview or citizen_dialogue."""

    protocol: Text = Field(
        description="How sessions were run: guide, duration, group composition, recording."
    )
    participants_by_group: dict[Text, Count] = Field(
        min_length=1,
        description="Number of participants by group (target-group code or label).",
    )
    analysis_approach: Text = Field(
        description="How findings were drawn (e.g. thematic coding by two analysts)."
    )


class QualityControl(_Model):
    """What was done to keep errors out of the data."""

    checks: Text = Field(description="Automatic and manual checks during collection.")
    cleaning: Text = Field(description="How data were cleaned after collection, and by whom.")
    duplicates: Text = Field(description="How duplicate records were found and handled.")
    supervision: Text = Field(description="Quality supervision of collectors and sites.")
    back_checks: Text = Field(
        description="Re-visits or call-backs to verify records; say 'none' if none were made."
    )


class Precision(_Model):
    """Sampling error of estimates. Required for a probability sample."""

    method: Text = Field(
        description="How standard errors or confidence intervals were estimated (e.g. "
        "Taylor linearisation accounting for clustering)."
    )
    ci_level: float = Field(gt=0, lt=1, description="Confidence level of the intervals, e.g. 0.95.")


class Consent(_Model):
    """How participants agreed to take part."""

    type: ConsentType = Field(description="informed, verbal or written.")
    languages: list[LanguageTag] = Field(
        min_length=1, description="Languages consent was sought in (BCP-47)."
    )
    minors_policy: Text = Field(
        description="Whether children took part, and if so how parental consent and child "
        "assent were obtained."
    )
    script_ref: Text | None = Field(
        None, description="Reference to the consent script or form submitted alongside."
    )


class EthicsApproval(_Model):
    """Approval by an ethics committee or authority, where national law requires one."""

    body: Text = Field(description="Committee or authority that approved.")
    reference: Text = Field(description="Approval reference number.")
    date: IsoDate = Field(description="Date of approval (YYYY-MM-DD).")


class Deidentification(_Model):
    """What was done to stop individuals being identified."""

    direct_ids_removed: bool = Field(
        description="Whether names, phone numbers, exact locations and similar were removed "
        "from the submitted data."
    )
    method: Text = Field(
        description="How identifiers were removed or coarsened (e.g. GPS rounded to ward)."
    )


class Ethics(_Model):
    """Consent, approval, de-identification and harm assessment."""

    consent: Consent = Field(description="How consent was obtained.")
    approval: EthicsApproval | None = Field(
        None, description="Ethics approval, where national law requires it."
    )
    deidentification: Deidentification = Field(description="Protection of identities.")
    harm_assessment: Text = Field(
        description="Risks to participants and communities from collecting and publishing "
        "these data (e.g. retaliation by service providers), and how they were reduced."
    )


class SourceSystem(_Model):
    """The data collection platform the data were exported from (provenance)."""

    platform: Text = Field(
        description="Platform name (e.g. KoBoToolbox, ODK Central, SurveyCTO).",
        examples=["KoBoToolbox"],
    )
    form_id: Text = Field(description="Form or asset id on the platform.")
    form_version: Text = Field(description="Version of the form deployed.")
    export_id: Text = Field(description="Id of the export or download the data come from.")
    exported_at: IsoDateTime = Field(
        description="When the export was made, with time zone (e.g. 2024-03-31T14:05:00+03:00)."
    )


class ProcessingStep(_Model):
    """A step between the export and the submitted file (cleaning, recoding, aggregation)."""

    description: Text = Field(description="What the step did.")
    script_sha256: Sha256 = Field(
        description="SHA-256 of the script or notebook that ran (64 hexadecimal characters)."
    )
    run_at: IsoDateTime = Field(description="When it ran, with time zone.")


# --- the document ----------------------------------------------------------------------------


class MethodologyMetadata(_Model):
    """Methodology metadata for one version of a community-generated dataset.

    A coalition submits this with each dataset version; the national statistics office reviews
    the data against it. Fields listed as required must be filled in before submission; some
    others become required depending on answers (e.g. 'scorecard' when kind_of_data is
    community_scorecard; sampling frame, selection, response rate and precision for probability
    samples) or are needed before publication ('community_validation'). Unknown field names are
    rejected, so a typo is reported instead of being lost.
    """

    model_config = ConfigDict(
        title=SCHEMA_TITLE,
        json_schema_extra={
            # The conditional requirements, so that schema-aware editors warn as our checks do.
            "allOf": [
                {
                    "if": {
                        "properties": {"kind_of_data": {"const": "community_scorecard"}},
                        "required": ["kind_of_data"],
                    },
                    "then": {"required": ["scorecard"]},
                },
                {
                    "if": {
                        "properties": {"kind_of_data": {"enum": sorted(QUALITATIVE_KINDS)}},
                        "required": ["kind_of_data"],
                    },
                    "then": {"required": ["qualitative_methods"]},
                },
                {
                    "if": {
                        "properties": {"access_rights": {"const": "embargoed"}},
                        "required": ["access_rights"],
                    },
                    "then": {"required": ["embargo_until"]},
                },
                {
                    "if": {
                        "properties": {"licence": {"pattern": "^LicenseRef-"}},
                        "required": ["licence"],
                    },
                    "then": {"required": ["licence_url"]},
                },
                {
                    "if": {
                        "properties": {
                            "sampling": {
                                "properties": {"design": {"const": "probability"}},
                                "required": ["design"],
                            }
                        },
                        "required": ["sampling"],
                    },
                    "then": {
                        "required": ["precision"],
                        "properties": {
                            "sampling": {"required": ["frame", "selection", "response_rate"]}
                        },
                    },
                },
                {
                    "properties": {
                        "engagement": {
                            "contains": {
                                "properties": {"stage": {"enum": ["design", "collection"]}},
                                "required": ["stage"],
                            }
                        }
                    }
                },
            ]
        },
    )

    # Identification and citation
    title: Text = Field(description="Title of the dataset, in the main language of submission.")
    title_translations: dict[LanguageTag, Text] = Field(
        default_factory=dict,
        description="The title in other languages: BCP-47 language tag → title.",
        examples=[{"sw": "Mazungumzo ya jamii kuhusu ujumuishwaji"}],
        # Pydantic states the key pattern only as patternProperties, which lets other keys pass.
        json_schema_extra={"propertyNames": {"pattern": LANGUAGE_TAG_PATTERN}},
    )
    abstract: str = Field(
        min_length=50,
        max_length=5000,
        description="What the data are, why they were collected, and what they show — 50 to "
        "5000 characters, for the catalogue and citation.",
    )
    version_notes: Text | None = Field(
        None, description="What changed since the previous version (from the second version on)."
    )
    creators: list[Creator] = Field(
        min_length=1, description="Authors credited in citations, in citation order."
    )
    contributors: list[Contributor] = Field(
        default_factory=list,
        description="Other contributors (collectors, facilitators, curators).",
    )
    producer: Producer = Field(description="The producing organisation, coalition and funding.")
    contact_point: ContactPoint = Field(description="Contact for questions about the data.")

    # Terms
    licence: LicenceId = Field(
        description="Licence of the data as an SPDX identifier (e.g. CC-BY-4.0, CC0-1.0, "
        "ODbL-1.0), or LicenseRef-<name> for terms of your own (then give licence_url)."
    )
    licence_url: HttpUrl | None = Field(
        None, description="Where the licence text is. Required for LicenseRef- licences."
    )
    access_rights: AccessRights = Field(description="public, restricted, embargoed or closed.")
    embargo_until: IsoDate | None = Field(
        None,
        description="Date the embargo ends (YYYY-MM-DD). Required when access_rights is embargoed.",
    )
    keywords: list[Text] = Field(default_factory=list, description="Free keywords for search.")
    languages: list[LanguageTag] = Field(
        min_length=1, description="Languages of the data and documentation (BCP-47)."
    )

    # Citizen engagement and governance
    engagement: list[Engagement] = Field(
        min_length=1,
        description="Citizen engagement per stage of the data value chain. Under the Copenhagen "
        "Framework on Citizen Data, citizens must be engaged at least in design or collection.",
    )
    community_validation: CommunityValidation | None = Field(
        None,
        description="Return of the results to the community. Needed before publication; may be "
        "added after submission.",
    )
    governance: Governance = Field(description="Ownership, permitted uses and withdrawal.")

    # What is measured
    kind_of_data: KindOfData = Field(
        description="household_survey, community_scorecard, focus_group, "
        "key_informant_interview, citizen_dialogue, administrative or other."
    )
    sdg_mappings: list[SdgMapping] = Field(
        min_length=1, description="SDG indicators the data relate to, and how closely."
    )
    rationale: Text | None = Field(
        None, description="Why these data matter for the SDG targets and the groups concerned."
    )
    unit_of_measure: Text = Field(
        description="SDMX UNIT_MEASURE code of the published values (e.g. PT percent, NUMBER, "
        "SCORE).",
        examples=["PT"],
    )
    reference_period: Period = Field(description="The period the data describe.")
    collection_period: Period = Field(description="When the data were collected.")
    periodicity: Periodicity = Field(description="How often collection is repeated.")
    geography: Geography = Field(description="Country and areas covered.")
    universe: Universe = Field(description="Population the data are about.")
    target_groups: list[TargetGroup] = Field(
        min_length=1, description="Population groups the data focus on or are broken down by."
    )
    unit_of_analysis: UnitOfAnalysis = Field(
        description="individual, household, facility or community."
    )

    # How the data were collected
    instruments: list[Instrument] = Field(
        min_length=1, description="Questionnaires, scorecard templates and guides used."
    )
    collection_mode: CollectionMode = Field(description="Mode and tool of collection.")
    data_collectors: DataCollectors = Field(description="Who collected, trained and supervised.")
    sampling: Sampling = Field(description="Selection of units and sample sizes.")
    weighting: Weighting = Field(description="Weights used in estimates, if any.")
    computation: list[Computation] = Field(
        min_length=1, description="How each published measure is calculated."
    )
    scorecard: Scorecard | None = Field(
        None, description="Scorecard method. Required when kind_of_data is community_scorecard."
    )
    qualitative_methods: QualitativeMethods | None = Field(
        None,
        description="Qualitative method. Required for focus_group, key_informant_interview and "
        "citizen_dialogue.",
    )
    quality_control: QualityControl = Field(description="Checks, cleaning and supervision.")
    missing_data_treatment: Text | None = Field(
        None, description="How missing answers were treated (excluded, imputed, reported)."
    )
    precision: Precision | None = Field(
        None, description="Sampling error of estimates. Required for a probability sample."
    )
    limitations: Text = Field(
        description="What the data cannot show and how they should not be used (e.g. not "
        "representative beyond the sites); also say which figures in this file are estimates."
    )

    # Ethics
    ethics: Ethics = Field(description="Consent, approval, de-identification, harm assessment.")

    # Provenance declared by the coalition
    source_system: SourceSystem | None = Field(
        None, description="The collection platform export the data come from, if any."
    )
    processing_steps: list[ProcessingStep] = Field(
        default_factory=list,
        description="Processing between the export and the submitted file, in order.",
    )
    derived_from: list[Text] = Field(
        default_factory=list,
        description="Identifiers (DOI, handle, or voicescount dataset@version) of earlier "
        "datasets or versions these data were derived from.",
    )


def kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false value"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    if isinstance(value, Mapping):
        return "mapping"
    return type(value).__name__
