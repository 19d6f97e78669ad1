"""`assess profile init`: a profile template for some packs."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from engine.cli.choices import Lang
from engine.cli.common import guarded, write_output
from engine.cli.main import app

profile_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Work with profiles.")
app.add_typer(profile_app, name="profile")


@profile_app.command("init", help="Write a profile template: every input of the packs with its title, unit, "
                     "allowed values and bounds as comments.")
def profile_init(
    packs: list[Path] = typer.Option(..., "--pack", help="A rule pack directory (repeatable)."),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="Language of the comments."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the template to this file."),
    schema: Path | None = typer.Option(None, "--schema", help="Also write the profile's JSON Schema here and "
                                          "point the template's yaml-language-server line at it (default with "
                                          "--output: profile.schema.json beside it)."),
    no_schema: bool = typer.Option(False, "--no-schema", help="Write no schema and no modeline."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --output file."),
) -> None:
    def action() -> None:
        from engine.authoring.profile_template import profile_template
        from engine.authoring.schemas import dumps, profile_schema
        from engine.errors import Diagnostic, UsageError, display_path
        from engine.pack.build import load_pack
        from engine.report.output import atomic_write_text

        if output is not None and output.exists() and not force:
            raise UsageError([Diagnostic(display_path(output), 0, 0, "error", "file-exists",
                                         f"{display_path(output)} exists; a template would replace what is in it",
                                         hint="choose another --output, or add --force")])
        loaded = [load_pack(p) for p in packs]
        schema_file = None if no_schema else (schema or (output.parent / "profile.schema.json" if output else None))
        reference = None
        if schema_file is not None:
            atomic_write_text(schema_file, dumps(profile_schema(loaded, lang.value)))
            base = output.parent if output is not None else Path.cwd()
            reference = os.path.relpath(schema_file, base).replace(os.sep, "/")
        write_output(profile_template(loaded, lang.value, reference), output)

    guarded(action)
