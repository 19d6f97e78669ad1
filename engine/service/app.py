"""The service's endpoints, versioned under /v1, and the health checks; OpenAPI at /openapi.json, /docs.

    POST /v1/assess?format=&lang=&name=   a profile (YAML or JSON) → its report: the Report JSON the CLI's
                                           `--format json` writes, or a format by `format` or `Accept`
    POST /v1/validate?name=               a profile → its diagnostics only
    POST /v1/batch                        {"profiles": [{"name", "content"}], "quotas"} → the summary JSON
                                           (each profile on a worker of its own: a crash is its error entry)
    POST /v1/render?format=&lang=         a saved Report JSON → another format
    GET  /v1/packs                        the packs: versions, subjects, parameters (as set at start-up)
    GET  /v1/packs/{id}/schema?lang=      the JSON Schema of the pack's profiles
    GET  /v1/packs/{id}/scoresheet?lang=  the pack's score sheet (Markdown, as `assess pack doc`)
    GET  /healthz, /readyz                the process answers; its workers are set up

`name` is the profile's name in its report and diagnostics, as a file name on the command line is: it
is never opened. Bad input is 422 with the CLI's diagnostics; an engine failure 500 (a crashed
worker) or 504 (the timeout), always a JSON body, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from engine.batch.workers import Failure, SetupFailed
from engine.errors import EngineError, did_you_mean
from engine.report.model import DiagnosticOut, Report
from engine.report.summary.model import Summary
from engine.service.catalog import Catalog
from engine.service.guard import Guard, log_to_stderr
from engine.service.pool import Busy, ServicePool
from engine.service.worker import AssessTask, RenderTask, Reply, WorkerConfig, handle, setup
from engine.version import __version__

FormatName = Literal["text", "json", "xlsx", "html", "sarif", "junit", "markdown"]
LangName = Literal["zh", "en"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json", "text": "text/plain; charset=utf-8", "html": "text/html; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8", "sarif": "application/sarif+json", "junit": "application/xml",
    "xlsx": XLSX,
}
FORMAT_OF_MEDIA = {media.split(";")[0]: fmt for fmt, media in MEDIA_TYPES.items()} | {
    "application/junit+xml": "junit", "text/xml": "junit", "text/x-markdown": "markdown"}
FAILURE_STATUS = {"timeout": 504, "crashed": 500, "error": 500}
FAILURE_CODE = {"timeout": "timeout", "crashed": "worker-crashed", "error": "internal-error"}
PROFILE_BODY = {"requestBody": {"required": True, "content": {
    "application/yaml": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object"}}}}}


@dataclass(frozen=True)
class ServiceSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    packs: list[Path] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    backend: str = "auto"
    workers: int = 2
    timeout: float | None = 30.0  # seconds a request's evaluation may take; None: no limit
    max_body: int = 10 * 1024 * 1024  # bytes, as the YAML loader's own limit
    tokens: frozenset[str] = frozenset()


class Problem(BaseModel):
    """An error: a code word, a sentence, and for bad input the diagnostics the CLI prints."""

    error: str
    message: str
    diagnostics: list[DiagnosticOut] = Field(default_factory=list)


class Validation(BaseModel):
    valid: bool
    diagnostics: list[DiagnosticOut] = Field(default_factory=list)


class ProfileIn(BaseModel):
    name: str = Field(max_length=255, description="The profile's name in the summary (never opened).")
    content: str = Field(description="The profile: YAML or JSON text.")


class BatchIn(BaseModel):
    profiles: list[ProfileIn] = Field(min_length=1, max_length=1000)
    quotas: list[str] = Field(default_factory=list, description="As --quota: e.g. excellent=30%.")
    lang: LangName = "zh"


class ParameterOut(BaseModel):
    value: Any
    type: str
    overridden: bool
    title: dict[str, str | None]


class PackOut(BaseModel):
    id: str
    version: str
    subject: str
    format: int
    title: dict[str, str | None]
    edition: dict[str, str | None]
    grades: list[str]
    parameters: dict[str, ParameterOut]


ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": Problem} for status in (401, 413, 422, 500, 503, 504)}


def start(settings: ServiceSettings) -> tuple[Any, ServicePool]:
    """The packs loaded and checked, the workers set up: (the ASGI application, its pool). Raises EngineError
    for bad packs or parameters, SetupFailed when a worker cannot start."""
    catalog = Catalog.load(settings.packs, settings.params)
    config = WorkerConfig(tuple(str(p) for p in settings.packs) if settings.packs else None, settings.params,
                          settings.backend)
    pool = ServicePool(setup, (config,), handle, workers=settings.workers, timeout=settings.timeout)
    pool.start()
    app = create_app(catalog, pool, settings)
    return Guard(app, tokens=settings.tokens, max_body=settings.max_body, log=log_to_stderr), pool


def create_app(catalog: Catalog, pool: ServicePool, settings: ServiceSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(pool.close)

    app = FastAPI(title="community-assess", version=__version__, lifespan=lifespan,
                  description="Assess community profiles against rule packs (`assess serve`).")
    _errors(app)
    runner = _Runner(pool, settings)
    _profile_routes(app, runner)
    _pack_routes(app, catalog)
    _health_routes(app, pool)
    return app


class _Runner:
    """Sends a task to a worker and answers the request with what came back."""

    def __init__(self, pool: ServicePool, settings: ServiceSettings):
        self.pool, self.settings = pool, settings

    async def answer(self, task: Any, media_type: str, timeout: float | None = None) -> Response:
        wait = self.settings.timeout
        try:
            result = await run_in_threadpool(lambda: self.pool.call(task, timeout=timeout, wait_for_worker=wait))
        except Busy:
            return problem(503, "busy", "every worker is busy; try again shortly", headers={"Retry-After": "1"})
        except SetupFailed as exc:
            return problem(503, "unavailable", f"no worker could be set up: {exc}")
        if isinstance(result, Failure):
            if result.detail:
                log_to_stderr(result.detail.rstrip())  # the traceback is the operator's, not the client's
            reason = result.reason if result.kind != "error" else f"internal error: {result.reason}"
            return problem(FAILURE_STATUS[result.kind], FAILURE_CODE[result.kind], reason)
        return reply_response(result, media_type)


def reply_response(reply: Reply, media_type: str) -> Response:
    if reply.status == "invalid":
        first = reply.diagnostics[0]["message"] if reply.diagnostics else "invalid input"
        return problem(422, "invalid", first, reply.diagnostics)
    return Response(reply.content, media_type=media_type)


def problem(status: int, code: str, message: str, diagnostics: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body = Problem(error=code, message=message, diagnostics=[DiagnosticOut(**d) for d in diagnostics or []])
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers)


def negotiate(fmt: str | None, accept: str | None) -> str:
    """`format` when given, else the first media type of Accept that is a report format, else JSON."""
    if fmt:
        return fmt
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        if media in FORMAT_OF_MEDIA:
            return FORMAT_OF_MEDIA[media]
    return "json"


def _errors(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        messages = [f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in exc.errors()]
        diagnostics = [{"file": "<request>", "line": 0, "col": 0, "severity": "error", "code": "request",
                        "message": message} for message in messages]
        return problem(422, "invalid", messages[0] if messages else "invalid request", diagnostics)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return problem(500, "internal-error", f"internal error: {type(exc).__name__}")


def _profile_routes(app: FastAPI, runner: _Runner) -> None:
    name_query = Query("profile.yaml", max_length=255, description="The profile's name in its report (never opened).")

    @app.post("/v1/assess", response_model=None, openapi_extra=PROFILE_BODY, summary="Assess a profile",
              responses={200: {"model": Report, "content": {m: {} for m in MEDIA_TYPES.values() if "json" not in m}},
                         **ERRORS})
    async def assess(request: Request, format: FormatName | None = Query(None), lang: LangName = "zh",
                     name: str = name_query) -> Response:
        fmt = negotiate(format, request.headers.get("accept"))
        task = AssessTask(await request.body(), name, fmt, lang)
        return await runner.answer(task, MEDIA_TYPES[fmt])

    @app.post("/v1/validate", response_model=None, openapi_extra=PROFILE_BODY, summary="Validate a profile",
              responses={200: {"model": Validation}, **ERRORS})
    async def validate(request: Request, name: str = name_query) -> Response:
        return await runner.answer(AssessTask(await request.body(), name, validate_only=True), "application/json")

    @app.post("/v1/batch", response_model=None, summary="Assess several profiles into a ranked summary",
              responses={200: {"model": Summary}, **ERRORS})
    async def batch(body: BatchIn) -> Response:
        from engine.service.batch import run_batch

        profiles = [(p.name, p.content.encode("utf-8")) for p in body.profiles]
        try:
            content = await run_batch(runner.pool, profiles, body.quotas, body.lang, runner.settings.backend)
        except EngineError as exc:  # a quota that is not one, or names no grade
            diagnostics = [d.to_dict() for d in exc.diagnostics]
            return problem(422, "invalid", diagnostics[0]["message"] if diagnostics else str(exc), diagnostics)
        return Response(content, media_type="application/json")

    @app.post("/v1/render", response_model=None, summary="Render a saved Report JSON in another format",
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": {"$ref": "#/components/schemas/Report"}}}}},
              responses={200: {"content": {m: {} for m in MEDIA_TYPES.values()}}, **ERRORS})
    async def render(request: Request, format: FormatName | None = Query(None), lang: LangName = "zh",
                     name: str = Query("report.json", max_length=255)) -> Response:
        fmt = negotiate(format, request.headers.get("accept"))
        return await runner.answer(RenderTask(await request.body(), name, fmt, lang), MEDIA_TYPES[fmt])


def _pack_routes(app: FastAPI, catalog: Catalog) -> None:
    @app.get("/v1/packs", response_model=list[PackOut], summary="The packs served, with their parameters")
    async def packs() -> list[dict[str, Any]]:
        return catalog.listing()

    @app.get("/v1/packs/{pack_id}/schema", response_model=None, summary="The JSON Schema of a pack's profiles",
             responses={200: {"content": {"application/schema+json": {}}}, 404: {"model": Problem}})
    async def schema(pack_id: str, lang: LangName = "zh") -> Response:
        pack = catalog.packs.get(pack_id)
        if pack is None:
            return _no_pack(catalog, pack_id)
        return Response(await run_in_threadpool(catalog.schema, pack, lang), media_type="application/schema+json")

    @app.get("/v1/packs/{pack_id}/scoresheet", response_model=None, summary="A pack's score sheet (Markdown)",
             responses={200: {"content": {"text/markdown": {}}}, 404: {"model": Problem}})
    async def scoresheet(pack_id: str, lang: LangName = "zh") -> Response:
        pack = catalog.packs.get(pack_id)
        if pack is None:
            return _no_pack(catalog, pack_id)
        return Response(await run_in_threadpool(catalog.sheet, pack, lang), media_type=MEDIA_TYPES["markdown"])


def _no_pack(catalog: Catalog, pack_id: str) -> JSONResponse:
    hint = did_you_mean(pack_id, catalog.packs) or "packs: " + ", ".join(catalog.packs)
    return problem(404, "not-found", f"no pack '{pack_id}' is served ({hint})")


def _health_routes(app: FastAPI, pool: ServicePool) -> None:
    @app.get("/healthz", summary="The process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", summary="The workers are set up and the service takes requests")
    async def readyz() -> JSONResponse:
        if pool.closed:
            return JSONResponse({"status": "stopping"}, status_code=503)
        return JSONResponse({"status": "ready", "workers": pool.size})
