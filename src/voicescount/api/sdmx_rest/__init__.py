"""SDMX-REST 1.5 (/sdmx/v1) and 2.x (/sdmx/v2) over the one store."""
