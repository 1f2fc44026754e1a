"""SDMX know-how (structures, formats, queries) on top of sdmx1. Imports no storage, no web code."""
