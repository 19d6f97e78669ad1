"""`assess pack ...`: check and inspect rule packs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import Diagnostic
from . import EXIT_INVALID, Format, fail, guarded, pack_app, parse_sets


@pack_app.command("check", help="Check rule packs and report every problem with file:line:col.")
def pack_check(
    dirs: List[Path] = typer.Argument(..., help="Pack directories."),
    fmt: Format = typer.Option(Format.text, "--format", help="text, or json for editors and CI."),
) -> None:
    def action():
        from ..inspect import check_pack

        all_diagnostics: list[Diagnostic] = []
        for directory in dirs:
            _, diagnostics = check_pack(directory)
            all_diagnostics += diagnostics
        errors = sum(1 for d in all_diagnostics if d.severity == "error")
        warnings = len(all_diagnostics) - errors
        if fmt == Format.json:
            sys.stdout.write(json.dumps({"errors": errors, "warnings": warnings,
                                         "diagnostics": [d.to_dict() for d in all_diagnostics]},
                                        ensure_ascii=False, indent=2) + "\n")
        else:
            for diagnostic in all_diagnostics:
                typer.echo(diagnostic.format())
            typer.echo(f"{len(dirs)} pack(s): {errors} error(s), {warnings} warning(s)")
        if errors:
            raise typer.Exit(EXIT_INVALID)

    guarded(action)


@pack_app.command("compile", help="Show what a pack compiles to: network conditions, derived values, ruleset.")
def pack_compile(
    directory: Path = typer.Argument(..., help="Pack directory."),
    show: bool = typer.Option(True, "--show/--quiet", help="Print the compiled form."),
    sets: Optional[List[str]] = typer.Option(None, "--set", help="Set a parameter: NAME=VALUE."),
) -> None:
    def action():
        from ..inspect import compiled_text, limit_problems
        from ..pack import load_pack

        pack = load_pack(directory, parse_sets(sets or []))
        problems = limit_problems(pack)
        if problems:
            fail(problems)
        if show:
            sys.stdout.write(compiled_text(pack))

    guarded(action)
