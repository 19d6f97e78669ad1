"""The `assess` application: the typer apps, the option types the commands share, `--version`."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import typer
from typer.core import TyperGroup

from engine.version import __version__

if TYPE_CHECKING:
    from typer._click import Context  # the click that typer runs on: its own copy in current typer


class DefaultToRun(TyperGroup):
    """`assess profile.yaml` means `assess run profile.yaml`."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
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


def _version(value: bool) -> None:
    if value:
        typer.echo(f"assess {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Show the version and exit.")) -> None:
    """Assess community profiles against rule packs."""
