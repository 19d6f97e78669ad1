"""`assess PROFILE`: assess a profile and print or write the report."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from . import EXIT_BELOW, BackendChoice, Format, Lang, app, guarded, parse_sets, write_output


@app.command("run", help="Assess a profile (the default command: `assess profile.yaml`).")
def run(
    profile: Path = typer.Argument(..., help="The profile to assess (YAML)."),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="Report language."),
    fmt: Format = typer.Option(Format.text, "--format", help="Output format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    packs: Optional[List[Path]] = typer.Option(None, "--pack", help="A rule pack directory (repeatable). "
                                               "Default: the shipped packs for the profile's subject."),
    sets: Optional[List[str]] = typer.Option(None, "--set", help="Set a pack parameter: NAME=VALUE or PACK:NAME=VALUE."),
    fail_under: Optional[float] = typer.Option(None, "--fail-under", help="Exit 1 if a total is below this."),
    fail_on_veto: bool = typer.Option(False, "--fail-on-veto", help="Exit 1 if a veto applies."),
    backend: BackendChoice = typer.Option(BackendChoice.auto, "--backend",
                                          help="Matching backend: durable (default where installed) or reference."),
) -> None:
    def action():
        from ..assess import Engine
        from ..pack import packs_for_profile
        from ..report import render

        dirs = list(packs) if packs else packs_for_profile(profile)
        engine = Engine.from_dirs(dirs, params=parse_sets(sets or []), backend=backend.value)
        report = engine.assess_file(profile)
        write_output(render(report, fmt.value, lang.value), output)
        below = fail_under is not None and any(r.total < fail_under for r in report.results)
        vetoed = fail_on_veto and any(r.vetoes for r in report.results)
        if below or vetoed:
            raise typer.Exit(EXIT_BELOW)

    guarded(action)
