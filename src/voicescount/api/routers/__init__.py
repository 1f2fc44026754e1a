"""One router module per resource, assembled in ``api/router.py``."""
