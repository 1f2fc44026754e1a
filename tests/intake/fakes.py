"""A small in-memory :class:`~voicescount.intake.vocabulary.Vocabulary` with real codes.

The codes are genuine (SDG framework, CL_SERIES links, M49 and ISO 3166-2, the voicescount
target groups and UNIT_MEASURE codes), only few: enough for the example metadata files and for a
test of each check. Note ISO 3166-2 KE-47 is West Pokot; Nairobi City is KE-30.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GOALS = frozenset({"3", "5", "10"})
TARGETS = frozenset({"3.8", "5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "10.2"})
INDICATORS = frozenset({"3.8.1", "5.1.1", "5.2.1", "5.3.1", "5.4.1", "5.5.1", "5.6.1", "10.2.1"})
#: Series → the indicators it measures (the CL_SERIES annotations of the global SDG DSD).
SERIES = {
    "SP_DYN_MRBF18": frozenset({"5.3.1"}),
    "SI_POV_50MI": frozenset({"10.2.1"}),
}
#: REF_AREA → parent REF_AREA (None at the top).
AREAS: dict[str, str | None] = {
    "50": None,  # Bangladesh
    "356": None,  # India
    "404": None,  # Kenya
    "KE-28": "404",  # Mombasa
    "KE-30": "404",  # Nairobi City
    "KE-47": "404",  # West Pokot
    "524": None,  # Nepal
    "NP-P2": "524",  # Madhesh (Province 2)
    "NP-P5": "524",  # Lumbini (Province 5)
    "NP-P6": "524",  # Karnali (Province 6)
    "704": None,  # Viet Nam
}
COUNTRIES = {"BD": "50", "IN": "356", "KE": "404", "NP": "524", "VN": "704"}
TARGET_GROUPS = frozenset(
    {
        "_T",
        "LNOB_STREET",
        "LNOB_PWD",
        "LNOB_SC",
        "LNOB_SLUM",
        "LNOB_YOUTH",
        "LNOB_ELDERLY",
        "LNOB_FARMERS",
        "LNOB_WOMEN_GIRLS",
    }
)
UNITS = frozenset({"PT", "NUMBER", "SCORE"})


@dataclass
class FakeVocabulary:
    """The protocol over the module's code sets; tests may pass their own sets."""

    goals: frozenset[str] = GOALS
    targets: frozenset[str] = TARGETS
    indicators: frozenset[str] = INDICATORS
    series: dict[str, frozenset[str]] = field(default_factory=lambda: dict(SERIES))
    areas: dict[str, str | None] = field(default_factory=lambda: dict(AREAS))
    countries: dict[str, str] = field(default_factory=lambda: dict(COUNTRIES))
    target_groups: frozenset[str] = TARGET_GROUPS
    units: frozenset[str] = UNITS

    def goal_exists(self, code: str) -> bool:
        return code in self.goals

    def target_exists(self, code: str) -> bool:
        return code in self.targets

    def indicator_exists(self, code: str) -> bool:
        return code in self.indicators

    def series_indicators(self, code: str) -> frozenset[str] | None:
        return self.series.get(code)

    def area_exists(self, code: str) -> bool:
        return code in self.areas

    def area_within(self, code: str, ancestor: str) -> bool:
        current: str | None = code
        seen: set[str] = set()
        while current is not None and current not in seen:
            if current == ancestor:
                return True
            seen.add(current)
            current = self.areas.get(current)
        return False

    def country_area(self, alpha2: str) -> str | None:
        return self.countries.get(alpha2)

    def target_group_exists(self, code: str) -> bool:
        return code in self.target_groups

    def unit_exists(self, code: str) -> bool:
        return code in self.units
