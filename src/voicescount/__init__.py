"""voicescount: community-generated SDG data, reviewed by statistics offices, published as SDMX.

Only the version lives here so that importing a submodule (say ``voicescount.client``) stays cheap.
"""

__version__ = "0.1.0"
