"""Package data of the registry (read with ``importlib.resources``)."""
