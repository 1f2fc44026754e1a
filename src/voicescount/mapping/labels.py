"""Built-in labels coalitions use for common codes, in the pilot countries' languages.

Only unambiguous words are listed; everything else comes from the codelists' own names or from a
coalition's mapping profile. Hindi and Nepali share Devanagari words; Bengali, Swahili and
Vietnamese follow.
"""

from __future__ import annotations

#: component → code → labels.
BUILT_IN_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "SEX": {
        "F": (
            "female",
            "females",
            "woman",
            "women",
            "girl",
            "girls",
            "f",
            "महिला",
            "महिलाएं",
            "महिलाएँ",
            "महिलाहरू",
            "स्त्री",  # Hindi / Nepali
            "মহিলা",
            "নারী",  # Bengali
            "mwanamke",
            "wanawake",
            "kike",  # Swahili
            "nữ",
            "phụ nữ",  # Vietnamese
        ),
        "M": (
            "male",
            "males",
            "man",
            "men",
            "boy",
            "boys",
            "m",
            "पुरुष",
            "पुरुषहरू",
            "পুরুষ",
            "mwanaume",
            "wanaume",
            "kiume",
            "đàn ông",
        ),
        "_T": (
            "total",
            "all",
            "both",
            "both sexes",
            "all sexes",
            "कुल",
            "सबै",
            "जम्मा",
            "মোট",
            "jumla",
            "wote",
            "tổng",
            "tổng số",
        ),
    },
    "URBANISATION": {
        "U": ("urban", "town", "शहरी", "सहरी", "শহুরে", "mjini", "thành thị"),
        "R": ("rural", "village", "ग्रामीण", "গ্রামীণ", "vijijini", "nông thôn"),
        "_T": ("total", "all", "कुल", "মোট", "jumla", "tổng"),
    },
    "DISABILITY_STATUS": {
        "PD": (
            "with disability",
            "with disabilities",
            "persons with disability",
            "persons with disabilities",
            "people with disabilities",
            "disabled",
            "pwd",
            "विकलांग",
            "दिव्यांग",
            "अपाङ्गता भएका",
            "প্রতিবন্ধী",
            "wenye ulemavu",
            "khuyết tật",
        ),
        "PWD": ("without disability", "without disabilities", "persons without disability"),
        "_T": ("total", "all"),
    },
    "CUST_BREAKDOWN": {
        "LNOB_WOMEN_GIRLS": ("women and girls",),
        "LNOB_PWD": ("people with disabilities", "persons with disabilities", "pwd", "pwds"),
        "LNOB_ELDERLY": ("elderly", "older people", "older persons", "elders", "wazee"),
        "LNOB_YOUTH": ("youth", "young people", "vijana"),
        "LNOB_STREET": ("street dwellers", "floating population", "homeless"),
        "LNOB_SLUM": ("slum dwellers", "informal settlement residents"),
        "LNOB_FARMERS": ("farmers", "smallholder farmers", "wakulima"),
        "LNOB_SC": ("scheduled castes", "sc", "अनुसूचित जाति"),
        "LNOB_ST": ("scheduled tribes", "st", "अनुसूचित जनजाति", "adivasi"),
        "LNOB_DALIT": ("dalit", "dalits", "दलित"),
        "LNOB_TRANSGENDER": ("transgender", "transgender people", "hijra", "third gender"),
        "_T": ("total", "all", "no breakdown"),
    },
    "REPORTING_TYPE": {"N": ("national",), "R": ("regional",), "G": ("global",)},
}
