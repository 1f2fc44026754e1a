# voicescount: the API and SDMX service. `docker compose up` runs it against PostgreSQL 16.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Only what the package build needs (see .dockerignore); registry data ships inside src/.
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . \
    && rm -rf /app/src /app/pyproject.toml /app/README.md

# Run as an unprivileged user; /app/var (local state) is a volume it owns.
RUN groupadd --system voicescount \
    && useradd --system --gid voicescount --home-dir /app --no-create-home voicescount \
    && mkdir -p /app/var \
    && chown voicescount:voicescount /app/var
USER voicescount

ENV VOICESCOUNT_VAR_DIR=/app/var \
    VOICESCOUNT_HOST=0.0.0.0 \
    VOICESCOUNT_PORT=8000
VOLUME ["/app/var"]
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=5 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]

# Migrate, load the SDG structures (idempotent), then serve; `exec` lets uvicorn receive SIGTERM.
CMD ["sh", "-c", "voicescount db upgrade && voicescount registry load && exec voicescount serve --host 0.0.0.0"]
