"""Provenance: the tamper-evident audit log (and, later, PROV records and citations)."""
