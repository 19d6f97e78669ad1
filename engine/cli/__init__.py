"""The `assess` command: arguments → library call → renderer → exit code.

One module per command group registers its commands on `app`; this module
holds what they share (error handling, exit codes, option types).

Exit codes: 0 ok; 1 the assessment fell below --fail-under (or a veto
applied with --fail-on-veto, or it regressed against --baseline with
--fail-on-regression); 2 invalid input, pack or usage; 3 an internal error
(a bug: please report it). A batch exits with the most severe of its
profiles: 3 if one crashed or hung a worker, 2 if one was invalid, 1 if one
failed a threshold (engine/cli/run.py).
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup

from .. import __version__
from ..errors import Diagnostic, EngineError

EXIT_OK, EXIT_BELOW, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3


class DefaultToRun(TyperGroup):
    """`assess profile.yaml` means `assess run profile.yaml`."""

    def parse_args(self, ctx, args):
        first = next((a for a in args if not a.startswith("-")), None)
        if first is not None and first not in self.commands and not any(a in ("--version",) for a in args):
            args = ["run"] + list(args)
        return super().parse_args(ctx, args)


app = typer.Typer(cls=DefaultToRun, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Assess community profiles against rule packs of Party-building and governance standards.")
pack_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Check and inspect rule packs.")
app.add_typer(pack_app, name="pack")


class Lang(str, Enum):
    zh = "zh"
    en = "en"


class Format(str, Enum):
    text = "text"
    json = "json"


class ReportFormat(str, Enum):
    """Formats of an assessment report (engine.report.FORMATS); xlsx needs --output."""

    text = "text"
    json = "json"
    xlsx = "xlsx"
    html = "html"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"


class BackendChoice(str, Enum):
    auto = "auto"
    durable = "durable"
    reference = "reference"


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
    from ..errors import UsageError
    from ..source import load_yaml_bytes

    found = {}
    for item in values or []:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise UsageError([Diagnostic("--set", 0, 0, "error", "usage", f"--set expects NAME=VALUE, got {item!r}")])
        document = load_yaml_bytes(raw.encode("utf-8"), f"--set {name}", error_class=UsageError)
        found[name.strip()] = document.data
    return found


def require_output(fmt: str, output: Optional[Path]) -> None:
    """A binary format (xlsx) is written to a file, never to the terminal."""
    from ..report import BINARY_FORMATS

    if fmt in BINARY_FORMATS and output is None:
        from ..errors import UsageError

        raise UsageError([Diagnostic("--format", 0, 0, "error", "usage", f"--format {fmt} writes a binary file",
                                     hint=f"give the file to write: --output report.{fmt}")])


def write_output(content: str | bytes, output: Optional[Path]) -> None:
    """To the file (atomically) or to stdout; bytes only to a file."""
    if isinstance(content, bytes) and output is None:
        require_output("xlsx", output)
    if output is None:
        sys.stdout.write(content)
        return
    from ..fsutil import atomic_write_bytes, atomic_write_text

    if isinstance(content, bytes):
        atomic_write_bytes(output, content)
    else:
        atomic_write_text(output, content)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"assess {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Show the version and exit.")) -> None:
    """Assess community profiles against rule packs."""


def entry() -> None:
    app()


# Each command module registers its commands on `app` (or a sub-app) when imported.
from . import compare, explain, pack, profile, render, run, schema  # noqa: E402,F401

