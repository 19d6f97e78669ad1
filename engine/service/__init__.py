"""`assess serve`: the engine as a JSON/HTTP service (FastAPI on uvicorn, the optional extra `server`).

    settings (CLI options) → app.create_app → uvicorn
    app.py      the /v1 endpoints and health checks; OpenAPI from the report's pydantic models
    guard.py    what every request passes: bearer tokens, the body size limit, the JSON access log
    pool.py     supervised worker processes kept between requests (engine.batch.workers.Worker)
    worker.py   what a worker does: engines compiled once at start-up, one task per request
    batch.py    /v1/batch: one task per profile on the workers, summarised as a command-line batch
    catalog.py  the packs served: list, parameters, profile schema, score sheet (in the server process)

Nothing here is imported by `assess profile.yaml`: only `assess serve` loads FastAPI.
"""
