"""Licences a coalition may name for a dataset: common SPDX identifiers, or ``LicenseRef-…``.

The list is curated rather than the full SPDX licence list (600+ ids, mostly for software): a
statistics office can only re-use data under terms it recognises, so an unusual choice should be
a deliberate ``LicenseRef-…`` with the licence text at a URL, not a typo that happens to be valid.
Identifiers keep SPDX's canonical spelling; matching is exact so that what we publish in DCAT and
DataCite records is the canonical id (SPDX matching is case-insensitive, but we suggest the canonical
form instead of silently rewriting what the coalition wrote).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from difflib import get_close_matches
from types import MappingProxyType

#: SPDX id → full name. Data and content licences first, then the software licences coalitions
#: sometimes reuse for scripts-and-data bundles.
SPDX_LICENCES: Mapping[str, str] = MappingProxyType(
    {
        "CC-BY-4.0": "Creative Commons Attribution 4.0 International",
        "CC-BY-SA-4.0": "Creative Commons Attribution Share Alike 4.0 International",
        "CC-BY-NC-4.0": "Creative Commons Attribution Non Commercial 4.0 International",
        "CC-BY-NC-SA-4.0": "Creative Commons Attribution Non Commercial Share Alike 4.0 International",
        "CC-BY-ND-4.0": "Creative Commons Attribution No Derivatives 4.0 International",
        "CC-BY-NC-ND-4.0": "Creative Commons Attribution Non Commercial No Derivatives 4.0 International",
        "CC-BY-3.0": "Creative Commons Attribution 3.0 Unported",
        "CC-BY-SA-3.0": "Creative Commons Attribution Share Alike 3.0 Unported",
        "CC-BY-3.0-IGO": "Creative Commons Attribution 3.0 IGO",
        "CC0-1.0": "Creative Commons Zero v1.0 Universal",
        "ODbL-1.0": "Open Data Commons Open Database License v1.0",
        "ODC-By-1.0": "Open Data Commons Attribution License v1.0",
        "PDDL-1.0": "Open Data Commons Public Domain Dedication & License 1.0",
        "OGL-UK-3.0": "Open Government Licence v3.0",
        "OGL-Canada-2.0": "Open Government Licence - Canada",
        "etalab-2.0": "Etalab Open License 2.0",
        "CDLA-Permissive-2.0": "Community Data License Agreement Permissive 2.0",
        "CDLA-Sharing-1.0": "Community Data License Agreement Sharing 1.0",
        "MIT": "MIT License",
        "Apache-2.0": "Apache License 2.0",
    }
)

#: SPDX's form for a licence that is not on the SPDX list: ``LicenseRef-`` + letters, digits, ``.``, ``-``.
LICENSE_REF_PATTERN = r"^LicenseRef-[A-Za-z0-9.\-]+$"
_LICENSE_REF = re.compile(LICENSE_REF_PATTERN)


def is_custom_licence(identifier: str) -> bool:
    """Whether ``identifier`` is a well-formed ``LicenseRef-…`` (the coalition's own terms)."""
    return bool(_LICENSE_REF.match(identifier))


def is_known_licence(identifier: str) -> bool:
    """Whether ``identifier`` is acceptable: a curated SPDX id or a ``LicenseRef-…``."""
    return identifier in SPDX_LICENCES or is_custom_licence(identifier)


def _squash(identifier: str) -> str:
    # "CC BY 4.0", "cc-by-4.0" and "CC_BY_4.0" all mean CC-BY-4.0; compare without case or separators.
    return re.sub(r"[\s_\-.]", "", identifier).lower()


def suggest_licence(identifier: str) -> str | None:
    """The curated id a misspelt ``identifier`` most likely means, if any."""
    squashed = _squash(identifier)
    for known in SPDX_LICENCES:
        if _squash(known) == squashed:
            return known
    by_squash = {_squash(known): known for known in SPDX_LICENCES}
    close = get_close_matches(squashed, list(by_squash), n=1, cutoff=0.8)
    return by_squash[close[0]] if close else None
