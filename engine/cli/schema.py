"""`assess schema ...`: JSON Schemas of pack files, case files and profiles, for editors."""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.choices import Lang
from engine.cli.common import guarded, write_output
from engine.cli.main import app

schema_app = typer.Typer(add_completion=False, no_args_is_help=True,
                         help="JSON Schemas for editors (point a '# yaml-language-server: $schema=FILE' line at one).")
app.add_typer(schema_app, name="schema")


@schema_app.command("pack", help="The JSON Schema of rule-pack files (pack.yaml, inputs, rules, overlays).")
def schema_pack(output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file.")) -> None:
    def action() -> None:
        from engine.authoring.schemas import dumps, pack_schema

        write_output(dumps(pack_schema()), output)

    guarded(action)


@schema_app.command("cases", help="The JSON Schema of a pack's test-case files (tests/*.yaml).")
def schema_cases(output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file.")) -> None:
    def action() -> None:
        from engine.authoring.schemas import cases_schema, dumps

        write_output(dumps(cases_schema()), output)

    guarded(action)


@schema_app.command("profile", help="The JSON Schema of profiles for the given packs (their inputs).")
def schema_profile(
    packs: list[Path] = typer.Option(..., "--pack", help="A rule pack directory (repeatable)."),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="Language of titles and descriptions."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
) -> None:
    def action() -> None:
        from engine.authoring.schemas import dumps, profile_schema
        from engine.pack.build import load_pack

        write_output(dumps(profile_schema([load_pack(p) for p in packs], lang.value)), output)

    guarded(action)
