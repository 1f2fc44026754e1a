"""Request and response models of the JSON API (pydantic only: the Python client imports these)."""
