"""The floor of one uvicorn worker: a FastAPI app with one trivial handler (bench/publish.py).

The handler is a plain ``def``, as voicescount's SDMX endpoints are, so it takes the same hop
through the thread pool; what it returns is about the size of a one-series SDMX answer.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import Response

app = FastAPI()

#: About 2 KiB, the size of a small SDMX-ML answer.
BODY = b'<?xml version="1.0" encoding="UTF-8"?>\n<hello>' + b"x" * 2000 + b"</hello>\n"


@app.get("/hello")
def hello() -> Response:
    return Response(BODY, media_type="application/xml")
