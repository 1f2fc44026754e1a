"""Package data of the review: the default quality rubric (read with ``importlib.resources``)."""
