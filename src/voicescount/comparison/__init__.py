"""Community data compared with official statistics.

``reference.py`` loads an official SDG data message (SDMX-ML 2.1 or SDMX-CSV) as a reference
source, all or nothing, and keeps the file in the blob store; ``service.py`` pairs published
community observations with official ones that share series (or indicator), area and period,
and says how each pair was matched.
"""
