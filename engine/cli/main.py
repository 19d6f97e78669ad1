"""The `assess` application: the typer apps, the configuration's defaults, `--version` and completion."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from typer.core import TyperGroup

from engine.version import __version__

if TYPE_CHECKING:
    from typer._click import Context  # the click that typer runs on: its own copy in current typer

# Options of the `assess` group that may stand anywhere on the line (they are moved to the front).
CONFIG_OPTION, NO_CONFIG_FLAG = "--config", "--no-config"
# With these the line is about `assess` itself, never an assessment (`assess profile.yaml --help` is run's help).
GROUP_ONLY = frozenset({"--version", "--show-completion", "--install-completion"})


class DefaultToRun(TyperGroup):
    """`assess profile.yaml` means `assess run profile.yaml`; --config and --no-config go anywhere."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        front, rest = _hoist_config_options(args)
        if not GROUP_ONLY.intersection(rest):
            word = self._first_word(rest)
            if word is not None and word not in self.commands:
                rest = ["run", *rest]
        return super().parse_args(ctx, front + rest)

    def _first_word(self, args: list[str]) -> str | None:
        """The first argument that is not an option or the value of one (of `run`, which it defaults to)."""
        run = self.commands.get("run")
        takes_value = {name for param in (run.params if run else []) if not getattr(param, "is_flag", True)
                       for name in param.opts}
        expect_value = False
        for arg in args:
            if expect_value:
                expect_value = False
            elif arg == "--":
                return None
            elif arg.startswith("-"):
                expect_value = arg in takes_value
            else:
                return arg
        return None


def _hoist_config_options(args: list[str]) -> tuple[list[str], list[str]]:
    """(--config FILE and --no-config wherever they were, the other arguments in order); none after `--`."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        if arg == NO_CONFIG_FLAG or arg.startswith(CONFIG_OPTION + "="):
            front.append(arg)
        elif arg == CONFIG_OPTION and index + 1 < len(args):
            front += args[index:index + 2]
            index += 1
        else:
            rest.append(arg)
        index += 1
    return front, rest


app = typer.Typer(cls=DefaultToRun, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Assess community profiles against rule packs of Party-building and governance standards.")
pack_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Check and inspect rule packs.")
app.add_typer(pack_app, name="pack")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"assess {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
    config: Path | None = typer.Option(None, CONFIG_OPTION, metavar="FILE", envvar="ASSESS_CONFIG",
                                       help="The configuration file: an assess.toml, or a pyproject.toml with a "
                                            "tool.assess table. Default: the first found from the working "
                                            "directory up to the repository's root."),
    no_config: bool = typer.Option(False, NO_CONFIG_FLAG, help="Read no configuration file."),
) -> None:
    """Assess community profiles against rule packs."""
    from engine.cli.common import guarded
    from engine.cli.settings import load_config

    source = ctx.get_parameter_source("config")
    how = "ASSESS_CONFIG" if source is not None and source.name == "ENVIRONMENT" else CONFIG_OPTION
    settings = guarded(lambda: load_config(config, no_config, how))
    ctx.obj = settings
    ctx.default_map = settings.default_map()
