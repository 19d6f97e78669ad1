"""`assess serve`: the engine as a JSON/HTTP service (engine/service; needs the extra `server`).

Loopback unless --host says otherwise; bound elsewhere, every /v1 request needs a bearer token
(`--token-file`, or ASSESS_SERVE_TOKENS), and the service refuses to start without one. The packs,
parameters and backend are those of `assess`, compiled once by each worker before the first request.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
from pathlib import Path

import typer

from engine.cli.choices import BackendChoice
from engine.cli.common import guarded, parse_sets, usage_error
from engine.cli.main import app
from engine.cli.settings import with_configured_parameters

TOKENS_VARIABLE = "ASSESS_SERVE_TOKENS"
INSTALL_HINT = "install the extra: pip install 'community-assess[server]' (in a checkout: pip install '.[server]')"


@app.command("serve", help="Serve assessments over HTTP (JSON API under /v1; OpenAPI at /docs). Needs the extra "
                           "'server'.")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. Other than loopback, a bearer "
                                                         f"token is required (--token-file or {TOKENS_VARIABLE})."),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="Port to listen on."),
    packs: list[Path] | None = typer.Option(None, "--pack", help="A rule pack directory (repeatable). Default: the "
                                               "shipped packs for each profile's subject."),
    sets: list[str] | None = typer.Option(None, "--set", callback=with_configured_parameters,
                                          help="Set a pack parameter: NAME=VALUE or PACK:NAME=VALUE."),
    backend: BackendChoice = typer.Option(BackendChoice.auto, "--backend",
                                          help="Matching backend: durable (default where installed) or reference."),
    workers: int = typer.Option(2, "--workers", min=1, help="Worker processes that evaluate profiles."),
    timeout: float = typer.Option(30.0, "--timeout", min=0, help="Seconds a request's evaluation may take before "
                                                                  "its worker is killed (0: none)."),
    max_body: int = typer.Option(10 * 1024 * 1024, "--max-body", min=1, help="Largest request body, in bytes."),
    token_file: Path | None = typer.Option(None, "--token-file", help="A file of bearer tokens, one a line "
                                              "(# comments); requests to /v1 must carry one."),
) -> None:
    def action() -> None:
        missing = [name for name in ("fastapi", "uvicorn") if not _importable(name)]
        if missing:
            usage_error("serve", f"assess serve needs {' and '.join(missing)}, not installed", hint=INSTALL_HINT)
        import uvicorn

        from engine.service.app import ServiceSettings, start

        tokens = _tokens(token_file)
        if not tokens and not _is_loopback(host):
            usage_error("--host", f"--host {host} is not a loopback address: the service would be open to anyone "
                                  "who can reach it", hint=f"give --token-file FILE or set {TOKENS_VARIABLE}, or "
                                                           "bind to 127.0.0.1")
        settings = ServiceSettings(host=host, port=port, packs=list(packs) if packs else None,
                                   params=parse_sets(sets or []), backend=backend.value, workers=workers,
                                   timeout=timeout or None, max_body=max_body, tokens=tokens)
        application, pool = start(settings)
        typer.echo(f"assess serve: http://{host}:{port} ({workers} workers; OpenAPI at /docs)", err=True)
        try:
            uvicorn.run(application, host=host, port=port, access_log=False, log_level="warning",
                        server_header=False, timeout_graceful_shutdown=5)
        finally:
            pool.close()

    guarded(action)


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # in sys.modules as None: blocked (the tests do this)
        return False


def _tokens(token_file: Path | None) -> frozenset[str]:
    """The tokens of --token-file and of the environment variable (whitespace- or comma-separated)."""
    found = set(os.environ.get(TOKENS_VARIABLE, "").replace(",", " ").split())
    if token_file is not None:
        try:
            text = token_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            usage_error("--token-file", f"cannot read the token file {token_file}: {exc}")
        given = {line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")}
        if not given:
            usage_error("--token-file", f"{token_file} holds no token", hint="one token a line")
        found |= given
    return frozenset(found)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
