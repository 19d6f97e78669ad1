# syntax=docker/dockerfile:1
# assess serve in a container: docs/how-to/serve.md, "Deploy".
#
#   docker build -t community-assess .
#   docker run -p 8080:8080 -v "$PWD/assess_tokens:/run/secrets/assess_tokens:ro" community-assess
#
# Two stages. `build` has a C compiler: it builds the wheels of the engine and of every
# dependency, durable-rules among them (it ships no wheels and compiles its Rete core in C).
# `runtime` is a slim image that installs those wheels with the `server` extra, without a
# compiler and without network access to an index. Python 3.11: durable-rules does not import
# on 3.13 and later (the engine would fall back to its slower reference backend).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the wheel is built from (pyproject.toml: engine/, and rules/ as engine/_rules).
COPY pyproject.toml README.md LICENSE ./
COPY engine ./engine
COPY rules ./rules
RUN pip wheel --no-cache-dir --wheel-dir /wheels '.[server]' \
 && ls /wheels/durable_rules-*-cp3*.whl

FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ASSESS_HOST=0.0.0.0 \
    ASSESS_PORT=8080 \
    ASSESS_TOKEN_FILE=/run/secrets/assess_tokens
# tini as PID 1: it forwards SIGTERM to the server and reaps the worker processes it replaces.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels 'community-assess[server]' \
 && python -c "import durable_rules_engine, fastapi, uvicorn" \
 && assess --version
RUN useradd --system --uid 10001 --user-group --home-dir /srv/assess --create-home \
            --shell /usr/sbin/nologin assess
COPY --chmod=0755 deploy/docker-entrypoint.sh /usr/local/bin/assess-serve-entrypoint
USER 10001:10001
WORKDIR /srv/assess
EXPOSE 8080
# /healthz answers while the process does; /readyz (for an orchestrator's readiness probe) once
# every worker has compiled the packs. No curl in a slim image: Python asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('ASSESS_PORT', '8080') + '/healthz', timeout=4)" || exit 1
ENTRYPOINT ["tini", "--", "assess-serve-entrypoint"]
CMD ["--workers", "2"]
