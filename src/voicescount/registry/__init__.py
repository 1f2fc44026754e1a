"""The SDG framework (goals, targets, indicators, series) and the SDMX structure registry."""
