"""Labels of the codes the pages show (decisions, outcomes, methods…), marked for translation.

Each map holds English messages (``N_``); :func:`label` translates one for a page.
"""

from __future__ import annotations

from collections.abc import Mapping

from voicescount.web.i18n import N_, Translator

DECISIONS: dict[str, str] = {
    "OFFICIAL": N_("Official"),
    "COMPLEMENTARY": N_("Complementary"),
    "CONTEXTUAL": N_("Contextual"),
}
DECISION_MEANINGS: dict[str, str] = {
    "OFFICIAL": N_("Accepted by the statistics office for official reporting."),
    "COMPLEMENTARY": N_(
        "Citizen-generated data complementing official statistics, reviewed by the "
        "statistics office."
    ),
    "CONTEXTUAL": N_("Contextual evidence, reviewed by the statistics office; for narrative use."),
}
#: How the default caveat names each decision (``publishing.rules.DECISIONS``, translated).
CAVEAT_DECISIONS: dict[str, str] = {
    "OFFICIAL": N_("accepted for official reporting"),
    "COMPLEMENTARY": N_("citizen-generated data complementing official statistics"),
    "CONTEXTUAL": N_("contextual evidence, for narrative use only"),
}
OUTCOMES: dict[str, str] = {
    "MET": N_("Quality criteria met"),
    "MET_WITH_CONDITIONS": N_("Quality criteria met with conditions"),
    "NOT_MET": N_("Quality criteria not met"),
}
STATUSES: dict[str, str] = {
    "current": N_("Current release"),
    "superseded": N_("Superseded"),
    "withdrawn": N_("Withdrawn"),
}
STATES: dict[str, str] = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "screening": N_("Automatic screening"),
    "returned": N_("Returned to the coalition"),
    "under_review": N_("Under review"),
    "decided": N_("Decided"),
    "published": N_("Published"),
    "superseded": N_("Superseded"),
    "withdrawn": N_("Withdrawn"),
}
KINDS_OF_DATA: dict[str, str] = {
    "household_survey": N_("Household survey"),
    "community_scorecard": N_("Community scorecard"),
    "focus_group": N_("Focus groups"),
    "key_informant_interview": N_("Key informant interviews"),
    "in_depth_interview": N_("In-depth interviews"),
    "citizen_dialogue": N_("Citizen dialogues"),
    "administrative": N_("Administrative records"),
    "observation": N_("Observation"),
    "other": N_("Other"),
}
SAMPLING: dict[str, str] = {
    "census": N_("Census (everyone in the population)"),
    "probability": N_("Probability sample"),
    "purposive": N_("Purposive selection"),
    "quota": N_("Quota sample"),
    "snowball": N_("Snowball sample"),
    "convenience": N_("Convenience sample"),
}
MODES: dict[str, str] = {
    "CAPI": N_("Face-to-face interviews on a tablet or phone (CAPI)"),
    "PAPI": N_("Face-to-face interviews on paper (PAPI)"),
    "CATI": N_("Telephone interviews (CATI)"),
    "CAWI": N_("Web questionnaire (CAWI)"),
    "focus_group": N_("Focus groups"),
    "meeting": N_("Community meetings"),
    "interview": N_("Interviews"),
    "other": N_("Other"),
}
PERIODICITY: dict[str, str] = {
    "one_off": N_("Once"),
    "continuous": N_("Continuously"),
    "monthly": N_("Monthly"),
    "quarterly": N_("Quarterly"),
    "semi_annual": N_("Twice a year"),
    "annual": N_("Yearly"),
    "irregular": N_("Irregularly"),
}
UNITS_OF_ANALYSIS: dict[str, str] = {
    "individual": N_("Individuals"),
    "household": N_("Households"),
    "facility": N_("Facilities"),
    "community": N_("Communities"),
}
RELATIONS: dict[str, str] = {
    "exact": N_("measures the indicator as defined"),
    "proxy": N_("a proxy for the indicator"),
    "complementary": N_("complements the indicator"),
    "contextual": N_("context for the indicator, not a measurement"),
}
ENGAGEMENT: dict[str, str] = {
    "design": N_("Design"),
    "collection": N_("Collection"),
    "analysis": N_("Analysis"),
    "dissemination": N_("Dissemination"),
    "use": N_("Use"),
}
#: Citation formats shown on a dataset page, in order: format name → label.
CITATION_FORMATS: dict[str, str] = {
    "text": N_("Text (DataCite)"),
    "apa": N_("APA"),
    "bibtex": N_("BibTeX"),
    "ris": N_("RIS"),
    "csl": N_("CSL-JSON"),
    "datacite-xml": N_("DataCite XML"),
}
#: The column headers of interface-only columns.
HEADERS: dict[str, str] = {
    "TIME_PERIOD": N_("Period"),
    "OBS_VALUE": N_("Value"),
    "UNIT_MEASURE": N_("Unit"),
    "STATUS": N_("Status"),
    "UNWEIGHTED_N": N_("Respondents (n)"),
}


def translate(tr: Translator, labels: Mapping[str, str], code: str | None) -> str:
    """The translated label of ``code``, or the code made readable."""
    if not code:
        return ""
    known = labels.get(code)
    return tr.gettext(known) if known else code.replace("_", " ")
