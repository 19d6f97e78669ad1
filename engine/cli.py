"""The `assess` command: arguments → library call → renderer → exit code.

Exit codes: 0 ok; 1 the assessment fell below --fail-under (or a veto
applied with --fail-on-veto); 2 invalid input, pack or usage; 3 an internal
error (a bug: please report it).
"""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperGroup

from . import __version__
from .errors import Diagnostic, EngineError

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


class BackendChoice(str, Enum):
    auto = "auto"
    durable = "durable"
    reference = "reference"


def _fail(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        typer.echo(diagnostic.format(), err=True)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    if errors > 1:
        typer.echo(f"{errors} errors", err=True)
    raise typer.Exit(EXIT_INVALID)


def _guarded(action):
    """Run an action; bad input becomes diagnostics and exit 2, a bug exit 3."""
    try:
        return action()
    except EngineError as exc:
        _fail(exc.diagnostics)
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


def _parse_sets(values: list[str]) -> dict:
    from .source import load_yaml_bytes
    from .errors import UsageError

    found = {}
    for item in values or []:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise UsageError([Diagnostic("--set", 0, 0, "error", "usage", f"--set expects NAME=VALUE, got {item!r}")])
        document = load_yaml_bytes(raw.encode("utf-8"), f"--set {name}", error_class=UsageError)
        found[name.strip()] = document.data
    return found


def _write(text: str, output: Optional[Path]) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from .fsutil import atomic_write_text

    atomic_write_text(output, text)


def _default_packs(profile_path: Path) -> list[Path]:
    """The shipped packs for the profile's subject (or named in its `profile.packs`)."""
    from .errors import UsageError
    from .pack import pack_identity, shipped_packs
    from .source import load_yaml

    packs = shipped_packs()
    if not packs:
        raise UsageError([Diagnostic("--pack", 0, 0, "error", "no-packs", "no shipped rule packs were found",
                                     hint="pass --pack DIR")])
    try:
        document = load_yaml(profile_path)
    except EngineError:
        return packs  # the profile's own errors are reported when it is validated
    meta = document.data.get("profile") if isinstance(document.data, dict) else None
    if not isinstance(meta, dict):
        return packs
    identities = {path: pack_identity(path) for path in packs}
    if isinstance(meta.get("packs"), list):
        wanted = set(map(str, meta["packs"]))
        return [p for p in packs if p.name in wanted or identities[p][0] in wanted]
    subject = meta.get("subject")
    chosen = [p for p in packs if identities[p][1] == subject] if subject else []
    return chosen or packs


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
        from .assess import Engine
        from .report import render

        dirs = list(packs) if packs else _default_packs(profile)
        engine = Engine.from_dirs(dirs, params=_parse_sets(sets or []), backend=backend.value)
        report = engine.assess_file(profile)
        _write(render(report, fmt.value, lang.value), output)
        below = fail_under is not None and any(r.total < fail_under for r in report.results)
        vetoed = fail_on_veto and any(r.vetoes for r in report.results)
        if below or vetoed:
            raise typer.Exit(EXIT_BELOW)

    _guarded(action)


@pack_app.command("check", help="Check rule packs and report every problem with file:line:col.")
def pack_check(
    dirs: List[Path] = typer.Argument(..., help="Pack directories."),
    fmt: Format = typer.Option(Format.text, "--format", help="text, or json for editors and CI."),
) -> None:
    def action():
        from .inspect import check_pack

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

    _guarded(action)


@pack_app.command("compile", help="Show what a pack compiles to: network conditions, derived values, ruleset.")
def pack_compile(
    directory: Path = typer.Argument(..., help="Pack directory."),
    show: bool = typer.Option(True, "--show/--quiet", help="Print the compiled form."),
    sets: Optional[List[str]] = typer.Option(None, "--set", help="Set a parameter: NAME=VALUE."),
) -> None:
    def action():
        from .inspect import compiled_text, limit_problems
        from .pack import load_pack

        pack = load_pack(directory, _parse_sets(sets or []))
        problems = limit_problems(pack)
        if problems:
            _fail(problems)
        if show:
            sys.stdout.write(compiled_text(pack))

    _guarded(action)


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


if __name__ == "__main__":
    entry()
