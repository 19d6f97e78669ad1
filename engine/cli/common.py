"""What the commands share: exit codes, error handling, `--set`, and writing output."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

from engine.errors import Diagnostic, EngineError, UsageError

if TYPE_CHECKING:
    from engine.pack.model import Pack
    from engine.report.model import DiagnosticOut
    from engine.review.apply import Review

EXIT_OK, EXIT_BELOW, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3

T = TypeVar("T")


def fail(diagnostics: Sequence[Diagnostic]) -> NoReturn:
    for diagnostic in diagnostics:
        typer.echo(diagnostic.format(), err=True)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    if errors > 1:
        typer.echo(f"{errors} errors", err=True)
    raise typer.Exit(EXIT_INVALID)


def guarded(action: Callable[[], T]) -> T:
    """Run an action; bad input becomes diagnostics and exit 2, a bug exit 3."""
    try:
        return action()
    except EngineError as exc:
        fail(exc.diagnostics)
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:  # a bug in the engine, not bad input
        if os.environ.get("ASSESS_DEBUG"):
            raise
        typer.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
        typer.echo("This is a bug in the engine. Re-run with ASSESS_DEBUG=1 for details and please report it.",
                   err=True)
        raise typer.Exit(EXIT_INTERNAL) from None


def parse_sets(values: Sequence[str] | None) -> dict[str, Any]:
    from engine.source.load import load_yaml_bytes

    found = {}
    for item in values or []:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            usage_error("--set", f"--set expects NAME=VALUE, got {item!r}")
        document = load_yaml_bytes(raw.encode("utf-8"), f"--set {name}", error_class=UsageError)
        found[name.strip()] = document.data
    return found


def require_output(fmt: str, output: Path | None) -> None:
    """A binary format (xlsx) is written to a file, never to the terminal."""
    from engine.report import BINARY_FORMATS

    if fmt in BINARY_FORMATS and output is None:
        binary_needs_a_file(fmt)


def binary_needs_a_file(fmt: str) -> NoReturn:
    usage_error("--format", f"--format {fmt} writes a binary file",
                hint=f"give the file to write: --output report.{fmt}")


def write_output(content: str | bytes, output: Path | None) -> None:
    """To the file (atomically) or to stdout; bytes only to a file."""
    if output is None:
        if isinstance(content, bytes):
            binary_needs_a_file("xlsx")
        sys.stdout.write(content)
        return
    from engine.report.output import atomic_write_bytes, atomic_write_text

    if isinstance(content, bytes):
        atomic_write_bytes(output, content)
    else:
        atomic_write_text(output, content)


def usage_error(option: str, message: str, hint: str | None = None) -> NoReturn:
    raise UsageError([Diagnostic(option, 0, 0, "error", "usage", message, hint=hint)])


def load_review(waivers: Sequence[Path] | None, adjustments: Sequence[Path] | None,
                packs: list[Pack], as_of: dt.date | None = None) -> Review | None:
    """The waivers and adjustments given, checked against the packs (unknown rules: exit 2); with --as-of,
    the waivers expired on that date said once (without it, each profile's period decides, in its report)."""
    if not waivers and not adjustments:
        return None
    from engine.review.adjustments import AdjustmentSet
    from engine.review.apply import Review
    from engine.review.waivers import WaiverSet

    review = Review(waivers=WaiverSet.load(list(waivers)) if waivers else None,
                    adjustments=AdjustmentSet.load(list(adjustments)) if adjustments else None, as_of=as_of)
    review.check(packs)
    for warning in review.expired():
        typer.echo(warning.format(), err=True)
    return review


def parse_as_of(value: str | None) -> dt.date | None:
    """--as-of YYYY-MM-DD: the date waivers' expiry is judged on."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        usage_error("--as-of", f"--as-of expects a date written YYYY-MM-DD, got {value!r}",
                    hint="e.g. --as-of 2024-12-31")


def say_warnings(diagnostics: Sequence[Diagnostic | DiagnosticOut]) -> None:
    """The warnings of a report on stderr too, where a pipeline's log shows them (compiler style)."""
    for d in diagnostics:
        shown = d if isinstance(d, Diagnostic) else Diagnostic(**d.model_dump())
        typer.echo(shown.format(), err=True)
