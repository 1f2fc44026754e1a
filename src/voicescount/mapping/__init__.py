"""Mapping: from a coalition's own column names and labels to SDMX components and codes."""
