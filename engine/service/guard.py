"""What every request passes before the endpoints: bearer tokens, the body size limit, the access log.

A plain ASGI middleware: the body is read here, at most `max_body` bytes (413 beyond, whether or not
a Content-Length said so), and handed on whole, so an endpoint never sees half a body. What comes
beyond the limit is read and dropped (up to DRAIN_LIMIT), so that a simple client, still sending
when refused, reads the 413 rather than a broken pipe. The access
log is one JSON line per request on standard error — method, path (no query: it may hold a file
name), status, sizes, duration, client — never a body: profiles name staff.
"""

from __future__ import annotations

import hmac
import json
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

OPEN_PATHS = frozenset({"/healthz", "/readyz"})  # probes need no token
DRAIN_LIMIT = 64 * 1024 * 1024  # bytes of a refused body read and dropped; beyond, the connection is closed


class Guard:
    def __init__(self, app: ASGIApp, *, tokens: frozenset[str], max_body: int, log: Callable[[str], None]):
        self.app = app
        self.tokens = tokens
        self.max_body = max_body
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        seen: dict[str, int] = {"status": 0, "bytes_out": 0, "bytes_in": 0}

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                seen["bytes_out"] += len(message.get("body", b""))
            await send(message)

        try:
            await self._pass(scope, receive, counting_send, seen)
        finally:
            self.log(access_line(scope, seen, time.monotonic() - started))

    async def _pass(self, scope: Scope, receive: Receive, send: Send, seen: dict[str, int]) -> None:
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        if self.tokens and scope["path"] not in OPEN_PATHS and not self._authorised(headers):
            await problem(send, 401, "unauthorized", "a bearer token is required: Authorization: Bearer TOKEN",
                          {"www-authenticate": "Bearer"})
            return
        body = await self._read_body(receive)
        if body is None:
            await problem(send, 413, "too-large", f"the request body is larger than {self.max_body} bytes")
            return
        seen["bytes_in"] = len(body)
        await self.app(scope, _replay(body, receive), send)

    def _authorised(self, headers: dict[str, str]) -> bool:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given:
            return False
        offered = given.strip().encode("utf-8")
        # compared with every token, in constant time: how long it takes says nothing of which is near
        return any([hmac.compare_digest(offered, token.encode("utf-8")) for token in self.tokens])

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole body, or None when it passes `max_body` (the rest read and dropped, up to DRAIN_LIMIT)."""
        parts: list[bytes] = []
        size = 0
        while size <= DRAIN_LIMIT:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= self.max_body:
                parts.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(parts) if size <= self.max_body else None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body read once, then what the connection says (a disconnect)."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def problem(send: Send, status: int, code: str, message: str, extra: dict[str, str] | None = None) -> None:
    """An error answered before any endpoint: the service's JSON error body."""
    body = json.dumps({"error": code, "message": message}, ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(key.encode(), value.encode()) for key, value in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def access_line(scope: Scope, seen: dict[str, int], seconds: float) -> str:
    client = scope.get("client")
    return json.dumps({
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "method": scope.get("method"),
        "path": scope.get("path"), "status": seen["status"], "bytes_in": seen["bytes_in"],
        "bytes_out": seen["bytes_out"], "ms": round(seconds * 1000, 1),
        "client": f"{client[0]}:{client[1]}" if client else None,
    }, ensure_ascii=False)


_log_lock = threading.Lock()


def log_to_stderr(line: str) -> None:
    with _log_lock:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
