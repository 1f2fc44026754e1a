"""The JSON REST API (``/api/v1``) and its wiring. ``api.schemas`` imports nothing from FastAPI."""
