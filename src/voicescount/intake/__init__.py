"""Intake: datasets and versions, uploads in many formats, mapping, validation and submission."""
