"""Backends answer whether each condition holds; selection lives here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import Diagnostic, UsageError

if TYPE_CHECKING:
    from engine.backends.durable.backend import DurableBackend
    from engine.backends.reference import ReferenceBackend
    from engine.pack.model import Pack

CHOICES = ("auto", "durable", "reference")


def durable_available() -> tuple[bool, str | None]:
    from engine.backends.durable import runtime as durable_runtime

    return durable_runtime.AVAILABLE, durable_runtime.UNAVAILABLE_REASON


def resolve_backend(name: str) -> str:
    """'auto' means durable wherever durable-rules imports, else reference."""
    if name not in CHOICES:
        raise UsageError([Diagnostic("--backend", 0, 0, "error", "usage",
                                     f"unknown backend '{name}'; choose durable, reference or auto")])
    if name == "reference":
        return "reference"
    available, reason = durable_available()
    if name == "durable" and not available:
        raise UsageError([Diagnostic("--backend", 0, 0, "error", "backend-unavailable",
                                     f"the durable backend is not available here: {reason}",
                                     hint="use --backend reference, or install durable-rules (Python < 3.13, "
                                          "a C compiler)")])
    return "durable" if available else "reference"


def make_backend(name: str, pack: Pack) -> DurableBackend | ReferenceBackend:
    if name == "durable":
        from engine.backends.durable.backend import DurableBackend

        return DurableBackend(pack)
    from engine.backends.reference import ReferenceBackend

    return ReferenceBackend(pack)
