"""What the commands share: exit codes, error handling, `--set`, and writing output."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from engine.errors import Diagnostic, EngineError, UsageError

EXIT_OK, EXIT_BELOW, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3


def fail(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        typer.echo(diagnostic.format(), err=True)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    if errors > 1:
        typer.echo(f"{errors} errors", err=True)
    raise typer.Exit(EXIT_INVALID)


def guarded(action):
    """Run an action; bad input becomes diagnostics and exit 2, a bug exit 3."""
    try:
        return action()
    except EngineError as exc:
        fail(exc.diagnostics)
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        raise typer.Exit(130)
    except Exception as exc:  # a bug in the engine, not bad input
        if os.environ.get("ASSESS_DEBUG"):
            raise
        typer.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
        typer.echo("This is a bug in the engine. Re-run with ASSESS_DEBUG=1 for details and please report it.",
                   err=True)
        raise typer.Exit(EXIT_INTERNAL)


def parse_sets(values: list[str]) -> dict:
    from engine.errors import UsageError
    from engine.source.load import load_yaml_bytes

    found = {}
    for item in values or []:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise UsageError([Diagnostic("--set", 0, 0, "error", "usage", f"--set expects NAME=VALUE, got {item!r}")])
        document = load_yaml_bytes(raw.encode("utf-8"), f"--set {name}", error_class=UsageError)
        found[name.strip()] = document.data
    return found


def require_output(fmt: str, output: Path | None) -> None:
    """A binary format (xlsx) is written to a file, never to the terminal."""
    from engine.report import BINARY_FORMATS

    if fmt in BINARY_FORMATS and output is None:
        from engine.errors import UsageError

        raise UsageError([Diagnostic("--format", 0, 0, "error", "usage", f"--format {fmt} writes a binary file",
                                     hint=f"give the file to write: --output report.{fmt}")])


def write_output(content: str | bytes, output: Path | None) -> None:
    """To the file (atomically) or to stdout; bytes only to a file."""
    if isinstance(content, bytes) and output is None:
        require_output("xlsx", output)
    if output is None:
        sys.stdout.write(content)
        return
    from engine.report.output import atomic_write_bytes, atomic_write_text

    if isinstance(content, bytes):
        atomic_write_bytes(output, content)
    else:
        atomic_write_text(output, content)


def usage_error(option: str, message: str, hint: str | None = None):
    raise UsageError([Diagnostic(option, 0, 0, "error", "usage", message, hint=hint)])


def load_review(waivers, adjustments, packs):
    """The waivers and adjustments given, checked against the packs (unknown rules: exit 2); expiries said once."""
    if not waivers and not adjustments:
        return None
    from engine.review.adjustments import AdjustmentSet
    from engine.review.apply import Review
    from engine.review.waivers import WaiverSet

    review = Review(waivers=WaiverSet.load(waivers) if waivers else None,
                    adjustments=AdjustmentSet.load(adjustments) if adjustments else None)
    review.check(packs)
    for warning in review.expired():
        typer.echo(warning.format(), err=True)
    return review
