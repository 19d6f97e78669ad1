"""`assess pack ...`: check and inspect rule packs."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer

from engine.cli.choices import Format, Lang
from engine.cli.common import EXIT_BELOW, EXIT_INVALID, fail, guarded, parse_sets, write_output
from engine.cli.main import pack_app
from engine.cli.settings import with_configured_parameters
from engine.errors import Diagnostic


@pack_app.command("check", help="Check rule packs: every problem with file:line:col, warnings for authors, "
                  "and what an overlay changes in its base.")
def pack_check(
    dirs: list[Path] = typer.Argument(..., help="Pack directories. Default: the packs of the configuration."),
    fmt: Format = typer.Option(Format.text, "--format", help="text, or json for editors and CI."),
) -> None:
    def action() -> None:
        from engine.authoring.checking import check_json, check_packs, check_text

        checks = check_packs(dirs)
        if fmt == Format.json:
            sys.stdout.write(json.dumps(check_json(checks), ensure_ascii=False, indent=2) + "\n")
        else:
            sys.stdout.write(check_text(checks))
        if any(d.severity == "error" for check in checks for d in check.diagnostics):
            raise typer.Exit(EXIT_INVALID)

    guarded(action)


@pack_app.command("compile", help="Show what a pack compiles to: network conditions, derived values, ruleset.")
def pack_compile(
    directory: Path = typer.Argument(..., help="Pack directory."),
    show: bool = typer.Option(True, "--show/--quiet", help="Print the compiled form."),
    sets: list[str] | None = typer.Option(None, "--set", callback=with_configured_parameters,
                                          help="Set a parameter: NAME=VALUE."),
) -> None:
    def action() -> None:
        from engine.authoring.compiled import compiled_text
        from engine.backends.durable.pack_limits import limit_problems
        from engine.pack.build import load_pack

        pack = load_pack(directory, parse_sets(sets or []))
        problems = limit_problems(pack)
        if problems:
            fail(problems)
        if show:
            sys.stdout.write(compiled_text(pack))

    guarded(action)


class TestBackend(str, Enum):
    both = "both"
    durable = "durable"
    reference = "reference"


@pack_app.command("test", help="Run a pack's test cases (tests/*.yaml); a failure shows expected and actual "
                  "outcomes and points per rule and the values the rule read.")
def pack_test(
    directory: Path = typer.Argument(..., help="Pack directory."),
    backend: TestBackend = typer.Option(TestBackend.both, "--backend",
                                        help="both (durable where installed, and reference), durable or reference."),
    case: str | None = typer.Option(None, "--case", help="Run only the cases whose name contains this text."),
    fmt: Format = typer.Option(Format.text, "--format", help="text, or json for CI."),
) -> None:
    def action() -> None:
        from engine.errors import UsageError, display_path
        from engine.pack.build import load_pack
        from engine.testing.cases import case_files
        from engine.testing.packtest import failure_text, results_json, run_cases, select_backends, summary_text

        load_pack(directory)  # pack errors first, with their positions
        if not case_files(directory):
            raise UsageError([Diagnostic(display_path(directory / "tests"), 0, 0, "error", "no-cases",
                                         "the pack has no test cases",
                                         hint="write tests/cases.yaml; 'assess pack new' shows an example")])
        backends, note = select_backends(backend.value)
        results = run_cases(directory, backends, case)
        if fmt == Format.json:
            sys.stdout.write(json.dumps({"note": note, "passed": sum(r.ok for r in results),
                                         "failed": sum(not r.ok for r in results), "results": results_json(results)},
                                        ensure_ascii=False, indent=2) + "\n")
        else:
            for result in results:
                if not result.ok:
                    typer.echo(failure_text(result))
            typer.echo(summary_text(results, note))
        if not results:
            raise UsageError([Diagnostic("--case", 0, 0, "error", "no-cases", f"no case name contains {case!r}")])
        if any(not r.ok for r in results):
            raise typer.Exit(EXIT_BELOW)

    guarded(action)


@pack_app.command("doc", help="Write the pack's score sheet (维度 | 项目 | 标准及要求 | 分值 | 评分办法 | 依据) "
                  "and the coverage of its sources, in Markdown.")
def pack_doc(
    directory: Path = typer.Argument(..., help="Pack directory."),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="Language of the sheet."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file (e.g. SCORESHEET.md)."),
    check: bool = typer.Option(False, "--check", help="Do not write: exit 1 if --output differs from a fresh sheet."),
) -> None:
    def action() -> None:
        from engine.authoring.scoresheet import render_scoresheet
        from engine.errors import UsageError, display_path
        from engine.pack.build import load_pack

        text = render_scoresheet(load_pack(directory), lang.value, display_path(directory))
        if check:
            if output is None:
                raise UsageError([Diagnostic("--check", 0, 0, "error", "usage", "--check compares with --output FILE")])
            current = output.read_text(encoding="utf-8") if output.is_file() else None
            if current != text:
                typer.echo(f"{display_path(output)}: stale score sheet of {display_path(directory)}", err=True)
                typer.echo(f"  hint: assess pack doc {display_path(directory)} --lang {lang.value} "
                           f"-o {display_path(output)}", err=True)
                raise typer.Exit(EXIT_BELOW)
            return
        write_output(text, output)

    guarded(action)


@pack_app.command("new", help="Start a rule pack: a directory with commented examples of every construct, a "
                  "source text and first test cases (or, with --extends, an overlay of another pack).")
def pack_new(
    directory: Path = typer.Argument(..., metavar="NAME", help="Directory to create; its name is the pack's id."),
    title: str | None = typer.Option(None, "--title", help="Title of the pack (default: its id)."),
    extends: str | None = typer.Option(None, "--extends", help="Make an overlay of this pack: a shipped pack's "
                                          "id or a pack directory."),
) -> None:
    def action() -> None:
        from engine.authoring.scaffold import new_pack
        from engine.errors import display_path

        written = new_pack(directory, title=title, extends=extends)
        kind = "overlay" if extends else "pack"
        typer.echo(f"created {kind} {directory.name} in {display_path(directory)} ({len(written)} files)")
        shown = display_path(directory)
        typer.echo(f"next: assess pack check {shown} && assess pack test {shown}")

    guarded(action)
